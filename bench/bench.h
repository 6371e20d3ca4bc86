/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the BPF_PROG_TEST_RUN benchmarks (bench_xdp.c, bench_dns.c) share: a
 * growing text buffer for the generated manifests, applying one in-process
 * (selftests/lib/apply.h), medians, the clock and number lists. Header-only, like selftests/lib/test.h: each benchmark is one file.
 */
#ifndef ENFORCER_BENCH_H
#define ENFORCER_BENCH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
