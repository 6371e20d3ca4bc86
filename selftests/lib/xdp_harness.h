/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the BPF_PROG_TEST_RUN suites of the XDP program share: one freshly
 * loaded, unpinned enforcer per case (state_load), manifests applied on
 * loopback through the product's own apply path, packets run through a
 * program with the reason counters checked, and the trace twin.
 *
 * Packets from BPF_PROG_TEST_RUN arrive on the loopback device, so a suite
 * gives its packets an interface role by naming `lo` in its manifest.
 */
#ifndef ENFORCER_SELFTEST_XDP_HARNESS_H
#define ENFORCER_SELFTEST_XDP_HARNESS_H

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "apply.h"
#include "compile.h"
#include "names.h"
#include "pktgen.h"
#include "state.h"
#include "test.h"
#include "trace.h"

static struct enf_state st;
static bool loaded;

static const struct enf_iface lo_iface = { .name = "lo", .ifindex = 1 };

static inline int apply_yaml(const char *yaml)
{
	return apply_manifest_text(&st, yaml, strlen(yaml), "test.yml", &lo_iface, 1, stdout, NULL);
}

/* A fresh program for the case: no state leaks between cases. */
static bool load_fresh(void)
{
	state_init(&st);
	if (state_load(&st)) {
		CHECK(0, "cannot load the BPF program (root?)");
		return false;
	}
	loaded = true;
	return true;
}

static void teardown(void)
{
	if (loaded)
		state_close(&st);
	loaded = false;
}

static uint64_t reason_packets(uint32_t reason)
{
	struct enf_counter c;

	if (state_sum_percpu(st.stats_fd, reason, &c, sizeof(c), 2))
		return ~0ULL;
	return c.packets;
}

/* One run of program `fd` over `buf`: its return code, or -errno. */
static inline int run_prog(int fd, const void *buf, size_t len)
{
	uint32_t retval = 0;
	int err = prog_run(fd, buf, len, NULL, NULL, &retval);

	return err ? err : (int)retval;
}

/* The attached XDP program (Ethernet links). */
static inline int run_buf(const void *buf, size_t len)
{
	return run_prog(st.prog_fd, buf, len);
}

/* Runs one frame through `fd` and checks the verdict and that exactly the
 * expected reason counter moved by one. */
#define EXPECT_PROG(fd, buf, len, verdict, reason) ({					\
	uint64_t __before = reason_packets(reason);					\
	bool __ok = CHECK_EQ(run_prog(fd, buf, len), verdict);				\
	__ok &= CHECK(reason_packets(reason) == __before + 1,				\
		      "reason %s did not count the packet", enf_reason_name(reason));	\
	__ok;										\
})

#define EXPECT_BUF(buf, len, verdict, reason) EXPECT_PROG(st.prog_fd, buf, len, verdict, reason)

#define EXPECT(spec, verdict, reason) ({						\
	uint8_t __b[PKT_MAX];								\
	size_t __l = pkt_build(&(spec), __b);						\
	EXPECT_BUF(__b, __l, verdict, reason);						\
})

#define PASS XDP_PASS
#define DROP XDP_DROP

/* Runs a frame through the trace twin with interface role `role`: its
 * verdict (and *out), or -1. */
static inline int trace_frame(const uint8_t *b, size_t len, uint32_t role, struct enf_trace *out)
{
	return trace_run(&st, b, len, role, out) ? -1 : (int)out->verdict;
}

/* `enforcer monitor`'s kernel side: the events a test collects from the
 * ring buffer, and the reader's request (enf_monitor) it plays. */
struct mon_seen {
	struct enf_event ev[8];
	int n;
};

static inline int mon_collect(void *ctx, void *data, size_t size)
{
	struct mon_seen *s = ctx;

	if (size == sizeof(struct enf_event) && s->n < 8)
		memcpy(&s->ev[s->n++], data, size);
	return 0;
}

static inline void mon_set(uint32_t flags, int64_t lease_from_now_ns, uint32_t burst)
{
	struct enf_monitor m = {
		.flags = flags,
		.interval_ns = 3600ULL * 1000000000ULL,	/* one an hour: only the burst */
		.burst_ns = burst * 3600ULL * 1000000000ULL,
	};
	struct timespec ts;
	uint32_t zero = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	m.lease_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec + lease_from_now_ns;
	bpf_map_update_elem(st.monitor_fd, &zero, &m, BPF_ANY);
}

#endif /* ENFORCER_SELFTEST_XDP_HARNESS_H */
