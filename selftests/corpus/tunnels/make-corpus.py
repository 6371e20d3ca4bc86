#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Writes the tunnel corpus: tunnels.pcap (Ethernet frames) and tunnels.expected
(one line per frame: verdict, reason, what it is), judged against manifest.yml in
this directory on an interface of role mixed (the default: one NIC carrying the VPC and
NATed internet traffic; a tunnel from a public source is judged as on a public one).

    selftests/corpus/tunnels/make-corpus.py    # rewrites both files in place

Replay it through a loaded enforcer:

    enforcer --pin-dir DIR apply -f selftests/corpus/tunnels/manifest.yml
    enforcer --pin-dir DIR trace --pcap selftests/corpus/tunnels/tunnels.pcap

selftests/test_tunnels.c (tunnel_corpus_verdicts) checks every frame's verdict and
reason. Addresses: 192.0.2.1 and 2001:db8::1 are the node (no service's), 10.0.2.10
and fd00:10::2:10 an internal instance (port 4000), 10.0.1.10 and fd00:10::1:10 a
public one (port 80), 203.0.113.0/24 and 2001:db8::/32 the internet, 10.0.0.0/16 and
fd00:10::/48 rack-private.
"""
import os
import struct
from scapy.all import (Ether, IP, IPv6, UDP, TCP, GRE, Raw, IPv6ExtHdrSegmentRouting,
                       IPOption, wrpcap)
from scapy.layers.vxlan import VXLAN

HERE = os.path.dirname(os.path.abspath(__file__))
ETH = dict(dst="02:00:00:00:00:02", src="02:00:00:00:00:01")


def l2(p):
    return Ether(**ETH) / p


def syn(src, dst, dport):
    if ":" in dst:
        return IPv6(src=src, dst=dst) / TCP(sport=40000, dport=dport, flags="S")
    return IP(src=src, dst=dst) / TCP(sport=40000, dport=dport, flags="S")


def vxlan(osrc, odst, inner, port=4789):
    o = IPv6(src=osrc, dst=odst) if ":" in odst else IP(src=osrc, dst=odst)
    return l2(o / UDP(sport=54321, dport=port) / VXLAN(vni=1, flags=0x08) /
              Ether(dst="02:00:00:00:00:99", src="02:00:00:00:00:77") / inner)


def geneve(osrc, odst, inner, opt_words=0, version=0):
    hdr = struct.pack("!BBHI", version << 6 | opt_words, 0, 0x6558, 3 << 8)
    return l2(IP(src=osrc, dst=odst) / UDP(sport=54321, dport=6081) /
              Raw(hdr + b"\xaa" * (4 * opt_words)) /
              Ether(dst="02:00:00:00:00:99", src="02:00:00:00:00:77") / inner)


def ipip(osrc, odst, inner):
    if ":" in odst:
        return l2(IPv6(src=osrc, dst=odst, nh=4 if inner.version == 4 else 41) / inner)
    return l2(IP(src=osrc, dst=odst, proto=4 if inner.version == 4 else 41) / inner)


def gre(osrc, odst, inner, key=None, seq=None, proto=None):
    g = GRE(key_present=key is not None, key=key, seqnum_present=seq is not None, sequence_number=seq)
    if proto is not None:
        g.proto = proto
    return l2(IP(src=osrc, dst=odst) / g / inner)


NODE4, NODE6 = "192.0.2.1", "2001:db8::1"
INET4, INET6 = "203.0.113.7", "2001:db8::7"
ADMIN4, ADMIN6, WEB4, WEB6 = "10.0.2.10", "fd00:10::2:10", "10.0.1.10", "fd00:10::1:10"

CASES = [
    # (frame, verdict, reason, what)
    (l2(syn(INET4, ADMIN4, 4000)), "DROP", "drop_not_admitted", "plain: internet to internal"),
    (l2(syn(INET4, WEB4, 80)), "PASS", "pass_public_port", "plain: internet to public port"),
    (vxlan(INET4, NODE4, syn(INET4, ADMIN4, 4000)), "DROP", "drop_not_admitted",
     "VXLAN 4789 to the node, inside: internet to internal"),
    (vxlan(INET4, NODE4, syn(INET4, WEB4, 80)), "PASS", "pass_public_port",
     "VXLAN 4789, inside: internet to public port"),
    (vxlan(INET4, NODE4, syn("10.0.9.9", ADMIN4, 4000)), "DROP", "drop_spoofed",
     "VXLAN from the internet, inside: a private source (spoofed)"),
    (vxlan(INET4, NODE4, syn(INET4, ADMIN4, 4000), port=8472), "DROP", "drop_not_admitted",
     "VXLAN 8472 (Flannel), inside: internet to internal"),
    (vxlan(INET4, "192.0.2.10", syn(INET4, ADMIN4, 4000)), "DROP", "drop_not_admitted",
     "VXLAN to a frontend address on a port that is no NodePort"),
    (vxlan("10.0.0.2", "10.0.0.1", syn("10.0.9.9", ADMIN4, 4000)), "PASS", "pass_admitted",
     "VXLAN from another node of the overlay, inside: pod to internal"),
    (vxlan(INET6, NODE6, syn(INET6, ADMIN6, 4000)), "DROP", "drop_not_admitted",
     "VXLAN over IPv6, inside: internet to internal (v6)"),
    (geneve(INET4, NODE4, syn(INET4, ADMIN4, 4000), opt_words=4), "DROP", "drop_not_admitted",
     "Geneve with options, inside: internet to internal"),
    (geneve(INET4, NODE4, syn(INET4, WEB4, 80), version=1), "DROP", "drop_tunnel",
     "Geneve version 1 from the internet: inside not read"),
    (ipip(INET4, NODE4, syn(INET4, ADMIN4, 4000)), "DROP", "drop_not_admitted",
     "IPIP, inside: internet to internal"),
    (ipip(INET4, NODE4, syn(INET6, ADMIN6, 4000)), "DROP", "drop_not_admitted",
     "6in4 (SIT), inside: internet to internal (v6)"),
    (ipip(INET6, NODE6, syn(INET4, ADMIN4, 4000)), "DROP", "drop_not_admitted",
     "4in6, inside: internet to internal"),
    (ipip(INET6, NODE6, syn(INET6, WEB6, 80)), "PASS", "pass_public_port",
     "IPv6-in-IPv6, inside: internet to public port"),
    (gre(INET4, NODE4, syn(INET4, ADMIN4, 4000)), "DROP", "drop_not_admitted",
     "GRE, inside: internet to internal"),
    (gre(INET4, NODE4, syn(INET4, ADMIN4, 4000), key=7, seq=1), "DROP", "drop_not_admitted",
     "GRE with key and sequence number"),
    (gre(INET4, NODE4, Ether(dst="02:00:00:00:00:99") / syn(INET4, ADMIN4, 4000), proto=0x6558),
     "DROP", "drop_not_admitted", "gretap (Ethernet in GRE)"),
    (gre(INET4, NODE4, Raw(b"\x00" * 40), proto=0x8847), "DROP", "drop_tunnel",
     "MPLS in GRE from the internet: inside not read"),
    (gre("10.0.0.2", NODE4, Raw(b"\x00" * 40), proto=0x8847), "PASS", "pass_tunnel",
     "MPLS in GRE from a private source: the overlay's business"),
    (l2(IPv6(src=INET6, dst=NODE6) /
        IPv6ExtHdrSegmentRouting(addresses=[NODE6], segleft=0, nh=41) /
        syn(INET6, ADMIN6, 4000)), "DROP", "drop_not_admitted",
     "SRv6 encapsulation, inside: internet to internal"),
    (l2(IPv6(src=INET6, dst=NODE6) /
        IPv6ExtHdrSegmentRouting(addresses=[ADMIN6, NODE6], segleft=1, nh=6) /
        TCP(sport=40000, dport=4000, flags="S")), "DROP", "drop_not_admitted",
     "SRv6 with segments left: judged by the next segment (internal)"),
    (ipip(INET4, NODE4, IP(src="203.0.113.8", dst=NODE4) / UDP(sport=1, dport=4789) /
          VXLAN(vni=1, flags=0x08) / Ether(dst="02:00:00:00:00:99") /
          syn(INET4, ADMIN4, 4000)), "DROP", "drop_not_admitted",
     "VXLAN inside IPIP: two deep"),
    (l2(IP(src=INET4, dst=NODE4, flags="MF", proto=17) / Raw(b"\x12\xb5\x12\xb5")),
     "DROP", "drop_malformed", "first fragment to the node with its UDP header cut"),
    (l2(IP(src=INET4, dst=NODE4, options=[IPOption(b"\x83\x07\x04" + bytes([10, 0, 2, 10])),
                                          IPOption(b"\x01")]) /
        TCP(sport=40000, dport=4000, flags="S")), "DROP", "drop_hdr_chain",
     "IPv4 loose source route to the node (not followed)"),
]


def main():
    frames = [c[0] for c in CASES]
    wrpcap(os.path.join(HERE, "tunnels.pcap"), frames)
    with open(os.path.join(HERE, "tunnels.expected"), "w") as f:
        f.write("# generated by make-corpus.py: FRAME VERDICT REASON  what it is\n")
        for i, (_, verdict, reason, what) in enumerate(CASES, 1):
            f.write("%d %s %s  %s\n" % (i, verdict, reason, what))


if __name__ == "__main__":
    main()
