/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The last stage of dns_answer(): the reply decided in struct query gets
 * its header and OPT record, and the query packet becomes the reply, in
 * place: message written over the query, addresses and ports swapped,
 * lengths and checksums made right, sent back out of the interface it came
 * in on.
 *
 * Part of dns.bpf.c: included below its maps, struct scratch and the
 * message accessors, which it uses; not a standalone header.
 */
#ifndef ENF_DNS_REPLY_BPF_H
#define ENF_DNS_REPLY_BPF_H

/* The reply's header and, when the query had one, its OPT record after the
 * last record. Returns the reply's length. */
static __always_inline __u32 finish(__u8 *m, struct query *q)
{
	__u32 off = q->end;

	/* QR, opcode copied, AA, TC, RD copied; RA=0, Z=0, AD=0, CD=0 (4). */
	m[2] = 0x80 | (q->opcode << 3) | (q->aa ? 0x04 : 0) | (q->tc ? 0x02 : 0) | q->rd;
	m[3] = q->rcode & 0x0f;
	put16(m, 4, !q->no_question);
	put16(m, 6, q->an);
	put16(m, 8, q->ns);
	put16(m, 10, q->has_opt);
	if (q->has_opt) {
		/* OPT in reply iff in query (20); our size, version 0, DO
		 * copied, no options, unknown flags zero (23, 24, 25). */
		m[off & MSG_MASK] = 0;
		put16(m, off + 1, T_OPT);
		put16(m, off + 3, ENF_DNS_EDNS_SIZE);
		m[(off + 5) & MSG_MASK] = q->ext_rcode;
		m[(off + 6) & MSG_MASK] = 0;
		m[(off + 7) & MSG_MASK] = q->do_bit ? 0x80 : 0;
		m[(off + 8) & MSG_MASK] = 0;
		put16(m, off + 9, 0);
		off += 11;
	}
	return off;
}

/* Internet checksum of the IPv6 pseudo-header, the UDP header and the
 * message of new_len bytes, zero-padded to 4 bytes (29). */
static __always_inline __u16 udp6_checksum(struct scratch *s, __u32 new_len, __u32 ulen)
{
	__u8 *m = s->msg;
	__u32 c, pad;
	__s64 sum;

	__builtin_memcpy(s->pseudo, &s->h.v6.ip.saddr, 16);
	__builtin_memcpy(&s->pseudo[4], &s->h.v6.ip.daddr, 16);
	s->pseudo[8] = bpf_htonl(ulen);
	s->pseudo[9] = bpf_htonl(IPPROTO_UDP);
	sum = bpf_csum_diff(NULL, 0, s->pseudo, sizeof(s->pseudo), 0);
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&s->h.v6.udp, sizeof(s->h.v6.udp), sum);
	pad = (4 - (new_len & 3)) & 3;
	for (c = 0; c < 3; c++)
		m[(new_len + c) & MSG_MASK] = 0;
	for (c = 0; c < 3; c++) {
		__u32 from = c * 512, sz;

		if (from >= new_len + pad)
			break;
		sz = new_len + pad - from;
		if (sz > 512)
			sz = 512;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&m[from & MSG_MASK], sz & 0x3fc, sum);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return sum ? sum : 0xffff;	/* 0 would mean "no checksum" */
}

/* Ethernet addresses and UDP ports swapped, the UDP length set. */
static __always_inline void reply_l2_l4(struct ethhdr *eth, struct udphdr *uh, __u32 ulen)
{
	__u8 mac[ETH_ALEN];
	__be16 port;

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	port = uh->source;
	uh->source = uh->dest;
	uh->dest = port;
	uh->len = bpf_htons(ulen);
	uh->check = 0;
}

/* The reply's headers, in the scratch copy: addresses and ports swapped,
 * lengths, TTL/hop limit, checksums. */
static __always_inline void reply_headers(struct scratch *s, __u32 new_len)
{
	__u32 ulen = sizeof(struct udphdr) + new_len;
	__s64 sum;

	if (!s->q.v6) {
		struct iphdr *ip = &s->h.v4.ip;
		__be32 a = ip->saddr;

		reply_l2_l4(&s->h.v4.eth, &s->h.v4.udp, ulen);
		ip->saddr = ip->daddr;
		ip->daddr = a;
		ip->tot_len = bpf_htons(sizeof(*ip) + ulen);
		ip->ttl = 64;
		ip->check = 0;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip->check = ~sum & 0xffff;
		/* UDP checksum 0 is legal over IPv4 (29) and immune to the
		 * CHECKSUM_PARTIAL seed of socket-made packets. */
		return;
	}
	reply_l2_l4(&s->h.v6.eth, &s->h.v6.udp, ulen);
	__builtin_memcpy(s->pseudo, &s->h.v6.ip.saddr, 16);
	__builtin_memcpy(&s->h.v6.ip.saddr, &s->h.v6.ip.daddr, 16);
	__builtin_memcpy(&s->h.v6.ip.daddr, s->pseudo, 16);
	s->h.v6.ip.payload_len = bpf_htons(ulen);
	s->h.v6.ip.hop_limit = 64;
	/* IPv6 needs a real UDP checksum (29). */
	s->h.v6.udp.check = udp6_checksum(s, new_len, ulen);
}

/* Stage 7: the query becomes the reply, in place, and is sent back out of
 * the interface it came in on: the packet resized, then headers and
 * message written with one store from the scratch copy. Returns
 * TC_ACT_REDIRECT; or, when the rewrite fails, TC_ACT_OK while the packet
 * is still the query (it goes on to the resolver) and TC_ACT_SHOT once it
 * is half rewritten. */
static __always_inline int reply_in_place(struct __sk_buff *skb, struct scratch *s)
{
	__u32 new_len = finish(s->msg, &s->q), store_len;
	long err;

	/* verifier: keep the clamp clang would otherwise fold away */
	asm volatile("" : "+r"(new_len));
	if (new_len < 12 || new_len > ENF_DNS_MAX_MSG)
		return TC_ACT_OK;
	reply_headers(s, new_len);
	if (bpf_skb_change_tail(skb, s->q.dns_off + new_len, 0))
		return TC_ACT_OK;
	/* and again where it is used: clang may keep new_len on the stack
	 * from before the first check, and 6.1's verifier does not carry a
	 * register's bounds to its spilled copy */
	store_len = new_len;
	asm volatile("" : "+r"(store_len));
	if (store_len < 12 || store_len > ENF_DNS_MAX_MSG)
		return TC_ACT_SHOT;
	if (s->q.v6)
		err = bpf_skb_store_bytes(skb, 0, &s->h.v6.eth, V6_HDRS + store_len, 0);
	else
		err = bpf_skb_store_bytes(skb, 0, &s->h.v4.eth, V4_HDRS + store_len, 0);
	if (err)
		return TC_ACT_SHOT;
	return bpf_redirect(skb->ifindex, 0);
}

/* Stage 7 in XDP: the same reply, sent back with XDP_TX. The frame is
 * resized at its front (the headers and message are all rewritten from
 * the scratch copy, so growing at the head is as good as at the tail, and
 * a veth gives an XDP frame about 200 bytes of headroom but only ~16 of
 * tailroom) or shrunk at its tail. Returns XDP_TX; XDP_PASS while the
 * frame is still the query (no room: the TC program answers it); XDP_DROP
 * once it is half rewritten; -1 for a reply of a length no hook writes
 * (TC, seeing the query as it was, counts it as an error). */
static __always_inline int reply_xdp(struct xdp_md *ctx, struct scratch *s)
{
	__u32 new_len = finish(s->msg, &s->q), store_len, hdrs;
	void *data, *data_end;
	int delta;
	long err;

	asm volatile("" : "+r"(new_len));
	if (new_len < 12 || new_len > ENF_DNS_MAX_MSG)
		return -1;
	hdrs = s->q.v6 ? V6_HDRS : V4_HDRS;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	delta = (int)(hdrs + new_len) - (int)(data_end - data);
	if (delta > 0 && bpf_xdp_adjust_head(ctx, -delta))
		return XDP_PASS;
	if (delta < 0 && bpf_xdp_adjust_tail(ctx, delta))
		return XDP_PASS;
	reply_headers(s, new_len);
	store_len = new_len;
	asm volatile("" : "+r"(store_len));
	if (store_len < 12 || store_len > ENF_DNS_MAX_MSG)
		return XDP_DROP;
	if (s->q.v6)
		err = bpf_xdp_store_bytes(ctx, 0, &s->h.v6.eth, V6_HDRS + store_len);
	else
		err = bpf_xdp_store_bytes(ctx, 0, &s->h.v4.eth, V4_HDRS + store_len);
	return err ? XDP_DROP : XDP_TX;
}

#endif /* ENF_DNS_REPLY_BPF_H */
