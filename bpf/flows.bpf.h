/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flows instances opened (enf_flows), which enf_tc_egress records and
 * the XDP verdict reads for rule 3c, and the hint table in front of it.
 * Included by enforcer.bpf.c only, after verdict.bpf.h.
 */
#ifndef ENFORCER_FLOWS_BPF_H
#define ENFORCER_FLOWS_BPF_H

#include "verdict.bpf.h"

/* Flows instances opened towards sources they are not admitted from;
 * written by enf_tc_egress, read (and refreshed) by the XDP program so the
 * replies come back. Global: flows outlive policy generations. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ENF_MAX_FLOWS);
	__type(key, struct enf_flow_key);
	__type(value, struct enf_flow_val);
} enf_flows SEC(".maps");

/* A filter in front of enf_flows: bucket (hash of a flow key) -> when a flow
 * hashing there was last seen (ns). Zero or older than every flow timeout
 * means no live flow can have that key, and the drop path skips the LRU
 * lookup: a flood from sources no instance talks to never reaches it.
 * Written wherever a flow's last_ns is; a collision only costs the lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENF_FLOW_HINTS);
	__type(key, __u32);
	__type(value, __u64);
} enf_flow_hint SEC(".maps");

static __always_inline __u64 flow_timeout(const struct enf_policy *pol, __u8 proto, __u32 state)
{
	if (proto == IPPROTO_TCP || proto == IPPROTO_SCTP)
		return state == ENF_FLOW_CLOSING ? pol->flow_tcp_closing_ns : pol->flow_tcp_ns;
	if (proto == IPPROTO_UDP)
		return pol->flow_udp_ns;
	return pol->flow_icmp_ns;
}

/* Bucket of a flow key in enf_flow_hint: the key's words folded, then
 * spread. Cheap on purpose; collisions only cost a real lookup. */
static __always_inline __u32 flow_hint_index(const struct enf_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u32 x = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*k) / sizeof(__u32)); i++)
		x ^= w[i] * (2 * i + 1);
	return (x * 0x9e3779b1U) >> (32 - 16) & (ENF_FLOW_HINTS - 1);
}

static __always_inline void flow_hint_touch(const struct enf_flow_key *k, __u64 now)
{
	__u32 idx = flow_hint_index(k);
	__u64 *h = bpf_map_lookup_elem(&enf_flow_hint, &idx);

	if (h)
		*h = now;
}

/* Is there a live flow `local` opened to `remote`? Refreshes it (and notes
 * a closing TCP) unless tracing. */
static __always_inline int flow_lookup(struct verdict_ctx *v, struct enf_flow_key *k,
				       __u8 tcp_flags)
{
	const struct enf_policy *pol = v->pol;
	__u32 idx = flow_hint_index(k);
	__u64 *hint = bpf_map_lookup_elem(&enf_flow_hint, &idx);
	struct enf_flow_val *f;
	__u64 now, ttl;

	if (!hint || !*hint)
		return 0;
	/* The longest timeout, plus a second for writers racing on the
	 * bucket: past that, no flow of this bucket is alive. */
	ttl = pol->flow_tcp_ns > pol->flow_udp_ns ? pol->flow_tcp_ns : pol->flow_udp_ns;
	ttl = ttl > pol->flow_icmp_ns ? ttl : pol->flow_icmp_ns;
	ttl = ttl > pol->flow_tcp_closing_ns ? ttl : pol->flow_tcp_closing_ns;
	now = bpf_ktime_get_ns();
	if (now - *hint > ttl + 1000000000ULL)
		return 0;
	f = bpf_map_lookup_elem(&enf_flows, k);
	if (!f)
		return 0;
	if (now - f->last_ns > flow_timeout(pol, k->proto, f->state))
		return 0;
	if (!v->trace) {
		f->last_ns = now;
		*hint = now;
		if (tcp_flags & 0x05)	/* FIN or RST */
			f->state = ENF_FLOW_CLOSING;
	}
	return 1;
}

#endif /* ENFORCER_FLOWS_BPF_H */
