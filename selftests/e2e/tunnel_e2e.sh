#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# selftests/tunnel_e2e.sh [ENFORCER_BINARY]: no side door through tunnels
# the node decapsulates or through layer-3 links (contract section 4, rules
# 5 and 6), end to end, in throwaway namespaces:
#
#   internet host ---- n-inet (role public) [node] p-web, p-admin ---- pods
#   203.0.113.7        203.0.113.1                 web 10.0.1.10 (3001/udp public)
#                      vx0: VXLAN 4789, vx1: VXLAN 8472 (Flannel), gnv0: Geneve
#                      6081 (where the kernel has Geneve), all decapsulating on
#                      the node; tun0: a layer-3 link, role public
#                                                  admin 10.0.2.10 (internal)
#
# The internet host sends crafted tunnel packets (python3-scapy) to the
# node's own address; their inner packets go to the pods. Without the
# enforcer they arrive (the side door is real); with it attached to n-inet
# only, the internal service gets nothing while the public port still
# does, and replies to a flow the admin pod opened through the overlay come
# back. Evidence is the pods' UDP sinks and IP counters, the enforcer's
# reason counters, and a control datagram from the private host that must
# arrive through the same sink after the packet that must not.
#
# Output: `ok NAME`, `FAIL NAME` with reasons, `SKIP NAME (why)`; the last
# line is `N passed, N failed[, N skipped]`.
#
# Safety (contract section 8): see scripts/netns-lib.sh. Everything lives in
# namespaces named enf-tun-$$-*, a private bpffs under a mktemp dir and
# processes we started (under `timeout`, killed by PID); the EXIT trap
# removes all of it.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/scripts/netns-lib.sh"

ENFORCER=$(nl_enforcer_path "${1:-}")

NL_CASES=(baseline_side_doors_are_real attach_ethernet_and_layer3_links
	  vxlan_from_internet_to_internal_dropped vxlan_public_port_still_served
	  vxlan_spoofed_private_inner_source_dropped flannel_port_8472_judged_too
	  geneve_device_judged_too replies_through_the_overlay_pass
	  tun_with_public_role_enforced status_tells_link_types)


nl_e2e_start enf-tun "$ENFORCER" nl_cleanup scapy:python3-scapy

# Waits are by condition, bounded by READY seconds: a fast machine never
# meets the bound, an emulated kernel (make check-kernels, where Python
# and scapy take many seconds to start) may come close.
READY=${READY:-300}
NL_LISTEN_SECS=$((READY * 6))	# the sinks outlive the slowest run
WEB4=10.0.1.10 ADMIN4=10.0.2.10 NODE4=203.0.113.1 INET4=$NL_INET4 PRIV4=$NL_PRIV4
SPOOF4=10.0.9.50	# a private source, forged inside a tunnel from the internet
FAR4=198.51.100.5	# an internet peer the admin pod talks to through the overlay

# sink SHORT PORT FILE: a UDP sink in SHORT that writes "PEER PAYLOAD" per
# datagram to FILE.
sink()
{
	ip netns exec "$(nl_ns "$1")" timeout "$NL_LISTEN_SECS" "$NL_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
f = open(sys.argv[2], "a")
while True:
    data, peer = s.recvfrom(65535)
    f.write("%s %s\n" % (peer[0], data.decode("ascii", "replace").strip()))
    f.flush()
' "$2" "$3" </dev/null >/dev/null 2>&1 &
	NL_PIDS+=($!)
	: >"$3"
	nl_wait_listen "$1" udp "$2"
}

# ---- topology ------------------------------------------------------------

{
	nl_topology &&
	nl_pod web "$WEB4" fd00:10::1:10 && nl_pod admin "$ADMIN4" fd00:10::2:10 &&
	sink web 3001 "$NL_TMP/sink-web" &&
	sink admin 4001 "$NL_TMP/sink-admin"
} || nl_setup_failed "cannot build the topology"

# The node decapsulates: VXLAN on the IANA port and on Linux's (Flannel's),
# each with an address so that what comes out is routed to the pods; reverse
# path filtering off (the inner sources are routed via n-inet).
{
	nl_in node ip link add vx0 type vxlan id 1 dstport 4789 local "$NODE4" \
		dev "$NL_IF_INET" nolearning &&
	nl_in node ip link add vx1 type vxlan id 2 dstport 8472 local "$NODE4" \
		dev "$NL_IF_INET" nolearning &&
	nl_in node ip addr add 10.0.99.1/24 dev vx0 &&
	nl_in node ip addr add 10.0.98.1/24 dev vx1 &&
	nl_in node ip link set vx0 up && nl_in node ip link set vx1 up &&
	nl_sysctl node net.ipv4.conf.all.rp_filter 0 &&
	nl_sysctl node net.ipv4.conf.default.rp_filter 0 &&
	for d in vx0 vx1 "$NL_IF_INET"; do nl_sysctl node "net.ipv4.conf.$d.rp_filter" 0 || exit 1; done
} || nl_setup_failed "cannot create the VXLAN devices on the node"
GENEVE=0
if nl_in node ip link add gnv0 type geneve id 3 remote "$INET4" dstport 6081 2>/dev/null; then
	nl_in node ip addr add 10.0.97.1/24 dev gnv0 && nl_in node ip link set gnv0 up &&
		nl_sysctl node net.ipv4.conf.gnv0.rp_filter 0 && GENEVE=1
fi
# A layer-3 link: tun0 (no Ethernet header), which a test process writes
# IP packets into. (A kernel with tun as a module creates /dev/net/tun when
# it loads; opening the missing node does not load it.)
[ -e /dev/net/tun ] || modprobe tun 2>/dev/null
{
	nl_in node ip tuntap add mode tun name tun0 &&
	nl_in node ip addr add 10.0.96.1/24 dev tun0 &&
	nl_in node ip link set tun0 up &&
	nl_sysctl node net.ipv4.conf.tun0.rp_filter 0
} || nl_setup_failed "cannot create the tun device on the node"

mac() { nl_in node ip -j link show "$1" | jq -r '.[0].address'; }
GW=$(mac "$NL_IF_INET") VX0=$(mac vx0) VX1=$(mac vx1)
[ "$GENEVE" = 1 ] && GNV0=$(mac gnv0)
[ -n "$GW" ] && [ -n "$VX0" ] && [ -n "$VX1" ] || nl_setup_failed "cannot read the node's MACs"

cat >"$NL_TMP/manifest.yml" <<EOF
# generated by selftests/tunnel_e2e.sh
rack: tunnels
private: [10.0.0.0/16, "fd00:10::/48"]
interfaces:
  - { name: $NL_IF_INET, role: public }
  - { name: tun0, role: public }
  - { match: "p-*", role: pods }
apps:
  shop:
    services:
      web: { ports: [3001/udp], instances: [$WEB4] }
      admin: { ports: [4001/udp], internal: true, instances: [$ADMIN4] }
EOF

# ---- helpers -------------------------------------------------------------

enf() { nl_in node "$ENFORCER" --pin-dir "$NL_PIN" "$@"; }

# count REASON: packets the enforcer counted under REASON so far.
count() { enf status --json 2>/dev/null | jq -r ".counters.$1.packets // 0"; }

# tx KIND OUTER_DPORT DST_MAC INNER_SRC INNER_DST INNER_DPORT PAYLOAD [INNER_SPORT]:
# one tunnel packet from the internet host to the node (KIND vxlan or
# geneve) carrying UDP INNER_SRC -> INNER_DST:INNER_DPORT.
tx()
{
	nl_in inet timeout "$READY" "$NL_PY" - "$GW" "$INET4" "$NODE4" "$@" \
		>/dev/null 2>"$NL_TMP/scapy.err" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, sendp
from scapy.layers.vxlan import VXLAN
gw, src, node, kind, odport, dmac, isrc, idst, idport, payload = sys.argv[1:11]
isport = int(sys.argv[11]) if len(sys.argv) > 11 else 45000
inner = Ether(dst=dmac, src="02:00:00:00:00:77") / IP(src=isrc, dst=idst) / \
	UDP(sport=isport, dport=int(idport)) / Raw(payload.encode())
if kind == "vxlan":
    tun = VXLAN(vni=1 if odport == "4789" else 2, flags=0x08) / inner
else:
    from scapy.contrib.geneve import GENEVE
    tun = GENEVE(vni=3, proto=0x6558) / inner
sendp(Ether(dst=gw) / IP(src=src, dst=node) / UDP(sport=54321, dport=int(odport)) / tun,
      iface="eth0", verbose=0)
PY
	[ $? = 0 ] || nl_why "scapy: $(tr '\n' ' ' <"$NL_TMP/scapy.err" | cut -c 1-300)"
}

# got FILE TEXT: FILE has a line ending in TEXT.
got() { grep -q " $2\$" "$1"; }

# arrives FILE TEXT: TEXT shows up in FILE (within READY s).
arrives() { nl_until "$READY" got "$1" "$2" || nl_why "'$2' did not arrive in $(basename "$1")"; }

# control TEXT: a datagram from the private host to the admin sink, which
# must arrive: it comes after every packet that must not, through the same
# sink.
control() { nl_udp_send priv "$ADMIN4" 4001 "$1"; arrives "$NL_TMP/sink-admin" "$1"; }

nl_udp_send()
{
	nl_in "$1" timeout "$READY" "$NL_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))' "$2" "$3" "$4"
}

# absent FILE TEXT: TEXT never arrived.
absent() { got "$1" "$2" && nl_why "'$2' arrived in $(basename "$1"): the side door is open"; }

# grew_by REASON BEFORE: REASON counted at least one more packet.
grew() { [ "$(count "$1")" -gt "$2" ] || nl_why "counter $1 did not move (was $2)"; }

# tun_tx SRC DST DPORT PAYLOAD: an IPv4/UDP packet written into tun0 (it
# arrives on the node as if from a layer-3 link). Built by hand: Python
# alone starts quickly where scapy does not.
tun_tx()
{
	nl_in node timeout "$READY" "$NL_PY" - "$@" 2>"$NL_TMP/tun.err" <<'PY'
import fcntl, os, socket, struct, sys
src, dst, dport, payload = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()
udp = struct.pack("!HHHH", 45001, dport, 8 + len(payload), 0) + payload
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                  socket.inet_aton(src), socket.inet_aton(dst))
csum = sum(struct.unpack("!10H", hdr))
csum = (csum & 0xffff) + (csum >> 16)
hdr = hdr[:10] + struct.pack("!H", ~((csum & 0xffff) + (csum >> 16)) & 0xffff) + hdr[12:]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tun0", 0x0001 | 0x1000))  # TUNSETIFF: TUN, NO_PI
os.write(fd, hdr + udp)
os.close(fd)
PY
	[ $? = 0 ] || nl_why "writing into tun0: $(tr '\n' ' ' <"$NL_TMP/tun.err" | cut -c 1-300)"
}

# ---- cases ---------------------------------------------------------------

nl_begin baseline_side_doors_are_real
tx vxlan 4789 "$VX0" "$INET4" "$ADMIN4" 4001 base-vxlan
arrives "$NL_TMP/sink-admin" base-vxlan
tun_tx "$INET4" "$ADMIN4" 4001 base-tun
arrives "$NL_TMP/sink-admin" base-tun
nl_end

nl_begin attach_ethernet_and_layer3_links
out=$(enf apply -f "$NL_TMP/manifest.yml" 2>&1) || nl_why "apply: $out"
out=$(enf attach "$NL_IF_INET" 2>&1) || nl_why "attach $NL_IF_INET: $out"
out=$(enf attach tun0 2>&1) && nl_why "native XDP on tun0 was expected to be refused: $out"
out=$(enf attach --generic tun0 2>&1) || nl_why "attach --generic tun0: $out"
grep -q "libbpf" <<<"$out" && nl_why "attach printed libbpf noise: $out"
out=$(enf status --check 2>&1) || nl_why "status --check: $(tail -n 1 <<<"$out")"
nl_end

nl_begin vxlan_from_internet_to_internal_dropped
before=$(count drop_not_admitted)
tx vxlan 4789 "$VX0" "$INET4" "$ADMIN4" 4001 vx-internal
nl_until "$READY" eval '[ "$(count drop_not_admitted)" -gt "$before" ]' ||
	nl_why "drop_not_admitted did not count the tunnel packet"
control ctl-1
absent "$NL_TMP/sink-admin" vx-internal
nl_end

nl_begin vxlan_public_port_still_served
tx vxlan 4789 "$VX0" "$INET4" "$WEB4" 3001 vx-public
arrives "$NL_TMP/sink-web" vx-public
nl_end

nl_begin vxlan_spoofed_private_inner_source_dropped
before=$(count drop_spoofed)
tx vxlan 4789 "$VX0" "$SPOOF4" "$ADMIN4" 4001 vx-spoofed
nl_until "$READY" eval '[ "$(count drop_spoofed)" -gt "$before" ]' ||
	nl_why "drop_spoofed did not count the tunnel packet"
control ctl-2
absent "$NL_TMP/sink-admin" vx-spoofed
nl_end

nl_begin flannel_port_8472_judged_too
tx vxlan 8472 "$VX1" "$INET4" "$ADMIN4" 4001 vx8472-internal
tx vxlan 8472 "$VX1" "$INET4" "$WEB4" 3001 vx8472-public
arrives "$NL_TMP/sink-web" vx8472-public
control ctl-3
absent "$NL_TMP/sink-admin" vx8472-internal
nl_end

if [ "$GENEVE" = 1 ]; then
	nl_begin geneve_device_judged_too
	tx geneve 6081 "$GNV0" "$INET4" "$ADMIN4" 4001 gnv-internal
	tx geneve 6081 "$GNV0" "$INET4" "$WEB4" 3001 gnv-public
	arrives "$NL_TMP/sink-web" gnv-public
	control ctl-4
	absent "$NL_TMP/sink-admin" gnv-internal
	nl_end
else
	nl_skip geneve_device_judged_too "this kernel has no Geneve devices; test_tunnels covers Geneve with crafted packets"
fi

# The admin pod talks to an internet peer through the overlay: the node
# encapsulates (vx0's default destination is the internet host) and TC
# egress on n-inet records the flow inside; the peer's reply, in a VXLAN
# packet, passes; the same reply to another port does not.
nl_begin replies_through_the_overlay_pass
{
	nl_in node bridge fdb append 00:00:00:00:00:00 dev vx0 dst "$INET4" &&
	nl_in node ip neigh replace 10.0.99.2 lladdr 02:00:00:00:00:99 dev vx0 nud permanent &&
	nl_in node ip route replace "$FAR4/32" via 10.0.99.2 dev vx0
} || nl_why "cannot route $FAR4 through vx0"
ip netns exec "$(nl_ns admin)" timeout "$READY" "$NL_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 45100))
s.sendto(b"out", (sys.argv[1], 7000))
s.settimeout(float(sys.argv[3]))
data, peer = s.recvfrom(2048)
open(sys.argv[2], "w").write("%s %s\n" % (peer[0], data.decode()))
' "$FAR4" "$NL_TMP/overlay-reply" "$READY" </dev/null >/dev/null 2>&1 &
REPLY_PID=$!
NL_PIDS+=($REPLY_PID)
nl_until "$READY" eval '[ "$(enf status --json | jq -r .flows.tracked)" -ge 1 ]' ||
	nl_why "no flow recorded for the admin pod's datagram through the overlay"
before=$(count drop_not_admitted)
tx vxlan 4789 "$VX0" "$FAR4" "$ADMIN4" 45101 overlay-wrong-port 7000
nl_until "$READY" eval '[ "$(count drop_not_admitted)" -gt "$before" ]' ||
	nl_why "a reply to a port without a flow was not dropped"
tx vxlan 4789 "$VX0" "$FAR4" "$ADMIN4" 45100 overlay-reply 7000
nl_until "$READY" test -s "$NL_TMP/overlay-reply" ||
	nl_why "the reply through the overlay did not reach the admin pod"
nl_end

nl_begin tun_with_public_role_enforced
before=$(count drop_not_admitted)
tun_tx "$INET4" "$ADMIN4" 4001 tun-internal
nl_until "$READY" eval '[ "$(count drop_not_admitted)" -gt "$before" ]' ||
	nl_why "drop_not_admitted did not count the packet from tun0"
tun_tx "$SPOOF4" "$ADMIN4" 4001 tun-spoofed
tun_tx "$INET4" "$WEB4" 3001 tun-public
arrives "$NL_TMP/sink-web" tun-public
control ctl-5
absent "$NL_TMP/sink-admin" tun-internal
absent "$NL_TMP/sink-admin" tun-spoofed
nl_end

nl_begin status_tells_link_types
js=$(enf status --json 2>&1)
[ "$(jq -r '.interfaces[] | select(.name == "tun0") | .link_type' <<<"$js")" = layer-3 ] ||
	nl_why "status does not call tun0 a layer-3 link"
[ "$(jq -r '.interfaces[] | select(.name == "tun0") | .xdp_mode' <<<"$js")" = generic ] ||
	nl_why "status does not show tun0 in generic XDP"
[ "$(jq -r ".interfaces[] | select(.name == \"$NL_IF_INET\") | .link_type" <<<"$js")" = ethernet ] ||
	nl_why "status does not call $NL_IF_INET an Ethernet link"
[ "$(jq -r .health.ok <<<"$js")" = true ] || nl_why "status health: $(jq -c .health <<<"$js")"
out=$(enf detach 2>&1) || nl_why "detach: $out"
grep -q "libbpf" <<<"$out" && nl_why "detach printed libbpf noise: $out"
nl_end

nl_summary
[ "$NL_FAILED" -eq 0 ]
