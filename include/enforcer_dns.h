/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The private zone in maps: ABI between the zone compiler (user/zone.c),
 * the DNS answer program (bpf/dns.bpf.c) and the userspace responder.
 * Same rules as enforcer_common.h: fixed-width types, explicit padding,
 * append-only, no includes beyond linux/types.h.
 *
 * Names are looked up by hash, never by string, so the data path needs no
 * string compare: a name's key is (hash of its lower-cased wire form, wire
 * length, view). The hash is defined label by label from the right, so the
 * same walk that hashes the query name also yields the hash of every
 * suffix, which is how the zone apex is found:
 *
 *   label hash  L = the label in wire form (its length byte, then its
 *                   bytes, ASCII A-Z folded to a-z: RFC 4343, nothing else
 *                   folds) read as little-endian 64-bit words, the last one
 *                   zero-padded, each mixed in with enf_dns_label_word()
 *                   from ENF_DNS_LABEL_SEED (enf_dns_label_hash())
 *   suffix hash S(root) = 0,  S(label . rest) = enf_dns_combine(S(rest), L)
 *
 * Views (split horizon). View 0 holds the names of every non-isolated
 * network; view N (N >= 1) the names of isolated network N. A querier tries
 * the isolated networks it is a member of (enf_dns_views[class]) and then
 * view 0, and must be admitted to the name's network (network_id, or
 * ENF_DNS_ANY_NETWORK for zone infrastructure: apex, ns, empty
 * non-terminals).
 */
#ifndef ENFORCER_DNS_H
#define ENFORCER_DNS_H

#include <linux/types.h>

#define ENF_DNS_PORT		53
/* An RRset of n records fills (n + 31) / 32 consecutive ids of
 * enf_dns_a/aaaa/srv, ENF_DNS_MAX_RR records per value ("pages"): record i
 * is in id rrset_id + i / 32, slot i % 32. */
#define ENF_DNS_MAX_RR		32	/* records per map value (one page) */
#define ENF_DNS_MAX_RRSET	2048	/* records per RRset (2048 AAAA fit a TCP message;
					 * an SRV set is checked by its size) */
#define ENF_DNS_PART_RR		80	/* most records in one message the program writes
					 * (76 A records fill ENF_DNS_MAX_MSG) */
#define ENF_DNS_MAX_VIEWS	4	/* isolated networks one source class can see */
#define ENF_DNS_MAX_ZONE_LABELS	8	/* labels of a zone apex */
#define ENF_DNS_MAX_LABELS	127	/* RFC 1035: 255-octet names */
#define ENF_DNS_MAX_NAME	255	/* wire length including the root byte */
#define ENF_DNS_EDNS_SIZE	1232	/* advertised UDP payload size (DNS flag day 2020) */
#define ENF_DNS_MAX_MSG		1232	/* largest reply the kernel path writes (per part) */
#define ENF_DNS_MAX_QUERY	1800	/* longest query it reads: longer ones are the resolver's */
#define ENF_DNS_MAX_ZONES	64
#define ENF_DNS_MAX_NAMES	(1 << 20)
/* enf_dns_listen keys: the stream server's listening socket per family */
#define ENF_DNS_LISTEN_V4	0
#define ENF_DNS_LISTEN_V6	1
#define ENF_DNS_ANY_NETWORK	0xffffffffu

#define ENF_DNS_LABEL_SEED	0xcbf29ce484222325ULL

static inline __u64 enf_dns_fold(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* One word of a label hash. A word at a time, not a byte: the program
 * hashes every label of every query, and a name of 110 characters is 14
 * words but 112 bytes of a serial multiply chain. The xor-shift carries
 * the product's high bits down before the next word. */
static inline __u64 enf_dns_label_word(__u64 h, __u64 w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

/* L of the label at `label` (its length byte first). The BPF program
 * computes the same value eight bytes at a time (bpf/dns_parse.bpf.h). */
static inline __u64 enf_dns_label_hash(const __u8 *label)
{
	__u32 n = label[0] + 1u, i, k;
	__u64 h = ENF_DNS_LABEL_SEED;

	for (i = 0; i < n; i += 8) {
		__u64 w = 0;

		for (k = 0; k < 8 && i + k < n; k++)
			w |= enf_dns_fold(label[i + k]) << (8 * k);
		h = enf_dns_label_word(h, w);
	}
	return h;
}

/* S(label . rest) from S(rest) and the label hash (splitmix64 finaliser). */
static inline __u64 enf_dns_combine(__u64 suffix, __u64 label)
{
	__u64 x = suffix * 0x9e3779b97f4a7c15ULL ^ label;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

/* enf_dns_names / enf_dns_zones key. */
struct enf_dns_key {
	__u64 hash;		/* S(name) */
	__u16 wire_len;		/* wire length including the root byte */
	__u16 pad;
	__u32 view;		/* 0 = non-isolated networks, N = isolated network N; 0 for zones */
};

/* enf_dns_names value flags */
#define ENF_DNS_NAME_APEX	(1U << 0)	/* zone apex: SOA and NS live here */

struct enf_dns_name {
	__u32 rrset_id;		/* first key of enf_dns_a/aaaa/srv; 0 = no data (ENT, apex) */
	__u32 network_id;	/* admission needed, or ENF_DNS_ANY_NETWORK */
	__u8 zone_id;		/* < ENF_DNS_MAX_ZONES */
	__u8 flags;		/* ENF_DNS_NAME_* */
	__u16 n_a;		/* records in enf_dns_a from rrset_id on (<= ENF_DNS_MAX_RRSET) */
	__u16 n_aaaa;
	__u16 n_srv;
};

/* Pages (map values) an RRset with these counts fills: at least one. */
static inline __u32 enf_dns_rrset_pages(__u32 n_a, __u32 n_aaaa, __u32 n_srv)
{
	__u32 n = n_a > n_aaaa ? n_a : n_aaaa;

	n = n > n_srv ? n : n_srv;
	return n ? (n + ENF_DNS_MAX_RR - 1) / ENF_DNS_MAX_RR : 1;
}

/* enf_dns_a[rrset_id + page] */
struct enf_dns_a {
	__be32 addr[ENF_DNS_MAX_RR];
};

/* enf_dns_aaaa[rrset_id] */
struct enf_dns_aaaa {
	__u8 addr[ENF_DNS_MAX_RR][16];
};

/* One SRV record: target is "<index>.<service name>", and the service name
 * is the query name minus its "_port._proto." prefix, so the target is
 * written as one label plus a compression pointer into the question. */
struct enf_dns_srv_rr {
	__be16 priority;
	__be16 weight;
	__be16 port;
	__u8 label_len;		/* 1..5 */
	char label[5];		/* instance index, decimal */
};

/* enf_dns_srv[rrset_id] */
struct enf_dns_srv {
	struct enf_dns_srv_rr rr[ENF_DNS_MAX_RR];
};

/* enf_dns_zones value: one per zone apex. SOA MNAME is "ns.<apex>", RNAME
 * "hostmaster.<apex>"; both are written with a pointer to the apex. */
struct enf_dns_zone {
	__u16 zone_id;
	__u8 labels;		/* labels of the apex */
	__u8 pad;
	__u32 ttl;		/* of every record in the zone (manifest dns.ttl) */
	__u32 serial;
	__u32 refresh;
	__u32 retry;
	__u32 expire;
	__u32 minimum;		/* negative-answer TTL = min(ttl, minimum) */
};

/* enf_dns_views[source class]: isolated networks whose views the class may
 * read, in order. */
struct enf_dns_views {
	__u32 n;
	__u32 network[ENF_DNS_MAX_VIEWS];
};

/*
 * Outcomes of the DNS path: index into the per-CPU counters enf_dns_stats,
 * which `status` shows. One line each: enum name, number, the name people
 * see, and what it means. Append only; never renumber (the map's size is
 * ENF_DNS_REASON_MAX: a new reason is a layout change, see ENF_ABI_VERSION).
 *
 * The rule: every packet the TC program sees, every query the XDP program
 * answers (`attach --dns-xdp`; what it does not answer goes on to TC
 * uncounted), and every message the stream twin (`enforcer dns serve`)
 * runs, is counted exactly once, under one reason, at the exit that
 * decides its fate:
 *  - NOT_QUERY: not a DNS query to us at all. Counted, not passed silently,
 *    so that the counters add up to the traffic the hook saw; the cost is
 *    one per-CPU increment per packet.
 *  - PASS: a query to a resolver address that the real resolver answers.
 *  - ANSWER .. BADVERS: the reply we sent, counted once it has been written
 *    into the packet.
 *  - ERROR: the packet could not be handled, mostly a reply that could not
 *    be built or written; it counts here only, never also under the reason
 *    of the reply it was meant to be.
 */
#define ENF_DNS_REASONS(X)							\
	X(PASS, 0, "passed",							\
	  "a query to a resolver address left to the resolver: name outside every zone, " \
	  "no question, a name we cannot read, longer than we read")		\
	X(ANSWER, 1, "answer", "NOERROR with data")				\
	X(NODATA, 2, "nodata", "NOERROR, no record of that type (SOA in authority)") \
	X(NXDOMAIN, 3, "nxdomain",						\
	  "the name does not exist for the source's networks (SOA in authority)") \
	X(REFUSED, 4, "refused", "a public source, or a class other than IN")	\
	X(FORMERR, 5, "formerr",						\
	  "a malformed query: question cut short, several questions, answer or authority " \
	  "records, bad EDNS, trailing bytes")					\
	X(NOTIMP, 6, "notimp", "an opcode other than QUERY, or a zone transfer") \
	X(BADVERS, 7, "badvers", "EDNS version above 0")			\
	X(TRUNCATED, 8, "truncated", "TC set: the RRset did not fit")		\
	X(ERROR, 9, "error",							\
	  "the reply could not be built or written (maps that disagree, a helper that " \
	  "failed): passed on untouched, or dropped once the packet was half rewritten") \
	X(NOT_QUERY, 10, "not_query",						\
	  "not a DNS query to us: not UDP to a resolver address and port 53 (or not plain: " \
	  "VLAN tag, IP options, fragment, lengths that disagree), shorter than a DNS header, " \
	  "a response, or no policy applied yet")					\
	X(STEERED, 11, "tcp_steered",						\
	  "TCP to a resolver address, port 53, handed to the stream server (dns serve) " \
	  "with bpf_sk_assign: the client's TCP retry after TC, or a client on TCP")

enum enf_dns_reason {
#define ENF_DNS_REASON_ENUM(name, num, str, help) ENF_DNS_##name = num,
	ENF_DNS_REASONS(ENF_DNS_REASON_ENUM)
#undef ENF_DNS_REASON_ENUM
	ENF_DNS_REASON_MAX,
};

/* enf_dns_xdp_stats: what the XDP answer path did, beside the reasons. */
enum enf_dns_xdp_stat {
	ENF_DNS_XDP_ANSWERED,	/* replies sent with XDP_TX (also counted under their reason) */
	ENF_DNS_XDP_NO_ROOM,	/* a reply larger than the frame could grow: left to TC */
	ENF_DNS_XDP_STAT_MAX,
};

/* BTF anchor for the DNS inner maps (see struct enf_btf_anchor). */
struct enf_dns_btf_anchor {
	struct enf_dns_key key;
	struct enf_dns_name name;
	struct enf_dns_a a;
	struct enf_dns_aaaa aaaa;
	struct enf_dns_srv srv;
	struct enf_dns_zone zone;
	struct enf_dns_views views;
};

_Static_assert(sizeof(struct enf_dns_key) == 16, "enf_dns_key ABI changed");
_Static_assert(sizeof(struct enf_dns_name) == 16, "enf_dns_name ABI changed");
_Static_assert(sizeof(struct enf_dns_srv_rr) == 12, "enf_dns_srv_rr ABI changed");
_Static_assert(sizeof(struct enf_dns_zone) == 28, "enf_dns_zone ABI changed");

#endif /* ENFORCER_DNS_H */
