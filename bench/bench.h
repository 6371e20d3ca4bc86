/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the BPF_PROG_TEST_RUN benchmarks (bench_xdp.c, bench_dns.c) share: a
 * growing text buffer for the generated manifests, applying one in-process
 * (selftests/lib/apply.h), the baseline program, the checks and their
 * verdict line, the subcommands, medians, the clock and number lists.
 * Header-only, like selftests/lib/test.h: each benchmark is one file.
 */
#ifndef ENFORCER_BENCH_H
#define ENFORCER_BENCH_H

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "apply.h"
#include "state.h"

struct buf {
	char *p;
	size_t len, cap;
};

static inline void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += n;
			return;
		}
		b->cap = b->cap ? b->cap * 2 : 1 << 16;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("realloc");
			exit(1);
		}
	}
}

/* Parse, compile and apply the manifest in `b` (named `name` in errors). */
static inline int bench_apply(struct enf_state *st, const struct buf *b, const char *name,
			      const struct enf_iface *ifaces, size_t nifaces, size_t *nnames)
{
	return apply_manifest_text(st, b->p, b->len, name, ifaces, nifaces, stderr, nnames);
}

static inline int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n), n > 0; sorts v. */
static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Figures without the JIT mean nothing: the benchmarks refuse to run. */
static inline int jit_enabled(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v > 0;
}

/* What every check of a benchmark adds to: the smoke run's verdict. */
static int bench_passed, bench_failed;

static inline void bench_expect(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void bench_expect(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		bench_passed++;
		return;
	}
	bench_failed++;
	fprintf(stderr, "FAIL %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The baseline every figure is a ratio of: a program that only returns
 * `ret`. A descriptor, or -1 (said). */
static inline int bench_empty_prog(enum bpf_prog_type type, int ret)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(type, "bench_empty", "GPL", insns, 2, NULL);

	if (fd < 0)
		fprintf(stderr, "%s: cannot load the empty program: %s\n",
			program_invocation_short_name, strerror(errno));
	return fd;
}

enum bench_cmd { BENCH_GEN, BENCH_RUN, BENCH_SMOKE };

static inline void bench_usage(const char *usage)
{
	fputs(usage, stderr);
	exit(2);
}

/* argv[1]: gen, run or smoke (else the usage, exit 2); the options
 * that follow it are left to getopt_long (optind = 2). */
static inline enum bench_cmd bench_command(int argc, char **argv, const char *usage)
{
	static const char *const names[] = { "gen", "run", "smoke" };
	int i;

	for (i = 0; argc >= 2 && i < 3; i++) {
		if (!strcmp(argv[1], names[i])) {
			optind = 2;
			return (enum bench_cmd)i;
		}
	}
	bench_usage(usage);
	return BENCH_RUN;
}

/* gen: the manifest to stdout. */
static inline int bench_write_manifest(struct buf *b)
{
	fwrite(b->p, 1, b->len, stdout);
	free(b->p);
	return 0;
}

/* The last line: the smoke run's verdict on stdout, a run's on stderr
 * (its stdout is the CSV). The exit code. */
static inline int bench_end(bool smoke, const char *checks, int err)
{
	if (smoke)
		printf("%d passed, %d failed\n", bench_passed, bench_failed);
	else
		fprintf(stderr, "# %s: %d passed, %d failed\n", checks, bench_passed,
			bench_failed);
	return err || bench_failed;
}

/* "10,1000,100000" -> out[]; the count, or -1 for anything else. */
static inline int parse_list(const char *s, unsigned long *out, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		out[n++] = strtoul(s, &end, 10);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return n;
}

#endif /* ENFORCER_BENCH_H */
