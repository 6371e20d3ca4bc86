#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# selftests/e2e/dns_forwarded_e2e.sh [ENFORCER_BINARY]: TCP/53 to a resolver
# address the node does not own, as in most Kubernetes clusters, where the
# pods' nameserver is the cluster DNS ClusterIP: steered to `dns serve` with
# its policy rule (fwmark, table 5353), end to end with dig.
#
#   rack pod 10.0.5.5 fd00:10::5 -- p-rack -- node -- p-kdns -- kdns 10.0.9.53 fd00:9::53
#                                                            (lo: 10.96.0.10 fd00:96::10;
#                                                             NSD on all four: example.test)
#
# The manifest is examples/dns.yml (resolvers 10.96.0.10, fd00:96::10). The
# node owns neither resolver address, it forwards to them, first by a route
# to the kdns namespace (a resolver behind the node), then, when nft is
# there, by kube-proxy's way: a DNAT of 10.96.0.10:53 to the "CoreDNS pod"
# 10.0.9.53 in the node's prerouting. NSD knows nothing of `internal`: a
# private answer over TCP comes from dns serve, or the steering failed.
#
# Each case prints `ok   NAME` or its reasons and `FAIL NAME`; the last line is
# `N passed, N failed[, N skipped]`; the exit status is non-zero iff something
# failed. Without root or network namespaces every case is skipped (exit 0).
#
# Safety (contract section 8): see scripts/netns-lib.sh. Namespaces are
# named enf-dnsfwd-$$-*; the policy rules, routes and nft table are made in
# the node namespace only; the bpffs, NSD's files and the logs live under a
# mktemp directory; the EXIT trap removes all of it and stops NSD and dns
# serve by PID, also on failure and ^C. Every query is bounded (dig +time=2
# +tries=1 in `timeout`).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/scripts/netns-lib.sh"
. "$ROOT/scripts/dig-lib.sh"

MANIFEST=$ROOT/examples/dns.yml

NL_CASES=(baseline_forwarded_to_nsd apply_and_attach udp_answered_in_kernel
	no_rule_named_and_unsteered routed_resolver_steered earlier_connection_kept relayed_and_tc_retry
	stopped_serve_leaves_nothing steering_follows_the_manifest dnat_clusterip_steered)

START=$SECONDS
nl_e2e_start enf-dnsfwd "${1:-}" nl_cleanup dig:dnsutils nsd:nsd nsd-checkconf:nsd
[ -r "$MANIFEST" ] || nl_setup_failed "no manifest at $MANIFEST"

RES4=10.96.0.10 RES6=fd00:96::10		# dns.resolvers of examples/dns.yml
POD4=10.0.9.53 POD6=fd00:9::53		# the resolver's own ("CoreDNS pod") addresses
WEB4="10.0.1.10
10.0.1.11
10.0.1.12"

ZONE=$ROOT/selftests/e2e/example.test.zone	# NSD's data: nothing of the private zone

{
	nl_netns_add rack && nl_netns_add kdns &&
	nl_sysctl node net.ipv4.ip_forward 1 &&
	nl_sysctl node net.ipv6.conf.all.forwarding 1 &&
	nl_link p-rack rack 10.0.5.1/24 fd00:10::1/120 10.0.5.5/24 fd00:10::5/120 &&
	nl_link p-kdns kdns 10.0.9.1/24 fd00:9::1/120 "$POD4/24" "$POD6/120" &&
	nl_lo_addr kdns "$RES4/32" "$RES6/128" &&
	nl_in node ip route add "$RES4/32" via "$POD4" &&
	nl_in node ip -6 route add "$RES6/128" via "$POD6" &&
	nl_nsd kdns main "$RES4 $RES6 $POD4 $POD6" "example.test=$ZONE"
} || nl_setup_failed "cannot build the topology"

SERVE_PID='' SERVE_LOG=$NL_TMP/serve.log
# serve_start ARGS...: dns serve (steering) in the node, until it says so
serve_start()
{
	: >"$SERVE_LOG"	# not the last one's "taking" line
	ip netns exec "$(nl_ns node)" timeout 300 "$NL_ENFORCER" --pin-dir "$NL_PIN" dns serve "$@" \
		>"$SERVE_LOG" 2>&1 </dev/null &
	SERVE_PID=$!
	NL_PIDS+=("$SERVE_PID")
	nl_until 10 grep -qs '^taking TCP/53' "$SERVE_LOG" ||
		nl_why "dns serve $*: did not start: $(nl_oneline "$(cat "$SERVE_LOG")")"
}
# serve_stop: SIGTERM, a bounded wait; its exit status in $RC ("kill" when
# it had to be killed: `timeout` and the enforcer under it, by PID and start
# time); the PID is then forgotten (nl_cleanup must not signal its reuse)
serve_stop()
{
	local kid started p keep=()
	kid=$(cat "/proc/$SERVE_PID/task/$SERVE_PID/children" 2>/dev/null)
	started=$(nl_started "$kid")
	nl_term "$SERVE_PID"
	nl_until 10 eval "! kill -0 $SERVE_PID 2>/dev/null" || kill -KILL "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID" 2>/dev/null
	RC=$?
	if [ -n "$kid" ] && [ -n "$started" ] && [ "$(nl_started "$kid")" = "$started" ]; then
		kill -KILL "$kid" 2>/dev/null
		RC=kill
	fi
	for p in "${NL_PIDS[@]}"; do [ "$p" = "$SERVE_PID" ] || keep+=("$p"); done
	NL_PIDS=("${keep[@]}")
}
# steer_rules: the node's rules and table 5353 routes that dns serve adds
steer_rules()
{
	nl_in node ip -4 rule show pref 53
	nl_in node ip -6 rule show pref 53
	nl_in node ip -4 route show table 5353 2>/dev/null
	nl_in node ip -6 route show table 5353 2>/dev/null
}
# private_over_tcp WHAT: web.internal A over TCP from rack, to both
# resolver addresses: the enforcer's answer (AA, TTL 5)
private_over_tcp()
{
	want_answer rack "$RES4" web.internal A "$WEB4" +tcp
	want_answer rack "$RES6" web.internal A "$WEB4" +tcp -6
	[ "$NL_CASE_BAD" = 0 ] || nl_why "($1)"
}

# ---- 1. baseline -------------------------------------------------------------------

nl_begin baseline_forwarded_to_nsd
dq rack "$RES4" www.example.test A +tcp
[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "rack: www.example.test over TCP via the node: $(nl_oneline "$DQ")"
dq rack "$RES4" web.internal A +tcp
want_rcode REFUSED "rack: web.internal before the enforcer (NSD is not authoritative)"
nl_end
nl_case_ok || nl_abort "the topology or NSD does not work without the enforcer"

nl_begin apply_and_attach
out=$(nl_enf apply -f "$MANIFEST" 2>&1) || nl_why "apply: $(nl_oneline "$out")"
out=$(nl_enf attach p-rack 2>&1) || nl_why "attach p-rack: $(nl_oneline "$out")"
nl_end
nl_case_ok || nl_abort "the enforcer could not be applied and attached"

# ---- 2. UDP: the kernel answers, forwarded or not ------------------------------------

nl_begin udp_answered_in_kernel
want_answer rack "$RES4" web.internal A "$WEB4"
want_answer rack "$RES6" web.internal A "$WEB4" -6
nl_end

# ---- 3. no rule: named at start, TCP goes on to the resolver --------------------------

nl_begin no_rule_named_and_unsteered
serve_start --steer-mark 0
for res in "$RES4" "$RES6"; do
	grep -qF "resolver $res is not an address of this node and --steer-mark is 0" "$SERVE_LOG" ||
		nl_why "$res not named unsteered: $(nl_oneline "$(cat "$SERVE_LOG")")"
done
[ -z "$(steer_rules)" ] || nl_why "--steer-mark 0 added rules: $(nl_oneline "$(steer_rules)")"
dq rack "$RES4" web.internal A +tcp
want_rcode REFUSED "rack: web.internal over TCP, not steered (NSD's answer)"
serve_stop
[ "$RC" = 0 ] || nl_why "dns serve --steer-mark 0: exit status $RC after TERM"
nl_end

# ---- 4. the rule: steered ---------------------------------------------------------------

# A pod's TCP connection to the resolver, made before the rule: it must go
# on to the resolver (marked, its segments would be delivered to no socket
# here and reset). It asks once the flag file exists.
KEEP_OUT=$NL_TMP/keep.out KEEP_FLAG=$NL_TMP/keep.flag
ip netns exec "$(nl_ns rack)" timeout 30 /usr/bin/python3 -c '
import os, socket, struct, sys, time
s = socket.create_connection((sys.argv[1], 53), timeout=3)
print("connected", flush=True)
end = time.time() + 20
while not os.path.exists(sys.argv[2]) and time.time() < end:
    time.sleep(0.05)
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x04test\x00" + struct.pack(">HH", 1, 1)
s.sendall(struct.pack(">H", len(q)) + q)
def rd(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed by the peer")
        b += c
    return b
try:
    m = rd(struct.unpack(">H", rd(2))[0])
    print("answer rcode=%d an=%d has_10.0.7.7=%d" % (m[3] & 15, struct.unpack(">H", m[6:8])[0], bytes([10, 0, 7, 7]) in m))
except Exception as e:
    print("error %s: %s" % (type(e).__name__, e))
' "$RES4" "$KEEP_FLAG" >"$KEEP_OUT" 2>&1 </dev/null &
KEEP_PID=$!
NL_PIDS+=("$KEEP_PID")
nl_until 5 grep -qs '^connected' "$KEEP_OUT" || echo "    (the earlier connection did not connect: $(nl_oneline "$(cat "$KEEP_OUT")"))"

nl_begin routed_resolver_steered
serve_start
for res in "$RES4" "$RES6"; do
	grep -qF "steering TCP/53 to $res, which the node forwards to: fwmark 0x53/0x53, table 5353" \
		"$SERVE_LOG" || nl_why "$res: no 'steering' line: $(nl_oneline "$(cat "$SERVE_LOG")")"
done
grep -q 'warning' "$SERVE_LOG" && nl_why "dns serve warned: $(nl_oneline "$(cat "$SERVE_LOG")")"
rules=$(steer_rules)
for want in 'fwmark 0x53/0x53 ipproto tcp lookup 5353' 'local default dev lo'; do
	[ "$(grep -cF "$want" <<<"$rules")" = 2 ] ||
		nl_why "want '$want' for IPv4 and IPv6: $(nl_oneline "$rules")"
done
mark=$(bpftool -j map dump pinned "$NL_PIN/enf_dns_steer" 2>/dev/null | jq -r '.[0].formatted.value // .[0].value' 2>/dev/null)
[ "$mark" = 83 ] || nl_why "enf_dns_steer while dns serve runs: '$mark', want 83 (0x53)"
private_over_tcp "a resolver behind the node"
want_negative rack "$RES4" nosuch.internal A NXDOMAIN +tcp
json=$(nl_enf status --json 2>/dev/null)
v=$(jq -r '.dns.tcp_steered // empty' <<<"$json")
[ "${v:-0}" -gt 0 ] 2>/dev/null || nl_why "status --json .dns.tcp_steered is '${v:-missing}', want > 0"
v=$(jq -c '.dns_tcp_steering' <<<"$json")
[ "$v" = '{"ipv4":true,"ipv6":true,"forwarded_mark":83}' ] || nl_why "status --json .dns_tcp_steering: $v"
nl_enf status 2>/dev/null | grep -qx 'TCP/53:     steered to the stream server (IPv4, IPv6), forwarded resolver addresses too (fwmark 0x53)' ||
	nl_why "status: no TCP/53 line for forwarded steering: $(nl_oneline "$(nl_enf status 2>&1 | grep TCP/53)")"
nl_end

nl_begin earlier_connection_kept
grep -qs '^connected' "$KEEP_OUT" || nl_why "could not connect before the rule: $(nl_oneline "$(cat "$KEEP_OUT")")"
touch "$KEEP_FLAG"
nl_until 10 eval '! kill -0 $KEEP_PID 2>/dev/null'
wait "$KEEP_PID" 2>/dev/null
grep -qx 'answer rcode=0 an=1 has_10.0.7.7=1' "$KEEP_OUT" ||
	nl_why "a connection made before the rule, asked after it came: $(nl_oneline "$(cat "$KEEP_OUT")") (want NSD's answer on the same connection)"
nl_end

nl_begin relayed_and_tc_retry
# an outside name: relayed to the resolver the client asked, NSD's answer
dq rack "$RES4" www.example.test A +tcp
[ "$(d_rdata A)" = 10.0.7.7 ] && d_section ANSWER | awk '$2 != 300 { bad = 1 } END { exit bad }' ||
	nl_why "rack: www.example.test over TCP (relayed): $(nl_oneline "$DQ")"
# 40 instances: UDP without EDNS truncates, dig retries over TCP to the
# same address, and the retry is steered: every record
dq rack "$RES4" fleet.internal A +noedns
n=$(d_section ANSWER | grep -c .)
[ "$n" = 40 ] && ! has_flag tc || nl_why "fleet.internal through dig's TC retry: $n records, want 40: $(nl_oneline "$DQ")"
nl_end

nl_begin stopped_serve_leaves_nothing
serve_stop
[ "$RC" = 0 ] || nl_why "dns serve: exit status $RC after TERM"
[ -z "$(steer_rules)" ] || nl_why "rules left after dns serve stopped: $(nl_oneline "$(steer_rules)")"
mark=$(bpftool -j map dump pinned "$NL_PIN/enf_dns_steer" 2>/dev/null | jq -r '.[0].formatted.value // .[0].value' 2>/dev/null)
[ "$mark" = 0 ] || nl_why "enf_dns_steer after dns serve stopped: '$mark', want 0"
v=$(nl_enf status --json 2>/dev/null | jq -c '.dns_tcp_steering')
[ "$v" = '{"ipv4":false,"ipv6":false,"forwarded_mark":0}' ] || nl_why "status --json .dns_tcp_steering after dns serve stopped: $v"
# TCP goes to the resolver again
dq rack "$RES4" web.internal A +tcp
want_rcode REFUSED "rack: web.internal over TCP after dns serve stopped (NSD's answer)"
dq rack "$RES4" www.example.test A +tcp
[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "rack: www.example.test over TCP after dns serve stopped: $(nl_oneline "$DQ")"
nl_end

# ---- 5. the manifest changes the resolvers under a running server -----------------------

# first the node's own addresses (no rule), then the forwarded ones (the
# rule comes), then the node's own again (it goes): within a sweep or so
nl_begin steering_follows_the_manifest
LOCAL=$NL_TMP/local-resolvers.yml
sed 's/resolvers: \[10.96.0.10, "fd00:96::10"\]/resolvers: [10.0.5.1, "fd00:10::1"]/' \
	"$MANIFEST" >"$LOCAL"
grep -q 'resolvers: \[10.0.5.1' "$LOCAL" || nl_why "cannot derive a manifest with the node's own resolvers"
out=$(nl_enf apply -f "$LOCAL" 2>&1) || nl_why "apply (the node's own resolvers): $(nl_oneline "$out")"
serve_start
[ -z "$(steer_rules)" ] || nl_why "rules with only the node's own resolvers: $(nl_oneline "$(steer_rules)")"
out=$(nl_enf apply -f "$MANIFEST" 2>&1) || nl_why "apply (forwarded resolvers): $(nl_oneline "$out")"
nl_until 5 eval '[ "$(steer_rules | grep -cF "fwmark 0x53/0x53 ipproto tcp lookup 5353")" = 2 ]' ||
	nl_why "no rules 5 s after an apply made the resolvers forwarded: $(nl_oneline "$(steer_rules)"; nl_oneline "$(cat "$SERVE_LOG")")"
private_over_tcp "after an apply made the resolvers forwarded"
out=$(nl_enf apply -f "$LOCAL" 2>&1) || nl_why "apply (the node's own again): $(nl_oneline "$out")"
nl_until 5 eval '[ -z "$(steer_rules)" ]' ||
	nl_why "rules left 5 s after an apply left no forwarded resolver: $(nl_oneline "$(steer_rules)")"
grep -q 'forwarded steering taken back' "$SERVE_LOG" ||
	nl_why "dns serve did not say it took the steering back: $(nl_oneline "$(cat "$SERVE_LOG")")"
mark=$(bpftool -j map dump pinned "$NL_PIN/enf_dns_steer" 2>/dev/null | jq -r '.[0].formatted.value // .[0].value' 2>/dev/null)
[ "$mark" = 0 ] || nl_why "enf_dns_steer after the steering was taken back: '$mark', want 0"
serve_stop
[ "$RC" = 0 ] || nl_why "dns serve: exit status $RC after TERM"
out=$(nl_enf apply -f "$MANIFEST" 2>&1) || nl_why "apply (back to the example): $(nl_oneline "$out")"
nl_end

# ---- 6. kube-proxy's way: a DNAT after the TC hook -----------------------------------------

# (the DNAT plays kube-proxy, a peer: a kernel or machine without it skips)
# the ClusterIP is nobody's address: only the DNAT takes it to the pod
nl_in node ip route del "$RES4/32" via "$POD4"
if ! command -v nft >/dev/null 2>&1; then
	nl_skip dnat_clusterip_steered "nft is not installed (Debian package nftables)"
elif ! err=$(nl_in node nft -f - 2>&1 <<EOF
table ip enf_kube_proxy {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		ip daddr $RES4 tcp dport 53 dnat to $POD4
		ip daddr $RES4 udp dport 53 dnat to $POD4
	}
}
EOF
); then
	nl_skip dnat_clusterip_steered "nft refuses the DNAT here: $(nl_oneline "$err")"
else
	nl_begin dnat_clusterip_steered
	dq rack "$RES4" www.example.test A +tcp
	[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "the DNAT itself (no dns serve): $(nl_oneline "$DQ")"
	serve_start
	want_answer rack "$RES4" web.internal A "$WEB4" +tcp
	nl_case_ok || nl_why "dns serve said: $(nl_oneline "$(cat "$SERVE_LOG")")"
	dq rack "$RES4" www.example.test A +tcp
	[ "$(d_rdata A)" = 10.0.7.7 ] || nl_why "rack: www.example.test over TCP through the DNAT (relayed): $(nl_oneline "$DQ")"
	dq rack "$RES4" fleet.internal A +noedns
	n=$(d_section ANSWER | grep -c .)
	[ "$n" = 40 ] || nl_why "fleet.internal through the DNAT and dig's TC retry: $n records, want 40"
	serve_stop
	[ "$RC" = 0 ] || nl_why "dns serve: exit status $RC after TERM"
	nl_end
fi

echo "($((SECONDS - START)) s)"
nl_summary
[ "$NL_FAILED" = 0 ]
