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

#endif /* ENFORCER_PKTGEN_H */
