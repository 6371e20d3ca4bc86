// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Deterministic fuzz of the TC DNS answer program (bpf/dns.bpf.c) through
 * BPF_PROG_TEST_RUN, against a manifest with nested zones, rack-private,
 * member-only, isolated and public sources, and IPv4 and IPv6 resolvers.
 * The programs are loaded and the manifest applied once; every generator
 * is one case, and every single run is checked:
 *
 *   [inv1]  test_run succeeds; verdict TC_ACT_OK, TC_ACT_REDIRECT or TC_ACT_SHOT
 *   [inv2]  TC_ACT_OK: the frame comes back byte-identical
 *   [inv3]  TC_ACT_REDIRECT: Ethernet/IP/UDP rewritten consistently (MACs,
 *           addresses and ports swapped, lengths, IPv4 header checksum, IPv6
 *           UDP checksum), the message parses strictly (dnsgen.h, and ldns
 *           with -DHAVE_LDNS), QR=1, ID and opcode copied, Z=RA=AD=CD=0, RD
 *           copied (except NOTIMP), the question is the query's first
 *           question byte for byte, <= 512 bytes without OPT in the query and
 *           <= max(512, min(its size, 1232)) with it, OPT iff the query had
 *           one, OPT fields (size 1232, version 0, DO copied, no options, Z=0),
 *           AA/rcode/section counts consistent, owners are the question name
 *   [inv4]  a public source never gets more than REFUSED/FORMERR/NOTIMP/
 *           BADVERS with AN=NS=0
 *   [inv5]  no A/AAAA/SRV of a network the source is not admitted to, and no
 *           NOERROR for a name the source cannot see (isolated ENTs)
 *   [cl28]  frames the checklist says not to answer (IP options, fragments,
 *           IPv6 extension headers, VLAN, UDP length != IP length, source
 *           port 0, not port 53, not a resolver, QR=1) are never answered
 *   [model] well-formed queries (valid_queries only) get exactly the answer
 *           the zone model predicts (pass/rcode/records/TC)
 *   [count] enf_dns_stats grows by exactly one per run of the program, under
 *           the reason the outcome names: NOT_QUERY for a pass of a frame
 *           [cl28] says not to answer, PASS for a pass of any other, the
 *           rcode's reason (TRUNCATED for TC) for a reply, ERROR for a drop;
 *           by nothing when the kernel rejected the frame
 *
 * Addresses and ports are mapped to networks by hand below (not from the
 * compiler); names and RRsets for the model come from compile_manifest().
 *
 * Cases: oracle_catches_broken_replies (the checks catch damaged real
 * replies), valid_queries (a; with [model]), mutated_queries (b, plus every
 * truncation of some queries), fuzz_reaches_every_outcome (a+b hit every
 * reason of enf_dns_stats and every rcode, and no ERROR), random_messages
 * (c), header_mutations (d). Each generator prints its run count and
 * outcome distribution on the line before its ok/FAIL line.
 *
 * Environment: ENF_FUZZ_ITERS=F multiplies every iteration count by F (a
 * number, e.g. 10 or 0.1; on top of ENF_TEST_SCALE, test.h); ENF_FUZZ_SEED=N changes the base seed;
 * ENF_FUZZ_MAXFAIL=N failures stop a case (default 5). A failure prints the
 * seed, iteration, the input frame and the output as hex; replay a frame
 * with `test_dnsfuzz --replay HEX` (the source's group comes from its
 * address).
 *
 * Third-party oracle: with libldns-dev,
 *   make .output/test_dnsfuzz CFLAGS=-DHAVE_LDNS LDFLAGS=-lldns
 */
#include <errno.h>
#include <linux/pkt_cls.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifdef HAVE_LDNS
#include <ldns/ldns.h>
#endif

#include "pipeline.h"
#include "dnsgen.h"
#include "manifest.h"
#include "state.h"
#include "test.h"
#include "trace.h"

/* ---------------------------------------------------------------------- */
/* The manifest                                                            */

#define RACKNAME "zeta-rack-abcdefghijklmnopqrstuvwxyz-0123456789-abcdefghijklmn"
#define LONGAPP "longapp-with-a-rather-long-name-for-dns-offsets-0123456789ab"
#define BIG6 "big6-service-with-many-aaaa-records-0123"

static const char manifest[] =
	"rack: " RACKNAME "\n"
	"zones:\n"
	"  - \"{service}.{app}.internal\"\n"
	"  - \"{service}.internal\"\n"
	"  - \"{service}.{network}.svc.internal\"\n"
	"  - \"{service}.{app}.{rack}.corp.internal\"\n"
	"dns:\n"
	"  resolvers: [10.96.0.10, \"fd00:96::10\"]\n"
	"  ttl: 7\n"
	"private: [10.0.0.0/16, \"fd00:10::/48\"]\n"
	"networks:\n"
	"  shop: { isolated: true, cidrs: [10.30.0.0/16, \"fd00:30::/48\"] }\n"
	"  blog: { isolated: true, cidrs: [10.31.0.0/16] }\n"
	"  batch: { cidrs: [10.40.0.0/16, \"fd00:40::/48\"] }\n"
	"apps:\n"
	"  myapp:\n"
	"    trusted: [198.51.100.0/24]\n"
	"    services:\n"
	DNSGEN_MYAPP_SERVICES
	"      edge: { port: 7000, instances: [10.50.0.10, \"fd00:50::10\"] }\n"
	"  " LONGAPP ":\n"
	"    services:\n"
	"      " BIG6 ":\n"
	"        port: 9000\n"
	"        instances: [\"fd00:10::6:1\", \"fd00:10::6:2\", \"fd00:10::6:3\", \"fd00:10::6:4\",\n"
	"          \"fd00:10::6:5\", \"fd00:10::6:6\", \"fd00:10::6:7\", \"fd00:10::6:8\",\n"
	"          \"fd00:10::6:9\", \"fd00:10::6:a\", \"fd00:10::6:b\", \"fd00:10::6:c\",\n"
	"          \"fd00:10::6:d\", \"fd00:10::6:e\", \"fd00:10::6:f\", \"fd00:10::6:10\",\n"
	"          \"fd00:10::6:11\", \"fd00:10::6:12\", \"fd00:10::6:13\", \"fd00:10::6:14\",\n"
	"          \"fd00:10::6:15\", \"fd00:10::6:16\", \"fd00:10::6:17\", \"fd00:10::6:18\",\n"
	"          \"fd00:10::6:19\", \"fd00:10::6:1a\", \"fd00:10::6:1b\", \"fd00:10::6:1c\",\n"
	"          \"fd00:10::6:1d\", \"fd00:10::6:1e\", \"fd00:10::6:1f\", \"fd00:10::6:20\"]\n"
	"  shop:\n"
	"    network: shop\n"
	"    services:\n"
	"      api: { port: 8081, internal: true, instances: [10.30.1.10, \"fd00:30::1:10\"] }\n"
	"      cart: { port: 8181, internal: true, instances: [10.30.2.10] }\n"
	"  blog:\n"
	"    network: blog\n"
	"    services:\n"
	"      api: { port: 8082, internal: true, instances: [10.31.1.10] }\n"
	"  jobs:\n"
	"    network: batch\n"
	"    services:\n"
	"      worker: { port: 8083, instances: [10.40.1.10, \"fd00:40::1:10\"] }\n";

/* Networks in manifest order (networks[0] is the implicit rack). */
enum { N_RACK, N_SHOP, N_BLOG, N_BATCH, N_ANY, N_NONE };
static const char *const net_name[] = { "rack", "shop", "blog", "batch", "any", "none" };

/* Source groups: who asks, what it is admitted to, which isolated view it reads. */
enum grp { G_RACK, G_MEMBER, G_SHOP, G_BLOG, G_BATCH, G_PUBLIC, G_N };
static const char *const grp_name[G_N] = {
	"rack-private", "rack-member", "shop", "blog", "batch", "public",
};
static const unsigned grp_admits[G_N] = {
	[G_RACK] = 1u << N_RACK | 1u << N_BATCH,	/* private: every non-isolated network */
	[G_MEMBER] = 1u << N_RACK,			/* instance of a rack app, not private */
	[G_SHOP] = 1u << N_SHOP,
	[G_BLOG] = 1u << N_BLOG,
	[G_BATCH] = 1u << N_BATCH,
	[G_PUBLIC] = 0,
};
static const uint32_t grp_view[G_N] = { [G_SHOP] = N_SHOP, [G_BLOG] = N_BLOG };

static const uint8_t RES4[4] = { 10, 96, 0, 10 };
static const uint8_t RES6[16] = { 0xfd, 0, 0, 0x96, [15] = 0x10 };

/* Network an answered address belongs to (hand-written from the manifest). */
static int addr_net(const uint8_t *a, int v6)
{
	if (!v6) {
		if (a[0] != 10)
			return N_NONE;
		if (a[1] == 96 && a[2] == 0 && a[3] == 10)
			return N_ANY;		/* ns.<apex>: the resolver */
		if (a[1] == 96 && a[2] == 0 && a[3] == 20)
			return N_RACK;		/* myapp api VIP */
		switch (a[1]) {
		case 0: case 50: return N_RACK;
		case 30: return N_SHOP;
		case 31: return N_BLOG;
		case 40: return N_BATCH;
		}
		return N_NONE;
	}
	if (a[0] != 0xfd || a[1] != 0 || a[2] != 0)
		return N_NONE;
	if (a[3] == 0x96 && !memcmp(a, RES6, 16))
		return N_ANY;
	if (a[4] || a[5])
		return N_NONE;
	switch (a[3]) {
	case 0x10: case 0x50: return N_RACK;
	case 0x30: return N_SHOP;
	case 0x40: return N_BATCH;
	}
	return N_NONE;
}

static int port_net(uint16_t port)
{
	switch (port) {
	case 3000: case 4000: case 5000: case 53: case 80: case 7000: case 9000:
		return N_RACK;
	case 8081: case 8181:
		return N_SHOP;
	case 8082:
		return N_BLOG;
	case 8083:
		return N_BATCH;
	}
	return N_NONE;
}

static bool grp_may_see(enum grp g, int net)
{
	return net == N_ANY || (net < N_ANY && (grp_admits[g] & (1u << net)));
}

/* ---------------------------------------------------------------------- */
/* Random numbers: splitmix64, one stream per (case, iteration)            */

struct rng {
	uint64_t s;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t r32(struct rng *r)
{
	return splitmix(&r->s) >> 32;
}

static uint32_t rn(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(splitmix(&r->s) % n) : 0;
}

static bool chance(struct rng *r, unsigned pct)
{
	return rn(r, 100) < pct;
}

/* ---------------------------------------------------------------------- */
/* Global state                                                            */

#define FRAME_MAX 4096

static struct enf_state st;
static struct pipeline pl;	/* the manifest, compiled (pl.c) */
static bool comp_ok, loaded, setup_done, setup_ok;
static int ncpu;
static double iter_factor = 1.0;
static uint64_t base_seed = 0x656e662d646e7366ULL;	/* "enf-dnsf" */
static int max_fail = 5;

static uint8_t out[FRAME_MAX];
static uint32_t out_len;

/* Name classes for the valid generator. */
static const struct zone_name **cls_list[8];
static size_t cls_n[8];
enum { C_ALL, C_APEX, C_ENT, C_SRV, C_MULTI, C_AAAA, C_ISO, C_NS, C_N };

static const char *const reason_name[ENF_DNS_REASON_MAX] = {
#define REASON_NAME(name, num, str, help) [num] = str,
	ENF_DNS_REASONS(REASON_NAME)
#undef REASON_NAME
};

/* Outcomes as seen in the replies. */
enum outcome { O_PASS, O_ANSWER, O_NODATA, O_NXDOMAIN, O_REFUSED, O_FORMERR, O_NOTIMP,
	       O_BADVERS, O_TC, O_SHOT, O_REJECTED, O_OTHER, O_N };
static const char *const outcome_name[O_N] = {
	"pass", "answer", "nodata", "nxdomain", "refused", "formerr", "notimp", "badvers",
	"tc", "shot", "kernel-rejected", "other",
};

static unsigned long tally_ab[O_N];	/* valid + mutated generators */
static uint64_t stats_ab[ENF_DNS_REASON_MAX];
static bool ran_valid, ran_mutated;

static unsigned scaled(unsigned base)
{
	double n = base * iter_factor;

	return n < 1 ? 1 : (unsigned)n;
}

/* ---------------------------------------------------------------------- */
/* Names                                                                   */

static uint8_t fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool wire_eq_fold(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold(a[i]) != fold(b[i]))
			return false;
	return true;
}

static int nlabels_of(const uint8_t *w, size_t len)
{
	int n = 0;

	for (size_t o = 0; o < len && w[o]; o += w[o] + 1)
		n++;
	return n;
}

/* Deepest zone whose apex is a label-aligned suffix of `w`, or NULL. */
static const struct zone_apex *model_zone(const uint8_t *w, size_t len, size_t *apex_off)
{
	for (size_t o = 0; o < len && w[o]; o += w[o] + 1) {
		for (size_t z = 0; z < pl.c.zone.nzones; z++) {
			const struct zone_apex *za = &pl.c.zone.zones[z];

			if (za->key.wire_len == len - o && wire_eq_fold(w + o, za->wire, len - o)) {
				*apex_off = o;
				return za;
			}
		}
	}
	return NULL;
}

/* The entry the program must use for (name, source group): own isolated
 * view first, then view 0 where the group must be admitted. */
static const struct zone_name *model_find(const uint8_t *w, size_t len, enum grp g)
{
	const struct zone_name *hit = NULL;

	if (g == G_PUBLIC)
		return NULL;
	for (size_t i = 0; i < pl.c.zone.nnames; i++) {
		const struct zone_name *n = &pl.c.zone.names[i];

		if (n->key.wire_len != len || !wire_eq_fold(w, n->wire, len))
			continue;
		if (grp_view[g] && n->key.view == grp_view[g])
			return n;
		if (n->key.view == 0 && !hit &&
		    (n->val.network_id == ENF_DNS_ANY_NETWORK ||
		     (n->val.network_id < N_ANY && (grp_admits[g] & (1u << n->val.network_id)))))
			hit = n;
	}
	return hit;
}

/* ---------------------------------------------------------------------- */
/* Queries and frames                                                      */

struct qspec {
	uint16_t id;
	uint8_t f1, f2;
	uint16_t qd, an, ns, ar;
	uint8_t name[256];
	size_t nlen;
	uint16_t qtype, qclass;
	int edns;
	uint16_t esize;
	uint8_t erc, ever;
	uint16_t eflags;
	int nopts;
	uint8_t opts[1400];
	size_t optlen;
};

struct flow {
	enum grp g;
	int v6;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

static size_t build_msg(const struct qspec *q, uint8_t *m)
{
	size_t o = 12;

	m[0] = q->id >> 8;
	m[1] = q->id;
	m[2] = q->f1;
	m[3] = q->f2;
	m[4] = q->qd >> 8;
	m[5] = q->qd;
	m[6] = q->an >> 8;
	m[7] = q->an;
	m[8] = q->ns >> 8;
	m[9] = q->ns;
	m[10] = q->ar >> 8;
	m[11] = q->ar;
	memcpy(m + o, q->name, q->nlen);
	o += q->nlen;
	m[o++] = q->qtype >> 8;
	m[o++] = q->qtype;
	m[o++] = q->qclass >> 8;
	m[o++] = q->qclass;
	if (q->edns) {
		m[o++] = 0;
		m[o++] = 0;
		m[o++] = 41;
		m[o++] = q->esize >> 8;
		m[o++] = q->esize;
		m[o++] = q->erc;
		m[o++] = q->ever;
		m[o++] = q->eflags >> 8;
		m[o++] = q->eflags;
		m[o++] = q->optlen >> 8;
		m[o++] = q->optlen;
		memcpy(m + o, q->opts, q->optlen);
		o += q->optlen;
	}
	return o;
}

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 2 }, MAC_B[6] = { 2, 0, 0, 0, 0, 1 };

static size_t wrap(const struct flow *fl, const uint8_t *msg, size_t mlen, uint8_t *b)
{
	size_t o = 14, ulen = 8 + mlen;

	memcpy(b, MAC_A, 6);
	memcpy(b + 6, MAC_B, 6);
	if (!fl->v6) {
		b[12] = 0x08;
		b[13] = 0x00;
		memset(b + o, 0, 20);
		b[o] = 0x45;
		b[o + 2] = (20 + ulen) >> 8;
		b[o + 3] = (20 + ulen);
		b[o + 8] = 64;
		b[o + 9] = IPPROTO_UDP;
		memcpy(b + o + 12, fl->src, 4);
		memcpy(b + o + 16, fl->dst, 4);
		o += 20;
	} else {
		b[12] = 0x86;
		b[13] = 0xdd;
		memset(b + o, 0, 40);
		b[o] = 0x60;
		b[o + 4] = ulen >> 8;
		b[o + 5] = ulen;
		b[o + 6] = IPPROTO_UDP;
		b[o + 7] = 64;
		memcpy(b + o + 8, fl->src, 16);
		memcpy(b + o + 24, fl->dst, 16);
		o += 40;
	}
	b[o] = fl->sport >> 8;
	b[o + 1] = fl->sport;
	b[o + 2] = fl->dport >> 8;
	b[o + 3] = fl->dport;
	b[o + 4] = ulen >> 8;
	b[o + 5] = ulen;
	b[o + 6] = 0;
	b[o + 7] = 0;
	memcpy(b + o + 8, msg, mlen);
	return o + 8 + mlen;
}

/* A random source of a random group (or of group g when g < G_N). */
static void pick_flow(struct rng *r, struct flow *fl, int g)
{
	memset(fl, 0, sizeof(*fl));
	fl->g = g < G_N ? (enum grp)g : (enum grp)rn(r, G_N);
	fl->v6 = chance(r, 35);
	if (fl->g == G_BLOG)
		fl->v6 = 0;	/* blog has no IPv6 range */
	fl->sport = 1 + rn(r, 65535);
	fl->dport = 53;
	if (!fl->v6) {
		uint8_t *a = fl->src;

		memcpy(fl->dst, RES4, 4);
		a[0] = 10;
		a[2] = r32(r);
		a[3] = r32(r);
		switch (fl->g) {
		case G_RACK: a[1] = 0; break;
		case G_MEMBER: a[1] = 50; a[2] = 0; a[3] = 10; break;
		case G_SHOP: a[1] = 30; break;
		case G_BLOG: a[1] = 31; break;
		case G_BATCH: a[1] = 40; break;
		default:
			switch (rn(r, 6)) {
			case 0: a[0] = 203; a[1] = 0; a[2] = 113; break;
			case 1: a[0] = 198; a[1] = 51; a[2] = 100; break;	/* trusted */
			case 2: a[0] = 192; a[1] = 0; a[2] = 2; break;
			case 3: a[1] = 1; break;		/* RFC 1918, not in `private` */
			case 4: a[1] = 50; a[2] = 0; a[3] = 11; break;	/* next to a member */
			default: a[0] = 8; a[1] = 8; a[2] = 8; a[3] = 8; break;
			}
		}
	} else {
		uint8_t *a = fl->src;

		memcpy(fl->dst, RES6, 16);
		a[0] = 0xfd;
		for (int i = 8; i < 16; i++)
			a[i] = r32(r);
		switch (fl->g) {
		case G_RACK: a[3] = 0x10; break;
		case G_MEMBER:
			a[3] = 0x50;
			memset(a + 8, 0, 8);
			a[15] = 0x10;
			break;
		case G_SHOP: a[3] = 0x30; break;
		case G_BATCH: a[3] = 0x40; break;
		default:
			if (chance(r, 50)) {
				a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
			} else {
				a[3] = 0x11;	/* fd00:11::/48, outside every range */
			}
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Running the program                                                     */

static int run_prog(const uint8_t *pkt, size_t len, int *err)
{
	uint32_t retval = 0;

	out_len = sizeof(out);
	*err = prog_run(st.dns_prog_fd, pkt, len, out, &out_len, &retval);
	if (*err) {
		out_len = 0;
		return -1;
	}
	return (int)retval;
}

/* ---------------------------------------------------------------------- */
/* What a frame and its message say (independent of the program)           */

struct frame_info {
	int v6;
	size_t udp, dns;	/* offsets */
	int answerable;		/* checklist 28 and port/address: may be answered */
	char why_not[200];
	const uint8_t *msg;
	size_t mlen;
};

static void why_not(struct frame_info *fi, const char *s)
{
	size_t n = strlen(fi->why_not);

	fi->answerable = 0;
	snprintf(fi->why_not + n, sizeof(fi->why_not) - n, "%s%s", n ? ", " : "", s);
}

static void frame_inspect(const uint8_t *p, size_t len, struct frame_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->answerable = 1;
	if (len < 14) {
		why_not(fi, "short frame");
		return;
	}
	if (p[12] == 0x08 && p[13] == 0x00) {
		size_t ihl;

		if (len < 14 + 20 + 8) {
			why_not(fi, "short IPv4/UDP");
			return;
		}
		ihl = (p[14] & 0xf) * 4;
		if (p[14] >> 4 != 4)
			why_not(fi, "IP version != 4");
		if (ihl != 20)
			why_not(fi, "IPv4 options (ihl != 5)");
		if (p[23] != IPPROTO_UDP)
			why_not(fi, "not UDP");
		if ((p[20] << 8 | p[21]) & 0x3fff)
			why_not(fi, "IPv4 fragment");
		if (memcmp(p + 30, RES4, 4))
			why_not(fi, "not to a resolver");
		fi->udp = 14 + (ihl >= 20 ? ihl : 20);
		if (fi->udp + 8 > len) {
			why_not(fi, "short UDP");
			return;
		}
		if ((size_t)(p[16] << 8 | p[17]) != len - 14)
			why_not(fi, "IPv4 total length != frame");
		if ((size_t)(p[16] << 8 | p[17]) != (size_t)(p[fi->udp + 4] << 8 | p[fi->udp + 5]) + ihl)
			why_not(fi, "UDP length != IP length");
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		if (len < 14 + 40 + 8) {
			why_not(fi, "short IPv6/UDP");
			return;
		}
		fi->v6 = 1;
		if (p[14] >> 4 != 6)
			why_not(fi, "IP version != 6");
		if (p[20] != IPPROTO_UDP)
			why_not(fi, "IPv6 next header != UDP");
		if (memcmp(p + 38, RES6, 16))
			why_not(fi, "not to a resolver");
		fi->udp = 54;
		if ((size_t)(p[18] << 8 | p[19]) != len - 54)
			why_not(fi, "IPv6 payload length != frame");
		if ((p[18] << 8 | p[19]) != (p[58] << 8 | p[59]))
			why_not(fi, "UDP length != IP length");
	} else {
		why_not(fi, "not IPv4/IPv6 (VLAN, ...)");
		return;
	}
	if ((size_t)(p[fi->udp + 4] << 8 | p[fi->udp + 5]) != len - fi->udp)
		why_not(fi, "UDP length != frame");
	if (!(p[fi->udp] | p[fi->udp + 1]))
		why_not(fi, "source port 0");
	if ((p[fi->udp + 2] << 8 | p[fi->udp + 3]) != 53)
		why_not(fi, "not port 53");
	fi->dns = fi->udp + 8;
	fi->msg = p + fi->dns;
	fi->mlen = len - fi->dns;
	if (fi->mlen < 12)
		why_not(fi, "message < 12 bytes");
	else if (fi->msg[2] & 0x80)
		why_not(fi, "QR=1 (a response)");
}

struct qinfo {
	uint16_t id, qd, an, ns, ar;
	int opcode, rd;
	int name_ok;		/* uncompressed, labels <= 63, root inside, <= 255, >= 1 label */
	int text_ok;		/* and no NUL byte: text comparisons are meaningful */
	size_t qend;		/* offset past the QNAME */
	uint8_t wire[256];
	size_t wlen;
	char text[300];
	uint16_t qtype, qclass;
	int opt_expect;		/* 1 must, 0 must not, -1 either */
	uint16_t udp;
	int do_bit;
	uint8_t ever;
};

static void msg_inspect(const uint8_t *m, size_t len, struct qinfo *qi)
{
	size_t o = 12;

	memset(qi, 0, sizeof(*qi));
	qi->opt_expect = 0;
	if (len < 12)
		return;
	qi->id = m[0] << 8 | m[1];
	qi->opcode = (m[2] >> 3) & 15;
	qi->rd = m[2] & 1;
	dns_read_counts(m, &qi->qd, &qi->an, &qi->ns, &qi->ar);
	for (;;) {
		if (o >= len || o - 12 >= 255)
			return;
		if (m[o] & 0xc0)
			return;
		if (!m[o])
			break;
		o += m[o] + 1;
	}
	o++;
	qi->wlen = o - 12;
	if (qi->wlen > 255 || qi->wlen < 2)
		return;
	qi->name_ok = 1;
	qi->qend = o;
	memcpy(qi->wire, m + 12, qi->wlen);
	qi->text_ok = memchr(qi->wire, 0, qi->wlen - 1) == NULL;
	{
		size_t t = 12;

		dns_read_name(m, len, &t, qi->text);
	}
	if (o + 4 > len)
		return;
	qi->qtype = m[o] << 8 | m[o + 1];
	qi->qclass = m[o + 2] << 8 | m[o + 3];
	o += 4;
	if (!qi->ar)
		return;
	if (qi->opcode || qi->qd != 1 || qi->an || qi->ns || qi->ar > 1) {
		qi->opt_expect = -1;	/* sections unreadable or several records */
		return;
	}
	if (o + 11 <= len && m[o] == 0 && m[o + 1] == 0 && m[o + 2] == 41) {
		qi->opt_expect = 1;
		qi->udp = m[o + 3] << 8 | m[o + 4];
		qi->ever = m[o + 6];
		qi->do_bit = m[o + 7] >> 7;
	}
}

/* ---------------------------------------------------------------------- */
/* The fuzz loop bookkeeping                                               */

struct fz {
	const char *name;
	uint64_t seed;
	uint32_t iter;
	unsigned runs, failures;
	unsigned long tally[O_N];
	bool stop;
};

struct ck {
	char why[2048];
	size_t n;
	int bad;
};

static void viol(struct ck *c, const char *fmt, ...)
{
	va_list ap;
	size_t start;

	c->bad = 1;
	if (c->n + 8 >= sizeof(c->why))
		return;
	if (c->n)
		c->n += snprintf(c->why + c->n, sizeof(c->why) - c->n, "\n      ");
	start = c->n;
	va_start(ap, fmt);
	c->n += vsnprintf(c->why + c->n, sizeof(c->why) - c->n, fmt, ap);
	va_end(ap);
	if (c->n >= sizeof(c->why))
		c->n = sizeof(c->why) - 1;
	/* names are binary: one line per violation (the hex dump has it all) */
	for (size_t i = start; i < c->n; i++)
		if ((unsigned char)c->why[i] < 0x20 || (unsigned char)c->why[i] >= 0x7f)
			c->why[i] = '?';
}

static void hexdump(const char *label, const uint8_t *p, size_t len)
{
	printf("    %s (%zu bytes):", label, len);
	for (size_t i = 0; i < len; i++) {
		if (i % 64 == 0)
			printf("\n      ");
		printf("%02x", p[i]);
	}
	printf("\n");
}

/* ---------------------------------------------------------------------- */
/* Checking one run                                                        */

/* Hand-written group of a source address (replays need no side channel). */
static enum grp grp_of(const uint8_t *a, int v6)
{
	if (!v6) {
		if (a[0] != 10)
			return G_PUBLIC;
		switch (a[1]) {
		case 0: return G_RACK;
		case 30: return G_SHOP;
		case 31: return G_BLOG;
		case 40: return G_BATCH;
		case 50: return a[2] == 0 && a[3] == 10 ? G_MEMBER : G_PUBLIC;
		}
		return G_PUBLIC;
	}
	if (a[0] != 0xfd || a[1] || a[2] || a[4] || a[5])
		return G_PUBLIC;
	switch (a[3]) {
	case 0x10: return G_RACK;
	case 0x30: return G_SHOP;
	case 0x40: return G_BATCH;
	case 0x50: {
		static const uint8_t m6[16] = { 0xfd, 0, 0, 0x50, [15] = 0x10 };

		return memcmp(a, m6, 16) ? G_PUBLIC : G_MEMBER;
	}
	}
	return G_PUBLIC;
}

static bool rr_in_rrset(const struct dns_rr *rr, const struct zone_name *e)
{
	uint32_t id = e->val.rrset_id;
	int i;

	if (!id || id >= pl.c.zone.nrrsets)
		return false;
	if (rr->type == 1 && rr->rdlen == 4) {
		for (i = 0; i < e->val.n_a; i++)
			if (!memcmp(&pl.c.zone.a[id].addr[i], rr->rdata, 4))
				return true;
	} else if (rr->type == 28 && rr->rdlen == 16) {
		for (i = 0; i < e->val.n_aaaa; i++)
			if (!memcmp(pl.c.zone.aaaa[id].addr[i], rr->rdata, 16))
				return true;
	} else if (rr->type == 33 && rr->rdlen >= 7) {
		for (i = 0; i < e->val.n_srv; i++) {
			const struct enf_dns_srv_rr *s = &pl.c.zone.srv[id].rr[i];

			if (!memcmp(rr->rdata, &s->priority, 6) && rr->rdata[6] == s->label_len &&
			    !memcmp(rr->rdata + 7, s->label, s->label_len))
				return true;
		}
	}
	return false;
}

/* Bytes an A or AAAA RRset takes in the answer section (owner 0xc00c). */
static size_t rrset_bytes(const struct zone_name *e, int type)
{
	return type == 1 ? 16u * e->val.n_a : 28u * e->val.n_aaaa;
}

/* Text (case as sent) of the query name from wire offset `off` on. */
static void wire_text_from(const struct qinfo *qi, size_t off, char *buf)
{
	uint8_t m[12 + 256] = { 0 };
	size_t o = 12;

	memcpy(m + 12, qi->wire + off, qi->wlen - off);
	if (dns_read_name(m, 12 + qi->wlen - off, &o, buf))
		strcpy(buf, "?");
}

static bool ends_with_name(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (!strcmp(suffix, "."))
		return true;
	return s <= n && !strcasecmp(name + n - s, suffix) && (s == n || name[n - s - 1] == '.');
}

static void check_headers(struct ck *c, const uint8_t *in, const struct frame_info *fi)
{
	size_t u = fi->udp, ulen;
	uint8_t pseudo[40] = { 0 };
	uint32_t sum;

	if (out_len < u + 8 + 12) {
		viol(c, "[inv3] reply frame of %u bytes cannot hold a DNS header", out_len);
		return;
	}
	if (memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6))
		viol(c, "[inv3] MAC addresses not swapped");
	if (out[12] != in[12] || out[13] != in[13])
		viol(c, "[inv3] ethertype changed");
	ulen = out[u + 4] << 8 | out[u + 5];
	if (ulen != out_len - u)
		viol(c, "[inv3] UDP length %zu, frame carries %zu", ulen, out_len - u);
	if (memcmp(out + u, in + u + 2, 2) || memcmp(out + u + 2, in + u, 2))
		viol(c, "[inv3] UDP ports not swapped");
	if (!fi->v6) {
		if (out[14] != 0x45)
			viol(c, "[inv3] IPv4 version/ihl byte 0x%02x", out[14]);
		if ((uint32_t)(out[16] << 8 | out[17]) != out_len - 14)
			viol(c, "[inv3] IPv4 total length %u, frame carries %u",
			     out[16] << 8 | out[17], out_len - 14);
		if (out[23] != IPPROTO_UDP)
			viol(c, "[inv3] IPv4 protocol %u", out[23]);
		if ((out[20] << 8 | out[21]) & 0x3fff)
			viol(c, "[inv3] reply is a fragment");
		if (memcmp(out + 26, in + 30, 4) || memcmp(out + 30, in + 26, 4))
			viol(c, "[inv3] IPv4 addresses not swapped");
		if (csum_fold(csum_add(0, out + 14, 20)))
			viol(c, "[inv3] bad IPv4 header checksum");
		if (out[u + 6] | out[u + 7]) {
			memcpy(pseudo, out + 26, 8);
			pseudo[9] = IPPROTO_UDP;
			pseudo[10] = ulen >> 8;
			pseudo[11] = ulen;
			sum = csum_add(0, pseudo, 12);
			if (ulen <= out_len - u && csum_fold(csum_add(sum, out + u, ulen)))
				viol(c, "[inv3] bad IPv4 UDP checksum 0x%02x%02x", out[u + 6], out[u + 7]);
		}
	} else {
		if (out[14] >> 4 != 6)
			viol(c, "[inv3] IPv6 version %u", out[14] >> 4);
		if ((uint32_t)(out[18] << 8 | out[19]) != out_len - 54)
			viol(c, "[inv3] IPv6 payload length %u, frame carries %u",
			     out[18] << 8 | out[19], out_len - 54);
		if (out[20] != IPPROTO_UDP)
			viol(c, "[inv3] IPv6 next header %u", out[20]);
		if (memcmp(out + 22, in + 38, 16) || memcmp(out + 38, in + 22, 16))
			viol(c, "[inv3] IPv6 addresses not swapped");
		memcpy(pseudo, out + 22, 32);
		pseudo[34] = ulen >> 8;
		pseudo[35] = ulen;
		pseudo[39] = IPPROTO_UDP;
		sum = csum_add(0, pseudo, 40);
		if (!(out[u + 6] | out[u + 7]))
			viol(c, "[inv3] IPv6 UDP checksum is zero");
		else if (ulen <= out_len - u && csum_fold(csum_add(sum, out + u, ulen)))
			viol(c, "[inv3] bad IPv6 UDP checksum 0x%02x%02x (%zu-byte message)",
			     out[u + 6], out[u + 7], ulen - 8);
	}
}

#ifdef HAVE_LDNS
static void check_ldns(struct ck *c, const uint8_t *r, size_t rlen, const struct dns_reply *rep)
{
	ldns_pkt *p = NULL;
	ldns_status s = ldns_wire2pkt(&p, r, rlen);
	size_t i;

	if (s != LDNS_STATUS_OK) {
		viol(c, "[inv3] ldns_wire2pkt: %s", ldns_get_errorstr_by_id(s));
		return;
	}
	if (ldns_pkt_id(p) != rep->id || !ldns_pkt_qr(p) || ldns_pkt_get_opcode(p) != rep->opcode ||
	    ldns_pkt_get_rcode(p) != (rep->rcode & 15) || ldns_pkt_qdcount(p) != rep->qd ||
	    ldns_pkt_ancount(p) != rep->an || ldns_pkt_nscount(p) != rep->ns ||
	    ldns_pkt_aa(p) != rep->aa || ldns_pkt_tc(p) != rep->tc || ldns_pkt_rd(p) != rep->rd ||
	    ldns_pkt_ra(p) || ldns_pkt_ad(p) || ldns_pkt_cd(p))
		viol(c, "[inv3] ldns reads the header differently (id %u rcode %u qd %u an %u ns %u)",
		     ldns_pkt_id(p), ldns_pkt_get_rcode(p), ldns_pkt_qdcount(p),
		     ldns_pkt_ancount(p), ldns_pkt_nscount(p));
	if (ldns_pkt_edns(p) != (bool)rep->has_opt)
		viol(c, "[inv3] ldns: EDNS %d, dnsgen: %d", ldns_pkt_edns(p), rep->has_opt);
	else if (rep->has_opt && (ldns_pkt_edns_udp_size(p) != rep->opt_size ||
				  ldns_pkt_edns_extended_rcode(p) != rep->rcode >> 4 ||
				  ldns_pkt_edns_version(p) != rep->opt_version ||
				  ldns_pkt_edns_do(p) != (bool)rep->opt_do))
		viol(c, "[inv3] ldns reads the OPT record differently");
	for (i = 0; i < rep->an && i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		ldns_rdf *rd = ldns_rr_rdf(rr, 0);

		if (ldns_rr_get_type(rr) != rep->answer[i].type ||
		    ldns_rr_ttl(rr) != rep->answer[i].ttl)
			viol(c, "[inv3] ldns reads answer %zu differently", i);
		else if ((rep->answer[i].type == 1 || rep->answer[i].type == 28) &&
			 (!rd || ldns_rdf_size(rd) != rep->answer[i].rdlen ||
			  memcmp(ldns_rdf_data(rd), rep->answer[i].rdata, rep->answer[i].rdlen)))
			viol(c, "[inv3] ldns reads answer %zu's address differently", i);
	}
	ldns_pkt_free(p);
}
#endif

/* The message of a reply against the query ([inv3]); false when unparsable. */
static bool check_dns(struct ck *c, const struct frame_info *fi, const struct qinfo *qi,
		      const uint8_t *r, size_t rlen, struct dns_reply *rep)
{
	size_t limit = 512;
	unsigned rcode;
	int i;

	if (dns_parse_reply(r, rlen, rep)) {
		viol(c, "[inv3] reply does not parse strictly (dnsgen.h)");
		return false;
	}
#ifdef HAVE_LDNS
	check_ldns(c, r, rlen, rep);
#endif
	rcode = rep->rcode;
	if (!rep->qr)
		viol(c, "[inv3] QR=0 in the reply");
	if (rep->id != qi->id)
		viol(c, "[inv3] ID 0x%04x, query had 0x%04x", rep->id, qi->id);
	if (rep->opcode != qi->opcode)
		viol(c, "[inv3] opcode %u, query had %u", rep->opcode, qi->opcode);
	if (rep->z || rep->ra || rep->ad || rep->cd)
		viol(c, "[inv3] Z=%u RA=%u AD=%u CD=%u in the reply", rep->z, rep->ra, rep->ad, rep->cd);
	if (rcode != 4 && rep->rd != qi->rd)
		viol(c, "[inv3] RD=%u, query had RD=%u", rep->rd, qi->rd);
	if (rep->qd == 1) {
		if (12 + rep->qlen > fi->mlen)
			viol(c, "[inv3] the echoed question (%zu bytes) runs past the %zu-byte query",
			     rep->qlen, fi->mlen);
		else if (memcmp(r + 12, fi->msg + 12, rep->qlen))
			viol(c, "[inv3] question differs from the query's first question");
		if (!qi->qd)
			viol(c, "[inv3] question echoed for a query with QDCOUNT=0");
	} else if (rcode != 1) {
		viol(c, "[inv3] no question in a reply with rcode %u", rcode);
	}
	if (qi->opt_expect == 1 && rep->has_opt)
		limit = qi->udp < 512 ? 512 : qi->udp > 1232 ? 1232 : qi->udp;
	if (rlen > limit)
		viol(c, "[inv3] %zu-byte reply over the %zu-byte limit", rlen, limit);
	if (qi->opt_expect == 1 && !rep->has_opt)
		viol(c, "[inv3] query had an OPT record, the reply has none");
	if (qi->opt_expect == 0 && rep->has_opt)
		viol(c, "[inv3] OPT in the reply to a query without one");
	if (rep->has_opt) {
		if (rep->opt_size != ENF_DNS_EDNS_SIZE || rep->opt_version || rep->opt_flags_rest ||
		    rep->opt_rdlen)
			viol(c, "[inv3] OPT size %u version %u flags 0x%x rdlen %u", rep->opt_size,
			     rep->opt_version, rep->opt_flags_rest, rep->opt_rdlen);
		if (qi->opt_expect == 1 && rep->opt_do != qi->do_bit)
			viol(c, "[inv3] DO=%d, query had DO=%d", rep->opt_do, qi->do_bit);
	}
	/* checklist 22: EDNS version > 0 is BADVERS (or FORMERR for a bad OPT) */
	if (qi->opt_expect == 1 && qi->ever && rcode != 16 && rcode != 1)
		viol(c, "[inv3] EDNS version %u answered with rcode %u, not BADVERS", qi->ever, rcode);
	if (rcode == 16 && !(qi->opt_expect == 1 && qi->ever))
		viol(c, "[inv3] BADVERS to a query with EDNS version 0 or no OPT");
	switch (rcode) {
	case 0:
		if (!rep->aa)
			viol(c, "[inv3] AA=0 on NOERROR");
		if (!rep->an && !rep->tc && (rep->ns != 1 || rep->authority[0].type != 6))
			viol(c, "[inv3] NODATA without the SOA in authority");
		if (rep->an && rep->ns)
			viol(c, "[inv3] answer with %u authority records", rep->ns);
		break;
	case 3:
		if (!rep->aa || rep->an || rep->ns != 1 || rep->authority[0].type != 6)
			viol(c, "[inv3] NXDOMAIN with AA=%u AN=%u NS=%u", rep->aa, rep->an, rep->ns);
		break;
	case 1: case 4: case 5: case 16:
		if (rep->an || rep->ns)
			viol(c, "[inv3] rcode %u with AN=%u NS=%u", rcode, rep->an, rep->ns);
		if (rcode != 1 && rep->aa)
			viol(c, "[inv3] AA=1 on rcode %u", rcode);
		if (rcode == 16 && !rep->has_opt)
			viol(c, "[inv3] BADVERS without OPT");
		break;
	default:
		viol(c, "[inv3] unexpected rcode %u", rcode);
	}
	if (rep->tc && rcode)
		viol(c, "[inv3] TC with rcode %u", rcode);
	for (i = 0; i < rep->an; i++) {
		const struct dns_rr *a = &rep->answer[i];

		if (qi->text_ok && strcmp(a->owner, qi->text))
			viol(c, "[inv3] answer owner %s, question %s", a->owner, qi->text);
		if (a->klass != 1)
			viol(c, "[inv3] answer class %u", a->klass);
		if (qi->qtype != 255 && a->type != qi->qtype)
			viol(c, "[inv3] answer type %u to qtype %u", a->type, qi->qtype);
		if (qi->qtype == 255 && a->type != rep->answer[0].type)
			viol(c, "[inv3] ANY answered with several RRsets");
		if (a->type == 2 && !(!strncasecmp(a->target, "ns.", 3) &&
				      !strcasecmp(a->target + 3, a->owner)))
			viol(c, "[inv3] NS target %s at %s", a->target, a->owner);
	}
	for (i = 0; i < rep->an + rep->ns && i < 44; i++) {
		const struct dns_rr *s = i < rep->an ? &rep->answer[i] : &rep->authority[i - rep->an];

		if (s->type != 6)
			continue;
		if (strncasecmp(s->target, "ns.", 3) || strcasecmp(s->target + 3, s->owner) ||
		    strncasecmp(s->rname, "hostmaster.", 11) || strcasecmp(s->rname + 11, s->owner))
			viol(c, "[inv3] SOA %s mname %s rname %s", s->owner, s->target, s->rname);
		if (qi->text_ok && !ends_with_name(qi->text, s->owner))
			viol(c, "[inv3] SOA owner %s is not a suffix of %s", s->owner, qi->text);
	}
	return true;
}

/* [inv4], [inv5]: what a source may learn. */
static void check_policy(struct ck *c, enum grp g, const struct qinfo *qi,
			 const struct dns_reply *rep)
{
	char txt[64];
	int i;

	if (g == G_PUBLIC) {
		if ((rep->rcode != 1 && rep->rcode != 4 && rep->rcode != 5 && rep->rcode != 16) ||
		    rep->an || rep->ns)
			viol(c, "[inv4] public source got rcode %u with AN=%u NS=%u", rep->rcode,
			     rep->an, rep->ns);
	}
	for (i = 0; i < rep->an; i++) {
		const struct dns_rr *a = &rep->answer[i];
		int net = N_NONE;

		if (a->type == 1 && a->rdlen == 4) {
			net = addr_net(a->rdata, 0);
			inet_ntop(AF_INET, a->rdata, txt, sizeof(txt));
		} else if (a->type == 28 && a->rdlen == 16) {
			net = addr_net(a->rdata, 1);
			inet_ntop(AF_INET6, a->rdata, txt, sizeof(txt));
		} else if (a->type == 33) {
			net = port_net(a->srv_port);
			snprintf(txt, sizeof(txt), "SRV port %u", a->srv_port);
		} else {
			continue;
		}
		if (net == N_NONE)
			viol(c, "[inv5] %s is in no network of the manifest", txt);
		else if (!grp_may_see(g, net))
			viol(c, "[inv5] %s source got %s of network %s", grp_name[g], txt,
			     net_name[net]);
	}
	if (rep->rcode == 0 && g != G_PUBLIC) {
		if (!qi->name_ok)
			viol(c, "[inv5] NOERROR for a QNAME that does not parse");
		else if (!model_find(qi->wire, qi->wlen, g))
			viol(c, "[inv5] NOERROR for %s, which the %s source cannot see", qi->text,
			     grp_name[g]);
	}
}

/* [model]: the whole answer to a well-formed query (valid generator). */
static void check_model(struct ck *c, enum grp g, const struct qspec *q, const struct qinfo *qi,
			size_t mlen, int ret, const struct dns_reply *rep, bool parsed)
{
	const struct zone_apex *za = NULL;
	const struct zone_name *e = NULL;
	size_t apex_off = 0;
	int want_rcode, want_aa = 0, want_an = 0, want_ns = 0, type = 0, rec = 0, i, j;
	unsigned nrec = 0;
	char apex_text[300], want[600];

	if ((q->f1 & 0x80) || mlen > ENF_DNS_MAX_MSG || !qi->name_ok)
		za = NULL;
	else
		za = model_zone(qi->wire, qi->wlen, &apex_off);
	if (!za) {
		if (ret != TC_ACT_OK)
			viol(c, "[model] %s must pass (outside the zones, QR=1 or > 1232 bytes), got verdict %d",
			     qi->name_ok ? qi->text : "?", ret);
		return;
	}
	if (ret != TC_ACT_REDIRECT) {
		viol(c, "[model] %s is in zone %s: expected an answer, got verdict %d", qi->text,
		     dns_wire_to_text(za->wire, apex_text, sizeof(apex_text)), ret);
		return;
	}
	if (!parsed)
		return;
	wire_text_from(qi, apex_off, apex_text);
	if (qi->opcode) {
		want_rcode = 4;
	} else if (q->edns && q->ever) {
		want_rcode = 16;
	} else if (g == G_PUBLIC || q->qclass != 1) {
		want_rcode = 5;
	} else if (q->qtype == 251 || q->qtype == 252) {
		want_rcode = 4;
	} else if (!(e = model_find(qi->wire, qi->wlen, g))) {
		want_rcode = 3;
		want_aa = 1;
		want_ns = 1;
	} else {
		int apex = e->val.flags & ENF_DNS_NAME_APEX;

		want_rcode = 0;
		want_aa = 1;
		type = q->qtype;
		if (type == 255)	/* RFC 8482: one RRset */
			type = e->val.n_a ? 1 : e->val.n_aaaa ? 28 : e->val.n_srv ? 33 :
			       apex ? 6 : 255;
		if ((type == 1 && e->val.n_a) || (type == 28 && e->val.n_aaaa) ||
		    (type == 33 && e->val.n_srv && nlabels_of(qi->wire, qi->wlen) >= 3)) {
			rec = 1;
			nrec = type == 1 ? e->val.n_a : type == 28 ? e->val.n_aaaa : e->val.n_srv;
		} else if ((type == 6 || type == 2) && apex) {
			want_an = 1;
		} else {
			want_ns = 1;	/* NODATA */
		}
	}
	if (rep->rcode != (unsigned)want_rcode || rep->aa != want_aa) {
		viol(c, "[model] %s (qtype %u, class %u, %s source, %s %d options): rcode %u AA=%u, expected rcode %d AA=%d",
		     qi->text, q->qtype, q->qclass, grp_name[g], q->edns ? "EDNS" : "no EDNS",
		     q->nopts, rep->rcode, rep->aa, want_rcode, want_aa);
		return;
	}
	if (rep->qd != 1)
		viol(c, "[model] question not echoed");
	if (rec) {
		size_t L = 512, base = 12 + qi->wlen + 4;
		int tc;

		if (q->edns && q->esize > 512)
			L = q->esize < ENF_DNS_EDNS_SIZE ? q->esize : ENF_DNS_EDNS_SIZE;
		if (q->edns)
			L -= 11;
		/* A/AAAA sizes are fixed; an SRV target's encoding is the
		 * program's choice (pointer or full name), so only its reply
		 * size limit ([inv3]) and the counts below are checked */
		tc = type == 33 ? rep->tc : base + rrset_bytes(e, type) > L;
		if (rep->tc != tc)
			viol(c, "[model] TC=%u, expected %d (%u records of type %d, %zu-byte limit)",
			     rep->tc, tc, nrec, type, L);
		if ((!tc && rep->an != nrec) || (tc && rep->an >= nrec))
			viol(c, "[model] %u answers, the RRset has %u%s", rep->an, nrec,
			     tc ? " (truncated)" : "");
		for (i = 0; i < rep->an; i++) {
			const struct dns_rr *a = &rep->answer[i];

			if (a->type != type || !rr_in_rrset(a, e))
				viol(c, "[model] answer %d (type %u) is not in the RRset of %s", i,
				     a->type, qi->text);
			if (a->ttl != pl.c.zone.ttl)
				viol(c, "[model] answer TTL %u, zone TTL %u", a->ttl, pl.c.zone.ttl);
			for (j = 0; j < i; j++)
				if (a->rdlen == rep->answer[j].rdlen &&
				    !memcmp(a->rdata, rep->answer[j].rdata,
					    a->rdlen < 64 ? a->rdlen : 64))
					viol(c, "[model] answers %d and %d are the same record", j, i);
			if (a->type == 33 && qi->text_ok) {
				size_t o = qi->wire[0] + 1;
				char sfx[300];

				o += qi->wire[o] + 1;
				wire_text_from(qi, o, sfx);
				snprintf(want, sizeof(want), "%.*s.%s", a->rdata[6],
					 (const char *)a->rdata + 7, sfx);
				if (strcasecmp(a->target, want))
					viol(c, "[model] SRV target %s, expected %s", a->target, want);
			}
		}
		return;
	}
	if (rep->tc || rep->an != want_an || rep->ns != want_ns)
		viol(c, "[model] %s qtype %u: TC=%u AN=%u NS=%u, expected TC=0 AN=%d NS=%d", qi->text,
		     q->qtype, rep->tc, rep->an, rep->ns, want_an, want_ns);
	else if (want_an && rep->answer[0].type != (type == 2 ? 2 : 6))
		viol(c, "[model] apex answered with type %u", rep->answer[0].type);
	for (i = 0; i < rep->an + rep->ns && i < 5; i++) {
		const struct dns_rr *s = i < rep->an ? &rep->answer[i] : &rep->authority[i - rep->an];
		uint32_t ttl = pl.c.zone.ttl;

		if (i >= rep->an && za->val.minimum < ttl)
			ttl = za->val.minimum;
		if (s->type == 6 && qi->text_ok && strcasecmp(s->owner, apex_text))
			viol(c, "[model] SOA owner %s, zone apex %s", s->owner, apex_text);
		if (s->ttl != ttl)
			viol(c, "[model] TTL %u, expected %u", s->ttl, ttl);
	}
}

static enum outcome outcome_of(int ret, bool parsed, const struct dns_reply *rep)
{
	if (ret == TC_ACT_OK)
		return O_PASS;
	if (ret == TC_ACT_SHOT)
		return O_SHOT;
	if (ret != TC_ACT_REDIRECT || !parsed)
		return O_OTHER;
	if (rep->tc)
		return O_TC;
	switch (rep->rcode) {
	case 0: return rep->an ? O_ANSWER : O_NODATA;
	case 1: return O_FORMERR;
	case 3: return O_NXDOMAIN;
	case 4: return O_NOTIMP;
	case 5: return O_REFUSED;
	case 16: return O_BADVERS;
	}
	return O_OTHER;
}

static void report(struct fz *f, const struct ck *c, enum grp g, const uint8_t *in, size_t len,
		   int ret)
{
	f->failures++;
	case_failed = 1;
	printf("    FAIL %s: seed 0x%016llx iter %u, %s source, verdict %d\n      %s\n", f->name,
	       (unsigned long long)f->seed, f->iter, grp_name[g], ret, c->why);
	hexdump("in ", in, len);
	if (ret >= 0 && out_len)
		hexdump("out", out, out_len);
	if (f->failures >= (unsigned)max_fail) {
		printf("    (stopping %s after %u failures)\n", f->name, f->failures);
		f->stop = true;
	}
}

/* Checks the program's output (out/out_len) for input `in` against every
 * invariant; `mq` adds the [model] check. */
static enum outcome check_output(const uint8_t *in, size_t len, int ret, int err,
				 const struct qspec *mq, struct ck *cp, enum grp *gp)
{
	struct frame_info fi;
	struct qinfo qi;
	struct dns_reply rep;
	struct ck c = { .n = 0 };
	enum grp g = G_PUBLIC;
	enum outcome o = O_OTHER;
	bool parsed = false;

	frame_inspect(in, len, &fi);
	if (fi.msg)
		msg_inspect(fi.msg, fi.mlen, &qi);
	else
		memset(&qi, 0, sizeof(qi));
	if (len >= 34 && in[12] == 0x08 && in[13] == 0x00)
		g = grp_of(in + 26, 0);
	else if (len >= 54 && in[12] == 0x86 && in[13] == 0xdd)
		g = grp_of(in + 22, 1);
	if (ret < 0 && err == -EINVAL && len >= 14 &&
	    ((in[12] == 0x08 && in[13] == 0x00 && len < 34) ||
	     (in[12] == 0x86 && in[13] == 0xdd && len < 54))) {
		/* the kernel's test_run wants the whole IPv4/IPv6 header; the
		 * program never ran */
		o = O_REJECTED;
	} else if (ret < 0) {
		viol(&c, "[inv1] BPF_PROG_TEST_RUN failed: %s", strerror(-err));
	} else if (ret == TC_ACT_OK) {
		o = O_PASS;
		if (out_len != len || memcmp(out, in, len))
			viol(&c, "[inv2] TC_ACT_OK but the frame changed (%zu -> %u bytes)", len,
			     out_len);
	} else if (ret == TC_ACT_SHOT) {
		o = O_SHOT;
	} else if (ret != TC_ACT_REDIRECT) {
		viol(&c, "[inv1] verdict %d", ret);
	} else if (!fi.answerable) {
		viol(&c, "[cl28] answered a frame that must pass (%s)", fi.why_not);
	} else {
		check_headers(&c, in, &fi);
		if (out_len >= fi.dns + 12) {
			parsed = check_dns(&c, &fi, &qi, out + fi.dns, out_len - fi.dns, &rep);
			if (parsed)
				check_policy(&c, g, &qi, &rep);
		}
		o = outcome_of(ret, parsed, &rep);
	}
	if (mq && ret >= 0)
		check_model(&c, g, mq, &qi, fi.mlen, ret, &rep, parsed);
	*cp = c;
	*gp = g;
	return o;
}

/* enf_dns_stats, summed over CPUs, in one batch lookup (a snapshot per run
 * costs two system calls). Returns 0 or -errno. */
static int stats_snapshot(uint64_t *v)
{
	static uint64_t vals[ENF_DNS_REASON_MAX * 512];
	uint32_t keys[ENF_DNS_REASON_MAX], n = ENF_DNS_REASON_MAX, batch;

	if (ncpu <= 0 || ncpu > 512)
		return -ERANGE;
	/* an array's batch ends with ENOENT once it has returned every key */
	if (bpf_map_lookup_batch(st.dns_stats_fd, NULL, &batch, keys, vals, &n, NULL) &&
	    errno != ENOENT)
		return -errno;
	if (n != ENF_DNS_REASON_MAX)
		return -EIO;
	for (uint32_t i = 0; i < n; i++) {
		if (keys[i] >= ENF_DNS_REASON_MAX)
			return -EIO;
		v[keys[i]] = 0;
		for (int c = 0; c < ncpu; c++)
			v[keys[i]] += vals[(size_t)i * ncpu + c];
	}
	return 0;
}

/* [count]: the counters between two snapshots say the run was counted once,
 * under the reason its outcome names. */
static void check_counted(struct ck *c, const uint8_t *in, size_t len, enum outcome o,
			  const uint64_t *before, const uint64_t *after)
{
	static const int reason_of[O_N] = {
		[O_PASS] = ENF_DNS_PASS, [O_ANSWER] = ENF_DNS_ANSWER,
		[O_NODATA] = ENF_DNS_NODATA, [O_NXDOMAIN] = ENF_DNS_NXDOMAIN,
		[O_REFUSED] = ENF_DNS_REFUSED, [O_FORMERR] = ENF_DNS_FORMERR,
		[O_NOTIMP] = ENF_DNS_NOTIMP, [O_BADVERS] = ENF_DNS_BADVERS,
		[O_TC] = ENF_DNS_TRUNCATED, [O_SHOT] = ENF_DNS_ERROR,
		[O_REJECTED] = -1, [O_OTHER] = -1,
	};
	char got[256];
	uint64_t total = 0;
	size_t n = 0;
	int want = reason_of[o];
	int i;

	if (o == O_PASS) {
		struct frame_info fi;

		frame_inspect(in, len, &fi);
		if (!fi.answerable)
			want = ENF_DNS_NOT_QUERY;
	}
	got[0] = 0;
	for (i = 0; i < ENF_DNS_REASON_MAX; i++) {
		uint64_t d = after[i] - before[i];

		total += d;
		if (d && n < sizeof(got))
			n += snprintf(got + n, sizeof(got) - n, " %s+%llu", reason_name[i],
				      (unsigned long long)d);
	}
	if (o == O_REJECTED) {
		if (total)
			viol(c, "[count] the kernel rejected the frame, yet counted:%s", got);
		return;
	}
	if (total != 1 || (want >= 0 && after[want] - before[want] != 1))
		viol(c, "[count] a %s outcome counted:%s (want %s+1 and nothing else)",
		     outcome_name[o], total ? got : " nothing",
		     want >= 0 ? reason_name[want] : "one reason");
}

/* Runs one frame and checks every invariant; `mq` adds the [model] check. */
static enum outcome check_run(struct fz *f, const uint8_t *in, size_t len, const struct qspec *mq)
{
	static struct ck c;
	uint64_t before[ENF_DNS_REASON_MAX], after[ENF_DNS_REASON_MAX];
	int err, ret, snap;
	enum outcome o;
	enum grp g;

	snap = stats_snapshot(before);
	ret = run_prog(in, len, &err);
	if (!snap)
		snap = stats_snapshot(after);
	f->runs++;
	o = check_output(in, len, ret, err, mq, &c, &g);
	if (snap)
		viol(&c, "[count] cannot read enf_dns_stats: %s", strerror(-snap));
	else
		check_counted(&c, in, len, o, before, after);
	f->tally[o]++;
	if (c.bad)
		report(f, &c, g, in, len, ret);
	return o;
}

/* ---------------------------------------------------------------------- */
/* Setup                                                                   */

static bool setup(void)
{
	int err;
	size_t i;

	if (setup_done)
		return CHECK(setup_ok, "setup failed earlier");
	setup_done = true;
	state_init(&st);
	if (!CHECK_EQ(state_load(&st), 0))
		return false;
	loaded = true;
	ncpu = libbpf_num_possible_cpus();
	err = pipeline_compile_buf(manifest, strlen(manifest), "dnsfuzz.yml", &pl, stdout);
	if (!CHECK_EQ(err, 0))
		return false;
	comp_ok = true;
	if (!CHECK_EQ(pipeline_apply(&st, &pl, NULL, 0, NULL), 0))
		return false;

	/* The model's assumptions about views and networks. */
	for (i = 0; i < pl.c.zone.nnames; i++) {
		const struct zone_name *n = &pl.c.zone.names[i];
		uint32_t nw = n->val.network_id;

		if (!CHECK(n->key.view == 0 || n->key.view == N_SHOP || n->key.view == N_BLOG,
			   "name in view %u: not the model's", n->key.view))
			return false;
		if (!CHECK(nw == ENF_DNS_ANY_NETWORK || nw == N_RACK || nw == N_BATCH ||
			   nw == n->key.view, "network %u in view %u", nw, n->key.view))
			return false;
	}
	for (i = 0; i < C_N; i++) {
		cls_list[i] = calloc(pl.c.zone.nnames, sizeof(*cls_list[i]));
		if (!CHECK(cls_list[i] != NULL, "calloc"))
			return false;
	}
	for (i = 0; i < pl.c.zone.nnames; i++) {
		const struct zone_name *n = &pl.c.zone.names[i];
		bool apex = n->val.flags & ENF_DNS_NAME_APEX;

		cls_list[C_ALL][cls_n[C_ALL]++] = n;
		if (apex)
			cls_list[C_APEX][cls_n[C_APEX]++] = n;
		if (!apex && !n->val.rrset_id)
			cls_list[C_ENT][cls_n[C_ENT]++] = n;
		if (n->val.n_srv)
			cls_list[C_SRV][cls_n[C_SRV]++] = n;
		if (n->val.n_a > 1 || n->val.n_aaaa > 1)
			cls_list[C_MULTI][cls_n[C_MULTI]++] = n;
		if (n->val.n_aaaa)
			cls_list[C_AAAA][cls_n[C_AAAA]++] = n;
		if (n->key.view)
			cls_list[C_ISO][cls_n[C_ISO]++] = n;
		if (n->wire[0] == 2 && n->wire[1] == 'n' && n->wire[2] == 's')
			cls_list[C_NS][cls_n[C_NS]++] = n;
	}
	for (i = 0; i < C_N; i++)
		if (!CHECK(cls_n[i] > 0, "no name of class %zu in the fuzz manifest", i))
			return false;
	setup_ok = true;
	return true;
}

static void teardown(void)
{
	for (int i = 0; i < C_N; i++)
		free(cls_list[i]);
	if (comp_ok)
		pipeline_free(&pl);
	if (loaded)
		state_close(&st);
}

/* ---------------------------------------------------------------------- */
/* Generators                                                              */

static const uint8_t *pick_apex(struct rng *r, size_t *len)
{
	const struct zone_apex *za = &pl.c.zone.zones[rn(r, pl.c.zone.nzones)];

	*len = za->key.wire_len;
	return za->wire;
}

static size_t rand_label(struct rng *r, uint8_t *w, unsigned maxlen)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
	unsigned l = 1 + rn(r, maxlen);

	w[0] = l;
	for (unsigned i = 1; i <= l; i++)
		w[i] = chance(r, 3) ? (uint8_t)r32(r) : (uint8_t)alpha[rn(r, sizeof(alpha) - 1)];
	return l + 1;
}

/* A name, mostly from the zones; wire form into q->name. */
static void random_name(struct rng *r, struct qspec *q, bool inzone)
{
	uint8_t *w = q->name;
	const struct zone_name *e;
	const uint8_t *ap;
	size_t len = 0, alen;
	unsigned k = rn(r, 100), c;

	if (inzone && k >= 78 && k < 88)
		k = rn(r, 78);
	if (k < 60) {
		c = chance(r, 50) ? C_ALL : 1 + rn(r, C_N - 1);
		e = cls_list[c][rn(r, cls_n[c])];
		memcpy(w, e->wire, e->key.wire_len);
		len = e->key.wire_len;
	} else if (k < 70) {
		e = cls_list[C_ALL][rn(r, cls_n[C_ALL])];
		len = rand_label(r, w, e->key.wire_len + 12 <= 255 ? 10 : 1);
		if (len + e->key.wire_len > 255)
			len = 0;
		memcpy(w + len, e->wire, e->key.wire_len);
		len += e->key.wire_len;
	} else if (k < 78) {
		ap = pick_apex(r, &alen);
		for (unsigned n = 1 + rn(r, 3); n && len + alen + 12 <= 255; n--)
			len += rand_label(r, w + len, 10);
		memcpy(w + len, ap, alen);
		len += alen;
	} else if (k < 88) {
		static const char *const outside[] = {
			"example.com", "internal.example", "corp", "svc", "com", "localhost",
			"internal.", "xinternal", "internals", "in-addr.arpa", "local", "ns",
		};
		if (chance(r, 70)) {
			len = dns_wire(outside[rn(r, ARRAY_SIZE(outside))], w);
		} else {
			for (unsigned n = 1 + rn(r, 4); n; n--)
				len += rand_label(r, w + len, 20);
			w[len++] = 0;
		}
	} else if (k < 94) {
		/* a data name with one odd byte: non-ASCII, '.', NUL, 0x40+ letters */
		static const uint8_t odd[] = { 0x00, '.', 0xc5, 0xe5, 0x80, 0xff, '@', '[', '`', '{',
					       0x7f, ' ', '\\' };
		e = cls_list[C_ALL][rn(r, cls_n[C_ALL])];
		memcpy(w, e->wire, e->key.wire_len);
		len = e->key.wire_len;
		w[1 + rn(r, w[0])] = odd[rn(r, sizeof(odd))];
	} else {
		/* long names in a zone: labels in front of an apex up to 255 bytes */
		unsigned target = 200 + rn(r, 56);

		ap = pick_apex(r, &alen);
		while (len + alen < target) {
			unsigned room = target - len - alen, l;

			if (room < 2)
				break;
			l = chance(r, 30) ? 1 : 1 + rn(r, 63);
			if (l > room - 1)
				l = room - 1;
			w[len] = l;
			for (unsigned i = 1; i <= l; i++)
				w[len + i] = 'a' + rn(r, 26);
			len += l + 1;
		}
		memcpy(w + len, ap, alen);
		len += alen;
	}
	q->nlen = len;
	/* 0x20 case */
	k = rn(r, 10);
	if (k < 4) {
		for (size_t o = 0; o < len && w[o]; o += w[o] + 1)
			for (size_t i = o + 1; i <= o + w[o] && i < len; i++) {
				uint8_t ch = w[i];

				if (((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') && (k == 0 || chance(r, 50)))
					w[i] = ch ^ 0x20;
			}
	}
}

static const uint16_t sizes[] = { 0, 1, 100, 511, 512, 513, 1000, 1100, 1220, 1231, 1232,
				  1233, 1400, 4096, 65535 };

static void random_opts(struct rng *r, struct qspec *q)
{
	static const uint16_t codes[] = { 3, 8, 9, 10, 12, 15, 5, 65001, 0, 65535 };
	unsigned k = rn(r, 1000);

	q->optlen = 0;
	q->nopts = 0;
	if (k < 700)
		return;
	if (k < 995) {
		for (unsigned n = 1 + rn(r, 6); n; n--) {
			uint16_t code = chance(r, 80) ? codes[rn(r, ARRAY_SIZE(codes))] : r32(r);
			unsigned l = code == 12 && chance(r, 50) ? rn(r, 400) : rn(r, 40);

			if (q->optlen + 4 + l > sizeof(q->opts))
				break;
			q->opts[q->optlen++] = code >> 8;
			q->opts[q->optlen++] = code;
			q->opts[q->optlen++] = l >> 8;
			q->opts[q->optlen++] = l;
			for (unsigned i = 0; i < l; i++)
				q->opts[q->optlen++] = r32(r);
			q->nopts++;
		}
		return;
	}
	/* many small options (the program walks at most so many) */
	for (unsigned n = 30 + rn(r, 70); n; n--) {
		q->opts[q->optlen++] = 0xfd;
		q->opts[q->optlen++] = 0xe9;
		q->opts[q->optlen++] = 0;
		q->opts[q->optlen++] = 0;
		q->nopts++;
	}
}

/* A well-formed query (one question, no AN/NS, zero or one valid OPT). */
static void random_query(struct rng *r, struct qspec *q, bool inzone)
{
	static const uint16_t qtypes[] = { 1, 1, 1, 1, 28, 28, 28, 33, 33, 33, 6, 2, 255, 255, 15,
					   16, 12, 5, 252, 251, 41, 0, 65535, 99, 64, 65 };
	static const uint16_t qclasses[] = { 3, 4, 255, 254, 0, 2, 65535 };

	memset(q, 0, offsetof(struct qspec, opts));
	random_name(r, q, inzone);
	q->id = r32(r);
	q->f1 = (chance(r, 2) ? 0x80 : 0) | (chance(r, 8) ? (1 + rn(r, 15)) << 3 : 0) |
		(r32(r) & 0x06) | (chance(r, 70) ? 1 : 0);
	q->f2 = chance(r, 50) ? 0 : r32(r);
	q->qd = 1;
	q->qtype = chance(r, 85) ? qtypes[rn(r, ARRAY_SIZE(qtypes))] : r32(r);
	q->qclass = chance(r, 85) ? 1 : chance(r, 80) ? qclasses[rn(r, ARRAY_SIZE(qclasses))] : r32(r);
	if (chance(r, 50)) {
		q->edns = 1;
		q->ar = 1;
		q->esize = chance(r, 80) ? sizes[rn(r, ARRAY_SIZE(sizes))] : r32(r);
		q->ever = chance(r, 92) ? 0 : 1 + rn(r, 255);
		q->erc = chance(r, 90) ? 0 : r32(r);
		q->eflags = (chance(r, 50) ? 0x8000 : 0) | (chance(r, 20) ? r32(r) & 0x7fff : 0);
		random_opts(r, q);
	}
}

static struct rng iter_rng(const struct fz *f, uint32_t iter)
{
	struct rng r = { f->seed ^ (iter * 0x9e3779b97f4a7c15ULL) };

	splitmix(&r.s);
	return r;
}

static uint64_t case_seed(unsigned n)
{
	uint64_t s = base_seed + n * 0x632be59bd9b4e019ULL;

	return splitmix(&s);
}

static void print_tally(const struct fz *f)
{
	char line[512];
	size_t n = 0;

	for (int o = 0; o < O_N; o++)
		if (f->tally[o])
			n += snprintf(line + n, sizeof(line) - n, "%s%s %lu", n ? ", " : "",
				      outcome_name[o], f->tally[o]);
	printf("    %s: %u runs (%s)\n", f->name, f->runs, line);
}

/* (a) valid queries over every name, checked against the model too */
static void gen_valid(struct fz *f, unsigned iters)
{
	static uint8_t msg[2048], pkt[FRAME_MAX];
	static struct qspec q;
	const struct zone_name *e;
	struct flow fl;
	int g;

	for (f->iter = 0; f->iter < iters && !f->stop; f->iter++) {
		struct rng rs = iter_rng(f, f->iter), *r = &rs;
		size_t mlen, plen;

		random_query(r, &q, false);
		/* often a source that sees the name, and a type it has */
		g = G_N;
		if (chance(r, 40)) {
			unsigned first = rn(r, G_N);

			for (unsigned i = 0; i < G_N && g == G_N; i++)
				if (model_find(q.name, q.nlen, (first + i) % G_N))
					g = (first + i) % G_N;
		}
		pick_flow(r, &fl, g);
		if (chance(r, 40) && (e = model_find(q.name, q.nlen, fl.g))) {
			uint16_t has[5];
			unsigned n = 0;

			if (e->val.n_a)
				has[n++] = 1;
			if (e->val.n_aaaa)
				has[n++] = 28;
			if (e->val.n_srv)
				has[n++] = 33;
			if (e->val.flags & ENF_DNS_NAME_APEX) {
				has[n++] = 6;
				has[n++] = 2;
			}
			if (n)
				q.qtype = has[rn(r, n)];
		}
		mlen = build_msg(&q, msg);
		plen = wrap(&fl, msg, mlen, pkt);
		check_run(f, pkt, plen, &q);
	}
}

/* Offsets of the QNAME's length bytes in a message built by build_msg. */
static size_t label_offsets(const struct qspec *q, size_t *offs, size_t max)
{
	size_t n = 0;

	for (size_t o = 0; o < q->nlen && q->name[o] && n < max; o += q->name[o] + 1)
		offs[n++] = 12 + o;
	return n;
}

static size_t insert_bytes(uint8_t *m, size_t len, size_t cap, size_t at, const uint8_t *b,
			   size_t n)
{
	if (at > len || len + n > cap)
		return len;
	memmove(m + at + n, m + at, len - at);
	memcpy(m + at, b, n);
	return len + n;
}

static size_t mutate_msg(struct rng *r, uint8_t *m, size_t len, size_t cap, const struct qspec *q)
{
	static const uint8_t interesting[] = { 0, 1, 0x3f, 0x40, 0x41, 0x7f, 0x80, 0xbf, 0xc0,
					       0xc1, 0xfe, 0xff, 63, 64, 12, 41 };
	size_t offs[128], nl = label_offsets(q, offs, 128);
	size_t qend = 12 + q->nlen, opt = qend + 4;
	unsigned nmut = 1 + (chance(r, 30) ? rn(r, 4) : 0);
	uint8_t buf[64];

	while (nmut--) {
		size_t pos = len ? rn(r, len) : 0, k;

		switch (rn(r, 15)) {
		case 0:	/* bit flip */
			if (len)
				m[pos] ^= 1 << rn(r, 8);
			break;
		case 1:	/* byte set */
			if (len)
				m[pos] = chance(r, 60) ? interesting[rn(r, sizeof(interesting))] : r32(r);
			break;
		case 2:	/* insert */
			k = 1 + rn(r, 16);
			for (size_t i = 0; i < k; i++)
				buf[i] = chance(r, 50) ? interesting[rn(r, sizeof(interesting))] : r32(r);
			len = insert_bytes(m, len, cap, rn(r, len + 1), buf, k);
			break;
		case 3:	/* delete */
			if (len) {
				k = 1 + rn(r, 16);
				if (pos + k > len)
					k = len - pos;
				memmove(m + pos, m + pos + k, len - pos - k);
				len -= k;
			}
			break;
		case 4:	/* truncate */
			len = rn(r, len + 1);
			break;
		case 5:	/* label length lie */
			if (nl) {
				size_t o = offs[rn(r, nl)];

				if (o < len)
					m[o] = chance(r, 50) ? (uint8_t)(m[o] + rn(r, 7) - 3) : (uint8_t)r32(r);
			}
			break;
		case 6:	/* OPT RDLENGTH lie */
			if (q->edns && opt + 11 <= len) {
				uint16_t rd = m[opt + 9] << 8 | m[opt + 10];

				rd = chance(r, 60) ? rd + (int)rn(r, 9) - 4 : (uint16_t)r32(r);
				m[opt + 9] = rd >> 8;
				m[opt + 10] = rd;
			}
			break;
		case 7:	/* option length lie */
			if (q->edns && q->optlen >= 4 && opt + 15 <= len) {
				size_t o = opt + 11;

				/* walk to a random option */
				for (k = rn(r, q->nopts); k && o + 4 <= len; k--)
					o += 4 + (m[o + 2] << 8 | m[o + 3]);
				if (o + 4 <= len) {
					uint16_t l = m[o + 2] << 8 | m[o + 3];

					l = chance(r, 60) ? l + (int)rn(r, 9) - 4 : (uint16_t)r32(r);
					m[o + 2] = l >> 8;
					m[o + 3] = l;
				}
			}
			break;
		case 8:	/* compression pointer anywhere, mostly inside the QNAME */
			if (len >= 2) {
				uint16_t to = chance(r, 30) ? 12 : chance(r, 30) ? pos : rn(r, len + 16);

				if (chance(r, 70) && nl)
					pos = offs[rn(r, nl)];
				else if (chance(r, 50))
					pos = 12 + rn(r, q->nlen + 1);
				if (pos + 1 < len) {
					m[pos] = 0xc0 | ((to >> 8) & 0x3f);
					m[pos + 1] = to;
				}
			}
			break;
		case 9:	/* label length 0x40..0xff (extended/reserved label types) */
			if (nl) {
				size_t o = offs[rn(r, nl)];

				if (o < len)
					m[o] = 0x40 + rn(r, 0xc0);
			}
			break;
		case 10: { /* section counts 0/1/2/65535/random */
			static const uint16_t cnt[] = { 0, 1, 2, 3, 65535, 256 };
			uint16_t v = chance(r, 80) ? cnt[rn(r, ARRAY_SIZE(cnt))] : r32(r);

			k = 4 + 2 * rn(r, 4);
			if (k + 1 < len) {
				m[k] = v >> 8;
				m[k + 1] = v;
			}
			break;
		}
		case 11: { /* append: a second OPT, a TSIG-like record, garbage */
			static const uint8_t opt2[] = { 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0 };
			static const uint8_t tsig[] = { 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4 };

			k = rn(r, 3);
			if (k == 0)
				len = insert_bytes(m, len, cap, len, opt2, sizeof(opt2));
			else if (k == 1)
				len = insert_bytes(m, len, cap, len, tsig, sizeof(tsig));
			else {
				k = 1 + rn(r, 32);
				for (size_t i = 0; i < k; i++)
					buf[i] = r32(r);
				len = insert_bytes(m, len, cap, len, buf, k);
			}
			if (len >= 12 && chance(r, 70) && m[11] < 255)
				m[11]++;
			break;
		}
		case 12: /* flags: QR, opcode, TC, ... */
			if (len >= 4)
				m[2 + rn(r, 2)] = r32(r);
			break;
		case 13: /* QTYPE/QCLASS */
			if (qend + 4 <= len) {
				static const uint16_t v[] = { 1, 28, 33, 6, 2, 255, 251, 252, 41, 0, 3, 4,
							      254, 65535 };
				uint16_t t = chance(r, 70) ? v[rn(r, ARRAY_SIZE(v))] : r32(r);

				k = qend + 2 * rn(r, 2);
				m[k] = t >> 8;
				m[k + 1] = t;
			}
			break;
		default: /* EDNS version / size / flags */
			if (q->edns && opt + 11 <= len)
				m[opt + 3 + rn(r, 6)] = chance(r, 50) ? interesting[rn(r, sizeof(interesting))] : r32(r);
			break;
		}
	}
	return len;
}

/* (b) mutations of valid queries, and every truncation of some */
static void gen_mutated(struct fz *f, unsigned iters, unsigned sweeps)
{
	static uint8_t msg[2048], pkt[FRAME_MAX];
	static struct qspec q;
	struct flow fl;

	for (f->iter = 0; f->iter < iters && !f->stop; f->iter++) {
		struct rng rs = iter_rng(f, f->iter), *r = &rs;
		size_t mlen, plen;

		pick_flow(r, &fl, chance(r, 15) ? G_PUBLIC : (int)rn(r, G_PUBLIC));
		random_query(r, &q, chance(r, 85));
		mlen = build_msg(&q, msg);
		mlen = mutate_msg(r, msg, mlen, 1400, &q);
		plen = wrap(&fl, msg, mlen, pkt);
		check_run(f, pkt, plen, NULL);
	}
	/* truncation at every offset of `sweeps` queries (iterations go on counting) */
	for (unsigned s = 0; s < sweeps && !f->stop; s++) {
		struct rng rs = iter_rng(f, iters + s), *r = &rs;
		size_t mlen;

		pick_flow(r, &fl, (int)rn(r, G_PUBLIC));
		random_query(r, &q, true);
		q.f1 &= 0x7f;
		mlen = build_msg(&q, msg);
		for (size_t cut = 0; cut < mlen && !f->stop; cut++) {
			f->iter = iters + s;
			check_run(f, pkt, wrap(&fl, msg, cut, pkt), NULL);
		}
	}
}

static void set16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static unsigned get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

/* (c) random messages, half of them with a query-like start */
static void gen_random(struct fz *f, unsigned iters)
{
	static uint8_t msg[2048], pkt[FRAME_MAX];
	static struct qspec q;
	struct flow fl;

	for (f->iter = 0; f->iter < iters && !f->stop; f->iter++) {
		struct rng rs = iter_rng(f, f->iter), *r = &rs;
		unsigned k = rn(r, 10);
		size_t mlen = k < 4 ? rn(r, 65) : k < 7 ? 64 + rn(r, 449) : 512 + rn(r, 789);

		pick_flow(r, &fl, G_N);
		for (size_t i = 0; i < mlen; i++)
			msg[i] = r32(r);
		if (chance(r, 50) && mlen >= 12) {
			size_t o;

			memset(&q, 0, offsetof(struct qspec, opts));
			random_name(r, &q, true);
			msg[2] &= chance(r, 90) ? chance(r, 70) ? 0x07 : 0x7f : 0xff;
			msg[4] = 0;
			msg[5] = chance(r, 80) ? 1 : r32(r);
			for (int i = 6; i < 12; i++)
				if (chance(r, 60))
					msg[i] = 0;
			o = 12 + q.nlen;
			if (o > mlen)
				mlen = o + rn(r, 16);
			memcpy(msg + 12, q.name, q.nlen);
			if (chance(r, 50) && o + 4 <= mlen) {
				msg[o] = 0;
				msg[o + 1] = 1 + rn(r, 40);
				msg[o + 2] = 0;
				msg[o + 3] = chance(r, 80) ? 1 : r32(r);
				/* then an OPT header over random options, as long as
				 * the message is */
				if (chance(r, 50) && o + 15 <= mlen) {
					msg[10] = 0;
					msg[11] = 1;
					msg[o + 4] = 0;
					msg[o + 5] = 0;
					msg[o + 6] = 41;
					msg[o + 10] = chance(r, 80) ? 0 : msg[o + 10];
					set16(msg + o + 13, mlen - (o + 15));
				}
			}
		}
		check_run(f, pkt, wrap(&fl, msg, mlen, pkt), NULL);
	}
}

/* (d) Ethernet/IP/UDP header mutations of valid in-zone queries */
static size_t mutate_headers(struct rng *r, uint8_t *p, size_t len, const struct flow *fl)
{
	size_t u = fl->v6 ? 54 : 34;
	uint8_t buf[64];
	unsigned k = rn(r, 15), v;

	switch (k) {
	case 0:	/* UDP length lie, sometimes with a matching IP length */
		v = get16(p + u + 4);
		v = chance(r, 50) ? v + (int)rn(r, 17) - 8 : chance(r, 50) ? (unsigned[]){ 0, 8, 0xffff }[rn(r, 3)] : r32(r);
		set16(p + u + 4, v & 0xffff);
		if (chance(r, 30))
			set16(p + (fl->v6 ? 18 : 16), ((v & 0xffff) + (fl->v6 ? 0 : 20)) & 0xffff);
		break;
	case 1:	/* IP length lie */
		v = get16(p + (fl->v6 ? 18 : 16));
		v = chance(r, 60) ? v + (int)rn(r, 17) - 8 : r32(r);
		set16(p + (fl->v6 ? 18 : 16), v & 0xffff);
		break;
	case 2:	/* IPv4 options / IPv6 extension header, lengths kept consistent */
		if (!fl->v6) {
			unsigned ihl = 6 + rn(r, 10), n = (ihl - 5) * 4;

			for (unsigned i = 0; i < n; i++)
				buf[i] = chance(r, 50) ? 1 : r32(r);	/* NOPs or junk */
			len = insert_bytes(p, len, FRAME_MAX, 34, buf, n);
			p[14] = 0x40 | ihl;
			set16(p + 16, get16(p + 16) + n);
		} else {
			static const uint8_t nh[] = { 0, 43, 60, 44, 51, 135 };

			memset(buf, 0, 8);
			buf[0] = IPPROTO_UDP;
			if (chance(r, 30))
				for (int i = 2; i < 8; i++)
					buf[i] = r32(r);
			len = insert_bytes(p, len, FRAME_MAX, 54, buf, 8);
			p[20] = nh[rn(r, sizeof(nh))];
			set16(p + 18, get16(p + 18) + 8);
		}
		break;
	case 3:	/* ihl / next header lie without the bytes */
		if (!fl->v6)
			p[14] = 0x40 | ((5 + 1 + rn(r, 15)) & 15);
		else
			p[20] = (uint8_t[]){ 0, 43, 44, 60, 6, 58, 59 }[rn(r, 7)];
		break;
	case 4:	/* fragments */
		if (!fl->v6) {
			static const unsigned fo[] = { 0x2000, 0x0001, 0x1fff, 0x2001, 0x4000, 0x8000,
						       0x6000 };
			set16(p + 20, chance(r, 80) ? fo[rn(r, ARRAY_SIZE(fo))] : r32(r) & 0xffff);
		} else {
			memset(buf, 0, 8);
			buf[0] = IPPROTO_UDP;
			set16(buf + 2, chance(r, 50) ? 1 : rn(r, 0x10000));	/* M / offset */
			len = insert_bytes(p, len, FRAME_MAX, 54, buf, 8);
			p[20] = 44;
			set16(p + 18, get16(p + 18) + 8);
		}
		break;
	case 5:	/* ports */
		switch (rn(r, 4)) {
		case 0: set16(p + u + 2, 5353); break;
		case 1: set16(p + u + 2, 1 + rn(r, 65535)); break;
		case 2: set16(p + u, 0); break;
		default: set16(p + u, 53); break;	/* may be answered */
		}
		break;
	case 6:	/* destination */
		if (!fl->v6) {
			static const uint8_t d[][4] = { { 10, 96, 0, 11 }, { 10, 96, 0, 20 },
							{ 255, 255, 255, 255 }, { 224, 0, 0, 251 },
							{ 10, 0, 5, 5 } };
			memcpy(p + 30, d[rn(r, ARRAY_SIZE(d))], 4);
		} else {
			p[53] ^= 1 + rn(r, 255);
			if (chance(r, 30)) {
				static const uint8_t mdns[16] = { 0xff, 2, [15] = 0xfb };

				memcpy(p + 38, mdns, 16);
			}
		}
		break;
	case 7:	/* VLAN / QinQ tag */
		buf[0] = chance(r, 70) ? 0x81 : 0x88;
		buf[1] = buf[0] == 0x81 ? 0x00 : 0xa8;
		buf[2] = r32(r);
		buf[3] = r32(r);
		len = insert_bytes(p, len, FRAME_MAX, 12, buf, 4);
		break;
	case 8:	/* another ethertype */
		set16(p + 12, (unsigned[]){ 0x0806, 0x8847, 0x88cc, 0x0000, 0xffff, 0x86dc, 0x0801 }[rn(r, 7)]);
		break;
	case 9:	/* Ethernet padding after the datagram */
		v = 1 + rn(r, 46);
		for (unsigned i = 0; i < v; i++)
			buf[i] = chance(r, 50) ? 0 : r32(r);
		len = insert_bytes(p, len, FRAME_MAX, len, buf, v);
		break;
	case 10: /* IP version */
		p[14] = (p[14] & 0x0f) | ((uint8_t[]){ 0, 4, 6, 5, 15 }[rn(r, 5)] << 4);
		break;
	case 11: /* transport protocol */
		if (!fl->v6)
			p[23] = (uint8_t[]){ 6, 1, 136, 0, 255 }[rn(r, 5)];
		else
			p[20] = (uint8_t[]){ 6, 58, 136, 255 }[rn(r, 4)];
		break;
	case 12: /* frame cut inside the headers */
		len = 14 + rn(r, u + 8 + 12 - 14);
		break;
	case 13: /* harmless: TOS/ID/TTL/DF/checksum, traffic class/flow label/hop limit */
		if (!fl->v6) {
			p[15] = r32(r);
			set16(p + 18, r32(r));
			p[20] = chance(r, 50) ? 0x40 : 0;
			p[22] = r32(r);
			set16(p + 24, r32(r));
		} else {
			p[14] = 0x60 | (r32(r) & 0x0f);
			p[15] = r32(r);
			set16(p + 16, r32(r));
			p[21] = r32(r);
		}
		break;
	default: /* the other family's ethertype */
		set16(p + 12, fl->v6 ? 0x0800 : 0x86dd);
		break;
	}
	return len;
}

static void gen_headers(struct fz *f, unsigned iters)
{
	static uint8_t msg[2048], pkt[FRAME_MAX];
	static struct qspec q;
	struct flow fl;

	for (f->iter = 0; f->iter < iters && !f->stop; f->iter++) {
		struct rng rs = iter_rng(f, f->iter), *r = &rs;
		size_t plen;

		pick_flow(r, &fl, (int)rn(r, G_N));
		random_query(r, &q, true);
		q.f1 &= 0x7f;
		plen = wrap(&fl, msg, build_msg(&q, msg), pkt);
		plen = mutate_headers(r, pkt, plen, &fl);
		if (chance(r, 20))
			plen = mutate_headers(r, pkt, plen, &fl);
		check_run(f, pkt, plen, NULL);
	}
}

/* ---------------------------------------------------------------------- */
/* Cases                                                                   */

static void run_gen(struct fz *f, unsigned n, void (*gen)(struct fz *, unsigned), bool ab)
{
	uint64_t before[ENF_DNS_REASON_MAX], after[ENF_DNS_REASON_MAX];

	state_dns_stats(&st, before);
	gen(f, n);
	state_dns_stats(&st, after);
	if (ab) {
		for (int i = 0; i < ENF_DNS_REASON_MAX; i++)
			stats_ab[i] += after[i] - before[i];
		for (int o = 0; o < O_N; o++)
			tally_ab[o] += f->tally[o];
	}
}

static unsigned sweeps_n;

static void gen_mutated_all(struct fz *f, unsigned n)
{
	gen_mutated(f, n, sweeps_n);
}

static void test_valid_queries_keep_invariants(void)
{
	struct fz f = { .name = "valid_queries", .seed = case_seed(1) };

	if (!setup())
		return;
	run_gen(&f, scaled(60000), gen_valid, true);
	ran_valid = true;
	print_tally(&f);
}

static void test_mutated_queries_keep_invariants(void)
{
	struct fz f = { .name = "mutated_queries", .seed = case_seed(2) };

	if (!setup())
		return;
	sweeps_n = scaled(200);
	run_gen(&f, scaled(60000), gen_mutated_all, true);
	ran_mutated = true;
	print_tally(&f);
}

static void test_random_messages_keep_invariants(void)
{
	struct fz f = { .name = "random_messages", .seed = case_seed(3) };

	if (!setup())
		return;
	run_gen(&f, scaled(40000), gen_random, false);
	print_tally(&f);
}

static void test_header_mutations_keep_invariants(void)
{
	struct fz f = { .name = "header_mutations", .seed = case_seed(4) };

	if (!setup())
		return;
	run_gen(&f, scaled(40000), gen_headers, false);
	print_tally(&f);
}

/* The checks are not vacuous: real replies pass them, and each kind of
 * damage done to a real reply is caught by the invariant meant for it. */
static void fix_ipv4(void)
{
	out[24] = out[25] = 0;
	set16(out + 24, csum_fold(csum_add(0, out + 14, 20)));
}

static void test_oracle_catches_broken_replies(void)
{
	static uint8_t msg[2048], pkt[FRAME_MAX], good[FRAME_MAX];
	static struct qspec q;
	static struct ck c;
	static const struct {
		const char *what, *tag;
		int v6;
		int off;	/* from the DNS header; -1: special */
		uint8_t x;	/* XOR */
	} cases[] = {
		{ "QR cleared", "QR=0", 0, 2, 0x80 },
		{ "ID changed", "ID 0x", 0, 1, 0x01 },
		{ "Z set", "Z=1", 0, 3, 0x40 },
		{ "RA set", "RA=1", 0, 3, 0x80 },
		{ "question case changed", "question differs", 0, 13, 0x20 },
		{ "TC set on NOERROR data", "[model] TC", 0, 2, 0x02 },
		{ "IPv4 header checksum", "IPv4 header checksum", 0, -1, 0 },
		{ "IPv4 addresses", "addresses not swapped", 0, -2, 0 },
		{ "UDP ports", "ports not swapped", 0, -3, 0 },
		{ "shop address to a rack source", "[inv5]", 0, -4, 0 },
		{ "address outside the manifest", "in no network", 0, -5, 0 },
		{ "IPv6 UDP checksum", "IPv6 UDP checksum", 1, -6, 0 },
		{ "trailing byte", "does not parse", 0, -7, 0 },
		{ "frame changed on pass", "[inv2]", 0, -8, 0 },
		{ "OPT dropped", "has none", 0, -9, 0 },
		{ "data to a public source", "[inv4]", 0, -10, 0 },
	};
	struct flow fl;
	enum grp g;
	size_t plen, glen;
	int err, ret;

	if (!setup())
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct rng rs = { 42 }, *r = &rs;
		size_t d;

		pick_flow(r, &fl, G_RACK);
		while (fl.v6 != cases[i].v6)
			pick_flow(r, &fl, G_RACK);
		memset(&q, 0, offsetof(struct qspec, opts));
		q.nlen = dns_wire("web.myapp.internal", q.name);
		q.id = 0x4242;
		q.f1 = 1;
		q.qd = 1;
		q.qtype = fl.v6 ? 28 : 1;
		q.qclass = 1;
		if (cases[i].off == -9) {
			q.edns = 1;
			q.ar = 1;
			q.esize = 1232;
		}
		if (cases[i].off == -10)
			memcpy(fl.src, (uint8_t[]){ 203, 0, 113, 7 }, 4);
		if (cases[i].off == -8)
			q.nlen = dns_wire("example.com", q.name);
		plen = wrap(&fl, msg, build_msg(&q, msg), pkt);
		ret = run_prog(pkt, plen, &err);
		check_output(pkt, plen, ret, err, &q, &c, &g);
		if (!CHECK(!c.bad, "%s: the undamaged reply fails: %s", cases[i].what, c.why))
			continue;
		d = fl.v6 ? 62 : 42;
		glen = out_len;
		memcpy(good, out, glen);
		switch (cases[i].off) {
		case -1: out[24] ^= 0x10; break;
		case -2: out[29] ^= 1; fix_ipv4(); break;
		case -3: out[35] ^= 1; break;
		case -4: memcpy(out + out_len - 4, (uint8_t[]){ 10, 30, 1, 10 }, 4); break;
		case -5: memcpy(out + out_len - 4, (uint8_t[]){ 1, 2, 3, 4 }, 4); break;
		case -6: out[d + 1] ^= 1; break;
		case -7:
			out[out_len++] = 0;
			set16(out + 38, get16(out + 38) + 1);
			set16(out + 16, get16(out + 16) + 1);
			fix_ipv4();
			break;
		case -8: out[out_len - 1] ^= 1; break;
		case -9:
			out_len -= 11;
			out[d + 11] = 0;
			set16(out + 38, get16(out + 38) - 11);
			set16(out + 16, get16(out + 16) - 11);
			fix_ipv4();
			break;
		case -10:	/* REFUSED -> NOERROR with one A record */
			out[d + 3] = 0;
			out[d + 2] |= 0x04;
			out[d + 7] = 1;
			memcpy(out + out_len, (uint8_t[]){ 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 7, 0, 4,
							   10, 0, 1, 10 }, 16);
			out_len += 16;
			set16(out + 38, get16(out + 38) + 16);
			set16(out + 16, get16(out + 16) + 16);
			fix_ipv4();
			break;
		default: out[d + cases[i].off] ^= cases[i].x; break;
		}
		check_output(pkt, plen, ret, err, &q, &c, &g);
		CHECK(c.bad && strstr(c.why, cases[i].tag), "%s: not caught as \"%s\" (%s)",
		      cases[i].what, cases[i].tag, c.bad ? c.why : "no violation");
		if (test_verbose)
			printf("    %s -> %s\n", cases[i].what, c.why);
		memcpy(out, good, glen);
		out_len = glen;
	}
}

/* The manifest and generators reach every outcome: counted by reason in
 * enf_dns_stats and by the replies themselves. */
static void test_fuzz_reaches_every_outcome(void)
{
	static const enum outcome need[] = { O_ANSWER, O_NXDOMAIN, O_NODATA, O_REFUSED, O_FORMERR,
					     O_NOTIMP, O_BADVERS, O_TC, O_PASS };
	char line[512];
	size_t n = 0;
	unsigned i;

	if (!setup())
		return;
	if (!ran_valid) {
		struct fz f = { .name = "valid_queries(coverage)", .seed = case_seed(1) };

		run_gen(&f, scaled(4000), gen_valid, true);
	}
	if (!ran_mutated) {
		struct fz f = { .name = "mutated_queries(coverage)", .seed = case_seed(2) };

		sweeps_n = scaled(10);
		run_gen(&f, scaled(4000), gen_mutated_all, true);
	}
	for (i = 0; i < ENF_DNS_REASON_MAX; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s %llu", i ? ", " : "", reason_name[i],
			      (unsigned long long)stats_ab[i]);
	printf("    enf_dns_stats over valid+mutated: %s\n", line);
	for (i = 0; i < ARRAY_SIZE(need); i++)
		CHECK(tally_ab[need[i]] > 0, "no %s reply in the valid+mutated runs",
		      outcome_name[need[i]]);
	/* not ERROR (should never happen), nor STEERED: the fuzz sends UDP, and
	 * steering takes a listening socket in enf_dns_listen (dns_e2e) */
	for (i = 0; i < ENF_DNS_REASON_MAX; i++)
		CHECK(i == ENF_DNS_ERROR || i == ENF_DNS_STEERED || stats_ab[i] > 0,
		      "enf_dns_stats reason %s never counted", reason_name[i]);
	CHECK(stats_ab[ENF_DNS_STEERED] == 0, "enf_dns_stats counted %llu steered segments "
	      "without a stream server", (unsigned long long)stats_ab[ENF_DNS_STEERED]);
	CHECK(stats_ab[ENF_DNS_ERROR] == 0, "enf_dns_stats counted %llu errors",
	      (unsigned long long)stats_ab[ENF_DNS_ERROR]);
}

static const struct test_case tests[] = {
	TEST(oracle_catches_broken_replies),
	TEST(valid_queries_keep_invariants),
	TEST(mutated_queries_keep_invariants),
	TEST(fuzz_reaches_every_outcome),
	TEST(random_messages_keep_invariants),
	TEST(header_mutations_keep_invariants),
};

/* --replay HEX: run one frame (from a failure report) through every check. */
static int replay(const char *hex)
{
	static uint8_t pkt[FRAME_MAX];
	struct fz f = { .name = "replay" };
	size_t n = 0;
	enum outcome o;

	for (const char *p = hex; *p && n < sizeof(pkt);) {
		unsigned b;

		if (!isxdigit((unsigned char)p[0])) {
			p++;
			continue;
		}
		if (!isxdigit((unsigned char)p[1]) || sscanf(p, "%2x", &b) != 1)
			break;
		pkt[n++] = b;
		p += 2;
	}
	if (!setup()) {
		teardown();
		return 1;
	}
	o = check_run(&f, pkt, n, NULL);
	printf("verdict: %s, %s\n", outcome_name[o], f.failures ? "invariant violated" : "ok");
	if (out_len && !f.failures)
		hexdump("out", out, out_len);
	teardown();
	return f.failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed = base_seed;
	int rc;

	fuzz_env(&iter_factor, &seed, &max_fail);
	base_seed = seed;
	if (!test_have_root(ARRAY_SIZE(tests)))
		return 0;
	if (argc == 3 && !strcmp(argv[1], "--replay"))
		return replay(argv[2]);
	printf("# seed 0x%016llx, iterations x%g\n", (unsigned long long)base_seed, iter_factor);
	rc = run_tests(tests, ARRAY_SIZE(tests), argc, argv);
	teardown();
	return rc;
}
