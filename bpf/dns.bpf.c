// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS answers for the private zone, in the kernel (TC ingress).
 *
 * A UDP query to one of the manifest's resolver addresses, port 53, whose
 * name lies inside a private zone is answered here, from maps, and sent
 * straight back out of the interface it came in on; everything else (other
 * names, other traffic, anything we do not parse with certainty) continues
 * untouched to the real resolver.
 *
 * Split horizon uses the enforcer's own source classifier and admission
 * table (maps.bpf.h): a public source asking for the zone gets REFUSED, a
 * source not admitted to a name's network gets NXDOMAIN, and the same name
 * in two isolated networks answers each its own.
 *
 * The message is copied into a per-CPU scratch buffer and parsed with
 * masked scalar offsets (no packet pointers in loops); the answer is built
 * in place after the byte-exact question (0x20 case preserved) and written
 * back with bpf_skb_change_tail/bpf_skb_store_bytes. Behaviour follows the
 * project's DNS checklist (docs/dns.md); numbers in comments refer to it.
 */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SCRATCH		2048
/* Longest query read: EDNS padding makes queries longer than any answer we
 * write (ENF_DNS_MAX_MSG); longer ones go to the resolver untouched. */
#define MAX_QUERY	1800
#define MSG_MASK	(SCRATCH - 1)
#define LABEL_MASK	127

#define T_A		1
#define T_NS		2
#define T_SOA		6
#define T_AAAA		28
#define T_SRV		33
#define T_OPT		41
#define T_IXFR		251
#define T_AXFR		252
#define T_ANY		255
#define C_IN		1

#define RC_NOERROR	0
#define RC_FORMERR	1
#define RC_NXDOMAIN	3
#define RC_NOTIMP	4
#define RC_REFUSED	5

/* ---- per-generation DNS maps (filled by `apply` with the policy) ---- */

struct dnsname_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_dns_key);
	__type(value, struct enf_dns_name);
};

struct dnszone_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_dns_key);
	__type(value, struct enf_dns_zone);
};

struct dnsa_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);	/* rrset id */
	__type(value, struct enf_dns_a);
};

struct dnsaaaa_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, struct enf_dns_aaaa);
};

struct dnssrv_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, struct enf_dns_srv);
};

struct dnsview_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);	/* source class */
	__type(value, struct enf_dns_views);
};

struct dnsres_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_addr);	/* resolver address */
	__type(value, __u32);
};

#define OUTER(name, inner)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);	\
		__uint(max_entries, 2);				\
		__type(key, __u32);				\
		__array(values, struct inner);			\
	} name SEC(".maps")

/* (name hash, length, view) -> name */
OUTER(enf_dnsname_sel, dnsname_inner);
/* (apex hash, length) -> zone, SOA fields */
OUTER(enf_dnszone_sel, dnszone_inner);
/* rrset id -> A / AAAA / SRV records */
OUTER(enf_dnsa_sel, dnsa_inner);
OUTER(enf_dnsaaaa_sel, dnsaaaa_inner);
OUTER(enf_dnssrv_sel, dnssrv_inner);
/* source class -> isolated networks whose views it reads */
OUTER(enf_dnsview_sel, dnsview_inner);
/* addresses whose port 53 we inspect */
OUTER(enf_dnsres_sel, dnsres_inner);

/* reason -> per-CPU packets; read by `status` */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_DNS_REASON_MAX);
	__type(key, __u32);
	__type(value, __u64);
} enf_dns_stats SEC(".maps");

struct name_walk {
	__u32 off;
	__u32 len;
	__u32 nl;		/* labels seen */
	__u32 done;		/* root label reached */
};

struct suffix_walk {
	__u32 nl;
	__u32 qend;
	__u32 slot;
	__u32 apex_off;		/* 0 = no zone */
	__u64 h;
	__u64 apex_hash;
	__u32 apex_len;
	__u32 pad;
};

struct opt_walk {
	__u32 off;
	__u32 end;
	__u32 ok;
};

struct rr_walk {
	__u32 off;
	__u32 limit;
	__u32 n;
	__u32 start;
	__u32 slot;
	__u32 rrset;
	__u32 ttl;
	__u32 type;
	__u32 an;
	__u32 tc;
	__u32 bad;
	__u32 srv_target;	/* offset of the service name in the question */
	__u32 target_len;	/* wire length of that name (in `target`) */
};

/* What the query said, and what the answer will say. */
struct query {
	__u32 len;		/* bytes of the query message */
	__u32 qend;		/* offset just past the QNAME */
	__u32 nlabels;
	__u32 apex_off;		/* offset of the zone apex inside the QNAME */
	__u16 id;
	__u16 qtype;
	__u16 qclass;
	__u8 opcode;
	__u8 rd;
	__u8 has_opt;
	__u8 do_bit;
	__u8 edns_version;
	__u8 no_question;	/* reply without the question (it was cut short) */
	__u32 udp_size;		/* requestor's payload size (EDNS) */
};

struct scratch {
	__u8 msg[SCRATCH + 512];	/* query in, answer out; slack for masked writes */
	/* The SRV target's service name, lower-cased, uncompressed: RFC 2782
	 * forbids compression there. Copied once, written per record. */
	__u8 target[ENF_DNS_MAX_NAME + 1];
	/* the packet's headers, rewritten in place into the reply's */
	struct ethhdr eth;
	__u16 pad;
	struct iphdr ip4;
	struct ipv6hdr ip6;
	struct udphdr udp;
	__be32 pseudo[10];		/* IPv6 pseudo-header for the UDP checksum */
	__u64 lh[LABEL_MASK + 1];	/* label hashes */
	__u16 loff[LABEL_MASK + 1];	/* label offsets in msg */
	/* Parse results live here, not on the stack: values read back from a
	 * map are unknown to the verifier, so the many exits of the parsing
	 * loops collapse into one state instead of multiplying. */
	struct query q;
	/* Loop state of the bpf_loop() callbacks, for the same reason: a
	 * callback whose state is known constants would be verified once per
	 * iteration and per path; read from here it converges at once. */
	struct name_walk nw;
	struct suffix_walk sw;
	struct opt_walk ow;
	struct rr_walk rw;
};

/* One per CPU: a TC program is not re-entered on the same CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} enf_dns_scratch SEC(".maps");

static __always_inline int count(__u32 reason, int ret)
{
	__u64 *c = bpf_map_lookup_elem(&enf_dns_stats, &reason);

	if (c)
		(*c)++;
	return ret;
}

static __always_inline void put16(__u8 *m, __u32 off, __u16 v)
{
	m[off & MSG_MASK] = v >> 8;
	m[(off + 1) & MSG_MASK] = v;
}

static __always_inline void put32(__u8 *m, __u32 off, __u32 v)
{
	put16(m, off, v >> 16);
	put16(m, off + 2, v);
}

static __always_inline __u16 get16(const __u8 *m, __u32 off)
{
	return (__u16)m[off & MSG_MASK] << 8 | m[(off + 1) & MSG_MASK];
}

/* RR header: owner (compression pointer), type, class IN, TTL, RDLENGTH. */
static __always_inline void put_rr(__u8 *m, __u32 off, __u16 owner, __u16 type, __u32 ttl,
				   __u16 rdlen)
{
	put16(m, off, 0xc000 | owner);
	put16(m, off + 2, type);
	put16(m, off + 4, C_IN);
	put32(m, off + 6, ttl);
	put16(m, off + 10, rdlen);
}


/* The answer header and the OPT record, then the final length. */
static __always_inline __u32 finish(__u8 *m, struct query *q, __u32 off, __u8 rcode, __u8 aa,
				    __u8 tc, __u16 an, __u16 ns, __u8 ext_rcode)
{
	/* QR, opcode copied, AA, TC, RD copied; RA=0, Z=0, AD=0, CD=0 (4). */
	m[2] = 0x80 | (q->opcode << 3) | (aa ? 0x04 : 0) | (tc ? 0x02 : 0) | q->rd;
	m[3] = rcode & 0x0f;
	put16(m, 4, !q->no_question);
	put16(m, 6, an);
	put16(m, 8, ns);
	put16(m, 10, q->has_opt);
	if (q->has_opt) {
		/* OPT in reply iff in query (20); our size, version 0, DO
		 * copied, no options, unknown flags zero (23, 24, 25). */
		m[off & MSG_MASK] = 0;
		put16(m, off + 1, T_OPT);
		put16(m, off + 3, ENF_DNS_EDNS_SIZE);
		m[(off + 5) & MSG_MASK] = ext_rcode;
		m[(off + 6) & MSG_MASK] = 0;
		m[(off + 7) & MSG_MASK] = q->do_bit ? 0x80 : 0;
		m[(off + 8) & MSG_MASK] = 0;
		put16(m, off + 9, 0);
		off += 11;
	}
	return off;
}

/* Negative answer: rcode plus the zone's SOA in authority (12, 13, 14). */
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

static __always_inline struct scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&enf_dns_scratch, &zero);
}

/* The loops below run under bpf_loop(): the verifier checks a callback
 * once instead of every iteration of an unrolled or bounded loop, which
 * keeps this program far below the complexity limit. Callbacks look the
 * scratch buffer up again (a per-CPU array lookup is inlined) rather than
 * carry pointers in their context. */

/* QNAME walk, one label per call: label hashes and offsets (7, 8, 9).
 *
 * The per-byte cost is what matters here (names run to 110 characters and
 * more), so a label is read eight bytes at a time into a register, folded
 * with one word-wide operation (swar_fold) and hashed from that register:
 * no callback, scratch access or branch on loop state per byte. Only the
 * label's own bytes enter the hash; the bytes of the last word that lie
 * past the label are shifted in but never hashed. */

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

/* FNV-1a steps over the low n bytes of x, n = 0..8, low byte first. The
 * steps for a whole word are unconditional; only a label's last word
 * branches per byte. */
static __always_inline __u64 hash_word(__u64 h, __u64 x, __u32 n)
{
	int k;

#pragma unroll
	for (k = 0; k < 8; k++) {
		if (k >= n)
			break;
		h = enf_dns_label_step(h, x & 0xff);
		x >>= 8;
	}
	return h;
}

static __always_inline __u64 hash_full_word(__u64 h, __u64 x)
{
	int k;

#pragma unroll
	for (k = 0; k < 8; k++) {
		h = enf_dns_label_step(h, x & 0xff);
		x >>= 8;
	}
	return h;
}

static long name_step(__u32 i, void *arg)
{
	struct scratch *s = scratch();
	struct name_walk *w;
	__u32 off, c, k;
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
	h = enf_dns_label_step(ENF_FNV64_OFFSET, c);
	/* c <= 63: at most seven whole words, then the rest (0..7 bytes)
	 * from one more word. That word may load up to seven bytes past the
	 * label, even past the message (7): from the scratch copy, inside
	 * msg's slack, and none of them is hashed. verifier: `k < 64` is the
	 * constant bound of this loop. */
	for (k = 0; k + 8 <= c && k < 64; k += 8) {
		__builtin_memcpy(&x, &s->msg[(off + 1 + k) & MSG_MASK], 8);
		h = hash_full_word(h, swar_fold(x));
	}
	__builtin_memcpy(&x, &s->msg[(off + 1 + k) & MSG_MASK], 8);
	h = hash_word(h, swar_fold(x), c - k);
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
	void *zones;
	__u32 j;

	if (!s)
		return 1;
	w = &s->sw;
	if (i >= w->nl)
		return 1;
	j = (w->nl - 1 - i) & LABEL_MASK;
	w->h = enf_dns_combine(w->h, s->lh[j]);
	if (i >= ENF_DNS_MAX_ZONE_LABELS)
		return 0;
	zones = bpf_map_lookup_elem(&enf_dnszone_sel, &w->slot);
	if (!zones)
		return 1;
	key.hash = w->h;
	key.wire_len = w->qend - s->loff[j];
	if (bpf_map_lookup_elem(zones, &key)) {
		w->apex_off = s->loff[j];
		w->apex_hash = w->h;
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
	__u32 idx, off;
	void *map;
	__u8 *m;

	if (!s)
		return 1;
	w = &s->rw;
	idx = w->start + k;
	off = w->off;
	if (k >= w->n || off > ENF_DNS_MAX_MSG)
		return 1;
	m = s->msg;
	if (idx >= w->n)
		idx -= w->n;
	idx &= ENF_DNS_MAX_RR - 1;
	if (w->type == T_A) {
		const struct enf_dns_a *a;

		map = bpf_map_lookup_elem(&enf_dnsa_sel, &w->slot);
		a = map ? bpf_map_lookup_elem(map, &w->rrset) : NULL;
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
		a = map ? bpf_map_lookup_elem(map, &w->rrset) : NULL;
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
		sv = map ? bpf_map_lookup_elem(map, &w->rrset) : NULL;
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

/* Validate EDNS and trailing data after the question. Returns 0, or
 * RC_FORMERR. Fills has_opt, udp_size, do_bit, edns_version. */
static __always_inline int parse_additional(const __u8 *m, struct query *q, __u16 arcount)
{
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
	{
		struct scratch *s = scratch();

		if (!s)
			return RC_FORMERR;
		s->ow.off = off;
		s->ow.end = end;
		s->ow.ok = 0;
		bpf_loop(MAX_QUERY / 4, opt_step, NULL, 0);	/* an option is >= 4 bytes */
		return s->ow.ok ? 0 : RC_FORMERR;
	}
	return RC_FORMERR;
}

/* The whole answer path. `stream` is a compile-time constant: 0 for UDP
 * queries on the wire, 1 for queries that `enforcer dns serve` received
 * over TCP and runs through enf_dns_stream with BPF_PROG_TEST_RUN (one
 * implementation for both transports: no size limit but our buffer, never
 * TC, RFC 7766). */
static __always_inline int dns_answer(struct __sk_buff *skb, const int stream)
{
	__u32 zero = 0, slot, class_id = 0, src_flags = 0, off, i, dns_off, udp_off, len;
	void *src16_map, *src_map, *admit_map, *name_map, *zone_map, *res_map, *view_map;
	struct enf_dns_key key = {};
	const struct enf_dns_zone *zone = NULL;
	const struct enf_dns_name *name = NULL;
	struct enf_addr src = {}, dst = {};
	struct query *q;
	struct enf_active *act;
	struct scratch *s;
	__u8 *m, rcode = RC_NOERROR, aa = 1, tc = 0, ext_rcode = 0, v6 = 0;
	__u16 an = 0, ns = 0, ancount, nscount, arcount;
	__u32 reason = ENF_DNS_ANSWER;

	s = bpf_map_lookup_elem(&enf_dns_scratch, &zero);
	if (!s)
		return TC_ACT_OK;

	/* ---- is this a plain UDP packet to port 53? (28: no VLAN, no IP
	 * options, no fragments, no extension headers) ---- */
	if (bpf_skb_load_bytes(skb, 0, &s->eth, sizeof(s->eth)))
		return TC_ACT_OK;
	if (s->eth.h_proto == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, sizeof(s->eth), &s->ip4, sizeof(s->ip4)))
			return TC_ACT_OK;
		/* the lengths must agree, as the stack would insist (28) */
		if (s->ip4.version != 4 || s->ip4.ihl != 5 || s->ip4.protocol != IPPROTO_UDP ||
		    (s->ip4.frag_off & bpf_htons(0x3fff)) ||
		    bpf_ntohs(s->ip4.tot_len) != skb->len - sizeof(s->eth))
			return TC_ACT_OK;
		src.family = dst.family = ENF_AF_INET;
		__builtin_memcpy(src.addr, &s->ip4.saddr, 4);
		__builtin_memcpy(dst.addr, &s->ip4.daddr, 4);
		udp_off = sizeof(s->eth) + sizeof(s->ip4);
	} else if (s->eth.h_proto == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, sizeof(s->eth), &s->ip6, sizeof(s->ip6)))
			return TC_ACT_OK;
		if (s->ip6.version != 6 || s->ip6.nexthdr != IPPROTO_UDP ||
		    bpf_ntohs(s->ip6.payload_len) != skb->len - sizeof(s->eth) - sizeof(s->ip6))
			return TC_ACT_OK;
		src.family = dst.family = ENF_AF_INET6;
		__builtin_memcpy(src.addr, &s->ip6.saddr, 16);
		__builtin_memcpy(dst.addr, &s->ip6.daddr, 16);
		udp_off = sizeof(s->eth) + sizeof(s->ip6);
		v6 = 1;
	} else {
		return TC_ACT_OK;
	}
	if (bpf_skb_load_bytes(skb, udp_off, &s->udp, sizeof(s->udp)))
		return TC_ACT_OK;
	if (s->udp.dest != bpf_htons(ENF_DNS_PORT) || !s->udp.source ||
	    bpf_ntohs(s->udp.len) != skb->len - udp_off)
		return TC_ACT_OK;
	dns_off = udp_off + sizeof(s->udp);
	len = skb->len - dns_off;
	/* verifier: keep the clamp clang would otherwise fold away */
	asm volatile("" : "+r"(len));
	if (len < 12 || len > MAX_QUERY)
		return TC_ACT_OK;

	/* ---- the policy generation in force ---- */
	act = bpf_map_lookup_elem(&enf_active, &zero);
	if (!act)
		return TC_ACT_OK;
	slot = act->slot & 1;
	src16_map = bpf_map_lookup_elem(&enf_src16_sel, &slot);
	src_map = bpf_map_lookup_elem(&enf_src_sel, &slot);
	admit_map = bpf_map_lookup_elem(&enf_admit_sel, &slot);
	name_map = bpf_map_lookup_elem(&enf_dnsname_sel, &slot);
	zone_map = bpf_map_lookup_elem(&enf_dnszone_sel, &slot);
	res_map = bpf_map_lookup_elem(&enf_dnsres_sel, &slot);
	view_map = bpf_map_lookup_elem(&enf_dnsview_sel, &slot);
	if (!src16_map || !src_map || !admit_map || !name_map || !zone_map || !res_map ||
	    !view_map)
		return TC_ACT_OK;
	if (!bpf_map_lookup_elem(res_map, &dst))
		return TC_ACT_OK;

	q = &s->q;
	__builtin_memset(q, 0, sizeof(*q));
	m = s->msg;
	len &= 0x7ff;
	if (len < 12 || len > MAX_QUERY)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, dns_off, m, len))
		return TC_ACT_OK;
	q->len = len;

	/* ---- header (1, 3) ---- */
	if (m[2] & 0x80)	/* a response: never answer it */
		return count(ENF_DNS_PASS, TC_ACT_OK);
	/* No question: no zone to tell (a COOKIE-only query, say): the
	 * resolver's business. More than one: judged on the first, FORMERR
	 * if that one is ours (3). */
	if (get16(m, 4) == 0)
		return count(ENF_DNS_PASS, TC_ACT_OK);
	q->id = get16(m, 0);
	q->opcode = (m[2] >> 3) & 0x0f;
	q->rd = m[2] & 0x01;
	ancount = get16(m, 6);
	nscount = get16(m, 8);
	arcount = get16(m, 10);

	/* ---- QNAME: hash every label, ASCII-only folding (7, 8, 9) ---- */
	{
		struct name_walk *w = &s->nw;
		struct suffix_walk *sw = &s->sw;

		__builtin_memset(w, 0, sizeof(*w));
		w->off = 12;
		w->len = q->len;
		bpf_loop(LABEL_MASK + 1, name_step, NULL, 0);	/* labels and the root */
		/* not ours to judge a name we cannot read: pass it on */
		if (!w->done || w->off - 12 > ENF_DNS_MAX_NAME || !w->nl)
			return count(ENF_DNS_PASS, TC_ACT_OK);
		q->nlabels = w->nl;
		q->qend = w->off;

		/* which zone? the deepest apex among the last labels */
		__builtin_memset(sw, 0, sizeof(*sw));
		sw->slot = slot;
		sw->nl = q->nlabels;
		sw->qend = q->qend;
		bpf_loop(LABEL_MASK + 1, suffix_step, NULL, 0);
		if (!sw->apex_len)	/* outside every zone: to the normal resolver (18) */
			return count(ENF_DNS_PASS, TC_ACT_OK);
		key.hash = sw->apex_hash;
		key.wire_len = sw->apex_len;
		key.view = 0;
		zone = bpf_map_lookup_elem(zone_map, &key);
		if (!zone)
			return count(ENF_DNS_PASS, TC_ACT_OK);
		q->apex_off = sw->apex_off;
		key.hash = sw->h;
		key.wire_len = q->qend - 12;
	}

	/* ---- ours from here: every answer goes back to the sender ---- */
	if (q->qend + 4 > q->len) {	/* no room for QTYPE/QCLASS */
		rcode = RC_FORMERR;
		q->no_question = 1;
		off = 12;
		aa = 0;
		reason = ENF_DNS_FORMERR;
		goto header_only;
	}
	q->qtype = get16(m, q->qend);
	q->qclass = get16(m, q->qend + 2);
	off = q->qend + 4;
	aa = 0;
	if (q->opcode != 0) {	/* (2) NOTIMP, RD cleared like NSD */
		rcode = RC_NOTIMP;
		q->rd = 0;
		/* OPT in the reply iff the query had a valid one (20) */
		if (parse_additional(m, q, arcount))
			q->has_opt = 0;
		reason = ENF_DNS_NOTIMP;
		goto header_only;
	}
	if (get16(m, 4) != 1 || ancount || nscount) {	/* (3) */
		rcode = RC_FORMERR;
		reason = ENF_DNS_FORMERR;
		goto header_only;
	}
	if (parse_additional(m, q, arcount)) {	/* (21) */
		rcode = RC_FORMERR;
		reason = ENF_DNS_FORMERR;
		goto header_only;
	}
	if (q->has_opt && q->edns_version > 0) {	/* (22) BADVERS = extended rcode 16 */
		ext_rcode = 1;
		reason = ENF_DNS_BADVERS;
		goto header_only;
	}

	/* ---- who asks? the enforcer's classifier, one truth (19) ---- */
	classify_source(src16_map, src_map, &src, &class_id, &src_flags);
	if (!(src_flags & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER)) || q->qclass != C_IN) {
		rcode = RC_REFUSED;
		reason = ENF_DNS_REFUSED;
		goto header_only;
	}
	if (q->qtype == T_AXFR || q->qtype == T_IXFR) {	/* (16) */
		rcode = RC_NOTIMP;
		reason = ENF_DNS_NOTIMP;
		goto header_only;
	}
	aa = 1;

	/* ---- split horizon: own isolated networks first, then view 0 ---- */
	{
		const struct enf_dns_views *views = bpf_map_lookup_elem(view_map, &class_id);
		const struct enf_dns_name *n;

		for (i = 0; i < ENF_DNS_MAX_VIEWS; i++) {
			if (!views || i >= views->n)
				break;
			key.view = views->network[i];
			n = bpf_map_lookup_elem(name_map, &key);
			if (n) {
				name = n;
				break;
			}
		}
		if (!name) {
			key.view = 0;
			n = bpf_map_lookup_elem(name_map, &key);
			if (n && (n->network_id == ENF_DNS_ANY_NETWORK ||
				  (src_flags & ENF_SRC_PRIVATE) ||
				  admitted(admit_map, class_id, n->network_id)))
				name = n;
		}
	}
	if (!name) {
		rcode = RC_NXDOMAIN;
		reason = ENF_DNS_NXDOMAIN;
		goto negative;
	}

	/* ---- the answer section ---- */
	{
		__u32 limit = 512, rrset = name->rrset_id, type = q->qtype;
		__u32 ttl = zone->ttl;

		if (stream)
			limit = ENF_DNS_MAX_MSG;
		else if (q->has_opt && q->udp_size > 512)	/* (25, 26) */
			limit = q->udp_size < ENF_DNS_EDNS_SIZE ? q->udp_size : ENF_DNS_EDNS_SIZE;
		if (q->has_opt)
			limit -= 11;
		if (type == T_ANY)	/* RFC 8482: one RRset (15) */
			type = name->n_a ? T_A : name->n_aaaa ? T_AAAA : name->n_srv ? T_SRV :
			       (name->flags & ENF_DNS_NAME_APEX) ? T_SOA : T_ANY;

		if ((type == T_A && name->n_a) || (type == T_AAAA && name->n_aaaa) ||
		    (type == T_SRV && name->n_srv && q->nlabels >= 3)) {
			struct rr_walk *w = &s->rw;

			__builtin_memset(w, 0, sizeof(*w));
			w->off = off;
			w->limit = limit;
			w->n = type == T_A ? name->n_a : type == T_AAAA ? name->n_aaaa : name->n_srv;
			w->slot = slot;
			w->rrset = rrset;
			w->ttl = ttl;
			w->type = type;
			/* SRV owner "_port._proto.<name>": <name> is label 2 */
			w->srv_target = s->loff[2];
			w->target_len = q->qend - w->srv_target;
			if (!w->n || w->n > ENF_DNS_MAX_RR)
				goto fail;
			if (type == T_SRV)
				bpf_loop((ENF_DNS_MAX_NAME + 1) / 8, target_step, NULL, 0);
			w->start = q->id % w->n;	/* round robin keyed on the query id (11) */
			bpf_loop(ENF_DNS_MAX_RR, rr_step, NULL, 0);
			if (w->bad)
				goto fail;
			off = w->off;
			an = w->an;
			tc = w->tc;
		} else if (type == T_SOA && (name->flags & ENF_DNS_NAME_APEX)) {
			off = soa_rr(m, q, off, zone, ttl);
			an = 1;
		} else if (type == T_NS && (name->flags & ENF_DNS_NAME_APEX)) {
			put_rr(m, off, q->apex_off, T_NS, ttl, 5);
			m[(off + 12) & MSG_MASK] = 2;
			m[(off + 13) & MSG_MASK] = 'n';
			m[(off + 14) & MSG_MASK] = 's';
			put16(m, off + 15, 0xc000 | q->apex_off);
			off += 17;
			an = 1;
		}
		if (tc)
			reason = ENF_DNS_TRUNCATED;
		if (an || tc)
			goto header_only;
		reason = ENF_DNS_NODATA;	/* (12): no RRset of that type, or an ENT */
	}

negative:
	{
		__u32 ttl = zone->ttl < zone->minimum ? zone->ttl : zone->minimum;

		off = soa_rr(m, q, off, zone, ttl);	/* (14) */
		ns = 1;
	}

header_only:
	off = finish(m, q, off, rcode, aa, tc, an, ns, ext_rcode);
	count(reason, 0);

	/* ---- turn the query into the reply, in place ---- */
	{
		__u32 new_len = off, ulen, c, pad;
		__u8 mac[ETH_ALEN];
		__be16 port;
		__s64 sum;

		asm volatile("" : "+r"(new_len));
		if (new_len < 12 || new_len > ENF_DNS_MAX_MSG)
			goto fail;
		if (bpf_skb_change_tail(skb, dns_off + new_len, 0))
			goto fail;
		if (bpf_skb_store_bytes(skb, dns_off, m, new_len, 0))
			return count(ENF_DNS_ERROR, TC_ACT_SHOT);

		__builtin_memcpy(mac, s->eth.h_dest, ETH_ALEN);
		__builtin_memcpy(s->eth.h_dest, s->eth.h_source, ETH_ALEN);
		__builtin_memcpy(s->eth.h_source, mac, ETH_ALEN);
		port = s->udp.source;
		s->udp.source = s->udp.dest;
		s->udp.dest = port;
		ulen = sizeof(s->udp) + new_len;
		s->udp.len = bpf_htons(ulen);
		s->udp.check = 0;

		if (!v6) {
			__be32 a = s->ip4.saddr;

			s->ip4.saddr = s->ip4.daddr;
			s->ip4.daddr = a;
			s->ip4.tot_len = bpf_htons(sizeof(s->ip4) + ulen);
			s->ip4.ttl = 64;
			s->ip4.check = 0;
			sum = bpf_csum_diff(NULL, 0, (__be32 *)&s->ip4, sizeof(s->ip4), 0);
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			s->ip4.check = ~sum & 0xffff;
			/* UDP checksum 0 is legal over IPv4 (29) and immune to
			 * the CHECKSUM_PARTIAL seed of socket-made packets. */
			if (bpf_skb_store_bytes(skb, sizeof(s->eth), &s->ip4, sizeof(s->ip4), 0))
				return count(ENF_DNS_ERROR, TC_ACT_SHOT);
		} else {
			__builtin_memcpy(s->pseudo, &s->ip6.saddr, 16);
			__builtin_memcpy(&s->ip6.saddr, &s->ip6.daddr, 16);
			__builtin_memcpy(&s->ip6.daddr, s->pseudo, 16);
			s->ip6.payload_len = bpf_htons(ulen);
			s->ip6.hop_limit = 64;
			/* IPv6 needs a real UDP checksum (29): pseudo-header,
			 * UDP header, message zero-padded to 4 bytes. */
			__builtin_memcpy(s->pseudo, &s->ip6.saddr, 16);
			__builtin_memcpy(&s->pseudo[4], &s->ip6.daddr, 16);
			s->pseudo[8] = bpf_htonl(ulen);
			s->pseudo[9] = bpf_htonl(IPPROTO_UDP);
			sum = bpf_csum_diff(NULL, 0, s->pseudo, sizeof(s->pseudo), 0);
			sum = bpf_csum_diff(NULL, 0, (__be32 *)&s->udp, sizeof(s->udp), sum);
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
			s->udp.check = ~sum & 0xffff;
			if (!s->udp.check)
				s->udp.check = 0xffff;
			if (bpf_skb_store_bytes(skb, sizeof(s->eth), &s->ip6, sizeof(s->ip6), 0))
				return count(ENF_DNS_ERROR, TC_ACT_SHOT);
		}
		if (bpf_skb_store_bytes(skb, 0, &s->eth, sizeof(s->eth), 0) ||
		    bpf_skb_store_bytes(skb, udp_off, &s->udp, sizeof(s->udp), 0))
			return count(ENF_DNS_ERROR, TC_ACT_SHOT);
		return bpf_redirect(skb->ifindex, 0);
	}

fail:
	return count(ENF_DNS_ERROR, TC_ACT_OK);
}

SEC("tc")
int enf_tc_dns(struct __sk_buff *skb)
{
	return dns_answer(skb, 0);
}

/* Never attached: `enforcer dns serve` runs it with BPF_PROG_TEST_RUN. */
SEC("tc")
int enf_dns_stream(struct __sk_buff *skb)
{
	return dns_answer(skb, 1);
}
