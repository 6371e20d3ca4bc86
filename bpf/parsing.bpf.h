/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bounds-checked packet parsing for the enforcer's programs.
 *
 * parse_at() reads one packet from an offset of the frame: Ethernet with up
 * to ENF_MAX_VLAN_DEPTH VLAN tags (or, for layer-3 links and the inside of
 * some tunnels, straight from the IP header), IPv4 (with options) or IPv6
 * (with up to ENF_MAX_EXT_HDRS extension headers), the first bytes of
 * TCP/UDP/SCTP/ICMP, and whether the packet carries another one (IPIP,
 * 6in4, 4in6, IPv6-in-IPv6, SRv6, GRE, VXLAN, Geneve): then where the inner
 * packet starts. It never guesses: whatever it cannot read is reported in
 * pkt.l4 / pkt.inner_off / the return value, and the caller decides (fail
 * closed for enforced destinations).
 *
 * The programs call it through small global functions (enforcer.bpf.c), so
 * the verifier checks the parser once, not once per place it is used: the
 * outer packet, each inner packet of a tunnel and the quote of an ICMP
 * error all go through the same code on an offset.
 *
 * Contract of each helper: a cursor {pos, end}; a bounds check right before
 * every access; on success the cursor moves past the header.
 */
#ifndef ENFORCER_PARSING_BPF_H
#define ENFORCER_PARSING_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <stddef.h>
#include "enforcer_common.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#ifndef IPPROTO_ETHERNET
#define IPPROTO_ETHERNET 143	/* Ethernet in IP (RFC 8986, SRv6 End.DX2) */
#endif
#define ENF_NEXTHDR_HOP		0
#define ENF_NEXTHDR_ROUTING	43
#define ENF_NEXTHDR_FRAGMENT	44
#define ENF_NEXTHDR_AUTH	51
#define ENF_NEXTHDR_DEST	60
#define ENF_IP_MF		0x2000
#define ENF_IP_OFFSET		0x1fff
#define ENF_ETH_P_TEB		0x6558	/* transparent Ethernet bridging (gretap, Geneve) */
#define ENF_RT_SRH		4	/* IPv6 routing header types: segment routing */
#define ENF_RT_RPL		3	/*   RPL source route (Linux: rpl_seg_enabled) */
#define ENF_IPOPT_LSRR		131	/* IPv4 loose / strict source route options */
#define ENF_IPOPT_SSRR		137
#define ENF_IPOPT_WALK		12	/* IPv4 options walked before giving up */

/* Offsets handed to the parser are bounded so the verifier can check the
 * reads that follow: no frame the programs see is longer. */
#define ENF_PARSE_MAX_OFF	0x3fff

/* parse_at() flags */
#define PARSE_F_L3		(1U << 0)	/* starts with the IP header (no Ethernet) */
#define PARSE_F_QUOTE		(1U << 1)	/* an ICMP error's quote: 8 transport bytes
						 * are a whole header; no tunnels */

struct cursor {
	void *pos;
	void *end;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* Result of parse_at(). */
enum parse_result {
	PARSE_OK = 0,		/* addresses read; see pkt.l4 for the transport */
	PARSE_NOT_IP,		/* not IPv4/IPv6: not ours to judge */
	PARSE_MALFORMED,	/* truncated or invalid L2/L3: addresses unknown */
	PARSE_TOO_DEEP,		/* VLAN stack beyond the bound: addresses unknown */
};

/* What is known about the transport header. */
enum l4_state {
	L4_PORTS = 0,		/* TCP/UDP/SCTP header read: sport/dport valid */
	L4_OTHER,		/* a protocol without ports (ICMP, GRE, ...), header readable */
	L4_TRUNCATED,		/* TCP/UDP/SCTP/ICMP (or an extension) header cut short */
	L4_LATER_FRAGMENT,	/* non-first fragment: no transport header here */
	L4_CHAIN_TOO_LONG,	/* IPv6 extension headers beyond the bound */
	L4_PENDING,		/* internal: transport header at l4_off, not read yet */
};

struct pkt {
	struct enf_addr src;
	struct enf_addr dst;
	__u8 proto;		/* final L4 protocol (after extension headers) */
	__u8 l4;		/* enum l4_state */
	__be16 sport;
	__be16 dport;
	__u8 tcp_flags;		/* TCP: FIN 0x01, SYN 0x02, RST 0x04, ... */
	__u8 icmp_type;		/* ICMP/ICMPv6 (l4 == L4_OTHER) */
	__u8 icmp_code;
	__u8 frag_first;	/* first fragment of a fragmented packet */
	__u8 hop_limit;		/* IPv6 */
	__u8 frag_proto;	/* IPv4 protocol / next header of the IPv6 fragment header:
				 * the same in first and later fragments */
	__be16 icmp_id;		/* echo identifier */
	__u8 encap;		/* enum enf_encap: the packet carries another one */
	__u8 inner_l3;		/* ... which starts with its IP header (no Ethernet) */
	__u8 has_seg;		/* an SRv6 header with segments left: see seg_next */
	__u8 reroute;		/* a source route the parser does not follow (IPv4 LSRR/
				 * SSRR, RPL, options beyond the walk): where it goes next
				 * is unknown */
	__u8 follow;		/* any of encap, has_seg, reroute, or headers not read to
				 * the end (see hides_destination()): one test on the
				 * common path */
	__u8 pad;
	__u32 frag_id;		/* IPv4 id or IPv6 fragment id (first and later fragments) */
	__u32 l4_off;		/* offset of the L4 header (ICMP errors quote from there) */
	__u32 inner_off;	/* encap: offset of the inner packet; 0 = cannot be read */
	/* last: only valid with has_seg, so parse_at() does not clear it */
	struct enf_addr seg_next;	/* the SRv6 segment it is routed to next */
	/* Not the parser's: the tunnel walk so far (follow_packet), which a
	 * parse of the inner packet must not clear; enforce() clears it once
	 * per packet. It lives in this map value, not in the verdict
	 * context on the stack, because the verifier tracks no map contents:
	 * the verdict after the walk is then one state whatever depth the
	 * walk returned from (as stack constants, each depth made it a state
	 * of its own: enf_xdp_ingress took 151k verified instructions, 98k after
	 * this alone). */
	struct enf_addr walk_outer_src;	/* the outermost source, once a tunnel is walked */
	__u8 walk_encap;	/* enum enf_encap of the outermost tunnel walked */
	__u8 walk_depth;	/* inner packets walked */
	__u8 walk_outer_public;	/* a tunnel's outer source was not private */
	__u8 walk_pad;
};

static __always_inline int parse_eth(struct cursor *c, __be16 *proto)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vh;
	__be16 p;
	int i;

	if ((void *)(eth + 1) > c->end)
		return PARSE_MALFORMED;
	p = eth->h_proto;
	c->pos = eth + 1;

	/* Constant trip count: the verifier sees a bounded loop. */
#pragma unroll
	for (i = 0; i < ENF_MAX_VLAN_DEPTH; i++) {
		if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
			break;
		vh = c->pos;
		if ((void *)(vh + 1) > c->end)
			return PARSE_MALFORMED;
		p = vh->encap_proto;
		c->pos = vh + 1;
	}
	if (p == bpf_htons(ETH_P_8021Q) || p == bpf_htons(ETH_P_8021AD))
		return PARSE_TOO_DEEP;
	*proto = p;
	return PARSE_OK;
}

/* Reads the ports (or checks the header of portless protocols we know).
 * TCP needs its whole 20-byte header: a first fragment that splits the TCP
 * header is a classic filter bypass, so it is truncated, not "ports read".
 * An ICMP error's quote holds only the first 8 bytes (RFC 792): there they
 * are the whole of what is needed. */
static __always_inline void parse_l4(struct cursor *c, struct pkt *p, void *start, __u32 flags)
{
	void *l4 = c->pos;
	__u32 need;

	switch (p->proto) {
	case IPPROTO_TCP:
		need = flags & PARSE_F_QUOTE ? 8 : 20;
		break;
	case IPPROTO_UDP:
		need = 8;
		break;
	case IPPROTO_SCTP:
		need = flags & PARSE_F_QUOTE ? 8 : 12;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		need = 8;
		break;
	default:
		p->l4 = L4_OTHER;
		return;
	}
	if (l4 + need > c->end) {
		p->l4 = L4_TRUNCATED;
		return;
	}
	p->l4_off = l4 - start;
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		__u8 *icmp = l4;

		p->icmp_type = icmp[0];
		p->icmp_code = icmp[1];
		p->icmp_id = *(__be16 *)(l4 + 4);
		p->l4 = L4_OTHER;
		return;
	}
	/* TCP, UDP and SCTP all start with source port, destination port. */
	p->sport = *(__be16 *)l4;
	p->dport = *(__be16 *)(l4 + 2);
	/* verifier: re-check; it does not tie `need` to the protocol */
	if (p->proto == IPPROTO_TCP && l4 + 14 <= c->end)
		p->tcp_flags = ((__u8 *)l4)[13];
	p->l4 = L4_PORTS;
}

/* IPv4 options (bytes [20, hlen) of the header at `ip`): a source route
 * (LSRR, SSRR) sends the packet on to an address of the sender's choosing,
 * which the parser does not follow; so does a list of options longer than
 * it walks. */
static __always_inline void ipv4_options(struct pkt *p, __u8 *ip, __u32 hlen, void *data_end)
{
	__u32 off = sizeof(struct iphdr);
	int i;

#pragma unroll
	for (i = 0; i < ENF_IPOPT_WALK; i++) {
		__u8 *opt = ip + (off & 0x3f);	/* verifier: < 64, the largest header */
		__u8 type;

		if (off >= hlen || (void *)(opt + 2) > data_end)
			return;
		type = opt[0];
		if (type == 0)		/* end of options */
			return;
		if (type == ENF_IPOPT_LSRR || type == ENF_IPOPT_SSRR) {
			p->reroute = 1;
			return;
		}
		if (type == 1) {	/* no-op */
			off++;
			continue;
		}
		if (opt[1] < 2)		/* invalid: the kernel rejects the packet */
			return;
		off += opt[1];
	}
	if (off < hlen)
		p->reroute = 1;
}

static __always_inline int parse_ipv4(struct cursor *c, struct pkt *p, void *start)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end)
		return PARSE_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return PARSE_MALFORMED;
	hlen = ip->ihl * 4;
	if (c->pos + hlen > c->end)
		return PARSE_MALFORMED;

	p->src.family = ENF_AF_INET;
	p->dst.family = ENF_AF_INET;
	__builtin_memcpy(p->src.addr, &ip->saddr, 4);
	__builtin_memcpy(p->dst.addr, &ip->daddr, 4);
	p->proto = ip->protocol;
	if (hlen > sizeof(*ip))
		ipv4_options(p, (__u8 *)ip, hlen, c->end);

	p->frag_id = bpf_ntohs(ip->id);
	p->frag_proto = ip->protocol;
	if (ip->frag_off & bpf_htons(ENF_IP_OFFSET)) {
		p->l4 = L4_LATER_FRAGMENT;
		return PARSE_OK;
	}
	p->frag_first = !!(ip->frag_off & bpf_htons(ENF_IP_MF));
	c->pos += hlen;
	p->l4_off = c->pos - start;
	p->l4 = L4_PENDING;
	return PARSE_OK;
}

static __always_inline int is_ext_hdr(__u8 nh)
{
	return nh == ENF_NEXTHDR_HOP || nh == ENF_NEXTHDR_ROUTING ||
	       nh == ENF_NEXTHDR_FRAGMENT || nh == ENF_NEXTHDR_AUTH ||
	       nh == ENF_NEXTHDR_DEST;
}

/* A routing header with segments left sends the packet on. SRv6 (type 4):
 * the next segment is Segment List[segments left - 1]; remember it, the
 * caller judges the packet by it when the current destination is no
 * service's. RPL (type 3, compressed addresses): not followed. Types 0
 * (deprecated) and 2 (Mobile IPv6) are never forwarded by Linux. Returns
 * 0, or -1 when the segment lies beyond the header or the frame. */
static __always_inline int ipv6_route(struct pkt *p, __u8 *eh, void *end)
{
	__u32 sl = eh[3], hlen = ((__u32)eh[1] + 1) * 8;
	__u8 *seg;

	if (!sl)
		return 0;
	if (eh[2] == ENF_RT_RPL) {
		p->reroute = 1;
		return 0;
	}
	if (eh[2] != ENF_RT_SRH)
		return 0;
	if (8 + sl * 16 > hlen)
		return -1;
	seg = eh + 8 + ((sl - 1) & 0xff) * 16;	/* verifier: bounded index */
	if ((void *)(seg + 16) > end)
		return -1;
	p->seg_next.family = ENF_AF_INET6;
	__builtin_memcpy(p->seg_next.addr, seg, 16);
	p->has_seg = 1;
	return 0;
}

static __always_inline int parse_ipv6(struct cursor *c, struct pkt *p, void *start)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return PARSE_MALFORMED;
	if (ip6->version != 6)
		return PARSE_MALFORMED;

	p->src.family = ENF_AF_INET6;
	p->dst.family = ENF_AF_INET6;
	__builtin_memcpy(p->src.addr, &ip6->saddr, 16);
	__builtin_memcpy(p->dst.addr, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	p->hop_limit = ip6->hop_limit;
	c->pos = ip6 + 1;

	/* Walk extension headers; every one is 8-byte aligned and at least
	 * 8 bytes, so two reads (next header, length) are always in bounds
	 * once 8 bytes are. */
#pragma unroll
	for (i = 0; i < ENF_MAX_EXT_HDRS; i++) {
		__u8 *eh = c->pos;
		__u32 len;

		if (!is_ext_hdr(nh))
			break;
		if ((void *)(eh + 8) > c->end) {
			p->proto = nh;
			p->l4 = L4_TRUNCATED;
			return PARSE_OK;
		}
		if (nh == ENF_NEXTHDR_FRAGMENT) {
			/* Fragment offset is the top 13 bits of bytes 2-3, M
			 * the lowest bit; the identification follows. */
			__be16 off = *(__be16 *)(eh + 2);

			p->frag_id = bpf_ntohl(*(__be32 *)(eh + 4));
			p->frag_proto = eh[0];
			if (off & bpf_htons(0xfff8)) {
				p->proto = eh[0];
				p->l4 = L4_LATER_FRAGMENT;
				return PARSE_OK;
			}
			p->frag_first = !!(off & bpf_htons(1));
			len = 8;
		} else if (nh == ENF_NEXTHDR_AUTH) {
			len = ((__u32)eh[1] + 2) * 4;
		} else {
			if (nh == ENF_NEXTHDR_ROUTING && ipv6_route(p, eh, c->end)) {
				p->proto = nh;
				p->l4 = L4_TRUNCATED;
				return PARSE_OK;
			}
			len = ((__u32)eh[1] + 1) * 8;
		}
		nh = eh[0];
		c->pos += len;
	}
	p->proto = nh;
	if (is_ext_hdr(nh)) {
		p->l4 = L4_CHAIN_TOO_LONG;
		return PARSE_OK;
	}
	p->l4_off = c->pos - start;
	p->l4 = L4_PENDING;
	return PARSE_OK;
}

/* The inner packet of a GRE packet (version 0; RFC 2784, 2890): after the
 * 4-byte header and its optional checksum, key and sequence words. */
static __always_inline void gre_inner(struct pkt *p, void *data, void *data_end)
{
	__u8 *g = data + (p->l4_off & ENF_PARSE_MAX_OFF);
	__u32 len = 4;
	__be16 proto;

	p->encap = ENF_ENCAP_GRE;
	if ((void *)(g + 4) > data_end)
		return;
	/* version 0 only, no (deprecated) routing: the kernel drops the rest
	 * or hands it to PPTP, whose inside is not read here */
	if ((g[1] & 0x07) || (g[0] & 0x40))
		return;
	len += g[0] & 0x80 ? 4 : 0;	/* checksum + reserved */
	len += g[0] & 0x20 ? 4 : 0;	/* key */
	len += g[0] & 0x10 ? 4 : 0;	/* sequence number */
	proto = *(__be16 *)(g + 2);
	if (proto == bpf_htons(ETH_P_IP) || proto == bpf_htons(ETH_P_IPV6))
		p->inner_l3 = 1;
	else if (proto != bpf_htons(ENF_ETH_P_TEB))
		return;		/* ERSPAN, MPLS, ...: not read */
	p->inner_off = p->l4_off + len;
}

/* VXLAN (RFC 7348): 8 bytes, then Ethernet. Geneve (RFC 8926): 8 bytes and
 * Opt Len * 4 bytes of options, then what Protocol Type says. */
static __always_inline void udp_tunnel_inner(struct pkt *p, void *data, void *data_end,
					     const struct enf_tunnel_ports *tp)
{
	__u8 *h = data + (p->l4_off & ENF_PARSE_MAX_OFF) + 8;
	__u8 kind = 0;
	__be16 proto;
	int i;

#pragma unroll
	for (i = 0; i < ENF_MAX_TUNNEL_PORTS; i++) {
		if (tp->p[i].port && tp->p[i].port == p->dport) {
			kind = tp->p[i].kind;
			break;
		}
	}
	if (kind != ENF_ENCAP_VXLAN && kind != ENF_ENCAP_GENEVE)
		return;
	p->encap = kind;
	if ((void *)(h + 8) > data_end)
		return;
	if (kind == ENF_ENCAP_VXLAN) {
		p->inner_off = p->l4_off + 16;
		return;
	}
	if (h[0] >> 6)		/* Geneve version 0 only */
		return;
	proto = *(__be16 *)(h + 2);
	if (proto == bpf_htons(ETH_P_IP) || proto == bpf_htons(ETH_P_IPV6))
		p->inner_l3 = 1;
	else if (proto != bpf_htons(ENF_ETH_P_TEB))
		return;
	p->inner_off = p->l4_off + 16 + (h[0] & 0x3f) * 4;
}

/* Does the packet carry another one, and where does it start? */
static __always_inline void find_inner(struct pkt *p, void *data, void *data_end,
				       const struct enf_tunnel_ports *tp)
{
	switch (p->proto) {
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
		if (p->l4 != L4_OTHER)
			return;
		p->encap = ENF_ENCAP_IP;
		p->inner_l3 = 1;
		p->inner_off = p->l4_off;
		return;
	case IPPROTO_ETHERNET:
		if (p->l4 != L4_OTHER)
			return;
		p->encap = ENF_ENCAP_ETH;
		p->inner_off = p->l4_off;
		return;
	case IPPROTO_GRE:
		if (p->l4 == L4_OTHER)
			gre_inner(p, data, data_end);
		return;
	case IPPROTO_UDP:
		if (p->l4 == L4_PORTS && tp)
			udp_tunnel_inner(p, data, data_end, tp);
		return;
	}
}

/*
 * The packet at `off` of the frame [data, data_end): fills *p (all of it,
 * zeroes first) and says whether the addresses could be read. `tp`: the
 * UDP tunnel ports of the generation (NULL: look into no UDP tunnel).
 */
static __always_inline int parse_at(void *data, void *data_end, __u32 off, __u32 flags,
				    struct pkt *p, const struct enf_tunnel_ports *tp)
{
	struct cursor c = { .end = data_end };
	__be16 proto;
	__u8 *b;
	int ret;

	__builtin_memset(p, 0, offsetof(struct pkt, seg_next));
	if (off > ENF_PARSE_MAX_OFF)
		return PARSE_MALFORMED;
	c.pos = data + (off & ENF_PARSE_MAX_OFF);
	if (flags & PARSE_F_L3) {
		/* no link header: the IP version says which */
		b = c.pos;
		if ((void *)(b + 1) > c.end)
			return PARSE_MALFORMED;
		if (b[0] >> 4 == 4)
			proto = bpf_htons(ETH_P_IP);
		else if (b[0] >> 4 == 6)
			proto = bpf_htons(ETH_P_IPV6);
		else
			return PARSE_MALFORMED;
	} else {
		ret = parse_eth(&c, &proto);
		if (ret != PARSE_OK)
			return ret;
	}
	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(&c, p, data);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(&c, p, data);
	else
		return PARSE_NOT_IP;
	/* The transport header is read in one place, from an offset: the
	 * paths through the network headers (IPv4 options, each IPv6
	 * extension header) then meet here instead of each carrying its own
	 * copy of the L4 parser through the verifier. */
	if (ret == PARSE_OK && p->l4 == L4_PENDING) {
		/* a real load: the verifier must see an unknown, then bounded, value */
		__u32 l4off = *(volatile __u32 *)&p->l4_off;

		asm volatile("" : "+r"(l4off));
		if (l4off > ENF_PARSE_MAX_OFF) {
			p->l4 = L4_TRUNCATED;
			return PARSE_OK;
		}
		c.pos = data + (l4off & ENF_PARSE_MAX_OFF);	/* verifier: masked */
		parse_l4(&c, p, data, flags);
		if (!(flags & PARSE_F_QUOTE))
			find_inner(p, data, data_end, tp);
	}
	p->follow = p->encap || p->reroute || p->has_seg ||
		    (p->l4 == L4_TRUNCATED && p->frag_first) || p->l4 == L4_CHAIN_TOO_LONG;
	return ret;
}

#endif /* ENFORCER_PARSING_BPF_H */
