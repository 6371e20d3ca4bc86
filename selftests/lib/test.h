/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Minimal test harness shared by selftests/test_*.c: a static table of
 * cases, CHECK macros that print file:line and keep going, and a closing
 * line "N passed, N failed[, N skipped]". Usage: test_x [-v] [substring].
 */
#ifndef ENFORCER_SELFTEST_H
#define ENFORCER_SELFTEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int case_failed;
static int case_skipped;
static int test_verbose;
static char case_skip_reason[256];

#define CHECK(cond, fmt, ...) ({						\
	bool __ok = (cond);							\
	if (!__ok) {								\
		printf("    %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
		case_failed = 1;						\
	}									\
	__ok;									\
})

#define CHECK_EQ(got, want) ({							\
	long long __g = (long long)(got), __w = (long long)(want);		\
	CHECK(__g == __w, "%s: got %lld, want %lld (%s)", #got, __g, __w, #want); \
})

#define CHECK_STR_CONTAINS(hay, needle) ({					\
	const char *__h = (hay), *__n = (needle);				\
	CHECK(__h && strstr(__h, __n), "%s does not contain \"%s\": \"%s\"",	\
	      #hay, __n, __h ? __h : "(null)");				\
})

/* Mark the current case skipped, with the reason printed next to it. */
#define SKIP(fmt, ...) do {							\
	snprintf(case_skip_reason, sizeof(case_skip_reason), fmt, ##__VA_ARGS__); \
	case_skipped = 1;							\
} while (0)

/*
 * ENF_TEST_SCALE=F (a positive number, default 1) scales the iteration
 * counts of the suites' long loops: the fuzzers' generators and the policy
 * swap under traffic. For slow machines (the qemu guests of `make
 * check-kernels` can use it); read here and nowhere else. A scaled count
 * is never below 1, so every loop still runs and can still fail.
 */
static inline double test_scale(void)
{
	static double scale;
	const char *e;

	if (scale <= 0) {
		e = getenv("ENF_TEST_SCALE");
		scale = e && *e && strtod(e, NULL) > 0 ? strtod(e, NULL) : 1.0;
	}
	return scale;
}

static inline long test_scaled(long n)
{
	double v = (double)n * test_scale();

	return v < 1 ? 1 : (long)v;
}

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(fn_name) { .name = #fn_name, .fn = test_##fn_name }
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Runs every case whose name contains the filter; returns the exit code. */
static inline int run_tests(const struct test_case *tests, size_t n, int argc, char **argv)
{
	const char *filter = NULL;
	int passed = 0, failed = 0, skipped = 0;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "-v"))
			test_verbose = 1;
		else
			filter = argv[i];
	}
	for (i = 0; i < n; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		case_failed = 0;
		case_skipped = 0;
		tests[i].fn();
		if (case_failed) {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		} else if (case_skipped) {
			skipped++;
			printf("SKIP %s (%s)\n", tests[i].name, case_skip_reason);
		} else {
			passed++;
			printf("ok   %s\n", tests[i].name);
		}
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* Suites that load BPF programs need root: without it every case is
 * skipped, with why (CI runs as root; a developer without root learns it).
 * Returns whether the suite can run. */
static inline bool test_have_root(size_t ncases)
{
	if (geteuid() == 0)
		return true;
	printf("SKIP all (BPF_PROG_TEST_RUN needs root)\n0 passed, 0 failed, %zu skipped\n",
	       ncases);
	return false;
}

/* main() of a suite of BPF_PROG_TEST_RUN cases. */
#define TEST_MAIN_ROOT(tests)							\
	int main(int argc, char **argv)						\
	{									\
		if (!test_have_root(ARRAY_SIZE(tests)))				\
			return 0;						\
		return run_tests(tests, ARRAY_SIZE(tests), argc, argv);		\
	}

/* The fuzzers' environment: ENF_FUZZ_ITERS multiplies every iteration count
 * (on top of ENF_TEST_SCALE), ENF_FUZZ_SEED changes the base seed,
 * ENF_FUZZ_MAXFAIL the mismatches after which a case stops. */
static inline void fuzz_env(double *iter_factor, unsigned long long *seed, int *max_fail)
{
	const char *e;

	*iter_factor = test_scale();
	if ((e = getenv("ENF_FUZZ_ITERS")) && *e && strtod(e, NULL) > 0)
		*iter_factor *= strtod(e, NULL);
	if ((e = getenv("ENF_FUZZ_SEED")) && *e)
		*seed = strtoull(e, NULL, 0);
	if ((e = getenv("ENF_FUZZ_MAXFAIL")) && *e && atoi(e) > 0)
		*max_fail = atoi(e);
}

#endif /* ENFORCER_SELFTEST_H */
