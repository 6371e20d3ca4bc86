/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Crafted packets for BPF_PROG_TEST_RUN: Ethernet, optional VLAN tags,
 * IPv4 (with options, fragments) or IPv6 (with destination-option
 * extension headers, fragment header), then TCP/UDP/SCTP/ICMP/other.
 * Checksums are not computed: XDP does not look at them.
 */
#ifndef ENFORCER_PKTGEN_H
#define ENFORCER_PKTGEN_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

struct pkt_spec {
	const char *src;	/* "10.0.0.1" or "fd00::1" */
	const char *dst;
	uint8_t proto;		/* default IPPROTO_TCP */
	uint16_t sport;		/* default 40000 */
	uint16_t dport;
	int vlans;		/* VLAN tags (0..4); the 2nd and later are 802.1ad */
	int frag;		/* 0 none, 1 first fragment (MF), 2 later fragment */
	int ext_hdrs;		/* IPv6: destination-options headers before L4 */
	int ip_opts;		/* IPv4: extra 32-bit option words (NOPs) */
	size_t l4_len;		/* bytes of L4 header + payload, default 20 (TCP) / 8 */
	uint16_t ethertype;	/* override (e.g. ETH_P_ARP) */
	uint8_t icmp_type;	/* default: echo request (see echo_reply) */
	int echo_reply;		/* type 0 / 129: echo reply */
	uint8_t icmp_code;
	uint16_t icmp_id;
	uint8_t tcp_flags;	/* default SYN */
	uint8_t hop_limit;	/* IPv6 hop limit / IPv4 TTL, default 64 */
	uint32_t frag_id;	/* IPv4 id / IPv6 fragment identification */
	const uint8_t *payload;	/* copied after the L4 header (8 bytes for ICMP) */
	size_t payload_len;
};

#define PKT_MAX 1024

/* The Ethernet header every crafted frame starts with; its length. */
static inline size_t pkt_put_eth(uint8_t *b, int v6)
{
	uint16_t et = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);

	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	memcpy(b + 12, &et, 2);
	return 14;
}

/* A plain IPv4 (no options; `frag_off` as on the wire, host order) or
 * IPv6 header for `plen` bytes of `proto`, TTL 64; its length. */
static inline size_t pkt_put_ip(uint8_t *b, int v6, const char *src, const char *dst,
				uint8_t proto, size_t plen, uint16_t frag_off)
{
	uint16_t v;

	if (!v6) {
		b[0] = 0x45;
		v = htons(20 + plen);
		memcpy(b + 2, &v, 2);
		v = htons(frag_off);
		memcpy(b + 6, &v, 2);
		b[8] = 64;
		b[9] = proto;
		inet_pton(AF_INET, src, b + 12);
		inet_pton(AF_INET, dst, b + 16);
		return 20;
	}
	b[0] = 0x60;
	v = htons(plen);
	memcpy(b + 4, &v, 2);
	b[6] = proto;
	b[7] = 64;
	inet_pton(AF_INET6, src, b + 8);
	inet_pton(AF_INET6, dst, b + 24);
	return 40;
}

static inline size_t pkt_build(const struct pkt_spec *s, uint8_t *b)
{
	int v6 = strchr(s->dst, ':') != NULL;
	uint8_t proto = s->proto ? s->proto : IPPROTO_TCP;
	size_t off = 12, l4_len, ip_off, i;
	uint16_t et;

	memset(b, 0, PKT_MAX);
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (i = 0; i < (size_t)s->vlans; i++) {
		et = htons(i == 0 ? ETH_P_8021Q : ETH_P_8021AD);
		/* outer tags first: the first on the wire is 802.1ad when stacked */
		if (s->vlans > 1 && i == 0)
			et = htons(ETH_P_8021AD);
		else if (s->vlans > 1)
			et = htons(ETH_P_8021Q);
		memcpy(b + off, &et, 2);
		b[off + 2] = 0;
		b[off + 3] = 10 + i;	/* VLAN id */
		off += 4;
	}
	if (s->ethertype) {
		et = htons(s->ethertype);
		memcpy(b + off, &et, 2);
		return off + 2 + 28;
	}
	et = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	memcpy(b + off, &et, 2);
	off += 2;
	ip_off = off;

	if (proto == IPPROTO_TCP)
		l4_len = s->l4_len ? s->l4_len : 20;
	else
		l4_len = s->l4_len ? s->l4_len : 8;
	if (s->payload_len && !s->l4_len)
		l4_len += s->payload_len;

	if (!v6) {
		size_t hlen = 20 + 4 * s->ip_opts;
		uint16_t tot = htons(hlen + l4_len), fo = 0;

		b[off] = 0x40 | (hlen / 4);
		memcpy(b + off + 2, &tot, 2);
		if (s->frag == 1)
			fo = htons(0x2000);		/* MF, offset 0 */
		else if (s->frag == 2)
			fo = htons(0x0001);		/* offset 8 bytes */
		memcpy(b + off + 6, &fo, 2);
		b[off + 4] = s->frag_id >> 8;
		b[off + 5] = s->frag_id;
		b[off + 8] = s->hop_limit ? s->hop_limit : 64;
		b[off + 9] = proto;
		inet_pton(AF_INET, s->src, b + off + 12);
		inet_pton(AF_INET, s->dst, b + off + 16);
		for (i = 20; i < hlen; i++)
			b[off + i] = 1;		/* NOP options */
		off += hlen;
	} else {
		uint8_t *nh = b + off + 6;
		uint16_t plen;
		int e;

		b[off] = 0x60;
		b[off + 7] = s->hop_limit ? s->hop_limit : 64;
		inet_pton(AF_INET6, s->src, b + off + 8);
		inet_pton(AF_INET6, s->dst, b + off + 24);
		off += 40;
		for (e = 0; e < s->ext_hdrs; e++) {
			*nh = 60;		/* destination options, 8 bytes */
			nh = b + off;
			b[off + 1] = 0;
			b[off + 2] = 1;		/* PadN */
			b[off + 3] = 4;
			off += 8;
		}
		if (s->frag) {
			uint16_t fo = htons(s->frag == 1 ? 0x0001 : 0x0008);	/* M / offset 1 */

			uint32_t id = htonl(s->frag_id ? s->frag_id : 0x12000000);

			*nh = 44;
			nh = b + off;
			memcpy(b + off + 2, &fo, 2);
			memcpy(b + off + 4, &id, 4);
			off += 8;
		}
		*nh = proto;
		plen = htons(off - ip_off - 40 + l4_len);
		memcpy(b + ip_off + 4, &plen, 2);
	}
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) {
		uint16_t sp = htons(s->sport ? s->sport : 40000), dp = htons(s->dport);

		memcpy(b + off, &sp, 2);
		memcpy(b + off + 2, &dp, 2);
		if (proto == IPPROTO_TCP && l4_len >= 20) {
			b[off + 12] = 0x50;
			b[off + 13] = s->tcp_flags ? s->tcp_flags : 0x02;	/* SYN */
		}
		if (s->payload_len)
			memcpy(b + off + (proto == IPPROTO_TCP ? 20 : 8), s->payload, s->payload_len);
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		uint16_t id = htons(s->icmp_id);

		if (s->echo_reply)
			b[off] = proto == IPPROTO_ICMP ? 0 : 129;
		else
			b[off] = s->icmp_type ? s->icmp_type : proto == IPPROTO_ICMP ? 8 : 128;
		b[off + 1] = s->icmp_code;
		memcpy(b + off + 4, &id, 2);
		if (s->payload_len)
			memcpy(b + off + 8, s->payload, s->payload_len);
	} else if (s->payload_len) {
		memcpy(b + off, s->payload, s->payload_len);
	}
	return off + l4_len;
}

/*
 * Tunnels: pkt_encap() wraps a frame from pkt_build() (Ethernet first, no
 * VLAN tags) in an Ethernet header and an outer IPv4/IPv6 header from
 * `src` to `dst`, with what the kind needs in between. Kinds that carry IP
 * drop the inner frame's Ethernet header.
 */
enum encap_kind {
	ENC_IPIP,	/* IP protocol 4 (inner IPv4) or 41 (inner IPv6) */
	ENC_GRE,	/* GRE: inner IPv4/IPv6 (gre_teb: Ethernet) */
	ENC_VXLAN,	/* UDP to dport (default 4789), VXLAN, Ethernet */
	ENC_GENEVE,	/* UDP to dport (default 6081), Geneve with opt_words, Ethernet
			 * (geneve_ip: the inner IP packet) */
	ENC_ETH,	/* IP protocol 143: Ethernet */
	ENC_SRV6,	/* IPv6 + segment routing header (segs, segments left 0), IPv6/IPv4 */
};

struct encap_spec {
	const char *src, *dst;	/* outer addresses; family of dst decides */
	int kind;		/* enum encap_kind */
	uint16_t dport;		/* UDP tunnels */
	uint8_t gre_flags;	/* GRE: 0x80 checksum, 0x20 key, 0x10 sequence */
	uint16_t gre_proto;	/* override the GRE protocol type */
	int gre_teb;
	int geneve_opt_words;
	int geneve_ip;
	int geneve_version;
	int frag;		/* outer: 1 first fragment, cut after `cut` bytes of payload */
	size_t cut;		/* keep only this many bytes after the outer IP header (0: all) */
};

static inline size_t pkt_encap(const struct encap_spec *e, const uint8_t *inner, size_t ilen,
			       uint8_t *b)
{
	int v6 = strchr(e->dst, ':') != NULL;
	int inner_v6 = inner[12] == 0x86 && inner[13] == 0xdd;
	int strip = e->kind == ENC_IPIP || e->kind == ENC_SRV6 ||
		    (e->kind == ENC_GRE && !e->gre_teb) || (e->kind == ENC_GENEVE && e->geneve_ip);
	size_t off = 14, ip_off, hdr = 0, plen, i;
	uint8_t proto = 0;
	uint16_t v;

	memset(b, 0, PKT_MAX);
	pkt_put_eth(b, v6);
	if (strip) {
		inner += 14;
		ilen -= 14;
	}
	ip_off = off;
	off += v6 ? 40 : 20;
	switch (e->kind) {
	case ENC_IPIP:
		proto = inner_v6 ? 41 : 4;
		break;
	case ENC_ETH:
		proto = 143;
		break;
	case ENC_SRV6:
		/* SRH: next header, length (2 per segment), type 4, segments
		 * left 0, last entry 0; one segment: the outer destination */
		proto = 43;
		b[off] = inner_v6 ? 41 : 4;
		b[off + 1] = 2;
		b[off + 2] = 4;
		inet_pton(AF_INET6, e->dst, b + off + 8);
		hdr = 24;
		break;
	case ENC_GRE: {
		uint16_t gp = htons(e->gre_proto ? e->gre_proto :
				    e->gre_teb ? 0x6558 : inner_v6 ? ETH_P_IPV6 : ETH_P_IP);

		proto = 47;
		b[off] = e->gre_flags;
		memcpy(b + off + 2, &gp, 2);
		hdr = 4 + (e->gre_flags & 0x80 ? 4 : 0) + (e->gre_flags & 0x20 ? 4 : 0) +
		      (e->gre_flags & 0x10 ? 4 : 0);
		break;
	}
	case ENC_VXLAN:
	case ENC_GENEVE: {
		uint16_t sp = htons(54321), dp = htons(e->dport ? e->dport :
						       e->kind == ENC_VXLAN ? 4789 : 6081);

		proto = IPPROTO_UDP;
		memcpy(b + off, &sp, 2);
		memcpy(b + off + 2, &dp, 2);
		hdr = 16;
		if (e->kind == ENC_VXLAN) {
			b[off + 8] = 0x08;	/* I: VNI valid */
			b[off + 14] = 1;	/* VNI 1 */
		} else {
			uint16_t gp = htons(e->geneve_ip ? (inner_v6 ? ETH_P_IPV6 : ETH_P_IP)
							  : 0x6558);

			b[off + 8] = (uint8_t)(e->geneve_version << 6 | e->geneve_opt_words);
			memcpy(b + off + 10, &gp, 2);
			b[off + 14] = 1;
			for (i = 0; i < (size_t)e->geneve_opt_words * 4; i++)
				b[off + 16 + i] = 0xaa;
			hdr += e->geneve_opt_words * 4;
		}
		v = htons(hdr + ilen);
		memcpy(b + off + 4, &v, 2);
		break;
	}
	}
	memcpy(b + off + hdr, inner, ilen);
	plen = hdr + ilen;
	if (e->cut && e->cut < plen)
		plen = e->cut;
	return ip_off + pkt_put_ip(b + ip_off, v6, e->src, e->dst, proto, plen,
				   e->frag ? 0x2000 : 0) + plen;
}

#endif /* ENFORCER_PKTGEN_H */
