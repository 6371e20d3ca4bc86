#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# selftests/e2e/daemon_e2e.sh [ENFORCER_BINARY]: the node agent, `enforcer
# daemon`, end to end (contract section 7, "The node agent"), in throwaway
# network namespaces:
#
#   internet 203.0.113.7 -- n-inet (public) [node] n-priv (mixed) -- private 10.0.9.9
#                          routes, the daemon, resolver      (a peer of network vault)
#                          10.96.0.10 on lo (nobody listens)
#   pods, node side p-<pod> (glob "p-*", role pods):
#     web  10.0.1.10 :3000/tcp public     admin 10.0.2.10 :4000/tcp :4001/udp internal
#     db   10.0.4.10 :5000/tcp internal, in the isolated network vault
#     api1 10.0.5.10 + .11, api2 10.0.6.10 + .11, :7000/tcp: service api (health:
#          a TCP probe every second) and service peers (the same, publish_not_ready)
#   pods made while the daemon runs, node side veth* (glob "veth*", role pods):
#     adm2 10.0.3.10 (vethadm2), adm3 10.0.8.10 (vethren1, renamed vethren2)
#
# The daemon runs in the node namespace on our private bpffs, with
# --log-format json (one run with the text log); the cases follow its
# events (one JSON object a line) and check what they claim against
# `enforcer status`, `ip link`, real traffic (socat, a UDP sink) and dig
# from a pod at the resolver address (the kernel DNS program answers
# there; nothing listens on the node).
# The manifest lives in a ConfigMap-style directory (..data -> ..<time>/,
# manifest.yml -> ..data/manifest.yml) and is swapped the way the kubelet
# does it, then edited the way editors do.
#
# Measured times are printed (`    swap -> generation N: 0.23 s`). Bounds:
# what the contract says "within a second" is 1 s x TF here, every wait
# polls with a deadline of 20 s x TF. TF is 1 on a real machine, 10 under
# `make check-kernels` (its guests are qemu TCG, software emulation; it
# sets ENF_EXPECT_TC), at least 1/ENF_TEST_SCALE when that is below 1;
# ENF_TIME_FACTOR=N (an integer) sets it outright. ENF_KEEP_LOGS=DIR keeps
# the daemons' logs (stdout, stderr) there.
#
# Each case prints `ok   NAME` or its reasons and `FAIL NAME`; the last
# line is `N passed, N failed`; the exit status is non-zero iff something
# failed. Without root or network namespaces every case is skipped (exit 0).
#
# Safety (contract section 8): see scripts/netns-lib.sh. Namespaces are
# named enf-dmn-$$-*, the bpffs and every file live under a mktemp dir; the
# daemons, listeners and the flood sender run under `timeout`, are recorded
# by PID and stopped by PID in the EXIT trap (also on failure and ^C). The
# flood is bounded in count and time. No retries: a probe that flakes is
# a bug to find, not to repeat.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/scripts/netns-lib.sh"

NL_CASES=(baseline_without_enforcer daemon_starts_and_enforces_every_matching_link
	  status_reports_the_daemon configmap_swap_applies_new_generation
	  bad_manifest_rejected_daemon_alive_policy_kept editor_rename_over_and_truncate_write_apply
	  sighup_rereads expiry_reapplies_and_logs_expired second_daemon_on_same_pin_dir_refused
	  veth_created_after_start_enforced_within_a_second deleted_veth_leaves_status_check_ok
	  renamed_veth_followed health_removes_and_restores_instance_in_dig
	  kill9_during_flood_lets_nothing_through_and_restart_adopts sigterm_leaves_enforcement
	  generic_flag_and_text_log json_log_lines_are_events)

# ---- prerequisites -----------------------------------------------------

# cleanup: ENF_KEEP_LOGS=DIR keeps the daemons' logs there (debugging), then
# everything goes (nl_cleanup)
cleanup()
{
	if [ -n "${ENF_KEEP_LOGS:-}" ] && [ -n "$NL_TMP" ]; then
		mkdir -p "$ENF_KEEP_LOGS" && cp "$NL_TMP"/*.log "$NL_TMP"/*.txt "$NL_TMP"/*.err "$ENF_KEEP_LOGS"/ 2>/dev/null
	fi
	nl_cleanup
}

START=$SECONDS
nl_e2e_start enf-dmn "${1:-}" cleanup dig:dnsutils
out=$("$NL_ENFORCER" daemon --help 2>&1)
grep -qi 'unknown command' <<<"$out" && nl_setup_failed "the enforcer has no daemon command: $(nl_oneline "$out")"

TF=1
if [ -n "${ENF_TIME_FACTOR:-}" ]; then
	TF=$ENF_TIME_FACTOR
else
	[ -n "${ENF_EXPECT_TC:-}" ] && TF=10
	s=$(awk -v s="${ENF_TEST_SCALE:-1}" 'BEGIN { if (s > 0 && s < 1) printf "%d", 1 / s + 0.999; else print 1 }')
	[ "$s" -gt "$TF" ] && TF=$s
fi
DEADLINE=$((20 * TF))

# ---- topology ------------------------------------------------------------

RES4=10.96.0.10 RES6=fd00:96::10	# dns.resolvers (on the node's lo)
WEB4=10.0.1.10 WEB6=fd00:10::1:10
ADMIN4=10.0.2.10 ADMIN6=fd00:10::2:10
DB4=10.0.4.10 DB6=fd00:10::4:10
API1=10.0.5.10 API2=10.0.6.10		# service api, health-checked
PEER1=10.0.5.11 PEER2=10.0.6.11		# service peers, the same, publish_not_ready

declare -A LISTENER=()	# pod -> PID (of `timeout`) of its :7000 listener

# serve7000 POD: the :7000 listener of an api pod (both its addresses)
serve7000() { nl_serve_tcp "$1" 7000 "$1" && LISTENER[$1]=${NL_PIDS[-1]}; }

{
	nl_topology &&
	nl_pod web "$WEB4" "$WEB6" && nl_pod admin "$ADMIN4" "$ADMIN6" &&
	nl_pod db "$DB4" "$DB6" &&
	nl_pod api1 "$API1" fd00:10::5:10 && nl_in api1 ip addr add "$PEER1/24" dev eth0 &&
	nl_pod api2 "$API2" fd00:10::6:10 && nl_in api2 ip addr add "$PEER2/24" dev eth0 &&
	nl_lo_addr node "$RES4/32" "$RES6/128" &&
	nl_serve_tcp web 3000 web &&
	nl_serve_tcp admin 4000 admin &&
	nl_udp_sink admin 4001 "$NL_TMP/sink-admin" &&
	nl_serve_tcp db 5000 db &&
	serve7000 api1 && serve7000 api2
} || nl_setup_failed "cannot build the topology"

# ---- manifests -----------------------------------------------------------

# manifest FILE ADMIN_INTERNAL(true|false) [PEER]: PEER is the private
# host's entry in vault's peers (default: its /32)
manifest()
{
	local internal='' peer=${3:-$NL_PRIV4/32}
	[ "$2" = true ] && internal="        internal: true"
	cat >"$1" <<EOF
# daemon e2e manifest (generated by selftests/e2e/daemon_e2e.sh)
rack: e2e
zones: ["{service}.{app}.internal"]
dns:
  resolvers: [$RES4, "$RES6"]
  ttl: 5
private:
  - 10.0.0.0/16
  - "fd00:10::/48"
interfaces:
  - { name: $NL_IF_INET, role: public }
  - { name: $NL_IF_PRIV, role: mixed }
  - { match: "p-*", role: pods }
  - { match: "veth*", role: pods }
networks:
  vault:
    isolated: true
    cidrs: [10.0.4.0/24, "fd00:10::4:0/120"]
    peers: [$peer, "$NL_PRIV6/128"]
apps:
  shop:
    services:
      web:
        port: 3000
        instances: [$WEB4, "$WEB6"]
      admin:
        ports: [4000/tcp, 4001/udp]
$internal
        instances: [$ADMIN4, "$ADMIN6"]
      api:
        port: 7000
        internal: true
        instances: [$API1, $API2]
        health: { port: 7000, interval: 1, unhealthy: 2, healthy: 1 }
      peers:
        port: 7000
        internal: true
        publish_not_ready: true
        instances: [$PEER1, $PEER2]
        health: { port: 7000, interval: 1, unhealthy: 2, healthy: 1 }
  vault:
    network: vault
    services:
      db:
        port: 5000
        internal: true
        instances: [$DB4, "$DB6"]
EOF
}

M_BASE=$NL_TMP/base.yml		# admin internal
M_OPEN=$NL_TMP/admin-public.yml	# admin public
M_BAD=$NL_TMP/bad.yml		# an error at line 3, column 5 (host bits set)
manifest "$M_BASE" true
manifest "$M_OPEN" false
cat >"$M_BAD" <<'EOF'
rack: e2e
private:
  - 10.0.0.1/16
apps: {}
EOF

# The ConfigMap volume: CM/..data -> ..<time>, CM/manifest.yml -> ..data/manifest.yml
CM=$NL_TMP/configmap
MF=$CM/manifest.yml
CM_N=0
mkdir -p "$CM" || nl_setup_failed "cannot make $CM"

# cm_publish SRC: SRC's content becomes the ConfigMap's, as the kubelet's
# atomic writer does it: a new timestamped directory, a symlink ..data_tmp
# to it renamed over ..data, the old directory removed. T0: just before
# the rename (the moment the new content is visible).
cm_publish()
{
	local old new
	old=$(readlink "$CM/..data" 2>/dev/null)
	CM_N=$((CM_N + 1))
	new=..$(date -u +%Y_%m_%d_%H_%M_%S).$(printf '%09d' "$CM_N")
	mkdir "$CM/$new" && cp "$1" "$CM/$new/manifest.yml" && chmod 0644 "$CM/$new/manifest.yml" &&
	ln -s "$new" "$CM/..data_tmp" || return 1
	T0=$(now)
	mv -T "$CM/..data_tmp" "$CM/..data" || return 1
	[ -z "$old" ] || rm -rf "${CM:?}/$old"
	[ -L "$MF" ] || [ -e "$MF" ] || ln -s ..data/manifest.yml "$MF"
}

# ---- helpers -------------------------------------------------------------

now() { date +%s.%N; }
# secs FROM TO: TO - FROM in seconds, two decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# le A B: A <= B (decimals)
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
note() { printf '    %s\n' "$*"; }

# drop_pid PID: PID is no longer ours to stop (it ended and was waited for)
drop_pid()
{
	local p keep=()
	for p in "${NL_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	NL_PIDS=("${keep[@]}")
}

# gone PID: PID has ended (a zombie counts as ended)
gone()
{
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

# stop_pid PID: TERM, a bounded wait, KILL if still there, reap, forget
stop_pid()
{
	kill -TERM "$1" 2>/dev/null
	nl_until "$DEADLINE" gone "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	drop_pid "$1"
}

no_listener() { [ -z "$(nl_in "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]; }

# unserve7000 POD: stop the :7000 listener of POD, until the port is closed
unserve7000()
{
	stop_pid "${LISTENER[$1]}"
	nl_until "$DEADLINE" no_listener "$1" 7000 || nl_why "$1: the :7000 listener does not go away"
}

# Events. The daemon writes one JSON object a line; a mark is a line
# count, and a search looks only at lines after it.
mark() { local n; n=$(wc -l <"$1" 2>/dev/null); echo "${n:-0}"; }

# ev_find LOG MARK FILTER: the first event after line MARK of LOG that
# matches the jq FILTER (compact JSON), nothing when none does
ev_find()
{
	tail -n +"$(($2 + 1))" "$1" 2>/dev/null |
		jq -cR "fromjson? | select(type == \"object\") | select($3)" 2>/dev/null | head -n 1
}

# ev_all LOG MARK FILTER: every such event, one a line
ev_all()
{
	tail -n +"$(($2 + 1))" "$1" 2>/dev/null |
		jq -cR "fromjson? | select(type == \"object\") | select($3)" 2>/dev/null
}

# ev_wait LOG MARK SECS FILTER: polls (every 50 ms, at most SECS) for such
# an event: EV (empty when none came), EV_SEEN (when the poll saw it).
ev_wait()
{
	local end=$((SECONDS + $3))
	EV='' EV_SEEN=''
	while :; do
		EV=$(ev_find "$1" "$2" "$4")
		if [ -n "$EV" ]; then
			EV_SEEN=$(now)
			return 0
		fi
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# ev_time: the epoch seconds of $EV's "time" (empty when unreadable)
ev_time()
{
	local t
	t=$(jq -r '.time // empty' <<<"$EV" 2>/dev/null)
	[ -n "$t" ] && date -d "$t" +%s.%N 2>/dev/null
}

# ev_since T0 WHAT: seconds from T0 to $EV's time, into SINCE; the event's
# time must lie between T0 and when the poll saw it (50 ms of slack: the
# time has milliseconds).
ev_since()
{
	local t
	t=$(ev_time)
	if [ -z "$t" ]; then
		nl_why "$2: event without a readable time: $EV"
		SINCE=$(secs "$1" "$EV_SEEN")
		return
	fi
	if ! le "$1" "$(awk -v t="$t" 'BEGIN { printf "%.3f", t + 0.05 }')" ||
		! le "$t" "$(awk -v t="$EV_SEEN" 'BEGIN { printf "%.3f", t + 0.05 }')"; then
		nl_why "$2: event time $(jq -r .time <<<"$EV") ($t) is not between the action ($1) and when it was seen ($EV_SEEN)"
	fi
	SINCE=$(secs "$1" "$t")
}

# want_ev LOG MARK SECS FILTER WHAT: ev_wait, a reason when nothing came
want_ev()
{
	ev_wait "$1" "$2" "$3" "$4" && return 0
	nl_why "$5: no event matching '$4' within $3 s; log since: $(nl_oneline "$(tail -n +"$(($2 + 1))" "$1" | tail -n 8)")"
	return 1
}

# The daemon under test: its `timeout` wrapper TPID (in NL_PIDS), its own
# PID DPID (from the `started` event), stdout DLOG, stderr DERR.
TPID='' DPID='' DLOG='' DERR=''

# daemon_start NAME DIR ARGS...: `enforcer daemon ARGS` in the node namespace,
# run from DIR (a relative -f resolves there), until its `started` event;
# with --log-format json in ARGS it reads the JSON line, else the text line
# `TIME started pid=N ...`
daemon_start()
{
	local name=$1 dir=$2 pp json=0
	shift 2
	case " $* " in *" --log-format json "*) json=1 ;; esac
	DLOG=$NL_TMP/$name.log DERR=$NL_TMP/$name.err DPID=''
	: >"$DLOG"
	# exec: $! is the PID of `timeout` (ip netns exec execs it)
	(cd "$dir" && exec ip netns exec "$(nl_ns node)" timeout "$NL_LISTEN_SECS" \
		"$NL_ENFORCER" --pin-dir "$NL_PIN" daemon "$@" </dev/null >"$DLOG" 2>"$DERR") &
	TPID=$!
	NL_PIDS+=("$TPID")
	if [ $json = 1 ] && ev_wait "$DLOG" 0 "$DEADLINE" '.event == "started"'; then
		DPID=$(jq -r '.pid // empty' <<<"$EV")
	elif [ $json = 0 ] && ev_wait_text "$DLOG" "$DEADLINE" "started "; then
		DPID=$(sed -nE 's/.* pid=([0-9]+).*/\1/p' <<<"$EVT")
	else
		nl_why "daemon $*: no 'started' event within $DEADLINE s; stdout: $(nl_oneline "$(head -n 5 "$DLOG")"); stderr: $(nl_oneline "$(head -n 5 "$DERR")")"
		return 1
	fi
	pp=$(awk '/^PPid:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null)
	if [ "$pp" != "$TPID" ]; then
		nl_why "started: pid '$DPID' is not the daemon we started (its parent is '$pp', want $TPID)"
		return 1
	fi
}

# ev_wait_text LOG SECS TEXT: until a line of LOG has "Z TEXT" (the event
# after the time) -> EVT
ev_wait_text()
{
	local end=$((SECONDS + $2))
	while :; do
		EVT=$(grep -F "Z $3" "$1" 2>/dev/null | head -n 1)
		[ -n "$EVT" ] && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# daemon_wait: until the daemon (its timeout wrapper) ended, at most
# DEADLINE; DRC: its exit status
daemon_wait()
{
	DRC=''
	nl_until "$DEADLINE" gone "$TPID" || return 1
	{ wait "$TPID"; } 2>/dev/null	# no "Killed" notice after a kill -9
	DRC=$?
	drop_pid "$TPID"
}

# jstatus JQ_EXPR: JQ_EXPR over `status --json`; status 0 iff true
jstatus() { nl_enf status --json 2>/dev/null | jq -e "$1" >/dev/null 2>&1; }
jget() { nl_enf status --json 2>/dev/null | jq -r "$1" 2>/dev/null; }
# links: "name:link_id" of every attached interface, sorted, one line
links() { jget '[.interfaces[] | "\(.name):\(.link_id)"] | sort | join(" ")'; }
drops() { jget '[.counters | to_entries[] | select(.key | startswith("drop")) | .value.packets] | add // 0'; }

# xdp_on IFACE: "native", "generic" or "none", from `ip link`
xdp_on()
{
	local line
	line=$(nl_in node ip -d link show dev "$1" 2>/dev/null)
	case "$line" in
	*" xdpgeneric "* | *" xdpgeneric/"*) echo generic ;;
	*" xdp "* | *" xdp/"*) echo native ;;
	*) echo none ;;
	esac
}

# want_enforced IFACE ROLE: status lists IFACE, role ROLE, with XDP; ip link agrees
want_enforced()
{
	local row
	row=$(jget ".interfaces[] | select(.name == \"$1\")" | jq -c . 2>/dev/null)
	if [ -z "$row" ]; then
		nl_why "status --json does not list $1: $(nl_oneline "$(links)")"
		return
	fi
	jq -e ".role == \"$2\" and (.xdp_mode == \"native\" or .xdp_mode == \"generic\")" >/dev/null <<<"$row" ||
		nl_why "status --json: $1 is $row, want role $2 with XDP"
	[ "$(xdp_on "$1")" != none ] || nl_why "ip link: $1 has no XDP program"
}

# DNS, as dns_e2e.sh: dq FROM NAME TYPE -> $DQ; fields of it
dq() { DQ=$(nl_in "$1" timeout $((2 + NL_SLACK)) dig +time=2 +tries=1 "@$RES4" "$2" "$3" ${DQ_TCP:+"+tcp"} 2>&1); }
d_status() { sed -nE 's/.*->>HEADER<<- opcode: [A-Z]+, status: ([A-Z]+),.*/\1/p' <<<"$DQ"; }
d_count() { sed -nE "s/^;; flags: .*[ ;]$1: ([0-9]+).*/\\1/p" <<<"$DQ"; }
d_rdata()
{
	awk '$0 == ";; ANSWER SECTION:" { on = 1; next } on && /^$/ { exit } on' <<<"$DQ" |
		awk -v t="$1" '$4 == t { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' | sort
}
# answer FROM NAME TYPE: "STATUS rdata rdata ..." on one line
# shellcheck disable=SC2046	# the records, one a word
answer() { dq "$1" "$2" "$3"; echo "$(d_status)" $(d_rdata "$3"); }
# answer_is FROM NAME TYPE WANT: for nl_until; every answer goes to
# $NL_TMP/dig-trace.log as "START END ANSWER" (when the dig began and ended)
answer_is()
{
	local a t
	t=$(now)
	a=$(answer "$1" "$2" "$3")
	echo "$t $(now) $a" >>"$NL_TMP/dig-trace.log"
	[ "$a" = "$4" ]
}

# dig_trace T0: the answers polled since T0, each change with the time
# its dig began and ended, after T0
dig_trace()
{
	awk -v t0="$1" '$1 >= t0 { a = $0; sub(/^[^ ]+ [^ ]+ /, "", a); n++
		if (a != last) { printf "+%.2f..%.2f s: %s; ", $1 - t0, $2 - t0, a; last = a } }
		END { printf "%d polls", n }' "$NL_TMP/dig-trace.log" 2>/dev/null
}

# flip WHAT T0 TB WANT ANSWERED: api.shop.internal A must become WANT, and
# the daemon log `dns_updated` (api, ANSWERED) after mark m. Printed: from
# T0 to that event (the answer change: the daemon flips the answer maps,
# then logs; dig from a pod may take long to start on a loaded machine,
# so its own time is only shown). Checked: the event at most HB after TB,
# and no dig begun 0.2 s after the event got the old answer.
flip()
{
	local what=$1 t0=$2 tb=$3 want=$4 te seen stale
	if ! nl_until "$DEADLINE" answer_is web api.shop.internal A "$want"; then
		nl_why "$what: api.shop.internal A is '$(answer web api.shop.internal A)' $DEADLINE s on, want '$want'; dig saw: $(dig_trace "$t0")"
		return
	fi
	seen=$(now)
	want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"dns_updated\" and .service == \"api\" and .answered == $5" "$what" ||
		return
	te=$(ev_time)
	note "$what: $(secs "$t0" "$te") s (dns_updated; dig had the new answer at +$(secs "$t0" "$seen") s; bound $HB s from +$(secs "$t0" "$tb") s)"
	le "$(secs "$tb" "$te")" "$HB" || nl_why "$what: dns_updated $(secs "$tb" "$te") s after +$(secs "$t0" "$tb") s, over $HB s"
	stale=$(awk -v t0="$t0" -v te="$te" -v w="$want" '$1 >= t0 && $1 > te + 0.2 {
		a = $0; sub(/^[^ ]+ [^ ]+ /, "", a); if (a != w) { printf "+%.2f s: %s", $1 - te, a; exit } }' "$NL_TMP/dig-trace.log")
	[ -z "$stale" ] || nl_why "$what: a dig begun after dns_updated still got the old answer ($stale); dig saw: $(dig_trace "$t0")"
}

# want_answer FROM NAME TYPE WANT: one query, its "STATUS rdata..." must be WANT
want_answer()
{
	local got
	got=$(answer "$1" "$2" "$3")
	[ "$got" = "$4" ] || nl_why "$1: dig $2 $3: got '$got', want '$4'"
}

# send_udp FROM ADDR PORT TEXT: one datagram, no answer awaited
send_udp()
{
	nl_in "$1" timeout $((1 + NL_SLACK)) "$NL_PY" -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[3].encode() + b"\n", (a, int(sys.argv[2])))
' "$2" "$3" "$4"
}

sink_has() { grep -q "$1" "$NL_TMP/sink-admin"; }

ALL_LINKS="$NL_IF_INET $NL_IF_PRIV p-admin p-api1 p-api2 p-db p-web"

# ---- 1. baseline ---------------------------------------------------------

nl_begin baseline_without_enforcer
nl_reach inet "$WEB4" 3000/tcp web
nl_reach inet "$ADMIN4" 4000/tcp admin
nl_reach inet "$ADMIN6" 4000/tcp admin
nl_reach inet "$DB4" 5000/tcp db
nl_reach priv "$DB4" 5000/tcp db
nl_reach web "$API1" 7000/tcp api1
nl_reach web "$PEER2" 7000/tcp api2
nl_end
nl_case_ok || nl_abort "the topology does not carry traffic without the enforcer; every other case would be meaningless"

# ---- 2. the daemon starts: policy, every matching link ---------------------

nl_begin daemon_starts_and_enforces_every_matching_link
cm_publish "$M_BASE" || nl_abort "cannot write the ConfigMap directory $CM"
# -f relative to its working directory: the daemon must make it absolute
if ! daemon_start A "$NL_TMP" -f configmap/manifest.yml --log-format json; then
	nl_end
	nl_abort "the daemon does not start; nothing else can be tested"
fi
A_LOG=$DLOG A_ERR=$DERR
jq -e --arg p "$NL_PIN" --arg m "$MF" '.pin_dir == $p and .manifest == $m' >/dev/null <<<"$EV" ||
	nl_why "started: $EV, want pin_dir $NL_PIN and manifest $MF (absolute)"
if want_ev "$A_LOG" 0 "$DEADLINE" '.event == "applied"' "first apply"; then
	GEN=$(jq -r .generation <<<"$EV")
	jq -e --arg m "$MF" --arg s "$(sha256sum <"$M_BASE" | cut -d ' ' -f 1)" \
		'.manifest == $m and .sha256 == $s and (.duration_ms | type) == "number"' >/dev/null <<<"$EV" ||
		nl_why "applied: $EV, want manifest $MF, the sha256 of its content, duration_ms"
	jstatus ".policy.generation == $GEN" || nl_why "status: generation is not $GEN (the applied event's)"
else
	GEN=0
fi
for i in $ALL_LINKS; do
	role=pods
	case "$i" in "$NL_IF_INET") role=public ;; "$NL_IF_PRIV") role=mixed ;; esac
	want_ev "$A_LOG" 0 "$DEADLINE" ".event == \"link_enforced\" and .iface == \"$i\"" "$i" || continue
	ifx=$(nl_in node cat "/sys/class/net/$i/ifindex" 2>/dev/null)
	jq -e --arg r "$role" --argjson x "${ifx:-0}" '.role == $r and .ifindex == $x and .xdp == "native"' \
		>/dev/null <<<"$EV" || nl_why "link_enforced: $EV, want role $role, ifindex $ifx, xdp native"
	want_enforced "$i" "$role"
done
ev=$(ev_all "$A_LOG" 0 '.event == "link_failed" or .event == "rejected"')
[ -z "$ev" ] || nl_why "unexpected events: $(nl_oneline "$ev")"
nl_run out 0 status --check
nl_blocked inet "$ADMIN4" 4000/tcp
nl_blocked inet "$ADMIN6" 4000/tcp
nl_blocked inet "$DB4" 5000/tcp
nl_reach inet "$WEB4" 3000/tcp web
nl_reach priv "$ADMIN4" 4000/tcp admin
nl_reach priv "$DB4" 5000/tcp db
nl_end
nl_case_ok || [ "$GEN" != 0 ] || nl_abort "the daemon applied nothing; nothing else can be tested"

# ---- 3. status tells the daemon ----------------------------------------------

nl_begin status_reports_the_daemon
json=$(nl_enf status --json 2>/dev/null)
jq -e --argjson p "$DPID" '.daemon.running == true and .daemon.pid == $p and
	(.daemon.heartbeat_age_ms | type) == "number" and .daemon.heartbeat_age_ms < 10000 and
	(.daemon.last_apply | type) == "object"' >/dev/null 2>&1 <<<"$json" ||
	nl_why "status --json .daemon: $(jq -c .daemon <<<"$json" 2>/dev/null), want running, pid $DPID, a fresh heartbeat, last_apply"
nl_run out 0 status
grep -E "^daemon:.*\<$DPID\>" <<<"$out" >/dev/null || nl_why "status: no 'daemon:' line with pid $DPID: $(nl_oneline "$(grep -i daemon <<<"$out")")"
nl_end

# ---- 4. a ConfigMap swap applies -----------------------------------------------

nl_begin configmap_swap_applies_new_generation
m=$(mark "$A_LOG")
cm_publish "$M_OPEN" || nl_why "cannot swap the ConfigMap"
if want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"applied\" and .generation > $GEN" "swap to admin public"; then
	ev_since "$T0" "applied"
	g=$(jq -r .generation <<<"$EV")
	note "swap -> generation $g: $SINCE s"
	le "$SINCE" $((5 * TF)) || nl_why "swap -> generation $g took $SINCE s, over $((5 * TF)) s"
	jq -e --arg s "$(sha256sum <"$M_OPEN" | cut -d ' ' -f 1)" '.sha256 == $s' >/dev/null <<<"$EV" ||
		nl_why "applied: sha256 is not that of the new content: $EV"
	jstatus ".policy.generation == $g" || nl_why "status: generation is not $g"
	GEN=$g
fi
nl_reach inet "$ADMIN4" 4000/tcp admin
nl_reach inet "$ADMIN6" 4000/tcp admin
nl_blocked inet "$DB4" 5000/tcp
m=$(mark "$A_LOG")
cm_publish "$M_BASE" || nl_why "cannot swap the ConfigMap back"
if want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"applied\" and .generation > $GEN" "swap back to admin internal"; then
	ev_since "$T0" "applied"
	g=$(jq -r .generation <<<"$EV")
	note "swap -> generation $g: $SINCE s"
	le "$SINCE" $((5 * TF)) || nl_why "swap -> generation $g took $SINCE s, over $((5 * TF)) s"
	GEN=$g
fi
nl_blocked inet "$ADMIN4" 4000/tcp
nl_blocked inet "$ADMIN6" 4000/tcp
nl_reach inet "$WEB4" 3000/tcp web
jstatus ".policy.generation == $GEN" || nl_why "status: generation is not $GEN"
ev=$(ev_all "$A_LOG" 0 '.event == "rejected"')
[ -z "$ev" ] || nl_why "unexpected rejected events: $(nl_oneline "$ev")"
nl_end

# ---- 5. a bad manifest is rejected, the policy stays -------------------------------

nl_begin bad_manifest_rejected_daemon_alive_policy_kept
sha=$(jget .policy.sha256)
m=$(mark "$A_LOG") e=$(mark "$A_ERR")
cm_publish "$M_BAD" || nl_why "cannot swap the ConfigMap"
if want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "rejected"' "broken manifest"; then
	jq -e --arg m "$MF" '.manifest == $m and .errors >= 1' >/dev/null <<<"$EV" ||
		nl_why "rejected: $EV, want manifest $MF and errors >= 1"
fi
tail -n +"$((e + 1))" "$A_ERR" | grep -q 'manifest\.yml:3:5: ' ||
	nl_why "stderr: no 'manifest.yml:3:5: ...' error line: $(nl_oneline "$(tail -n +"$((e + 1))" "$A_ERR")")"
gone "$DPID" && nl_why "the daemon died"
jstatus ".policy.generation == $GEN and .policy.sha256 == \"$sha\"" ||
	nl_why "status: generation or sha256 changed by a rejected manifest: $(jget '.policy | "\(.generation) \(.sha256)"')"
ev=$(ev_all "$A_LOG" "$m" '.event == "applied"')
[ -z "$ev" ] || nl_why "applied after a broken manifest: $(nl_oneline "$ev")"
nl_blocked inet "$ADMIN4" 4000/tcp
nl_blocked inet "$DB4" 5000/tcp
nl_reach inet "$WEB4" 3000/tcp web
nl_reach priv "$ADMIN4" 4000/tcp admin
# the good content back: what is in force already
m=$(mark "$A_LOG")
cm_publish "$M_BASE" || nl_why "cannot swap the ConfigMap back"
want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "unchanged" or .event == "applied"' "good content back" &&
	GEN=$(jget .policy.generation)
nl_end

# ---- 6. editors: rename over, truncate and write -------------------------------------

nl_begin editor_rename_over_and_truncate_write_apply
# rename over (vim's default, sed -i, most editors): manifest.yml becomes a file
cp "$M_OPEN" "$CM/.manifest.yml.swp"
m=$(mark "$A_LOG")
T0=$(now)
mv -f "$CM/.manifest.yml.swp" "$MF"
if want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"applied\" and .generation > $GEN" "rename over"; then
	ev_since "$T0" "applied"
	GEN=$(jq -r .generation <<<"$EV")
	note "rename over -> generation $GEN: $SINCE s"
fi
nl_reach inet "$ADMIN4" 4000/tcp admin
# truncate and write, in place (the daemon must not read the empty file)
m=$(mark "$A_LOG")
T0=$(now)
cat "$M_BASE" >"$MF"
if want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"applied\" and .generation > $GEN" "truncate and write"; then
	ev_since "$T0" "applied"
	GEN=$(jq -r .generation <<<"$EV")
	note "truncate+write -> generation $GEN: $SINCE s"
fi
ev=$(ev_all "$A_LOG" "$m" '.event == "rejected"')
[ -z "$ev" ] || nl_why "truncate and write: rejected on the way (debounce): $(nl_oneline "$ev")"
nl_blocked inet "$ADMIN4" 4000/tcp
jstatus ".policy.generation == $GEN" || nl_why "status: generation is not $GEN"
nl_end

# ---- 7. SIGHUP re-reads ------------------------------------------------------------

nl_begin sighup_rereads
m=$(mark "$A_LOG")
kill -HUP "$DPID" 2>/dev/null || nl_why "cannot send SIGHUP to $DPID"
want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "unchanged" or .event == "applied"' "SIGHUP" &&
	GEN=$(jget .policy.generation)
gone "$DPID" && nl_why "the daemon died on SIGHUP"
nl_end

# ---- 8. an expiring entry: re-applied at its expiry ------------------------------------

# put_manifest SRC: SRC's content renamed over the manifest (as editors do)
put_manifest()
{
	cp "$1" "$CM/.manifest.yml.new" && mv -f "$CM/.manifest.yml.new" "$MF"
}

nl_begin expiry_reapplies_and_logs_expired
# the private host stays a peer of vault for a few seconds only
exp=$(($(date +%s) + 6 * TF))
manifest "$NL_TMP/expiring.yml" true \
	"{ cidr: $NL_PRIV4/32, label: audit, expires: \"$(date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ)\" }"
m=$(mark "$A_LOG")
put_manifest "$NL_TMP/expiring.yml"
want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"applied\" and .generation > $GEN" "expiring peer" &&
	GEN=$(jq -r .generation <<<"$EV")
# (the control, when there is time left for it on a slow machine)
[ $(($(date +%s) + 2)) -lt "$exp" ] && nl_reach priv "$DB4" 5000/tcp db
if want_ev "$A_LOG" "$m" $((DEADLINE + 6 * TF)) ".event == \"expired\"" "expiry"; then
	ev_since "$exp" expired
	note "expiry -> expired event: $SINCE s"
	jq -e --argjson g "$GEN" '.generation > $g' >/dev/null <<<"$EV" ||
		nl_why "expired: $EV, want a generation above $GEN (re-applied)"
	GEN=$(jget .policy.generation)
fi
nl_blocked priv "$DB4" 5000/tcp
nl_reach priv "$DB6" 5000/tcp db	# its IPv6 entry does not expire
# back to the base manifest
m=$(mark "$A_LOG")
put_manifest "$M_BASE"
want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"applied\" and .generation > $GEN" "base manifest back" &&
	GEN=$(jq -r .generation <<<"$EV")
nl_reach priv "$DB4" 5000/tcp db
nl_end

# ---- 9. one daemon per pin dir -----------------------------------------------------

nl_begin second_daemon_on_same_pin_dir_refused
m=$(mark "$A_LOG")
out=$(nl_in node timeout "$DEADLINE" "$NL_ENFORCER" --pin-dir "$NL_PIN" daemon -f "$MF" \
	--log-format json 2>"$NL_TMP/second.err" </dev/null)
rc=$?
err=$(cat "$NL_TMP/second.err")
[ "$rc" = 1 ] || nl_why "second daemon: exit $rc, want 1; stdout: $(nl_oneline "$out"); stderr: $(nl_oneline "$err")"
grep -qw -- "$DPID" <<<"$err" || nl_why "second daemon: stderr does not name pid $DPID: $(nl_oneline "$err")"
gone "$DPID" && nl_why "the first daemon died"
jstatus ".policy.generation == $GEN" || nl_why "status: generation $(jget .policy.generation), want $GEN"
nl_end

# ---- 10. a veth made after the start -------------------------------------------------

nl_begin veth_created_after_start_enforced_within_a_second
nl_netns_add adm2 || nl_why "cannot make namespace adm2"
m=$(mark "$A_LOG")
T0=$(now)
nl_link vethadm2 adm2 10.0.3.1/24 fd00:10::3:1/120 10.0.3.10/24 fd00:10::3:10/120 ||
	nl_why "cannot make vethadm2"
if want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "link_enforced" and .iface == "vethadm2"' "vethadm2"; then
	ev_since "$T0" "link_enforced"
	note "vethadm2 created -> enforced: $SINCE s (bound $TF s)"
	le "$SINCE" "$TF" || nl_why "vethadm2 enforced after $SINCE s, over $TF s"
	ifx=$(nl_in node cat /sys/class/net/vethadm2/ifindex 2>/dev/null)
	jq -e --argjson x "${ifx:-0}" '.role == "pods" and .ifindex == $x and .xdp == "native"' >/dev/null <<<"$EV" ||
		nl_why "link_enforced: $EV, want role pods, ifindex $ifx, xdp native"
fi
want_enforced vethadm2 pods
# isolation through it: vault is isolated, adm2 is rack-private but no member
nl_blocked adm2 "$DB4" 5000/tcp
nl_blocked adm2 "$DB6" 5000/tcp
nl_reach priv "$DB4" 5000/tcp db	# vault's peer: the path works
nl_reach adm2 "$WEB4" 3000/tcp web
nl_reach adm2 "$ADMIN4" 4000/tcp admin
# and DNS by its role: answered, split horizon
want_answer adm2 web.shop.internal A "NOERROR $WEB4"
want_answer adm2 db.vault.internal A "NXDOMAIN"
want_answer web api.shop.internal A "NOERROR $API1 $API2"
nl_run out 0 status --check
nl_end

# ---- 11. a deleted veth is not a fault ----------------------------------------------

nl_begin deleted_veth_leaves_status_check_ok
m=$(mark "$A_LOG")
nl_in node ip link del vethadm2 || nl_why "cannot delete vethadm2"
want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "link_gone" and .iface == "vethadm2"' "vethadm2 deleted"
ev=$(ev_all "$A_LOG" "$m" '.event == "link_failed"')
[ -z "$ev" ] || nl_why "link_failed after a deletion: $(nl_oneline "$ev")"
nl_run out 0 status --check
gone "$DPID" && nl_why "the daemon died"
nl_blocked inet "$ADMIN4" 4000/tcp
nl_end

# ---- 12. a renamed veth is followed -------------------------------------------------

nl_begin renamed_veth_followed
nl_netns_add adm3 || nl_why "cannot make namespace adm3"
m=$(mark "$A_LOG")
nl_link vethren1 adm3 10.0.8.1/24 fd00:10::8:1/120 10.0.8.10/24 fd00:10::8:10/120 ||
	nl_why "cannot make vethren1"
want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "link_enforced" and .iface == "vethren1"' "vethren1"
m=$(mark "$A_LOG")
{
	nl_in node ip link set dev vethren1 down &&
	nl_in node ip link set dev vethren1 name vethren2 &&
	nl_in node ip link set dev vethren2 up
} || nl_why "cannot rename vethren1 to vethren2"
want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "link_renamed" and .from == "vethren1" and .to == "vethren2"' "rename"
want_enforced vethren2 pods
jstatus '[.interfaces[] | select(.name == "vethren1")] | length == 0' || nl_why "status still lists vethren1"
nl_blocked adm3 "$DB4" 5000/tcp
nl_reach adm3 "$WEB4" 3000/tcp web
nl_run out 0 status --check
ev=$(ev_all "$A_LOG" "$m" '.event == "link_failed"')
[ -z "$ev" ] || nl_why "link_failed: $(nl_oneline "$ev")"
nl_in node ip link del vethren2 || nl_why "cannot delete vethren2"
nl_end

# ---- 13. health: out of DNS and back ------------------------------------------------

nl_begin health_removes_and_restores_instance_in_dig
BOTH="NOERROR $API1 $API2"
# bound, from the moment the port is closed (or open again): two failed
# probes an interval (1 s +-10 %) apart, the first up to an interval
# later (one passed probe to come back); 2 s to spare
HB=$((5 * TF))
nl_until "$DEADLINE" answer_is web api.shop.internal A "$BOTH" ||
	nl_why "api.shop.internal A never answered both instances: $(answer web api.shop.internal A)"
want_answer web _7000._tcp.api.shop.internal SRV "NOERROR 0 0 7000 1.api.shop.internal. 0 0 7000 2.api.shop.internal."
want_answer web peers.shop.internal A "NOERROR $PEER1 $PEER2"
# one instance fails
m=$(mark "$A_LOG")
T0=$(now)
unserve7000 api1
tc=$(now)
flip "listener kill -> answer change" "$T0" "$tc" "NOERROR $API2" 1
want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"health\" and .app == \"shop\" and .service == \"api\" and .instance == \"$API1\" and .healthy == false" "api1 down"
want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "dns_updated" and .app == "shop" and .service == "api" and .answered == 1' "api1 down"
want_answer web _7000._tcp.api.shop.internal SRV "NOERROR 0 0 7000 2.api.shop.internal."
# over TCP (steered to the daemon's stream server) the same healthy set
DQ_TCP=1
want_answer web api.shop.internal A "NOERROR $API2"
want_answer web _7000._tcp.api.shop.internal SRV "NOERROR 0 0 7000 2.api.shop.internal."
dq web api.shop.internal A
grep -q '(TCP)' <<<"$DQ" || nl_why "dig +tcp did not use TCP: $(nl_oneline "$DQ")"
DQ_TCP=
# publish_not_ready: peers keeps its failing instance
want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"health\" and .service == \"peers\" and .instance == \"$PEER1\" and .healthy == false" "peers: api1 down" &&
	want_answer web peers.shop.internal A "NOERROR $PEER1 $PEER2"
# the packet path is untouched: the instance is still reachable by address
nl_reach web "$API2" 7000/tcp api2
# it comes back
m=$(mark "$A_LOG")
serve7000 api1 || nl_why "cannot restart the api1 listener"
T0=$(now)
flip "listener back -> answer restored" "$T0" "$T0" "$BOTH" 2
want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"health\" and .service == \"api\" and .instance == \"$API1\" and .healthy == true" "api1 back"
want_answer web _7000._tcp.api.shop.internal SRV "NOERROR 0 0 7000 1.api.shop.internal. 0 0 7000 2.api.shop.internal."
# none healthy: NODATA, not stale addresses
m=$(mark "$A_LOG")
unserve7000 api1
unserve7000 api2
nl_until "$DEADLINE" answer_is web api.shop.internal A "NOERROR" ||
	nl_why "api.shop.internal A is '$(answer web api.shop.internal A)' with both listeners dead, want NODATA (NOERROR, no answer)"
dq web api.shop.internal A
{ [ "$(d_status)" = NOERROR ] && [ "$(d_count ANSWER)" = 0 ]; } ||
	nl_why "dig api.shop.internal A with none healthy: status $(d_status), $(d_count ANSWER) answers, want NOERROR and 0"
want_answer web _7000._tcp.api.shop.internal SRV "NOERROR"
want_ev "$A_LOG" "$m" "$DEADLINE" '.event == "dns_updated" and .service == "api" and .answered == 0' "both down"
want_ev "$A_LOG" "$m" "$DEADLINE" ".event == \"health\" and .service == \"peers\" and .instance == \"$PEER2\" and .healthy == false" "peers: both down" &&
	want_answer web peers.shop.internal A "NOERROR $PEER1 $PEER2"
# both back
{ serve7000 api1 && serve7000 api2; } || nl_why "cannot restart the listeners"
nl_until "$DEADLINE" answer_is web api.shop.internal A "$BOTH" ||
	nl_why "api.shop.internal A is '$(answer web api.shop.internal A)' after both came back, want '$BOTH'"
gone "$DPID" && nl_why "the daemon died"
nl_end

# ---- 14. kill -9 under a flood, restart, adopt ----------------------------------------

nl_begin kill9_during_flood_lets_nothing_through_and_restart_adopts
send_udp priv "$ADMIN4" 4001 control-before
nl_until "$DEADLINE" sink_has "$NL_PRIV4 control-before" ||
	nl_why "the admin sink did not get the private host's control datagram: the sink does not work"
before_links=$(links)
sha=$(jget .policy.sha256)
gen=$(jget .policy.generation)
# The flood: datagrams from the internet to the internal admin :4001/udp,
# v4 and v6 alternating, 0.5 ms apart (about a thousand a second), until
# a stop file appears; at most 100000 and 60 s x TF whatever happens.
STOP=$NL_TMP/flood.stop
d0=$(drops)
ip netns exec "$(nl_ns inet)" timeout $((60 * TF + NL_SLACK)) "$NL_PY" -c '
import os, socket, sys, time
a4, a6, port, limit, secs, stop = sys.argv[1:7]
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
end = time.monotonic() + float(secs)
n = 0
while n < int(limit) and time.monotonic() < end and not os.path.exists(stop):
    try:
        if n % 2:
            s6.sendto(b"flood %d\n" % n, (a6, int(port)))
        else:
            s4.sendto(b"flood %d\n" % n, (a4, int(port)))
    except OSError:
        pass
    n += 1
    time.sleep(0.0005)
print(n)
' "$ADMIN4" "$ADMIN6" 4001 100000 $((60 * TF)) "$STOP" </dev/null >"$NL_TMP/flood.out" 2>&1 &
FPID=$!
NL_PIDS+=("$FPID")
f0=$(now)
drops_past() { [ "$(drops)" -ge "$1" ] 2>/dev/null; }
nl_until "$DEADLINE" drops_past $((d0 + 200)) ||
	nl_why "the flood is not dropped by the enforcer (drop counters $d0 -> $(drops))"
# kill -9 in the middle of it, and a new daemon on the same manifest at once
A_PID=$DPID
k=$(now)
disown "$TPID" 2>/dev/null	# bash reports no "Killed" job then
kill -KILL "$DPID"
nl_until "$DEADLINE" gone "$TPID" || nl_why "the kill -9'd daemon did not end"
drop_pid "$TPID"
if daemon_start B "$NL_TMP" -f "$MF" --log-format json; then
	B_LOG=$DLOG
	ev_since "$k" started
	t_started=$SINCE
	if want_ev "$B_LOG" 0 "$DEADLINE" '.event == "adopted"' "restart"; then
		ev_since "$k" adopted
		note "kill -9 -> new daemon started: $t_started s, policy adopted: $SINCE s"
		jq -e --argjson g "$gen" --arg s "$sha" '.generation == $g and .sha256 == $s' >/dev/null <<<"$EV" ||
			nl_why "adopted: $EV, want generation $gen and sha256 $sha"
	fi
	for i in $ALL_LINKS; do
		want_ev "$B_LOG" 0 "$DEADLINE" ".event == \"link_adopted\" and .iface == \"$i\"" "restart: $i"
	done
	d1=$(drops)
	# the flood goes on after the adoption, and is still dropped
	nl_until "$DEADLINE" drops_past $((d1 + 200)) ||
		nl_why "no drops after the adoption (drop counters $d1 -> $(drops)): did the flood end too early?"
	gone "$FPID" && nl_why "the flood ended before the restart was covered"
else
	B_LOG=$DLOG
fi
: >"$STOP"
nl_until "$DEADLINE" gone "$FPID" || nl_why "the flood sender does not stop"
wait "$FPID" 2>/dev/null
drop_pid "$FPID"
sent=$(cat "$NL_TMP/flood.out")
got=$(grep -cE "^[0-9]+ ($NL_INET4|$NL_INET6) " "$NL_TMP/sink-admin")
note "flood: ${sent:-?} datagrams in $(secs "$f0" "$(now)") s across kill -9 + restart; $got reached admin; $(($(drops) - d0)) drops counted"
[ "$got" = 0 ] || nl_why "$got flood datagrams reached the internal admin service: $(nl_oneline "$(grep -E " ($NL_INET4|$NL_INET6) " "$NL_TMP/sink-admin" | head -n 3)")"
[ "${sent:-0}" -gt 0 ] 2>/dev/null || nl_why "the flood sent nothing: $(nl_oneline "$sent")"
ev=$(ev_all "$B_LOG" 0 '.event == "link_enforced" or .event == "applied" or .event == "link_failed"')
[ -z "$ev" ] || nl_why "the restarted daemon re-applied or re-attached: $(nl_oneline "$ev")"
after_links=$(links)
[ "$after_links" = "$before_links" ] || nl_why "link ids changed: before [$before_links], after [$after_links]"
send_udp priv "$ADMIN4" 4001 control-after
nl_until "$DEADLINE" sink_has "$NL_PRIV4 control-after" || nl_why "the private control datagram after the flood did not arrive"
nl_blocked inet "$ADMIN4" 4000/tcp
nl_reach inet "$WEB4" 3000/tcp web
[ "$DPID" != "$A_PID" ] || nl_why "the new daemon has the old one's pid"
nl_end

# ---- 15. SIGTERM leaves enforcement; --detach-on-exit detaches ----------------------------

nl_begin sigterm_leaves_enforcement
before_links=$(links)
m=$(mark "$DLOG")
kill -TERM "$DPID"
if daemon_wait; then
	[ "$DRC" = 0 ] || nl_why "daemon: exit $DRC after SIGTERM, want 0"
else
	nl_why "the daemon did not exit within $DEADLINE s of SIGTERM"
fi
if want_ev "$DLOG" "$m" 1 '.event == "stopping"' "SIGTERM"; then
	jq -e '.detached == false and (.signal | tostring | test("term|^15$"; "i"))' >/dev/null <<<"$EV" ||
		nl_why "stopping: $EV, want signal SIGTERM and detached false"
fi
[ "$(links)" = "$before_links" ] || nl_why "links changed by SIGTERM: before [$before_links], after [$(links)]"
[ "$(xdp_on "$NL_IF_INET")" = native ] || nl_why "ip link: $NL_IF_INET lost its XDP program"
jstatus '.daemon.running == false' || nl_why "status .daemon after the daemon ended: $(jget '.daemon | tostring'), want running false"
nl_run out 0 status --check
nl_blocked inet "$ADMIN4" 4000/tcp
nl_blocked inet "$ADMIN6" 4000/tcp
nl_reach inet "$WEB4" 3000/tcp web
# the opposite: --detach-on-exit
if daemon_start C "$NL_TMP" -f "$MF" --detach-on-exit --log-format json; then
	C_LOG=$DLOG
	want_ev "$C_LOG" 0 "$DEADLINE" '.event == "adopted" or .event == "applied"' "--detach-on-exit start"
	for i in $ALL_LINKS; do
		want_ev "$C_LOG" 0 "$DEADLINE" "(.event == \"link_adopted\" or .event == \"link_enforced\") and .iface == \"$i\"" "--detach-on-exit: $i"
	done
	m=$(mark "$C_LOG")
	kill -TERM "$DPID"
	if daemon_wait; then
		[ "$DRC" = 0 ] || nl_why "daemon --detach-on-exit: exit $DRC after SIGTERM, want 0"
	else
		nl_why "the --detach-on-exit daemon did not exit within $DEADLINE s of SIGTERM"
	fi
	if want_ev "$C_LOG" "$m" 1 '.event == "stopping"' "SIGTERM with --detach-on-exit"; then
		jq -e '.detached == true' >/dev/null <<<"$EV" || nl_why "stopping: $EV, want detached true"
	fi
	jstatus '.interfaces | length == 0' || nl_why "status lists interfaces after --detach-on-exit: $(links)"
	for i in $ALL_LINKS; do
		[ "$(xdp_on "$i")" = none ] || nl_why "ip link: $i still has an XDP program"
	done
	nl_enf status --check >/dev/null 2>&1 &&
		nl_why "status --check exits 0 with nothing attached at all"
	nl_reach inet "$ADMIN4" 4000/tcp admin
	nl_reach inet "$ADMIN6" 4000/tcp admin
	nl_reach inet "$DB4" 5000/tcp db
else
	C_LOG=$DLOG
fi
nl_end

# ---- 16. --generic, and the log for people -----------------------------------------------

nl_begin generic_flag_and_text_log
# the links are detached now (--detach-on-exit above): a daemon with --generic
# attaches every one in generic mode; its log is the text format. With
# --dns-xdp it answers DNS in XDP on each (generic XDP_TX sends an skb,
# which a pod's veth end takes without an XDP program of its own)
if daemon_start D "$NL_TMP" -f "$MF" --generic --dns-xdp --detach-on-exit; then
	for i in $ALL_LINKS; do
		if ev_wait_text "$DLOG" "$DEADLINE" "link_enforced iface=$i "; then
			grep -q " xdp=generic\>" <<<"$EVT" || nl_why "$i: $EVT, want xdp=generic"
		else
			nl_why "no 'link_enforced iface=$i' line within $DEADLINE s: $(nl_oneline "$(tail -n 5 "$DLOG")")"
		fi
		[ "$(xdp_on "$i")" = generic ] || nl_why "ip link: $i has no generic XDP program"
	done
	jstatus '[.interfaces[].xdp_mode] | length > 0 and all(. == "generic")' ||
		nl_why "status: not every interface is generic: $(jget '[.interfaces[] | "\(.name):\(.xdp_mode)"] | join(" ")')"
	jstatus '[.interfaces[].dns_xdp] | length > 0 and all(.)' ||
		nl_why "status: DNS not answered in XDP everywhere: $(jget '[.interfaces[] | "\(.name):\(.dns_xdp)"] | join(" ")')"
	x0=$(jget '.dns_xdp.answered')
	[ "$(answer web web.shop.internal A)" = "NOERROR $WEB4" ] ||
		nl_why "web.shop.internal A from web: '$(answer web web.shop.internal A)', want 'NOERROR $WEB4'"
	x1=$(jget '.dns_xdp.answered')
	[ "${x1:-0}" -gt "${x0:-0}" ] 2>/dev/null || nl_why "the answer was not sent in XDP (dns_xdp.answered $x0 -> $x1)"
	nl_blocked inet "$ADMIN4" 4000/tcp
	nl_blocked inet "$ADMIN6" 4000/tcp
	nl_reach inet "$WEB4" 3000/tcp web
	nl_reach priv "$ADMIN4" 4000/tcp admin
	kill -TERM "$DPID"
	if daemon_wait; then
		[ "$DRC" = 0 ] || nl_why "daemon --generic: exit $DRC after SIGTERM, want 0"
	else
		nl_why "the --generic daemon did not exit within $DEADLINE s of SIGTERM"
	fi
	grep -q ' stopping .*detached=true' "$DLOG" || nl_why "no 'stopping ... detached=true' line: $(nl_oneline "$(tail -n 3 "$DLOG")")"
	# people's format: TIME EVENT key=value..., one event a line
	bad=$(grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z [a-z_]+( [a-z_0-9]+=("([^"\\]|\\.)*"|[^ "]*))*$' "$DLOG" | head -n 1)
	[ -z "$bad" ] || nl_why "text log line not 'TIME EVENT key=value...': $bad"
	nl_reach inet "$ADMIN4" 4000/tcp admin
fi
nl_end

# ---- 17. every log line is one JSON event --------------------------------------------------

nl_begin json_log_lines_are_events
for f in "$A_LOG" "${B_LOG:-}" "${C_LOG:-}"; do
	{ [ -n "$f" ] && [ -e "$f" ]; } || continue
	bad=$("$NL_PY" -c '
import json, re, sys
t = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
for i, line in enumerate(open(sys.argv[1]), 1):
    try:
        o = json.loads(line)
        ok = isinstance(o, dict) and t.match(str(o.get("time"))) and isinstance(o.get("event"), str)
    except ValueError:
        ok = False
    if not ok:
        print("line %d: %s" % (i, line.strip()[:200]))
        break
' "$f")
	[ -z "$bad" ] || nl_why "${f##*/}: not a JSON event with time (UTC, ms) and event: $bad"
	n=$(grep -c . "$f")
	[ "$n" -gt 0 ] || nl_why "${f##*/}: empty"
done
nl_end

echo "($((SECONDS - START)) s)"
nl_summary
[ "$NL_FAILED" = 0 ]
