// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Differential fuzz of the XDP enforcer: every generated frame is judged by
 * the reference model (selftests/model.c, written from contract section 4)
 * and by the program's trace twin (enf_xdp_trace, BPF_PROG_TEST_RUN), and
 * the two must agree on verdict, reason and service. A sample also goes
 * through the attached program itself (enf_xdp_ingress, whose interface
 * role is loopback's), whose verdict and reason (the enf_stats counter it
 * bumps) must agree too; those runs are the
 * ones with side effects (fragments remembered, flows refreshed or
 * closed), and the model applies the same ones. Flows are opened by running
 * egress frames through the TC egress program (enf_tc_egress) and the
 * model's egress side alike.
 *
 * The program is loaded once (loading takes seconds); each case applies
 * its manifest (loopback's role, mode, timeouts), empties enf_flows and
 * enf_frags and the model's tables. Cases are generator families: valid
 * packets over every source kind x destination kind x role, the uplink
 * role, flows and replies, ICMP errors, fragments, tunnels and NDP (the
 * "valid" families, which must produce every reason but pass_no_policy and
 * audit_pass), truncations at every offset, header mutations, random
 * frames, audit mode, and timeouts/expiry (with sleeps). Each prints its
 * packet counts and the reasons the program gave.
 *
 * A mismatch prints the frame as hex with both decisions and the model's
 * rule, is appended to a pcap file (classic format, LINKTYPE_ETHERNET;
 * $ENF_FUZZ_PCAP, default /tmp/difffuzz-mismatch.pcap, started afresh by
 * the first mismatch of a run), and fails the case; a case stops after
 * $ENF_FUZZ_MAXFAIL (10) mismatches.
 *
 * Environment: ENF_FUZZ_ITERS=F multiplies every iteration count (a
 * number, e.g. 40 or 0.1; on top of ENF_TEST_SCALE, test.h); ENF_FUZZ_SEED=N changes the base seed;
 * ENF_FUZZ_ACCEPT=all or a list of frontend-frags, v6-frag-proto,
 * public-port-egress, trace-own-role, frontend-flag-bit makes the model
 * follow the program where it departs from the contract (known bugs; see
 * model.h), to look past them.
 * `test_difffuzz --replay ROLE FRAME...` judges frames in order, printing
 * both decisions (see replay() for egress and attached-program frames).
 *
 * The model is compiled into this file (#include "model.c"): the Makefile
 * builds one source file per test binary.
 */
#include <ctype.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <sched.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps.h"
#include "pipeline.h"
#include "state.h"
#include "trace.h"
#include "test.h"

#include "model.c"

/* ---------------------------------------------------------------------- */
/* The manifest                                                            */

/* %1$s: expiry of 10.201.0.0/16 (rack-private for a while), %2$s: loopback's
 * role, %3$s: mode, %4$s: flows timeouts. */
static const char manifest_fmt[] =
	"rack: fuzz\n"
	"private:\n"
	"  - 10.0.0.0/16\n"
	"  - \"fd00:10::/48\"\n"
	"  - { cidr: 10.200.0.0/16, label: old-vpn, expires: \"2001-01-01\" }\n"
	"  - { cidr: 10.201.0.0/16, label: temp-vpn, expires: \"%1$s\" }\n"
	"  - 10.60.0.0/16\n"	/* no longer prefix inside: its /16 answers directly */
	"interfaces:\n"
	"  - { name: lo, role: %2$s }\n"
	"mode: %3$s\n"
	"flows: { %4$s }\n"
	"networks:\n"
	"  iso:\n"
	"    isolated: true\n"
	"    cidrs: [10.8.0.0/24, \"fd00:8::/64\"]\n"
	"    peers: [172.20.0.0/16, \"fd00:172::/48\"]\n"
	"  batch:\n"
	"    cidrs: [10.40.0.0/16, \"fd00:40::/48\"]\n"
	"apps:\n"
	"  shop:\n"
	"    services:\n"
	"      web: { port: 80, instances: [10.0.1.10, \"fd00:10::1:10\"] }\n"
	"      admin: { port: 4000, internal: true, instances: [10.0.2.10, \"fd00:10::2:10\"] }\n"
	"      worker: { instances: [10.0.3.10, \"fd00:10::3:10\"] }\n"
	"      api:\n"
	"        ports: [3000/tcp, 3001/udp, 3002/sctp]\n"
	"        internalAndExternal: true\n"
	"        vip: 10.96.0.20\n"
	"        frontends: [\"192.0.2.10:30080/tcp\", \"[2001:db8:f::10]:30080/tcp\"]\n"
	"        instances: [10.0.4.10, \"fd00:10::4:10\"]\n"
	"      hidden:\n"
	"        port: 5000\n"
	"        internal: true\n"
	"        frontends: [\"192.0.2.10:30090/tcp\", \"192.0.2.10:30091/udp\",\n"
	"                    \"[2001:db8:f::10]:30090/sctp\"]\n"
	"        instances: [10.0.5.10]\n"
	"      shared: { ports: [81, 3000/udp], instances: [10.0.1.10, \"fd00:10::1:10\"] }\n"
	"      outside: { port: 7000, instances: [10.50.0.10, \"fd00:50::10\"] }\n"
	"  vault:\n"
	"    network: iso\n"
	"    trusted: [198.51.100.0/24, \"2001:db8:1::/48\",\n"
	"              { cidr: 203.0.113.128/25, expires: \"2001-01-01\" }]\n"
	"    services:\n"
	"      ui:\n"
	"        port: 443\n"
	"        frontends: [\"192.0.2.11:443/tcp\"]\n"
	"        instances: [10.8.0.10, \"fd00:8::10\"]\n"
	"      db: { port: 5432, internal: true, vip: \"fd00:8::20\", instances: [10.8.0.20] }\n"
	"      edge:\n"
	"        ports: [8443/tcp, 8444/udp]\n"
	"        internal: true\n"
	"        frontends: [\"192.0.2.11:8443/tcp\"]\n"
	"        instances: [10.0.7.10]\n"
	"  legacy:\n"
	"    trusted: [{ cidr: 198.51.100.0/24, expires: \"2001-01-01\" }]\n"
	"    services:\n"
	"      site:\n"
	"        ports: [8080, 8081/udp]\n"
	"        frontends: [\"192.0.2.12:8080/tcp\", \"192.0.2.12:8081/udp\"]\n"
	"        instances: [10.0.6.10, \"fd00:10::6:10\"]\n"
	"  jobs:\n"
	"    network: batch\n"
	"    services:\n"
	"      run: { ports: [9000/udp], instances: [10.40.0.10, \"fd00:40::10\"] }\n"
	"      q: { port: 9100, internal: true, instances: [10.40.0.20, \"fd00:40::20\"] }\n";

static const char default_flows[] = "tcp: 3600, tcp_closing: 10, udp: 60, icmp: 30, fragments: 30";

/* ---------------------------------------------------------------------- */
/* Address pools                                                           */

enum src_kind {
	S_PUBLIC,	/* internet, incl. expired private / trusted ranges, v4-mapped */
	S_PRIVATE,	/* rack-private */
	S_MEMBER,	/* member of the isolated network iso */
	S_PEER,		/* iso's peers */
	S_TRUSTED,	/* vault's trusted ranges */
	S_BATCH,	/* member of batch (not isolated, not rack-private) */
	S_INSTANCE,	/* instance addresses */
	S_SERVICE,	/* VIPs and frontends as sources */
	S_KINDS,
};

enum dst_kind {
	D_INTERNAL,	/* internal instances */
	D_PUBLIC,	/* instances of public services */
	D_VIP,
	D_FRONTEND,
	D_NOT_OWNED,
	D_KINDS,
};

static const char *const src_v4[S_KINDS][6] = {
	[S_PUBLIC] = { "203.0.113.7", "192.0.2.99", "203.0.113.200", "10.200.1.1", "8.8.8.8" },
	[S_PRIVATE] = { "10.0.9.9", "10.0.200.1", "10.201.1.1", "10.0.7.11", "10.60.1.1" },
	[S_MEMBER] = { "10.8.0.99", "10.8.0.1" },
	[S_PEER] = { "172.20.1.1", "172.20.255.254" },
	[S_TRUSTED] = { "198.51.100.7", "198.51.100.250" },
	[S_BATCH] = { "10.40.1.1" },
	[S_INSTANCE] = { "10.0.1.10", "10.0.7.10", "10.50.0.10", "10.40.0.10", "10.8.0.20",
			 "10.0.6.10" },
	[S_SERVICE] = { "10.96.0.20", "192.0.2.10", "192.0.2.11" },
};

static const char *const src_v6[S_KINDS][6] = {
	[S_PUBLIC] = { "2001:db8::7", "2001:db8:2::5", "::ffff:10.0.9.9", "2001:db8:f::99" },
	[S_PRIVATE] = { "fd00:10::99", "fd00:10:0:1::5" },
	[S_MEMBER] = { "fd00:8::99" },
	[S_PEER] = { "fd00:172::1" },
	[S_TRUSTED] = { "2001:db8:1::5", "2001:db8:1:ffff::1" },
	[S_BATCH] = { "fd00:40::99" },
	[S_INSTANCE] = { "fd00:10::1:10", "fd00:50::10", "fd00:8::10", "fd00:40::20", "fd00:10::6:10" },
	[S_SERVICE] = { "fd00:8::20", "2001:db8:f::10" },
};

static const char *const dst_v4[D_KINDS][8] = {
	[D_INTERNAL] = { "10.0.2.10", "10.0.3.10", "10.8.0.20", "10.0.7.10", "10.40.0.20",
			 "10.0.5.10" },
	[D_PUBLIC] = { "10.0.1.10", "10.0.4.10", "10.8.0.10", "10.40.0.10", "10.50.0.10",
		       "10.0.6.10" },
	[D_VIP] = { "10.96.0.20" },
	[D_FRONTEND] = { "192.0.2.10", "192.0.2.11", "192.0.2.12" },
	[D_NOT_OWNED] = { "203.0.113.5", "10.0.9.1", "10.8.0.1", "192.0.2.13" },
};

static const char *const dst_v6[D_KINDS][8] = {
	[D_INTERNAL] = { "fd00:10::2:10", "fd00:10::3:10", "fd00:40::20" },
	[D_PUBLIC] = { "fd00:10::1:10", "fd00:10::4:10", "fd00:8::10", "fd00:50::10",
		       "fd00:40::10", "fd00:10::6:10" },
	[D_VIP] = { "fd00:8::20" },
	[D_FRONTEND] = { "2001:db8:f::10" },
	[D_NOT_OWNED] = { "2001:db8::5", "fd00:10::dead", "fe80::1" },
};

/* Declared ports and a few others. */
static const uint16_t hot_ports[] = {
	22, 53, 80, 81, 443, 3000, 3001, 3002, 4000, 5000, 5432, 7000, 8080, 8081,
	8443, 8444, 9000, 9100, 30080, 30090, 30091,
};

struct pool {
	struct enf_addr a[8];
	int n;
};

static struct pool srcs[S_KINDS][2], dsts[D_KINDS][2];

static void parse_addr(const char *s, struct enf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(s, ':')) {
		a->family = ENF_AF_INET6;
		inet_pton(AF_INET6, s, a->addr);
	} else {
		a->family = ENF_AF_INET;
		inet_pton(AF_INET, s, a->addr);
	}
}

static void init_pools(void)
{
	for (int k = 0; k < S_KINDS; k++)
		for (int i = 0; i < 6; i++) {
			if (src_v4[k][i])
				parse_addr(src_v4[k][i], &srcs[k][0].a[srcs[k][0].n++]);
			if (src_v6[k][i])
				parse_addr(src_v6[k][i], &srcs[k][1].a[srcs[k][1].n++]);
		}
	for (int k = 0; k < D_KINDS; k++)
		for (int i = 0; i < 8; i++) {
			if (dst_v4[k][i])
				parse_addr(dst_v4[k][i], &dsts[k][0].a[dsts[k][0].n++]);
			if (dst_v6[k][i])
				parse_addr(dst_v6[k][i], &dsts[k][1].a[dsts[k][1].n++]);
		}
}

/* ---------------------------------------------------------------------- */
/* Random numbers (splitmix64: fixed seeds, the same run every time)        */

static uint64_t base_seed = 0x5eed0fd1ffULL;
static double iter_factor = 1.0;
static int max_fail = 10;
static unsigned int accept_quirks;

struct rng {
	uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnext(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return rnd(r, 100) < percent;
}

static const struct enf_addr *pick_src(struct rng *r, int kind, bool v6)
{
	const struct pool *p = &srcs[kind][v6];

	return &p->a[rnd(r, p->n)];
}

static const struct enf_addr *pick_dst(struct rng *r, int kind, bool v6)
{
	const struct pool *p = &dsts[kind][v6];

	return &p->a[rnd(r, p->n)];
}

static uint16_t pick_port(struct rng *r)
{
	if (chance(r, 80))
		return hot_ports[rnd(r, ARRAY_SIZE(hot_ports))];
	return (uint16_t)(1 + rnd(r, 65535));
}

static uint16_t ephemeral(struct rng *r)
{
	return (uint16_t)(40000 + rnd(r, 8));
}

/* ---------------------------------------------------------------------- */
/* Packet builder                                                          */

#define FRAME_MAX 2048

struct ext {
	uint8_t type;		/* 0, 43, 44, 51, 60 or anything */
	uint8_t len;		/* the raw length byte */
	uint16_t frag;		/* fragment header: offset << 3 | M */
	uint32_t id;
	uint8_t rtype, left;	/* routing header: type, segments left */
	struct enf_addr seg[3];	/* ... its first addresses (SRv6 segment list) */
};

struct spec {
	bool v6;
	struct enf_addr src, dst;
	int nvlan;
	uint16_t tpid[4];
	uint16_t ethertype;	/* 0: IPv4/IPv6 as the family says */
	uint8_t opts;		/* IPv4 option words */
	uint16_t frag;		/* IPv4 flags + offset field */
	uint16_t ipid;
	uint8_t ttl;		/* TTL / hop limit, 0 = 64 */
	int next;
	struct ext ext[16];
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
	int l4_len;		/* < 0: the whole transport header; else cut to this */
	bool raw;		/* no transport header: the payload follows the IP headers */
	const uint8_t *payload;	/* after the transport header */
	size_t plen;
};

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, (uint16_t)v);
}

static size_t l4_header_len(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20;
	case IPPROTO_SCTP:
		return 12;
	default:
		return 8;
	}
}

/* The IP packet (no Ethernet) into b; returns its length. */
static size_t build_ip(const struct spec *s, uint8_t *b, size_t cap)
{
	uint8_t l4[20] = { 0 };
	size_t off, hl = l4_header_len(s->proto), l4n, i;
	uint8_t *nh;

	if (!s->v6) {
		size_t hlen = 20 + 4 * (size_t)s->opts;

		memset(b, 0, hlen);
		b[0] = 0x40 | (uint8_t)(hlen / 4);
		wr16(b + 4, s->ipid);
		wr16(b + 6, s->frag);
		b[8] = s->ttl ? s->ttl : 64;
		b[9] = s->proto;
		memcpy(b + 12, s->src.addr, 4);
		memcpy(b + 16, s->dst.addr, 4);
		for (i = 20; i < hlen; i++)
			b[i] = 1;			/* NOP */
		off = hlen;
	} else {
		memset(b, 0, 40);
		b[0] = 0x60;
		b[7] = s->ttl ? s->ttl : 64;
		memcpy(b + 8, s->src.addr, 16);
		memcpy(b + 24, s->dst.addr, 16);
		nh = b + 6;
		off = 40;
		for (int e = 0; e < s->next; e++) {
			const struct ext *x = &s->ext[e];
			size_t len = x->type == 51 ? ((size_t)x->len + 2) * 4 :
				     x->type == 44 ? 8 : ((size_t)x->len + 1) * 8;

			if (off + len + 64 > cap)
				break;
			*nh = x->type;
			nh = b + off;
			memset(b + off, 0, len);
			if (x->type == 44) {
				wr16(b + off + 2, x->frag);
				wr32(b + off + 4, x->id);
			} else {
				b[off + 1] = x->len;
				if (x->type != 51 && x->type != 43 && len > 4) {
					b[off + 2] = 1;		/* PadN */
					b[off + 3] = (uint8_t)(len - 4);
				}
				if (x->type == 43) {
					b[off + 2] = x->rtype;
					b[off + 3] = x->left;
					b[off + 4] = x->left;	/* last entry */
					for (size_t g = 0; g < 3 && 8 + 16 * (g + 1) <= len; g++)
						memcpy(b + off + 8 + 16 * g, x->seg[g].addr, 16);
				}
			}
			off += len;
		}
		*nh = s->proto;
	}

	/* transport header */
	switch (s->proto) {
	case IPPROTO_TCP:
		wr16(l4, s->sport);
		wr16(l4 + 2, s->dport);
		wr32(l4 + 4, 0x1000);
		l4[12] = 0x50;
		l4[13] = s->tcp_flags;
		wr16(l4 + 14, 65535);
		break;
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		wr16(l4, s->sport);
		wr16(l4 + 2, s->dport);
		if (s->proto == IPPROTO_UDP)
			wr16(l4 + 4, (uint16_t)(8 + s->plen));
		else
			wr32(l4 + 4, 0xabcd1234);	/* verification tag */
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		wr16(l4 + 4, s->icmp_id);
		wr16(l4 + 6, 1);
		break;
	default:
		memset(l4, 0x45, hl);	/* something, e.g. an inner header's first byte */
		break;
	}
	l4n = s->raw ? 0 : s->l4_len < 0 ? hl : (size_t)s->l4_len < hl ? (size_t)s->l4_len : hl;
	if (off + l4n > cap)
		l4n = cap > off ? cap - off : 0;
	memcpy(b + off, l4, l4n);
	off += l4n;
	if ((s->l4_len < 0 || s->raw) && s->plen) {
		size_t n = s->plen < cap - off ? s->plen : cap - off;

		memcpy(b + off, s->payload, n);
		off += n;
	}
	if (!s->v6)
		wr16(b + 2, (uint16_t)off);
	else
		wr16(b + 4, (uint16_t)(off - 40));
	return off;
}

/* The Ethernet frame; returns its length. */
static size_t build_frame(const struct spec *s, uint8_t *b)
{
	size_t off = 12;

	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (int i = 0; i < s->nvlan; i++) {
		wr16(b + off, s->tpid[i] ? s->tpid[i] : (i ? 0x8100 : 0x88a8));
		wr16(b + off + 2, (uint16_t)(10 + i));
		off += 4;
	}
	wr16(b + off, s->ethertype ? s->ethertype : s->v6 ? ETH_P_IPV6 : ETH_P_IP);
	off += 2;
	if (s->ethertype && s->ethertype != ETH_P_IP && s->ethertype != ETH_P_IPV6) {
		memset(b + off, 0x11, 28);	/* ARP-sized payload */
		return off + 28;
	}
	return off + build_ip(s, b + off, FRAME_MAX - off);
}

static void spec_init(struct spec *s, const struct enf_addr *src, const struct enf_addr *dst,
		      uint8_t proto)
{
	memset(s, 0, sizeof(*s));
	s->v6 = src->family == ENF_AF_INET6;
	s->src = *src;
	s->dst = *dst;
	s->proto = proto;
	s->l4_len = -1;
	s->sport = 40000;
	s->tcp_flags = 0x02;
}

struct rng;
static size_t wrap(struct rng *r, const uint8_t *inner, size_t ilen, int skind,
		   const struct enf_addr *dst, uint8_t *out);
static struct enf_addr pick_node(struct rng *r, bool v6);
static size_t l3_start(const uint8_t *f, size_t len);

/* ---------------------------------------------------------------------- */
/* Running frames: model, trace twin, attached program, TC egress           */

static struct enf_state st;
static bool loaded;
static struct manifest *mf;
static struct model M;
static int lo_role;
static bool pcap_started;
static bool replay_print;	/* --replay: print every decision */
static uint64_t valid_cover[ENF_REASON_MAX];
static unsigned int valid_cases_run;
static uint64_t total_runs;
static double total_secs;

static const char *const role_names[] = { "mixed", "public", "pods", "own" };

/* The model's rules and how often each decided (printed with -v). */
static struct {
	const char *why;
	uint64_t n;
} rules[64];

static void count_rule(const char *why)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		if (rules[i].why == why || !rules[i].why) {
			rules[i].why = why;
			rules[i].n++;
			return;
		}
	}
}

struct fz {
	const char *name;
	bool valid;		/* counts towards the every-reason check */
	uint64_t runs, real, egress, uncertain;
	uint64_t reasons[ENF_REASON_MAX];
	int mismatches;
	struct timespec t0;
};

static void hexdump(const char *label, const uint8_t *b, size_t len)
{
	printf("    %s (%zu bytes): ", label, len);
	for (size_t i = 0; i < len; i++)
		printf("%02x", b[i]);
	printf("\n");
}

static void pcap_append(const uint8_t *b, size_t len)
{
	const char *path = getenv("ENF_FUZZ_PCAP");
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} gh = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 };
	struct {
		uint32_t sec, usec, incl, orig;
	} rh;
	struct timeval tv;
	FILE *f;

	if (!path || !*path)
		path = "/tmp/difffuzz-mismatch.pcap";
	f = fopen(path, pcap_started ? "ab" : "wb");
	if (!f) {
		printf("    cannot write %s: %s\n", path, strerror(errno));
		return;
	}
	if (!pcap_started)
		fwrite(&gh, sizeof(gh), 1, f);
	pcap_started = true;
	gettimeofday(&tv, NULL);
	rh.sec = (uint32_t)tv.tv_sec;
	rh.usec = (uint32_t)tv.tv_usec;
	rh.incl = rh.orig = (uint32_t)len;
	fwrite(&rh, sizeof(rh), 1, f);
	fwrite(b, 1, len, f);
	fclose(f);
	printf("    appended to %s\n", path);
}

/* A program's verdict over a frame, or -errno. */
static int verdict_of(int fd, const uint8_t *frame, size_t len)
{
	uint32_t retval = 0;
	int err = prog_run(fd, frame, len, NULL, NULL, &retval);

	return err ? err : (int)retval;
}

static int real_run(const uint8_t *frame, size_t len)
{
	return verdict_of(st.prog_fd, frame, len);
}

/* Packets counted for a reason (enf_stats, summed over CPUs), or
 * UINT64_MAX when it cannot be read. The attached program has paths of
 * its own (enf_fast_path() in bpf/enforcer.bpf.c): its reason is held to the
 * model through the counter it bumps. */
static uint64_t reason_packets(uint32_t reason)
{
	static struct enf_counter *c;
	static int ncpu;
	uint64_t n = 0;
	int i;

	if (!c) {
		ncpu = libbpf_num_possible_cpus();
		c = ncpu > 0 ? calloc(ncpu, sizeof(*c)) : NULL;
		if (!c)
			return UINT64_MAX;
	}
	if (bpf_map_lookup_elem(st.stats_fd, &reason, c))
		return UINT64_MAX;
	for (i = 0; i < ncpu; i++)
		n += c[i].packets;
	return n;
}

/* A frame with no VLAN tag whose IP packet may also stand alone, as on a
 * layer-3 link (the program there gets it without the Ethernet header;
 * BPF_PROG_TEST_RUN wants at least 14 bytes). */
static bool as_layer3(const uint8_t *frame, size_t len)
{
	return len >= 2 * ETH_HLEN && ((frame[12] == 0x08 && frame[13] == 0x00) ||
				       (frame[12] == 0x86 && frame[13] == 0xdd));
}

/* Keep the tables far below the LRU sizes (an eviction the model does not
 * make would be a false mismatch): empty both sides now and then. */
static void bound_tables(void)
{
	if (M.nfrags < ENF_MAX_FRAGS / 4 && M.nflows < ENF_MAX_FLOWS / 8)
		return;
	maps_empty(st.flows_fd, sizeof(struct enf_flow_key));
	maps_empty(st.frags_fd, sizeof(struct enf_frag_key));
	model_clear_tables(&M);
}

static void egress(struct fz *f, const uint8_t *frame, size_t len)
{
	int ret;

	if (len < ETH_HLEN)
		return;
	ret = verdict_of(st.egress_fd, frame, len);
	if (ret != TC_ACT_OK) {
		CHECK(0, "%s: egress test_run failed: %s (retval %d)", f->name,
		      ret < 0 ? strerror(-ret) : "", ret);
		return;
	}
	model_egress(&M, frame, len);
	f->egress++;
	/* and as a layer-3 link's egress, now and then */
	if (as_layer3(frame, len) && f->egress % 4 == 0) {
		if (verdict_of(st.l3_egress_fd, frame + ETH_HLEN, len - ETH_HLEN) != TC_ACT_OK)
			CHECK(0, "%s: layer-3 egress test_run failed", f->name);
		model_egress_on(&M, frame + ETH_HLEN, len - ETH_HLEN, true);
	}
	bound_tables();
}

static const char *verdict_name(uint32_t v)
{
	return v == XDP_PASS ? "pass" : v == XDP_DROP ? "drop" : "?";
}

static void mismatch(struct fz *f, const uint8_t *frame, size_t len, int role,
		     const struct model_result *mr, const struct enf_trace *t, int real,
		     const char *what)
{
	f->mismatches++;
	case_failed = 1;
	printf("  MISMATCH %s #%llu (%s) role %s\n", f->name, (unsigned long long)f->runs, what,
	       role_names[role]);
	printf("    model: %s %s svc %u%s encap %u/%u%s  [%s]\n", verdict_name(mr->verdict),
	       model_reason_name(mr->reason), mr->service_id, mr->audit ? " audit" : "",
	       mr->encap, mr->depth, mr->outer_public ? " outer-public" : "", mr->why);
	if (t)
		printf("    trace: %s %s svc %u%s encap %u/%u%s\n", verdict_name(t->verdict),
		       model_reason_name(t->reason), t->service_id, t->audit ? " audit" : "",
		       t->encap, t->encap_depth, t->outer_public ? " outer-public" : "");
	if (real >= 0)
		printf("    attached program: %s\n", verdict_name((uint32_t)real));
	hexdump("frame", frame, len);
	pcap_append(frame, len);
}

enum { RUN_TRACE = 0, RUN_REAL = 1 };

/*
 * Judges one frame with the model and the trace twin; with RUN_REAL and a
 * role that is loopback's own, also with the attached program (whose side
 * effects the model then applies). Returns the model's result.
 */
static struct model_result check(struct fz *f, const uint8_t *frame, size_t len, int role,
				 int mode)
{
	struct model_result mr;
	struct enf_trace t = { 0 };
	int err, real = -1;
	uint64_t before, after;

	model_tick(&M);
	model_verdict(&M, frame, len, role, &mr);
	if (len < ETH_HLEN || len > FRAME_MAX || f->mismatches >= max_fail)
		return mr;	/* BPF_PROG_TEST_RUN needs a whole Ethernet header */
	f->runs++;
	err = trace_run(&st, frame, len, (uint32_t)role, &t);
	if (err) {
		CHECK(0, "%s: trace run failed: %s", f->name, strerror(-err));
		f->mismatches++;
		return mr;
	}
	if (t.reason < ENF_REASON_MAX)
		f->reasons[t.reason]++;
	count_rule(mr.why);
	if (replay_print)
		printf("  role %s: model %s %s svc %u [%s]; trace twin %s %s svc %u\n",
		       role_names[role], verdict_name(mr.verdict), model_reason_name(mr.reason),
		       mr.service_id, mr.why, verdict_name(t.verdict), model_reason_name(t.reason),
		       t.service_id);
	if (mr.uncertain) {
		f->uncertain++;
		return mr;	/* nor through the attached program: its effects are unsure */
	} else if (mr.verdict != t.verdict || mr.reason != t.reason ||
		   mr.service_id != t.service_id || mr.audit != t.audit ||
		   mr.encap != t.encap || mr.depth != t.encap_depth ||
		   mr.outer_public != t.outer_public) {
		mismatch(f, frame, len, role, &mr, &t, -1, "model vs trace twin");
		if (!replay_print)
			return mr;
	}
	if (mode != RUN_REAL || (role != MODEL_ROLE_OWN && role != lo_role))
		return mr;
	/* the attached program decides with loopback's role */
	if (role != lo_role)
		model_verdict(&M, frame, len, lo_role, &mr);
	if (mr.uncertain)
		return mr;
	before = reason_packets(mr.reason);
	real = real_run(frame, len);
	after = reason_packets(mr.reason);
	f->real++;
	if (real >= 0 && (before == UINT64_MAX || after != before + 1)) {
		mismatch(f, frame, len, lo_role, &mr, &t, real,
			 "attached program counted another reason than the model's");
		if (!replay_print)
			return mr;
	}
	if (real < 0) {
		CHECK(0, "%s: test_run failed: %s", f->name, strerror(-real));
		f->mismatches++;
		return mr;
	}
	if (replay_print)
		printf("  attached program (loopback %s): %s\n", role_names[lo_role],
		       verdict_name((uint32_t)real));
	if ((uint32_t)real != mr.verdict)
		mismatch(f, frame, len, lo_role, &mr, &t, real, "model vs attached program");
	model_commit(&M, &mr);
	/* the same packet through the layer-3 link program, now and then */
	if (as_layer3(frame, len) && f->real % 4 == 0) {
		struct model_result m3;

		model_verdict_on(&M, frame + ETH_HLEN, len - ETH_HLEN, true, lo_role, &m3);
		if (!m3.uncertain) {
			real = verdict_of(st.l3_prog_fd, frame + ETH_HLEN, len - ETH_HLEN);
			f->real++;
			if (real < 0 || (uint32_t)real != m3.verdict)
				mismatch(f, frame + ETH_HLEN, len - ETH_HLEN, lo_role, &m3, NULL, real,
					 "model vs layer-3 program (frame without Ethernet)");
			model_commit(&M, &m3);
		}
	}
	bound_tables();
	return mr;
}

/* ---------------------------------------------------------------------- */
/* Cases: policy and bookkeeping                                           */

static int apply(const char *role, const char *mode, const char *flows, const char *expiry)
{
	FILE *devnull = fopen("/dev/null", "w");
	struct pipeline p;
	char *yaml = NULL;
	int err;

	if (asprintf(&yaml, manifest_fmt, expiry ? expiry : "2099-01-01", role, mode,
		     flows ? flows : default_flows) < 0)
		return -ENOMEM;
	/* expired entries are left out with a warning: expected here */
	err = pipeline_compile_buf(yaml, strlen(yaml), "difffuzz.yml", &p,
				   devnull ? devnull : stdout);
	free(yaml);
	if (err)
		goto out;
	err = pipeline_apply(&st, &p, &(struct enf_iface){ .name = "lo", .ifindex = 1 }, 1, NULL);
	if (!err)
		err = model_set_policy(&M, p.m, model_iface_role(p.m, "lo"));
	if (!err) {
		/* the model reads the manifest from now on: keep it */
		if (mf)
			manifest_free(mf);
		mf = p.m;
		p.m = NULL;
	}
	pipeline_free(&p);
out:
	if (devnull)
		fclose(devnull);
	return err;
}

static bool case_begin(struct fz *f, const char *name, bool valid, const char *role,
		       const char *mode, const char *flows, const char *expiry)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->valid = valid;
	clock_gettime(CLOCK_MONOTONIC, &f->t0);
	if (!loaded) {
		CHECK(0, "the BPF program is not loaded");
		return false;
	}
	if (!CHECK_EQ(apply(role, mode, flows, expiry), 0))
		return false;
	lo_role = M.own_role;
	maps_empty(st.flows_fd, sizeof(struct enf_flow_key));
	maps_empty(st.frags_fd, sizeof(struct enf_frag_key));
	model_clear_tables(&M);
	return true;
}

static void case_end(struct fz *f)
{
	struct timespec t1;
	char line[1024];
	size_t n = 0;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - f->t0.tv_sec) + (double)(t1.tv_nsec - f->t0.tv_nsec) / 1e9;
	total_runs += f->runs;
	total_secs += secs;
	for (int r = 0; r < ENF_REASON_MAX; r++)
		if (f->reasons[r])
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %llu", n ? ", " : "",
					      model_reason_name((uint32_t)r),
					      (unsigned long long)f->reasons[r]);
	printf("    %s: %llu frames (%llu also through the attached program, %llu egress, "
	       "%llu too close to a timeout to compare) in %.1f s, %.0f frames/s, %d mismatches\n",
	       f->name, (unsigned long long)f->runs, (unsigned long long)f->real,
	       (unsigned long long)f->egress, (unsigned long long)f->uncertain, secs,
	       secs > 0 ? (double)f->runs / secs : 0.0, f->mismatches);
	printf("    reasons: %s\n", n ? line : "(none)");
	if (f->valid) {
		valid_cases_run++;
		for (int r = 0; r < ENF_REASON_MAX; r++)
			valid_cover[r] += f->reasons[r];
	}
	CHECK(f->runs > 0, "%s ran no frame", f->name);
}

static uint64_t iters(uint64_t base)
{
	double n = (double)base * iter_factor;

	return n < 1 ? 1 : (uint64_t)n;
}

/* ---------------------------------------------------------------------- */
/* Generators                                                              */

static int pick_role(struct rng *r)
{
	return (int)rnd(r, 4);	/* mixed, public, pods, own (ENF_ROLE_MAX) */
}

static void random_vlans(struct rng *r, struct spec *s, int max)
{
	static const uint16_t tpids[] = { 0x8100, 0x88a8 };

	s->nvlan = chance(r, 80) ? 0 : (int)rnd(r, (uint32_t)max + 1);
	for (int i = 0; i < s->nvlan; i++)
		s->tpid[i] = tpids[rnd(r, 2)];
}

static const uint8_t ext_types[] = { 0, 43, 60, 51 };

static void add_ext(struct rng *r, struct spec *s, int n)
{
	for (int i = 0; i < n && s->next < 16; i++) {
		struct ext *x = &s->ext[s->next++];

		x->type = ext_types[rnd(r, ARRAY_SIZE(ext_types))];
		x->len = (uint8_t)(chance(r, 80) ? rnd(r, 2) : rnd(r, 4));
		if (x->type == 51)
			x->len = (uint8_t)(1 + 2 * rnd(r, 3));	/* keeps 8-byte multiples */
	}
}

static void add_frag_hdr(struct spec *s, uint16_t field, uint32_t id)
{
	if (s->next < 16)
		s->ext[s->next++] = (struct ext){ .type = 44, .frag = field, .id = id };
}

/* The transport of a well-formed packet. */
static void random_transport(struct rng *r, struct spec *s)
{
	uint32_t k = rnd(r, 100);
	uint8_t icmp = s->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;

	if (k < 38) {
		s->proto = IPPROTO_TCP;
		s->tcp_flags = (uint8_t)(chance(r, 50) ? 0x02 : rnd(r, 64));
	} else if (k < 58) {
		s->proto = IPPROTO_UDP;
	} else if (k < 66) {
		s->proto = IPPROTO_SCTP;
	} else if (k < 80) {
		static const uint8_t t4[] = { 8, 0, 0, 3, 11, 12, 5, 13 };
		static const uint8_t t6[] = { 128, 129, 129, 1, 2, 3, 4, 135, 136, 133, 143 };

		s->proto = icmp;
		s->icmp_type = s->v6 ? t6[rnd(r, ARRAY_SIZE(t6))] : t4[rnd(r, ARRAY_SIZE(t4))];
		s->icmp_id = ephemeral(r);
		if (s->icmp_type >= 133 && s->icmp_type <= 137 && chance(r, 60))
			s->ttl = 255;
	} else if (k < 90) {
		static const uint8_t tun[] = { IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_GRE };

		s->proto = tun[rnd(r, 3)];
	} else {
		static const uint8_t other[] = { 50, 253, 59, 103, 136, 17, 6 };

		s->proto = other[rnd(r, ARRAY_SIZE(other))];
		if (s->proto == 17 || s->proto == 6)
			s->l4_len = (int)rnd(r, 8);	/* truncated */
	}
	s->sport = chance(r, 70) ? ephemeral(r) : pick_port(r);
	s->dport = pick_port(r);
}

/* A well-formed frame from a random source kind to a random destination
 * kind; occasionally with options, extension headers, a first-fragment
 * flag, a non-IP ethertype or more headers than the program walks. */
static void gen_valid(struct rng *r, struct spec *s, int skind, int dkind)
{
	bool v6 = chance(r, 40);

	if (skind < 0)
		skind = (int)rnd(r, S_KINDS);
	if (dkind < 0)
		dkind = (int)rnd(r, D_KINDS);
	spec_init(s, pick_src(r, skind, v6), pick_dst(r, dkind, v6), 0);
	random_transport(r, s);
	random_vlans(r, s, 2);
	s->ipid = (uint16_t)rnd(r, 65536);
	if (!v6 && chance(r, 10))
		s->opts = (uint8_t)rnd(r, 11);
	if (v6 && chance(r, 15))
		add_ext(r, s, (int)rnd(r, ENF_MAX_EXT_HDRS + 1));
	if (chance(r, 5)) {
		if (v6)
			add_frag_hdr(s, 1, rnd(r, 16));
		else
			s->frag = 0x2000;
	}
	if (chance(r, 2))
		s->ethertype = chance(r, 50) ? ETH_P_ARP : 0x88cc;	/* LLDP */
	if (chance(r, 1))
		s->nvlan = 3;
	if (v6 && chance(r, 1))
		add_ext(r, s, ENF_MAX_EXT_HDRS + 1);
}

/* Valid frames: every source kind x destination kind x role. */
static void run_matrix(struct fz *f, uint64_t seed, uint64_t n)
{
	struct rng r = { seed };
	uint8_t frame[FRAME_MAX];
	struct spec s;

	for (uint64_t i = 0; i < n && f->mismatches < max_fail; i++) {
		int sk = (int)(i % S_KINDS), dk = (int)(i / S_KINDS % D_KINDS);
		int role = (int)(i / (S_KINDS * D_KINDS) % 4);
		size_t len;

		gen_valid(&r, &s, sk, dk);
		len = build_frame(&s, frame);
		check(f, frame, len, role, chance(&r, 15) ? RUN_REAL : RUN_TRACE);
	}
}

static void test_valid_matrix(void)
{
	struct fz f;

	if (case_begin(&f, "valid_matrix", true, "mixed", "enforce", NULL, NULL)) {
		run_matrix(&f, base_seed ^ 1, iters(60000));
		case_end(&f);
	}
}

/* The same on an internet uplink: loopback public (the attached program
 * then sees spoofing), and the trace twin's "own role". */
static void test_public_uplink(void)
{
	struct fz f;

	if (case_begin(&f, "public_uplink", true, "public", "enforce", NULL, NULL)) {
		run_matrix(&f, base_seed ^ 2, iters(30000));
		case_end(&f);
	}
}

/* Flows: egress frames from instances (and from what is no instance),
 * then replies, perturbed replies, echo replies, and ICMP errors quoting
 * the egress frames, forged quotes and public-port quotes. */
#define RING 64

struct flowgen {
	struct spec ring[RING];
	int n;
};

static void gen_egress(struct rng *r, struct spec *s)
{
	bool v6 = chance(r, 40);
	static const int remotes[] = { S_PUBLIC, S_PUBLIC, S_TRUSTED, S_PRIVATE, S_MEMBER,
				       S_PEER, S_BATCH, S_INSTANCE };
	const struct enf_addr *src;

	if (chance(r, 70))
		src = pick_dst(r, chance(r, 50) ? D_INTERNAL : D_PUBLIC, v6);
	else
		src = pick_dst(r, (int)rnd(r, D_KINDS), v6);
	spec_init(s, src, pick_src(r, remotes[rnd(r, ARRAY_SIZE(remotes))], v6), 0);
	switch (rnd(r, 8)) {
	case 0:
	case 1:
	case 2:
		s->proto = IPPROTO_TCP;
		break;
	case 3:
	case 4:
		s->proto = IPPROTO_UDP;
		break;
	case 5:
		s->proto = IPPROTO_SCTP;
		break;
	default:
		s->proto = chance(r, 90) ? (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)
					 : (v6 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
		s->icmp_type = s->proto == IPPROTO_ICMP ? 8 : 128;
		s->icmp_id = ephemeral(r);
		break;
	}
	/* from an ephemeral port, or from a (public) service port */
	s->sport = chance(r, 70) ? ephemeral(r) : pick_port(r);
	s->dport = chance(r, 50) ? 443 : pick_port(r);
	{
		static const uint8_t fl[] = { 0x02, 0x02, 0x10, 0x18, 0x11, 0x04, 0x14, 0x12 };

		s->tcp_flags = fl[rnd(r, ARRAY_SIZE(fl))];
	}
	random_vlans(r, s, 2);
	if (chance(r, 3))
		s->l4_len = (int)rnd(r, 8);	/* unreadable: no flow */
}

static void reply_of(struct rng *r, const struct spec *e, struct spec *s)
{
	*s = *e;
	s->src = e->dst;
	s->dst = e->src;
	s->sport = e->dport;
	s->dport = e->sport;
	s->l4_len = -1;
	s->nvlan = chance(r, 85) ? 0 : (int)rnd(r, 3);
	if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6)
		s->icmp_type = s->proto == IPPROTO_ICMP ? 0 : 129;
	{
		static const uint8_t fl[] = { 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x02 };

		s->tcp_flags = fl[rnd(r, ARRAY_SIZE(fl))];
	}
	switch (rnd(r, 12)) {	/* perturb one thing now and then */
	case 0:
		s->sport++;
		break;
	case 1:
		s->dport ^= 1;
		break;
	case 2:
		s->icmp_id++;
		break;
	case 3:
		s->src = *pick_src(r, S_PUBLIC, s->v6);
		break;
	case 4:
		s->proto = s->proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
		break;
	default:
		break;
	}
}

/* An ICMP error to `about->src` quoting `about` (the first qlen bytes of
 * its IP packet). */
static size_t icmp_error_of(struct rng *r, const struct spec *about, size_t qlen,
			    uint8_t *frame, uint8_t *quote, bool same_family)
{
	struct spec s;
	size_t n = build_ip(about, quote, FRAME_MAX / 2);

	if (chance(r, 3))	/* an odd IHL or version in the quote */
		quote[0] = (uint8_t)(chance(r, 50) ? (quote[0] & 0xf0) | rnd(r, 16) : rnd(r, 256));
	bool v6 = same_family ? about->v6 : !about->v6;
	struct enf_addr from = *pick_src(r, (int)rnd(r, S_KINDS), v6);

	if (qlen < n)
		n = qlen;
	if (v6 != about->v6) {
		/* cross-family: from and to in the error's family */
		spec_init(&s, &from, pick_dst(r, D_PUBLIC, v6), 0);
	} else {
		spec_init(&s, &from, &about->src, 0);
		if (chance(r, 8))	/* about a packet another address sent */
			s.dst = *pick_dst(r, (int)rnd(r, 3), v6);
	}
	if (!v6) {
		static const uint8_t t[] = { 3, 3, 11, 12, 4, 5 };

		s.proto = chance(r, 95) ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		s.icmp_type = t[rnd(r, ARRAY_SIZE(t))];
		s.icmp_code = (uint8_t)(s.icmp_type == 3 ? rnd(r, 5) : 0);
	} else {
		s.proto = chance(r, 95) ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		s.icmp_type = (uint8_t)(chance(r, 90) ? 1 + rnd(r, 4) : rnd(r, 256));
	}
	if (s.proto == IPPROTO_ICMP && v6)
		s.icmp_type = 3;
	s.icmp_id = 0;
	s.payload = quote;
	s.plen = n;
	random_vlans(r, &s, 2);
	if (v6 && chance(r, 5))
		add_ext(r, &s, (int)rnd(r, ENF_MAX_EXT_HDRS + 1));
	if (!v6 && chance(r, 5))
		s.opts = (uint8_t)rnd(r, 11);
	return build_frame(&s, frame);
}

/* A packet a public service sent from its public port. */
static void public_port_reply(struct rng *r, struct spec *s)
{
	static const struct {
		const char *addr;
		uint16_t port;
		uint8_t proto;
	} pubs[] = {
		{ "10.0.1.10", 80, IPPROTO_TCP },   { "10.0.1.10", 81, IPPROTO_TCP },
		{ "10.0.1.10", 3000, IPPROTO_UDP }, { "10.0.4.10", 3002, IPPROTO_SCTP },
		{ "10.96.0.20", 3000, IPPROTO_TCP }, { "10.8.0.10", 443, IPPROTO_TCP },
		{ "fd00:8::10", 443, IPPROTO_TCP }, { "10.0.6.10", 8080, IPPROTO_TCP },
		{ "fd00:40::10", 9000, IPPROTO_UDP }, { "10.0.2.10", 4000, IPPROTO_TCP },
		{ "fd00:10::1:10", 80, IPPROTO_TCP },
	};
	static const int remotes[] = { S_PUBLIC, S_TRUSTED, S_PRIVATE, S_PEER };
	struct enf_addr a;
	int i = (int)rnd(r, ARRAY_SIZE(pubs));

	parse_addr(pubs[i].addr, &a);
	spec_init(s, &a, pick_src(r, remotes[rnd(r, ARRAY_SIZE(remotes))],
				  a.family == ENF_AF_INET6), pubs[i].proto);
	s->sport = pubs[i].port;
	s->dport = ephemeral(r);
	s->tcp_flags = 0x12;
}

static void flows_step(struct fz *f, struct rng *r, struct flowgen *g)
{
	uint8_t frame[FRAME_MAX], quote[FRAME_MAX];
	uint32_t k = rnd(r, 100);
	struct spec s;
	size_t len;
	int role = chance(r, 70) ? MODEL_ROLE_OWN : pick_role(r);

	if (k < 30 || !g->n) {
		gen_egress(r, &s);
		len = build_frame(&s, frame);
		if (chance(r, 10)) {	/* leaving through the node's overlay */
			struct enf_addr far = *pick_src(r, (int)rnd(r, S_KINDS), chance(r, 40));
			uint8_t w[FRAME_MAX];

			len = wrap(r, frame, len, -1, &far, w);
			memcpy(w + l3_start(w, len) + (far.family == ENF_AF_INET6 ? 8 : 12),
			       pick_node(r, far.family == ENF_AF_INET6).addr,
			       far.family == ENF_AF_INET6 ? 16 : 4);
			memcpy(frame, w, len);
		}
		egress(f, frame, len);
		if (s.l4_len < 0)
			g->ring[g->n < RING ? g->n++ : (int)rnd(r, RING)] = s;
	} else if (k < 65) {
		reply_of(r, &g->ring[rnd(r, (uint32_t)g->n)], &s);
		len = build_frame(&s, frame);
		if (chance(r, 15)) {	/* coming back through the overlay */
			struct enf_addr node = pick_node(r, chance(r, 40));
			uint8_t w[FRAME_MAX];

			len = wrap(r, frame, len, -1, &node, w);
			memcpy(frame, w, len);
		}
		check(f, frame, len, role, chance(r, 50) ? RUN_REAL : RUN_TRACE);
	} else if (k < 80) {
		static const size_t ql[] = { 28, 48, 68, 1000, 20, 27, 40, 47 };

		len = icmp_error_of(r, &g->ring[rnd(r, (uint32_t)g->n)], ql[rnd(r, 8)], frame,
				    quote, !chance(r, 3));
		check(f, frame, len, role, chance(r, 30) ? RUN_REAL : RUN_TRACE);
	} else if (k < 90) {
		public_port_reply(r, &s);
		if (chance(r, 30)) {	/* the instance opened it from its public port */
			len = build_frame(&s, frame);
			egress(f, frame, len);
		}
		if (chance(r, 50)) {
			struct spec in;

			reply_of(r, &s, &in);
			len = build_frame(&in, frame);
		} else {
			len = icmp_error_of(r, &s, 1000, frame, quote, true);
		}
		check(f, frame, len, role, chance(r, 30) ? RUN_REAL : RUN_TRACE);
	} else {
		gen_valid(r, &s, -1, chance(r, 50) ? D_INTERNAL : D_PUBLIC);
		len = build_frame(&s, frame);
		check(f, frame, len, role, RUN_TRACE);
	}
}

static void test_flows_and_replies(void)
{
	struct flowgen *g = calloc(1, sizeof(*g));
	struct rng r = { base_seed ^ 3 };
	struct fz f;

	if (g && case_begin(&f, "flows_and_replies", true, "pods", "enforce", NULL, NULL)) {
		for (uint64_t i = 0, n = iters(50000); i < n && f.mismatches < max_fail; i++)
			flows_step(&f, &r, g);
		case_end(&f);
	}
	free(g);
}

/* ICMP errors quoting arbitrary packets: valid ones, flows, public ports,
 * cut quotes, quotes of another family, quotes with extension headers or
 * odd IHL, errors deep behind extension headers. */
static void test_icmp_errors(void)
{
	struct flowgen *g = calloc(1, sizeof(*g));
	uint8_t frame[FRAME_MAX], quote[FRAME_MAX];
	struct rng r = { base_seed ^ 4 };
	struct spec about, s;
	struct fz f;
	size_t len;

	if (!g || !case_begin(&f, "icmp_errors", true, "mixed", "enforce", NULL, NULL))
		goto out;
	for (uint64_t i = 0, n = iters(40000); i < n && f.mismatches < max_fail; i++) {
		int role = chance(&r, 70) ? MODEL_ROLE_OWN : pick_role(&r);
		uint32_t k = rnd(&r, 100);

		if (k < 20 || !g->n) {
			gen_egress(&r, &about);
			len = build_frame(&about, frame);
			egress(&f, frame, len);
			if (about.l4_len < 0)
				g->ring[g->n < RING ? g->n++ : (int)rnd(&r, RING)] = about;
			continue;
		}
		if (k < 45) {
			about = g->ring[rnd(&r, (uint32_t)g->n)];
		} else if (k < 65) {
			public_port_reply(&r, &about);
		} else {
			/* anything at all, as if an instance had sent it */
			gen_valid(&r, &about, -1, -1);
			about.nvlan = 0;
			if (chance(&r, 60))
				about.src = *pick_dst(&r, (int)rnd(&r, 3), about.v6);
		}
		if (chance(&r, 10) && about.v6)
			add_ext(&r, &about, 1 + (int)rnd(&r, 2));
		if (chance(&r, 5) && !about.v6)
			about.opts = (uint8_t)rnd(&r, 11);
		len = icmp_error_of(&r, &about, chance(&r, 70) ? 1000 : rnd(&r, 80), frame, quote,
				    !chance(&r, 3));
		if (chance(&r, 3)) {
			/* push the ICMP header more than 256 bytes in */
			spec_init(&s, pick_src(&r, S_PUBLIC, true), pick_dst(&r, D_PUBLIC, true),
				  IPPROTO_ICMPV6);
			s.icmp_type = 1;
			for (int e = 0; e < 3; e++)
				s.ext[s.next++] = (struct ext){ .type = 60,
								.len = (uint8_t)(rnd(&r, 12)) };
			about.src = s.dst;
			about.v6 = true;
			if (about.dst.family != ENF_AF_INET6)
				about.dst = *pick_src(&r, S_PUBLIC, true);
			s.payload = quote;
			s.plen = build_ip(&about, quote, FRAME_MAX / 2);
			len = build_frame(&s, frame);
		}
		check(&f, frame, len, role, chance(&r, 25) ? RUN_REAL : RUN_TRACE);
	}
	case_end(&f);
out:
	free(g);
}

/* Fragments in every order: first fragments (remembered by the attached
 * program), later fragments of them, orphans, other ids and protocols,
 * out of order, tiny first fragments, atomic fragments, IPv6 fragment
 * headers behind and before other extension headers. */
static void frag_key_spec(struct rng *r, struct spec *s)
{
	static const int skinds[] = { S_PUBLIC, S_TRUSTED, S_PRIVATE, S_MEMBER };
	static const int dkinds[] = { D_PUBLIC, D_FRONTEND, D_INTERNAL, D_VIP, D_NOT_OWNED };
	bool v6 = chance(r, 45);
	const struct enf_addr *src = &srcs[skinds[rnd(r, 4)]][v6].a[0];
	const struct enf_addr *dst = pick_dst(r, dkinds[rnd(r, 5)], v6);
	static const uint16_t ports[] = { 80, 443, 30080, 30090, 30091, 3001, 3000, 22, 8080 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDP,
					  IPPROTO_SCTP, 0, 47 };

	spec_init(s, src, dst, protos[rnd(r, ARRAY_SIZE(protos))]);
	if (!s->proto) {
		s->proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		s->icmp_type = v6 ? 129 : 0;
		s->icmp_id = ephemeral(r);
	}
	s->dport = ports[rnd(r, ARRAY_SIZE(ports))];
	s->sport = ephemeral(r);
	s->tcp_flags = 0x10;
	s->ipid = (uint16_t)(0x100 + rnd(r, 16));
}

static void make_fragment(struct rng *r, struct spec *s, bool first, uint8_t later_nh)
{
	uint16_t off = (uint16_t)(first ? 0 : 1 + rnd(r, 180));
	bool more = first || chance(r, 50);

	if (!s->v6) {
		s->frag = (uint16_t)((more ? 0x2000 : 0) | off);
		if (chance(r, 10))
			s->frag |= 0x4000;	/* DF as well: odd but seen */
	} else {
		add_frag_hdr(s, (uint16_t)(off << 3 | (more ? 1 : 0)), s->ipid);
	}
	if (!first) {
		s->l4_len = 0;		/* a later fragment carries data, not a header */
		if (s->v6)
			s->proto = later_nh;	/* the fragment header's next header */
	}
}

static void fragments_step(struct fz *f, struct rng *r)
{
	uint8_t frame[FRAME_MAX];
	struct spec base, s;
	int after = chance(r, 20) ? 1 + (int)rnd(r, 2) : 0;
	size_t len;
	uint32_t k = rnd(r, 100);

	frag_key_spec(r, &base);
	if (base.v6 && chance(r, 20))
		add_ext(r, &base, 1 + (int)rnd(r, 2));	/* before the fragment header */
	if (k < 10) {
		/* a reply that is fragmented: open the flow first */
		struct spec e;

		spec_init(&e, &base.dst, &base.src, base.proto);
		e.sport = base.dport;
		e.dport = base.sport;
		e.icmp_type = base.proto == IPPROTO_ICMP ? 8 : 128;
		e.icmp_id = base.icmp_id;
		e.tcp_flags = 0x02;
		len = build_frame(&e, frame);
		egress(f, frame, len);
	}
	if (k < 55) {
		/* first fragment through the attached program, then its later fragments */
		uint8_t later_nh;
		int fh;

		s = base;
		if (chance(r, 5))
			s.l4_len = (int)rnd(r, 20);	/* tiny first fragment */
		make_fragment(r, &s, true, 0);
		fh = s.next - 1;
		if (s.v6)
			add_ext(r, &s, after);	/* headers in the fragmentable part */
		later_nh = s.v6 && s.next > fh + 1 ? s.ext[fh + 1].type : s.proto;
		len = build_frame(&s, frame);
		check(f, frame, len, chance(r, 85) ? MODEL_ROLE_OWN : pick_role(r), RUN_REAL);
		for (int n = (int)rnd(r, 4); n >= 0; n--) {
			s = base;
			if (chance(r, 10))
				s.ipid++;		/* another datagram */
			make_fragment(r, &s, false, later_nh);
			if (chance(r, 5))
				s.proto = IPPROTO_UDP;	/* another protocol */
			len = build_frame(&s, frame);
			check(f, frame, len, chance(r, 85) ? MODEL_ROLE_OWN : pick_role(r),
			      chance(r, 50) ? RUN_REAL : RUN_TRACE);
		}
	} else if (k < 80) {
		/* a later fragment before (or without) its first */
		s = base;
		make_fragment(r, &s, false, s.proto);
		len = build_frame(&s, frame);
		check(f, frame, len, pick_role(r), chance(r, 50) ? RUN_REAL : RUN_TRACE);
	} else if (k < 90) {
		/* atomic fragment (offset 0, no more fragments), or DF only */
		s = base;
		if (s.v6)
			add_frag_hdr(&s, 0, s.ipid);
		else
			s.frag = chance(r, 50) ? 0x4000 : 0;
		len = build_frame(&s, frame);
		check(f, frame, len, pick_role(r), RUN_REAL);
	} else {
		/* the whole packet again, unfragmented, from anywhere */
		gen_valid(r, &s, -1, -1);
		len = build_frame(&s, frame);
		check(f, frame, len, pick_role(r), RUN_TRACE);
	}
}

static void test_fragments(void)
{
	struct rng r = { base_seed ^ 5 };
	struct fz f;

	if (case_begin(&f, "fragments", true, "mixed", "enforce", NULL, NULL)) {
		for (uint64_t i = 0, n = iters(25000); i < n && f.mismatches < max_fail; i++)
			fragments_step(&f, &r);
		case_end(&f);
	}
}

/* IPIP, 6in4, GRE and other protocols; neighbour discovery with every hop
 * limit, in IPv4 too, and other ICMPv6 types with hop limit 255. */
static void test_tunnels_and_ndp(void)
{
	struct rng r = { base_seed ^ 6 };
	uint8_t frame[FRAME_MAX];
	struct spec s;
	struct fz f;

	if (!case_begin(&f, "tunnels_and_ndp", true, "mixed", "enforce", NULL, NULL))
		return;
	for (uint64_t i = 0, n = iters(20000); i < n && f.mismatches < max_fail; i++) {
		bool v6 = chance(&r, 60);
		static const uint8_t hl[] = { 255, 255, 254, 64, 1, 0 };

		spec_init(&s, pick_src(&r, (int)rnd(&r, S_KINDS), v6),
			  pick_dst(&r, (int)rnd(&r, D_KINDS), v6), 0);
		if (chance(&r, 50)) {
			static const uint8_t p[] = { IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_GRE, 50,
						     51, 0, 132, 255 };

			s.proto = p[rnd(&r, ARRAY_SIZE(p))];
			if (s.proto == 51 && !v6)
				s.proto = 94;
		} else {
			s.proto = chance(&r, 90) ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
			s.icmp_type = (uint8_t)(chance(&r, 70) ? 133 + rnd(&r, 5) : rnd(&r, 256));
			s.ttl = hl[rnd(&r, ARRAY_SIZE(hl))];
			if (chance(&r, 10))
				s.l4_len = (int)rnd(&r, 8);
			if (v6 && chance(&r, 10))
				add_ext(&r, &s, 1);
			if (chance(&r, 5)) {
				if (v6)
					add_frag_hdr(&s, chance(&r, 50) ? 1 : 8, 7);
				else
					s.frag = 0x2000;
			}
		}
		random_vlans(&r, &s, 2);
		check(&f, frame, build_frame(&s, frame), pick_role(&r),
		      chance(&r, 20) ? RUN_REAL : RUN_TRACE);
	}
	case_end(&f);
}

/* ---------------------------------------------------------------------- */
/* Encapsulation (rule 5) and routes                                       */

/* Where tunnels end: the node's own addresses (no service's). */
static const char *const node_v4[] = { "192.0.2.1", "10.0.0.1" };
static const char *const node_v6[] = { "2001:db8::1", "fd00:10::1" };

static struct enf_addr pick_node(struct rng *r, bool v6)
{
	struct enf_addr a;

	parse_addr(v6 ? node_v6[rnd(r, 2)] : node_v4[rnd(r, 2)], &a);
	return a;
}

/* The outer destination of a tunnel: mostly the node, or a frontend (a
 * node address too, on a tunnel port that is no NodePort), or anything. */
static struct enf_addr tunnel_dst(struct rng *r, bool v6)
{
	uint32_t k = rnd(r, 100);

	if (k < 65)
		return pick_node(r, v6);
	if (k < 80)
		return *pick_dst(r, D_FRONTEND, v6);
	return *pick_dst(r, (int)rnd(r, D_KINDS), v6);
}

/* The IP packet of an Ethernet frame (after its VLAN tags). */
static size_t l3_start(const uint8_t *f, size_t len)
{
	size_t off = 12;

	while (off + 2 <= len && (f[off] == 0x81 || f[off] == 0x88) &&
	       (f[off + 1] == 0x00 || f[off + 1] == 0xa8))
		off += 4;
	return off + 2 <= len ? off + 2 : len;
}

/*
 * Wraps `inner` (an Ethernet frame) in a tunnel of a random kind, from a
 * source of kind `skind` (-1: any) to `dst`: IPIP/6in4/4in6/6in6, Ethernet
 * in IP, SRv6 encapsulation, GRE (all flag words, unknown types, versions),
 * VXLAN and Geneve on their ports (and now and then on the wrong one,
 * with options, other versions and protocol types). Returns the length.
 */
static size_t wrap(struct rng *r, const uint8_t *inner, size_t ilen, int skind,
		   const struct enf_addr *dst, uint8_t *out)
{
	static uint8_t pay[FRAME_MAX];
	bool v6 = dst->family == ENF_AF_INET6;
	size_t ip = l3_start(inner, ilen), h = 0;
	bool inner_v6 = ip >= 2 && inner[ip - 2] == 0x86;
	struct spec s;

	if (skind < 0)
		skind = (int)rnd(r, S_KINDS);
	spec_init(&s, pick_src(r, skind, v6), dst, 0);
	random_vlans(r, &s, 1);
	switch (rnd(r, 7)) {
	case 0:	/* IP in IP */
		s.raw = true;
		s.proto = chance(r, 90) ? (inner_v6 ? IPPROTO_IPV6 : IPPROTO_IPIP)
				       : (inner_v6 ? IPPROTO_IPIP : IPPROTO_IPV6);
		memcpy(pay, inner + ip, ilen - ip);
		h = ilen - ip;
		break;
	case 1:	/* Ethernet in IP (SRv6 End.DX2) */
		s.raw = true;
		s.proto = 143;
		memcpy(pay, inner, ilen);
		h = ilen;
		break;
	case 2: { /* SRv6 encapsulation: IPv6, an SRH, the packet */
		struct ext *x;

		if (!v6) {
			s.raw = true;
			s.proto = inner_v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
			memcpy(pay, inner + ip, ilen - ip);
			h = ilen - ip;
			break;
		}
		x = &s.ext[s.next++];
		x->type = 43;
		x->rtype = 4;
		x->len = 2;
		x->left = (uint8_t)(chance(r, 80) ? 0 : 1);
		x->seg[0] = *dst;
		s.raw = true;
		s.proto = inner_v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
		memcpy(pay, inner + ip, ilen - ip);
		h = ilen - ip;
		break;
	}
	case 3: { /* GRE */
		static const uint8_t fl[] = { 0, 0, 0x20, 0x80, 0x10, 0xb0, 0x40, 0x01 };
		static const uint16_t pt[] = { 0x0800, 0x86dd, 0x6558, 0x8847, 0x88be };
		uint8_t f = fl[rnd(r, ARRAY_SIZE(fl))];
		uint16_t t = chance(r, 85) ? (chance(r, 30) ? 0x6558 : inner_v6 ? 0x86dd : 0x0800)
					   : pt[rnd(r, ARRAY_SIZE(pt))];

		s.raw = true;
		s.proto = IPPROTO_GRE;
		memset(pay, 0, 16);
		pay[0] = f & 0xf0;
		pay[1] = f & 0x07;
		wr16(pay + 2, t);
		h = 4 + (f & 0x80 ? 4 : 0) + (f & 0x20 ? 4 : 0) + (f & 0x10 ? 4 : 0);
		if (t == 0x6558) {
			memcpy(pay + h, inner, ilen);
			h += ilen;
		} else {
			memcpy(pay + h, inner + ip, ilen - ip);
			h += ilen - ip;
		}
		break;
	}
	case 4:
	case 5: { /* VXLAN */
		static const uint16_t ports[] = { 4789, 4789, 8472, 6081, 4790 };

		s.proto = IPPROTO_UDP;
		s.dport = ports[rnd(r, ARRAY_SIZE(ports))];
		memset(pay, 0, 8);
		pay[0] = 0x08;
		pay[6] = 1;
		memcpy(pay + 8, inner, ilen);
		h = 8 + ilen;
		break;
	}
	default: { /* Geneve */
		uint8_t opt = (uint8_t)(chance(r, 60) ? 0 : rnd(r, 8));
		uint16_t t = chance(r, 60) ? 0x6558 : chance(r, 90) ? (inner_v6 ? 0x86dd : 0x0800)
										: 0x8847;

		s.proto = IPPROTO_UDP;
		s.dport = chance(r, 90) ? 6081 : 4789;
		memset(pay, 0xaa, 8 + 4 * (size_t)opt);
		pay[0] = (uint8_t)((chance(r, 95) ? 0 : rnd(r, 4)) << 6 | opt);
		pay[1] = 0;
		wr16(pay + 2, t);
		h = 8 + 4 * (size_t)opt;
		if (t == 0x6558) {
			memcpy(pay + h, inner, ilen);
			h += ilen;
		} else {
			memcpy(pay + h, inner + ip, ilen - ip);
			h += ilen - ip;
		}
		break;
	}
	}
	s.payload = pay;
	s.plen = h < FRAME_MAX - 200 ? h : FRAME_MAX - 200;
	s.sport = 54321;
	if (chance(r, 3)) {	/* the outer packet fragmented */
		if (v6)
			add_frag_hdr(&s, chance(r, 70) ? 1 : 8, rnd(r, 4));
		else
			s.frag = (uint16_t)(chance(r, 70) ? 0x2000 : 0x0001);
	}
	return build_frame(&s, out);
}

/* A packet with a route the node may follow: an SRv6 header with segments
 * left (the next segment a service's or not), an RPL route, an IPv4 loose
 * or strict source route among other options. */
static size_t routed(struct rng *r, uint8_t *out)
{
	bool v6 = chance(r, 60);
	struct spec s;
	size_t len;

	gen_valid(r, &s, -1, -1);
	if (s.ethertype || s.nvlan > 2)
		s.ethertype = 0, s.nvlan = 0;
	s.dst = tunnel_dst(r, s.v6);
	if (v6 && s.v6) {
		struct ext *x = &s.ext[s.next < 15 ? s.next++ : 0];
		uint8_t n = (uint8_t)(1 + rnd(r, 3));

		x->type = 43;
		x->rtype = (uint8_t)(chance(r, 80) ? 4 : chance(r, 50) ? 3 : rnd(r, 5));
		x->len = (uint8_t)(2 * n);
		x->left = (uint8_t)(chance(r, 90) ? rnd(r, n + 1) : rnd(r, 256));
		for (int g = 0; g < n && g < 3; g++)
			x->seg[g] = *pick_dst(r, (int)rnd(r, D_KINDS), true);
		return build_frame(&s, out);
	}
	if (s.v6)
		return build_frame(&s, out);
	s.opts = (uint8_t)(2 + rnd(r, 3));
	len = build_frame(&s, out);
	{
		size_t o = l3_start(out, len) + 20 + rnd(r, 4);

		out[o] = chance(r, 50) ? 131 : chance(r, 50) ? 137 : 7;	/* LSRR, SSRR, RR */
		out[o + 1] = 7;
		out[o + 2] = 4;
		memcpy(out + o + 3, pick_dst(r, (int)rnd(r, D_KINDS), false)->addr, 4);
	}
	return len;
}

/* Tunnels one, two or three deep around valid packets, from every kind of
 * outer source to the node, frontends and services; and routed packets. */
static void test_encapsulation(void)
{
	struct rng r = { base_seed ^ 12 };
	uint8_t a[FRAME_MAX], b[FRAME_MAX];
	struct spec s;
	struct fz f;

	if (!case_begin(&f, "encapsulation", true, "mixed", "enforce", NULL, NULL))
		return;
	for (uint64_t i = 0, n = iters(60000); i < n && f.mismatches < max_fail; i++) {
		size_t len;
		int depth = chance(&r, 70) ? 1 : chance(&r, 70) ? 2 : 3;

		if (chance(&r, 10)) {
			len = routed(&r, a);
		} else {
			gen_valid(&r, &s, -1, -1);
			len = build_frame(&s, a);
			for (int d = 0; d < depth; d++) {
				bool v6 = chance(&r, 40);
				struct enf_addr dst = tunnel_dst(&r, v6);

				len = wrap(&r, a, len, chance(&r, 50) ? S_PUBLIC : -1, &dst, b);
				memcpy(a, b, len);
			}
		}
		check(&f, a, len, pick_role(&r), chance(&r, 15) ? RUN_REAL : RUN_TRACE);
	}
	case_end(&f);
}

/* Every truncation of valid frames, at every offset. */
static void test_truncations(void)
{
	struct flowgen *g = calloc(1, sizeof(*g));
	uint8_t frame[FRAME_MAX], quote[FRAME_MAX];
	struct rng r = { base_seed ^ 7 };
	struct spec s;
	struct fz f;
	size_t len;

	if (!g || !case_begin(&f, "truncations", false, "mixed", "enforce", NULL, NULL))
		goto out;
	for (uint64_t i = 0, n = iters(1500); i < n && f.mismatches < max_fail; i++) {
		int role = pick_role(&r);

		switch (rnd(&r, 5)) {
		case 0:
		case 1:
			gen_valid(&r, &s, -1, chance(&r, 80) ? (int)rnd(&r, 4) : -1);
			if (s.v6 && chance(&r, 30))
				add_ext(&r, &s, 1 + (int)rnd(&r, 4));
			len = build_frame(&s, frame);
			break;
		case 4: {	/* a tunnel: every cut of its outer and inner headers */
			struct enf_addr node = pick_node(&r, chance(&r, 40));

			gen_valid(&r, &s, -1, chance(&r, 80) ? (int)rnd(&r, 4) : -1);
			len = build_frame(&s, quote);
			len = wrap(&r, quote, len, chance(&r, 70) ? S_PUBLIC : -1, &node, frame);
			break;
		}
		case 2:
			gen_egress(&r, &s);
			s.l4_len = -1;
			len = build_frame(&s, frame);
			egress(&f, frame, len);
			g->ring[g->n < RING ? g->n++ : (int)rnd(&r, RING)] = s;
			{
				struct spec in;

				reply_of(&r, &s, &in);
				len = build_frame(&in, frame);
			}
			break;
		default:
			if (!g->n)
				continue;
			len = icmp_error_of(&r, &g->ring[rnd(&r, (uint32_t)g->n)], 1000, frame,
					    quote, true);
			break;
		}
		for (size_t cut = ETH_HLEN; cut <= len && f.mismatches < max_fail; cut++)
			check(&f, frame, cut, role, RUN_TRACE);
	}
	case_end(&f);
out:
	free(g);
}

/* Header mutations: odd IHL and versions, bogus lengths, byte flips in the
 * headers, 0-3 VLAN tags of any TPID, long and broken extension chains. */
static void mutate(struct rng *r, uint8_t *b, size_t *len, const struct spec *s)
{
	size_t l3 = 14 + 4 * (size_t)s->nvlan;
	int n = 1 + (int)rnd(r, 3);

	while (n--) {
		switch (rnd(r, 8)) {
		case 0:	/* IHL / version nibble */
			if (l3 < *len)
				b[l3] = (uint8_t)(chance(r, 70) ? (b[l3] & 0xf0) | rnd(r, 16)
								 : (rnd(r, 16) << 4) | (b[l3] & 15));
			break;
		case 1:	/* total length / payload length */
			if (l3 + 6 < *len)
				wr16(b + l3 + (s->v6 ? 4 : 2), (uint16_t)rnd(r, 65536));
			break;
		case 2:	/* a byte anywhere in the first 120 */
			if (*len)
				b[rnd(r, (uint32_t)(*len < 120 ? *len : 120))] = (uint8_t)rnd(r, 256);
			break;
		case 3:	/* a bit anywhere */
			if (*len)
				b[rnd(r, (uint32_t)*len)] ^= (uint8_t)(1 << rnd(r, 8));
			break;
		case 4:	/* protocol / next header */
			if (l3 + 9 < *len)
				b[l3 + (s->v6 ? 6 : 9)] = (uint8_t)rnd(r, 256);
			break;
		case 5:	/* fragment field */
			if (!s->v6 && l3 + 8 < *len)
				wr16(b + l3 + 6, (uint16_t)rnd(r, 65536));
			break;
		case 6:	/* cut */
			if (*len > ETH_HLEN)
				*len = ETH_HLEN + rnd(r, (uint32_t)(*len - ETH_HLEN));
			break;
		default: /* grow with junk */
			if (*len + 16 < FRAME_MAX) {
				for (int i = 0; i < 16; i++)
					b[*len + (size_t)i] = (uint8_t)rnd(r, 256);
				*len += 16;
			}
			break;
		}
	}
}

static void test_header_mutations(void)
{
	struct rng r = { base_seed ^ 8 };
	uint8_t frame[FRAME_MAX];
	struct spec s;
	struct fz f;

	if (!case_begin(&f, "header_mutations", false, "mixed", "enforce", NULL, NULL))
		return;
	for (uint64_t i = 0, n = iters(60000); i < n && f.mismatches < max_fail; i++) {
		size_t len;

		gen_valid(&r, &s, -1, chance(&r, 80) ? (int)rnd(&r, 4) : -1);
		if (chance(&r, 20)) {
			static const uint16_t tpids[] = { 0x8100, 0x88a8, 0x9100, 0x0800 };

			s.nvlan = (int)rnd(&r, 4);
			for (int v = 0; v < s.nvlan; v++)
				s.tpid[v] = tpids[rnd(&r, 4)];
		}
		if (s.v6 && chance(&r, 30)) {
			/* long chains: up to 12 headers, fragment headers among them */
			int k = (int)rnd(&r, 13);

			for (int e = 0; e < k && s.next < 16; e++) {
				static const uint8_t t[] = { 0, 43, 44, 51, 60, 60 };
				struct ext *x = &s.ext[s.next++];

				x->type = t[rnd(&r, ARRAY_SIZE(t))];
				x->len = (uint8_t)(chance(&r, 90) ? rnd(&r, 3) : rnd(&r, 256));
				x->frag = (uint16_t)(chance(&r, 50) ? rnd(&r, 2) : rnd(&r, 65536));
				x->id = rnd(&r, 4);
			}
		}
		len = build_frame(&s, frame);
		if (chance(&r, 15)) {	/* inside a tunnel: flips reach both */
			struct enf_addr node = pick_node(&r, s.v6);
			uint8_t w[FRAME_MAX];

			len = wrap(&r, frame, len, -1, &node, w);
			memcpy(frame, w, len);
		}
		if (chance(&r, 85))
			mutate(&r, frame, &len, &s);
		check(&f, frame, len, pick_role(&r), chance(&r, 10) ? RUN_REAL : RUN_TRACE);
	}
	case_end(&f);
}

/* Random frames with a plausible start. */
static void test_random_frames(void)
{
	struct rng r = { base_seed ^ 9 };
	uint8_t frame[FRAME_MAX];
	struct fz f;

	if (!case_begin(&f, "random_frames", false, "mixed", "enforce", NULL, NULL))
		return;
	for (uint64_t i = 0, n = iters(30000); i < n && f.mismatches < max_fail; i++) {
		size_t len = ETH_HLEN + rnd(&r, 200), off = 12;
		static const uint16_t et[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806 };

		for (size_t j = 0; j < len; j++)
			frame[j] = (uint8_t)rnd(&r, 256);
		while (off + 2 <= len && chance(&r, 70)) {
			uint16_t t = et[rnd(&r, ARRAY_SIZE(et))];

			wr16(frame + off, t);
			if (t == 0x0800 && off + 2 < len)
				frame[off + 2] = (uint8_t)(0x40 | rnd(&r, 16));
			else if (t == 0x86dd && off + 2 < len)
				frame[off + 2] = (uint8_t)(0x60 | rnd(&r, 16));
			if (t != 0x8100 && t != 0x88a8)
				break;
			off += 4;
		}
		/* now and then a service address as destination */
		if (chance(&r, 50) && len >= 34 && frame[12] == 0x08 && frame[13] == 0x00)
			memcpy(frame + 30, pick_dst(&r, (int)rnd(&r, D_KINDS), false)->addr, 4);
		check(&f, frame, len, pick_role(&r), chance(&r, 10) ? RUN_REAL : RUN_TRACE);
	}
	case_end(&f);
}

/* Audit mode: every drop passes, with its reason and the audit flag. */
static void test_audit_mode(void)
{
	struct fz f;

	if (case_begin(&f, "audit_mode", false, "mixed", "audit", NULL, NULL)) {
		run_matrix(&f, base_seed ^ 10, iters(10000));
		case_end(&f);
	}
}

/* Timeouts: flows (TCP, closing TCP, UDP, SCTP, echo), fragments and a
 * rack-private range that expires, each judged before and after, well
 * clear of the limits (the model flags anything closer than 50 ms). */
static void sleep_until(const struct timespec *t0, double secs)
{
	struct timespec now;
	double el;

	clock_gettime(CLOCK_MONOTONIC, &now);
	el = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
	if (el < secs)
		usleep((useconds_t)((secs - el) * 1e6));
}

static void timeout_round(struct fz *f, struct rng *r, struct spec *eg, int neg)
{
	uint8_t frame[FRAME_MAX], quote[FRAME_MAX];
	struct spec s;

	for (int i = 0; i < neg; i++) {
		reply_of(r, &eg[i], &s);
		s.sport = eg[i].dport;		/* unperturbed */
		s.dport = eg[i].sport;
		s.src = eg[i].dst;
		s.proto = eg[i].proto;
		s.icmp_id = eg[i].icmp_id;
		s.tcp_flags = 0x10;
		check(f, frame, build_frame(&s, frame), MODEL_ROLE_OWN, RUN_TRACE);
		check(f, frame, icmp_error_of(r, &eg[i], 1000, frame, quote, true), MODEL_ROLE_OWN,
		      RUN_TRACE);
	}
	/* the later fragment of a remembered first fragment */
	spec_init(&s, &srcs[S_PUBLIC][0].a[0], &dsts[D_PUBLIC][0].a[0], IPPROTO_TCP);
	s.ipid = 77;
	s.frag = 0x2001;
	s.l4_len = 0;
	check(f, frame, build_frame(&s, frame), MODEL_ROLE_OWN, RUN_TRACE);
	/* the expiring rack-private range */
	spec_init(&s, &srcs[S_PRIVATE][0].a[2], &dsts[D_INTERNAL][0].a[0], IPPROTO_TCP);
	s.dport = 4000;
	check(f, frame, build_frame(&s, frame), MODEL_ROLE_OWN, RUN_TRACE);
}

static void test_timeouts_and_expiry(void)
{
	static const char flows[] = "tcp: 2, tcp_closing: 1, udp: 1, icmp: 1, fragments: 1";
	struct rng r = { base_seed ^ 11 };
	uint8_t frame[FRAME_MAX];
	struct spec eg[40], s;
	struct timespec t0;
	char expiry[32];
	time_t exp;
	struct fz f;
	int neg = 0;

	/* 10.201.0.0/16 stops being rack-private 3-4 s from now */
	exp = time(NULL) + 4;
	strftime(expiry, sizeof(expiry), "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
	if (!case_begin(&f, "timeouts_and_expiry", false, "mixed", "enforce", flows, expiry))
		return;
	t0 = f.t0;
	while (neg < (int)ARRAY_SIZE(eg)) {
		gen_egress(&r, &s);
		s.l4_len = -1;
		s.nvlan = 0;
		s.src = *pick_dst(&r, D_INTERNAL, s.v6);
		s.dst = *pick_src(&r, S_PUBLIC, s.v6);
		if (s.proto == IPPROTO_TCP)
			s.tcp_flags = 0x02;
		eg[neg++] = s;
		egress(&f, frame, build_frame(&s, frame));
	}
	spec_init(&s, &srcs[S_PUBLIC][0].a[0], &dsts[D_PUBLIC][0].a[0], IPPROTO_TCP);
	s.dport = 80;
	s.ipid = 77;
	s.frag = 0x2000;
	check(&f, frame, build_frame(&s, frame), MODEL_ROLE_OWN, RUN_REAL);
	timeout_round(&f, &r, eg, neg);		/* t = 0: all alive */

	sleep_until(&t0, 1.5);			/* UDP, echo, fragments gone; TCP alive */
	timeout_round(&f, &r, eg, neg);
	for (int i = 0; i < neg; i++) {		/* close half of the TCP flows by FIN/RST */
		if (eg[i].proto != IPPROTO_TCP || i % 2)
			continue;
		reply_of(&r, &eg[i], &s);
		s.sport = eg[i].dport;
		s.dport = eg[i].sport;
		s.src = eg[i].dst;
		s.proto = IPPROTO_TCP;
		s.tcp_flags = i % 4 ? 0x11 : 0x04;
		check(&f, frame, build_frame(&s, frame), MODEL_ROLE_OWN, RUN_REAL);
	}
	sleep_until(&t0, 1.8);
	timeout_round(&f, &r, eg, neg);		/* closing ones alive (1 s) */
	sleep_until(&t0, 2.9);			/* every flow gone */
	timeout_round(&f, &r, eg, neg);
	for (int i = 0; i < neg; i++) {		/* egress revives them (SYN: open) */
		if (i % 3)
			continue;
		eg[i].tcp_flags = i % 2 ? 0x10 : 0x02;
		egress(&f, frame, build_frame(&eg[i], frame));
	}
	timeout_round(&f, &r, eg, neg);
	sleep_until(&t0, 5.2);			/* 10.201/16 expired (and revived flows) */
	timeout_round(&f, &r, eg, neg);
	case_end(&f);
}

/* Every reason (but pass_no_policy and audit_pass) came from the valid
 * generators. */
static void test_every_reason_produced(void)
{
	if (valid_cases_run < 6) {
		SKIP("needs every valid generator case in the same run");
		return;
	}
	for (uint32_t r = 0; r < ENF_REASON_MAX; r++) {
		if (r == ENF_REASON_PASS_NO_POLICY || r == ENF_REASON_AUDIT_PASS)
			continue;
		CHECK(valid_cover[r] > 0, "the valid generators never produced %s",
		      model_reason_name(r));
	}
	printf("    %llu frames in %.1f s: %.0f frames/s\n", (unsigned long long)total_runs,
	       total_secs, total_secs > 0 ? (double)total_runs / total_secs : 0.0);
	for (size_t i = 0; test_verbose && i < ARRAY_SIZE(rules) && rules[i].why; i++)
		printf("    %10llu  %s\n", (unsigned long long)rules[i].n, rules[i].why);
}

static const struct test_case tests[] = {
	TEST(valid_matrix),
	TEST(public_uplink),
	TEST(flows_and_replies),
	TEST(icmp_errors),
	TEST(fragments),
	TEST(tunnels_and_ndp),
	TEST(encapsulation),
	TEST(truncations),
	TEST(header_mutations),
	TEST(random_frames),
	TEST(audit_mode),
	TEST(timeouts_and_expiry),
	TEST(every_reason_produced),
};

/* ---------------------------------------------------------------------- */

static bool setup(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	/* one CPU: the per-CPU trace slot that changes is always the same */
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	init_pools();
	state_init(&st);
	if (state_load(&st)) {
		printf("cannot load the BPF programs\n");
		return false;
	}
	loaded = true;
	memset(&M, 0, sizeof(M));	/* the policy comes with the first apply() */
	M.quirks = accept_quirks;
	return true;
}

static void teardown(void)
{
	if (loaded)
		state_close(&st);
	loaded = false;
	model_free(&M);
	if (mf)
		manifest_free(mf);
	mf = NULL;
}

static unsigned int parse_accept(const char *s)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} q[] = {
		{ "frontend-frags", MQ_FRONTEND_FRAGS },
		{ "v6-frag-proto", MQ_V6_FRAG_PROTO },
		{ "public-port-egress", MQ_PUBLIC_PORT_EGRESS },
		{ "trace-own-role", MQ_TRACE_OWN_ROLE },
		{ "frontend-flag-bit", MQ_FRONTEND_FLAG_BIT },
		{ "all", MQ_ALL },
	};
	unsigned int bits = 0;

	for (size_t i = 0; i < ARRAY_SIZE(q); i++)
		if (strstr(s, q[i].name))
			bits |= q[i].bit;
	return bits;
}

/*
 * --replay ROLE FRAME...: judges frames in order (fresh flow and fragment
 * tables; loopback's role from $ENF_FUZZ_LO, default mixed). A FRAME is
 * hex; "e:HEX" runs it through TC egress instead (opens a flow), "r:HEX"
 * through the attached program as well (remembers a first fragment).
 */
static int replay(int argc, char **argv)
{
	static uint8_t frame[FRAME_MAX];
	const char *lo = getenv("ENF_FUZZ_LO");
	struct fz f;
	int role = ENF_ROLE_MIXED;

	for (int i = 0; i < 4; i++)
		if (!strcmp(argv[0], role_names[i]))
			role = i;
	if (!setup() || !case_begin(&f, "replay", false, lo && *lo ? lo : "mixed", "enforce",
				    NULL, NULL)) {
		teardown();
		return 1;
	}
	replay_print = true;
	for (int a = 1; a < argc; a++) {
		const char *p = argv[a];
		int mode = RUN_TRACE;
		size_t n = 0;

		if (!strncmp(p, "e:", 2) || !strncmp(p, "r:", 2)) {
			mode = p[0] == 'e' ? -1 : RUN_REAL;
			p += 2;
		}
		for (; p[0] && p[1] && n < sizeof(frame);) {
			unsigned int b;

			if (!isxdigit((unsigned char)p[0])) {
				p++;
				continue;
			}
			if (sscanf(p, "%2x", &b) != 1)
				break;
			frame[n++] = (uint8_t)b;
			p += 2;
		}
		printf("frame %d (%zu bytes)%s\n", a, n, mode < 0 ? ": egress" : "");
		if (mode < 0)
			egress(&f, frame, n);
		else
			check(&f, frame, n, mode == RUN_REAL ? MODEL_ROLE_OWN : role, mode);
	}
	printf("%d mismatches\n", f.mismatches);
	teardown();
	return f.mismatches ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed = base_seed;
	const char *e;
	int rc;

	fuzz_env(&iter_factor, &seed, &max_fail);
	base_seed = seed;
	if ((e = getenv("ENF_FUZZ_ACCEPT")) && *e)
		accept_quirks = parse_accept(e);
	if (!test_have_root(ARRAY_SIZE(tests)))
		return 0;
	if (argc >= 4 && !strcmp(argv[1], "--replay"))
		return replay(argc - 2, argv + 2);
	printf("# seed 0x%llx, iterations x%g, model follows the program on: 0x%x\n",
	       (unsigned long long)base_seed, iter_factor, accept_quirks);
	if (!setup()) {
		teardown();
		printf("0 passed, 1 failed\n");
		return 1;
	}
	rc = run_tests(tests, ARRAY_SIZE(tests), argc, argv);
	teardown();
	return rc;
}
