// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The reader of enf_events (see monitor.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "monitor.h"
#include "state.h"
#include "state_internal.h"

#define MONITOR_CLAIM	"monitor"
#define LEASE_NS	(3 * 1000000000ULL)	/* a dead reader costs at most this */
#define RENEW_NS	(1000000000ULL)

/* The service names of one generation (a slot's enf_svc_meta). */
struct gen_names {
	uint64_t generation;	/* 0: not loaded */
	struct enf_svc_meta *meta;
	uint32_t n;		/* ids 0..n-1 */
};

/* Interface names by ifindex, looked up once a second at most: a flood of
 * events must not cost a syscall each. */
#define IFNAME_SLOTS	64

struct ifname_slot {
	uint32_t ifindex;
	uint64_t at_ns;		/* CLOCK_MONOTONIC of the lookup */
	char name[IF_NAMESIZE];
};

struct monitor {
	struct enf_state *st;
	struct ifname_slot ifnames[IFNAME_SLOTS];
	struct ring_buffer *rb;
	struct enf_monitor cfg;
	uint64_t renewed_ns;
	int claim_fd;
	int started;		/* events before this are a dead reader's */
	monitor_cb cb;
	void *ctx;
	struct gen_names names[2];	/* by slot */
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The names of the generation in `slot`, reloaded when it changed. */
static struct gen_names *slot_names(struct monitor *m, uint32_t slot)
{
	struct gen_names *g = &m->names[slot];
	struct enf_policy pol;
	struct enf_svc_meta *meta;
	uint32_t id;
	int fd;

	if (bpf_map_lookup_elem(m->st->policy_fd, &slot, &pol) || !pol.generation)
		return NULL;
	if (g->generation == pol.generation)
		return g;
	meta = calloc((size_t)pol.services + 1, sizeof(*meta));
	fd = state_inner_fd(m->st, SEL_META, slot);
	if (!meta || fd < 0) {
		free(meta);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (id = 1; id <= pol.services; id++)
		if (bpf_map_lookup_elem(fd, &id, &meta[id]))
			break;
	close(fd);
	free(g->meta);
	g->meta = meta;
	g->n = id;
	g->generation = pol.generation;
	return g;
}

/* The service of an event, named by the generation that judged it: the
 * slot in force, or the one before it (the two slots hold the last two). */
static const struct enf_svc_meta *event_service(struct monitor *m, const struct enf_event *e)
{
	uint32_t slot;

	if (!e->service_id)
		return NULL;
	for (slot = 0; slot < 2; slot++) {
		struct gen_names *g = slot_names(m, slot);

		if (g && g->generation == e->generation)
			return e->service_id < g->n ? &g->meta[e->service_id] : NULL;
	}
	return NULL;
}

static void ifname(struct monitor *m, uint32_t ifindex, uint64_t now, char *out)
{
	struct ifname_slot *c = &m->ifnames[ifindex % IFNAME_SLOTS];

	if (c->ifindex != ifindex || now - c->at_ns > 1000000000ULL) {
		c->ifindex = ifindex;
		c->at_ns = now;
		if (!ifindex || !if_indextoname(ifindex, c->name))
			snprintf(c->name, sizeof(c->name), "if%u", ifindex);
	}
	memcpy(out, c->name, IF_NAMESIZE);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	const struct enf_event *e = data;
	struct monitor_event ev = { .raw = e };
	uint64_t wall;

	if (size < sizeof(*e) || !m->started)
		return 0;
	/* the event's monotonic time, on the wall clock */
	wall = now_ns(CLOCK_REALTIME) - (now_ns(CLOCK_MONOTONIC) - e->ts_ns);
	ev.wall.tv_sec = wall / 1000000000ULL;
	ev.wall.tv_nsec = wall % 1000000000ULL;
	ifname(m, e->ifindex, e->ts_ns, ev.ifname);
	ev.svc = event_service(m, e);
	return m->cb(m->ctx, &ev);
}

/* Writes the reader's settings with a fresh lease: the data path writes
 * events until the lease runs out. */
static int renew(struct monitor *m)
{
	uint32_t zero = 0;
	uint64_t now = now_ns(CLOCK_MONOTONIC);

	m->cfg.lease_ns = now + LEASE_NS;
	if (bpf_map_update_elem(m->st->monitor_fd, &zero, &m->cfg, BPF_ANY))
		return -errno;
	m->renewed_ns = now;
	return 0;
}

int monitor_open(struct enf_state *st, const struct monitor_opts *o, monitor_cb cb, void *ctx,
		 struct monitor **out)
{
	uint32_t rate = o->rate ? o->rate : ENF_MON_RATE;
	uint32_t burst = o->burst ? o->burst : ENF_MON_BURST;
	struct enf_monitor held = {};
	struct monitor *m;
	uint32_t zero = 0;
	int err;

	if (st->events_fd < 0 || st->monitor_fd < 0) {
		pr_err("the programs pinned in %s have no event ring buffer (from an older "
		       "enforcer: detach, remove the directory, apply again)\n", st->pin_dir);
		return -ENOTSUP;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->st = st;
	m->cb = cb;
	m->ctx = ctx;
	m->claim_fd = state_claim(st->pin_dir, MONITOR_CLAIM);
	if (m->claim_fd < 0) {
		err = m->claim_fd;
		if (err == -EWOULDBLOCK) {
			bpf_map_lookup_elem(st->monitor_fd, &zero, &held);
			pr_err("another monitor (pid %u) reads the events of %s; one reader at a "
			       "time\n", held.reader_pid, st->pin_dir);
			err = -EBUSY;
		} else {
			pr_err("cannot claim the events of %s: %s\n", st->pin_dir, strerror(-err));
		}
		free(m);
		return err;
	}
	m->cfg.flags = o->flags;
	m->cfg.reader_pid = getpid();
	m->cfg.interval_ns = 1000000000ULL / rate;
	m->cfg.burst_ns = (uint64_t)burst * m->cfg.interval_ns;
	m->cfg.pass_sample = o->pass_sample;
	/* a new epoch: every CPU's bucket starts full, with no refusals
	 * pending from an earlier reader (the data path resets its own) */
	m->cfg.epoch = (uint32_t)getpid() ^ (uint32_t)now_ns(CLOCK_MONOTONIC) ^ 1;
	m->rb = ring_buffer__new(st->events_fd, on_event, m, NULL);
	if (!m->rb) {
		err = -errno;
		pr_err("cannot read the event ring buffer: %s\n", strerror(-err));
		monitor_close(m);
		return err;
	}
	ring_buffer__consume(m->rb);	/* stale: dropped unseen (not started) */
	m->started = 1;
	err = renew(m);
	if (err) {
		pr_err("cannot start the events: %s\n", strerror(-err));
		monitor_close(m);
		return err;
	}
	*out = m;
	return 0;
}

int monitor_poll(struct monitor *m, int timeout_ms)
{
	int n;

	if (now_ns(CLOCK_MONOTONIC) - m->renewed_ns >= RENEW_NS) {
		n = renew(m);
		if (n)
			return n;
	}
	if (timeout_ms > 1000)
		timeout_ms = 1000;	/* the lease needs renewing */
	return ring_buffer__poll(m->rb, timeout_ms);
}

int monitor_epoll_fd(const struct monitor *m)
{
	return ring_buffer__epoll_fd(m->rb);
}

void monitor_close(struct monitor *m)
{
	struct enf_monitor off = {};
	uint32_t zero = 0;
	int i;

	if (!m)
		return;
	if (m->renewed_ns)
		bpf_map_update_elem(m->st->monitor_fd, &zero, &off, BPF_ANY);
	ring_buffer__free(m->rb);
	if (m->claim_fd >= 0)
		close(m->claim_fd);
	for (i = 0; i < 2; i++)
		free(m->names[i].meta);
	free(m);
}

int monitor_counts(const struct enf_state *st, struct enf_mon_cpu *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (st->mon_cpu_fd < 0)
		return -ENOENT;
	return state_sum_percpu(st->mon_cpu_fd, 0, sum, sizeof(*sum), 4);
}
