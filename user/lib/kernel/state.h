/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel side of one node's enforcer: the loaded XDP program, its maps,
 * the pins under the pin dir, and the double-buffered policy swap.
 *
 * Pin dir layout (all names <= 15 chars, the kernel's object name limit):
 *   enf_xdp_ingress enf_xdp_l3 enf_tc_egress enf_egress_l3 enf_xdp_trace
 *                              the XDP programs (Ethernet and layer-3 links), the
 *                              TC egress flow recorders, the XDP trace twin
 *   enf_tc_dns enf_dns_stream  the TC DNS program, its TCP twin
 *   enf_active enf_policy enf_stats enf_dns_stats   global maps
 *   enf_if_stats enf_ifrow     per interface and reason (rows: enf_ifrole,
 *                              cached by ifindex in enf_ifrow)
 *   enf_events enf_monitor enf_mon_cpu   `enforcer monitor`: ring buffer,
 *                              its reader's settings, per-CPU bucket and counts
 *   enf_src_sel enf_dst_sel ... enf_meta_sel  outer maps, [slot] -> inner map
 *   enf_src enf_dst enf_ports enf_admit enf_ifrole enf_svc_stats enf_svc_meta
 *   enf_dns_names enf_dns_zones enf_dns_a ...
 *                              the active generation's inner maps, re-pinned
 *                              on every apply so bpftool can read them
 *   links/<ifname>             XDP bpf_links; they keep enforcing after exit
 *
 * Every command that changes state takes an exclusive flock on the pin dir.
 */
#ifndef ENFORCER_STATE_H
#define ENFORCER_STATE_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "compile.h"
#include "maps.h"


struct enforcer_bpf;
struct dns_bpf;
struct btf;

struct enf_state {
	char pin_dir[PATH_MAX - 128];	/* leaves room for "/links/<ifname>" */
	bool pinned;			/* state lives in pin_dir */
	struct enforcer_bpf *skel;	/* loaded by this process (its maps), else NULL */
	struct enforcer_bpf *prog_skel[3];	/* copies that loaded its programs (state.c) */
	struct dns_bpf *dns_skel;
	int prog_fd;			/* XDP enforcer */
	int l3_prog_fd;			/* the same for layer-3 links (no Ethernet header) */
	int dns_prog_fd;		/* TC DNS answers */
	int dns_stream_fd;		/* the same answers for `dns serve` (test_run only) */
	int dns_stats_fd;
	int dns_listen_fd;		/* enf_dns_listen: the stream server's listeners (sockmap) */
	int dns_steer_fd;		/* enf_dns_steer: the mark of dns serve's policy rule */
	int dns_steered_fd;		/* enf_dns_steered: connections steered with the mark */
	int xdp_dns_fd;			/* enf_xdp_dns: DNS answers in XDP (tail call) */
	int xdp_dns_jmp_fd;		/* enf_xdp_dns_jmp: the XDP program's way to it */
	int dns_xdp_fd;			/* enf_dns_xdp: interfaces answered in XDP */
	int dns_xdp_stats_fd;		/* enf_dns_xdp_stats: enum enf_dns_xdp_stat */
	int egress_fd;			/* TC egress flow recorder */
	int l3_egress_fd;		/* the same for layer-3 links */
	int trace_fd;			/* the XDP program's trace twin (test_run only) */
	int trace_map_fd;		/* enf_trace */
	int flows_fd;			/* enf_flows */
	int frags_fd;			/* enf_frags */
	int active_fd;
	int policy_fd;
	int stats_fd;
	int if_stats_fd;		/* enf_if_stats */
	int ifrow_fd;			/* enf_ifrow: the rows, cached by ifindex */
	int events_fd;			/* enf_events: the monitor's ring buffer */
	int monitor_fd;			/* enf_monitor */
	int mon_cpu_fd;			/* enf_mon_cpu */
	int sel_fd[SEL_MAX];
	int lock_fd;
	int btf_fd;
	struct btf *btf;
	uint32_t btf_ids[SEL_MAX][2];	/* key, value type ids per inner map */
};

/* An attached interface, as apply and attach see it. */
struct enf_iface {
	char name[32];
	uint32_t ifindex;
};

void state_init(struct enf_state *st);

/* Load a fresh, unpinned instance (tests, trace): both slots empty. */
int state_load(struct enf_state *st);

/*
 * Open the state pinned in pin_dir. When nothing is pinned there and
 * `create` is set, load the program, pin everything and initialise both
 * slots; otherwise return -ENOENT. Takes the pin dir lock when `lock` is set.
 * A caller without the rights to read it gets -EACCES or -EPERM, said
 * ("permission denied", with what it takes).
 */
int state_open(struct enf_state *st, const char *pin_dir, bool create, bool lock);

void state_close(struct enf_state *st);

/*
 * A first apply's programs, verified while its manifest compiles (the
 * verifier's work is most of a first apply). state_preload_start() begins
 * loading a fresh, unpinned state in a thread when nothing is pinned in
 * pin_dir yet, and does nothing else (pin_dir NULL: nothing at all).
 * state_open_preloaded() is state_open(create and lock) that takes that
 * state instead of loading again; when the preload failed, it loads as
 * state_open() does, which says what is wrong (the preload's messages are
 * not printed). state_preload_discard() after either: waits for the thread
 * and frees whatever was not taken.
 */
struct state_preload {
	pthread_t thread;
	bool running;
	int err;
	struct enf_state st;
};

void state_preload_start(struct state_preload *pl, const char *pin_dir);
int state_open_preloaded(struct enf_state *st, const char *pin_dir, struct state_preload *pl);
void state_preload_discard(struct state_preload *pl);

/* state_init + state_open of what is pinned, for commands that only read or
 * run it: says so when nothing is loaded (`who` names the command). On
 * failure the state is closed again. */
int state_open_loaded(struct enf_state *st, const char *pin_dir, const char *who);

/*
 * Install `c` as the next generation: fill fresh inner maps in the inactive
 * slot, flip enf_active, wait for an RCU grace period (no packet still uses
 * the old slot), re-pin the views. `ifaces` are the attached interfaces,
 * whose roles are recomputed from the new interface rules. On failure
 * nothing that a packet can see has changed.
 */
int state_apply(struct enf_state *st, const struct compiled *c, const struct enf_iface *ifaces,
		size_t nifaces, uint64_t *generation);

/* Active slot and its policy summary. */
int state_active(struct enf_state *st, struct enf_active *act, struct enf_policy *pol);

/* fd of the active generation's inner map of `sel` (caller closes), or
 * -errno: what every reader of the policy in force starts with. */
int state_active_map(struct enf_state *st, enum sel sel);

/* fd of the inner map of `sel` in `slot` (caller closes), or -errno. */
int state_inner_fd(struct enf_state *st, enum sel sel, uint32_t slot);

/* The DNS resolver addresses of the generation in force (at most `max`);
 * returns how many, or -errno. */
int state_resolvers(struct enf_state *st, struct enf_addr *out, size_t max);

/* The pin dir lock (every command that changes state holds it while it
 * does), for a process that keeps the state open: the daemon. */
int state_lock(struct enf_state *st);
void state_unlock(struct enf_state *st);

/* Index of the first interface rule of a policy that names or matches
 * `ifname`, or -1. */
int state_rule_for(const struct enf_policy *pol, const char *ifname);

/* Role of an interface name under a policy's interface rules. */
uint32_t state_role_for(const struct enf_policy *pol, const char *ifname);

/* Sum a per-CPU counter array entry. */
int state_sum_percpu(int fd, uint32_t key, void *out, size_t value_size, size_t nfields);


/* Entries of a hash map, walked (the flow and fragment fill); at most its
 * max_entries, whatever churns it meanwhile. */
uint64_t state_count_entries(int fd, size_t key_size);

/* Rows of enf_if_stats for the interfaces ifindex[0..n) into rows[]: each
 * keeps the row it has in the active generation, the others get the lowest
 * free rows, zeroed (0, the shared row, when none is left). With
 * `keep_others`, rows of interfaces not listed stay taken (attach); without,
 * the list is every interface there is (apply). */
int state_stats_rows(struct enf_state *st, const uint32_t *ifindex, size_t n, uint32_t *rows,
		     bool keep_others);

/* The interface is gone from the policy (detach): its enf_ifrow slot, if
 * it holds one, is emptied. */
void state_stats_row_forget(struct enf_state *st, uint32_t ifindex);

/* Every DNS reason's packets (enf_dns_stats), summed over CPUs; a reason
 * that cannot be read is 0. */
void state_dns_stats(const struct enf_state *st, uint64_t v[ENF_DNS_REASON_MAX]);
/* The same for the XDP answers (enf_dns_xdp_stats, enum enf_dns_xdp_stat). */
void state_dns_xdp_stats(const struct enf_state *st, uint64_t v[ENF_DNS_XDP_STAT_MAX]);

const char *state_inner_name(enum sel sel);

#endif /* ENFORCER_STATE_H */
