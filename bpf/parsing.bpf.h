/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bounds-checked packet parsing for the enforcer's XDP program.
 *
 * parse_packet() walks Ethernet, up to ENF_MAX_VLAN_DEPTH VLAN tags, IPv4
 * (with options) or IPv6 (with up to ENF_MAX_EXT_HDRS extension headers)
 * and the first bytes of TCP/UDP/SCTP/ICMP, and fills struct pkt. It never
 * guesses: whatever it cannot read is reported in pkt.l4 / the return value,
 * and the caller decides (fail closed for enforced destinations).
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
#include "enforcer_common.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#define ENF_NEXTHDR_HOP		0
#define ENF_NEXTHDR_ROUTING	43
#define ENF_NEXTHDR_FRAGMENT	44
#define ENF_NEXTHDR_AUTH	51
#define ENF_NEXTHDR_DEST	60
#define ENF_IP_MF		0x2000
#define ENF_IP_OFFSET		0x1fff

struct cursor {
	void *pos;
	void *end;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* Result of parse_packet(). */
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
	L4_TRUNCATED,		/* TCP/UDP/SCTP/ICMP header cut short */
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
	__u8 pad[2];
	__u32 frag_id;		/* IPv4 id or IPv6 fragment id (first and later fragments) */
	__u32 l4_off;		/* offset of the L4 header (ICMP errors quote from there) */
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
 * header is a classic filter bypass, so it is truncated, not "ports read". */
static __always_inline void parse_l4(struct cursor *c, struct pkt *p, void *start)
{
	void *l4 = c->pos;
	__u32 need;

	switch (p->proto) {
	case IPPROTO_TCP:
		need = 20;
		break;
	case IPPROTO_UDP:
		need = 8;
		break;
	case IPPROTO_SCTP:
		need = 12;
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

static __always_inline int parse_packet(void *data, void *data_end, struct pkt *p)
{
	struct cursor c = { .pos = data, .end = data_end };
	__be16 proto;
	int ret;

	ret = parse_eth(&c, &proto);
	if (ret != PARSE_OK)
		return ret;
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
		__u32 off = *(volatile __u32 *)&p->l4_off;

		asm volatile("" : "+r"(off));
		if (off > 0x3fff) {	/* verifier: bounded (8 extension headers < 16 KiB) */
			p->l4 = L4_TRUNCATED;
			return PARSE_OK;
		}
		c.pos = data + (off & 0x3fff);	/* verifier: a masked, known-range offset */
		parse_l4(&c, p, data);
	}
	return ret;
}

#endif /* ENFORCER_PARSING_BPF_H */
