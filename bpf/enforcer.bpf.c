// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * XDP isolation enforcer: implements section 4 of the contract.
 *
 * Per packet: parse; look the destination up once (not ours -> pass, unless
 * the interface is public and the source spoofed); classify the source once
 * with the LPM trie into a source class and flags; then
 *   admitted to the destination's network            -> pass
 *   TCP/UDP/SCTP to a public port (trusted if set)    -> pass
 *   anything else                                     -> drop
 * Every return goes through account() with a reason (enum enf_reason).
 *
 * Fail closed: headers we cannot read (truncated, later fragments, extension
 * chains beyond the bound) to an enforced destination from a non-admitted
 * source are dropped. Fail open only for what is explicitly not ours:
 * non-IP frames and destinations that are no service address. Packets
 * whose L2/L3 header is unreadable are dropped (the destination is unknown,
 * and the kernel would discard them anyway).
 *
 * Policy maps are double-buffered (see include/enforcer_common.h): the slot
 * is read once and every lookup of a packet uses that slot's inner maps.
 */
#include "maps.bpf.h"
#include "parsing.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- per-generation inner maps (templates; userspace creates the real
 * ones per apply, sized to the manifest) ---- */

struct dst_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct enf_addr);
	__type(value, struct enf_dst_val);
};

struct port_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct enf_port_key);
	__type(value, struct enf_port_val);
};

struct ifrole_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);	/* ifindex */
	__type(value, struct enf_iface_val);
};

/* A per-CPU hash, not array: per-CPU arrays cannot be inner maps of
 * varying size (no BPF_F_INNER_MAP). `apply` inserts every service id with
 * zero counters, so the data path only ever looks up. */
struct svcstat_inner {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);	/* service id */
	__type(value, struct enf_svc_counter);
};

struct svcmeta_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);	/* service id */
	__type(value, struct enf_svc_meta);
};

/* ---- outer maps: [slot] -> inner map of that generation. Written by
 * `apply` (inactive slot only), read here with the slot from enf_active. */

/* instance / VIP / frontend address -> service, network, flags */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct dst_inner);
} enf_dst_sel SEC(".maps");

/* (address, proto, port) -> public port or frontend port */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct port_inner);
} enf_port_sel SEC(".maps");

/* ifindex -> interface role, for every attached interface */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct ifrole_inner);
} enf_ifrole_sel SEC(".maps");

/* service id -> per-CPU pass/drop counters of that generation */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct svcstat_inner);
} enf_svcstat_sel SEC(".maps");

/* service id -> names; never read here, kept beside its generation */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct svcmeta_inner);
} enf_meta_sel SEC(".maps");

/* ---- global maps ---- */

/* reason -> per-CPU packets/bytes; written here, read by `status` */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_REASON_MAX);
	__type(key, __u32);
	__type(value, struct enf_counter);
} enf_stats SEC(".maps");


struct verdict_ctx {
	void *svcstat;		/* inner map of the slot, may be NULL */
	__u32 service_id;	/* 0 = none known */
	__u32 audit;
	__u64 bytes;
};

static __always_inline void count_reason(__u32 reason, __u64 bytes)
{
	struct enf_counter *c = bpf_map_lookup_elem(&enf_stats, &reason);

	if (c) {	/* cannot fail for reason < ENF_REASON_MAX; verifier wants it */
		c->packets++;
		c->bytes += bytes;
	}
}

/* The single exit of the verdict path: counts the reason (and the service),
 * turns drops into passes in audit mode. */
static __always_inline int account(struct verdict_ctx *v, __u32 reason, int verdict)
{
	struct enf_svc_counter *sc = NULL;

	count_reason(reason, v->bytes);
	if (verdict == XDP_DROP && v->audit) {
		count_reason(ENF_REASON_AUDIT_PASS, v->bytes);
		verdict = XDP_PASS;
	}
	if (v->service_id && v->svcstat)
		sc = bpf_map_lookup_elem(v->svcstat, &v->service_id);
	if (sc) {
		if (verdict == XDP_DROP) {
			sc->drop_packets++;
			sc->drop_bytes += v->bytes;
		} else {
			sc->pass_packets++;
			sc->pass_bytes += v->bytes;
		}
	}
	return verdict;
}

SEC("xdp")
int enf_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct verdict_ctx v = { .bytes = data_end - data };
	void *src_map, *dst_map, *port_map, *admit_map, *ifrole_map;
	__u32 zero = 0, slot, ifindex, role = ENF_ROLE_MIXED;
	__u32 class_id, src_flags, network_id, dst_flags, trust_group;
	struct enf_port_val *pv = NULL;
	struct enf_port_key pk = {};
	struct enf_iface_val *iv;
	struct enf_dst_val *dv;
	struct enf_policy *pol;
	struct enf_active *act;
	struct pkt p = {};
	int ret;

	act = bpf_map_lookup_elem(&enf_active, &zero);
	if (!act)
		return account(&v, ENF_REASON_PASS_NO_POLICY, XDP_PASS);
	slot = act->slot & 1;
	pol = bpf_map_lookup_elem(&enf_policy, &slot);
	if (!pol || !pol->generation)
		return account(&v, ENF_REASON_PASS_NO_POLICY, XDP_PASS);
	v.audit = pol->mode == ENF_MODE_AUDIT;
	src_map = bpf_map_lookup_elem(&enf_src_sel, &slot);
	dst_map = bpf_map_lookup_elem(&enf_dst_sel, &slot);
	port_map = bpf_map_lookup_elem(&enf_port_sel, &slot);
	admit_map = bpf_map_lookup_elem(&enf_admit_sel, &slot);
	ifrole_map = bpf_map_lookup_elem(&enf_ifrole_sel, &slot);
	v.svcstat = bpf_map_lookup_elem(&enf_svcstat_sel, &slot);
	/* `apply` fills both slots before the first flip; a hole here would
	 * be a loader bug. Pass (counted) rather than black-hole the node. */
	if (!src_map || !dst_map || !port_map || !admit_map || !ifrole_map)
		return account(&v, ENF_REASON_PASS_NO_POLICY, XDP_PASS);

	ret = parse_packet(data, data_end, &p);
	if (ret == PARSE_NOT_IP)
		return account(&v, ENF_REASON_PASS_NOT_IP, XDP_PASS);
	if (ret == PARSE_TOO_DEEP)
		return account(&v, ENF_REASON_DROP_HDR_CHAIN, XDP_DROP);
	if (ret != PARSE_OK)
		return account(&v, ENF_REASON_DROP_MALFORMED, XDP_DROP);

	ifindex = ctx->ingress_ifindex;
	iv = bpf_map_lookup_elem(ifrole_map, &ifindex);
	if (iv)
		role = iv->role;

	/* Rule 1: not a service address -> not our business (the source is
	 * classified only when needed: rule 2 or an owned destination). */
	dv = bpf_map_lookup_elem(dst_map, &p.dst);
	if (!dv && role != ENF_ROLE_PUBLIC)
		return account(&v, ENF_REASON_PASS_NOT_OWNED, XDP_PASS);

	classify_source(src_map, &p.src, &class_id, &src_flags);

	/* Rule 2: a private source cannot arrive from the internet uplink. */
	if (role == ENF_ROLE_PUBLIC && (src_flags & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER)))
		return account(&v, ENF_REASON_DROP_SPOOFED, XDP_DROP);
	if (!dv)
		return account(&v, ENF_REASON_PASS_NOT_OWNED, XDP_PASS);

	if (dv->flags & ENF_DST_FRONTEND) {
		/* A frontend address (node IP, LB) is ours only on its listed
		 * ports; everything else there is the node's own traffic. */
		if (p.l4 == L4_OTHER)
			return account(&v, ENF_REASON_PASS_NOT_OWNED, XDP_PASS);
		if (p.l4 == L4_LATER_FRAGMENT)
			return account(&v, ENF_REASON_DROP_FRAGMENT, XDP_DROP);
		if (p.l4 != L4_PORTS)
			return account(&v, p.l4 == L4_CHAIN_TOO_LONG ? ENF_REASON_DROP_HDR_CHAIN
								  : ENF_REASON_DROP_MALFORMED,
				       XDP_DROP);
		pk.a = p.dst;
		pk.port = p.dport;
		pk.proto = p.proto;
		pv = bpf_map_lookup_elem(port_map, &pk);
		if (!pv)
			return account(&v, ENF_REASON_PASS_NOT_OWNED, XDP_PASS);
		v.service_id = pv->service_id;
		network_id = pv->network_id;
		dst_flags = pv->flags & ENF_DST_ISOLATED;
	} else {
		v.service_id = dv->service_id;
		network_id = dv->network_id;
		dst_flags = dv->flags;
	}

	/* Rule 3a: admitted to the network -> every port and protocol. */
	if ((src_flags & ENF_SRC_PRIVATE) && !(dst_flags & ENF_DST_ISOLATED))
		return account(&v, ENF_REASON_PASS_ADMITTED, XDP_PASS);
	if (admitted(admit_map, class_id, network_id))
		return account(&v, ENF_REASON_PASS_ADMITTED, XDP_PASS);

	/* Rule 3b: only declared public ports face the internet. */
	switch (p.l4) {
	case L4_PORTS:
		break;
	case L4_OTHER:
		return account(&v, ENF_REASON_DROP_NOT_ADMITTED, XDP_DROP);
	case L4_LATER_FRAGMENT:
		return account(&v, ENF_REASON_DROP_FRAGMENT, XDP_DROP);
	case L4_CHAIN_TOO_LONG:
		return account(&v, ENF_REASON_DROP_HDR_CHAIN, XDP_DROP);
	default:
		return account(&v, ENF_REASON_DROP_MALFORMED, XDP_DROP);
	}
	if (!pv) {
		pk.a = p.dst;
		pk.port = p.dport;
		pk.proto = p.proto;
		pv = bpf_map_lookup_elem(port_map, &pk);
	}
	if (!pv || !(pv->flags & ENF_PORT_PUBLIC))
		return account(&v, ENF_REASON_DROP_NOT_ADMITTED, XDP_DROP);
	trust_group = pv->trust_group;
	if (!trust_group)
		return account(&v, ENF_REASON_PASS_PUBLIC_PORT, XDP_PASS);
	if (admitted(admit_map, class_id, ENF_TARGET_TRUST | trust_group))
		return account(&v, ENF_REASON_PASS_TRUSTED, XDP_PASS);
	return account(&v, ENF_REASON_DROP_UNTRUSTED, XDP_DROP);
}
