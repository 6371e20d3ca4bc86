/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The reader of the verdict path's events (`enforcer monitor`): it claims
 * the ring buffer enf_events for itself (one reader per pin dir, a lock on
 * DIR/monitor/), tells the data path what to write and how fast
 * (enf_monitor), keeps that lease alive while it polls, and decodes each
 * event with the names of the generation that judged it. See struct
 * enf_monitor in include/enforcer_common.h for the kernel's side.
 */
#ifndef ENFORCER_MONITOR_H
#define ENFORCER_MONITOR_H

#include <net/if.h>
#include <stdint.h>
#include <time.h>

#include "enforcer_common.h"

struct enf_state;
struct monitor;

struct monitor_opts {
	uint32_t flags;		/* ENF_MON_DROPS | ENF_MON_PASSES */
	uint32_t rate;		/* events a second per CPU (0: ENF_MON_RATE) */
	uint32_t burst;		/* (0: ENF_MON_BURST) */
	uint32_t pass_sample;	/* passes: one in this many (0, 1: all) */
};

/* One event with its names. Pointers live until the callback returns. */
struct monitor_event {
	const struct enf_event *raw;
	struct timespec wall;		/* CLOCK_REALTIME of the verdict */
	char ifname[IF_NAMESIZE];	/* "if<N>" when the interface is gone */
	const struct enf_svc_meta *svc;	/* NULL: no service (or unknown id) */
};

/* Return a negative errno to stop monitor_poll() (it returns that value;
 * libbpf stops only on a negative one), 0 to go on. */
typedef int (*monitor_cb)(void *ctx, const struct monitor_event *ev);

/* Claims the events of the state's pin dir and starts them; -EBUSY (said)
 * when another reader holds them. */
int monitor_open(struct enf_state *st, const struct monitor_opts *o, monitor_cb cb, void *ctx,
		 struct monitor **out);

/* Waits up to timeout_ms for events and hands each to the callback;
 * renews the lease. Returns events handled, a callback's non-zero
 * value, or -errno (-EINTR when a signal came). */
int monitor_poll(struct monitor *m, int timeout_ms);

/* An fd that is readable when events wait (for an epoll of one's own). */
int monitor_epoll_fd(const struct monitor *m);

/* Stops the events and releases the claim. NULL is fine. */
void monitor_close(struct monitor *m);

/* Per-CPU emitted / left-out counts, summed; 0 or -errno. */
int monitor_counts(const struct enf_state *st, struct enf_mon_cpu *sum);

#endif /* ENFORCER_MONITOR_H */
