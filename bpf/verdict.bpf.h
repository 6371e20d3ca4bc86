/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What every verdict of enforcer.bpf.c leaves behind: the per-reason and
 * per-interface counters `status` and the metrics read, and the events of
 * `enforcer monitor`. Included by enforcer.bpf.c only (after the parser and
 * the policy maps); account() there is the one caller.
 */
#ifndef ENFORCER_VERDICT_BPF_H
#define ENFORCER_VERDICT_BPF_H

#include "maps.bpf.h"
#include "parsing.bpf.h"

/* reason -> per-CPU packets/bytes; written here, read by `status` */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_REASON_MAX);
	__type(key, __u32);
	__type(value, struct enf_counter);
} enf_stats SEC(".maps");

/* [interface row * ENF_REASON_SLOTS + reason] -> per-CPU packets/bytes;
 * the row is the interface's (enf_iface_val.stats_row). For the metrics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_IF_ROWS * ENF_REASON_SLOTS);
	__type(key, __u32);
	__type(value, struct enf_counter);
} enf_if_stats SEC(".maps");

/* [ifindex & (ENF_IFROW_SLOTS - 1)] -> the interface's row (a cache of
 * enf_iface_val.stats_row, tagged with the ifindex) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENF_IFROW_SLOTS);
	__type(key, __u32);
	__type(value, struct enf_ifrow);
} enf_ifrow SEC(".maps");

/* `enforcer monitor`: see struct enf_monitor in enforcer_common.h. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENF_EVENTS_BYTES);
} enf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_monitor);
} enf_monitor SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_mon_cpu);
} enf_mon_cpu SEC(".maps");

struct verdict_ctx {
	void *svcstat;		/* inner map of the slot, may be NULL */
	struct pkt *p;
	struct enf_policy *pol;
	__u32 service_id;	/* 0 = none known */
	__u32 network_id;
	__u32 class_id;
	__u32 src_flags;
	__u32 ifindex;
	__u32 row;		/* the receiving interface's row of enf_if_stats */
	__u64 bytes;
	/* bytes, not words: the full path's frame plus its deepest call must
	 * stay within 512 bytes on 6.1, which rounds every frame up to 32.
	 * The tunnel walk's state is in the packet's slot (struct pkt). */
	__u8 audit;
	__u8 trace;
	__u8 frontend;		/* destination is a frontend address */
};

static __always_inline void count_reason(struct verdict_ctx *v, __u32 reason)
{
	__u32 idx = (v->row % ENF_IF_ROWS) * ENF_REASON_SLOTS + reason;
	struct enf_counter *c = bpf_map_lookup_elem(&enf_stats, &reason);

	if (c) {	/* cannot fail for reason < ENF_REASON_MAX; verifier wants it */
		c->packets++;
		c->bytes += v->bytes;
	}
	c = bpf_map_lookup_elem(&enf_if_stats, &idx);
	if (c) {
		c->packets++;
		c->bytes += v->bytes;
	}
}

/* One event for `enforcer monitor`, when this CPU's token bucket allows
 * it; called only while someone listens (monitor_event). A subprogram,
 * not inlined: account() is inlined at every verdict, and one copy of this
 * serves them all. */
static __noinline int monitor_write(struct verdict_ctx *v, struct enf_monitor *m, __u32 reason,
				    __u32 ev_verdict)
{
	struct enf_mon_cpu *c;
	struct enf_event *e;
	struct pkt *p = v->p;
	__u32 zero = 0;
	__u64 now;

	if (ev_verdict == ENF_EV_PASS && m->pass_sample > 1 &&
	    bpf_get_prandom_u32() % m->pass_sample)
		return 0;
	c = bpf_map_lookup_elem(&enf_mon_cpu, &zero);
	if (!c)
		return 0;
	if (c->epoch != m->epoch) {	/* a new reader: a full bucket */
		c->epoch = m->epoch;
		c->tat_ns = 0;
		c->refused_ns = 0;
		c->refuse_until = 0;
	}
	/* flooded a moment ago: refused without reading the clock */
	if (c->refuse_until && bpf_jiffies64() < c->refuse_until) {
		c->rate_limited++;
		return 0;
	}
	now = bpf_ktime_get_ns();
	if (now > m->lease_ns) {	/* the reader is gone: stop for everyone */
		m->flags = 0;
		return 0;
	}
	/* virtual scheduling: an event is due interval_ns after the last;
	 * up to burst of them may come early */
	if (c->tat_ns + m->interval_ns > now + m->burst_ns) {
		c->rate_limited++;
		/* refusals faster than the rate: a flood, not a burst; the
		 * rest of this jiffy and the next are refused cheaply */
		if (now - c->refused_ns < m->interval_ns)
			c->refuse_until = bpf_jiffies64() + 2;
		c->refused_ns = now;
		return 0;
	}
	c->refuse_until = 0;
	c->tat_ns = (c->tat_ns > now ? c->tat_ns : now) + m->interval_ns;
	e = bpf_ringbuf_reserve(&enf_events, sizeof(*e), 0);
	if (!e) {
		c->ring_full++;
		return 0;
	}
	e->ts_ns = now;
	e->generation = v->pol ? v->pol->generation : 0;
	e->ifindex = v->ifindex;
	e->reason = reason;
	e->service_id = v->service_id;
	e->network_id = v->network_id;
	e->class_id = v->class_id;
	e->bytes = v->bytes;
	e->verdict = ev_verdict;
	e->encap = p ? p->walk_encap : 0;
	e->depth = p ? p->walk_depth : 0;
	__builtin_memset(&e->src, 0, sizeof(e->src));
	__builtin_memset(&e->dst, 0, sizeof(e->dst));
	e->sport = 0;
	e->dport = 0;
	e->proto = 0;
	e->tcp_flags = 0;
	e->icmp_type = 0;
	e->icmp_code = 0;
	e->has_ports = 0;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	__builtin_memset(e->pad2, 0, sizeof(e->pad2));
	if (p && p->walk_depth)
		e->outer_src = p->walk_outer_src;
	else
		__builtin_memset(&e->outer_src, 0, sizeof(e->outer_src));
	/* a parse that failed before the IP header leaves it all cleared
	 * (and l4 reads as L4_PORTS): nothing to show then */
	if (p && p->src.family) {
		e->src = p->src;
		e->dst = p->dst;
		e->proto = p->proto;
		if (p->l4 == L4_PORTS) {
			e->sport = p->sport;
			e->dport = p->dport;
			e->has_ports = 1;
			e->tcp_flags = p->tcp_flags;
		} else if (p->l4 == L4_OTHER) {
			e->icmp_type = p->icmp_type;
			e->icmp_code = p->icmp_code;
		}
	}
	bpf_ringbuf_submit(e, 0);
	c->emitted++;
	return 0;
}

/* Nobody listening costs the data path the load of the flags. */
static __always_inline void monitor_event(struct verdict_ctx *v, __u32 reason, int verdict,
					  int audited)
{
	__u32 zero = 0, want = verdict == XDP_DROP || audited ? ENF_MON_DROPS : ENF_MON_PASSES;
	struct enf_monitor *m = bpf_map_lookup_elem(&enf_monitor, &zero);

	if (m && (m->flags & want))
		monitor_write(v, m, reason,
			      audited ? ENF_EV_AUDIT : verdict == XDP_DROP ? ENF_EV_DROP : ENF_EV_PASS);
}

#endif /* ENFORCER_VERDICT_BPF_H */
