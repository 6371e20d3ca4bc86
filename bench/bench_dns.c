// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-query cost of the in-kernel DNS answers (the TC program enf_tc_dns,
 * and the XDP one, enf_xdp_dns)
 * with BPF_PROG_TEST_RUN, and the zone generator bench/dns_qps.sh uses.
 *
 *   bench_dns gen --names N
 *       print a synthetic manifest (YAML) whose zone holds about N names
 *   bench_dns run [--names 10,1000,100000] [--runs R] [--repeat N]
 *       CSV on stdout: one line per (scale, query); medians of R runs
 *   bench_dns smoke
 *       the harness in about a second: smallest scale, repeat 1000, one
 *       run; checks every reply; ends "N passed, N failed"
 *
 * The program rewrites the query into its reply in place, and test_run
 * runs `repeat` times over the same buffer: from the second run on it would
 * see its own reply (QR=1, to the client) and pass it at once. So every
 * timed run goes through a small restore program (built here from raw
 * instructions): it puts the query back (bpf_skb_change_tail to the
 * query's length, bpf_skb_store_bytes of the saved bytes) and tail-calls
 * the program under test. Per (scale, query), in the same run:
 *
 *   empty_ns     an empty TC program (r0 = TC_ACT_OK) on the query: the
 *                cost of test_run itself
 *   restore_ns   restore + tail call into the empty program: the harness
 *   enforcer_ns  restore + tail call into enf_tc_dns: a whole answer
 *   net_ns       enforcer_ns - restore_ns: what the answer costs
 *   ratio        enforcer_ns / restore_ns
 *
 * Each query is also run as XDP (cases `*_xdp`): enf_xdp_dns, the answer
 * `attach --dns-xdp` sends with XDP_TX, under an XDP restore program
 * (bpf_xdp_adjust_head/_tail back to the query's length and place, then
 * bpf_xdp_store_bytes), against an empty XDP program. test_run binds the
 * frame to lo, whose entry in this process's own enf_dns_xdp turns the
 * answers on (nothing is attached anywhere).
 *
 * The enforcer's answer counter (enf_dns_stats[ENF_DNS_ANSWER]) must grow
 * by exactly `repeat` over a timed run, or the line is marked failed: that
 * proves every iteration produced an answer.
 *
 * The synthetic zone, Scalingo style (seed 004): one isolated private
 * network pn-ad0fd6a1-...; templates {service}.internal,
 * {index}.{type}.{app}.{network}.private-network.internal and
 * {type}.{app}.{network}.private-network.internal. App ap-a71da13f-... has
 * `web` (port 443, 10.64.0.10 and .11); apps ap-00000000-0000-4000-8000-<n>
 * hold ten services s<k> each, one instance 10.64.0.0 + 256 + k, no port
 * (four names per service plus an empty non-terminal per app). The client
 * 10.79.0.5 is a member of the network; the resolver is 10.96.0.10.
 * Queries: `web.internal` A (short) and
 * `1.web.ap-a71da13f-7c70-4c00-a644-eee8558d8053.pn-ad0fd6a1-d05e-40ea-bf63-c4f8a75a9d8c.private-network.internal`
 * A (110 characters, 112 bytes in wire form).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "compile.h"
#include "dnsgen.h"
#include "manifest.h"
#include "state.h"
#include "bench.h"

#define PN "pn-ad0fd6a1-d05e-40ea-bf63-c4f8a75a9d8c"
#define WEB_APP "ap-a71da13f-7c70-4c00-a644-eee8558d8053"
#define LONG_NAME "1.web." WEB_APP "." PN ".private-network.internal"
#define CLIENT "10.79.0.5"
#define RESOLVER "10.96.0.10"
#define SVC_PER_APP 10
#define NAMES_PER_SVC 4		/* s<k>.internal, 1.s<k>.internal, and both Scalingo forms */
#define FIXED_NAMES 16		/* web's names, apexes, ns, ENTs: approximately */

_Static_assert(sizeof(LONG_NAME) - 1 == 110, "the long name is 110 characters");

/* ---- manifest generator ---- */

/* Services s<k> for about `names` names in the zone. */
static unsigned long svcs_for(unsigned long names)
{
	return names > FIXED_NAMES + NAMES_PER_SVC ? (names - FIXED_NAMES) / NAMES_PER_SVC : 1;
}

static void gen_manifest(struct buf *b, unsigned long names)
{
	unsigned long nsvc = svcs_for(names), k;

	b->len = 0;
	bprintf(b,
		"# bench_dns gen --names %lu: %lu services s<k> plus web\n"
		"rack: bench\n"
		"zones:\n"
		"  - \"{service}.internal\"\n"
		"  - \"{index}.{type}.{app}.{network}.private-network.internal\"\n"
		"  - \"{type}.{app}.{network}.private-network.internal\"\n"
		"dns:\n"
		"  resolvers: [" RESOLVER "]\n"
		"  ttl: 5\n"
		"networks:\n"
		"  " PN ":\n"
		"    isolated: true\n"
		"    cidrs: [10.64.0.0/12]\n"
		"interfaces:\n"
		"  - { match: \"p-*\", role: pods }\n"
		"apps:\n"
		"  " WEB_APP ":\n"
		"    network: " PN "\n"
		"    services:\n"
		"      web: { port: 443, instances: [10.64.0.10, 10.64.0.11] }\n",
		names, nsvc);
	for (k = 0; k < nsvc; k++) {
		uint32_t a = 0x0a400100u + (uint32_t)k;	/* 10.64.1.0 + k */

		if (k % SVC_PER_APP == 0)
			bprintf(b,
				"  ap-00000000-0000-4000-8000-%012lx:\n"
				"    network: " PN "\n"
				"    services:\n",
				k / SVC_PER_APP);
		bprintf(b, "      s%lu: { instances: [%u.%u.%u.%u] }\n", k, a >> 24, (a >> 16) & 255,
			(a >> 8) & 255, a & 255);
	}
}

/* ---- programs ---- */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_W(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define LD_MAP(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Loads a harness program (`what` names it in errors), or -1. XDP ones get
 * the attach type libbpf gives SEC("xdp") programs, BPF_XDP: a prog array
 * takes programs of one attach type only. */
static int load_harness(enum bpf_prog_type type, const char *what, const struct bpf_insn *insns,
			size_t n)
{
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1,
		    .expected_attach_type = type == BPF_PROG_TYPE_XDP ? BPF_XDP : 0);
	int fd = bpf_prog_load(type, "bench_harness", "GPL", insns, n, &o);

	if (fd < 0)
		fprintf(stderr, "bench_dns: cannot load the %s: %s\n%s", what, strerror(errno), log);
	return fd;
}

/*
 * The restore program: the packet becomes the `len` bytes in query_map[0]
 * again, then tail call progs_map[0]. TC_ACT_OK if the tail call fails.
 */
static int restore_prog(int query_map, int progs_map, uint32_t len)
{
	struct bpf_insn insns[] = {
		MOV64_REG(BPF_REG_6, BPF_REG_1),
		MOV64_IMM(BPF_REG_2, len),
		MOV64_IMM(BPF_REG_3, 0),
		CALL(BPF_FUNC_skb_change_tail),
		ST_W(BPF_REG_10, -4, 0),
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -4),
		LD_MAP(BPF_REG_1, query_map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(BPF_REG_0, 0, 11),	/* to the last two */
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		MOV64_IMM(BPF_REG_2, 0),
		MOV64_REG(BPF_REG_3, BPF_REG_0),
		MOV64_IMM(BPF_REG_4, len),
		MOV64_IMM(BPF_REG_5, 0),
		CALL(BPF_FUNC_skb_store_bytes),
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		LD_MAP(BPF_REG_2, progs_map),
		MOV64_IMM(BPF_REG_3, 0),
		CALL(BPF_FUNC_tail_call),
		MOV64_IMM(BPF_REG_0, TC_ACT_OK),
		EXIT(),
	};

	return load_harness(BPF_PROG_TYPE_SCHED_CLS, "restore program", insns,
			    sizeof(insns) / sizeof(insns[0]));
}

#define JSLE_IMM(d, i, o) INSN(BPF_JMP | BPF_JSLE | BPF_K, d, 0, o, i)
#define JSGE_IMM(d, i, o) INSN(BPF_JMP | BPF_JSGE | BPF_K, d, 0, o, i)
#define NEG64(d) INSN(BPF_ALU64 | BPF_NEG, d, 0, 0, 0)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)

/*
 * The same for XDP: enf_xdp_dns grows the frame at its head (or shrinks it
 * at its tail), so the frame is first brought back to `len` bytes where it
 * began (bpf_xdp_adjust_head by the growth, or bpf_xdp_adjust_tail by the
 * shrink), then the query stored over it. XDP_PASS if the tail call fails.
 */
static int restore_xdp_prog(int query_map, int progs_map, uint32_t len)
{
	struct bpf_insn insns[] = {
		MOV64_REG(BPF_REG_6, BPF_REG_1),
		CALL(BPF_FUNC_xdp_get_buff_len),
		MOV64_REG(BPF_REG_2, BPF_REG_0),
		ADD64_IMM(BPF_REG_2, -(int32_t)len),	/* r2 = now - len */
		JSLE_IMM(BPF_REG_2, 0, 3),
		MOV64_REG(BPF_REG_1, BPF_REG_6),	/* grown at the head */
		CALL(BPF_FUNC_xdp_adjust_head),
		JA(4),
		JSGE_IMM(BPF_REG_2, 0, 3),
		NEG64(BPF_REG_2),			/* shrunk at the tail */
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		CALL(BPF_FUNC_xdp_adjust_tail),
		ST_W(BPF_REG_10, -4, 0),
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -4),
		LD_MAP(BPF_REG_1, query_map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(BPF_REG_0, 0, 10),	/* to the last two */
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		MOV64_IMM(BPF_REG_2, 0),
		MOV64_REG(BPF_REG_3, BPF_REG_0),
		MOV64_IMM(BPF_REG_4, len),
		CALL(BPF_FUNC_xdp_store_bytes),
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		LD_MAP(BPF_REG_2, progs_map),
		MOV64_IMM(BPF_REG_3, 0),
		CALL(BPF_FUNC_tail_call),
		MOV64_IMM(BPF_REG_0, XDP_PASS),
		EXIT(),
	};

	return load_harness(BPF_PROG_TYPE_XDP, "XDP restore program", insns,
			    sizeof(insns) / sizeof(insns[0]));
}

/* An XDP program that passes. */
static int empty_xdp_prog(void)
{
	struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, XDP_PASS), EXIT() };

	return load_harness(BPF_PROG_TYPE_XDP, "empty XDP program", insns, 2);
}

/* A one-slot prog array holding `prog`, or -1. */
static int prog_array(int prog)
{
	uint32_t k = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "bench_progs", 4, 4, 1, NULL);

	if (fd < 0 || bpf_map_update_elem(fd, &k, &prog, BPF_ANY)) {
		fprintf(stderr, "bench_dns: cannot build the prog array: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- test_run ---- */

static uint8_t out[DNS_PKT_MAX + 256];
static uint32_t out_len;

/* Average ns per run of `repeat` runs, or -1; *ret gets the verdict. */
static double run_ns(int fd, const void *pkt, size_t len, unsigned int repeat, int *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &opts)) {
		fprintf(stderr, "bench_dns: test_run: %s\n", strerror(errno));
		return -1;
	}
	out_len = opts.data_size_out;
	if (ret)
		*ret = opts.retval;
	return opts.duration;
}

/* enf_dns_stats[reason], summed over CPUs. */
static uint64_t dns_stat(const struct enf_state *st, uint32_t reason)
{
	uint64_t v[ENF_DNS_REASON_MAX];

	state_dns_stats(st, v);
	return v[reason];
}

/* Compile and apply the manifest in b; *nnames gets the zone's (view, name) count. */
struct query {
	const char *label;	/* CSV case name */
	const char *name;
	const char *want[2];	/* the A records of the answer */
	int nwant;
};

static const struct query queries[] = {
	{ "short_a", "web.internal", { "10.64.0.10", "10.64.0.11" }, 2 },
	{ "long_a", LONG_NAME, { "10.64.0.10" }, 1 },
};


/* The reply in out[] must be NOERROR, AA, the question echoed and exactly
 * the A records of q. Returns the number of answers, or -1. */
static int check_reply(const struct query *q, const uint8_t *query_msg, size_t qmsg_len,
		       const char *what)
{
	struct dns_reply rep;
	size_t d = 14 + 20 + 8;
	bool seen[2] = { false, false };
	int i, j, ok = 1;

	if (out_len <= d || dns_parse_reply(out + d, out_len - d, &rep)) {
		bench_expect(false, what, "reply does not parse (%u bytes)", out_len);
		return -1;
	}
	bench_expect(rep.qr && rep.aa && rep.rcode == 0 && rep.id == 0x1234, what,
	       "header qr %u aa %u rcode %u id %#x, want a NOERROR authoritative answer", rep.qr,
	       rep.aa, rep.rcode, rep.id);
	bench_expect(rep.qlen == qmsg_len - 12 && !memcmp(rep.question, query_msg + 12, rep.qlen), what,
	       "question not echoed");
	for (i = 0; i < rep.an; i++) {
		uint8_t bin[4];

		for (j = 0; j < q->nwant; j++) {
			inet_pton(AF_INET, q->want[j], bin);
			if (rep.answer[i].type == 1 && rep.answer[i].rdlen == 4 &&
			    !memcmp(rep.answer[i].rdata, bin, 4))
				break;
		}
		if (j == q->nwant || seen[j])
			ok = 0;
		else
			seen[j] = true;
	}
	bench_expect(ok && rep.an == q->nwant, what, "%u answers, want exactly the A records of %s",
	       rep.an, q->name);
	/* the source and destination must have been swapped */
	{
		uint8_t res[4], cli[4];

		inet_pton(AF_INET, RESOLVER, res);
		inet_pton(AF_INET, CLIENT, cli);
		bench_expect(!memcmp(out + 14 + 12, res, 4) && !memcmp(out + 14 + 16, cli, 4), what,
		       "reply not from the resolver to the client");
	}
	return rep.an;
}

struct opts {
	unsigned long names[16];
	int nnames;
	int runs;
	unsigned int repeat;
	bool smoke;
};

/* The two hooks the answers run at: TC (enf_tc_dns) and XDP (enf_xdp_dns,
 * reached by a tail call on an interface with --dns-xdp). */
struct path {
	const char *suffix;	/* of the CSV case name */
	int answer;		/* the verdict of an answer */
	int empty_fd;		/* the empty program of that type */
	int arr_empty, arr_dns;	/* prog arrays: the empty program, the answers */
	int (*restore)(int query_map, int progs_map, uint32_t len);
	int prog_fd;
};

static int bench_scale(const struct opts *o, const int empty_fd[2], unsigned long target)
{
	int query_map = -1, arr_empty = -1, arr_dns = -1, xarr_empty = -1, xarr_dns = -1;
	struct enf_state st;
	struct buf b = { 0 };
	size_t nnames = 0;
	double t0, t_apply;
	uint32_t k = 0;
	size_t i;
	int err = -1;

	gen_manifest(&b, target);
	state_init(&st);
	if (state_load(&st)) {
		fprintf(stderr, "bench_dns: cannot load the enforcer (root?)\n");
		free(b.p);
		return -1;
	}
	t0 = now_s();
	if (bench_apply(&st, &b, "bench_dns.yml", NULL, 0, &nnames)) {
		fprintf(stderr, "bench_dns: apply of ~%lu names failed\n", target);
		goto out;
	}
	t_apply = now_s() - t0;
	fprintf(stderr, "# ~%lu names (%zu in the zone): applied in %.3f s\n", target, nnames,
		t_apply);
	query_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_query", 4, DNS_PKT_MAX, 1, NULL);
	arr_empty = prog_array(empty_fd[0]);
	arr_dns = prog_array(st.dns_prog_fd);
	xarr_empty = prog_array(empty_fd[1]);
	xarr_dns = prog_array(st.xdp_dns_fd);
	if (query_map < 0 || arr_empty < 0 || arr_dns < 0 || xarr_empty < 0 || xarr_dns < 0) {
		fprintf(stderr, "bench_dns: cannot create the harness maps: %s\n", strerror(errno));
		goto out;
	}
	{
		/* test_run binds an XDP frame to lo: answers in XDP there, in
		 * this process's own maps (nothing is attached anywhere) */
		uint32_t lo = 1, one = 1;

		if (bpf_map_update_elem(st.dns_xdp_fd, &lo, &one, BPF_ANY)) {
			fprintf(stderr, "bench_dns: cannot turn on the XDP answers: %s\n",
				strerror(errno));
			goto out;
		}
	}

	for (i = 0; i < 2 * sizeof(queries) / sizeof(queries[0]); i++) {
		const struct query *q = &queries[i / 2];
		const struct path paths[2] = {
			{ "", TC_ACT_REDIRECT, empty_fd[0], arr_empty, arr_dns, restore_prog,
			  st.dns_prog_fd },
			{ "_xdp", XDP_TX, empty_fd[1], xarr_empty, xarr_dns, restore_xdp_prog,
			  st.xdp_dns_fd },
		};
		const struct path *pa = &paths[i % 2];
		struct dns_query_spec spec = { .src = CLIENT, .dst = RESOLVER, .name = q->name };
		static uint8_t msg[1500], pkt[DNS_PKT_MAX];
		double e[64], r[64], x[64], ratio[64];
		size_t mlen = dns_build_msg(&spec, msg), plen = dns_wrap(&spec, msg, mlen, pkt);
		int ret = -1, rret = -1, wrap_empty, wrap_dns, n, an;
		uint64_t before, after;
		char what[160];
		bool counted = true;

		snprintf(what, sizeof(what), "%s%s at %zu names", q->label, pa->suffix, nnames);
		/* correctness first: one plain run, the reply must be the answer */
		if (run_ns(pa->prog_fd, pkt, plen, 1, &ret) < 0)
			ret = -1;
		bench_expect(ret == pa->answer, what, "verdict %d, want an answer (%d)", ret,
			     pa->answer);
		an = ret == pa->answer ? check_reply(q, msg, mlen, what) : -1;

		memset(out, 0, sizeof(out));
		memcpy(out, pkt, plen);
		if (bpf_map_update_elem(query_map, &k, out, BPF_ANY)) {
			fprintf(stderr, "bench_dns: cannot store the query: %s\n", strerror(errno));
			goto out;
		}
		wrap_empty = pa->restore(query_map, pa->arr_empty, plen);
		wrap_dns = pa->restore(query_map, pa->arr_dns, plen);
		if (wrap_empty < 0 || wrap_dns < 0) {
			if (wrap_empty >= 0)
				close(wrap_empty);
			if (wrap_dns >= 0)
				close(wrap_dns);
			goto out;
		}
		/* the harness itself: three runs through restore + enforcer end in
		 * a correct reply and three answers counted */
		before = dns_stat(&st, ENF_DNS_ANSWER);
		run_ns(wrap_dns, pkt, plen, 3, &rret);
		after = dns_stat(&st, ENF_DNS_ANSWER);
		bench_expect(rret == pa->answer && after - before == 3, what,
		       "restore harness: verdict %d, %llu answers counted over 3 runs, want %d and 3",
		       rret, (unsigned long long)(after - before), pa->answer);
		if (rret == pa->answer)
			check_reply(q, msg, mlen, what);

		for (n = 0; n < o->runs; n++) {
			e[n] = run_ns(pa->empty_fd, pkt, plen, o->repeat, NULL);
			r[n] = run_ns(wrap_empty, pkt, plen, o->repeat, NULL);
			before = dns_stat(&st, ENF_DNS_ANSWER);
			x[n] = run_ns(wrap_dns, pkt, plen, o->repeat, NULL);
			after = dns_stat(&st, ENF_DNS_ANSWER);
			if (after - before != o->repeat)
				counted = false;
			ratio[n] = r[n] > 0 ? x[n] / r[n] : 0;
		}
		bench_expect(counted, what, "answer counter did not grow by %u over a timed run",
		       o->repeat);
		{
			double me = median(e, o->runs), mr = median(r, o->runs);
			double mx = median(x, o->runs), mq = median(ratio, o->runs);

			printf("%lu,%zu,%s%s,%zu,%d,%d,%.1f,%.1f,%.1f,%.1f,%.2f,%s\n", target, nnames,
			       q->label, pa->suffix, strlen(q->name), ret, an, me, mr, mx, mx - mr, mq,
			       counted ? "yes" : "no");
		}
		fflush(stdout);
		close(wrap_empty);
		close(wrap_dns);
	}
	err = 0;
out:
	if (query_map >= 0)
		close(query_map);
	if (arr_empty >= 0)
		close(arr_empty);
	if (arr_dns >= 0)
		close(arr_dns);
	if (xarr_empty >= 0)
		close(xarr_empty);
	if (xarr_dns >= 0)
		close(xarr_dns);
	state_close(&st);
	free(b.p);
	return err;
}

static const char usage[] =
	"usage: bench_dns gen --names N\n"
	"       bench_dns run [--names LIST] [--runs R] [--repeat N]\n"
	"       bench_dns smoke\n";

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "names", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'N' },
		{ 0 },
	};
	struct opts o = { .names = { 10, 1000, 100000 }, .nnames = 3, .runs = 5,
			  .repeat = 1000000 };
	enum bench_cmd cmd = bench_command(argc, argv, usage);
	int opt, empty_fd[2], i, err = 0;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o.nnames = parse_list(optarg, o.names, 16);
			break;
		case 'r':
			o.runs = atoi(optarg);
			break;
		case 'N':
			o.repeat = strtoul(optarg, NULL, 10);
			break;
		default:
			bench_usage(usage);
		}
	}
	if (o.nnames <= 0 || o.runs < 1 || o.runs > 64 || !o.repeat)
		bench_usage(usage);

	if (cmd == BENCH_GEN) {
		struct buf b = { 0 };

		gen_manifest(&b, o.names[0]);
		return bench_write_manifest(&b);
	}
	if (cmd == BENCH_SMOKE) {
		o.runs = 1;
		o.repeat = 1000;
		o.nnames = 1;
		o.names[0] = 10;
		o.smoke = true;
	}

	libbpf_set_print(NULL);
	if (!jit_enabled())
		fprintf(stderr, "bench_dns: warning: the BPF JIT is off; figures are interpreted\n");
	empty_fd[0] = bench_empty_prog(BPF_PROG_TYPE_SCHED_CLS, TC_ACT_OK);
	empty_fd[1] = empty_xdp_prog();
	if (empty_fd[0] < 0 || empty_fd[1] < 0) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	printf("target_names,zone_names,case,name_chars,verdict,answers,empty_ns,restore_ns,"
	       "enforcer_ns,net_ns,ratio,all_answered\n");
	for (i = 0; i < o.nnames; i++)
		if (bench_scale(&o, empty_fd, o.names[i])) {
			bench_failed++;
			err = 1;
		}
	close(empty_fd[0]);
	close(empty_fd[1]);
	return bench_end(o.smoke, "reply checks", err);
}
