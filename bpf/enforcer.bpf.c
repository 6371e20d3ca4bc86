// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * XDP isolation enforcer: implements section 4 of the contract.
 *
 * Per packet: parse; look the destination up once (not ours -> pass, unless
 * the interface is public and the source spoofed); classify the source once
 * with the LPM trie into a source class and flags; then
 *   admitted to the destination's network            -> pass
 *   TCP/UDP/SCTP to a public port (trusted if set)    -> pass
 *   a reply to a flow an instance opened (enf_flows)  -> pass
 *   an ICMP error quoting such a flow or a public port -> pass
 *   a later fragment of a passed first fragment       -> pass
 *   anything else                                     -> drop
 * Every return goes through account() with a reason (enum enf_reason).
 * On Ethernet links a public flood at an internal instance is decided
 * first, by a short path of its own (enf_fast_path), as are the common
 * plain TCP/UDP packets from public and private sources; every packet it
 * is unsure of takes the full path (enf_judge_eth).
 *
 * enf_tc_egress (TC egress, same object: it shares enf_flows) records the
 * flows instances open towards sources they would not be admitted from.
 * enf_xdp_trace is the same code with trace set: never attached, run by
 * `enforcer trace` with BPF_PROG_TEST_RUN, it reports its decision in
 * enf_trace and changes nothing (no counters, no caches).
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
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include "maps.bpf.h"
#include "parsing.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- per-generation inner maps (templates; userspace creates the real
 * ones per apply, sized to the manifest) ---- */

ENF_INNER_HASH(dst_inner, struct enf_addr, struct enf_dst_val);
ENF_INNER_HASH(port_inner, struct enf_port_key, struct enf_port_val);
ENF_INNER_HASH(ifrole_inner, __u32, struct enf_iface_val);	/* ifindex -> role */
ENF_INNER_ARRAY(svcmeta_inner, struct enf_svc_meta);		/* service id -> names */

/* A per-CPU hash, not array: per-CPU arrays cannot be inner maps of
 * varying size (no BPF_F_INNER_MAP). `apply` inserts every service id with
 * zero counters, so the data path only ever looks up. */
struct svcstat_inner {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);	/* service id */
	__type(value, struct enf_svc_counter);
};

/* instance / VIP / frontend address -> service, network, flags */
ENF_OUTER(enf_dst_sel, dst_inner);
/* (address, proto, port) -> public port or frontend port */
ENF_OUTER(enf_port_sel, port_inner);
/* ifindex -> interface role, for every attached interface */
ENF_OUTER(enf_ifrole_sel, ifrole_inner);
/* service id -> per-CPU pass/drop counters of that generation */
ENF_OUTER(enf_svcstat_sel, svcstat_inner);
/* service id -> names; never read here, kept beside its generation */
ENF_OUTER(enf_meta_sel, svcmeta_inner);

/* ---- global maps ---- */

/* First fragments that passed; later fragments with the same (source,
 * destination, id, protocol) follow their verdict. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ENF_MAX_FRAGS);
	__type(key, struct enf_frag_key);
	__type(value, struct enf_frag_val);
} enf_frags SEC(".maps");

/* In/out of the trace twin (enf_xdp_trace); see struct enf_trace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_trace);
} enf_trace SEC(".maps");

/* Parsed packets. In a map, not on the stack: the verdict code reads
 * fields the verifier then knows nothing about, so the many paths through
 * the parser (VLANs, IPv4/IPv6, each extension header, each tunnel) merge
 * into one state instead of multiplying the program's complexity. One
 * entry per user: XDP's packet and the quote of an ICMP error, and TC
 * egress's packet (TC egress runs with bottom halves off, XDP in them, but
 * separate entries need no such argument). */
enum { PKT_XDP = 0, PKT_QUOTE = 1, PKT_EGRESS = 2, PKT_SLOTS };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PKT_SLOTS);
	__type(key, __u32);
	__type(value, struct pkt);
} enf_pkt SEC(".maps");

/*
 * The parser, as global functions: the verifier checks each once, on its
 * own, instead of once per call site, and every call site (the packet,
 * each inner packet of a tunnel, an ICMP error's quote) runs the same code
 * on an offset. Returns enum parse_result; fills *p.
 */
__attribute__((noinline)) int enf_parse_xdp(struct xdp_md *ctx, __u32 off, __u32 flags,
					    struct pkt *p, struct enf_tunnel_ports *tp)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!p)
		return PARSE_MALFORMED;
	return parse_at(data, data_end, off, flags, p, tp);
}

__attribute__((noinline)) int enf_parse_skb(struct __sk_buff *skb, __u32 off, __u32 flags,
					    struct pkt *p, struct enf_tunnel_ports *tp)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	if (!p)
		return PARSE_MALFORMED;
	return parse_at(data, data_end, off, flags, p, tp);
}

#include "verdict.bpf.h"
#include "flows.bpf.h"

/* A first fragment that passed on its ports: remember it for the rest. */
static __always_inline void remember_fragment(struct verdict_ctx *v, __u32 reason)
{
	struct enf_frag_key k = {};
	struct enf_frag_val val = {
		.created_ns = bpf_ktime_get_ns(),
		.reason = reason,
		.service_id = v->service_id,
	};

	k.src = v->p->src;
	k.dst = v->p->dst;
	k.id = v->p->frag_id;
	k.proto = v->p->frag_proto;
	bpf_map_update_elem(&enf_frags, &k, &val, BPF_ANY);
}

/* The single exit of the verdict path: counts the reason (and the service),
 * turns drops into passes in audit mode; in the trace twin, reports instead
 * and changes nothing. */
static __always_inline int account(struct verdict_ctx *v, __u32 reason, int verdict)
{
	struct enf_svc_counter *sc = NULL;
	int audited = verdict == XDP_DROP && v->audit;

	if (audited)
		verdict = XDP_PASS;
	if (v->trace) {
		__u32 zero = 0;
		struct enf_trace *t = bpf_map_lookup_elem(&enf_trace, &zero);

		if (t) {
			t->verdict = verdict;
			t->reason = reason;
			t->service_id = v->service_id;
			t->network_id = v->network_id;
			t->class_id = v->class_id;
			t->src_flags = v->src_flags;
			t->audit = audited;
			t->encap = v->p ? v->p->walk_encap : 0;
			t->encap_depth = v->p ? v->p->walk_depth : 0;
			t->outer_public = v->p ? v->p->walk_outer_public : 0;
		}
		return verdict;
	}
	count_reason(v, reason);
	if (audited)
		count_reason(v, ENF_REASON_AUDIT_PASS);
	monitor_event(v, reason, verdict, audited);
	/* Later fragments carry no ports. Where they will need the first
	 * fragment's verdict (public ports, replies; and every verdict at a
	 * frontend address, which is ours only on some ports), remember it. */
	if (v->p && v->p->frag_first && verdict == XDP_PASS &&
	    (reason == ENF_REASON_PASS_PUBLIC_PORT || reason == ENF_REASON_PASS_TRUSTED ||
	     reason == ENF_REASON_PASS_REPLY || v->frontend))
		remember_fragment(v, reason);
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

static __always_inline int addr_equal(const struct enf_addr *a, const struct enf_addr *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* fe80::/10 or :: (for destinations also ff00::/8): never forwarded. */
static __always_inline int link_scoped(const struct enf_addr *a, int dst)
{
	const __u32 *w = (const __u32 *)a->addr;

	if ((a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80) || (dst && a->addr[0] == 0xff))
		return 1;
	return !dst && !(w[0] | w[1] | w[2] | w[3]);
}

static __always_inline int is_icmp_error(const struct pkt *p)
{
	if (p->proto == IPPROTO_ICMP)	/* unreachable, time exceeded, parameter problem */
		return p->icmp_type == 3 || p->icmp_type == 11 || p->icmp_type == 12;
	/* ICMPv6: unreachable, packet too big, time exceeded, parameter problem */
	return p->proto == IPPROTO_ICMPV6 && p->icmp_type >= 1 && p->icmp_type <= 4;
}

static __always_inline int is_echo_reply(const struct pkt *p)
{
	return (p->proto == IPPROTO_ICMP && p->icmp_type == 0) ||
	       (p->proto == IPPROTO_ICMPV6 && p->icmp_type == 129);
}
/* IPv6 neighbour discovery (types 133-137, hop limit 255) that cannot
 * cross a router: a link-scoped source or destination (a global NS to an
 * instance would otherwise be forwarded to it). */
static __always_inline int is_ndp(const struct pkt *p)
{
	return p->proto == IPPROTO_ICMPV6 && p->l4 == L4_OTHER && p->hop_limit == 255 &&
	       p->icmp_type >= 133 && p->icmp_type <= 137 &&
	       (link_scoped(&p->src, 0) || link_scoped(&p->dst, 1));
}

/* An ICMP error to an instance from a source not admitted: pass it only if
 * the packet it quotes left that instance in a flow we passed — one it
 * opened, or a reply from one of its public ports (path MTU discovery for
 * public services). Anything else is forged. The quote is read by the same
 * parser as the packet (its extension headers walked), from the IP header
 * 8 bytes into the ICMP message. */
static __always_inline __u32 icmp_error_reason(struct verdict_ctx *v, struct xdp_md *ctx,
					       void *port_map, void *src16_map, void *src_map,
					       void *admit_map)
{
	struct pkt *p = v->p, *q;
	struct enf_flow_key fk = {};
	struct enf_port_key pk = {};
	struct enf_port_val *pv;
	__u32 key = PKT_QUOTE;

	q = bpf_map_lookup_elem(&enf_pkt, &key);
	if (!q || enf_parse_xdp(ctx, p->l4_off + 8, PARSE_F_L3 | PARSE_F_QUOTE, q, NULL) != PARSE_OK)
		return ENF_REASON_DROP_ICMP_ERROR;
	/* the quoted packet must have come from the instance the error is
	 * for (which also makes it the family of the error: ICMP quotes IPv4,
	 * ICMPv6 IPv6) */
	if (!addr_equal(&q->src, &p->dst))
		return ENF_REASON_DROP_ICMP_ERROR;
	if ((p->proto == IPPROTO_ICMP) != (q->src.family == ENF_AF_INET))
		return ENF_REASON_DROP_ICMP_ERROR;
	fk.local = q->src;
	fk.remote = q->dst;
	fk.proto = q->proto;
	if (q->l4 == L4_PORTS) {
		fk.local_port = q->sport;
		fk.remote_port = q->dport;
	} else if (q->l4 == L4_OTHER && ((q->proto == IPPROTO_ICMP && q->icmp_type == 8) ||
					 (q->proto == IPPROTO_ICMPV6 && q->icmp_type == 128))) {
		fk.local_port = q->icmp_id;	/* echo request the instance sent */
	} else {
		return ENF_REASON_DROP_ICMP_ERROR;
	}
	if (flow_lookup(v, &fk, 0))
		return ENF_REASON_PASS_ICMP_ERROR;
	if (q->l4 != L4_PORTS)
		return ENF_REASON_DROP_ICMP_ERROR;
	pk.a = fk.local;
	pk.port = fk.local_port;
	pk.proto = fk.proto;
	pv = bpf_map_lookup_elem(port_map, &pk);
	if (pv && (pv->flags & ENF_PORT_PUBLIC)) {
		__u32 cls, fl;

		if (!pv->trust_group)
			return ENF_REASON_PASS_ICMP_ERROR;
		/* the public port only talks to trusted peers */
		classify_source(src16_map, src_map, &fk.remote, &cls, &fl);
		if (admitted(admit_map, cls, ENF_TARGET_TRUST | pv->trust_group))
			return ENF_REASON_PASS_ICMP_ERROR;
	}
	return ENF_REASON_DROP_ICMP_ERROR;
}

static __always_inline int icmp_error_verdict(struct verdict_ctx *v, struct xdp_md *ctx,
					      void *port_map, void *src16_map, void *src_map,
					      void *admit_map)
{
	__u32 reason = icmp_error_reason(v, ctx, port_map, src16_map, src_map, admit_map);

	return account(v, reason, reason == ENF_REASON_PASS_ICMP_ERROR ? XDP_PASS : XDP_DROP);
}

/* A later fragment from a source not admitted: only if its first fragment
 * passed, recently. At a frontend address (a node address) the node itself
 * reassembles what arrives (local delivery, or conntrack before the DNAT to
 * the service), so there the first fragment alone decides: a later one that
 * arrives first, before its first fragment, is the node's business. */
static __always_inline int fragment_verdict(struct verdict_ctx *v)
{
	struct enf_frag_key k = {};
	struct enf_frag_val *f;

	k.src = v->p->src;
	k.dst = v->p->dst;
	k.id = v->p->frag_id;
	k.proto = v->p->frag_proto;
	f = bpf_map_lookup_elem(&enf_frags, &k);
	if (f && bpf_ktime_get_ns() - f->created_ns <= v->pol->frag_ns) {
		if (!v->service_id)
			v->service_id = f->service_id;
		return account(v, ENF_REASON_PASS_FRAGMENT, XDP_PASS);
	}
	if (v->frontend)
		return account(v, ENF_REASON_PASS_NOT_OWNED, XDP_PASS);
	return account(v, ENF_REASON_DROP_FRAGMENT, XDP_DROP);
}

/* The role of the receiving interface (looked up only where a verdict
 * depends on it: the flood from public sources never needs it); the trace
 * twin may be told one. */
static __always_inline __u32 iface_role(struct xdp_md *ctx, void *ifrole_map, const int trace)
{
	__u32 zero = 0, ifindex = ctx->ingress_ifindex;
	struct enf_iface_val *iv;
	struct enf_trace *tr;

	if (trace) {
		tr = bpf_map_lookup_elem(&enf_trace, &zero);
		if (tr && tr->role < ENF_ROLE_MAX)
			return tr->role;
	}
	iv = bpf_map_lookup_elem(ifrole_map, &ifindex);
	return iv ? iv->role : ENF_ROLE_MIXED;
}

/* The interface's row of enf_if_stats: from the cache, or (its slot held
 * by another interface) from the role map. */
static __always_inline __u32 iface_row(__u32 ifindex, void *ifrole_map)
{
	__u32 slot = ifindex & (ENF_IFROW_SLOTS - 1);
	struct enf_ifrow *r = bpf_map_lookup_elem(&enf_ifrow, &slot);
	struct enf_iface_val *iv;

	if (r && r->ifindex == ifindex)
		return r->row;
	iv = bpf_map_lookup_elem(ifrole_map, &ifindex);
	return iv ? iv->stats_row : 0;
}

/* Is the packet's destination a service's? A frontend address (a node
 * address) is one only on its listed ports: the rest there is the node's. */
static __always_inline int service_dst(struct enf_dst_val *dv, struct pkt *p, void *port_map)
{
	struct enf_port_key pk = {};

	if (!dv)
		return 0;
	if (!(dv->flags & ENF_DST_FRONTEND))
		return 1;
	if (p->l4 != L4_PORTS)
		return 0;
	pk.a = p->dst;
	pk.port = p->dport;
	pk.proto = p->proto;
	return bpf_map_lookup_elem(port_map, &pk) != NULL;
}

/* Headers the parser could not read to the end, behind which a tunnel may
 * hide: a first fragment whose transport header is cut (RFC 1858: the
 * reassembled packet may be UDP to a tunnel port), an extension chain
 * longer than walked. (A packet that is no fragment and is cut short is
 * discarded by the kernel itself.) */
static __always_inline int unreadable(const struct pkt *p)
{
	return (p->l4 == L4_TRUNCATED && p->frag_first) || p->l4 == L4_CHAIN_TOO_LONG;
}

/* Is the packet's real destination perhaps another than its destination
 * address: a tunnel, a route header, or headers not read to the end? The
 * parser computed it (pkt.follow); the fast path tests one byte. */
static __always_inline int hides_destination(const struct pkt *p)
{
	return p->follow;
}

#define ENF_JUDGE	(-1)	/* not a verdict: judge pp as it now is */

/* A verdict decided by a step and counted by its caller: one inlined
 * account() for all of a step's exits instead of one per exit (and, in the
 * tunnel walk, per depth): the verifier checks every inlined copy. */
#define VERDICT(reason, xdp)		((int)((reason) << 8 | (xdp)))
#define VERDICT_REASON(ret)		((__u32)(ret) >> 8)
#define VERDICT_XDP(ret)		((ret) & 0xff)
/* not_admitted_verdict(): the verdict is another function's */
#define DEFER_FRAGMENT		(-2)
#define DEFER_ICMP_ERROR	(-3)

/*
 * Rule 5 (and the SRv6/source-route cousins of rule 1): a packet to an
 * address that is no service's, which the node may nevertheless hand on to
 * an instance — it decapsulates a tunnel there, or follows a route header —
 * is judged by where it really goes. Walks into tunnels (rewriting *pp to
 * the inner packet) up to ENF_MAX_ENCAP_DEPTH deep; each outer source's
 * standing carries inwards (pp->walk_outer_public: a source that is not
 * private makes everything inside count as arriving on a public
 * interface). Returns a verdict, or ENF_JUDGE with *dvp the destination
 * entry of the packet to judge.
 */
static __always_inline int follow_packet(struct xdp_md *ctx, struct verdict_ctx *v,
					 struct pkt *pp, struct enf_dst_val **dvp,
					 void *src16_map, void *src_map, void *dst_map,
					 void *port_map, void *ifrole_map, const int trace)
{
	struct enf_dst_val *dv;
	__u32 cls, fl, private;
	int depth, ret;

	for (depth = 0; depth <= ENF_MAX_ENCAP_DEPTH; depth++) {
		dv = bpf_map_lookup_elem(dst_map, &pp->dst);
		*dvp = dv;
		if (!hides_destination(pp))
			return ENF_JUDGE;
		if (!dv && pp->has_seg) {
			/* SRv6: the node sends it on to the next segment */
			dv = bpf_map_lookup_elem(dst_map, &pp->seg_next);
			if (dv) {
				pp->dst = pp->seg_next;
				*dvp = dv;
				return ENF_JUDGE;
			}
		}
		if (service_dst(dv, pp, port_map))
			return ENF_JUDGE;	/* a service's: judged as it is */

		classify_source(src16_map, src_map, &pp->src, &cls, &fl);
		private = fl & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER);
		v->class_id = cls;
		v->src_flags = fl;
		/* Rule 2 holds at every layer. */
		if (private && (pp->walk_outer_public ||
				iface_role(ctx, ifrole_map, trace) == ENF_ROLE_PUBLIC))
			return VERDICT(ENF_REASON_DROP_SPOOFED, XDP_DROP);
		if (!pp->encap) {
			/* where it goes cannot be told: a private source's
			 * business, nobody else's */
			if (private || (!pp->reroute && !unreadable(pp)))
				return ENF_JUDGE;
			return VERDICT(pp->l4 == L4_TRUNCATED ? ENF_REASON_DROP_MALFORMED
								    : ENF_REASON_DROP_HDR_CHAIN,
					    XDP_DROP);
		}
		if (!private)
			pp->walk_outer_public = 1;
		if (!pp->walk_encap)
			pp->walk_encap = pp->encap;
		if (!pp->inner_off || depth == ENF_MAX_ENCAP_DEPTH)
			return private ? VERDICT(ENF_REASON_PASS_TUNNEL, XDP_PASS)
				       : VERDICT(ENF_REASON_DROP_TUNNEL, XDP_DROP);
		if (!depth)
			pp->walk_outer_src = pp->src;	/* the sender, for the monitor */
		pp->walk_depth = depth + 1;
		ret = enf_parse_xdp(ctx, pp->inner_off, pp->inner_l3 ? PARSE_F_L3 : 0, pp,
				    &v->pol->tunnels);
		if (ret == PARSE_NOT_IP)
			return VERDICT(ENF_REASON_PASS_NOT_IP, XDP_PASS);
		if (ret != PARSE_OK)
			return private ? VERDICT(ENF_REASON_PASS_TUNNEL, XDP_PASS)
				       : VERDICT(ENF_REASON_DROP_TUNNEL, XDP_DROP);
	}
	return ENF_JUDGE;	/* not reached: the last round returns */
}

/*
 * The fast path, tried first on Ethernet links (enf_xdp_ingress): the
 * common packets decided without the full parser. It takes an untagged,
 * unfragmented IPv4 packet without options, or an IPv6 packet without
 * extension headers, carrying TCP or UDP (not to a tunnel port), from a
 * source that is neither a member nor, if public, of any class (by the /16
 * array, or the trie where its /16 holds longer prefixes). For those, rules
 * 1-5 reduce to:
 *   public source:  not a service address -> pass (not owned); a frontend
 *                   address is ours only on its listed ports; a public
 *                   port (untrusted) -> pass; a bare SYN, or a packet whose
 *                   flow-hint bucket is empty (no flow can reply) -> drop
 *                   (not admitted, or untrusted at a trusted-only port);
 *   private source: on a public interface -> drop (spoofed); not a service
 *                   address -> pass (not owned); a service instance of a
 *                   network that is not isolated -> pass (admitted).
 * Headers are read straight from the frame onto the stack: no parse into
 * enf_pkt, no memset; the same counters as the full path. Every other case
 * (a live flow hint, isolated networks, trusted ranges, members, audit mode,
 * a monitor reading: its events show the parsed packet) returns ENF_JUDGE
 * and goes to the full path (enf_judge_eth), which decides the packets
 * taken here the same way; the differential fuzzer holds both to the
 * model, reasons included. A global function: checked once by the
 * verifier, and its stack is not added to the full path's.
 */
__attribute__((noinline)) int enf_fast_path(struct xdp_md *ctx, __u32 *src_known)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct verdict_ctx v = { .bytes = data_end - data, .ifindex = ctx->ingress_ifindex };
	struct ethhdr *eth = data;
	struct enf_addr src = {}, dst = {};
	void *dst_map, *src16_map, *src_map, *ifrole_map, *port_map;
	__u32 zero = 0, slot, idx, cls, fl, reason, i;
	struct enf_port_val *pv = NULL;
	struct enf_monitor *m;
	struct enf_dst_val *dv;
	struct enf_policy *pol;
	struct enf_active *act;
	__u8 proto, *l4, tcp_flags = 0;
	__be16 sport, dport;

	if ((void *)(eth + 1) > data_end)
		return ENF_JUDGE;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl != 5 ||
		    (ip->frag_off & bpf_htons(ENF_IP_MF | ENF_IP_OFFSET)))
			return ENF_JUDGE;
		src.family = ENF_AF_INET;
		dst.family = ENF_AF_INET;
		__builtin_memcpy(src.addr, &ip->saddr, 4);
		__builtin_memcpy(dst.addr, &ip->daddr, 4);
		proto = ip->protocol;
		l4 = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return ENF_JUDGE;
		src.family = ENF_AF_INET6;
		dst.family = ENF_AF_INET6;
		__builtin_memcpy(src.addr, &ip6->saddr, 16);
		__builtin_memcpy(dst.addr, &ip6->daddr, 16);
		proto = ip6->nexthdr;
		l4 = (void *)(ip6 + 1);
	} else {
		return ENF_JUDGE;
	}
	if (proto == IPPROTO_TCP) {
		if ((void *)(l4 + 20) > data_end)
			return ENF_JUDGE;
		tcp_flags = l4[13];
	} else if (proto != IPPROTO_UDP || (void *)(l4 + 8) > data_end) {
		return ENF_JUDGE;
	}
	sport = *(__be16 *)l4;
	dport = *(__be16 *)(l4 + 2);

	act = bpf_map_lookup_elem(&enf_active, &zero);
	if (!act)
		return ENF_JUDGE;
	slot = act->slot & 1;
	pol = bpf_map_lookup_elem(&enf_policy, &slot);
	if (!pol || !pol->generation || pol->mode == ENF_MODE_AUDIT)
		return ENF_JUDGE;
	m = bpf_map_lookup_elem(&enf_monitor, &zero);
	if (!m || m->flags)
		return ENF_JUDGE;
	/* a UDP tunnel port: the node may decapsulate it (rule 5) */
	if (proto == IPPROTO_UDP) {
#pragma unroll
		for (i = 0; i < ENF_MAX_TUNNEL_PORTS; i++)
			if (pol->tunnels.p[i].port && pol->tunnels.p[i].port == dport)
				return ENF_JUDGE;
	}
	v.pol = pol;

	src16_map = bpf_map_lookup_elem(&enf_src16_sel, &slot);
	src_map = bpf_map_lookup_elem(&enf_src_sel, &slot);
	if (!src16_map || !src_map)
		return ENF_JUDGE;
	/* the /16 array, or the trie where the /16 holds longer prefixes:
	 * the full path's classification; handed to it with the packet, so
	 * that a member's source (east-west traffic) walks the trie once */
	classify_source(src16_map, src_map, &src, &cls, &fl);
	if (src_known && cls <= ENF_SRC16_CLASS_MASK && fl <= ENF_SRC16_FLAGS_MAX)
		*src_known = ENF_SRC16_DIRECT | fl << 24 | cls;
	if ((fl & ENF_SRC_MEMBER) || (cls && !(fl & ENF_SRC_PRIVATE)))
		return ENF_JUDGE;
	dst_map = bpf_map_lookup_elem(&enf_dst_sel, &slot);
	ifrole_map = bpf_map_lookup_elem(&enf_ifrole_sel, &slot);
	port_map = bpf_map_lookup_elem(&enf_port_sel, &slot);
	if (!dst_map || !ifrole_map || !port_map)
		return ENF_JUDGE;
	v.row = iface_row(v.ifindex, ifrole_map);
	v.svcstat = bpf_map_lookup_elem(&enf_svcstat_sel, &slot);
	dv = bpf_map_lookup_elem(dst_map, &dst);

	if (fl & ENF_SRC_PRIVATE) {
		if (iface_role(ctx, ifrole_map, 0) == ENF_ROLE_PUBLIC) {
			v.class_id = cls;
			v.src_flags = fl;
			reason = ENF_REASON_DROP_SPOOFED;
			goto drop;
		}
		if (!dv) {
			reason = ENF_REASON_PASS_NOT_OWNED;
			goto pass;
		}
		if (dv->flags & (ENF_DST_FRONTEND | ENF_DST_ISOLATED))
			return ENF_JUDGE;
		v.class_id = cls;
		v.src_flags = fl;
		v.service_id = dv->service_id;
		v.network_id = dv->network_id;
		reason = ENF_REASON_PASS_ADMITTED;
		goto pass;
	}

	if (!dv) {
		reason = ENF_REASON_PASS_NOT_OWNED;
		goto pass;
	}
	if (dv->flags & (ENF_DST_FRONTEND | ENF_DST_PORTS)) {
		struct enf_port_key pk = {};

		pk.a = dst;
		pk.port = dport;
		pk.proto = proto;
		pv = bpf_map_lookup_elem(port_map, &pk);
	}
	if (dv->flags & ENF_DST_FRONTEND) {
		/* ours only on its listed ports */
		if (!pv) {
			reason = ENF_REASON_PASS_NOT_OWNED;
			goto pass;
		}
		v.frontend = 1;
		v.service_id = pv->service_id;
		v.network_id = pv->network_id;
	} else {
		v.service_id = dv->service_id;
		v.network_id = dv->network_id;
	}
	if (pv && (pv->flags & ENF_PORT_PUBLIC)) {
		if (!pv->trust_group) {
			reason = ENF_REASON_PASS_PUBLIC_PORT;
			goto pass;
		}
		reason = ENF_REASON_DROP_UNTRUSTED;
	} else {
		reason = ENF_REASON_DROP_NOT_ADMITTED;
	}

	/* Rule 3c: a bare SYN is never a reply; anything else may be, and
	 * an empty hint bucket is the cheap proof that it is not. */
	if (proto != IPPROTO_TCP || (tcp_flags & 0x12) != 0x02) {
		struct enf_flow_key fk = {};
		__u64 *hint;

		fk.local = dst;
		fk.remote = src;
		fk.local_port = dport;
		fk.remote_port = sport;
		fk.proto = proto;
		idx = flow_hint_index(&fk);
		hint = bpf_map_lookup_elem(&enf_flow_hint, &idx);
		if (!hint || *hint)
			return ENF_JUDGE;
	}
	/* one account() for every exit: the verifier checks every inlined
	 * copy of it */
drop:
	return account(&v, reason, XDP_DROP);
pass:
	return account(&v, reason, XDP_PASS);
}

/*
 * Rules 3b, 3c and 4 for a packet to a service from a source not admitted
 * to its network: only public ports, replies, their ICMP errors and
 * fragments pass; whatever cannot be read is dropped. `pv` is the port's
 * entry when already looked up (a frontend's). A VERDICT(), or a DEFER_*
 * code for the verdicts of fragment_verdict() and icmp_error_verdict().
 */
static __always_inline int not_admitted_verdict(struct verdict_ctx *v, struct pkt *pp,
						struct enf_port_val *pv, __u32 dst_flags,
						__u32 class_id, void *port_map, void *admit_map)
{
	struct enf_flow_key fk = {};
	struct enf_port_key pk = {};
	__u32 trust_group;

	switch (pp->l4) {
	case L4_PORTS:
		break;
	case L4_OTHER:
		if (is_echo_reply(pp)) {
			fk.local = pp->dst;
			fk.remote = pp->src;
			fk.local_port = pp->icmp_id;
			fk.proto = pp->proto;
			if (flow_lookup(v, &fk, 0))
				return VERDICT(ENF_REASON_PASS_REPLY, XDP_PASS);
		} else if (is_icmp_error(pp)) {
			return DEFER_ICMP_ERROR;
		}
		if (pp->encap)
			return VERDICT(ENF_REASON_DROP_TUNNEL, XDP_DROP);
		return VERDICT(ENF_REASON_DROP_NOT_ADMITTED, XDP_DROP);
	case L4_LATER_FRAGMENT:
		return DEFER_FRAGMENT;
	case L4_CHAIN_TOO_LONG:
		return VERDICT(ENF_REASON_DROP_HDR_CHAIN, XDP_DROP);
	default:
		return VERDICT(ENF_REASON_DROP_MALFORMED, XDP_DROP);
	}

	/* Rule 3b: declared public ports face the internet (or the app's
	 * trusted ranges). */
	if (!pv && (dst_flags & ENF_DST_PORTS)) {
		pk.a = pp->dst;
		pk.port = pp->dport;
		pk.proto = pp->proto;
		pv = bpf_map_lookup_elem(port_map, &pk);
	}
	if (pv && (pv->flags & ENF_PORT_PUBLIC)) {
		trust_group = pv->trust_group;
		if (!trust_group)
			return VERDICT(ENF_REASON_PASS_PUBLIC_PORT, XDP_PASS);
		if (admitted(admit_map, class_id, ENF_TARGET_TRUST | trust_group))
			return VERDICT(ENF_REASON_PASS_TRUSTED, XDP_PASS);
	}

	/* Rule 3c: the reply to a flow the instance opened. A bare SYN opens
	 * a connection: it is never a reply (the reply to the instance's SYN
	 * carries ACK), whatever flow its ports match. */
	if (pp->proto == IPPROTO_TCP && (pp->tcp_flags & 0x12) == 0x02)
		goto not_admitted;
	fk.local = pp->dst;
	fk.remote = pp->src;
	fk.local_port = pp->dport;
	fk.remote_port = pp->sport;
	fk.proto = pp->proto;
	if (flow_lookup(v, &fk, pp->tcp_flags))
		return VERDICT(ENF_REASON_PASS_REPLY, XDP_PASS);
not_admitted:
	if (pv && (pv->flags & ENF_PORT_PUBLIC))
		return VERDICT(ENF_REASON_DROP_UNTRUSTED, XDP_DROP);
	return VERDICT(ENF_REASON_DROP_NOT_ADMITTED, XDP_DROP);
}

static __always_inline int enforce(struct xdp_md *ctx, const int trace, const int l3,
				   __u32 src_known)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct verdict_ctx v = {
		.bytes = data_end - data, .trace = trace, .ifindex = ctx->ingress_ifindex,
	};
	void *src16_map, *src_map, *dst_map, *port_map, *admit_map, *ifrole_map;
	__u32 zero = 0, slot, key = PKT_XDP, reason;
	__u32 class_id, src_flags, network_id, dst_flags;
	struct enf_port_val *pv = NULL;
	struct enf_port_key pk = {};
	struct enf_dst_val *dv;
	struct enf_policy *pol;
	struct enf_active *act;
	struct pkt *pp;
	int ret;

	act = bpf_map_lookup_elem(&enf_active, &zero);
	if (!act)
		return account(&v, ENF_REASON_PASS_NO_POLICY, XDP_PASS);
	slot = act->slot & 1;
	pol = bpf_map_lookup_elem(&enf_policy, &slot);
	if (!pol || !pol->generation)
		return account(&v, ENF_REASON_PASS_NO_POLICY, XDP_PASS);
	v.pol = pol;
	v.audit = pol->mode == ENF_MODE_AUDIT;
	pp = bpf_map_lookup_elem(&enf_pkt, &key);
	if (!pp)
		return account(&v, ENF_REASON_PASS_NO_POLICY, XDP_PASS);
	src16_map = bpf_map_lookup_elem(&enf_src16_sel, &slot);
	src_map = bpf_map_lookup_elem(&enf_src_sel, &slot);
	dst_map = bpf_map_lookup_elem(&enf_dst_sel, &slot);
	port_map = bpf_map_lookup_elem(&enf_port_sel, &slot);
	admit_map = bpf_map_lookup_elem(&enf_admit_sel, &slot);
	ifrole_map = bpf_map_lookup_elem(&enf_ifrole_sel, &slot);
	v.svcstat = bpf_map_lookup_elem(&enf_svcstat_sel, &slot);
	/* `apply` fills both slots before the first flip; a hole here would
	 * be a loader bug. Pass (counted) rather than black-hole the node. */
	if (!src16_map || !src_map || !dst_map || !port_map || !admit_map || !ifrole_map)
		return account(&v, ENF_REASON_PASS_NO_POLICY, XDP_PASS);
	v.p = pp;	/* from here on what the parser wrote (cleared first) */
	__builtin_memset(&pp->walk_outer_src, 0, sizeof(pp->walk_outer_src));
	pp->walk_encap = 0;
	pp->walk_depth = 0;
	pp->walk_outer_public = 0;
	if (!trace)
		v.row = iface_row(v.ifindex, ifrole_map);

	/* A layer-3 link (tun, WireGuard, ppp, ipip) hands the program the IP
	 * header first; everything else an Ethernet header. */
	ret = enf_parse_xdp(ctx, 0, l3 ? PARSE_F_L3 : 0, pp, &pol->tunnels);
	if (ret == PARSE_NOT_IP)
		return account(&v, ENF_REASON_PASS_NOT_IP, XDP_PASS);
	if (ret == PARSE_TOO_DEEP)
		return account(&v, ENF_REASON_DROP_HDR_CHAIN, XDP_DROP);
	if (ret != PARSE_OK)
		return account(&v, ENF_REASON_DROP_MALFORMED, XDP_DROP);

	ret = follow_packet(ctx, &v, pp, &dv, src16_map, src_map, dst_map, port_map,
			    ifrole_map, trace);
	if (ret != ENF_JUDGE)
		return account(&v, VERDICT_REASON(ret), VERDICT_XDP(ret));

	/* Neighbour discovery keeps IPv6 working on the link for every
	 * address; rule 2 still comes first. */
	if (is_ndp(pp)) {
		if (pp->walk_outer_public || iface_role(ctx, ifrole_map, trace) == ENF_ROLE_PUBLIC) {
			classify_source(src16_map, src_map, &pp->src, &class_id, &src_flags);
			v.class_id = class_id;
			v.src_flags = src_flags;
			if (src_flags & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER)) {
				reason = ENF_REASON_DROP_SPOOFED;
				goto drop;
			}
		}
		reason = ENF_REASON_PASS_NDP;
		goto pass;
	}

	/* Rule 1: not a service address -> not our business, unless the
	 * interface faces the internet (rule 2 below). */
	if (!dv && !pp->walk_outer_public && iface_role(ctx, ifrole_map, trace) != ENF_ROLE_PUBLIC) {
		reason = ENF_REASON_PASS_NOT_OWNED;
		goto pass;
	}

	if (src_known && !pp->walk_depth) {
		/* the fast path classified this source (the frame's own, no
		 * tunnel walked) a moment ago: ENF_SRC16_DIRECT's encoding */
		class_id = src_known & ENF_SRC16_CLASS_MASK;
		src_flags = src_known >> 24 & ENF_SRC16_FLAGS_MAX;
	} else {
		classify_source(src16_map, src_map, &pp->src, &class_id, &src_flags);
	}
	v.class_id = class_id;
	v.src_flags = src_flags;

	/* Rule 2: a private source cannot arrive from the internet uplink
	 * (or from inside a tunnel whose outer source is not private). Only
	 * a private source needs the role: a public one (the flood) is judged
	 * the same on every interface. */
	if ((src_flags & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER)) &&
	    (pp->walk_outer_public || iface_role(ctx, ifrole_map, trace) == ENF_ROLE_PUBLIC)) {
		reason = ENF_REASON_DROP_SPOOFED;
		goto drop;
	}
	if (!dv) {
		reason = ENF_REASON_PASS_NOT_OWNED;
		goto pass;
	}

	if (dv->flags & ENF_DST_FRONTEND) {
		v.frontend = 1;
		/* A frontend address (node IP, LB) is ours only on its listed
		 * ports; everything else there is the node's own traffic. */
		if (pp->l4 == L4_OTHER) {
			reason = ENF_REASON_PASS_NOT_OWNED;
			goto pass;
		}
		if (pp->l4 == L4_LATER_FRAGMENT)
			return fragment_verdict(&v);
		if (pp->l4 != L4_PORTS) {
			reason = pp->l4 == L4_CHAIN_TOO_LONG ? ENF_REASON_DROP_HDR_CHAIN
							     : ENF_REASON_DROP_MALFORMED;
			goto drop;
		}
		pk.a = pp->dst;
		pk.port = pp->dport;
		pk.proto = pp->proto;
		pv = bpf_map_lookup_elem(port_map, &pk);
		if (!pv) {
			reason = ENF_REASON_PASS_NOT_OWNED;
			goto pass;
		}
		v.service_id = pv->service_id;
		network_id = pv->network_id;
		dst_flags = pv->flags & ENF_PORT_ISOLATED ? ENF_DST_ISOLATED : 0;
	} else {
		v.service_id = dv->service_id;
		network_id = dv->network_id;
		dst_flags = dv->flags;
	}
	v.network_id = network_id;

	/* Rule 3a: admitted to the network -> every port and protocol. */
	if ((src_flags & ENF_SRC_PRIVATE) && !(dst_flags & ENF_DST_ISOLATED)) {
		reason = ENF_REASON_PASS_ADMITTED;
		goto pass;
	}
	if (admitted(admit_map, class_id, network_id)) {
		reason = ENF_REASON_PASS_ADMITTED;
		goto pass;
	}

	ret = not_admitted_verdict(&v, pp, pv, dst_flags, class_id, port_map, admit_map);
	if (ret == DEFER_FRAGMENT)
		return fragment_verdict(&v);
	if (ret == DEFER_ICMP_ERROR)
		return icmp_error_verdict(&v, ctx, port_map, src16_map, src_map, admit_map);
	reason = VERDICT_REASON(ret);
	if (VERDICT_XDP(ret) == XDP_PASS)
		goto pass;
	/* one account() per verdict for the exits above: the verifier checks
	 * every inlined copy of it */
drop:
	return account(&v, reason, XDP_DROP);
pass:
	return account(&v, reason, XDP_PASS);
}

/* [0]: the DNS object's enf_xdp_dns, put there by the loader. A query
 * the enforcer lets pass is handed to it; an empty slot (or a failed tail
 * call) leaves the verdict as it was. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} enf_xdp_dns_jmp SEC(".maps");

/* A plain UDP datagram to port 53: what enf_xdp_dns may answer. Direct
 * reads, after the verdict: only passed packets get here. */
static __always_inline int udp_to_dns_port(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *uh;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip4 = (void *)(eth + 1);

		uh = (void *)(ip4 + 1);
		if ((void *)(uh + 1) > data_end || ip4->ihl != 5 || ip4->protocol != IPPROTO_UDP)
			return 0;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		uh = (void *)(ip6 + 1);
		if ((void *)(uh + 1) > data_end || ip6->nexthdr != IPPROTO_UDP)
			return 0;
	} else {
		return 0;
	}
	return uh->dest == bpf_htons(ENF_DNS_PORT);
}

/* The full verdict path of an Ethernet link, as a function of its own: the
 * verifier checks it once, and its stack does not add to the flood path's.
 * src_known: the frame's source as the fast path classified it (0: not). */
__attribute__((noinline)) int enf_judge_eth(struct xdp_md *ctx, __u32 src_known)
{
	return enforce(ctx, 0, 0, src_known);
}

SEC("xdp")
int enf_xdp_ingress(struct xdp_md *ctx)
{
	__u32 src_known = 0;
	int ret = enf_fast_path(ctx, &src_known);

	if (ret == ENF_JUDGE)
		ret = enf_judge_eth(ctx, src_known);

	if (ret == XDP_PASS && udp_to_dns_port(ctx))
		bpf_tail_call(ctx, &enf_xdp_dns_jmp, 0);
	return ret;
}

/* The same on a layer-3 link (no Ethernet header): `attach` picks it by
 * the link's type. */
SEC("xdp")
int enf_xdp_l3(struct xdp_md *ctx)
{
	return enforce(ctx, 0, 1, 0);
}

/* Never attached: `enforcer trace` runs it with BPF_PROG_TEST_RUN (on
 * Ethernet frames: captures of layer-3 links get a made-up header). */
SEC("xdp")
int enf_xdp_trace(struct xdp_md *ctx)
{
	return enforce(ctx, 1, 0, 0);
}

/* TC egress: note the flows instances open towards destinations that would
 * not be admitted back, so that rule 3c lets their replies in. Replies from
 * public ports and traffic to admitted peers need no entry. A flow that
 * leaves inside a tunnel the node encapsulates (an overlay) is recorded as
 * the inner packet, which is what the reply is judged by. */
static __always_inline int record_flow(struct __sk_buff *skb, const int l3)
{
	void *src16_map, *src_map, *dst_map, *port_map, *admit_map;
	struct enf_flow_key k = {};
	struct enf_flow_val val = {};
	struct enf_port_key pk = {};
	struct enf_port_val *pv;
	struct enf_flow_val *old;
	struct enf_dst_val *dv;
	struct enf_policy *pol;
	struct enf_active *act;
	__u32 zero = 0, slot, cls, fl, key = PKT_EGRESS;
	struct pkt *p;
	int depth;

	act = bpf_map_lookup_elem(&enf_active, &zero);
	if (!act)
		return TC_ACT_OK;
	slot = act->slot & 1;
	pol = bpf_map_lookup_elem(&enf_policy, &slot);
	if (!pol || !pol->generation)
		return TC_ACT_OK;
	src16_map = bpf_map_lookup_elem(&enf_src16_sel, &slot);
	src_map = bpf_map_lookup_elem(&enf_src_sel, &slot);
	dst_map = bpf_map_lookup_elem(&enf_dst_sel, &slot);
	port_map = bpf_map_lookup_elem(&enf_port_sel, &slot);
	admit_map = bpf_map_lookup_elem(&enf_admit_sel, &slot);
	p = bpf_map_lookup_elem(&enf_pkt, &key);
	if (!src16_map || !src_map || !dst_map || !port_map || !admit_map || !p)
		return TC_ACT_OK;

	/* Headers may sit in paged data; make the first bytes linear (room
	 * for a tunnel's headers and the packet inside). */
	bpf_skb_pull_data(skb, skb->len < 256 ? skb->len : 256);
	if (enf_parse_skb(skb, 0, l3 ? PARSE_F_L3 : 0, p, &pol->tunnels) != PARSE_OK)
		return TC_ACT_OK;
	dv = bpf_map_lookup_elem(dst_map, &p->src);	/* from an instance or VIP? */
#pragma unroll
	for (depth = 0; depth < ENF_MAX_ENCAP_DEPTH; depth++) {
		/* the node's own tunnel packet: the flow is the one inside */
		if (!p->encap || (dv && !(dv->flags & ENF_DST_FRONTEND)) || !p->inner_off)
			break;
		if (enf_parse_skb(skb, p->inner_off, p->inner_l3 ? PARSE_F_L3 : 0, p,
				  &pol->tunnels) != PARSE_OK)
			return TC_ACT_OK;
		dv = bpf_map_lookup_elem(dst_map, &p->src);
	}
	if (!dv || (dv->flags & ENF_DST_FRONTEND))
		return TC_ACT_OK;
	if (p->l4 == L4_PORTS) {
		k.local_port = p->sport;
		k.remote_port = p->dport;
	} else if (p->l4 == L4_OTHER && ((p->proto == IPPROTO_ICMP && p->icmp_type == 8) ||
					 (p->proto == IPPROTO_ICMPV6 && p->icmp_type == 128))) {
		k.local_port = p->icmp_id;
	} else {
		return TC_ACT_OK;
	}
	if (p->l4 == L4_PORTS) {
		pk.a = p->src;
		pk.port = p->sport;
		pk.proto = p->proto;
		pv = bpf_map_lookup_elem(port_map, &pk);
		/* a public service answering its clients: they reach it
		 * anyway, unless the app only admits trusted ranges */
		if (pv && (pv->flags & ENF_PORT_PUBLIC) && !pv->trust_group)
			return TC_ACT_OK;
	}
	classify_source(src16_map, src_map, &p->dst, &cls, &fl);
	if (((fl & ENF_SRC_PRIVATE) && !(dv->flags & ENF_DST_ISOLATED)) ||
	    admitted(admit_map, cls, dv->network_id))
		return TC_ACT_OK;	/* replies are admitted anyway */

	k.local = p->src;
	k.remote = p->dst;
	k.proto = p->proto;
	val.last_ns = bpf_ktime_get_ns();
	/* FIN/RST closes; a new SYN (port reuse) opens again */
	old = bpf_map_lookup_elem(&enf_flows, &k);
	/* Only the instance opens a flow: with its SYN, or (a connection
	 * older than the enforcer) with its later packets. A SYN-ACK or an
	 * RST answers someone else's SYN: recording it would let that
	 * someone's next SYN in as a "reply". */
	if (!old && p->proto == IPPROTO_TCP &&
	    ((p->tcp_flags & 0x12) == 0x12 || (p->tcp_flags & 0x04)))
		return TC_ACT_OK;
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & 0x05))
		val.state = ENF_FLOW_CLOSING;
	else if (old && !(p->tcp_flags & 0x02))
		val.state = old->state;
	if (old) {
		old->last_ns = val.last_ns;
		old->state = val.state;
	} else {
		bpf_map_update_elem(&enf_flows, &k, &val, BPF_ANY);
	}
	flow_hint_touch(&k, val.last_ns);
	return TC_ACT_OK;
}

SEC("tc")
int enf_tc_egress(struct __sk_buff *skb)
{
	return record_flow(skb, 0);
}

/* The same on a layer-3 link. */
SEC("tc")
int enf_egress_l3(struct __sk_buff *skb)
{
	return record_flow(skb, 1);
}
