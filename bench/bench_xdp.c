// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Data-plane benchmark of the enforcer's XDP program with BPF_PROG_TEST_RUN,
 * and the manifest generator the control-plane benchmark uses.
 *
 *   bench_xdp gen --services N [--instances K] [--prefixes P] [--change]
 *       print a synthetic manifest (YAML) on stdout; --change moves one
 *       service to another port (the "one-service change" of bench_ctl.sh)
 *   bench_xdp run [--services 10,1000,...] [--prefixes 10,1000,...]
 *                 [--runs R] [--repeat N] [--xdp-filter-prog ID] [--monitor RATE]
 *       CSV on stdout: one line per (scale, case, family); medians of R runs;
 *       --monitor adds the enforcer with `enforcer monitor` reading drops at
 *       RATE events/s per CPU (its bucket empty within the first runs: the
 *       cost a flood pays while someone watches)
 *   bench_xdp smoke
 *       the harness in a few hundred milliseconds: smallest scale, repeat
 *       1000, one run; checks every verdict; ends "N passed, N failed"
 *
 * Every measurement of the enforcer is paired with the same packet through
 * an empty XDP program (r0 = XDP_PASS; exit) in the same run: the ratio is
 * what the enforcer adds over the cost of test_run itself.
 *
 * The synthetic rack: services alternate public (port 80) and internal
 * (port 4000, internal: true); instance k has 100.64.0.0 + k and fd64::k;
 * private prefixes alternate 10.0.0.0 + 16 i /28 and fd00:0:H:L::/64
 * (i = 65536 H + L). Packets: public source 203.0.113.7 / 2001:db8::7,
 * private source inside the middle prefix, destination an instance of the
 * middle public or internal service, or 198.18.0.1 / 2001:db8:ffff::1
 * (not owned).
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

#include "compile.h"
#include "manifest.h"
#include "maps.h"
#include "pktgen.h"
#include "state.h"
#include "bench.h"

/* test_run packets arrive on lo (ifindex 1): the manifest gives it a role */
static const struct enf_iface bench_lo = { .name = "lo", .ifindex = 1 };

/* ---- manifest generator ---- */

static void v4_str(uint32_t host, char *out)
{
	snprintf(out, 16, "%u.%u.%u.%u", host >> 24, (host >> 16) & 255, (host >> 8) & 255, host & 255);
}

static void inst_v4(unsigned long k, char *out)
{
	v4_str(0x64400000u + (uint32_t)k, out);	/* 100.64.0.0/10 */
}

static void inst_v6(unsigned long k, char *out)
{
	snprintf(out, 48, "fd64::%lx:%lx", k >> 16, k & 0xffff);
}

static void prefix_str(unsigned long i, char *out)
{
	unsigned long k = i / 2;

	if (i % 2 == 0) {
		v4_str(0x0a000000u + (uint32_t)(k * 16), out);
		strcat(out, "/28");
	} else {
		snprintf(out, 64, "fd00:0:%lx:%lx::/64", k >> 16, k & 0xffff);
	}
}

/* A host inside prefix i. */
static void prefix_host(unsigned long i, char *out)
{
	unsigned long k = i / 2;

	if (i % 2 == 0)
		v4_str(0x0a000000u + (uint32_t)(k * 16) + 1, out);
	else
		snprintf(out, 64, "fd00:0:%lx:%lx::1", k >> 16, k & 0xffff);
}

static bool svc_internal(unsigned long s)
{
	return s % 2 == 1;
}

static void gen_manifest(struct buf *b, unsigned long nsvc, unsigned long ninst,
			 unsigned long nprefix, bool change)
{
	char a[64];
	unsigned long s, j, i;

	b->len = 0;
	bprintf(b, "rack: bench\nprivate:\n");
	for (i = 0; i < nprefix; i++) {
		prefix_str(i, a);
		bprintf(b, "  - \"%s\"\n", a);
	}
	bprintf(b, "interfaces:\n  - { name: lo, role: mixed }\napps:\n");
	for (s = 0; s < nsvc; s++) {
		int port = svc_internal(s) ? 4000 : 80;

		if (s % 1000 == 0)
			bprintf(b, "  app%lu:\n    services:\n", s / 1000);
		if (change && s == nsvc / 2)
			port = 8080;
		bprintf(b, "      s%lu: { port: %d,%s instances: [", s, port,
			svc_internal(s) ? " internal: true," : "");
		for (j = 0; j < ninst; j++) {
			unsigned long k = s * ninst + j + 1;

			if (j % 2 == 0)
				inst_v4(k / 2 + 1, a);
			else
				inst_v6(k / 2 + 1, a);
			bprintf(b, "%s\"%s\"", j ? ", " : "", a);
		}
		bprintf(b, "] }\n");
	}
}

/* Instance addresses of service s with ninst = 2: v4 then v6. */
static void svc_addrs(unsigned long s, char *v4, char *v6)
{
	unsigned long k = s * 2 + 1;

	inst_v4(k / 2 + 1, v4);
	inst_v6((k + 1) / 2 + 1, v6);
}

/* ---- test_run ---- */

/* Average ns per run of `repeat` runs, or -1; *ret gets the verdict. */
static double run_ns(int fd, const void *pkt, size_t len, unsigned int repeat, int *ret)
{
	uint8_t out[PKT_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &opts)) {
		fprintf(stderr, "bench_xdp: test_run: %s\n", strerror(errno));
		return -1;
	}
	if (ret)
		*ret = opts.retval;
	return opts.duration;
}

enum bcase { C_DROP, C_PRIV, C_PUB, C_NOTOWNED, C_MAX };
static const char *const case_name[C_MAX] = {
	"public_to_internal", "private_to_internal", "public_to_public_port", "not_owned",
};
static const int case_verdict[C_MAX] = { XDP_DROP, XDP_PASS, XDP_PASS, XDP_PASS };

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

static void build_pkts(unsigned long nsvc, unsigned long nprefix, struct pkt p[C_MAX][2])
{
	char int4[64], int6[64], pub4[64], pub6[64], priv4[64], priv6[64];
	unsigned long mid = nsvc / 2, si = svc_internal(mid) ? mid : mid + 1;
	unsigned long sp = svc_internal(mid) ? mid - 1 : mid;
	unsigned long pm = nprefix / 2 & ~1UL;
	int f;

	if (si >= nsvc)
		si = 1;
	svc_addrs(si, int4, int6);
	svc_addrs(sp, pub4, pub6);
	prefix_host(pm, priv4);
	prefix_host(pm + 1, priv6);
	for (f = 0; f < 2; f++) {
		struct pkt_spec s[C_MAX] = {
			{ .src = f ? "2001:db8::7" : "203.0.113.7", .dst = f ? int6 : int4, .dport = 4000 },
			{ .src = f ? priv6 : priv4, .dst = f ? int6 : int4, .dport = 4000 },
			{ .src = f ? "2001:db8::7" : "203.0.113.7", .dst = f ? pub6 : pub4, .dport = 80 },
			{ .src = f ? "2001:db8::7" : "203.0.113.7",
			  .dst = f ? "2001:db8:ffff::1" : "198.18.0.1", .dport = 22 },
		};
		int c;

		for (c = 0; c < C_MAX; c++)
			p[c][f].len = pkt_build(&s[c], p[c][f].b);
	}
}

/* ---- xdp-filter's maps ---- */

/* fd of the map called `name` that prog_fd uses, or -1. */
static int prog_map_fd(int prog_fd, const char *name, uint32_t *max_entries)
{
	struct bpf_prog_info info = { 0 };
	uint32_t ids[64], len = sizeof(info), i;

	info.nr_map_ids = 64;
	info.map_ids = (uint64_t)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	for (i = 0; i < info.nr_map_ids && i < 64; i++) {
		struct bpf_map_info mi = { 0 };
		uint32_t ml = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &ml) && !strcmp(mi.name, name)) {
			*max_entries = mi.max_entries;
			return fd;
		}
		close(fd);
	}
	return -1;
}

#define XF_MAP_FLAG_DST 2	/* xdp-filter's common_kern_user.h: MAP_FLAG_DST */

/*
 * The rule set xdp-filter can express: drop every packet to an address of
 * an internal instance ("xdp-filter ip ADDR --mode dst"), with default
 * allow. It has no source prefixes, so private -> internal is dropped too.
 * Returns -1 when the addresses do not fit its maps (10,000 per family).
 */
static int xf_fill(int xf_fd, unsigned long nsvc)
{
	uint32_t max4 = 0, max6 = 0;
	int fd4 = prog_map_fd(xf_fd, "filter_ipv4", &max4);
	int fd6 = prog_map_fd(xf_fd, "filter_ipv6", &max6);
	int ncpu = libbpf_num_possible_cpus(), i, err = 0;
	uint64_t *val;
	unsigned long s;

	if (fd4 < 0 || fd6 < 0 || ncpu <= 0) {
		fprintf(stderr, "bench_xdp: xdp-filter's filter_ipv4/filter_ipv6 maps not found\n");
		err = -1;
		goto out;
	}
	maps_empty(fd4, 4);
	maps_empty(fd6, 16);
	if (nsvc / 2 > max4 || nsvc / 2 > max6) {
		err = -1;
		goto out;
	}
	val = calloc(ncpu, sizeof(*val));
	for (i = 0; i < ncpu; i++)
		val[i] = XF_MAP_FLAG_DST;
	for (s = 0; s < nsvc && !err; s++) {
		char a4[64], a6[64];
		uint8_t k4[4], k6[16];

		if (!svc_internal(s))
			continue;
		svc_addrs(s, a4, a6);
		inet_pton(AF_INET, a4, k4);
		inet_pton(AF_INET6, a6, k6);
		err = bpf_map_update_elem(fd4, k4, val, BPF_ANY) ||
		      bpf_map_update_elem(fd6, k6, val, BPF_ANY);
	}
	free(val);
out:
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
	return err ? -1 : 0;
}

struct opts {
	unsigned long svcs[16], prefixes[16];
	int nsvcs, nprefixes;
	int runs;
	unsigned int repeat;
	int xf_fd;		/* xdp-filter's program, or -1 */
	unsigned int mon_rate;	/* --monitor: events/s per CPU, 0 = not measured */
	bool smoke;
};

/* The monitor's settings as a reader would write them (monitor.c), with a
 * lease that outlives the run; rate 0 turns it off. Nothing drains the
 * ring: once full, what the bucket lets through costs a failed reserve. */
static void monitor_set(struct enf_state *st, unsigned int rate)
{
	struct enf_monitor m = {};
	struct timespec ts;
	uint32_t zero = 0;

	if (rate) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		m.flags = ENF_MON_DROPS;
		m.lease_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec + 3600ULL * 1000000000ULL;
		m.interval_ns = 1000000000ULL / rate;
		m.burst_ns = ENF_MON_BURST * m.interval_ns;
	}
	bpf_map_update_elem(st->monitor_fd, &zero, &m, BPF_ANY);
}


static int bench_scale(const struct opts *o, int empty_fd, unsigned long nsvc, unsigned long npfx)
{
	struct pkt p[C_MAX][2];
	struct enf_state st;
	struct buf b = { 0 };
	double t0, t_apply;
	int c, f, r, ret;
	bool xf_ok;

	gen_manifest(&b, nsvc, 2, npfx, false);
	state_init(&st);
	if (state_load(&st)) {
		fprintf(stderr, "bench_xdp: cannot load the enforcer (root?)\n");
		free(b.p);
		return -1;
	}
	t0 = now_s();
	if (bench_apply(&st, &b, "bench.yml", &bench_lo, 1, NULL)) {
		fprintf(stderr, "bench_xdp: apply of %lu services / %lu prefixes failed\n", nsvc, npfx);
		state_close(&st);
		free(b.p);
		return -1;
	}
	t_apply = now_s() - t0;
	free(b.p);
	fprintf(stderr, "# %lu services, %lu prefixes: applied in %.3f s\n", nsvc, npfx, t_apply);
	build_pkts(nsvc, npfx, p);
	xf_ok = o->xf_fd >= 0 && !xf_fill(o->xf_fd, nsvc);

	for (c = 0; c < C_MAX; c++) {
		for (f = 0; f < 2; f++) {
			double e[64], x[64], q[64], xf[64], xq[64], mx[64], mq[64];
			char what[128];
			int xf_ret = -1;

			snprintf(what, sizeof(what), "%s/v%d at %lu services, %lu prefixes", case_name[c],
				 f ? 6 : 4, nsvc, npfx);
			/* correctness first: one run, the verdict must be the rule's */
			if (run_ns(st.prog_fd, p[c][f].b, p[c][f].len, 1, &ret) < 0)
				ret = -1;
			bench_expect(ret == case_verdict[c], what, "verdict %d, want %d", ret,
				     case_verdict[c]);
			if (xf_ok)
				run_ns(o->xf_fd, p[c][f].b, p[c][f].len, 1, &xf_ret);
			for (r = 0; r < o->runs; r++) {
				e[r] = run_ns(empty_fd, p[c][f].b, p[c][f].len, o->repeat, NULL);
				x[r] = run_ns(st.prog_fd, p[c][f].b, p[c][f].len, o->repeat, NULL);
				q[r] = e[r] > 0 ? x[r] / e[r] : 0;
				if (xf_ok) {
					xf[r] = run_ns(o->xf_fd, p[c][f].b, p[c][f].len, o->repeat, NULL);
					xq[r] = e[r] > 0 ? xf[r] / e[r] : 0;
				}
				if (o->mon_rate) {
					monitor_set(&st, o->mon_rate);
					mx[r] = run_ns(st.prog_fd, p[c][f].b, p[c][f].len, o->repeat,
						       NULL);
					monitor_set(&st, 0);
					mq[r] = e[r] > 0 ? mx[r] / e[r] : 0;
				}
			}
			printf("%lu,%lu,%s,v%d,%d,%.1f,%.1f,%.2f", nsvc, npfx, case_name[c], f ? 6 : 4,
			       ret, median(e, o->runs), median(x, o->runs), median(q, o->runs));
			if (xf_ok)
				printf(",%d,%.1f,%.2f", xf_ret, median(xf, o->runs), median(xq, o->runs));
			else
				printf(",,,");
			if (o->mon_rate)
				printf(",%.1f,%.2f", median(mx, o->runs), median(mq, o->runs));
			printf("\n");
			fflush(stdout);
		}
	}
	state_close(&st);
	return 0;
}

static const char usage[] =
	"usage: bench_xdp gen --services N [--instances K] [--prefixes P] [--change]\n"
	"       bench_xdp run [--services LIST] [--prefixes LIST] [--runs R] [--repeat N]\n"
	"                     [--xdp-filter-prog ID] [--monitor RATE]\n"
	"       bench_xdp smoke\n";

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "services", required_argument, NULL, 's' },
		{ "prefixes", required_argument, NULL, 'p' },
		{ "instances", required_argument, NULL, 'i' },
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "xdp-filter-prog", required_argument, NULL, 'x' },
		{ "monitor", required_argument, NULL, 'm' },
		{ "change", no_argument, NULL, 'c' },
		{ 0 },
	};
	struct opts o = { .svcs = { 10 }, .prefixes = { 10 }, .nsvcs = 1, .nprefixes = 1,
			  .runs = 5, .repeat = 1000000, .xf_fd = -1 };
	unsigned long ninst = 2;
	bool change = false;
	enum bench_cmd cmd = bench_command(argc, argv, usage);
	int opt, empty_fd, i, j, err = 0;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o.nsvcs = parse_list(optarg, o.svcs, 16);
			break;
		case 'p':
			o.nprefixes = parse_list(optarg, o.prefixes, 16);
			break;
		case 'i':
			ninst = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o.runs = atoi(optarg);
			break;
		case 'n':
			o.repeat = strtoul(optarg, NULL, 10);
			break;
		case 'x':
			o.xf_fd = bpf_prog_get_fd_by_id(strtoul(optarg, NULL, 10));
			if (o.xf_fd < 0) {
				fprintf(stderr, "bench_xdp: xdp-filter program %s: %s\n", optarg,
					strerror(errno));
				return 1;
			}
			break;
		case 'c':
			change = true;
			break;
		case 'm':
			o.mon_rate = strtoul(optarg, NULL, 10);
			if (!o.mon_rate || o.mon_rate > 1000000)
				bench_usage(usage);
			break;
		default:
			bench_usage(usage);
		}
	}
	if (o.nsvcs <= 0 || o.nprefixes <= 0 || o.runs < 1 || o.runs > 64 || !o.repeat)
		bench_usage(usage);

	if (cmd == BENCH_GEN) {
		struct buf b = { 0 };

		gen_manifest(&b, o.svcs[0], ninst, o.prefixes[0], change);
		return bench_write_manifest(&b);
	}
	if (cmd == BENCH_SMOKE) {
		o.runs = 1;
		o.repeat = 1000;
		o.nsvcs = o.nprefixes = 1;
		o.svcs[0] = o.prefixes[0] = 10;
		o.smoke = true;
	}

	libbpf_set_print(NULL);
	empty_fd = bench_empty_prog(BPF_PROG_TYPE_XDP, XDP_PASS);
	if (empty_fd < 0) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	printf("services,prefixes,case,family,verdict,empty_ns,enforcer_ns,ratio,"
	       "xdpfilter_verdict,xdpfilter_ns,xdpfilter_ratio%s\n",
	       o.mon_rate ? ",monitor_ns,monitor_ratio" : "");
	for (i = 0; i < o.nsvcs; i++)
		for (j = 0; j < o.nprefixes; j++)
			if (bench_scale(&o, empty_fd, o.svcs[i], o.prefixes[j])) {
				bench_failed++;
				err = 1;
			}
	close(empty_fd);
	return bench_end(o.smoke, "verdict checks", err);
}
