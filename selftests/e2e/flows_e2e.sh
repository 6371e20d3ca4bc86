#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# selftests/flows_e2e.sh [ENFORCER_BINARY]: what the TC egress half of the
# enforcer adds, end to end, with real traffic in throwaway namespaces:
# replies to flows instances open, flow timeouts, NodePort frontends, ICMP
# errors (PMTU), spoofed sources, fragments, tunnels and `trace --pcap`.
#
#   internet host ---- n-inet (role public)                n-priv (mixed) ---- private host
#   203.0.113.7             [node: routes; enforcer on n-inet, n-priv, p-web, p-admin;
#   2001:db8::7              203.0.113.1 is its own address facing the internet]
#                            p-web (pods)           p-admin (pods)
#                     pod web 10.0.1.10            pod admin 10.0.2.10   (internal: true)
#                     3000/tcp 3001/udp public     4000/tcp+udp private
#
# Listeners: internet host 8080/tcp ("inet-tcp") and 8081/udp ("inet-udp");
# web 3000/tcp, admin 4000/tcp+udp, a UDP sink on 3001 in both pods (it
# writes what arrives to a file), an "ssh" on the node's 2222/tcp and a
# UDP sink on the node's 5000.
# Crafted packets (python3-scapy) are sent from the internet host as
# Ethernet frames to the node's n-inet MAC, so they take the real path.
#
# Evidence that a packet was dropped is never just "no answer": each case
# also reads the enforcer's reason counters (`status --json`) and the IP
# stack counters of the pod it was aimed at (/proc/net/snmp, snmp6 inside
# that namespace), and pairs every "did not arrive" with a control that
# does arrive through the same instrument.
#
# Output: `ok   NAME` or the reasons and `FAIL NAME`; the last line is
# `N passed, N failed`; exit status non-zero iff something failed. Without
# root or network namespaces every case is skipped (exit 0).
#
# Time: nothing here depends on how fast the machine is (the suite also
# runs under qemu's software emulation, `make check-kernels`, where a
# python with scapy takes ~10 s to start). Every wait for the other side
# is a poll for a condition (a file, a line, a listening socket) bounded by
# a generous deadline (READY seconds) that a fast machine never meets, and
# every wait that is the point of a case (a flow timing out) is derived
# from the flow timeouts of the manifest that case applies.
#
# Safety (contract section 8): see scripts/netns-lib.sh. All state lives in
# namespaces named enf-flows-$$-*, a private bpffs under a mktemp dir, an
# nftables table inside our node namespace (gone with it), and processes
# we started (each under `timeout`, killed by PID); the EXIT trap removes
# all of it, also on failure and ^C. No retries.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/scripts/netns-lib.sh"

NL_CASES=(baseline_without_enforcer apply_and_attach
       replies_to_flows_instances_open internet_cannot_open_flows_to_admin
       trace_pcap_matches_live_verdicts udp_flow_timeout nodeport_frontend_judged_like_service
       icmp_errors_pmtu spoofed_sources_on_public_uplink fragments tunnels_dropped
       ndp_stays_on_the_link)


# ---- prerequisites -----------------------------------------------------

nl_e2e_start enf-flows "${1:-}" nl_cleanup nft:nftables tcpdump:tcpdump scapy:python3-scapy

# ---- topology ------------------------------------------------------------

# Upper bound (seconds) of every wait for a process to be ready or done.
READY=300
# Flow timeouts (seconds) of the manifests: LONG outlives the whole suite
# (cases 2 and 8 rely on the flows of case 1, however slowly cases 1 and 2
# run); UDP_SHORT is the UDP timeout case 3 watches expire: long enough for
# a reply and a `trace` to arrive while the flow lives, on a slow machine too.
LONG=3600 UDP_SHORT=6

WEB4=10.0.1.10 WEB6=fd00:10::1:10 ADMIN4=10.0.2.10 ADMIN6=fd00:10::2:10
INET4=$NL_INET4 INET6=$NL_INET6 NODE4=203.0.113.1
SPOOF4=10.0.9.50 SPOOF6=fd00:10::50	# private sources, forged on the internet side

{
	nl_topology &&
	nl_pod web "$WEB4" "$WEB6" && nl_pod admin "$ADMIN4" "$ADMIN6" &&
	nl_serve_tcp inet 8080 inet-tcp &&
	nl_serve_udp inet 8081 inet-udp &&
	nl_serve_tcp web 3000 web &&
	nl_serve_tcp admin 4000 admin &&
	nl_serve_udp admin 4000 admin-udp &&
	nl_serve_tcp node 2222 node-ssh &&
	nl_udp_sink web 3001 "$NL_TMP/sink-web" &&
	nl_udp_sink admin 3001 "$NL_TMP/sink-admin" &&
	nl_udp_sink node 5000 "$NL_TMP/sink-node"
} || nl_setup_failed "cannot build the topology"
GW_INET=$(ip -n "$(nl_ns node)" -j link show "$NL_IF_INET" | jq -r '.[0].address')
GW_PRIV=$(ip -n "$(nl_ns node)" -j link show "$NL_IF_PRIV" | jq -r '.[0].address')
[ -n "$GW_INET" ] && [ -n "$GW_PRIV" ] || nl_setup_failed "cannot read the node's MAC addresses"

# ---- manifests -----------------------------------------------------------
# Generation 1: the base. The internet uplink is `public` throughout (rule 2
# is in force in every case); every flow timeout is LONG so that case 2
# and `trace --pcap` (case 8) still find the flows of case 1 alive.
# Generation 2 (case 3): the same with `udp: UDP_SHORT`. Generation 3
# (case 4): NodePort frontends on the node's own address, UDP LONG again
# (the fragmented replies of case 7 answer UDP flows).

# manifest FILE FLOWS FRONTENDS(yes|no)
manifest()
{
	local fw='' fa=''
	if [ "$3" = yes ]; then
		fw="        frontends: [\"$NODE4:30081/tcp\"]"
		fa="        frontends: [\"$NODE4:30080/tcp\"]"
	fi
	cat >"$1" <<EOF
# generated by selftests/flows_e2e.sh
rack: flows
zones: ["{service}.{app}.internal"]
private: [10.0.0.0/16, "fd00:10::/48"]
interfaces:
  - { name: $NL_IF_INET, role: public }
  - { name: $NL_IF_PRIV, role: mixed }
  - { match: "p-*", role: pods }
flows: $2
apps:
  shop:
    services:
      web:
        ports: [3000/tcp, 3001/udp]
$fw
        instances: [$WEB4, "$WEB6"]
      admin:
        port: 4000
        internal: true
$fa
        instances: [$ADMIN4, "$ADMIN6"]
EOF
}

M1=$NL_TMP/gen1.yml M2=$NL_TMP/gen2-udp-short.yml M3=$NL_TMP/gen3-frontends.yml
manifest "$M1" "{ tcp_closing: $LONG, udp: $LONG, icmp: $LONG }" no
manifest "$M2" "{ tcp_closing: $LONG, udp: $UDP_SHORT, icmp: $LONG }" no
manifest "$M3" "{ tcp_closing: $LONG, udp: $LONG, icmp: $LONG }" yes

# ---- helpers -------------------------------------------------------------

# snap: every reason counter (packets) as one JSON object.
snap() { nl_enf status --json 2>/dev/null | jq -c '.counters | map_values(.packets)'; }

# grew BEFORE AFTER REASON: how much REASON grew between two snaps.
grew() { jq -n -r --argjson a "$1" --argjson b "$2" "(\$b.$3 // 0) - (\$a.$3 // 0)"; }

# holds N OP M: OP is -eq or -ge (integers only; anything else is false).
holds()
{
	[[ $1 =~ ^-?[0-9]+$ ]] || return 1
	case "$2" in
	-eq) [ "$1" -eq "$3" ] ;;
	-ge) [ "$1" -ge "$3" ] ;;
	*) return 1 ;;
	esac
}

# want_grew BEFORE AFTER REASON OP N: a reason line unless the growth of
# REASON satisfies OP N (-eq, -ge, ...).
want_grew()
{
	local g
	g=$(grew "$1" "$2" "$3")
	holds "$g" "$4" "$5" || nl_why "counter $3 grew by ${g:-?}, want $4 $5"
}

# svc_drops NAME: drop_packets of service NAME in status --json.
svc_drops()
{
	nl_enf status --json 2>/dev/null |
		jq -r "[.services[] | select(.service == \"$1\")][0].drop_packets // 0"
}

# snmp SHORT NAME: a counter of SHORT's own IP stack, named as nstat names
# them (IpInReceives, TcpInSegs, IcmpInDestUnreachs, Ip6InUnknownProtos,
# Icmp6InPktTooBigs, ...). /proc/net is per network namespace.
snmp()
{
	nl_in "$1" awk -v want="$2" '
		FILENAME ~ /snmp6$/ { if ($1 == want) v = $2; next }
		$2 !~ /^-?[0-9]+$/ { n = split($0, h); next }
		{ p = substr($1, 1, length($1) - 1)
		  for (i = 2; i <= NF; i++) if (p h[i] == want) v = $i }
		END { print v + 0 }' /proc/net/snmp /proc/net/snmp6
}

# want_snmp SHORT NAME BEFORE OP N: a reason line unless the growth is OP N.
want_snmp()
{
	local now
	now=$(snmp "$1" "$2")
	holds $((now - $3)) "$4" "$5" ||
		nl_why "$1: $2 grew by $((now - $3)), want $4 $5 (the packet $([ "$5" = 0 ] && echo arrived || echo did not arrive))"
}

# tcp_open FROM ADDR PORT: a TCP client in FROM that reads to EOF; sets
# GOT (what the server sent) and LPORT (the ephemeral port it used). Status
# as nl_tcp (0 answered, 2 silence, 1 other).
cat >"$NL_TMP/tcpc.py" <<'PY'
import socket, sys
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(secs)
try:
    s.connect((addr, port))
    lport = s.getsockname()[1]
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except socket.timeout:
    sys.exit(2)
except OSError as e:
    sys.stderr.write("%s\n" % e.strerror)
    sys.exit(1)
s.close()
print(lport, data.decode("ascii", "replace").strip())
PY
GOT='' LPORT=''
tcp_open()
{
	local out rc
	out=$(nl_in "$1" timeout 30 "$NL_PY" "$NL_TMP/tcpc.py" "$2" "$3" 2 2>"$NL_TMP/probe.err")
	rc=$?
	[ "$rc" = 124 ] && rc=2
	LPORT=${out%% *}
	GOT=${out#* }
	return "$rc"
}

# scapy SHORT [VAR=VALUE...] < PROGRAM: PROGRAM (python) in SHORT after a
# prelude: scapy imported, tx(pkt) sends pkt as one Ethernet frame from
# eth0 to the node (GW), ask(pkt) does the same and returns the first
# answer or None within 1 s, wait_file(path) polls for a file (at most
# READY s), touch(path) makes one. Bounded by `timeout` (READY). What it
# prints goes to stdout; errors to $NL_TMP/scapy.err.
cat >"$NL_TMP/prelude.py" <<'PY'
import os, sys, time
from scapy.all import (conf, Ether, IP, IPv6, TCP, UDP, ICMP, GRE, Raw, ICMPv6PacketTooBig,
                       IPv6ExtHdrFragment, fragment, fragment6, sendp, srp1)
conf.verb = 0
E = os.environ
GW = E["GW"]
READY = int(E["READY"])
def tx(p):
    sendp(Ether(dst=GW) / p, iface="eth0", verbose=0)
def ask(p, t=1):
    return srp1(Ether(dst=GW) / p, iface="eth0", timeout=t, verbose=0)
def wait_file(path, secs=READY):
    end = time.time() + secs
    while not os.path.exists(path):
        if time.time() > end:
            sys.exit("no %s after %d s" % (path, secs))
        time.sleep(0.01)
def touch(path):
    open(path, "w").close()
PY
scapy_cmd()
{
	local short=$1 gw=$GW_INET
	shift
	[ "$short" = priv ] && gw=$GW_PRIV
	SCAPY_CMD=(ip netns exec "$(nl_ns "$short")" env GW="$gw" T="$NL_TMP" READY="$READY"
		   INET4="$INET4" INET6="$INET6" WEB4="$WEB4" WEB6="$WEB6" ADMIN4="$ADMIN4"
		   ADMIN6="$ADMIN6" NODE4="$NODE4" SPOOF4="$SPOOF4" SPOOF6="$SPOOF6" "$@"
		   timeout "$READY" "$NL_PY" "$NL_TMP/scapy-$short.py")
}
scapy()
{
	local rc
	{ cat "$NL_TMP/prelude.py"; cat; } >"$NL_TMP/scapy-$1.py"
	scapy_cmd "$@"
	"${SCAPY_CMD[@]}" 2>"$NL_TMP/scapy.err"
	rc=$?
	[ "$rc" = 0 ] || nl_why "scapy in $1: exit $rc: $(nl_oneline "$(cat "$NL_TMP/scapy.err")")"
	return "$rc"
}

# scapy_bg SHORT [VAR=VALUE...] < PROGRAM: the same in the background;
# SCAPY_PID is the PID of its `timeout` (ours to wait for and to kill),
# errors go to $NL_TMP/scapy-bg.err.
scapy_bg()
{
	{ cat "$NL_TMP/prelude.py"; cat; } >"$NL_TMP/scapy-$1-bg.py"
	scapy_cmd "$@"
	SCAPY_CMD[${#SCAPY_CMD[@]} - 1]="$NL_TMP/scapy-$1-bg.py"
	"${SCAPY_CMD[@]}" </dev/null >/dev/null 2>"$NL_TMP/scapy-bg.err" &
	SCAPY_PID=$!
	NL_PIDS+=("$SCAPY_PID")
}

# pod_udp_bg SHORT TAG DST PORT: in the background, a UDP client in SHORT
# binds a fresh port (written to $NL_TMP/TAG.port), waits for
# $NL_TMP/TAG.go (the other side is ready), sends one datagram to
# DST:PORT, touches $NL_TMP/TAG.sent and then logs "SECONDS LENGTH TEXT"
# (seconds since it sent) for every datagram it receives to $NL_TMP/TAG.out
# until the other side touches $NL_TMP/TAG.stop (after its last packet;
# what is still in flight then is read for 0.3 s more). Each wait is
# bounded by READY s. POD_PID is the PID of its `timeout`.
cat >"$NL_TMP/udpc.py" <<'PY'
import os, socket, sys, time
d, tag, dst, dport, ready = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
pre = os.path.join(d, tag)
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("::" if ":" in dst else "0.0.0.0", 0))
open(pre + ".port.tmp", "w").write(str(s.getsockname()[1]))
os.rename(pre + ".port.tmp", pre + ".port")
end = time.time() + ready
while not os.path.exists(pre + ".go"):
    if time.time() > end:
        sys.exit("the other side never got ready (no %s.go in %d s)" % (tag, ready))
    time.sleep(0.01)
s.sendto(b"hello\n", (dst, dport))
t0 = time.time()
open(pre + ".sent", "w").close()
end, stop = t0 + ready, None
s.settimeout(0.05)
while True:
    now = time.time()
    if stop is None and os.path.exists(pre + ".stop"):
        stop = now
    if stop is not None and now > stop + 0.3:
        break
    if now > end:
        sys.exit("the other side never finished (no %s.stop in %d s)" % (tag, ready))
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    text = data.decode("ascii", "replace").strip() if len(data) < 100 else "-"
    print("%.1f %d %s" % (time.time() - t0, len(data), text), flush=True)
PY
POD_PID=''
pod_udp_bg()
{
	rm -f "$NL_TMP/$2".*
	ip netns exec "$(nl_ns "$1")" timeout $((2 * READY + 10)) "$NL_PY" "$NL_TMP/udpc.py" \
		"$NL_TMP" "$2" "$3" "$4" "$READY" </dev/null >"$NL_TMP/$2.out" 2>"$NL_TMP/$2.err" &
	POD_PID=$!
	NL_PIDS+=("$POD_PID")
}

# trace_says ARGS... -- VERDICT REASON: `enforcer trace ARGS` must print
# VERDICT and REASON, and exit by it (0 PASS, 3 DROP).
trace_says()
{
	local args=() out want=0
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	[ "$1" = DROP ] && want=3
	nl_run out "$want" trace "${args[@]}"
	grep -q "^verdict: *$1\b" <<<"$out" && grep -q "^reason: *$2:" <<<"$out" ||
		nl_why "trace ${args[*]}: want $1 $2, got: $(nl_oneline "$out")"
}

# sink_has FILE LEN SRC SECS: FILE (an nl_udp_sink log) gets a LEN-byte
# datagram from SRC within SECS (polled, bounded; returns as soon as it is there).
sink_has()
{
	local i
	for i in $(seq 1 $(($4 * 20))); do
		grep -q "^$2 $3 " "$1" && return 0
		sleep 0.05
	done
	return 1
}

# ---- 0. baseline -----------------------------------------------------------
# Without the enforcer everything below reaches: otherwise "dropped" later
# would mean nothing.

nl_begin baseline_without_enforcer
nl_reach inet "$ADMIN4" 4000/tcp admin
nl_reach inet "$ADMIN6" 4000/tcp admin
nl_reach inet "$ADMIN4" 4000/udp admin-udp
nl_reach inet "$ADMIN4" 0/icmp ping
nl_reach inet "$WEB4" 3000/tcp web
nl_reach admin "$INET4" 8080/tcp inet-tcp
nl_reach admin "$INET6" 8081/udp inet-udp
nl_reach inet "$NODE4" 2222/tcp node-ssh
nl_end
nl_case_ok || nl_abort "the topology does not carry traffic without the enforcer; every other case would be meaningless"

nl_begin apply_and_attach
nl_run out 0 apply -f "$M1"
grep -q "generation 1 is in force" <<<"$out" || nl_why "apply: no 'generation 1 is in force' in: $(nl_oneline "$out")"
nl_run out 0 attach "$NL_IF_INET" "$NL_IF_PRIV" p-web p-admin
for want in "$NL_IF_INET: attached (native XDP, role public)" \
	    "$NL_IF_PRIV: attached (native XDP, role mixed)" \
	    "p-web: attached (native XDP, role pods)" "p-admin: attached (native XDP, role pods)"; do
	grep -qF "$want" <<<"$out" || nl_why "attach: no '$want' in: $(nl_oneline "$out")"
done
nl_run out 0 status
for i in "$NL_IF_INET" "$NL_IF_PRIV" p-web p-admin; do
	grep -Eq "^  $i +[0-9]+ +native +(tcx|cls_bpf) +(tcx|cls_bpf) +(public|mixed|pods) " <<<"$out" ||
		nl_why "status: no '$i ... native tcx|cls_bpf tcx|cls_bpf ROLE' row (XDP, DNS and flow hooks)"
done
nl_end
nl_case_ok || nl_abort "the enforcer is not in place; every other case would be meaningless"

# ---- 8 (capture). Everything the internet host sends during cases 1 and 2
# is recorded for `trace --pcap` (case 8), with the counters at both ends.

PCAP=$NL_TMP/cases-1-2.pcap
ip netns exec "$(nl_ns inet)" timeout "$NL_LISTEN_SECS" tcpdump -i eth0 -Q out -U --immediate-mode -n -w "$PCAP" \
	</dev/null >/dev/null 2>"$NL_TMP/tcpdump.err" &
TCPDUMP_PID=$!
NL_PIDS+=("$TCPDUMP_PID")
for _ in $(seq 1 $((READY * 20))); do
	grep -q "listening on" "$NL_TMP/tcpdump.err" 2>/dev/null && break
	sleep 0.05
done
grep -q "listening on" "$NL_TMP/tcpdump.err" 2>/dev/null || TCPDUMP_PID=''
C_PCAP0=$(snap)
T_PCAP0=$SECONDS

# ---- 1. replies to flows instances open ------------------------------------
# admin (internal) opens TCP, UDP and ICMP echo towards the internet host,
# v4 and v6: the answers come back (pass_reply), recorded by enf_tc_egress
# on n-inet. web (public) opening a connection works the same way.

nl_begin replies_to_flows_instances_open
c0=$(snap)
LPORT4='' LPORT6=''
if tcp_open admin "$INET4" 8080 && [ "$GOT" = inet-tcp ]; then LPORT4=$LPORT; else
	nl_why "admin -> $INET4:8080/tcp: expected 'inet-tcp', got '${GOT:-no answer}'$(nl_probe_err 1)"; fi
if tcp_open admin "$INET6" 8080 && [ "$GOT" = inet-tcp ]; then LPORT6=$LPORT; else
	nl_why "admin -> [$INET6]:8080/tcp: expected 'inet-tcp', got '${GOT:-no answer}'$(nl_probe_err 1)"; fi
nl_reach admin "$INET4" 8081/udp inet-udp
nl_reach admin "$INET6" 8081/udp inet-udp
nl_reach admin "$INET4" 0/icmp ping
nl_reach admin "$INET6" 0/icmp ping
nl_reach web "$INET4" 8080/tcp inet-tcp
nl_reach web "$INET6" 8081/udp inet-udp
c1=$(snap)
# Per TCP connection at least SYN-ACK and data+FIN come back; one reply
# per UDP request and per echo.
want_grew "$c0" "$c1" pass_reply -ge 11
want_grew "$c0" "$c1" drop_not_admitted -eq 0
nl_run out 0 status
grep -Eq '^ +pass_reply +[1-9]' <<<"$out" || nl_why "status: no non-zero pass_reply row"
grep -Eq '^flows: +[1-9][0-9]* of 262144 tracked' <<<"$out" ||
	nl_why "status: no 'flows: N of 262144 tracked' with N > 0 in: $(grep '^flows' <<<"$out")"
nl_end

# ---- 2. nobody on the internet opens a flow to admin -------------------------
# The flows of case 1 are exact 5-tuples: the internet host still cannot
# connect to admin, and a SYN to the ephemeral port admin used in case 1
# from another port or another host is dropped; a segment (ACK) from the
# flow's own remote endpoint is the control (admin answers it with a RST).
# A bare SYN from that endpoint is dropped too: a SYN is never a reply.

nl_begin internet_cannot_open_flows_to_admin
nl_blocked inet "$ADMIN4" 4000/tcp
nl_blocked inet "$ADMIN6" 4000/tcp
nl_blocked inet "$ADMIN4" 4000/udp
nl_blocked inet "$ADMIN6" 4000/udp
nl_blocked inet "$ADMIN4" 0/icmp
if [ -n "$LPORT4" ] && [ -n "$LPORT6" ]; then
	segs=$(snmp admin TcpInSegs)
	c0=$(snap)
	out=$(scapy inet P4="$LPORT4" P6="$LPORT6" <<'PY'
p4, p6 = int(E["P4"]), int(E["P6"])
crafted = [
    IP(src=E["INET4"], dst=E["ADMIN4"]) / TCP(sport=8082, dport=p4, flags="S"),       # other port
    IP(src="203.0.113.99", dst=E["ADMIN4"]) / TCP(sport=8080, dport=p4, flags="S"),   # other host
    IPv6(src=E["INET6"], dst=E["ADMIN6"]) / TCP(sport=8082, dport=p6, flags="S"),
    IPv6(src="2001:db8::99", dst=E["ADMIN6"]) / TCP(sport=8080, dport=p6, flags="S"),
]
for p in crafted:
    r = ask(p)
    print("answered" if r is not None else "silence")
PY
)
	[ "$(grep -c '^silence$' <<<"$out")" = 4 ] ||
		nl_why "crafted SYNs to admin's ephemeral ports $LPORT4/$LPORT6 from another port/host: $(nl_oneline "$out") (want silence x4)"
	c1=$(snap)
	want_grew "$c0" "$c1" drop_not_admitted -eq 4
	want_snmp admin TcpInSegs "$segs" -eq 0
	# control: the flow's own remote endpoint gets through (admin's RST) with
	# a segment of the connection; a bare SYN would not, being no reply
	segs=$(snmp admin TcpInSegs)
	out=$(scapy inet P4="$LPORT4" <<'PY'
r = ask(IP(src=E["INET4"], dst=E["ADMIN4"]) / TCP(sport=8080, dport=int(E["P4"]), flags="A", seq=1, ack=1))
print("answered" if r is not None else "silence")
PY
)
	[ "$out" = answered ] ||
		nl_why "control: ACK from $INET4:8080 (the case-1 flow's own remote) to $ADMIN4:$LPORT4: $out, want an answer"
	want_snmp admin TcpInSegs "$segs" -ge 1
	c2=$(snap)
	want_grew "$c1" "$c2" pass_reply -ge 1
else
	nl_why "no ephemeral port from case 1; the crafted SYNs were not sent"
fi
# trace names the same destination by service and by private DNS name
trace_says --from "$INET4" --to shop/admin:4000 --iface-role public -- DROP drop_not_admitted
trace_says --from "$INET6" --to admin.shop.internal:4000/udp --iface-role public -- DROP drop_not_admitted
trace_says --from "$INET4" --to shop/web:3000 --iface-role public -- PASS pass_public_port
nl_end

# ---- 8. trace --pcap over what the internet host sent in cases 1 and 2 -------
# One line per packet with PASS/DROP and a reason. "What happened": a packet
# to admin or web passed iff it answered one of their flows (from 8080/8081
# or an echo reply), and the verdict counts equal the live counters' growth
# over the same window (every drop and every reply of that window happened
# on n-inet). The trace twin reads the live flow table and replays only
# the ingress side, so this holds while the flows live (every timeout LONG
# in generation 1; the case says so when the capture is older than that).

C_PCAP1=$(snap)
if [ -n "$TCPDUMP_PID" ]; then
	kill -TERM "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
fi

nl_begin trace_pcap_matches_live_verdicts
[ $((SECONDS - T_PCAP0)) -lt "$LONG" ] ||
	nl_why "the capture began $((SECONDS - T_PCAP0)) s ago, beyond the flow timeouts ($LONG s): its flows are gone"
if [ -z "$TCPDUMP_PID" ]; then
	nl_why "tcpdump did not start: $(nl_oneline "$(cat "$NL_TMP/tcpdump.err")")"
else
	trout=''
	nl_run trout 3 trace --pcap "$PCAP" --iface-role public	# 3: it drops some
	pk=$(tcpdump -r "$PCAP" -nn -q -t 2>/dev/null)
	npk=$(grep -c . <<<"$pk")
	rows=$(grep -E '^[0-9]+ +(PASS|DROP) +[a-z_]+' <<<"$trout")
	[ "$(grep -c . <<<"$rows")" = "$npk" ] && [ "$npk" -gt 20 ] ||
		nl_why "trace --pcap: $(grep -c . <<<"$rows") verdict lines for $npk packets (want one per packet, > 20)"
	# per packet: expected verdict from what the packet was
	bad=$(paste -d '|' <(printf '%s\n' "$pk") <(printf '%s\n' "$rows") | awk -F'|' \
		-v a4="$ADMIN4" -v a6="$ADMIN6" -v w4="$WEB4" -v w6="$WEB6" -v i4="$INET4" -v i6="$INET6" '
		function to(addr) { return index($1, "> " addr ".") || index($1, "> " addr ":") }
		function from(s) { return index($1, s) == 1 }
		{
			split($2, t, " +")
			if (to(a4) || to(a6) || to(w4) || to(w6)) {
				# answers of the internet host to flows the pods opened
				reply = from("IP " i4 ".8080 > ") || from("IP " i4 ".8081 > ") ||
					from("IP6 " i6 ".8080 > ") || from("IP6 " i6 ".8081 > ") ||
					((from("IP " i4 " > ") || from("IP6 " i6 " > ")) && $1 ~ /echo reply/)
				want = reply ? "PASS pass_reply" : "DROP"
			} else
				want = "PASS"
			got = t[2] " " t[3]
			if (substr(got, 1, length(want)) != want)
				printf "packet %s (%s): %s, want %s; ", t[1], $1, got, want
		}')
	[ -z "$bad" ] || nl_why "trace --pcap disagrees with what happened: $(nl_oneline "$bad")"
	for r in pass_reply pass_public_port drop_not_admitted drop_spoofed drop_icmp_error \
		 drop_fragment drop_tunnel drop_malformed; do
		n=$(awk -v r="$r" '$3 == r' <<<"$rows" | grep -c .)
		g=$(grew "$C_PCAP0" "$C_PCAP1" "$r")
		[ "$n" = "$g" ] || nl_why "$r: trace --pcap counts $n, the live program counted $g in the same window"
	done
	ndrop=$(awk '$2 == "DROP"' <<<"$rows" | grep -c .)
	# case 2 drops at least 9: 5 blocked probes (a SYN each for TCP) + 4 crafted SYNs
	[ "$ndrop" -ge 9 ] || nl_why "trace --pcap: only $ndrop DROP lines (case 2 drops at least 9 packets)"
fi
nl_end

# ---- 3. UDP flow timeout ---------------------------------------------------
# Generation 2: flows: { udp: UDP_SHORT }. admin sends one datagram from a
# fresh port to the internet host's responder; the real answer and a
# crafted one 0.3 s later pass (and `trace` calls such a packet a reply
# while the flow lives); a crafted one UDP_SHORT + 1.5 s after the last
# packet of the flow is dropped, and `trace` agrees. The internet side
# builds its frames and its socket before it lets admin send, so nothing
# slow stands between admin's datagram and the early reply; the late one
# is late by the manifest's timeout, whatever the machine's speed.
# admin's socket reports what it received.

nl_begin udp_flow_timeout
nl_run out 0 apply -f "$M2"
grep -q "generation 2 is in force" <<<"$out" || nl_why "apply: no 'generation 2 is in force' in: $(nl_oneline "$out")"
c0=$(snap)
pod_udp_bg admin c3 "$INET4" 8081
scapy_bg inet UDP_SHORT="$UDP_SHORT" <<'PY'
wait_file(E["T"] + "/c3.port")
port = int(open(E["T"] + "/c3.port").read())
sock = conf.L2socket(iface="eth0")
early, late = (Ether(dst=GW) / IP(src=E["INET4"], dst=E["ADMIN4"]) / UDP(sport=8081, dport=port) /
               Raw(t) for t in (b"early\n", b"late\n"))
touch(E["T"] + "/c3.go")
wait_file(E["T"] + "/c3.sent")
time.sleep(0.3)
sock.send(early)
time.sleep(int(E["UDP_SHORT"]) + 1.5)
sock.send(late)
touch(E["T"] + "/c3.stop")
PY
# while the flow lives, trace sees the reply as one
for _ in $(seq 1 $((READY * 20))); do
	[ -e "$NL_TMP/c3.sent" ] && break
	kill -0 "$POD_PID" 2>/dev/null || break
	sleep 0.05
done
P3=$(cat "$NL_TMP/c3.port" 2>/dev/null)
if [ -n "$P3" ] && [ -e "$NL_TMP/c3.sent" ]; then
	trace_says --from "$INET4:8081" --to "$ADMIN4:$P3/udp" --iface-role public -- PASS pass_reply
fi
wait "$SCAPY_PID" || nl_why "scapy in inet: $(nl_oneline "$(cat "$NL_TMP/scapy-bg.err")")"
wait "$POD_PID" || nl_why "admin's UDP client failed: $(nl_oneline "$(cat "$NL_TMP/c3.err")")"
got=$(awk '{print $3}' "$NL_TMP/c3.out" | tr '\n' ' ')
[ "$got" = "inet-udp early " ] ||
	nl_why "admin (udp port ${P3:-?}) received '$got', want 'inet-udp early ' (late one dropped; udp timeout $UDP_SHORT s); log (seconds after admin sent, length, text): $(nl_oneline "$(cat "$NL_TMP/c3.out")")"
c1=$(snap)
want_grew "$c0" "$c1" pass_reply -eq 2
want_grew "$c0" "$c1" drop_not_admitted -eq 1
[ -n "$P3" ] &&
	trace_says --from "$INET4:8081" --to "$ADMIN4:$P3/udp" --iface-role public -- DROP drop_not_admitted
nl_end

# ---- 4. NodePort frontends ---------------------------------------------------
# DNAT on the node: 203.0.113.1:30080 -> admin:4000, :30081 -> web:3000.
# Without frontends in the manifest that is a side door to admin (control);
# generation 3 declares them and the frontend is judged like its service.

nl_begin nodeport_frontend_judged_like_service
nft_out=$(nl_in node nft -f - 2>&1 <<EOF
table ip enf_flows_$$ {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $NODE4 tcp dport 30080 dnat to $ADMIN4:4000
		ip daddr $NODE4 tcp dport 30081 dnat to $WEB4:3000
	}
}
EOF
) || nl_why "nft in the node namespace: $(nl_oneline "$nft_out")"
nl_reach inet "$NODE4" 30080/tcp admin	# control: the side door is open without frontends
nl_run out 0 apply -f "$M3"
grep -q "generation 3 is in force" <<<"$out" || nl_why "apply: no 'generation 3 is in force' in: $(nl_oneline "$out")"
d0=$(svc_drops admin)
c0=$(snap)
nl_blocked inet "$NODE4" 30080/tcp
c1=$(snap)
want_grew "$c0" "$c1" drop_not_admitted -ge 1
[ "$(svc_drops admin)" -gt "$d0" ] 2>/dev/null || nl_why "service admin: drop_packets did not grow ($d0 -> $(svc_drops admin))"
nl_reach inet "$NODE4" 30081/tcp web
nl_reach priv "$ADMIN4" 4000/tcp admin
nl_reach priv "$NODE4" 30080/tcp admin	# a private source through the frontend: admitted
nl_reach inet "$NODE4" 2222/tcp node-ssh	# the node's own port: untouched
nl_reach inet "$NODE4" 0/icmp ping
trace_says --from "$INET4" --to "$NODE4:30080" -- DROP drop_not_admitted
trace_says --from "$INET4" --to "$NODE4:30080" --iface-role public -- DROP drop_not_admitted
trace_says --from "$INET4" --to "$NODE4:30081" --iface-role public -- PASS pass_public_port
trace_says --from "$INET4" --to "$NODE4:2222" --iface-role public -- PASS pass_not_owned
# the node's own traffic on its address stays untouched also when it
# comes in fragments (a 2400-byte UDP datagram to a port that is no frontend)
c0=$(snap)
scapy inet <<'PY'
pl = Raw(bytes(range(256)) * 9 + bytes(range(96)))   # 2400 bytes
for f in fragment(IP(src=E["INET4"], dst=E["NODE4"], id=0x4a06) / UDP(sport=5555, dport=5000) / pl, fragsize=1000):
    tx(f)
PY
sink_has "$NL_TMP/sink-node" 2400 "$INET4" 30 ||
	nl_why "the node's 5000/udp (no frontend port) did not get a fragmented 2400-byte datagram: $(nl_oneline "$(cat "$NL_TMP/sink-node")")"
c1=$(snap)
want_grew "$c0" "$c1" drop_fragment -eq 0
nl_in node nft delete table ip "enf_flows_$$" 2>/dev/null
nl_end

# ---- 5. ICMP errors: path MTU discovery ------------------------------------
# A real "port unreachable" from the internet host about a UDP flow admin
# opened reaches admin's connected socket (ECONNREFUSED, not a timeout).
# Crafted "packet too big" (ICMP 3/4, ICMPv6 2) quoting web:3000 -> the
# internet client reach web; the same quoting admin:4000 are forged.

nl_begin icmp_errors_pmtu
c0=$(snap)
for a in "$INET4" "$INET6"; do
	got=$(nl_udp admin "$a" 9999 2)
	rc=$?
	[ "$rc" = 1 ] && grep -qi refused "$NL_TMP/probe.err" ||
		nl_why "admin -> $(nl_ep "$a" 9999/udp) (closed port): want 'Connection refused' from the ICMP error, got rc $rc '${got}'$(nl_probe_err "$rc")"
done
c1=$(snap)
want_grew "$c0" "$c1" pass_icmp_error -eq 2
w4=$(snmp web IcmpInDestUnreachs) w6=$(snmp web Icmp6InPktTooBigs)
a4=$(snmp admin IcmpInDestUnreachs) a6=$(snmp admin Icmp6InPktTooBigs)
scapy inet <<'PY'
def ptb4(svc, port):
    return (IP(src=E["INET4"], dst=svc) / ICMP(type=3, code=4, nexthopmtu=1200) /
            IP(src=svc, dst=E["INET4"]) / TCP(sport=port, dport=45678, flags="PA") / Raw(b"x" * 32))
def ptb6(svc, port):
    return (IPv6(src=E["INET6"], dst=svc) / ICMPv6PacketTooBig(mtu=1280) /
            IPv6(src=svc, dst=E["INET6"]) / TCP(sport=port, dport=45678, flags="PA") / Raw(b"x" * 32))
for p in (ptb4(E["WEB4"], 3000), ptb6(E["WEB6"], 3000), ptb4(E["ADMIN4"], 4000), ptb6(E["ADMIN6"], 4000)):
    tx(p)
PY
sleep 0.3
c2=$(snap)
want_grew "$c1" "$c2" pass_icmp_error -eq 2
want_grew "$c1" "$c2" drop_icmp_error -eq 2
want_snmp web IcmpInDestUnreachs "$w4" -eq 1
want_snmp web Icmp6InPktTooBigs "$w6" -eq 1
want_snmp admin IcmpInDestUnreachs "$a4" -eq 0
want_snmp admin Icmp6InPktTooBigs "$a6" -eq 0
nl_end

# ---- 6. spoofed sources on the public uplink ---------------------------------
# n-inet has role public: a private source (the VPN range, a pod range, an
# instance's own address) arriving there is dropped as spoofed, whatever
# its destination (admin, web's public port, the node itself).

nl_begin spoofed_sources_on_public_uplink
jq -e "[.interfaces[] | select(.name == \"$NL_IF_INET\")][0].role == \"public\"" \
	>/dev/null 2>&1 <<<"$(nl_enf status --json 2>/dev/null)" || nl_why "status: $NL_IF_INET is not role public"
sw=$(snmp web TcpInSegs) sa=$(snmp admin TcpInSegs) sn=$(snmp node TcpInSegs)
c0=$(snap)
scapy inet <<'PY'
S = lambda port: TCP(sport=40000, dport=port, flags="S")
for p in (IP(src=E["SPOOF4"], dst=E["ADMIN4"]) / S(4000),
          IP(src=E["SPOOF4"], dst=E["WEB4"]) / S(3000),         # a public port
          IP(src="10.0.2.77", dst=E["WEB4"]) / S(3000),          # the pod range
          IP(src=E["WEB4"], dst=E["ADMIN4"]) / S(4000),          # an instance's own address
          IPv6(src=E["SPOOF6"], dst=E["ADMIN6"]) / S(4000),
          IPv6(src="fd00:10::1:77", dst=E["WEB6"]) / S(3000),
          IP(src=E["SPOOF4"], dst=E["NODE4"]) / S(2222)):        # not a service address
    tx(p)
PY
sleep 0.3
c1=$(snap)
want_grew "$c0" "$c1" drop_spoofed -eq 7
want_snmp web TcpInSegs "$sw" -eq 0
want_snmp admin TcpInSegs "$sa" -eq 0
want_snmp node TcpInSegs "$sn" -eq 0
trace_says --from "$SPOOF4" --to "$ADMIN4:4000" --iface-role public -- DROP drop_spoofed
trace_says --from 10.0.1.77 --to "$WEB4:3000" --iface-role public -- DROP drop_spoofed
# controls: genuine internet traffic reaches web (and its TCP counter moves)
nl_reach inet "$WEB4" 3000/tcp web
nl_reach inet "$WEB6" 3000/tcp web
want_snmp web TcpInSegs "$sw" -ge 2
nl_end

# ---- 7. fragments ------------------------------------------------------------
# A 2400-byte UDP datagram in fragments (v4: 3, v6: 2) to web's public
# 3001/udp is reassembled by web's sink; the same fragments to admin:3001
# never arrive; orphan later fragments are drop_fragment.

nl_begin fragments
: >"$NL_TMP/sink-web"
: >"$NL_TMP/sink-admin"
c0=$(snap)
scapy inet <<'PY'
pl = Raw(bytes(range(256)) * 9 + bytes(range(96)))   # 2400 bytes
for dst, fid in ((E["WEB4"], 0x4a01), (E["ADMIN4"], 0x4a02)):
    for f in fragment(IP(src=E["INET4"], dst=dst, id=fid) / UDP(sport=5555, dport=3001) / pl, fragsize=1000):
        tx(f)
for dst, fid in ((E["WEB6"], 0x6a01), (E["ADMIN6"], 0x6a02)):
    for f in fragment6(IPv6(src=E["INET6"], dst=dst) / IPv6ExtHdrFragment(id=fid) /
                       UDP(sport=5555, dport=3001) / pl, 1280):
        tx(f)
PY
sink_has "$NL_TMP/sink-web" 2400 "$INET4" 30 || nl_why "web:3001 did not get the 2400-byte datagram over IPv4: $(nl_oneline "$(cat "$NL_TMP/sink-web")")"
sink_has "$NL_TMP/sink-web" 2400 "$INET6" 30 || nl_why "web:3001 did not get the 2400-byte datagram over IPv6: $(nl_oneline "$(cat "$NL_TMP/sink-web")")"
sleep 0.3
[ -s "$NL_TMP/sink-admin" ] && nl_why "admin:3001 received fragments from the internet: $(nl_oneline "$(cat "$NL_TMP/sink-admin")")"
c1=$(snap)
want_grew "$c0" "$c1" pass_fragment -eq 3		# web's later fragments (2 + 1)
want_grew "$c0" "$c1" drop_not_admitted -eq 2	# admin's first fragments
want_grew "$c0" "$c1" drop_fragment -eq 3		# admin's later fragments
ra=$(snmp admin IpReasmReqds)
scapy inet <<'PY'
tx(IP(src=E["INET4"], dst=E["ADMIN4"], id=0x4a03, proto=17, frag=125) / Raw(b"y" * 400))
tx(IPv6(src=E["INET6"], dst=E["ADMIN6"]) / IPv6ExtHdrFragment(id=0x6a03, nh=17, offset=154) / Raw(b"y" * 400))
tx(IP(src=E["INET4"], dst=E["WEB4"], id=0x4a04, proto=17, frag=125) / Raw(b"y" * 400))
PY
sleep 0.3
c2=$(snap)
want_grew "$c1" "$c2" drop_fragment -eq 3	# orphans to admin (v4, v6) and to web
want_snmp admin IpReasmReqds "$ra" -eq 0
# A fragmented answer to a flow admin opened (a large DNS answer, say):
# the first fragment passes as a reply, the rest follow it.
pod_udp_bg admin c7a "$INET4" 8081
pid4=$POD_PID
pod_udp_bg admin c7b "$INET6" 8081
pid6=$POD_PID
scapy_bg inet <<'PY'
pl = Raw(bytes(range(256)) * 9 + bytes(range(96)))   # 2400 bytes
wait_file(E["T"] + "/c7a.port")
wait_file(E["T"] + "/c7b.port")
p4, p6 = int(open(E["T"] + "/c7a.port").read()), int(open(E["T"] + "/c7b.port").read())
touch(E["T"] + "/c7a.go")
touch(E["T"] + "/c7b.go")
wait_file(E["T"] + "/c7a.sent")
wait_file(E["T"] + "/c7b.sent")
for f in fragment(IP(src=E["INET4"], dst=E["ADMIN4"], id=0x4a05) / UDP(sport=8081, dport=p4) / pl, fragsize=1000):
    tx(f)
for f in fragment6(IPv6(src=E["INET6"], dst=E["ADMIN6"]) / IPv6ExtHdrFragment(id=0x6a05) /
                   UDP(sport=8081, dport=p6) / pl, 1280):
    tx(f)
touch(E["T"] + "/c7a.stop")
touch(E["T"] + "/c7b.stop")
PY
wait "$SCAPY_PID" || nl_why "scapy in inet: $(nl_oneline "$(cat "$NL_TMP/scapy-bg.err")")"
wait "$pid4" || nl_why "admin's UDP client (v4) failed: $(nl_oneline "$(cat "$NL_TMP/c7a.err")")"
wait "$pid6" || nl_why "admin's UDP client (v6) failed: $(nl_oneline "$(cat "$NL_TMP/c7b.err")")"
for t in c7a c7b; do
	grep -q '^[0-9.]* 2400 ' "$NL_TMP/$t.out" ||
		nl_why "admin's UDP client ($t) did not get the fragmented 2400-byte reply: $(nl_oneline "$(cat "$NL_TMP/$t.out")")"
done
c3=$(snap)
want_grew "$c2" "$c3" pass_fragment -eq 3	# 2 + 1 later fragments of the replies
want_grew "$c2" "$c3" drop_fragment -eq 0
nl_end

# ---- 9. tunnels --------------------------------------------------------------
# IPIP, GRE, 6in4 (v4 outer) and GRE, 4in6 (v6 outer) from the internet to
# admin, and IPIP to web: drop_tunnel, nothing reaches the pods' stacks
# (no tunnel modules there: an arriving one counts as an unknown protocol).
# Control: IPIP from the private host (admitted) reaches admin.

nl_begin tunnels_dropped
u4=$(snmp admin IpInUnknownProtos) u6=$(snmp admin Ip6InUnknownProtos) uw=$(snmp web IpInUnknownProtos)
c0=$(snap)
scapy inet <<'PY'
i4 = IP(src=E["INET4"], dst=E["ADMIN4"]) / TCP(sport=40001, dport=4000, flags="S")
i6 = IPv6(src=E["INET6"], dst=E["ADMIN6"]) / TCP(sport=40001, dport=4000, flags="S")
for p in (IP(src=E["INET4"], dst=E["ADMIN4"]) / i4,                 # IPIP (4)
          IP(src=E["INET4"], dst=E["ADMIN4"]) / GRE() / i4,         # GRE (47)
          IP(src=E["INET4"], dst=E["ADMIN4"], proto=41) / i6,       # 6in4 (41)
          IPv6(src=E["INET6"], dst=E["ADMIN6"]) / GRE() / i6,       # GRE over IPv6
          IPv6(src=E["INET6"], dst=E["ADMIN6"], nh=4) / i4,         # 4in6
          IP(src=E["INET4"], dst=E["WEB4"]) / i4):                  # to a public service
    tx(p)
PY
sleep 0.3
c1=$(snap)
want_grew "$c0" "$c1" drop_tunnel -eq 6
want_snmp admin IpInUnknownProtos "$u4" -eq 0
want_snmp admin Ip6InUnknownProtos "$u6" -eq 0
want_snmp web IpInUnknownProtos "$uw" -eq 0
scapy priv <<'PY'
tx(IP(src="10.0.9.9", dst=E["ADMIN4"]) / IP(src="10.0.9.9", dst=E["ADMIN4"]) / TCP(dport=4000, flags="S"))
PY
sleep 0.3
want_snmp admin IpInUnknownProtos "$u4" -eq 1
nl_end

# ---- 10. neighbour discovery ------------------------------------------------
# pass_ndp keeps IPv6 working on every enforced link (the counter grew in
# the cases above: the hosts resolve the node's addresses). Hop limit 255
# proves the packet did not cross a router to get here, not that it stays
# on the link: a neighbour solicitation from the internet host addressed
# to admin's routed address is forwarded by the node like any packet.
# It must not reach admin (an internal instance: every protocol is
# private). Control: the same from the private host (admitted) arrives.
# A raw ICMPv6 socket in admin tells who got through; it listens until the
# control (sent last, after the internet host's NS was on its way) has
# arrived, at most READY s.

nl_begin ndp_stays_on_the_link
ip netns exec "$(nl_ns admin)" timeout $((READY + 10)) "$NL_PY" - "$NL_PRIV6" "$INET6" "$READY" \
	>"$NL_TMP/ndp.out" 2>"$NL_TMP/ndp.err" <<'PY' &
import socket, sys, time
control, other, ready = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print("ready", flush=True)
end = time.time() + ready
while time.time() < end:
    s.settimeout(max(end - time.time(), 0.01))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        break
    if data[0] == 135 and peer[0] in (control, other):
        print("NS from", peer[0], flush=True)
        if peer[0] == control:
            break
PY
NDP_PID=$!
NL_PIDS+=("$NDP_PID")
for _ in $(seq 1 $((READY * 20))); do
	grep -q ready "$NL_TMP/ndp.out" && break
	kill -0 "$NDP_PID" 2>/dev/null || break
	sleep 0.05
done
scapy inet <<'PY'
from scapy.layers.inet6 import ICMPv6ND_NS
tx(IPv6(src=E["INET6"], dst=E["ADMIN6"], hlim=255) / ICMPv6ND_NS(tgt=E["ADMIN6"]) / Raw(b"to an internal instance"))
PY
scapy priv <<'PY'
from scapy.layers.inet6 import ICMPv6ND_NS
tx(IPv6(src="fd00:10::99", dst=E["ADMIN6"], hlim=255) / ICMPv6ND_NS(tgt=E["ADMIN6"]))
PY
wait "$NDP_PID"
grep -q "NS from $NL_PRIV6" "$NL_TMP/ndp.out" ||
	nl_why "control: the private host's NS to $ADMIN6 did not reach admin: $(nl_oneline "$(cat "$NL_TMP/ndp.out" "$NL_TMP/ndp.err")")"
if grep -q "NS from $INET6" "$NL_TMP/ndp.out"; then
	nl_why "an ICMPv6 NS (hop limit 255) from the internet host to $ADMIN6 was passed (pass_ndp) and forwarded to admin"
fi
# on the link: address resolution of the node's address (to its
# solicited-node multicast group, never forwarded) is answered (pass_ndp)
c2=$(snap)
out=$(scapy inet <<'PY'
from scapy.layers.inet6 import ICMPv6ND_NS, ICMPv6ND_NA
from scapy.utils import wrpcap
r = ask(IPv6(src=E["INET6"], dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::1"))
print("NA" if r is not None and r.haslayer(ICMPv6ND_NA) else "no NA")
# for trace --pcap below
wrpcap(E["T"] + "/ns.pcap", [Ether(dst=GW) / IPv6(src=E["INET6"], dst=E["ADMIN6"], hlim=255) /
                             ICMPv6ND_NS(tgt=E["ADMIN6"])])
PY
)
[ "$out" = NA ] || nl_why "NS from the internet host to the node's 2001:db8::1: '$out', want a neighbour advertisement"
c3=$(snap)
want_grew "$c2" "$c3" pass_ndp -ge 1
nl_run out 3 trace --pcap "$NL_TMP/ns.pcap" --iface-role public
grep -Eq '^1 +DROP ' <<<"$out" ||
	nl_why "trace --pcap of that NS: $(nl_oneline "$(grep -E '^1 ' <<<"$out")"), want DROP"
nl_end

nl_summary
echo "($SECONDS s)" >&2
[ "$NL_FAILED" = 0 ]
