/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The first stages of dns_answer(): is the packet a DNS query to one of our
 * resolver addresses, does its first question name a private zone, and is
 * the query itself sound. Everything read is kept in struct query in the
 * scratch buffer for the stages after these.
 *
 * Part of dns.bpf.c: included below its maps, struct scratch, struct
 * dns_ctx and the message accessors, which it uses; not a standalone header.
 */
#ifndef ENF_DNS_PARSE_BPF_H
#define ENF_DNS_PARSE_BPF_H

/* The loops below run under bpf_loop(): the verifier checks a callback
 * once instead of every iteration of an unrolled or bounded loop, which
 * keeps this program far below the complexity limit. Callbacks look the
 * scratch buffer up again (a per-CPU array lookup is inlined) rather than
 * carry pointers in their context. */

/* QNAME walk, one label per call: label hashes and offsets (7, 8, 9).
 *
 * The per-byte cost is what matters here (names run to 110 characters and
 * more), so a label is read eight bytes at a time into a register, folded
 * with one word-wide operation (swar_fold) and mixed into the hash as one
 * word (enf_dns_label_word): no callback, scratch access, branch or
 * multiply per byte. The label's wire form is hashed, its length byte
 * first (a length is < 64: folding leaves it alone); the bytes of the last
 * word that lie past the label are masked off. */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the word-wide name walk takes byte 0 of a label from the low end of a word"
#endif

#define ONES	0x0101010101010101ULL

/* enf_dns_fold() on the eight bytes of x at once: ASCII A-Z gain 0x20,
 * every other byte, 0x80-0xff included, is left alone (RFC 4343). Per byte,
 * on its low seven bits: +0x3f sets bit 7 iff >= 'A', +0x25 iff > 'Z';
 * neither sum carries into the next byte. */
static __always_inline __u64 swar_fold(__u64 x)
{
	__u64 low = x & (0x7f * ONES);
	__u64 ge_a = low + (0x80 - 'A') * ONES;
	__u64 gt_z = low + (0x7f - 'Z') * ONES;
	__u64 upper = ge_a & ~gt_z & ~x & (0x80 * ONES);

	return x | upper >> 2;
}

static long name_step(__u32 i, void *arg)
{
	struct scratch *s = scratch();
	struct name_walk *w;
	__u32 off, c, n, k;
	__u64 h, x;

	if (!s)
		return 1;
	w = &s->nw;
	off = w->off;
	if (off >= w->len)
		return 1;
	c = s->msg[off & MSG_MASK];
	if (!c) {
		w->done = 1;
		w->off = off + 1;
		return 1;
	}
	/* pointers and extended label types in a one-question QNAME:
	 * malformed (8); a label cut short by the message's end, or one
	 * ending past the longest name, is not ours to judge either */
	if (c & 0xc0 || w->nl >= LABEL_MASK || off + 1 + c > w->len ||
	    off + 1 + c - 12 > ENF_DNS_MAX_NAME)
		return 1;
	s->loff[w->nl & LABEL_MASK] = off;
	/* n = 2..64 bytes: whole words, then the rest (1..7 bytes) from one
	 * more word. That word may load up to seven bytes past the label,
	 * even past the message (7): from the scratch copy, inside msg's
	 * slack, and masked off before they are hashed. verifier: `k < 64`
	 * is the constant bound of this loop. */
	n = c + 1;
	h = ENF_DNS_LABEL_SEED;
	for (k = 0; k + 8 <= n && k < 64; k += 8) {
		__builtin_memcpy(&x, &s->msg[(off + k) & MSG_MASK], 8);
		h = enf_dns_label_word(h, swar_fold(x));
	}
	if (k < n) {
		__builtin_memcpy(&x, &s->msg[(off + k) & MSG_MASK], 8);
		x = swar_fold(x) & ((1ULL << (((n - k) & 7) * 8)) - 1);
		h = enf_dns_label_word(h, x);
	}
	s->lh[w->nl & LABEL_MASK] = h;
	w->nl++;
	w->off = off + 1 + c;
	return 0;
}

/* Suffix hashes from the right; the deepest suffix that is a zone apex. */

static long suffix_step(__u32 i, void *arg)
{
	struct scratch *s = scratch();
	struct suffix_walk *w;
	struct enf_dns_key key = {};
	const struct enf_dns_zone *z;
	void *zones;
	__u32 j;

	if (!s)
		return 1;
	w = &s->sw;
	if (i >= w->nl)
		return 1;
	j = (w->nl - 1 - i) & LABEL_MASK;
	w->h = enf_dns_combine(w->h, s->lh[j]);
	/* only where some apex has i + 1 labels */
	if (i >= ENF_DNS_MAX_ZONE_LABELS || !(w->apex_labels & (1U << i)))
		return 0;
	zones = bpf_map_lookup_elem(&enf_dnszone_sel, &w->slot);
	if (!zones)
		return 1;
	key.hash = w->h;
	key.wire_len = w->qend - s->loff[j];
	z = bpf_map_lookup_elem(zones, &key);
	if (z) {
		/* kept, not looked up again: a deeper apex overwrites it */
		__builtin_memcpy(&s->zone, z, sizeof(s->zone));
		w->apex_off = s->loff[j];
		w->apex_len = key.wire_len;
	}
	return 0;
}

/* EDNS options: well-formed TLVs, ignored (23). */

static long opt_step(__u32 i, void *arg)
{
	struct scratch *s = scratch();
	struct opt_walk *w;

	if (!s)
		return 1;
	w = &s->ow;
	if (w->off == w->end) {
		w->ok = 1;
		return 1;
	}
	if (w->off + 4 > w->end)
		return 1;
	w->off += 4 + get16(s->msg, w->off + 2);
	return w->off > w->end;
}

/* The plain IPv4 or IPv6 header and the UDP header of a packet to port 53
 * from a non-zero port (28: no VLAN, no IP options, no fragments, no
 * extension headers; the lengths must agree, as the stack would insist).
 * Read in place (every packet of the interface passes here; most leave
 * after a few compares, without a helper call). Returns the offset of the
 * UDP header, or 0; fills the source and the destination. */
static __always_inline __u32 udp_to_port53(void *ctx, const int xdp, struct enf_addr *src,
					   struct enf_addr *dst)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct udphdr *uh;
	__u32 udp_off, plen;

	if (xdp) {
		/* one buffer: a program without BPF_F_XDP_HAS_FRAGS never
		 * sees a multi-buffer frame */
		struct xdp_md *x = ctx;

		long d;

		data = (void *)(long)x->data;
		data_end = (void *)(long)x->data_end;
		d = data_end - data;
		asm volatile("" : "+r"(d));	/* 64-bit: see query_to_resolver */
		plen = d;
	} else {
		struct __sk_buff *skb = ctx;
		__u32 want = skb->len < V6_HDRS ? skb->len : V6_HDRS;

		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		plen = skb->len;
		/* headers outside the linear part (rare for a datagram
		 * this small): pulled in, up to the longest we read */
		if (data + want > data_end) {
			if (bpf_skb_pull_data(skb, want))
				return 0;
			data = (void *)(long)skb->data;
			data_end = (void *)(long)skb->data_end;
		}
	}
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip4 = (void *)(eth + 1);

		uh = (void *)(ip4 + 1);
		if ((void *)(uh + 1) > data_end || ip4->version != 4 || ip4->ihl != 5 ||
		    ip4->protocol != IPPROTO_UDP || (ip4->frag_off & bpf_htons(0x3fff)) ||
		    bpf_ntohs(ip4->tot_len) != plen - sizeof(*eth))
			return 0;
		src->family = dst->family = ENF_AF_INET;
		__builtin_memcpy(src->addr, &ip4->saddr, 4);
		__builtin_memcpy(dst->addr, &ip4->daddr, 4);
		udp_off = sizeof(*eth) + sizeof(*ip4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		uh = (void *)(ip6 + 1);
		if ((void *)(uh + 1) > data_end || ip6->version != 6 ||
		    ip6->nexthdr != IPPROTO_UDP ||
		    bpf_ntohs(ip6->payload_len) != plen - sizeof(*eth) - sizeof(*ip6))
			return 0;
		src->family = dst->family = ENF_AF_INET6;
		__builtin_memcpy(src->addr, &ip6->saddr, 16);
		__builtin_memcpy(dst->addr, &ip6->daddr, 16);
		udp_off = sizeof(*eth) + sizeof(*ip6);
	} else {
		return 0;
	}
	if (uh->dest != bpf_htons(ENF_DNS_PORT) || !uh->source ||
	    bpf_ntohs(uh->len) != plen - udp_off)
		return 0;
	return udp_off;
}

/* The inner maps of the policy generation in force; 0 before the first
 * `apply` has filled both the slot and the maps. */
static __always_inline int policy_maps(struct dns_ctx *c, __u32 *slot)
{
	__u32 zero = 0;
	struct enf_active *act = bpf_map_lookup_elem(&enf_active, &zero);
	struct enf_policy *pol;

	if (!act)
		return 0;
	*slot = act->slot & 1;
	pol = bpf_map_lookup_elem(&enf_policy, slot);
	if (!pol)
		return 0;
	c->apex_labels = pol->dns_apex_labels;
	c->src16_map = bpf_map_lookup_elem(&enf_src16_sel, slot);
	c->src_map = bpf_map_lookup_elem(&enf_src_sel, slot);
	c->admit_map = bpf_map_lookup_elem(&enf_admit_sel, slot);
	c->name_map = bpf_map_lookup_elem(&enf_dnsname_sel, slot);
	c->view_map = bpf_map_lookup_elem(&enf_dnsview_sel, slot);
	return c->src16_map && c->src_map && c->admit_map && c->name_map &&
	       c->view_map;
}

/* Stage 1: a DNS query to one of the resolver addresses (28, 1). Returns 0
 * for anything else: other traffic, a packet that is not plain UDP to port
 * 53, no policy in force, another destination, a message shorter than a DNS
 * header, or a response (never answered: no reflection loops). Copies the
 * message, up to MAX_QUERY bytes of it, into msg. */
static __always_inline int query_to_resolver(void *ctx, const int xdp, struct scratch *s,
					     struct dns_ctx *c)
{
	struct enf_addr src = {}, dst = {};
	struct query *q = &s->q;
	__u32 slot, udp_off, len, plen = 0;
	void *res_map;

	udp_off = udp_to_port53(ctx, xdp, &src, &dst);
	if (!udp_off || !policy_maps(c, &slot))
		return 0;
	res_map = bpf_map_lookup_elem(&enf_dnsres_sel, &slot);
	if (!res_map || !bpf_map_lookup_elem(res_map, &dst))
		return 0;
	/* < 64 KiB: the UDP length agreed */
	if (xdp) {
		struct xdp_md *x = ctx;
		long d = (void *)(long)x->data_end - (void *)(long)x->data;

		/* keep it a 64-bit subtraction: the verifier refuses 32-bit
		 * arithmetic on packet pointers */
		asm volatile("" : "+r"(d));
		plen = d;
	} else {
		plen = ((struct __sk_buff *)ctx)->len;
	}
	len = plen - udp_off - sizeof(struct udphdr);
	if (len < 12)
		return 0;

	__builtin_memset(q, 0, sizeof(*q));
	q->src = src;
	q->slot = slot;
	q->v6 = src.family == ENF_AF_INET6;
	q->dns_off = udp_off + sizeof(struct udphdr);
	q->len = len;
	/* A longer message is the resolver's (question_in_zone), but its
	 * header still says whether it is a query at all. */
	if (len > MAX_QUERY)
		len = MAX_QUERY;
	/* verifier: keep the clamp clang would otherwise fold away */
	asm volatile("" : "+r"(len));
	len &= 0x7ff;
	if (len < 12 || len > MAX_QUERY)
		return 0;
	/* headers and message in one copy, the message landing on msg */
	if (xdp) {
		if (q->v6) {
			if (bpf_xdp_load_bytes(ctx, 0, &s->h.v6.eth, V6_HDRS + len))
				return 0;
		} else if (bpf_xdp_load_bytes(ctx, 0, &s->h.v4.eth, V4_HDRS + len)) {
			return 0;
		}
	} else if (q->v6) {
		if (bpf_skb_load_bytes(ctx, 0, &s->h.v6.eth, V6_HDRS + len))
			return 0;
	} else if (bpf_skb_load_bytes(ctx, 0, &s->h.v4.eth, V4_HDRS + len)) {
		return 0;
	}
	return !(s->msg[2] & 0x80);	/* QR: a response, never answered (1) */
}

/* Stage 2: the first question names a private zone (3, 7-10, 18). Returns 0
 * for what the resolver answers: a message longer than we read, no question
 * (a COOKIE-only query, say), a name we cannot read (compression pointers
 * or extended label types, labels over 63 octets, names over 255), a name
 * outside every zone. More than one question is judged on the first:
 * FORMERR if that one is ours (query_fault). Finds the zone and the hash
 * of the whole name. */
static __always_inline int question_in_zone(struct scratch *s, struct dns_ctx *c)
{
	struct query *q = &s->q;
	struct name_walk *w = &s->nw;
	struct suffix_walk *sw = &s->sw;

	if (q->len > MAX_QUERY || get16(s->msg, 4) == 0)
		return 0;

	/* QNAME: hash every label, ASCII-only folding (7, 8, 9) */
	__builtin_memset(w, 0, sizeof(*w));
	w->off = 12;
	w->len = q->len;
	bpf_loop(LABEL_MASK + 1, name_step, NULL, 0);	/* labels and the root */
	if (!w->done || w->off - 12 > ENF_DNS_MAX_NAME || !w->nl)
		return 0;
	q->nlabels = w->nl;
	q->qend = w->off;

	/* which zone? the deepest apex among the last labels */
	__builtin_memset(sw, 0, sizeof(*sw));
	sw->slot = q->slot;
	sw->nl = q->nlabels;
	sw->qend = q->qend;
	sw->apex_labels = c->apex_labels;
	bpf_loop(LABEL_MASK + 1, suffix_step, NULL, 0);
	if (!sw->apex_len)
		return 0;
	c->zone = &s->zone;
	q->apex_off = sw->apex_off;
	q->name_hash = sw->h;
	return 1;
}

/* Validate EDNS and trailing data after the question. Returns 0, or
 * RC_FORMERR. Fills has_opt, udp_size, do_bit, edns_version. */
static __always_inline int parse_additional(struct scratch *s, __u16 arcount)
{
	const __u8 *m = s->msg;
	struct query *q = &s->q;
	__u32 off = q->qend + 4, rdlen, end;

	if (arcount == 0)
		return off == q->len ? 0 : RC_FORMERR;
	if (arcount > 1)
		return RC_FORMERR;	/* no TSIG/SIG(0) here (21) */
	/* root owner (20), TYPE OPT, CLASS = size, TTL = ext-rcode, version, flags */
	if (off + 11 > q->len || m[off & MSG_MASK] != 0 || get16(m, off + 1) != T_OPT)
		return RC_FORMERR;
	q->has_opt = 1;
	q->udp_size = get16(m, off + 3);
	q->edns_version = m[(off + 6) & MSG_MASK];
	q->do_bit = m[(off + 7) & MSG_MASK] >> 7;
	rdlen = get16(m, off + 9);
	off += 11;
	end = off + rdlen;
	if (end != q->len)
		return RC_FORMERR;
	s->ow.off = off;
	s->ow.end = end;
	s->ow.ok = 0;
	bpf_loop(MAX_QUERY / 4, opt_step, NULL, 0);	/* an option is >= 4 bytes */
	return s->ow.ok ? 0 : RC_FORMERR;
}

/* Stage 3: the query's own faults, answered without AA and before anyone
 * looks at the name (2, 3, 20, 21, 22). Returns 1 when it decided the
 * reply. Reads the header fields, QTYPE, QCLASS and EDNS for the stages
 * after it. */
static __always_inline int query_fault(struct scratch *s)
{
	const __u8 *m = s->msg;
	struct query *q = &s->q;
	__u16 arcount = get16(m, 10);

	q->id = get16(m, 0);
	q->opcode = (m[2] >> 3) & 0x0f;
	q->rd = m[2] & 0x01;
	if (q->qend + 4 > q->len) {	/* no room for QTYPE/QCLASS */
		q->no_question = 1;
		return decide(q, 12, ENF_DNS_FORMERR, RC_FORMERR, 0);
	}
	q->qtype = get16(m, q->qend);
	q->qclass = get16(m, q->qend + 2);
	if (q->opcode != 0) {	/* (2) NOTIMP, RD cleared like NSD */
		q->rd = 0;
		/* OPT in the reply iff the query had a valid one (20) */
		if (parse_additional(s, arcount))
			q->has_opt = 0;
		return decide(q, q->qend + 4, ENF_DNS_NOTIMP, RC_NOTIMP, 0);
	}
	if (get16(m, 4) != 1 || get16(m, 6) || get16(m, 8))	/* (3) */
		return decide(q, q->qend + 4, ENF_DNS_FORMERR, RC_FORMERR, 0);
	if (parse_additional(s, arcount))	/* (21) */
		return decide(q, q->qend + 4, ENF_DNS_FORMERR, RC_FORMERR, 0);
	if (q->has_opt && q->edns_version > 0) {	/* (22) BADVERS = extended rcode 16 */
		q->ext_rcode = 1;
		return decide(q, q->qend + 4, ENF_DNS_BADVERS, RC_NOERROR, 0);
	}
	return 0;
}

#endif /* ENF_DNS_PARSE_BPF_H */
