#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# selftests/dns_e2e.sh [--xdp] [ENFORCER_BINARY]: the in-kernel DNS answers end
# to end, with real clients (dig, kdig, glibc's getent) in throwaway network
# namespaces.
#
# --xdp: the same cases with `attach --dns-xdp`: the UDP answers are sent
# from XDP (XDP_TX). The pods' veth ends run an XDP program that passes
# everything (.output/xdp_pass.bpf.o: a veth hands XDP frames only to a
# peer with one); dns_answered_in_xdp checks that XDP, not TC, answered,
# and that attach refuses XDP answers where the peer would drop them.
#
#   rack pod 10.0.5.5 fd00:10::5 ---- p-rack \
#   shop pod 10.30.0.5 fd00:30::5 --- p-shop -- node (routes; lo holds the resolver
#   internet 203.0.113.7 2001:db8::7 - n-inet /   addresses 10.96.0.10, fd00:96::10,
#                                                  where NSD serves example.test)
#
# The manifest is examples/dns.yml (zone `internal`, an isolated network `shop`).
# The enforcer is attached to p-rack, p-shop and n-inet: XDP plus the TC DNS
# program. NSD plays the node's normal resolver: it knows nothing of `internal`,
# so every private answer below can only come from the kernel path, and every
# example.test answer (TTL 300, NS in authority) only from NSD.
#
# Each case prints `ok   NAME` or its reasons and `FAIL NAME`; the last line is
# `N passed, N failed`; the exit status is non-zero iff something failed.
# Without root or network namespaces every case is skipped (exit 0).
#
# Safety (contract section 8): see scripts/netns-lib.sh. Namespaces are named
# enf-dns-$$-*, the bpffs and NSD's files live under a mktemp directory,
# /etc/netns/enf-dns-$$-{rack,shop} hold the pods' resolv.conf; the EXIT trap
# removes all of it and stops NSD by PID, also on failure and ^C. Every query
# is bounded (+time=2 +tries=1, resolv.conf timeout:1 attempts:1).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/scripts/netns-lib.sh"
. "$ROOT/scripts/dig-lib.sh"

MANIFEST=$ROOT/examples/dns.yml

NL_CASES=(baseline_nsd_only apply_and_attach a_records aaaa_records srv_records
       per_instance_names vip_name case_echoed round_robin nxdomain_with_soa
       nodata_with_soa edns_and_no_edns truncation_without_edns ipv6_transport kdig_queries
       glibc_getent glibc_over_ipv6 split_horizon internet_refused internet_reaches_nsd
       outside_names_untouched tcp_without_stream_server tcp_steered_to_stream_server
       tc_retry_gets_every_record split_horizon_over_tcp internet_tcp_refused
       tcp_back_to_resolver_after_serve no_checksum_errors dns_counters detach_passes_to_nsd)
XDP=0
if [ "${1:-}" = --xdp ]; then
	XDP=1
	shift
	unset 'NL_CASES[-1]'	# detach_passes_to_nsd, which stays the last
	NL_CASES+=(dns_answered_in_xdp detach_passes_to_nsd)
fi

# ---- prerequisites -----------------------------------------------------

START=$SECONDS
nl_e2e_start enf-dns "${1:-}" nl_dns_cleanup dig:dnsutils kdig:knot-dnsutils nsd:nsd \
	nsd-checkconf:nsd getent:libc-bin nstat:iproute2
XDP_PASS_OBJ=$ROOT/.output/xdp_pass.bpf.o
[ "$XDP" = 0 ] || [ -r "$XDP_PASS_OBJ" ] || nl_setup_failed "no $XDP_PASS_OBJ (make all builds it)"
[ -r "$MANIFEST" ] || nl_setup_failed "no manifest at $MANIFEST"
export NSTAT_HISTORY="$NL_TMP/nstat.history"	# never the shared /tmp/.nstat.u0

# ---- topology ------------------------------------------------------------

RES4=10.96.0.10 RES6=fd00:96::10		# dns.resolvers of examples/dns.yml
RACK4=10.0.5.5 RACK6=fd00:10::5		# rack-private pod
SHOP4=10.30.0.5 SHOP6=fd00:30::5		# member of the isolated network shop

ZONE=$ROOT/selftests/e2e/example.test.zone	# NSD's data: nothing of the private zone

{
	nl_netns_add inet && nl_netns_add rack && nl_netns_add shop &&
	nl_sysctl node net.ipv4.ip_forward 1 &&
	nl_sysctl node net.ipv6.conf.all.forwarding 1 &&
	nl_link "$NL_IF_INET" inet 203.0.113.1/24 2001:db8::1/64 "$NL_INET4/24" "$NL_INET6/64" &&
	nl_link p-rack rack 10.0.5.1/24 fd00:10::1/120 "$RACK4/24" "$RACK6/120" &&
	nl_link p-shop shop 10.30.0.1/24 fd00:30::1/120 "$SHOP4/24" "$SHOP6/120" &&
	{ [ "$XDP" = 0 ] || for ns in inet rack shop; do
		nl_in "$ns" ip link set dev eth0 xdpdrv obj "$XDP_PASS_OBJ" sec xdp || exit 1
	done; } &&
	nl_lo_addr node "$RES4/32" "$RES6/128" &&
	nl_nsd node main "$RES4 $RES6" "example.test=$ZONE" &&
	nl_resolv_conf rack "nameserver $RES4
options ndots:1 timeout:1 attempts:1" &&
	nl_resolv_conf shop "nameserver $RES4
options ndots:1 timeout:1 attempts:1"
} || nl_setup_failed "cannot build the topology"

# ---- helpers -------------------------------------------------------------

# udp_counters SHORT: "InDatagrams InCsumErrors" for UDP over IPv4 and IPv6,
# absolute, without touching any nstat history.
udp_counters()
{
	nl_in "$1" nstat -asz UdpInDatagrams Udp6InDatagrams UdpInCsumErrors Udp6InCsumErrors 2>/dev/null |
		awk '/^Udp/ { v[$1] = $2 } END { printf "%d %d %d %d\n", v["UdpInDatagrams"],
			v["Udp6InDatagrams"], v["UdpInCsumErrors"], v["Udp6InCsumErrors"] }'
}

# stats_map: the per-CPU enf_dns_stats map summed, "reason count" per line.
stats_map()
{
	bpftool -j map dump pinned "$NL_PIN/enf_dns_stats" 2>/dev/null | "$NL_PY" -c '
import json, sys
for e in json.load(sys.stdin):
    key = e["key"]
    k = int.from_bytes(bytes(int(b, 16) for b in key), "little") if isinstance(key, list) else int(key)
    tot = 0
    for v in e["values"]:
        val = v["value"]
        tot += int.from_bytes(bytes(int(b, 16) for b in val), "little") if isinstance(val, list) else int(val)
    print(k, tot)
'
}

WEB4="10.0.1.10
10.0.1.11
10.0.1.12"
WEB6="fd00:10::1:10
fd00:10::1:11"

# ---- 1. baseline: NSD alone ---------------------------------------------------

nl_begin baseline_nsd_only
dq rack "$RES4" www.example.test A +norec
want_rcode NOERROR "rack: www.example.test (NSD, no enforcer)"
[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "rack: www.example.test A: got [$(nl_oneline "$(d_rdata A)")], want 10.0.7.7"
# without the enforcer the private zone is nobody's: NSD refuses it
dq rack "$RES4" web.internal A +norec
want_rcode REFUSED "rack: web.internal before attach (NSD is not authoritative)"
nl_end
nl_case_ok || nl_abort "the topology or NSD does not work without the enforcer; every other case would be meaningless"

# ---- 2. apply + attach ------------------------------------------------------------

nl_begin apply_and_attach
out=$(nl_enf apply -f "$MANIFEST" 2>&1) || nl_why "apply: $(nl_oneline "$out")"
out=$(nl_enf attach $([ "$XDP" = 1 ] && echo --dns-xdp) "$NL_IF_INET" p-rack p-shop 2>&1) ||
	nl_why "attach: $(nl_oneline "$out")"
json=$(nl_enf status --json 2>/dev/null)
if [ "$XDP" = 1 ]; then
	n=$(jq '[.interfaces[] | select(.dns_xdp)] | length' <<<"$json" 2>/dev/null)
	[ "$n" = 3 ] || nl_why "status --json: ${n:-no} interfaces with dns_xdp, want 3"
fi
for i in "$NL_IF_INET" p-rack p-shop; do
	grep -q "^$i: attached" <<<"$out" || nl_why "attach: no '$i: attached' in: $(nl_oneline "$out")"
done
# the DNS program is on TC ingress (tcx or cls_bpf) of every attached interface
for i in "$NL_IF_INET" p-rack p-shop; do
	jq -e --arg i "$i" '[.interfaces[] | select(.name == $i)][0].dns_hook | IN("tcx", "cls_bpf", "tc")' \
		>/dev/null 2>&1 <<<"$json" ||
		nl_why "status --json: $i has no DNS (TC) hook: $(jq -c --arg i "$i" '.interfaces[] | select(.name == $i)' <<<"$json" 2>/dev/null)"
done
jq -e '.dns | type == "object"' >/dev/null 2>&1 <<<"$json" || nl_why "status --json has no .dns counters"
nl_end
nl_case_ok || nl_abort "the enforcer could not be applied and attached"

# ---- 3. records from the rack pod ------------------------------------------------

nl_begin a_records
want_answer rack "$RES4" web.internal A "$WEB4" +norec
want_answer rack "$RES4" web.myapp.internal A "$WEB4"
want_answer rack "$RES4" api.internal A 10.0.2.10
want_answer rack "$RES4" worker.myapp.internal A 10.0.6.10
want_answer rack "$RES4" ns.internal A "$RES4"
nl_end

nl_begin aaaa_records
want_answer rack "$RES4" web.internal AAAA "$WEB6"
want_answer rack "$RES4" api.myapp.internal AAAA fd00:10::2:10
want_answer rack "$RES4" worker.internal AAAA fd00:10::6:10
nl_end

nl_begin srv_records
want_answer rack "$RES4" _3000._tcp.web.internal SRV "0 0 3000 1.web.internal.
0 0 3000 2.web.internal.
0 0 3000 3.web.internal.
0 0 3000 4.web.internal.
0 0 3000 5.web.internal."
want_answer rack "$RES4" _3001._udp.web.myapp.internal SRV "0 0 3001 1.web.myapp.internal.
0 0 3001 2.web.myapp.internal.
0 0 3001 3.web.myapp.internal.
0 0 3001 4.web.myapp.internal.
0 0 3001 5.web.myapp.internal."
want_answer rack "$RES4" _443._tcp.gateway.internal SRV "0 0 443 1.gateway.internal.
0 0 443 2.gateway.internal."
# a portless service has no SRV name
want_negative rack "$RES4" _80._tcp.worker.internal SRV NXDOMAIN
nl_end

nl_begin per_instance_names
want_answer rack "$RES4" 1.web.internal A 10.0.1.10
want_answer rack "$RES4" 3.web.myapp.internal A 10.0.1.12
want_answer rack "$RES4" 4.web.internal AAAA fd00:10::1:10
want_answer rack "$RES4" 30.big.internal A 10.0.4.30
want_negative rack "$RES4" 4.web.internal A NOERROR	# instance 4 is IPv6 only
want_negative rack "$RES4" 6.web.internal A NXDOMAIN	# there are 5
nl_end

nl_begin vip_name
want_answer rack "$RES4" gateway.internal A 10.0.100.20	# the VIP, not the instances
want_answer rack "$RES4" gateway.myapp.internal A 10.0.100.20
want_answer rack "$RES4" 1.gateway.internal A 10.0.3.10
want_answer rack "$RES4" 2.gateway.myapp.internal A 10.0.3.11
want_negative rack "$RES4" gateway.internal AAAA NOERROR
nl_end

nl_begin case_echoed
dq rack "$RES4" WeB.InTeRnAl A
q=$(d_section QUESTION)
[[ "$q" == ";WeB.InTeRnAl."* ]] || nl_why "reply question [$q], want ';WeB.InTeRnAl.' byte for byte"
owners=$(d_section ANSWER | awk '{ print $1 }' | sort -u)
[ "$owners" = WeB.InTeRnAl. ] || nl_why "answer owners [$(nl_oneline "$owners")], want WeB.InTeRnAl."
[ "$(d_rdata A)" = "$WEB4" ] || nl_why "WeB.InTeRnAl A: got [$(nl_oneline "$(d_rdata A)")]"
dq rack "$RES4" _3000._TCP.Web.MYAPP.internal SRV
[ "$(d_count ANSWER)" = 5 ] || nl_why "_3000._TCP.Web.MYAPP.internal SRV: $(d_count ANSWER) answers, want 5"
d_section QUESTION | grep -q '^;_3000\._TCP\.Web\.MYAPP\.internal\.' ||
	nl_why "SRV question not echoed with its case: $(nl_oneline "$(d_section QUESTION)")"
nl_end

nl_begin round_robin
firsts=''
for _ in $(seq 1 12); do
	firsts="$firsts$(nl_in rack timeout 30 dig +time=2 +tries=1 +short "@$RES4" web.internal A | head -n 1)
"
done
n=$(sort -u <<<"$firsts" | grep -c .)
[ "$n" -ge 2 ] || nl_why "12 queries of web.internal A always began with the same record: $(nl_oneline "$firsts")"
grep -qvE '^(10\.0\.1\.1[012])?$' <<<"$firsts" && nl_why "unexpected first records: $(nl_oneline "$firsts")"
nl_end

nl_begin nxdomain_with_soa
want_negative rack "$RES4" nosuch.internal A NXDOMAIN
want_negative rack "$RES4" nope.web.internal AAAA NXDOMAIN		# below a name
want_negative rack "$RES4" web2.myapp.internal A NXDOMAIN	# beside one
want_negative rack "$RES4" nosuch.internal A NXDOMAIN +noedns
nl_end

nl_begin nodata_with_soa
want_negative rack "$RES4" worker.internal MX NOERROR
want_negative rack "$RES4" web.internal TXT NOERROR
want_negative rack "$RES4" myapp.internal A NOERROR		# empty non-terminal
want_negative rack "$RES4" _tcp.web.internal SRV NOERROR	# empty non-terminal
want_negative rack "$RES4" internal A NOERROR			# the apex has SOA/NS only
want_negative rack "$RES4" web.internal TYPE65280 NOERROR
nl_end

nl_begin edns_and_no_edns
dq rack "$RES4" api.internal A +edns=0 +bufsize=4096
grep -q '^; EDNS: version: 0, flags:; udp: 1232$' <<<"$DQ" ||
	nl_why "EDNS query: no 'EDNS: version: 0, flags:; udp: 1232' in: $(nl_oneline "$(grep EDNS <<<"$DQ")")"
dq rack "$RES4" api.internal A +dnssec
grep -q '^; EDNS: version: 0, flags: do; udp: 1232$' <<<"$DQ" || nl_why "DO not copied: $(nl_oneline "$(grep EDNS <<<"$DQ")")"
dq rack "$RES4" api.internal A +noedns
want_rcode NOERROR "api.internal A +noedns"
grep -q 'OPT PSEUDOSECTION' <<<"$DQ" && nl_why "reply to a query without EDNS carries an OPT record"
[ "$(d_rdata A)" = 10.0.2.10 ] || nl_why "+noedns: got [$(nl_oneline "$(d_rdata A)")]"
dq rack "$RES4" api.internal A +edns=1 +noednsnegotiation
want_rcode BADVERS "EDNS version 1"
nl_end

nl_begin truncation_without_edns
# 30 A records: 510 bytes for big.internal (fits 512), 516 for big.myapp.internal
dq rack "$RES4" big.myapp.internal A +noedns +ignore
has_flag tc || nl_why "big.myapp.internal A without EDNS: TC not set (flags: $(d_flags))"
[ "$(d_count ANSWER)" = 29 ] || nl_why "big.myapp.internal A without EDNS: $(d_count ANSWER) records, want the 29 that fit"
sz=$(sed -nE 's/^;; MSG SIZE +rcvd: ([0-9]+)$/\1/p' <<<"$DQ")
[ "${sz:-999}" -le 512 ] || nl_why "truncated reply is $sz bytes, over 512"
dq rack "$RES4" big.internal A +noedns +ignore
has_flag tc && nl_why "big.internal A without EDNS: TC set, but all 30 fit in 510 bytes"
[ "$(d_count ANSWER)" = 30 ] || nl_why "big.internal A without EDNS: $(d_count ANSWER) records, want 30"
dq rack "$RES4" big.myapp.internal A +bufsize=1232
has_flag tc && nl_why "big.myapp.internal A with EDNS 1232: TC set"
[ "$(d_count ANSWER)" = 30 ] || nl_why "big.myapp.internal A with EDNS: $(d_count ANSWER) records, want 30"
dq rack "$RES4" _9000._tcp.big.internal SRV +noedns +ignore
has_flag tc || nl_why "_9000._tcp.big.internal SRV without EDNS: TC not set"
nl_end

nl_begin ipv6_transport
want_answer rack "$RES6" web.internal A "$WEB4" -6
want_answer rack "$RES6" web.internal AAAA "$WEB6" -6
want_answer rack "$RES6" _8080._tcp.api.internal SRV "0 0 8080 1.api.internal.
0 0 8080 2.api.internal." -6
want_negative rack "$RES6" nosuch.internal A NXDOMAIN -6
dq rack "$RES6" big.myapp.internal A +noedns +ignore -6
has_flag tc || nl_why "IPv6: big.myapp.internal A without EDNS: TC not set"
want_answer shop "$RES6" api.internal AAAA fd00:30::1:10 -6
nl_end

nl_begin kdig_queries
for srv in "$RES4" "$RES6"; do
	got=$(nl_in rack timeout 30 kdig +time=2 +retry=0 "@$srv" web.internal A +short | sort)
	[ "$got" = "$WEB4" ] || nl_why "kdig @$srv web.internal A: [$(nl_oneline "$got")]"
	got=$(nl_in rack timeout 30 kdig +time=2 +retry=0 "@$srv" web.internal AAAA +edns +short | sort)
	[ "$got" = "$WEB6" ] || nl_why "kdig @$srv web.internal AAAA +edns: [$(nl_oneline "$got")]"
	got=$(nl_in rack timeout 30 kdig +time=2 +retry=0 "@$srv" _8080._tcp.api.myapp.internal SRV +short | sort)
	[ "$got" = "0 0 8080 1.api.myapp.internal.
0 0 8080 2.api.myapp.internal." ] || nl_why "kdig @$srv SRV: [$(nl_oneline "$got")]"
	out=$(nl_in rack timeout 30 kdig +time=2 +retry=0 "@$srv" nosuch.internal A +nsid +padding)
	grep -q 'status: NXDOMAIN' <<<"$out" || nl_why "kdig @$srv nosuch.internal (+nsid +padding): $(nl_oneline "$out")"
	grep -q 'NSID\|PADDING' <<<"$out" && nl_why "kdig @$srv: options echoed: $(nl_oneline "$out")"
done
nl_end

# ---- 4. glibc's resolver ------------------------------------------------------------

# getent_set FROM DB NAME: the sorted unique addresses getent prints
getent_set() { nl_in "$1" timeout 30 getent "$2" "$3" | awk '{ print $1 }' | sort -u; }

nl_begin glibc_getent
got=$(getent_set rack ahosts web.internal)
[ "$got" = "$(sort <<<"$WEB4
$WEB6")" ] || nl_why "getent ahosts web.internal: [$(nl_oneline "$got")], want every A and AAAA"
got=$(getent_set rack hosts web.myapp.internal)
[ -n "$got" ] && grep -qvE '^(10\.0\.1\.1[012]|fd00:10::1:1[01])$' <<<"$got" &&
	nl_why "getent hosts web.myapp.internal: [$(nl_oneline "$got")]"
[ -n "$got" ] || nl_why "getent hosts web.myapp.internal: nothing"
got=$(getent_set rack ahostsv4 gateway.internal)
[ "$got" = 10.0.100.20 ] || nl_why "getent ahostsv4 gateway.internal: [$(nl_oneline "$got")], want the VIP"
got=$(getent_set rack ahostsv4 2.web.myapp.internal)
[ "$got" = 10.0.1.11 ] || nl_why "getent ahostsv4 2.web.myapp.internal: [$(nl_oneline "$got")]"
got=$(getent_set rack ahostsv6 Api.Internal)
[ "$got" = fd00:10::2:10 ] || nl_why "getent ahostsv6 Api.Internal: [$(nl_oneline "$got")]"
nl_in rack timeout 30 getent hosts nosuch.internal >/dev/null
rc=$?
[ "$rc" = 2 ] || nl_why "getent hosts nosuch.internal: exit $rc, want 2 (not found)"
got=$(getent_set rack ahostsv4 www.example.test)
[ "$got" = 10.0.7.7 ] || nl_why "getent ahostsv4 www.example.test (NSD): [$(nl_oneline "$got")]"
got=$(getent_set shop ahostsv4 api.internal)
[ "$got" = 10.30.1.10 ] || nl_why "shop: getent ahostsv4 api.internal: [$(nl_oneline "$got")], want shop's own"
nl_end

nl_begin glibc_over_ipv6
nl_resolv_conf rack "nameserver $RES6
options ndots:1 timeout:1 attempts:1 edns0"
got=$(getent_set rack ahosts api.internal)
[ "$got" = "10.0.2.10
fd00:10::2:10" ] || nl_why "getent ahosts api.internal via [$RES6] with edns0: [$(nl_oneline "$got")]"
got=$(getent_set rack ahostsv4 big.internal | grep -c .)
[ "$got" = 30 ] || nl_why "getent ahostsv4 big.internal via [$RES6]: $got addresses, want 30"
nl_resolv_conf rack "nameserver $RES4
options ndots:1 timeout:1 attempts:1"
nl_end

# ---- 5. split horizon -------------------------------------------------------------

nl_begin split_horizon
want_answer rack "$RES4" api.internal A 10.0.2.10
want_answer shop "$RES4" api.internal A 10.30.1.10
want_answer shop "$RES4" api.internal AAAA fd00:30::1:10
want_answer shop "$RES4" api.store.internal A 10.30.1.10
want_answer shop "$RES4" db.internal A 10.30.2.10
want_answer shop "$RES4" _8080._tcp.api.internal SRV "0 0 8080 1.api.internal.
0 0 8080 2.api.internal."
# names of the other side do not exist
want_negative shop "$RES4" web.internal A NXDOMAIN
want_negative shop "$RES4" api.myapp.internal A NXDOMAIN
want_negative shop "$RES4" 1.big.internal A NXDOMAIN
want_negative rack "$RES4" api.store.internal A NXDOMAIN
want_negative rack "$RES4" db.internal A NXDOMAIN
want_negative rack "$RES4" store.internal A NXDOMAIN	# shop's empty non-terminal
# the zone infrastructure is everybody's
want_answer shop "$RES4" ns.internal A "$RES4"
want_negative shop "$RES4" store.internal A NOERROR	# shop's own ENT
nl_end

# ---- 6. the internet ---------------------------------------------------------------

nl_begin internet_refused
for srv in "$RES4" "$RES6"; do
	for name in web.internal nosuch.internal internal; do
		dq inet "$srv" "$name" A
		want_rcode REFUSED "inet: $name @$srv"
		has_flag aa && nl_why "inet: $name @$srv: AA set on REFUSED"
		[ "$(d_count ANSWER)" = 0 ] || nl_why "inet: $name @$srv: answers in REFUSED"
	done
done
nl_end

nl_begin internet_reaches_nsd
for srv in "$RES4" "$RES6"; do
	dq inet "$srv" www.example.test A +norec
	want_rcode NOERROR "inet: www.example.test @$srv"
	[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "inet: www.example.test @$srv: [$(nl_oneline "$(d_rdata A)")]"
	d_section ANSWER | grep -q '[[:space:]]300[[:space:]]' || nl_why "inet: www.example.test: not NSD's TTL 300"
done
nl_end

nl_begin outside_names_untouched
dq rack "$RES4" wWw.ExAmPlE.tEsT A +norec
want_rcode NOERROR "rack: wWw.ExAmPlE.tEsT (NSD)"
d_section QUESTION | grep -q '^;wWw\.ExAmPlE\.tEsT\.' || nl_why "question case not preserved: $(nl_oneline "$(d_section QUESTION)")"
d_section ANSWER | grep -qE '^wWw\.ExAmPlE\.tEsT\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.0\.7\.7$' ||
	nl_why "answer is not NSD's (owner case, TTL 300): $(nl_oneline "$(d_section ANSWER)")"
d_section AUTHORITY | grep -q 'IN[[:space:]]NS' || nl_why "NSD's NS in authority missing: $(nl_oneline "$DQ")"
dq rack "$RES6" www.example.test AAAA -6
[ "$(d_rdata AAAA)" = fd00:10::7:7 ] || nl_why "rack: www.example.test AAAA over IPv6: [$(nl_oneline "$(d_rdata AAAA)")]"
dq shop "$RES4" www.example.test A
[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "shop: www.example.test A: [$(nl_oneline "$(d_rdata A)")]"
# a name NSD is not authoritative for: NSD's REFUSED, not ours
dq rack "$RES4" example.org A
want_rcode REFUSED "rack: example.org (NSD)"
# the zone's name as a label elsewhere is not the zone
dq rack "$RES4" internal.example.test A
want_rcode NXDOMAIN "rack: internal.example.test (NSD)"
d_section AUTHORITY | grep -q 'example\.test\..*SOA' || nl_why "internal.example.test: not NSD's SOA: $(nl_oneline "$DQ")"
nl_end

# ---- 6b. TCP: steered to the stream server (dns serve) -------------------------

# dqt FROM SERVER DIG_ARGS...: like dq, over TCP.
dqt() { local from=$1 server=$2; shift 2; dq "$from" "$server" +tcp "$@"; }

nl_begin tcp_without_stream_server
# nothing takes TCP/53 yet: it reaches NSD, which does not know the zone
dqt rack "$RES4" web.internal A
want_rcode REFUSED "rack: web.internal over TCP without dns serve (NSD's answer)"
nl_end

SERVE_LOG=$NL_TMP/serve.log
SERVE_PID=
nl_begin tcp_steered_to_stream_server
ip netns exec "$(nl_ns node)" timeout 300 "$NL_ENFORCER" --pin-dir "$NL_PIN" dns serve \
	>"$SERVE_LOG" 2>&1 </dev/null &
SERVE_PID=$!
NL_PIDS+=("$SERVE_PID")
for _ in $(seq 1 50); do
	grep -q '^taking TCP/53' "$SERVE_LOG" && break
	kill -0 "$SERVE_PID" 2>/dev/null || break
	sleep 0.1
done
grep -q '^taking TCP/53' "$SERVE_LOG" || nl_why "dns serve did not start: $(nl_oneline "$(cat "$SERVE_LOG")")"
t0=$(date +%s%N)
want_answer rack "$RES4" web.internal A "$WEB4" +tcp
echo "    first steered TCP answer in $((($(date +%s%N) - t0) / 1000000)) ms"
want_answer rack "$RES4" web.internal AAAA "$WEB6" +tcp
want_answer rack "$RES6" web.internal A "$WEB4" +tcp -6
want_negative rack "$RES4" nosuch.internal A NXDOMAIN +tcp
# a name outside the zone: relayed to the resolver the client asked (NSD)
dqt rack "$RES4" www.example.test A
want_rcode NOERROR "rack: www.example.test over TCP (relayed to NSD)"
[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "rack: www.example.test over TCP: [$(nl_oneline "$(d_rdata A)")], want 10.0.7.7"
d_section ANSWER | awk '$2 != 300 { bad = 1 } END { exit bad }' || nl_why "www.example.test over TCP: not NSD's TTL 300: $(nl_oneline "$(d_section ANSWER)")"
dqt rack "$RES6" www.example.test AAAA -6
[ "$(d_rdata AAAA)" = fd00:10::7:7 ] || nl_why "rack: www.example.test AAAA over TCP/IPv6: [$(nl_oneline "$(d_rdata AAAA)")]"
# several queries on one connection (kdig keeps it open), private and relayed
out=$(nl_in rack timeout 30 kdig +tcp +keepopen +time=2 +retry=0 "@$RES4" web.internal A \
	www.example.test A api.internal A 2>&1)
[ "$(grep -c 'status: NOERROR' <<<"$out")" = 3 ] || nl_why "kdig +keepopen, three queries on one connection: $(nl_oneline "$out")"
nl_end

nl_begin tc_retry_gets_every_record
# dig follows TC with a TCP retry to the same address: the whole RRset
dq rack "$RES4" _9000._tcp.big.internal SRV +noedns
has_flag tc && nl_why "_9000._tcp.big.internal SRV: TC still set after dig's TCP retry"
[ "$(d_count ANSWER)" = 30 ] || nl_why "_9000._tcp.big.internal SRV after the TCP retry: $(d_count ANSWER) records, want 30"
grep -q 'Truncated, retrying in TCP mode' <<<"$DQ" || nl_why "dig did not retry over TCP: $(nl_oneline "$DQ")"
# 40 instances (past one 32-record map value): every one answerable
dq rack "$RES4" fleet.internal A
has_flag tc && nl_why "fleet.internal A with EDNS: TC set"
[ "$(d_rdata A | grep -c '^10\.0\.8\.')" = 40 ] || nl_why "fleet.internal A with EDNS: $(d_count ANSWER) records, want 40"
dq rack "$RES4" fleet.internal A +noedns
grep -q 'Truncated, retrying in TCP mode' <<<"$DQ" || nl_why "fleet.internal A without EDNS: no TC, no TCP retry: $(nl_oneline "$DQ")"
[ "$(d_rdata A | sort -u | grep -c '^10\.0\.8\.')" = 40 ] || nl_why "fleet.internal A after dig's TCP retry: $(d_count ANSWER) records, want all 40"
dqt rack "$RES4" _7000._tcp.fleet.internal SRV
[ "$(d_rdata SRV | sort -u | wc -l)" = 40 ] || nl_why "_7000._tcp.fleet.internal SRV over TCP: $(d_count ANSWER) records, want 40"
has_flag tc && nl_why "_7000._tcp.fleet.internal SRV over TCP: TC set"
dqt rack "$RES4" _9000._tcp.big.myapp.internal SRV
has_flag tc && nl_why "_9000._tcp.big.myapp.internal SRV over TCP: TC set"
[ "$(d_count ANSWER)" = 30 ] || nl_why "_9000._tcp.big.myapp.internal SRV over TCP: $(d_count ANSWER) records, want 30"
sz=$(sed -nE 's/^;; MSG SIZE +rcvd: ([0-9]+)$/\1/p' <<<"$DQ")
[ "${sz:-0}" -gt 1232 ] || nl_why "_9000._tcp.big.myapp.internal SRV over TCP: ${sz:-?} bytes, want the whole set (> 1232)"
nl_end

nl_begin split_horizon_over_tcp
want_answer rack "$RES4" api.internal A 10.0.2.10 +tcp
want_answer shop "$RES4" api.internal A 10.30.1.10 +tcp
want_negative shop "$RES4" web.internal A NXDOMAIN +tcp
want_negative rack "$RES4" db.internal A NXDOMAIN +tcp
nl_end

nl_begin internet_tcp_refused
for name in web.internal www.example.test; do
	dqt inet "$RES4" "$name" A
	want_rcode REFUSED "inet: $name over TCP (public sources only get REFUSED)"
	[ "$(d_count ANSWER)" = 0 ] || nl_why "inet: $name over TCP: answers in REFUSED"
done
v=$(nl_enf status --json 2>/dev/null | jq -r '.dns.tcp_steered // empty')
[ "${v:-0}" -gt 0 ] 2>/dev/null || nl_why "status --json .dns.tcp_steered is '${v:-missing}', want > 0"
nl_end

nl_begin tcp_back_to_resolver_after_serve
nl_term "$SERVE_PID"
for _ in $(seq 1 40); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$SERVE_PID" 2>/dev/null && nl_why "dns serve did not stop on SIGTERM"
# its listeners left enf_dns_listen with it: TCP goes to NSD again
dqt rack "$RES4" web.internal A
want_rcode REFUSED "rack: web.internal over TCP after dns serve stopped (NSD's answer)"
dqt rack "$RES4" www.example.test A
[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "rack: www.example.test over TCP after dns serve: [$(nl_oneline "$(d_rdata A)")]"
nl_end

# ---- 7. checksums and counters ----------------------------------------------------------

nl_begin no_checksum_errors
for ns in rack shop inet; do
	read -r in4 in6 err4 err6 <<<"$(udp_counters "$ns")"
	[ "${in4:-0}" -gt 0 ] || nl_why "$ns: UdpInDatagrams is ${in4:-?}: no IPv4 reply was counted at all"
	[ "${in6:-0}" -gt 0 ] || nl_why "$ns: Udp6InDatagrams is ${in6:-?}: no IPv6 reply was counted at all"
	[ "${err4:-x}" = 0 ] || nl_why "$ns: UdpInCsumErrors = ${err4:-?}"
	[ "${err6:-x}" = 0 ] || nl_why "$ns: Udp6InCsumErrors = ${err6:-?}"
done
nl_end

nl_begin dns_counters
json=$(nl_enf status --json 2>/dev/null)
# passed: the outside names went to NSD; not_query: ARP, neighbour
# discovery and whatever else the hook saw (every packet counts once)
for c in answer nodata nxdomain refused truncated badvers passed not_query; do
	v=$(jq -r ".dns.$c // empty" <<<"$json")
	[ "${v:-0}" -gt 0 ] 2>/dev/null || nl_why "status --json .dns.$c is '${v:-missing}', want > 0"
done
v=$(jq -r ".dns.error // empty" <<<"$json")
[ "${v:-x}" = 0 ] || nl_why "status --json .dns.error is '${v:-missing}', want 0 (packets the kernel could not rewrite)"
# the pinned per-CPU map says the same (ENF_DNS_ANSWER is index 1)
m=$(stats_map | awk '$1 == 1 { print $2 }')
s=$(jq -r '.dns.answer // empty' <<<"$json")
[ -n "$m" ] && [ "$m" = "$s" ] ||
	nl_why "enf_dns_stats[1] (bpftool, summed over CPUs) = '${m:-unreadable}', status says '$s'"
out=$(nl_enf status 2>/dev/null)
grep -qE '^ +answer +[1-9]' <<<"$out" || nl_why "status (text): no non-zero 'answer' line"
nl_end

if [ "$XDP" = 1 ]; then
nl_begin dns_answered_in_xdp
# ten small UDP answers, each sent with XDP_TX: the XDP counter grows by
# exactly the replies counted, and nothing was left to TC
j0=$(nl_enf status --json 2>/dev/null)
for i in 1 2 3 4 5; do
	dq rack "$RES4" web.internal A
	want_rcode NOERROR "rack: web.internal (XDP, $i)"
	dq rack "$RES6" nosuch.internal AAAA
	want_rcode NXDOMAIN "rack: nosuch.internal over IPv6 (XDP, $i)"
done
j1=$(nl_enf status --json 2>/dev/null)
dx=$(( $(jq '.dns_xdp.answered' <<<"$j1") - $(jq '.dns_xdp.answered' <<<"$j0") ))
dr=$(( $(jq '.dns.answer + .dns.nxdomain' <<<"$j1") - $(jq '.dns.answer + .dns.nxdomain' <<<"$j0") ))
dn=$(( $(jq '.dns_xdp.no_room' <<<"$j1") - $(jq '.dns_xdp.no_room' <<<"$j0") ))
[ "$dx" = 10 ] && [ "$dr" = 10 ] && [ "$dn" = 0 ] ||
	nl_why "10 small answers: $dx sent in XDP, $dr counted, $dn left to TC; want 10, 10, 0"
# over the whole run: answers in XDP, and the ones too large for the frame
# (the 32- and 40-record sets, the 512-byte truncations) left to TC
json=$(nl_enf status --json 2>/dev/null)
x=$(jq -r '.dns_xdp.answered // empty' <<<"$json")
r=$(jq -r '.dns_xdp.no_room // empty' <<<"$json")
a=$(jq -r '[.dns.answer, .dns.nodata, .dns.nxdomain, .dns.refused, .dns.formerr, .dns.notimp,
	.dns.badvers, .dns.truncated] | add' <<<"$json")
printf '    %s answers in XDP, %s left to TC for room, %s replies in all\n' "$x" "$r" "$a"
[ "${x:-0}" -gt 0 ] 2>/dev/null || nl_why "status --json .dns_xdp.answered is '${x:-missing}', want > 0"
[ "${r:-0}" -gt 0 ] 2>/dev/null || nl_why "status --json .dns_xdp.no_room is '${r:-missing}': the large sets were not left to TC?"
out=$(nl_enf status 2>/dev/null)
grep -qE '^  p-rack .* (tcx|cls_bpf)\+xdp ' <<<"$out" || nl_why "status (text): p-rack's DNS column does not say +xdp: $(nl_oneline "$(grep p-rack <<<"$out")")"
[ "$(jq -r '[.interfaces[].dns_xdp_problem] | add' <<<"$json")" = "" ] ||
	nl_why "status --json: a dns_xdp_problem: $(jq -c '[.interfaces[].dns_xdp_problem]' <<<"$json")"
# the pod drops its XDP program: status warns that the replies are lost
nl_in shop ip link set dev eth0 xdpdrv off
out=$(nl_enf status 2>/dev/null)
grep -q "^  warning: p-shop: DNS replies sent in XDP do not arrive: its veth peer .* runs no native XDP program" <<<"$out" ||
	nl_why "status: no warning for p-shop, whose peer has no XDP program: $(nl_oneline "$(grep -i warning <<<"$out")")"
# attaching again with --dns-xdp now refuses XDP answers there, and TC answers
out=$(nl_enf attach --dns-xdp p-shop 2>&1)
grep -q "p-shop: DNS answers stay in TC, not XDP: its veth peer .* runs no native XDP program" <<<"$out" ||
	nl_why "attach --dns-xdp p-shop without an XDP program on the peer: $(nl_oneline "$out")"
grep -q "^p-shop: already attached (DNS answers in TC)" <<<"$out" || nl_why "attach: $(nl_oneline "$out")"
before=$(nl_enf status --json 2>/dev/null | jq -r '.dns_xdp.answered // empty')
dq shop "$RES4" store.internal A
want_rcode NOERROR "shop: store.internal, answered in TC"
# turned off by attaching again without --dns-xdp: the TC program answers
out=$(nl_enf attach p-rack 2>&1)
dq rack "$RES4" web.internal A
[ "$(d_rdata A | sort | tr '\n' ' ')" = "$(sort <<<"$WEB4" | tr '\n' ' ')" ] ||
	nl_why "rack: web.internal after --dns-xdp off: [$(nl_oneline "$(d_rdata A)")]"
x=$(nl_enf status --json 2>/dev/null | jq -r '.dns_xdp.answered // empty')
[ "$x" = "$before" ] || nl_why "XDP still answered after it was turned off ($before -> $x)"
nl_end
fi

# ---- 8. detach: the normal resolver gets everything -------------------------------------

nl_begin detach_passes_to_nsd
out=$(nl_enf detach 2>&1) || nl_why "detach: $(nl_oneline "$out")"
dq rack "$RES4" web.internal A
want_rcode REFUSED "rack: web.internal after detach (NSD's answer)"
dq rack "$RES4" www.example.test A
[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "rack: www.example.test after detach: [$(nl_oneline "$(d_rdata A)")]"
nl_end

echo "($((SECONDS - START)) s)"
nl_summary
[ "$NL_FAILED" = 0 ]
