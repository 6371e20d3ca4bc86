// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS answers for the private zone, in the kernel (TC ingress).
 *
 * A UDP query to one of the manifest's resolver addresses, port 53, whose
 * name lies inside a private zone is answered here, from maps, and sent
 * straight back out of the interface it came in on; everything else (other
 * names, other traffic, anything we do not parse with certainty) continues
 * untouched to the real resolver.
 *
 * Split horizon uses the enforcer's own source classifier and admission
 * table (maps.bpf.h): a public source asking for the zone gets REFUSED, a
 * source not admitted to a name's network gets NXDOMAIN, and the same name
 * in two isolated networks answers each its own.
 *
 * The message is copied into a per-CPU scratch buffer and parsed with
 * masked scalar offsets (no packet pointers in loops); the answer is built
 * in place after the byte-exact question (0x20 case preserved) and written
 * back with bpf_skb_change_tail/bpf_skb_store_bytes. Behaviour follows the
 * project's DNS checklist (docs/dns.md); numbers in comments refer to it.
 *
 * dns_answer() is a pipeline of stages, each in a BPF-only header that is
 * part of this file (included below the maps and types it uses):
 *   dns_parse.bpf.h   a query to a resolver address? its header, QNAME and
 *                     zone; the query's own faults
 *   dns_answer.bpf.h  refusals, split horizon, the answer section and the
 *                     negative answers
 *   dns_reply.bpf.h   the query turned into the reply, in place
 * The stages keep their results in the scratch map, not on the stack, so the
 * verifier's paths merge between stages, and every packet is counted exactly
 * once under one reason (enum enf_dns_reason) at the exit that decides it.
 */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/bpf.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SCRATCH		2048
/* Longest query read: EDNS padding makes queries longer than any answer we
 * write (ENF_DNS_MAX_MSG); longer ones go to the resolver untouched. */
#define MAX_QUERY	ENF_DNS_MAX_QUERY
#define MSG_MASK	(SCRATCH - 1)
#define LABEL_MASK	127

#define T_A		1
#define T_NS		2
#define T_SOA		6
#define T_AAAA		28
#define T_SRV		33
#define T_OPT		41
#define T_IXFR		251
#define T_AXFR		252
#define T_ANY		255
#define C_IN		1

#define RC_NOERROR	0
#define RC_FORMERR	1
#define RC_NXDOMAIN	3
#define RC_NOTIMP	4
#define RC_REFUSED	5

/* ---- per-generation DNS maps (filled by `apply` with the policy) ---- */

ENF_INNER_HASH(dnsname_inner, struct enf_dns_key, struct enf_dns_name);
ENF_INNER_HASH(dnszone_inner, struct enf_dns_key, struct enf_dns_zone);
ENF_INNER_ARRAY(dnsa_inner, struct enf_dns_a);		/* rrset id -> records */
ENF_INNER_ARRAY(dnsaaaa_inner, struct enf_dns_aaaa);
ENF_INNER_ARRAY(dnssrv_inner, struct enf_dns_srv);
ENF_INNER_ARRAY(dnsview_inner, struct enf_dns_views);	/* source class -> views */
ENF_INNER_HASH(dnsres_inner, struct enf_addr, __u32);	/* resolver addresses */

/* (name hash, length, view) -> name */
ENF_OUTER(enf_dnsname_sel, dnsname_inner);
/* (apex hash, length) -> zone, SOA fields */
ENF_OUTER(enf_dnszone_sel, dnszone_inner);
/* rrset id -> A / AAAA / SRV records */
ENF_OUTER(enf_dnsa_sel, dnsa_inner);
ENF_OUTER(enf_dnsaaaa_sel, dnsaaaa_inner);
ENF_OUTER(enf_dnssrv_sel, dnssrv_inner);
/* source class -> isolated networks whose views it reads */
ENF_OUTER(enf_dnsview_sel, dnsview_inner);
/* addresses whose port 53 we inspect */
ENF_OUTER(enf_dnsres_sel, dnsres_inner);

/* reason -> per-CPU packets; read by `status` */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_DNS_REASON_MAX);
	__type(key, __u32);
	__type(value, __u64);
} enf_dns_stats SEC(".maps");

struct name_walk {
	__u32 off;
	__u32 len;
	__u32 nl;		/* labels seen */
	__u32 done;		/* root label reached */
};

struct suffix_walk {
	__u32 nl;
	__u32 qend;
	__u32 slot;
	__u32 apex_off;		/* 0 = no zone */
	__u64 h;
	__u32 apex_len;
	__u32 apex_labels;	/* enf_policy.dns_apex_labels */
};

struct opt_walk {
	__u32 off;
	__u32 end;
	__u32 ok;
};

struct rr_walk {
	__u32 off;
	__u32 limit;
	__u32 n;
	__u32 start;
	__u32 count;		/* records to write from `start` on (wrapping) */
	__u32 slot;
	__u32 rrset;
	__u32 ttl;
	__u32 type;
	__u32 an;
	__u32 tc;
	__u32 bad;
	__u32 srv_target;	/* offset of the service name in the question */
	__u32 target_len;	/* wire length of that name (in `target`) */
};

/* What the query said, and what the answer will say. */
struct query {
	__u32 len;		/* bytes of the query message */
	__u32 qend;		/* offset just past the QNAME */
	__u32 nlabels;
	__u32 apex_off;		/* offset of the zone apex inside the QNAME */
	__u16 id;
	__u16 qtype;
	__u16 qclass;
	__u8 opcode;
	__u8 rd;
	__u8 has_opt;
	__u8 do_bit;
	__u8 edns_version;
	__u8 no_question;	/* reply without the question (it was cut short) */
	__u32 udp_size;		/* requestor's payload size (EDNS) */
	/* where it came from */
	struct enf_addr src;
	__u32 slot;		/* policy generation in force */
	__u32 class_id;		/* the source's class and ENF_SRC_* flags */
	__u32 src_flags;
	__u32 v6;
	__u32 dns_off;		/* where the message starts in the packet */
	__u64 name_hash;	/* S(QNAME) */
	/* the reply decided: header fields, where it ends, how it counts */
	__u32 end;		/* offset just past the last record */
	__u32 reason;		/* enum enf_dns_reason */
	__u16 an;
	__u16 first;		/* stream: the first record of this part (cb[0]) */
	__u16 ns;
	__u8 rcode;
	__u8 aa;
	__u8 tc;
	__u8 ext_rcode;		/* upper bits of the rcode, in the OPT record */
};

/* The packet's Ethernet, IP and UDP headers, placed so that they end
 * where the message begins (struct scratch: h, then msg): the query
 * comes in with one bpf_skb_load_bytes and the reply goes out with one
 * bpf_skb_store_bytes, headers and message together. */
#define HDR_ROOM	64
#define V4_HDRS		(ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))	/* 42 */
#define V6_HDRS		(ETH_HLEN + sizeof(struct ipv6hdr) + sizeof(struct udphdr))	/* 62 */
union packet_headers {
	struct {
		__u8 pad[HDR_ROOM - V4_HDRS];
		struct ethhdr eth;
		struct iphdr ip;
		struct udphdr udp;
	} v4;
	struct {
		__u8 pad[HDR_ROOM - V6_HDRS];
		struct ethhdr eth;
		struct ipv6hdr ip;
		struct udphdr udp;
	} v6;
};

_Static_assert(sizeof(union packet_headers) == HDR_ROOM, "headers must end where msg begins");
_Static_assert(__builtin_offsetof(union packet_headers, v4.udp) == HDR_ROOM - 8 &&
	       __builtin_offsetof(union packet_headers, v6.udp) == HDR_ROOM - 8,
	       "no padding inside the headers");

struct scratch {
	union packet_headers h;		/* from the packet's offset 0 to dns_off */
	__u8 msg[SCRATCH + 512];	/* query in, answer out; slack for masked writes */
	/* The SRV target's service name, lower-cased, uncompressed: RFC 2782
	 * forbids compression there. Copied once, written per record. */
	__u8 target[ENF_DNS_MAX_NAME + 1];
	__be32 pseudo[10];		/* IPv6 pseudo-header for the UDP checksum */
	struct enf_dns_zone zone;	/* the deepest apex's, from suffix_step */
	__u64 lh[LABEL_MASK + 1];	/* label hashes */
	__u16 loff[LABEL_MASK + 1];	/* label offsets in msg */
	/* Parse results and the reply decided live here, not on the stack:
	 * values read back from a map are unknown to the verifier, so the
	 * many exits of the parsing loops, both address families and every
	 * outcome collapse into one state instead of multiplying. */
	struct query q;
	/* Loop state of the bpf_loop() callbacks, for the same reason: a
	 * callback whose state is known constants would be verified once per
	 * iteration and per path; read from here it converges at once. */
	struct name_walk nw;
	struct suffix_walk sw;
	struct opt_walk ow;
	struct rr_walk rw;
};

/* One per CPU: neither a TC nor an XDP program is re-entered on the same
 * CPU, and XDP runs to its end before TC sees the packet. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} enf_dns_scratch SEC(".maps");

static __always_inline int count(__u32 reason, int ret)
{
	__u64 *c = bpf_map_lookup_elem(&enf_dns_stats, &reason);

	if (c)	/* cannot fail for reason < ENF_DNS_REASON_MAX; the verifier wants it */
		(*c)++;
	return ret;
}

/* The XDP answers (enum enf_dns_xdp_stat), beside their reasons. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_DNS_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} enf_dns_xdp_stats SEC(".maps");

static __always_inline int count_xdp(__u32 stat, int ret)
{
	__u64 *c = bpf_map_lookup_elem(&enf_dns_xdp_stats, &stat);

	if (c)
		(*c)++;
	return ret;
}

static __always_inline struct scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&enf_dns_scratch, &zero);
}

/* Message accessors: big-endian fields at masked offsets of msg. */

static __always_inline void put16(__u8 *m, __u32 off, __u16 v)
{
	m[off & MSG_MASK] = v >> 8;
	m[(off + 1) & MSG_MASK] = v;
}

static __always_inline void put32(__u8 *m, __u32 off, __u32 v)
{
	put16(m, off, v >> 16);
	put16(m, off + 2, v);
}

static __always_inline __u16 get16(const __u8 *m, __u32 off)
{
	return (__u16)m[off & MSG_MASK] << 8 | m[(off + 1) & MSG_MASK];
}

/* RR header: owner (compression pointer), type, class IN, TTL, RDLENGTH. */
static __always_inline void put_rr(__u8 *m, __u32 off, __u16 owner, __u16 type, __u32 ttl,
				   __u16 rdlen)
{
	put16(m, off, 0xc000 | owner);
	put16(m, off + 2, type);
	put16(m, off + 4, C_IN);
	put32(m, off + 6, ttl);
	put16(m, off + 10, rdlen);
}

/* The reply is decided: what it ends with, how it counts, its rcode and AA.
 * Returns 1, for the stages that return "decided". */
static __always_inline int decide(struct query *q, __u32 end, __u32 reason, __u8 rcode, __u8 aa)
{
	q->end = end;
	q->reason = reason;
	q->rcode = rcode;
	q->aa = aa;
	return 1;
}

/* What the stages share besides struct scratch: the inner maps of the
 * policy generation in force, and the zone and name found. Pointers cannot
 * live in a map value, so these stay on the stack. */
struct dns_ctx {
	void *src16_map;
	void *src_map;
	void *admit_map;
	void *name_map;
	void *view_map;
	__u32 apex_labels;	/* depths of the zone apexes (enf_policy) */
	const struct enf_dns_zone *zone;
	const struct enf_dns_name *name;
};

/* The stages of dns_answer(), in order. */
#include "dns_parse.bpf.h"
#include "dns_answer.bpf.h"
#include "dns_reply.bpf.h"

/* Where dns_answer() runs: a compile-time constant. */
enum dns_hook {
	HOOK_TC,	/* UDP queries on the wire, TC ingress */
	HOOK_STREAM,	/* queries `enforcer dns serve` received over TCP */
	HOOK_XDP,	/* UDP queries on the wire, XDP (attach --dns-xdp) */
};

/* The whole answer path, the contract's steps in order (docs/dns.md,
 * "What it answers"). HOOK_STREAM: queries that `enforcer dns serve`
 * received over TCP, run through enf_dns_stream with BPF_PROG_TEST_RUN
 * (one implementation for both transports: an RRset our buffer cannot
 * hold is written in parts, from skb->cb[0] on, no rotation, each with TC
 * until the last, which dns serve joins into one TCP reply, RFC 7766).
 * HOOK_XDP: the same answers, sent with XDP_TX; what XDP does not answer
 * passes uncounted, and the TC program behind it decides and counts it.
 * Each return counts the packet, once; a part with more to come does not
 * count. */
static __always_inline int dns_answer(void *ctx, const int hook)
{
	const int xdp = hook == HOOK_XDP, stream = hook == HOOK_STREAM;
	const int pass = xdp ? XDP_PASS : TC_ACT_OK;
	struct dns_ctx c = {};
	struct scratch *s = scratch();
	int ret;

	if (!s)	/* cannot fail: a one-entry per-CPU array; the verifier wants it */
		return xdp ? pass : count(ENF_DNS_ERROR, pass);

	/* Not a query to a resolver address, port 53: not ours to look at (1, 28). */
	if (!query_to_resolver(ctx, xdp, s, &c))
		return xdp ? pass : count(ENF_DNS_NOT_QUERY, pass);
	/* A question outside every zone, or one we cannot read: the resolver's (7-10, 18). */
	if (!question_in_zone(s, &c))
		return xdp ? pass : count(ENF_DNS_PASS, pass);

	/* Ours from here: every outcome is a reply to the sender. */
	if (query_fault(s))			/* FORMERR, NOTIMP, BADVERS (2, 3, 20-22) */
		goto reply;
	if (refusal(s, &c))			/* who asks, which class (16, 17, 19) */
		goto reply;
	if (!visible_name(s, &c)) {		/* split horizon: unseen is absent (13) */
		negative_answer(s, &c, ENF_DNS_NXDOMAIN, RC_NXDOMAIN);
		goto reply;
	}
	/* Over TCP an RRset larger than our buffer comes in parts: dns serve
	 * asks again from the first record not yet written (skb->cb[0]). */
	if (stream)
		s->q.first = ((struct __sk_buff *)ctx)->cb[0];
	if (!answer_section(s, &c, stream))	/* the RRset, or NODATA (11, 12, 15, 27) */
		return xdp ? pass : count(ENF_DNS_ERROR, pass);

reply:
	if (xdp) {
		ret = reply_xdp(ctx, s);
		if (ret < 0)		/* TC finds the same and counts it */
			return XDP_PASS;
		if (ret == XDP_PASS)	/* no room: the TC program's */
			return count_xdp(ENF_DNS_XDP_NO_ROOM, ret);
		if (ret == XDP_TX)
			count_xdp(ENF_DNS_XDP_ANSWERED, ret);
		return count(ret == XDP_TX ? s->q.reason : ENF_DNS_ERROR, ret);
	}
	/* The reply counts once it is written; a failed rewrite only as an error.
	 * Over TCP a set in parts is one answer: the first part counts it (its
	 * TC only means "more parts": dns serve joins them, and `check` keeps
	 * every set within one TCP message), the later parts count nothing. */
	ret = reply_in_place(ctx, s);
	if (stream && s->q.first)
		return ret;
	if (stream && s->q.reason == ENF_DNS_TRUNCATED)
		s->q.reason = ENF_DNS_ANSWER;
	return count(ret == TC_ACT_REDIRECT ? s->q.reason : ENF_DNS_ERROR, ret);
}

/* The stream server's listening sockets, ENF_DNS_LISTEN_V4/_V6; `dns
 * serve` puts them here and they leave when it closes them (or exits). */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} enf_dns_listen SEC(".maps");

/* [0]: the firewall mark that routes a steered segment to the node itself
 * (dns serve's policy rule, docs/dns.md "Steering"); 0 while no such rule
 * is in place: then only resolver addresses the node owns are steered. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} enf_dns_steer SEC(".maps");

/* A TCP connection by its segments' addresses and ports as they reach the
 * hook (before any DNAT). */
struct steered_conn {
	struct bpf_sock_tuple t;
	__u32 family;		/* ENF_AF_INET or ENF_AF_INET6 */
};

/* The connections whose SYN this program handed to the stream server while
 * the mark was set: their later segments are marked too. A connection it
 * did not steer (a pod's, forwarded to the resolver before the rule came)
 * is left alone: marked, its segments would be delivered here, to no
 * socket, and reset. LRU: a closed connection's entry ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);	/* a SYN flood past this evicts live entries */
	__type(key, struct steered_conn);
	__type(value, __u8);
} enf_dns_steered SEC(".maps");

/*
 * TCP to a resolver address, port 53: the retry of a client that got TC,
 * or a client that asks over TCP. Handed to the stream server on the node
 * with bpf_sk_assign, so the connection keeps the client's address (split
 * horizon holds) and the resolver's (the client sees no difference): a
 * segment of a connection the node already has goes to that socket, a new
 * one to the server's listener. Without a stream server listening the
 * segment goes on to the resolver, as before. A segment with a socket
 * assigned must be delivered locally (ip_forward drops it): a resolver
 * address the node owns is; one the node forwards to (a ClusterIP, routed
 * or DNATed by kube-proxy) is steered only while dns serve's policy rule
 * routes the mark in enf_dns_steer to the node itself, and every steered
 * segment carries that mark.
 * Returns 1 when the segment was steered. Plain headers only (no IP
 * options or extension headers), like the UDP path.
 */
static __always_inline int steer_tcp(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct bpf_fib_lookup fib = {};
	struct steered_conn conn = {};
	struct bpf_sock_tuple *t = &conn.t;
	struct enf_addr dst = {};
	__u8 one = 1;
	struct ethhdr *eth = data;
	struct tcphdr *th;
	struct bpf_sock *sk, *lsk;
	__u32 slot, key, tlen, mark = 0, zero = 0, *steer_mark;
	struct dns_ctx c = {};
	void *res_map;
	long err;

	/* direct reads: every packet of the interface passes here, and all
	 * but TCP leave after a few compares (headers outside the linear
	 * part are not steered) */
	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip4 = (void *)(eth + 1);

		th = (void *)(ip4 + 1);
		if ((void *)(th + 1) > data_end || ip4->protocol != IPPROTO_TCP ||
		    ip4->version != 4 || ip4->ihl != 5 || (ip4->frag_off & bpf_htons(0x3fff)) ||
		    th->dest != bpf_htons(ENF_DNS_PORT))
			return 0;
		dst.family = ENF_AF_INET;
		__builtin_memcpy(dst.addr, &ip4->daddr, 4);
		t->ipv4.saddr = ip4->saddr;
		t->ipv4.daddr = ip4->daddr;
		t->ipv4.sport = th->source;
		t->ipv4.dport = th->dest;
		fib.family = 2;		/* AF_INET */
		fib.ipv4_src = ip4->saddr;
		fib.ipv4_dst = ip4->daddr;
		fib.sport = th->source;
		fib.dport = th->dest;
		tlen = sizeof(t->ipv4);
		key = ENF_DNS_LISTEN_V4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		th = (void *)(ip6 + 1);
		if ((void *)(th + 1) > data_end || ip6->nexthdr != IPPROTO_TCP ||
		    ip6->version != 6 || th->dest != bpf_htons(ENF_DNS_PORT))
			return 0;
		dst.family = ENF_AF_INET6;
		__builtin_memcpy(dst.addr, &ip6->daddr, 16);
		__builtin_memcpy(t->ipv6.saddr, &ip6->saddr, 16);
		__builtin_memcpy(t->ipv6.daddr, &ip6->daddr, 16);
		t->ipv6.sport = th->source;
		t->ipv6.dport = th->dest;
		fib.family = 10;	/* AF_INET6 */
		__builtin_memcpy(fib.ipv6_src, &ip6->saddr, 16);
		__builtin_memcpy(fib.ipv6_dst, &ip6->daddr, 16);
		fib.sport = th->source;
		fib.dport = th->dest;
		tlen = sizeof(t->ipv6);
		key = ENF_DNS_LISTEN_V6;
	} else {
		return 0;
	}
	if (!policy_maps(&c, &slot))
		return 0;
	res_map = bpf_map_lookup_elem(&enf_dnsres_sel, &slot);
	if (!res_map || !bpf_map_lookup_elem(res_map, &dst))
		return 0;
	/* With dns serve's rule in place every steered segment carries its
	 * mark, which has it delivered here whatever the route or a DNAT
	 * after this hook says. Without it, only what the node delivers
	 * itself (forwarding off on the way in: nothing leaves anyway; a
	 * destination with no route at all counts as delivered). */
	steer_mark = bpf_map_lookup_elem(&enf_dns_steer, &zero);
	if (steer_mark)
		mark = *steer_mark;
	if (!mark) {
		fib.ifindex = skb->ifindex;
		fib.l4_protocol = IPPROTO_TCP;
		err = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
		if (err != BPF_FIB_LKUP_RET_NOT_FWDED && err != BPF_FIB_LKUP_RET_FWD_DISABLED)
			return 0;
	}
	/* no stream server (its listener left the map with it): the
	 * resolver's, as before, marked or not */
	lsk = bpf_map_lookup_elem(&enf_dns_listen, &key);
	if (!lsk)
		return 0;
	if (lsk->state != BPF_TCP_LISTEN) {
		bpf_sk_release(lsk);
		return 0;
	}
	/* a connection the node has: its socket (the server's, or one made
	 * before the server listened, which keeps going to the resolver).
	 * A TIME_WAIT socket (the server closed first) would answer a new
	 * SYN by looking for a listener on port 53 and finding none: the
	 * listener takes the segment instead. */
	conn.family = dst.family;
	sk = bpf_skc_lookup_tcp(skb, t, tlen, BPF_F_CURRENT_NETNS, 0);
	if (sk && sk->state != BPF_TCP_LISTEN && sk->state != BPF_TCP_TIME_WAIT) {
		err = bpf_sk_assign(skb, sk, 0);
	} else if (th->syn && !th->ack) {
		/* a new connection: the listener's; remembered when marked */
		err = bpf_sk_assign(skb, lsk, 0);
		if (!err && mark)
			bpf_map_update_elem(&enf_dns_steered, &conn, &one, BPF_ANY);
	} else if (!mark) {
		/* to an address the node owns, a segment no socket has: the
		 * listener's (the ACK that ends a handshake made with a
		 * syncookie) */
		err = bpf_sk_assign(skb, lsk, 0);
	} else if (bpf_map_lookup_elem(&enf_dns_steered, &conn)) {
		/* a later segment of a connection the server took from a
		 * forwarded address whose destination a DNAT (kube-proxy's)
		 * changes after this hook: the socket is found by the changed
		 * address once the mark has the segment delivered here */
		err = 0;
	} else {
		/* a connection this program never steered (made before the
		 * rule): it goes on to the resolver, unmarked */
		err = 1;
	}
	if (sk)
		bpf_sk_release(sk);
	bpf_sk_release(lsk);
	if (err)
		return 0;
	skb->mark |= mark;	/* keep what others set before this hook */
	return 1;
}

SEC("tc")
int enf_tc_dns(struct __sk_buff *skb)
{
	if (steer_tcp(skb))
		return count(ENF_DNS_STEERED, TC_ACT_OK);
	return dns_answer(skb, HOOK_TC);
}

/* Never attached: `enforcer dns serve` runs it with BPF_PROG_TEST_RUN. */
SEC("tc")
int enf_dns_stream(struct __sk_buff *skb)
{
	return dns_answer(skb, HOOK_STREAM);
}

/* Interfaces whose queries are answered in XDP (`attach --dns-xdp`):
 * ifindex -> 1. Not per generation: the attachment outlives applies. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_IFACES);
	__type(key, __u32);
	__type(value, __u32);
} enf_dns_xdp SEC(".maps");

/* Reached by a tail call from enf_xdp_ingress (enf_xdp_dns_jmp), for a
 * UDP datagram to port 53 that the enforcer let pass. On an interface
 * without --dns-xdp, and for whatever it does not answer, the packet goes
 * on to the TC program, which answers or counts it as ever. */
SEC("xdp")
int enf_xdp_dns(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;

	if (!bpf_map_lookup_elem(&enf_dns_xdp, &ifindex))
		return XDP_PASS;
	return dns_answer(ctx, HOOK_XDP);
}
