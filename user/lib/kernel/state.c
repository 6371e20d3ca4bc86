// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loading, pinning, opening and locking a node's state (see state.h); the
 * policy swap is apply.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "enforcer.skel.h"
#include "dns.skel.h"
#include "log.h"
#include "state.h"
#include "state_internal.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* Maps whose size never changes: the role map (up to ENF_MAX_IFACES
 * attached interfaces), and those whose template fixes it (the /16 table:
 * its lookups are inlined). */
size_t state_fixed_entries(enum sel sel)
{
	if (sel == SEL_IFROLE)
		return ENF_MAX_IFACES;
	return sel_shape(sel)->max_entries > 1 ? sel_shape(sel)->max_entries : 0;
}

/* Room in each slot's first maps, so that small policies never replace
 * them: free for hashes and tries (BPF_F_NO_PREALLOC), small for arrays. */
size_t state_initial_entries(enum sel sel)
{
	return sel_shape(sel)->type == BPF_MAP_TYPE_ARRAY ? 64 : 1024;
}

_Static_assert(SEL_MAX <= ENF_DIGEST_LAYOUT, "enf_policy.map_digest too small");

/* Maps the DNS object shares with the XDP object (same fds: one truth). */
static const char *const dns_shared[] = { "enf_active", "enf_policy", "enf_src_sel",
					  "enf_src16_sel", "enf_admit_sel" };

#define PROG_PIN	"enf_xdp_ingress"
#define DNS_PROG_PIN	"enf_tc_dns"
#define DNS_STREAM_PIN	"enf_dns_stream"

const char *state_inner_name(enum sel sel)
{
	return sel_shape(sel)->inner;
}

void state_init(struct enf_state *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	st->prog_fd = st->active_fd = st->policy_fd = st->stats_fd = -1;
	st->dns_prog_fd = st->dns_stats_fd = st->dns_stream_fd = st->dns_listen_fd = -1;
	st->dns_steer_fd = st->dns_steered_fd = -1;
	st->xdp_dns_fd = st->xdp_dns_jmp_fd = st->dns_xdp_fd = st->dns_xdp_stats_fd = -1;
	st->egress_fd = st->trace_fd = st->trace_map_fd = st->flows_fd = st->frags_fd = -1;
	st->l3_prog_fd = st->l3_egress_fd = -1;
	st->if_stats_fd = st->events_fd = st->monitor_fd = st->mon_cpu_fd = -1;
	st->ifrow_fd = -1;
	st->lock_fd = st->btf_fd = -1;
	for (i = 0; i < SEL_MAX; i++)
		st->sel_fd[i] = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void state_close(struct enf_state *st)
{
	int i;

	if (st->skel) {
		/* fds below belong to the skeletons */
		dns_bpf__destroy(st->dns_skel);
		for (i = 0; i < (int)(sizeof(st->prog_skel) / sizeof(st->prog_skel[0])); i++) {
			enforcer_bpf__destroy(st->prog_skel[i]);
			st->prog_skel[i] = NULL;
		}
		enforcer_bpf__destroy(st->skel);
		st->skel = NULL;
		st->dns_skel = NULL;
		st->prog_fd = st->active_fd = st->policy_fd = st->stats_fd = st->btf_fd = -1;
		st->dns_prog_fd = st->dns_stats_fd = st->dns_stream_fd = st->dns_listen_fd = -1;
		st->dns_steer_fd = st->dns_steered_fd = -1;
		st->xdp_dns_fd = st->xdp_dns_jmp_fd = st->dns_xdp_fd = st->dns_xdp_stats_fd = -1;
		st->egress_fd = st->trace_fd = st->trace_map_fd = st->flows_fd = -1;
		st->frags_fd = st->l3_prog_fd = st->l3_egress_fd = -1;
		st->if_stats_fd = st->events_fd = st->monitor_fd = st->mon_cpu_fd = -1;
		st->ifrow_fd = -1;
		for (i = 0; i < SEL_MAX; i++)
			st->sel_fd[i] = -1;
		st->btf = NULL;
	} else {
		close_fd(&st->prog_fd);
		close_fd(&st->l3_prog_fd);
		close_fd(&st->l3_egress_fd);
		close_fd(&st->dns_prog_fd);
		close_fd(&st->dns_stream_fd);
		close_fd(&st->egress_fd);
		close_fd(&st->trace_fd);
		close_fd(&st->trace_map_fd);
		close_fd(&st->flows_fd);
		close_fd(&st->frags_fd);
		close_fd(&st->dns_stats_fd);
		close_fd(&st->dns_listen_fd);
		close_fd(&st->dns_steer_fd);
		close_fd(&st->dns_steered_fd);
		close_fd(&st->xdp_dns_fd);
		close_fd(&st->xdp_dns_jmp_fd);
		close_fd(&st->dns_xdp_fd);
		close_fd(&st->dns_xdp_stats_fd);
		close_fd(&st->active_fd);
		close_fd(&st->policy_fd);
		close_fd(&st->stats_fd);
		close_fd(&st->if_stats_fd);
		close_fd(&st->ifrow_fd);
		close_fd(&st->events_fd);
		close_fd(&st->monitor_fd);
		close_fd(&st->mon_cpu_fd);
		close_fd(&st->btf_fd);
		for (i = 0; i < SEL_MAX; i++)
			close_fd(&st->sel_fd[i]);
		btf__free(st->btf);
		st->btf = NULL;
	}
	close_fd(&st->lock_fd);	/* releases the flock */
}

/* Type ids for the inner maps' BTF; a missing type only costs readability. */
static void resolve_btf_ids(struct enf_state *st)
{
	int i, k;

	for (i = 0; i < SEL_MAX; i++) {
		const char *names[2] = { sel_shape(i)->key_type, sel_shape(i)->value_type };

		for (k = 0; k < 2; k++) {
			int kind = strncmp(names[k], "__", 2) ? BTF_KIND_STRUCT : BTF_KIND_TYPEDEF;
			int id = st->btf ? btf__find_by_name_kind(st->btf, names[k], kind) : -1;

			st->btf_ids[i][k] = id > 0 ? id : 0;
		}
	}
}

int state_create_inner(struct enf_state *st, enum sel sel, size_t entries)
{
	const struct sel_shape *d = sel_shape(sel);
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = d->flags);
	int fd;

	if (st->btf_fd >= 0 && st->btf_ids[sel][0] && st->btf_ids[sel][1]) {
		opts.btf_fd = st->btf_fd;
		opts.btf_key_type_id = st->btf_ids[sel][0];
		opts.btf_value_type_id = st->btf_ids[sel][1];
	}
	fd = bpf_map_create(d->type, d->inner, d->key_size, d->value_size,
			    entries ? entries : 1, &opts);
	if (fd < 0) {
		fd = -errno;
		pr_err("cannot create map %s with %zu entries: %s%s\n", d->inner, entries,
		       strerror(-fd), fd == -ENOMEM ? " (out of memory or memlock limit)" : "");
	}
	return fd;
}

int state_put_inner(struct enf_state *st, enum sel sel, uint32_t slot, int inner_fd)
{
	if (bpf_map_update_elem(st->sel_fd[sel], &slot, &inner_fd, BPF_ANY)) {
		int err = -errno;

		pr_err("cannot install map %s in slot %u: %s\n", sel_shape(sel)->inner, slot,
		       strerror(-err));
		return err;
	}
	return 0;
}

/* A job of state_run_at_once(), run with its caller's log_muted. */
struct at_once {
	void *(*fn)(void *);
	void *job;
	bool muted;
	pthread_t thread;
	bool threaded;
};

static void *at_once_run(void *arg)
{
	struct at_once *a = arg;

	log_muted = a->muted;
	return a->fn(a->job);
}

void state_run_at_once(void *(*fn)(void *), void *jobs, size_t size, size_t n)
{
	struct at_once *runs = calloc(n ? n : 1, sizeof(*runs));
	size_t i;

	for (i = 0; i < n; i++) {
		void *job = (char *)jobs + i * size;

		if (!runs) {
			fn(job);
			continue;
		}
		runs[i] = (struct at_once){ .fn = fn, .job = job, .muted = log_muted };
		runs[i].threaded = !pthread_create(&runs[i].thread, NULL, at_once_run, &runs[i]);
		if (!runs[i].threaded)
			fn(job);
	}
	for (i = 0; runs && i < n; i++)
		if (runs[i].threaded)
			pthread_join(runs[i].thread, NULL);
	free(runs);
}

/* One inner map put into its slot (fd -1: none). */
struct slot_put {
	struct enf_state *st;
	enum sel sel;
	uint32_t slot;
	int fd;
	int err;
};

static void *slot_put_run(void *arg)
{
	struct slot_put *p = arg;

	if (p->fd >= 0)
		p->err = state_put_inner(p->st, p->sel, p->slot, p->fd);
	return NULL;
}

/*
 * Every put of `puts`, at once. The kernel follows each update of a
 * map-of-maps with synchronize_rcu() (maybe_wait_bpf_programs): one after
 * the other, the 2 x SEL_MAX of an empty state's took ~400 ms here; made
 * at once, from a thread each, they share their grace periods. 0 or the
 * first error.
 */
static int put_at_once(struct slot_put *puts, int n)
{
	int i, err = 0;

	state_run_at_once(slot_put_run, puts, sizeof(*puts), (size_t)n);
	for (i = 0; i < n && !err; i++)
		err = puts[i].err;
	return err;
}

int state_put_inners(struct enf_state *st, uint32_t slot, const int *fds, const int *put)
{
	struct slot_put puts[SEL_MAX] = {};
	int i;

	for (i = 0; i < SEL_MAX; i++)
		puts[i] = (struct slot_put){ .st = st, .sel = i, .slot = slot,
					     .fd = put[i] ? fds[i] : -1 };
	return put_at_once(puts, SEL_MAX);
}

/* Both slots get empty inner maps and generation 0 ("no policy"), so the
 * data path never meets a hole. */
static int init_slots(struct enf_state *st)
{
	struct slot_put puts[2 * SEL_MAX] = {};
	struct enf_active act = {};
	struct enf_policy pol = {};
	uint32_t slot, zero = 0;
	int i, err = 0;

	for (i = 0; i < 2 * SEL_MAX; i++) {
		struct slot_put *p = &puts[i];

		p->st = st;
		p->sel = i % SEL_MAX;
		p->slot = i / SEL_MAX;
		p->fd = err ? -1 : state_create_inner(st, p->sel, state_fixed_entries(p->sel) ?:
						      state_initial_entries(p->sel));
		if (p->fd < 0 && !err)
			err = p->fd;
	}
	if (!err)
		err = put_at_once(puts, 2 * SEL_MAX);
	for (i = 0; i < 2 * SEL_MAX; i++)
		if (puts[i].fd >= 0)
			close(puts[i].fd);
	if (err)
		return err;
	for (slot = 0; slot < 2; slot++)
		if (bpf_map_update_elem(st->policy_fd, &slot, &pol, BPF_ANY))
			return -errno;
	if (bpf_map_update_elem(st->active_fd, &zero, &act, BPF_ANY))
		return -errno;
	return 0;
}

/* The DNS object reuses the XDP object's shared maps, then finds its own. */
static int load_dns(struct enf_state *st)
{
	struct dns_bpf *dns;
	uint32_t zero = 0;
	size_t i;
	int err;

	dns = dns_bpf__open();
	if (!dns) {
		err = -errno;
		pr_err("cannot open the DNS BPF object: %s\n", strerror(-err));
		return err;
	}
	st->dns_skel = dns;
	for (i = 0; i < sizeof(dns_shared) / sizeof(dns_shared[0]); i++) {
		struct bpf_map *mine = bpf_object__find_map_by_name(dns->obj, dns_shared[i]);
		struct bpf_map *theirs = bpf_object__find_map_by_name(st->skel->obj, dns_shared[i]);

		if (!mine || !theirs || bpf_map__reuse_fd(mine, bpf_map__fd(theirs))) {
			pr_err("cannot share map %s with the DNS program\n", dns_shared[i]);
			return -EINVAL;
		}
	}
	err = dns_bpf__load(dns);
	if (err) {
		pr_err("cannot load the DNS BPF program: %s\n", strerror(-err));
		return err;
	}
	st->dns_prog_fd = bpf_program__fd(dns->progs.enf_tc_dns);
	st->dns_stream_fd = bpf_program__fd(dns->progs.enf_dns_stream);
	st->dns_stats_fd = bpf_map__fd(dns->maps.enf_dns_stats);
	st->dns_listen_fd = bpf_map__fd(dns->maps.enf_dns_listen);
	st->dns_steer_fd = bpf_map__fd(dns->maps.enf_dns_steer);
	st->dns_steered_fd = bpf_map__fd(dns->maps.enf_dns_steered);
	st->xdp_dns_fd = bpf_program__fd(dns->progs.enf_xdp_dns);
	st->dns_xdp_fd = bpf_map__fd(dns->maps.enf_dns_xdp);
	st->dns_xdp_stats_fd = bpf_map__fd(dns->maps.enf_dns_xdp_stats);
	/* the XDP program's tail call into the DNS answers */
	if (bpf_map_update_elem(st->xdp_dns_jmp_fd, &zero, &st->xdp_dns_fd, BPF_ANY)) {
		err = -errno;
		pr_err("cannot link the XDP DNS program to the XDP program: %s\n", strerror(-err));
		return err;
	}
	for (i = 0; i < SEL_MAX; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(dns->obj, sel_shape(i)->outer);

		if (m && st->sel_fd[i] < 0)
			st->sel_fd[i] = bpf_map__fd(m);
	}
	return 0;
}

/*
 * The programs are verified in parallel. Verifying the five XDP and TC
 * programs is most of a first apply (85-90k instructions for each of the
 * three XDP ones on 6.18), it is work per program, and the kernel
 * takes no lock around it for a loader with CAP_BPF/CAP_SYS_ADMIN
 * (bpf_verifier_lock is for unprivileged loads). So the object is opened
 * once more per group below, each copy with only its group's programs to
 * load and every map the first copy's (bpf_map__reuse_fd, as the DNS object
 * shares maps): one truth, and the first copy loads no program, only makes
 * the maps and the BTF. Groups pair a heavy program with a light one.
 */
#define PROG_GROUPS	3
static const char *const prog_groups[PROG_GROUPS][2] = {
	{ "enf_xdp_ingress", "enf_tc_egress" },
	{ "enf_xdp_l3", "enf_egress_l3" },
	{ "enf_xdp_trace", NULL },
};

_Static_assert(sizeof(((struct enf_state *)0)->prog_skel) / sizeof(struct enforcer_bpf *) ==
	       PROG_GROUPS, "enf_state.prog_skel: one per program group");

struct prog_loader {
	struct enforcer_bpf *skel;
	pthread_t thread;
	bool threaded;
	bool muted;	/* the starting thread's log_muted (a preload's) */
	int err;
};

static void *prog_loader_run(void *arg)
{
	struct prog_loader *l = arg;

	log_muted = l->muted;
	l->err = enforcer_bpf__load(l->skel);
	return NULL;
}

/* Open group g's copy of the object on the maps of `maps` and start
 * loading it, in a thread when one can be made (else here, now). */
static int prog_loader_start(struct prog_loader *l, const struct enforcer_bpf *maps, int g)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	l->skel = enforcer_bpf__open();
	if (!l->skel) {
		err = -errno;
		pr_err("cannot open BPF object: %s\n", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(prog, l->skel->obj) {
		const char *name = bpf_program__name(prog);
		bool mine = !strcmp(name, prog_groups[g][0]) ||
			    (prog_groups[g][1] && !strcmp(name, prog_groups[g][1]));

		bpf_program__set_autoload(prog, mine);
	}
	bpf_object__for_each_map(map, l->skel->obj) {
		const struct bpf_map *theirs = bpf_object__find_map_by_name(maps->obj,
									    bpf_map__name(map));

		if (!theirs || bpf_map__reuse_fd(map, bpf_map__fd(theirs))) {
			pr_err("cannot share map %s between the program groups\n",
			       bpf_map__name(map));
			return -EINVAL;
		}
	}
	l->muted = log_muted;
	l->threaded = !pthread_create(&l->thread, NULL, prog_loader_run, l);
	if (!l->threaded)
		prog_loader_run(l);
	return 0;
}

static int prog_loader_wait(struct prog_loader *l, int g)
{
	if (l->threaded)
		pthread_join(l->thread, NULL);
	l->threaded = false;
	if (l->err)
		pr_err("cannot load BPF program %s: %s (is this root with CAP_BPF on kernel "
		       ">= 6.1?)\n", prog_groups[g][0], strerror(-l->err));
	return l->err;
}

/* A program of the groups' copies, by name. */
static int group_prog_fd(const struct enf_state *st, const char *name)
{
	int g;

	for (g = 0; g < PROG_GROUPS; g++) {
		const struct bpf_program *p = st->prog_skel[g] ?
			bpf_object__find_program_by_name(st->prog_skel[g]->obj, name) : NULL;

		if (p && bpf_program__fd(p) >= 0)
			return bpf_program__fd(p);
	}
	return -1;
}

/* The maps of the object, its BTF, and the DNS object; both slots empty. */
static int load_maps(struct enf_state *st)
{
	struct enforcer_bpf *skel = st->skel;
	struct bpf_program *prog;
	int i, err;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	err = enforcer_bpf__load(skel);
	if (err) {
		pr_err("cannot create the BPF maps: %s (is this root with CAP_BPF on kernel "
		       ">= 6.1?)\n", strerror(-err));
		return err;
	}
	st->active_fd = bpf_map__fd(skel->maps.enf_active);
	st->policy_fd = bpf_map__fd(skel->maps.enf_policy);
	st->stats_fd = bpf_map__fd(skel->maps.enf_stats);
	st->if_stats_fd = bpf_map__fd(skel->maps.enf_if_stats);
	st->ifrow_fd = bpf_map__fd(skel->maps.enf_ifrow);
	st->events_fd = bpf_map__fd(skel->maps.enf_events);
	st->monitor_fd = bpf_map__fd(skel->maps.enf_monitor);
	st->mon_cpu_fd = bpf_map__fd(skel->maps.enf_mon_cpu);
	st->trace_map_fd = bpf_map__fd(skel->maps.enf_trace);
	st->flows_fd = bpf_map__fd(skel->maps.enf_flows);
	st->frags_fd = bpf_map__fd(skel->maps.enf_frags);
	st->xdp_dns_jmp_fd = bpf_map__fd(skel->maps.enf_xdp_dns_jmp);
	for (i = 0; i < SEL_MAX; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, sel_shape(i)->outer);

		st->sel_fd[i] = m ? bpf_map__fd(m) : -1;
	}
	return 0;
}

int state_load(struct enf_state *st)
{
	struct prog_loader loaders[PROG_GROUPS] = {};
	int g, err, wait_err;

	err = maps_init();
	if (err)
		return err;
	st->skel = enforcer_bpf__open();
	if (!st->skel) {
		err = -errno;
		pr_err("cannot open BPF object: %s\n", strerror(-err));
		return err;
	}
	err = load_maps(st);
	for (g = 0; !err && g < PROG_GROUPS; g++)
		err = prog_loader_start(&loaders[g], st->skel, g);
	/* while the verifier works: the DNS object (small) and both slots,
	 * whose map-of-maps updates each wait for an RCU grace period */
	if (!err)
		err = load_dns(st);
	if (!err) {
		st->btf = bpf_object__btf(st->skel->obj);
		st->btf_fd = bpf_object__btf_fd(st->skel->obj);
		resolve_btf_ids(st);
		err = init_slots(st);
		if (err)
			pr_err("cannot initialise policy slots: %s\n", strerror(-err));
	}
	for (g = 0; g < PROG_GROUPS; g++) {
		st->prog_skel[g] = loaders[g].skel;	/* state_close destroys it */
		wait_err = loaders[g].skel ? prog_loader_wait(&loaders[g], g) : 0;
		if (!err)
			err = wait_err;
	}
	if (err)
		return err;
	st->prog_fd = group_prog_fd(st, "enf_xdp_ingress");
	st->egress_fd = group_prog_fd(st, "enf_tc_egress");
	st->l3_prog_fd = group_prog_fd(st, "enf_xdp_l3");
	st->l3_egress_fd = group_prog_fd(st, "enf_egress_l3");
	st->trace_fd = group_prog_fd(st, "enf_xdp_trace");
	if (st->prog_fd < 0 || st->egress_fd < 0 || st->l3_prog_fd < 0 || st->l3_egress_fd < 0 ||
	    st->trace_fd < 0) {
		pr_err("BPF object is missing a program (build mismatch)\n");
		return -ENOENT;
	}
	return 0;
}

int state_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The global objects pinned by name (and the outer maps after them): one
 * table for pinning and opening. enf_policy and enf_active come last: a
 * reader takes a pin dir with enf_active in it for a complete state. */
struct pinned_obj {
	const char *name;
	int *fd;
};

#define MAX_PINNED	(28 + SEL_MAX)

static size_t pinned_objs(struct enf_state *st, struct pinned_obj *o)
{
	const struct pinned_obj fixed[] = {
		{ "enf_stats", &st->stats_fd },
		{ PROG_PIN, &st->prog_fd },
		{ "enf_xdp_l3", &st->l3_prog_fd },
		{ "enf_tc_egress", &st->egress_fd },
		{ "enf_egress_l3", &st->l3_egress_fd },
		{ DNS_PROG_PIN, &st->dns_prog_fd },
		{ DNS_STREAM_PIN, &st->dns_stream_fd },
		{ "enf_xdp_trace", &st->trace_fd },
		{ "enf_trace", &st->trace_map_fd },
		{ "enf_flows", &st->flows_fd },
		{ "enf_frags", &st->frags_fd },
		{ "enf_dns_stats", &st->dns_stats_fd },
		{ "enf_dns_listen", &st->dns_listen_fd },
		{ "enf_dns_steer", &st->dns_steer_fd },
		{ "enf_dns_steered", &st->dns_steered_fd },
		{ "enf_xdp_dns", &st->xdp_dns_fd },
		{ "enf_xdp_dns_jmp", &st->xdp_dns_jmp_fd },
		{ "enf_dns_xdp", &st->dns_xdp_fd },
		{ "enf_dns_xdp_stats", &st->dns_xdp_stats_fd },
		{ "enf_if_stats", &st->if_stats_fd },
		{ "enf_ifrow", &st->ifrow_fd },
		{ "enf_events", &st->events_fd },
		{ "enf_monitor", &st->monitor_fd },
		{ "enf_mon_cpu", &st->mon_cpu_fd },
	};
	size_t n = 0, i;

	_Static_assert(sizeof(fixed) / sizeof(fixed[0]) + SEL_MAX + 2 <= MAX_PINNED,
		       "MAX_PINNED: room for every pinned object");
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		o[n++] = fixed[i];
	for (i = 0; i < SEL_MAX; i++)
		o[n++] = (struct pinned_obj){ sel_shape(i)->outer, &st->sel_fd[i] };
	o[n++] = (struct pinned_obj){ "enf_policy", &st->policy_fd };
	o[n++] = (struct pinned_obj){ "enf_active", &st->active_fd };
	return n;
}

static int pin_all(struct enf_state *st)
{
	struct pinned_obj objs[MAX_PINNED];
	size_t i, n = pinned_objs(st, objs);
	char path[PATH_MAX];
	int err = 0;

	for (i = 0; i < n; i++) {
		err = state_pin_path(path, sizeof(path), st->pin_dir, objs[i].name);
		if (!err && bpf_obj_pin(*objs[i].fd, path))
			err = -errno;
		if (err) {
			pr_err("cannot pin %s: %s\n", path, strerror(-err));
			while (i-- > 0) {
				state_pin_path(path, sizeof(path), st->pin_dir, objs[i].name);
				unlink(path);
			}
			return err;
		}
	}
	err = state_pin_path(path, sizeof(path), st->pin_dir, "links");
	if (!err && mkdir(path, 0700) && errno != EEXIST)
		err = -errno;
	return err;
}

/*
 * The pin dir and its objects are root's (mode 0700 and 0600), and bpf(2)
 * may refuse a caller without CAP_BPF (kernel.unprivileged_bpf_disabled):
 * an operator without them is told so, not that nothing is loaded. The
 * capabilities named are what reading takes (measured: CAP_BPF alone cannot
 * open a pin, which needs write access to it). Returns err.
 */
static int denied(const char *pin_dir, int err)
{
	pr_err("cannot read %s: permission denied (run as root, or with CAP_BPF and "
	       "CAP_DAC_OVERRIDE)\n", pin_dir);
	return err;
}

/* Whether `path` exists, as the caller's effective credentials see it:
 * access(2) would judge with the real uid and drop the capabilities of a
 * non-root caller. 0, -ENOENT, or -EACCES/-EPERM said by denied(). */
static int pin_exists(const char *pin_dir, const char *path)
{
	struct stat sb;

	if (!stat(path, &sb))
		return 0;
	if (errno == EACCES || errno == EPERM)
		return denied(pin_dir, -errno);
	return -ENOENT;
}

static int open_pinned(struct enf_state *st, const char *name, int *fd)
{
	char path[PATH_MAX];
	int err = state_pin_path(path, sizeof(path), st->pin_dir, name);

	if (err)
		return err;
	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		err = -errno;
		if (err == -EACCES || err == -EPERM)
			return denied(st->pin_dir, err);
		if (err != -ENOENT)
			pr_err("cannot open pinned object %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}

static int open_all(struct enf_state *st)
{
	struct pinned_obj objs[MAX_PINNED];
	size_t i, n = pinned_objs(st, objs);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	/* enf_active first: without it nothing is pinned here (-ENOENT) */
	err = open_pinned(st, "enf_active", &st->active_fd);
	if (err)
		return err;
	err = open_pinned(st, "enf_policy", &st->policy_fd);
	/* an earlier build's pins: say so before missing a newer object */
	if (!err && bpf_obj_get_info_by_fd(st->policy_fd, &info, &len))
		err = -errno;
	if (!err && info.value_size != sizeof(struct enf_policy)) {
		pr_err("pinned state in %s is from an incompatible enforcer version "
		       "(detach, remove the directory, apply again)\n", st->pin_dir);
		return -EPROTO;
	}
	for (i = 0; !err && i < n - 2; i++)	/* the last two are open */
		err = open_pinned(st, objs[i].name, objs[i].fd);
	if (err == -EACCES || err == -EPERM)
		return err;	/* said by denied() */
	if (err) {
		pr_err("pinned state in %s is incomplete: %s (remove the directory and apply again)\n",
		       st->pin_dir, strerror(-err));
		return err == -ENOENT ? -EIO : err;
	}
	if (info.btf_id) {
		st->btf = btf__load_from_kernel_by_id(info.btf_id);
		st->btf_fd = bpf_btf_get_fd_by_id(info.btf_id);
	}
	resolve_btf_ids(st);
	return 0;
}

/* The pin dir must be on bpffs. The default location gets bpffs mounted
 * when it is missing, as bpftool does; anything else is the caller's. */
static int prepare_pin_dir(const char *dir, bool create)
{
	char parent[PATH_MAX], *slash;
	struct statfs sfs;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';

	if (!create)
		return pin_exists(dir, dir);
	if (!strcmp(dir, ENF_PIN_DIR) && !statfs(parent, &sfs) && sfs.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
			pr_err("cannot mount bpffs on %s: %s\n", parent, strerror(errno));
			return -errno;
		}
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		pr_err("cannot create pin directory %s: %s%s\n", dir, strerror(-err),
		       err == -ENOENT ? " (its parent must exist on a bpf filesystem)" : "");
		return err;
	}
	if (statfs(dir, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		pr_err("invalid pin directory '%s': not on a bpf filesystem "
		       "(mount -t bpf bpf %s, or choose another --pin-dir)\n", dir, parent);
		return -EINVAL;
	}
	return 0;
}

static void *preload_run(void *arg)
{
	struct state_preload *pl = arg;

	log_muted = true;
	pl->err = state_load(&pl->st);
	return NULL;
}

void state_preload_start(struct state_preload *pl, const char *pin_dir)
{
	char path[PATH_MAX];
	struct stat sb;
	int err;

	memset(pl, 0, sizeof(*pl));
	state_init(&pl->st);
	pl->err = -ENOENT;
	/* Not for another user than root: the load would only fail.
	 * maps_init() here, not in both threads at once: it fills a table;
	 * quietly: when it fails, the load in the open says so. */
	if (!pin_dir || geteuid() ||
	    state_pin_path(path, sizeof(path), pin_dir, "enf_active") || !stat(path, &sb) ||
	    errno != ENOENT)
		return;		/* loaded already (a re-apply), or nothing to do */
	log_muted = true;
	err = maps_init();
	log_muted = false;
	if (!err)
		pl->running = !pthread_create(&pl->thread, NULL, preload_run, pl);
}

static void preload_wait(struct state_preload *pl)
{
	if (pl->running)
		pthread_join(pl->thread, NULL);
	pl->running = false;
}

void state_preload_discard(struct state_preload *pl)
{
	preload_wait(pl);
	state_close(&pl->st);
}

/* The preloaded state into `st` (which keeps its pin dir and lock), or
 * the preload's error. */
static int preload_take(struct state_preload *pl, struct enf_state *st)
{
	preload_wait(pl);
	if (pl->err) {
		state_close(&pl->st);
		return pl->err;
	}
	memcpy(pl->st.pin_dir, st->pin_dir, sizeof(st->pin_dir));
	pl->st.pinned = st->pinned;
	pl->st.lock_fd = st->lock_fd;
	*st = pl->st;
	state_init(&pl->st);	/* taken: nothing left to free */
	pl->err = -ENOENT;
	return 0;
}

static int open_state(struct enf_state *st, const char *pin_dir, bool create, bool lock,
		      struct state_preload *pl)
{
	char path[PATH_MAX];
	int err;

	err = maps_init();
	if (err)
		return err;
	if (strlen(pin_dir) >= sizeof(st->pin_dir)) {
		pr_err("invalid pin directory '%s': %s\n", pin_dir, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	memcpy(st->pin_dir, pin_dir, strlen(pin_dir) + 1);
	st->pinned = true;
	err = prepare_pin_dir(pin_dir, create);
	if (err)
		return err;
	if (lock) {
		st->lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (st->lock_fd < 0 || flock(st->lock_fd, LOCK_EX)) {
			err = -errno;
			if (err == -EACCES || err == -EPERM)
				return denied(pin_dir, err);
			pr_err("cannot lock pin directory %s: %s\n", pin_dir, strerror(-err));
			return err;
		}
	}
	err = state_pin_path(path, sizeof(path), pin_dir, "enf_active");
	if (err)
		return err;
	err = pin_exists(pin_dir, path);
	if (!err)
		return open_all(st);
	if (err != -ENOENT || !create)
		return err;

	err = pl ? preload_take(pl, st) : -ENOENT;
	if (err)
		err = state_load(st);
	if (!err)
		err = pin_all(st);
	return err;
}

int state_open(struct enf_state *st, const char *pin_dir, bool create, bool lock)
{
	return open_state(st, pin_dir, create, lock, NULL);
}

int state_open_preloaded(struct enf_state *st, const char *pin_dir, struct state_preload *pl)
{
	return open_state(st, pin_dir, true, true, pl);
}

int state_lock(struct enf_state *st)
{
	if (st->lock_fd < 0) {
		st->lock_fd = open(st->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (st->lock_fd < 0)
			return -errno;
	}
	return flock(st->lock_fd, LOCK_EX) ? -errno : 0;
}

void state_unlock(struct enf_state *st)
{
	if (st->lock_fd >= 0)
		flock(st->lock_fd, LOCK_UN);
}

int state_rule_for(const struct enf_policy *pol, const char *ifname)
{
	int i;

	for (i = 0; i < ENF_MAX_IFRULES && pol->ifrules[i].pattern[0]; i++) {
		const struct enf_ifrule *r = &pol->ifrules[i];
		char pat[sizeof(r->pattern) + 1];

		snprintf(pat, sizeof(pat), "%.*s", (int)sizeof(r->pattern), r->pattern);
		if (r->is_glob ? !fnmatch(pat, ifname, 0) : !strcmp(pat, ifname))
			return i;
	}
	return -1;
}

int state_open_loaded(struct enf_state *st, const char *pin_dir, const char *who)
{
	int err;

	state_init(st);
	err = state_open(st, pin_dir, false, false);
	if (err == -ENOENT)
		pr_err("%s: enforcer is not loaded in %s (apply a manifest first)\n", who, pin_dir);
	if (err)
		state_close(st);
	return err;
}

int state_active_map(struct enf_state *st, enum sel sel)
{
	struct enf_active act;
	int err = state_active(st, &act, NULL);

	return err ? err : state_inner_fd(st, sel, act.slot);
}

int state_active(struct enf_state *st, struct enf_active *act, struct enf_policy *pol)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(st->active_fd, &zero, act))
		return -errno;
	act->slot &= 1;
	if (pol && bpf_map_lookup_elem(st->policy_fd, &act->slot, pol))
		return -errno;
	return 0;
}

int state_inner_fd(struct enf_state *st, enum sel sel, uint32_t slot)
{
	uint32_t id;
	int fd;

	if (bpf_map_lookup_elem(st->sel_fd[sel], &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

int state_resolvers(struct enf_state *st, struct enf_addr *out, size_t max)
{
	struct enf_addr key, next;
	int fd, err, n = 0;

	fd = state_active_map(st, SEL_DNS_RES);
	if (fd < 0)
		return fd;
	for (err = bpf_map_get_next_key(fd, NULL, &next); !err && (size_t)n < max;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		out[n++] = next;
		key = next;
	}
	close(fd);
	return n;
}

uint32_t state_role_for(const struct enf_policy *pol, const char *ifname)
{
	int i = state_rule_for(pol, ifname);

	return i < 0 ? ENF_ROLE_MIXED : pol->ifrules[i].role;
}

int state_sum_percpu(int fd, uint32_t key, void *out, size_t value_size, size_t nfields)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	size_t stride = (value_size + 7) & ~(size_t)7, f;
	uint64_t *buf, *sum = out;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	buf = calloc(ncpu, stride);
	if (!buf)
		return -ENOMEM;
	memset(out, 0, value_size);
	if (bpf_map_lookup_elem(fd, &key, buf)) {
		int err = -errno;

		free(buf);
		return err;
	}
	for (c = 0; c < ncpu; c++)
		for (f = 0; f < nfields; f++)
			sum[f] += buf[c * stride / sizeof(uint64_t) + f];
	free(buf);
	return 0;
}

uint64_t state_count_entries(int fd, size_t key_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	uint8_t key[64], next[64];
	uint64_t n = 0;
	int err;

	if (fd < 0 || key_size > sizeof(key) || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	/* A key evicted under the walk (an LRU churned by a sender) sends
	 * get_next_key back to the first one: never more steps than the map
	 * holds, so a walk always ends. */
	for (err = bpf_map_get_next_key(fd, NULL, next); !err && n < info.max_entries;
	     err = bpf_map_get_next_key(fd, key, next)) {
		memcpy(key, next, key_size);
		n++;
	}
	return n;
}

/* Zero every CPU's counters of one enf_if_stats row. */
static void clear_stats_row(struct enf_state *st, uint32_t row)
{
	int ncpu = libbpf_num_possible_cpus();
	struct enf_counter *zero;
	uint32_t r, key;

	if (ncpu <= 0 || st->if_stats_fd < 0)
		return;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return;
	for (r = 0; r < ENF_REASON_SLOTS; r++) {
		key = row * ENF_REASON_SLOTS + r;
		bpf_map_update_elem(st->if_stats_fd, &key, zero, BPF_ANY);
	}
	free(zero);
}

/* Puts (ifindex, row) in its enf_ifrow slot unless the slot holds another
 * interface that still has its programs: one in `list` (apply: the list is
 * every interface), or, for attach, one with an entry in the active role
 * map. A slot lost that way only costs that interface a hash lookup. */
static void cache_row(struct enf_state *st, uint32_t ifindex, uint32_t row, const uint32_t *list,
		      size_t n, bool keep_others)
{
	uint32_t slot = ifindex & (ENF_IFROW_SLOTS - 1);
	struct enf_ifrow r = {}, want = { .ifindex = ifindex, .row = row };
	struct enf_iface_val v;
	bool held = false;
	size_t i;
	int fd;

	if (st->ifrow_fd < 0)
		return;
	bpf_map_lookup_elem(st->ifrow_fd, &slot, &r);
	if (r.ifindex && r.ifindex != ifindex) {
		for (i = 0; i < n && !held; i++)
			held = list[i] == r.ifindex;
		if (!held && keep_others) {
			fd = state_active_map(st, SEL_IFROLE);
			held = fd >= 0 && !bpf_map_lookup_elem(fd, &r.ifindex, &v);
			if (fd >= 0)
				close(fd);
		}
		if (held)
			return;
	}
	if (r.ifindex != ifindex || r.row != row)
		bpf_map_update_elem(st->ifrow_fd, &slot, &want, BPF_ANY);
}

int state_stats_rows(struct enf_state *st, const uint32_t *ifindex, size_t n, uint32_t *rows,
		     bool keep_others)
{
	bool taken[ENF_IF_ROWS] = { true };	/* row 0: the shared "other" row */
	uint32_t key, *next = NULL, cur;
	struct enf_iface_val v;
	uint32_t row = 1;
	size_t i;
	int fd;

	memset(rows, 0, n * sizeof(*rows));
	fd = state_active_map(st, SEL_IFROLE);
	/* Rows held in the active generation: kept by their interface, and
	 * taken by the others' when asked to (attach of one interface). */
	while (fd >= 0 && !bpf_map_get_next_key(fd, next, &key)) {
		cur = key;
		next = &cur;
		if (bpf_map_lookup_elem(fd, &key, &v) || !v.stats_row || v.stats_row >= ENF_IF_ROWS)
			continue;
		for (i = 0; i < n; i++)
			if (ifindex[i] == key && !taken[v.stats_row]) {
				rows[i] = v.stats_row;
				taken[v.stats_row] = true;
			}
		if (keep_others)
			taken[v.stats_row] = true;
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < n; i++) {
		if (rows[i])
			continue;
		while (row < ENF_IF_ROWS && taken[row])
			row++;
		if (row == ENF_IF_ROWS)
			break;	/* the rest count in row 0 */
		clear_stats_row(st, row);
		rows[i] = row;
		taken[row] = true;
	}
	for (i = 0; i < n; i++)
		cache_row(st, ifindex[i], rows[i], ifindex, n, keep_others);
	return 0;
}

void state_stats_row_forget(struct enf_state *st, uint32_t ifindex)
{
	uint32_t slot = ifindex & (ENF_IFROW_SLOTS - 1);
	struct enf_ifrow r;

	if (st->ifrow_fd >= 0 && !bpf_map_lookup_elem(st->ifrow_fd, &slot, &r) &&
	    r.ifindex == ifindex) {
		memset(&r, 0, sizeof(r));
		bpf_map_update_elem(st->ifrow_fd, &slot, &r, BPF_ANY);
	}
}

void state_dns_xdp_stats(const struct enf_state *st, uint64_t v[ENF_DNS_XDP_STAT_MAX])
{
	uint32_t r;

	for (r = 0; r < ENF_DNS_XDP_STAT_MAX; r++)
		if (state_sum_percpu(st->dns_xdp_stats_fd, r, &v[r], sizeof(v[r]), 1))
			v[r] = 0;
}

void state_dns_stats(const struct enf_state *st, uint64_t v[ENF_DNS_REASON_MAX])
{
	uint32_t r;

	for (r = 0; r < ENF_DNS_REASON_MAX; r++)
		if (state_sum_percpu(st->dns_stats_fd, r, &v[r], sizeof(v[r]), 1))
			v[r] = 0;
}

