/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The deciding stages of dns_answer(), for a sound query inside a zone:
 * who may ask, which name the source sees (split horizon), and the records
 * of the answer, or a negative answer. They write the records into msg
 * after the question and the reply's header fields into struct query;
 * dns_reply.bpf.h turns that into the packet.
 *
 * Part of dns.bpf.c: included below its maps, struct scratch, struct
 * dns_ctx, the message accessors and dns_parse.bpf.h, which it uses; not a
 * standalone header.
 */
#ifndef ENF_DNS_ANSWER_BPF_H
#define ENF_DNS_ANSWER_BPF_H

#include "dns_parse.bpf.h"

/* Stage 4: who asks, and for which class (16, 17, 19). The enforcer's own
 * classifier decides, one truth with XDP: a source neither rack-private nor
 * a member of any network, or a class other than IN, is REFUSED, and a zone
 * transfer over UDP is NOTIMP; both without AA. Returns 1 when it decided
 * the reply. Leaves the source's class and flags for visible_name(). */
static __always_inline int refusal(struct scratch *s, struct dns_ctx *c)
{
	struct query *q = &s->q;

	classify_source(c->src16_map, c->src_map, &q->src, &q->class_id, &q->src_flags);
	if (!(q->src_flags & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER)) || q->qclass != C_IN)
		return decide(q, q->qend + 4, ENF_DNS_REFUSED, RC_REFUSED, 0);
	if (q->qtype == T_AXFR || q->qtype == T_IXFR)
		return decide(q, q->qend + 4, ENF_DNS_NOTIMP, RC_NOTIMP, 0);
	return 0;
}

/* Stage 5: split horizon. The name in the views of the isolated networks
 * the source is a member of, in order, then in view 0, where the source must
 * be admitted to the name's network (or be rack-private, or the name be
 * zone infrastructure). Returns 0 when the source cannot see the name: to
 * it, the name does not exist. */
static __always_inline int visible_name(struct scratch *s, struct dns_ctx *c)
{
	struct query *q = &s->q;
	struct enf_dns_key key = { .hash = q->name_hash, .wire_len = q->qend - 12 };
	const struct enf_dns_views *views = bpf_map_lookup_elem(c->view_map, &q->class_id);
	const struct enf_dns_name *n;
	__u32 i;

	for (i = 0; i < ENF_DNS_MAX_VIEWS; i++) {
		if (!views || i >= views->n)
			break;
		key.view = views->network[i];
		n = bpf_map_lookup_elem(c->name_map, &key);
		if (n) {
			c->name = n;
			return 1;
		}
	}
	key.view = 0;
	n = bpf_map_lookup_elem(c->name_map, &key);
	if (n && (n->network_id == ENF_DNS_ANY_NETWORK || (q->src_flags & ENF_SRC_PRIVATE) ||
		  admitted(c->admit_map, q->class_id, n->network_id))) {
		c->name = n;
		return 1;
	}
	return 0;
}

/* The zone's SOA record at `off`; its owner is the apex in the question.
 * Returns the offset past it. */
static __always_inline __u32 soa_rr(__u8 *m, struct query *q, __u32 off,
				    const struct enf_dns_zone *z, __u32 ttl)
{
	put_rr(m, off, q->apex_off, T_SOA, ttl, 38);
	off += 12;
	/* MNAME ns.<apex>, RNAME hostmaster.<apex>, pointers into the question */
	m[off & MSG_MASK] = 2;
	m[(off + 1) & MSG_MASK] = 'n';
	m[(off + 2) & MSG_MASK] = 's';
	put16(m, off + 3, 0xc000 | q->apex_off);
	off += 5;
	m[off & MSG_MASK] = 10;
	m[(off + 1) & MSG_MASK] = 'h';
	m[(off + 2) & MSG_MASK] = 'o';
	m[(off + 3) & MSG_MASK] = 's';
	m[(off + 4) & MSG_MASK] = 't';
	m[(off + 5) & MSG_MASK] = 'm';
	m[(off + 6) & MSG_MASK] = 'a';
	m[(off + 7) & MSG_MASK] = 's';
	m[(off + 8) & MSG_MASK] = 't';
	m[(off + 9) & MSG_MASK] = 'e';
	m[(off + 10) & MSG_MASK] = 'r';
	put16(m, off + 11, 0xc000 | q->apex_off);
	off += 13;
	put32(m, off, z->serial);
	put32(m, off + 4, z->refresh);
	put32(m, off + 8, z->retry);
	put32(m, off + 12, z->expire);
	put32(m, off + 16, z->minimum);
	return off + 20;
}

/* A negative answer: NXDOMAIN or NODATA, AA set, no answer records, the
 * zone's SOA in authority with TTL min(ttl, minimum) (12, 13, 14). */
static __always_inline void negative_answer(struct scratch *s, struct dns_ctx *c, __u32 reason,
					    __u8 rcode)
{
	const struct enf_dns_zone *z = c->zone;
	struct query *q = &s->q;
	__u32 ttl = z->ttl < z->minimum ? z->ttl : z->minimum;

	decide(q, soa_rr(s->msg, q, q->qend + 4, z, ttl), reason, rcode, 1);
	q->ns = 1;
}

/* Copies the service name of an SRV owner into `target`, lower-cased,
 * eight bytes per call (swar_fold; length bytes are < 64: untouched). The
 * last word may carry up to seven bytes past the name: rr_step copies
 * `target` whole and counts only target_len of it, as before. */
static long target_step(__u32 i, void *arg)
{
	struct scratch *s = scratch();
	__u32 at = i * 8;
	__u64 x;

	if (!s || at >= s->rw.target_len || at > ENF_DNS_MAX_NAME)
		return 1;
	__builtin_memcpy(&x, &s->msg[(s->rw.srv_target + at) & MSG_MASK], 8);
	x = swar_fold(x);
	__builtin_memcpy(&s->target[at & 0xf8], &x, 8);
	return 0;
}

/* One answer record per call: A, AAAA or SRV, rotated (11), stopping with
 * TC when the next record would not fit (27). */

static long rr_step(__u32 k, void *arg)
{
	struct scratch *s = scratch();
	struct rr_walk *w;
	__u32 idx, off, page;
	void *map;
	__u8 *m;

	if (!s)
		return 1;
	w = &s->rw;
	idx = w->start + k;
	off = w->off;
	if (k >= w->count || off > ENF_DNS_MAX_MSG)
		return 1;
	m = s->msg;
	if (idx >= w->n)
		idx -= w->n;
	/* record idx is in page rrset + idx / 32, slot idx % 32 */
	page = w->rrset + idx / ENF_DNS_MAX_RR;
	idx &= ENF_DNS_MAX_RR - 1;
	if (w->type == T_A) {
		const struct enf_dns_a *a;

		map = bpf_map_lookup_elem(&enf_dnsa_sel, &w->slot);
		a = map ? bpf_map_lookup_elem(map, &page) : NULL;
		if (!a) {
			w->bad = 1;
			return 1;
		}
		if (off + 16 > w->limit) {
			w->tc = 1;
			return 1;
		}
		put_rr(m, off, 12, T_A, w->ttl, 4);
		__builtin_memcpy(&m[(off + 12) & MSG_MASK], &a->addr[idx], 4);
		w->off = off + 16;
	} else if (w->type == T_AAAA) {
		const struct enf_dns_aaaa *a;

		map = bpf_map_lookup_elem(&enf_dnsaaaa_sel, &w->slot);
		a = map ? bpf_map_lookup_elem(map, &page) : NULL;
		if (!a) {
			w->bad = 1;
			return 1;
		}
		if (off + 28 > w->limit) {
			w->tc = 1;
			return 1;
		}
		put_rr(m, off, 12, T_AAAA, w->ttl, 16);
		__builtin_memcpy(&m[(off + 12) & MSG_MASK], a->addr[idx], 16);
		w->off = off + 28;
	} else {
		const struct enf_dns_srv *sv;
		const struct enf_dns_srv_rr *rr;
		__u32 ll;

		map = bpf_map_lookup_elem(&enf_dnssrv_sel, &w->slot);
		sv = map ? bpf_map_lookup_elem(map, &page) : NULL;
		if (!sv) {
			w->bad = 1;
			return 1;
		}
		rr = &sv->rr[idx];
		ll = rr->label_len;
		if (ll < 1 || ll > 5) {
			w->bad = 1;
			return 1;
		}
		if (w->target_len > ENF_DNS_MAX_NAME ||
		    off + 12 + 7 + ll + w->target_len > w->limit) {
			w->tc = 1;
			return 1;
		}
		/* target "<index>.<service name>", written out in full */
		put_rr(m, off, 12, T_SRV, w->ttl, 7 + ll + w->target_len);
		off += 12;
		__builtin_memcpy(&m[off & MSG_MASK], &rr->priority, 6);
		m[(off + 6) & MSG_MASK] = ll;
		__builtin_memcpy(&m[(off + 7) & MSG_MASK], rr->label, 5);
		off += 7 + ll;
		__builtin_memcpy(&m[off & MSG_MASK], s->target, ENF_DNS_MAX_NAME + 1);
		w->off = off + w->target_len;
	}
	w->an++;
	return 0;
}

/* The A, AAAA or SRV RRset of the name, n records, as many as fit the
 * client's UDP size (25, 26) or, over TCP (`stream`), our buffer; TC when
 * they do not all fit (27). Returns 0 when the records are missing from
 * the maps (they disagree with the name: an error, not an answer). */
static __always_inline int rrset_records(struct scratch *s, struct dns_ctx *c, __u32 type,
					 __u32 n, const int stream)
{
	struct query *q = &s->q;
	struct rr_walk *w = &s->rw;
	__u32 limit = 512;

	if (stream)
		limit = ENF_DNS_MAX_MSG;
	else if (q->has_opt && q->udp_size > 512)
		limit = q->udp_size < ENF_DNS_EDNS_SIZE ? q->udp_size : ENF_DNS_EDNS_SIZE;
	if (q->has_opt)
		limit -= 11;	/* room for our OPT */
	if (!n || n > ENF_DNS_MAX_RRSET)
		return 0;
	__builtin_memset(w, 0, sizeof(*w));
	w->off = q->qend + 4;
	w->limit = limit;
	w->n = n;
	w->slot = q->slot;
	w->rrset = c->name->rrset_id;
	w->ttl = c->zone->ttl;
	w->type = type;
	/* SRV owner "_port._proto.<name>": <name> is label 2 */
	w->srv_target = s->loff[2];
	w->target_len = q->qend - w->srv_target;
	if (type == T_SRV)
		bpf_loop((ENF_DNS_MAX_NAME + 1) / 8, target_step, NULL, 0);
	if (stream) {	/* in order, from the part's first record on */
		w->start = q->first < n ? q->first : n;
		w->count = n - w->start;
		if (!w->count)	/* past the end: nothing (dns serve never asks) */
			w->bad = 1;
	} else {	/* round robin keyed on the query id (11) */
		w->start = q->id % n;
		w->count = n;
	}
	/* no more records than one message holds: the walk stops with TC */
	bpf_loop(ENF_DNS_PART_RR, rr_step, NULL, 0);
	if (w->bad)
		return 0;
	q->end = w->off;
	q->an = w->an;
	q->tc = w->tc;
	return 1;
}

/* The one SOA or NS record of an apex, owner the apex in the question. */
static __always_inline void apex_record(struct scratch *s, struct dns_ctx *c, __u32 type)
{
	struct query *q = &s->q;
	__u8 *m = s->msg;
	__u32 off = q->qend + 4, ttl = c->zone->ttl;

	if (type == T_SOA) {
		q->end = soa_rr(m, q, off, c->zone, ttl);
	} else {
		put_rr(m, off, q->apex_off, T_NS, ttl, 5);
		m[(off + 12) & MSG_MASK] = 2;
		m[(off + 13) & MSG_MASK] = 'n';
		m[(off + 14) & MSG_MASK] = 's';
		put16(m, off + 15, 0xc000 | q->apex_off);
		q->end = off + 17;
	}
	q->an = 1;
}

/* Stage 6: the answer section for the name the source sees: its A, AAAA or
 * SRV RRset, SOA or NS at the apex, one RRset for ANY (15); NODATA when it
 * has none of that type, empty non-terminals included (12). Returns 0 when
 * the maps fail it. */
static __always_inline int answer_section(struct scratch *s, struct dns_ctx *c, const int stream)
{
	const struct enf_dns_name *name = c->name;
	struct query *q = &s->q;
	__u32 type = q->qtype, apex = name->flags & ENF_DNS_NAME_APEX;

	if (type == T_ANY)	/* RFC 8482: one RRset (15) */
		type = name->n_a ? T_A : name->n_aaaa ? T_AAAA : name->n_srv ? T_SRV :
		       apex ? T_SOA : T_ANY;

	if (type == T_A && name->n_a) {
		if (!rrset_records(s, c, T_A, name->n_a, stream))
			return 0;
	} else if (type == T_AAAA && name->n_aaaa) {
		if (!rrset_records(s, c, T_AAAA, name->n_aaaa, stream))
			return 0;
	} else if (type == T_SRV && name->n_srv && q->nlabels >= 3) {
		if (!rrset_records(s, c, T_SRV, name->n_srv, stream))
			return 0;
	} else if ((type == T_SOA || type == T_NS) && apex) {
		apex_record(s, c, type);
	}
	if (q->tc)	/* TC wins over the records that fit */
		decide(q, q->end, ENF_DNS_TRUNCATED, RC_NOERROR, 1);
	else if (q->an)
		decide(q, q->end, ENF_DNS_ANSWER, RC_NOERROR, 1);
	else
		negative_answer(s, c, ENF_DNS_NODATA, RC_NOERROR);
	return 1;
}

#endif /* ENF_DNS_ANSWER_BPF_H */
