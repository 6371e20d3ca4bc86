/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The node agent (`enforcer daemon`): one process per node that keeps it
 * enforcing while pods, manifests and the agent itself change. It is a
 * front end of the library like the CLI: the manifest goes through the one
 * pipeline (pipeline.h), links through links.h.
 *
 *   agent.c   the event loop: manifest watch (inotify on the directory, so a
 *             ConfigMap's ..data swap and editors' rename-over are seen),
 *             debounced re-apply, signals, heartbeat, expiry
 *   follow.c  the node's links through libnl (route/link cache manager):
 *             attach what matches `interfaces:`, forget what went away
 *   health.c  `health:` probes of every instance; answers follow them
 */
#ifndef ENFORCER_AGENT_H
#define ENFORCER_AGENT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "enforcer_common.h"
#include "pipeline.h"
#include "state.h"

struct agent_opts {
	const char *manifest;	/* as given */
	const char *metrics;	/* --metrics ADDR:PORT, or NULL */
	bool detach_on_exit;
	bool generic;		/* generic (skb) XDP on links it attaches */
	bool dns_xdp;		/* DNS answers in XDP on links it attaches */
	bool log_json;
	bool no_dns_serve;	/* leave TCP/53 to the resolver */
	unsigned int debounce_ms;
};

struct follow;
struct health;
struct metrics_http;
struct dns_thread;

/* What the daemon counts for its metrics (metrics_http.c), kept by the
 * event loop alone. */
enum agent_result { AGENT_APPLIED, AGENT_UNCHANGED, AGENT_REJECTED, AGENT_FAILED, AGENT_RESULTS };
#define AGENT_APPLY_BUCKETS	10

struct agent_stats {
	uint64_t results[AGENT_RESULTS];
	uint64_t apply_le[AGENT_APPLY_BUCKETS];	/* cumulative histogram buckets */
	double apply_sum_s;
	uint64_t probes_ok, probes_failed;
};

struct agent {
	struct agent_opts opts;
	char manifest[PATH_MAX];	/* absolute, as given (symlinks kept: they are followed) */
	char dir[PATH_MAX];		/* the directory watched */
	int ino_fd;
	bool watching;
	dev_t watch_dev;		/* the directory the watch is on */
	ino_t watch_ino;
	char *cur_buf;			/* the bytes of the manifest in force */
	size_t cur_len;
	uint64_t retry_at;		/* a kernel-refused apply is tried again then */
	uint64_t retry_ms;
	uint64_t foreign_generation;	/* reported: applied by someone else */
	int64_t expiry_handled;		/* the `expires:` last re-applied for */
	bool fatal;			/* links can no longer be followed: exit */
	struct enf_state st;
	struct pipeline cur;		/* the manifest in force (cur.m NULL: none of ours) */
	bool have_cur;
	uint8_t seen_sha[32];		/* last content read (applied or rejected) */
	bool seen_any;
	struct enf_daemon_info info;
	int info_fd;
	int lock_fd;
	int epoll_fd;
	struct follow *follow;
	struct health *health;
	uint64_t generation;		/* in force, as this agent applied or adopted it */
	struct agent_stats stats;
	struct metrics_http *http;	/* NULL without --metrics */
	struct dns_thread *dns;		/* the stream server (stream.c); NULL when off */
};

/* Runs the agent until SIGTERM/SIGINT; returns the exit code. */
int agent_run(const char *pin_dir, const struct agent_opts *opts);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t agent_now_ms(void);

/* epoll registration: ptr is what epoll_wait hands back. */
int agent_watch_fd(struct agent *a, int fd, uint32_t events, void *ptr);
void agent_unwatch_fd(struct agent *a, int fd);

/* follow.c */
int follow_init(struct agent *a);
/* The netlink socket's events are pending: read them, reconcile. */
void follow_ready(struct agent *a);
/* Attach every link that matches and lacks its programs, forget links that
 * are gone, re-pin links that were renamed. */
void follow_reconcile(struct agent *a);
/* A new generation may name other links or give them other roles: links
 * whose attach failed get another chance. */
void follow_retry_failed(struct agent *a);
/* Links it manages now (pinned links in the pin dir). */
uint32_t follow_count(struct agent *a);
void follow_free(struct agent *a);
bool follow_is_fd(struct agent *a, void *ptr);

/* metrics_http.c: serve GET /metrics on `listen` (ADDR:PORT) from a
 * thread of its own; publish hands it the agent's part (call after the
 * stats change, and once a second). */
int metrics_http_start(struct agent *a, const char *pin_dir, const char *listen);
void metrics_http_publish(struct agent *a);
void metrics_http_stop(struct agent *a);

/* stream.c: the stream server of `enforcer dns serve` (steering mode) on a
 * thread of its own, with its own view of the pinned state. A failure to
 * start is logged and leaves TCP/53 to the resolver. */
void dns_thread_start(struct agent *a, const char *pin_dir);
void dns_thread_stop(struct agent *a);

/* health.c */
int health_init(struct agent *a);
/* A new generation is in force (a->cur): rebuild the probe list, keep what
 * is known of instances that stay, and write the answers of the generation
 * to match. */
void health_rebuild(struct agent *a);
/* Start probes that are due, time out those that ran too long; returns
 * milliseconds until the next thing to do (<= 1000). */
int health_tick(struct agent *a);
/* An epoll event for a probe socket (ptr from agent_watch_fd). */
bool health_owns(struct agent *a, void *ptr);
void health_event(struct agent *a, void *ptr, uint32_t events);
uint32_t health_unhealthy(struct agent *a);
void health_free(struct agent *a);

#endif /* ENFORCER_AGENT_H */
