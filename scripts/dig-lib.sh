# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# scripts/dig-lib.sh: dig as a test client, for the DNS suites
# (selftests/e2e/dns_e2e.sh, dns_serve_e2e.sh). Sourced after
# scripts/netns-lib.sh, whose nl_in, nl_why and nl_oneline it uses.
#
#   dq FROM SERVER DIG_ARGS...   one bounded query (dig +time=2 +tries=1 in
#                                `timeout 30`) from namespace FROM to SERVER,
#                                port $DQ_PORT, over TCP when DQ_TCP=1; dig's
#                                whole output in $DQ
#   d_status, d_flags, d_count SECTION, d_section SECTION, d_rdata TYPE,
#   has_flag FLAG, has_opt       fields of $DQ
#   want_rcode, want_answer, want_negative, want_refused
#                                what an answer must be; each failed
#                                expectation is an nl_why line
#
# The answers judged are the enforcer's: AA, RA clear, TC clear, TTL 5, the
# zone `internal` with its SOA (examples/dns.yml).

DQ_TCP=0	# 1: every dq over TCP, and want_rcode checks dig used TCP
DQ_PORT=53

dq()
{
	local from=$1 server=$2 tcp=()
	shift 2
	[ "$DQ_TCP" = 1 ] && tcp=(+tcp)
	DQ=$(nl_in "$from" timeout 30 dig "${tcp[@]}" +time=2 +tries=1 -p "$DQ_PORT" "@$server" "$@" 2>&1)
}

# where SERVER: how a message names the server asked (the port when not 53)
dq_where() { [ "$DQ_PORT" = 53 ] && printf '@%s' "$1" || printf '@%s:%s' "$1" "$DQ_PORT"; }

d_status() { sed -nE 's/.*->>HEADER<<- opcode: [A-Z]+, status: ([A-Z]+),.*/\1/p' <<<"$DQ"; }
d_flags() { sed -nE 's/^;; flags: ([a-z ]*);.*/\1/p' <<<"$DQ"; }
d_count() { sed -nE "s/^;; flags: .*[ ;]$1: ([0-9]+).*/\\1/p" <<<"$DQ"; }
# d_section NAME: the records of section NAME (QUESTION, ANSWER, AUTHORITY), one a line
d_section()
{
	awk -v s=";; $1 SECTION:" '$0 == s { on = 1; next } on && /^$/ { exit } on' <<<"$DQ"
}
# d_rdata TYPE: sorted rdata of the answer records of TYPE
d_rdata()
{
	d_section ANSWER | awk -v t="$1" '$4 == t { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' | sort
}
has_flag() { [[ " $(d_flags) " == *" $1 "* ]]; }
has_opt() { grep -q 'OPT PSEUDOSECTION' <<<"$DQ"; }

# want_rcode RCODE WHAT: the status of $DQ must be RCODE (and over TCP when DQ_TCP=1).
want_rcode()
{
	local got
	got=$(d_status)
	[ "$got" = "$1" ] || nl_why "$2: status '${got:-no answer}', want $1: $(nl_oneline "$DQ")"
	[ "$DQ_TCP" = 1 ] && [ -n "$got" ] && ! grep -q '^;; SERVER: .*(TCP)$' <<<"$DQ" &&
		nl_why "$2: not answered over TCP: $(nl_oneline "$(grep '^;; SERVER' <<<"$DQ")")"
	return 0
}

# want_answer FROM SERVER NAME TYPE "RDATA..." [DIG_ARGS...]: NOERROR, AA, RA and
# TC clear, the answer RRset exactly RDATA (sorted, one per line), every TTL 5.
want_answer()
{
	local from=$1 server=$2 name=$3 type=$4 want=$5 got ttl at
	shift 5
	at=$(dq_where "$server")
	dq "$from" "$server" "$name" "$type" "$@"
	want_rcode NOERROR "$from: $name $type $at"
	[ "$(d_status)" = NOERROR ] || return
	has_flag aa || nl_why "$from: $name $type: AA not set (flags: $(d_flags))"
	has_flag ra && nl_why "$from: $name $type: RA set"
	has_flag tc && nl_why "$from: $name $type: TC set in dig's last answer"
	got=$(d_rdata "$type")
	[ "$got" = "$(sort <<<"$want")" ] ||
		nl_why "$from: $name $type $at: got [$(nl_oneline "$got")], want [$(nl_oneline "$want")]"
	ttl=$(d_section ANSWER | awk '$2 != 5 { print $2 }' | head -n 1)
	[ -z "$ttl" ] || nl_why "$from: $name $type: TTL $ttl, want 5"
}

# want_negative FROM SERVER NAME TYPE RCODE [DIG_ARGS...]: RCODE (NXDOMAIN or
# NOERROR = NODATA), AA, no answer, the zone's SOA in authority with TTL 5.
want_negative()
{
	local from=$1 server=$2 name=$3 type=$4 rc=$5 soa at
	shift 5
	at=$(dq_where "$server")
	dq "$from" "$server" "$name" "$type" "$@"
	want_rcode "$rc" "$from: $name $type $at"
	[ "$(d_status)" = "$rc" ] || return
	has_flag aa || nl_why "$from: $name $type: AA not set"
	[ "$(d_count ANSWER)" = 0 ] || nl_why "$from: $name $type: $(d_count ANSWER) answers, want 0"
	soa=$(d_section AUTHORITY | awk '{ $1 = $1; print }')
	[[ "$soa" =~ ^internal\.\ 5\ IN\ SOA\ ns\.internal\.\ hostmaster\.internal\.\ [0-9]+\ 3600\ 600\ 86400\ 5$ ]] ||
		nl_why "$from: $name $type: authority [$(nl_oneline "$soa")], want the SOA of internal with TTL 5"
}

# want_refused FROM SERVER NAME TYPE [DIG_ARGS...]: REFUSED, AA clear, no
# records, the question echoed byte for byte; an OPT exactly when asked with EDNS.
want_refused()
{
	local from=$1 server=$2 name=$3 type=$4 edns=1 a at
	shift 4
	for a in "$@"; do [ "$a" = +noedns ] && edns=0; done
	at=$(dq_where "$server")
	dq "$from" "$server" "$name" "$type" "$@"
	want_rcode REFUSED "$from: $name $type $at"
	[ "$(d_status)" = REFUSED ] || return
	has_flag aa && nl_why "$from: $name $type: AA set on REFUSED"
	[ "$(d_count ANSWER)$(d_count AUTHORITY)" = 00 ] ||
		nl_why "$from: $name $type: records in REFUSED: $(nl_oneline "$DQ")"
	[ "$(d_section QUESTION | awk '{ print $1 }')" = ";$name." ] ||
		nl_why "$from: $name $type: question not echoed: [$(nl_oneline "$(d_section QUESTION)")]"
	if [ "$edns" = 1 ]; then
		grep -q '^; EDNS: version: 0, flags:.*; udp: 1232$' <<<"$DQ" ||
			nl_why "$from: $name $type (EDNS): no OPT (version 0, udp 1232) in REFUSED: $(nl_oneline "$DQ")"
	else
		has_opt && nl_why "$from: $name $type (no EDNS): OPT in REFUSED"
	fi
	return 0
}
