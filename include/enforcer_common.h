/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Types and constants shared by the BPF programs in bpf/ and the userspace
 * tools in user/ and selftests/. Everything in here is ABI between the two
 * sides and with maps pinned on a running node: enums are append-only, struct
 * layouts change only together with ENF_ABI_VERSION.
 *
 * Rules for this file: fixed-width kernel types only, explicit padding, no
 * pointers, no bool, no bitfields, no includes beyond linux/types.h.
 *
 * Addresses. IPv4 and IPv6 share one set of maps. An address is stored as
 * struct enf_addr: a family byte (ENF_AF_INET / ENF_AF_INET6), three zero
 * bytes, then 16 address bytes (IPv4 in the first four, the rest zero).
 * The family byte is part of every key, so an IPv6 packet can never alias an
 * IPv4 entry (a v4-mapped ::ffff:a.b.c.d source stays an IPv6 source), and
 * one LPM trie serves both families: an IPv4 /n is stored with prefixlen
 * 32 + n, an IPv6 /n with 32 + n (the first 32 bits are family + padding).
 * One design instead of twin maps keeps one code path in the data plane,
 * one compiler and one set of pins; the price is a 24-byte trie key, which
 * costs nothing measurable next to the trie walk itself.
 *
 * Policy generations. All policy maps are double-buffered: each is an
 * ARRAY_OF_MAPS with two slots (enf_*_sel), the program reads the active
 * slot from enf_active once per packet and does every lookup in that slot's
 * inner maps. `apply` builds fresh inner maps in the inactive slot, flips
 * enf_active with one map update, and then waits for an RCU grace period
 * before the slot can be written again, so no packet ever sees a mix of two
 * generations.
 */
#ifndef ENFORCER_COMMON_H
#define ENFORCER_COMMON_H

#include <linux/types.h>

#define ENF_ABI_VERSION		9
#define ENF_PIN_DIR		"/sys/fs/bpf/enforcer"

/* Named limits. Inner maps are sized to the manifest; these are ceilings. */
#define ENF_MAX_SERVICES	65536	/* service ids 1..ENF_MAX_SERVICES-1 */
#define ENF_MAX_DESTS		(1 << 20)	/* instance + VIP + frontend addresses */
#define ENF_MAX_SRC_PREFIXES	(1 << 20)
#define ENF_MAX_PORTS		(1 << 20)
#define ENF_MAX_ADMIT		(1 << 20)
#define ENF_MAX_IFACES		1024
#define ENF_MAX_VLAN_DEPTH	2	/* 802.1Q, 802.1ad (QinQ) */
#define ENF_MAX_EXT_HDRS	8	/* IPv6 extension headers walked */
#define ENF_NAME_LEN		64	/* RFC 1123 label (63) + NUL */
#define ENF_MAX_FLOWS		262144	/* LRU of flows instances opened (enf_flows) */
#define ENF_MAX_FRAGS		16384	/* LRU of passed first fragments (enf_frags) */
#define ENF_FLOW_HINTS		65536	/* enf_flow_hint buckets (power of two) */
#define ENF_MAX_INNER_MAPS	16	/* per-generation maps (enf_policy.map_digest) */
/* enf_policy.map_digest[ENF_DIGEST_LAYOUT]: the zone's layout (names and
 * RRset numbering), which a daemon checks before it adopts a generation it
 * will write answers into; the last slot, which no inner map uses */
#define ENF_DIGEST_LAYOUT	(ENF_MAX_INNER_MAPS - 1)

/* Default timeouts (seconds), overridden by the manifest's `flows:`. */
#define ENF_FLOW_TCP_S		3600	/* established TCP, idle */
#define ENF_FLOW_TCP_CLOSING_S	10	/* after FIN or RST */
#define ENF_FLOW_UDP_S		60
#define ENF_FLOW_ICMP_S		30	/* echo */
#define ENF_FRAG_S		30	/* like net.ipv4.ipfrag_time */

#define ENF_AF_INET		4
#define ENF_AF_INET6		6

/*
 * Verdict reasons: index into the per-CPU reason counters (enf_stats), what
 * `status`, `trace` and the tests report. One line each: enum name, number,
 * the name people see, and what it means. Append only; never renumber.
 */
#define ENF_REASONS(X)								\
	X(PASS_NOT_IP, 0, "pass_not_ip",					\
	  "not IPv4/IPv6 (ARP, LLDP, ...): not ours to judge")			\
	X(PASS_NOT_OWNED, 1, "pass_not_owned",					\
	  "the destination is no service address (or a frontend address on an unlisted port)") \
	X(PASS_ADMITTED, 2, "pass_admitted",					\
	  "the source is admitted to the service's network: every port and protocol") \
	X(PASS_PUBLIC_PORT, 3, "pass_public_port",				\
	  "a declared public port of a public service")				\
	X(PASS_TRUSTED, 4, "pass_trusted",					\
	  "a public port of an app with trusted ranges, source in them")	\
	X(PASS_NO_POLICY, 5, "pass_no_policy", "no manifest applied yet")	\
	X(DROP_SPOOFED, 6, "drop_spoofed",					\
	  "a private source arriving on a public interface (or in a tunnel from a public source)") \
	X(DROP_NOT_ADMITTED, 7, "drop_not_admitted",				\
	  "internal service or non-public port, source not admitted")		\
	X(DROP_UNTRUSTED, 8, "drop_untrusted",					\
	  "public port of an app with trusted ranges, source outside them")	\
	X(DROP_MALFORMED, 9, "drop_malformed", "truncated or invalid headers")	\
	X(DROP_FRAGMENT, 10, "drop_fragment",					\
	  "a later fragment whose first fragment did not pass")		\
	X(DROP_HDR_CHAIN, 11, "drop_hdr_chain",					\
	  "more VLAN tags or IPv6 extension headers than walked, or a routing header not followed") \
	X(AUDIT_PASS, 12, "audit_pass", "audit mode: would have been dropped")	\
	X(PASS_REPLY, 13, "pass_reply", "a reply to a flow an instance opened")	\
	X(PASS_ICMP_ERROR, 14, "pass_icmp_error",				\
	  "an ICMP error about a flow that passed")				\
	X(PASS_FRAGMENT, 15, "pass_fragment",					\
	  "a later fragment of a first fragment that passed")			\
	X(DROP_ICMP_ERROR, 16, "drop_icmp_error",				\
	  "an ICMP error about nothing that passed: forged")			\
	X(DROP_TUNNEL, 17, "drop_tunnel",					\
	  "a tunnel packet from a source that is not private whose inner packet cannot be read") \
	X(PASS_NDP, 18, "pass_ndp",						\
	  "IPv6 neighbour discovery from the link (hop limit 255)")		\
	X(PASS_TUNNEL, 19, "pass_tunnel",					\
	  "a tunnel packet from a private source whose inner packet cannot be judged")

enum enf_reason {
#define ENF_REASON_ENUM(name, num, str, help) ENF_REASON_##name = num,
	ENF_REASONS(ENF_REASON_ENUM)
#undef ENF_REASON_ENUM
	ENF_REASON_MAX,
};

/*
 * Encapsulations the programs look into (contract section 4, rule 5): a
 * tunnel packet is judged by the packet it carries. Reported by `trace`.
 */
#define ENF_ENCAPS(X)								\
	X(NONE, 0, "none")							\
	X(IP, 1, "ip-in-ip")	/* IPIP, 6in4 (SIT), 4in6, IPv6-in-IPv6, SRv6 */ \
	X(GRE, 2, "gre")	/* GRE version 0: IPv4, IPv6, Ethernet (gretap) */ \
	X(VXLAN, 3, "vxlan")	/* UDP, tunnels.vxlan ports: Ethernet */	\
	X(GENEVE, 4, "geneve")	/* UDP, tunnels.geneve ports: Ethernet, IPv4, IPv6 */ \
	X(ETH, 5, "ethernet-in-ip") /* IP protocol 143 (SRv6 End.DX2) */

enum enf_encap {
#define ENF_ENCAP_ENUM(name, num, str) ENF_ENCAP_##name = num,
	ENF_ENCAPS(ENF_ENCAP_ENUM)
#undef ENF_ENCAP_ENUM
	ENF_ENCAP_MAX,
};

/* UDP tunnel ports (manifest `tunnels:`; defaults below): destination port,
 * network byte order, and kind (ENF_ENCAP_VXLAN / ENF_ENCAP_GENEVE). A
 * zero port ends the list. */
#define ENF_MAX_TUNNEL_PORTS	8
#define ENF_VXLAN_PORT		4789	/* IANA */
#define ENF_VXLAN_LINUX_PORT	8472	/* Linux's default, Flannel's */
#define ENF_GENEVE_PORT		6081
/* Tunnels inside tunnels: how many inner packets the programs walk. */
#define ENF_MAX_ENCAP_DEPTH	2

struct enf_tunnel_port {
	__be16 port;
	__u8 kind;		/* enum enf_encap */
	__u8 pad;
};

struct enf_tunnel_ports {
	struct enf_tunnel_port p[ENF_MAX_TUNNEL_PORTS];
};

/* Interface roles (section 2 of the contract): enum name, number, name in
 * the manifest and the tools. */
#define ENF_ROLES(X)							\
	X(MIXED, 0, "mixed")	/* default: classify by source */	\
	X(PUBLIC, 1, "public")	/* internet uplink: private sources are spoofed */ \
	X(PODS, 2, "pods")	/* pod-facing veths */

enum enf_role {
#define ENF_ROLE_ENUM(name, num, str) ENF_ROLE_##name = num,
	ENF_ROLES(ENF_ROLE_ENUM)
#undef ENF_ROLE_ENUM
	ENF_ROLE_MAX,
};

enum enf_mode {
	ENF_MODE_ENFORCE = 0,
	ENF_MODE_AUDIT = 1,
};

/* Generic address: family byte, padding, 16 address bytes. Hash key. */
struct enf_addr {
	__u8 family;		/* ENF_AF_INET or ENF_AF_INET6 */
	__u8 pad[3];		/* zero */
	__u8 addr[16];		/* network byte order; IPv4 in addr[0..3], rest zero */
};

/* Key of the source classifier (LPM trie): prefixlen must come first. */
struct enf_src_key {
	__u32 prefixlen;	/* 32 + CIDR length (family byte + pad are always matched) */
	struct enf_addr a;
};

/*
 * enf_src16 (per generation): the classifier's first stage, one __u32 per
 * /16 of each family: [0, 65536) IPv4 by its first two bytes, [65536,
 * 131072) IPv6 by its first two bytes. Most of the address space (all of
 * it that is public) holds no prefix longer than /16, so one array load
 * answers for it; only /16s with longer prefixes (or an expiry) inside go
 * on to the trie:
 *   0                                        public: class 0, no flags
 *   ENF_SRC16_DIRECT | flags << 24 | class   the covering prefix's answer
 *   ENF_SRC16_LPM                            look the address up in enf_src
 */
#define ENF_SRC16_ENTRIES	(2 * 65536)
#define ENF_SRC16_DIRECT	(1U << 31)
#define ENF_SRC16_LPM		1U
#define ENF_SRC16_CLASS_MASK	0xffffffU
#define ENF_SRC16_FLAGS_MAX	0x7fU

/* enf_src value flags. */
#define ENF_SRC_PRIVATE		(1U << 0)	/* in the rack-wide `private` list */
#define ENF_SRC_MEMBER		(1U << 1)	/* in some network's cidrs/peers/instances */

/* Value of the source classifier. A prefix's value is the union of what
 * every prefix containing it says, so the longest match alone is enough.
 * `expires_ns` (CLOCK_BOOTTIME, 0 = never) is the first expiry among the
 * contributing prefixes; from then on class_after/flags_after apply. */
struct enf_src_val {
	__u32 class_id;		/* source class, 0 = public */
	__u32 flags;		/* ENF_SRC_* */
	__u64 expires_ns;
	__u32 class_after;
	__u32 flags_after;
};

/* enf_dst value flags. */
#define ENF_DST_ISOLATED	(1U << 0)	/* the network admits only its members */
#define ENF_DST_FRONTEND	(1U << 1)	/* address is a frontend: only its listed ports are ours */
#define ENF_DST_VIP		(1U << 2)	/* service virtual IP (informational) */
#define ENF_DST_PORTS		(1U << 3)	/* the address has public-port entries (enf_ports) */

/* Value of the destination map (key: struct enf_addr). */
struct enf_dst_val {
	__u32 service_id;	/* 0 for frontend-only addresses (see enf_port_val) */
	__u32 network_id;
	__u32 flags;		/* ENF_DST_* */
	__u32 pad;
};

/* Key of the port map: one entry per (destination, protocol, port) that is a
 * public port, or a frontend port of any service. */
struct enf_port_key {
	struct enf_addr a;
	__be16 port;		/* network byte order */
	__u8 proto;		/* IPPROTO_TCP / UDP / SCTP */
	__u8 pad;
};

#define ENF_PORT_PUBLIC		(1U << 0)	/* public port of a public service */
#define ENF_PORT_ISOLATED	(1U << 1)	/* frontends: the service's network is isolated */

struct enf_port_val {
	__u32 service_id;
	__u32 network_id;
	__u32 trust_group;	/* 0 = no trusted ranges, else admit target ENF_TARGET_TRUST | id */
	__u32 flags;		/* ENF_PORT_* */
};

/* Admission table: (source class, target) present = admitted. A target is a
 * network id, or ENF_TARGET_TRUST | trust group id for trusted ranges. */
#define ENF_TARGET_TRUST	(1U << 31)

struct enf_admit_key {
	__u32 class_id;
	__u32 target;
};

/* Interface role, keyed by ifindex (__u32). Missing = ENF_ROLE_MIXED. */
struct enf_iface_val {
	__u32 role;		/* enum enf_role */
	__u32 stats_row;	/* row of enf_if_stats, 1..ENF_IF_ROWS-1; 0 = shared "other"
				 * row. Kept by every apply while the interface stays;
				 * cached in enf_ifrow */
};

/*
 * enf_if_stats (global, per CPU): packets and bytes per interface and
 * reason, at [stats_row * ENF_REASON_SLOTS + reason]. The row comes with the
 * interface's role from one lookup the data path makes anyway; `attach` and
 * `apply` hand rows out (the lowest free one, zeroed first), and the
 * metrics name a row by the interface that holds it now.
 */
#define ENF_IF_ROWS		256
#define ENF_REASON_SLOTS	32	/* stride; ENF_REASON_MAX stays below it */

/*
 * enf_ifrow (global): a direct-mapped cache of the rows, at [ifindex &
 * (ENF_IFROW_SLOTS - 1)], so that counting per interface costs the data
 * path one array load and compare, not a hash lookup. A slot holds one
 * interface (the ifindex is the tag); an interface whose slot another
 * holds is looked up in enf_ifrole instead.
 */
#define ENF_IFROW_SLOTS		4096

struct enf_ifrow {
	__u32 ifindex;		/* 0: empty */
	__u32 row;
};

/* enf_flows key: a flow an instance opened, seen from the instance. ICMP
 * echo uses the echo identifier as local_port and 0 as remote_port. */
struct enf_flow_key {
	struct enf_addr local;	/* the instance (service address) */
	struct enf_addr remote;
	__be16 local_port;
	__be16 remote_port;
	__u8 proto;		/* IPPROTO_TCP/UDP/SCTP, IPPROTO_ICMP/ICMPV6 for echo */
	__u8 pad[3];
};

#define ENF_FLOW_OPEN		0
#define ENF_FLOW_CLOSING	1	/* TCP FIN or RST seen */

struct enf_flow_val {
	__u64 last_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 state;		/* ENF_FLOW_* */
	__u32 pad;
};

/* enf_frags key: a first fragment that passed; later fragments follow it. */
struct enf_frag_key {
	struct enf_addr src;
	struct enf_addr dst;
	__u32 id;		/* IPv4 id (16 bits) or IPv6 fragment id */
	__u8 proto;
	__u8 pad[3];
};

struct enf_frag_val {
	__u64 created_ns;
	__u32 reason;		/* why the first fragment passed */
	__u32 service_id;
};

/* enf_trace[0]: in/out of the trace twin of the XDP program (`enforcer
 * trace`): userspace sets role (ENF_ROLE_MAX = the interface's own), the
 * program writes what it decided. Never touched by attached programs. */
struct enf_trace {
	__u32 role;
	__u32 verdict;		/* XDP_PASS / XDP_DROP, after audit */
	__u32 reason;		/* enum enf_reason of the decision */
	__u32 service_id;
	__u32 network_id;
	__u32 class_id;
	__u32 src_flags;
	__u32 audit;		/* 1: a drop was turned into a pass */
	__u32 encap;		/* enum enf_encap of the outermost tunnel walked, 0 = none */
	__u32 encap_depth;	/* inner packets walked (0 = the packet itself was judged) */
	__u32 outer_public;	/* a tunnel's outer source is not private: judged as on
				 * a public interface */
	__u32 pad;
};

/* Per-CPU counters: per reason (enf_stats) and per service (enf_svc_stats). */
struct enf_counter {
	__u64 packets;
	__u64 bytes;
};

struct enf_svc_counter {
	__u64 pass_packets;
	__u64 pass_bytes;
	__u64 drop_packets;
	__u64 drop_bytes;
};

/*
 * `enforcer monitor`: events from the verdict path into a ring buffer
 * (enf_events). Nothing is written while nobody reads: enf_monitor[0].flags
 * is 0 and the data path pays one load and compare. A reader sets the flags
 * and renews lease_ns every second; a reader that died stops the events
 * once its lease runs out (the data path clears the flags itself). Each CPU
 * writes at most rate events a second with bursts of burst (a virtual
 * scheduling token bucket, enf_mon_cpu[0].tat_ns); what it leaves out is
 * counted, never reserved; and while refusals come faster than the rate,
 * the next jiffy's are refused without reading the clock (refuse_until),
 * so a flood costs the data path a jiffies load and a compare.
 */
#define ENF_EVENTS_BYTES	(1U << 20)	/* ring buffer size */
#define ENF_MON_DROPS		(1U << 0)	/* drops (and audit-mode would-be drops) */
#define ENF_MON_PASSES		(1U << 1)	/* passes too, one in pass_sample */
#define ENF_MON_RATE		1000		/* default events/s per CPU */
#define ENF_MON_BURST		100

struct enf_monitor {
	__u32 flags;		/* ENF_MON_*; 0 = nobody listens */
	__u32 reader_pid;	/* for `status`: who reads */
	__u64 lease_ns;		/* CLOCK_MONOTONIC until which the reader is there */
	__u64 interval_ns;	/* 1e9 / events per second per CPU */
	__u64 burst_ns;		/* burst * interval_ns */
	__u32 pass_sample;	/* passes: one in this many (0, 1: every one) */
	__u32 epoch;		/* a new reader's: each CPU's bucket starts afresh */
};

struct enf_mon_cpu {
	__u64 tat_ns;		/* token bucket: theoretical arrival time */
	__u64 emitted;		/* events written */
	__u64 rate_limited;	/* events left out by the rate */
	__u64 ring_full;	/* events left out: the reader fell behind */
	__u64 refused_ns;	/* the last refusal */
	__u64 refuse_until;	/* jiffies: two refusals within an interval (a flood):
				 * refused without reading the clock until then */
	__u32 epoch;		/* enf_monitor.epoch this bucket belongs to */
	__u32 pad;
};

#define ENF_EV_PASS		0
#define ENF_EV_DROP		1
#define ENF_EV_AUDIT		2	/* audit mode: would have been dropped */

struct enf_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 generation;	/* policy the packet was judged by */
	__u32 ifindex;
	__u32 reason;		/* enum enf_reason */
	__u32 service_id;	/* 0 = none */
	__u32 network_id;
	__u32 class_id;		/* source class, 0 = public */
	__u32 bytes;		/* frame length */
	struct enf_addr src;	/* family 0: not parsed that far */
	struct enf_addr dst;
	__be16 sport;		/* network order; 0 when the packet has no ports */
	__be16 dport;
	__u8 proto;		/* IPPROTO_* of the judged packet */
	__u8 verdict;		/* ENF_EV_* */
	__u8 encap;		/* enum enf_encap of the outermost tunnel walked */
	__u8 depth;		/* inner packets walked */
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 has_ports;		/* sport/dport are valid */
	__u8 pad[4];
	struct enf_addr outer_src;	/* a tunnel's outermost source (depth > 0), else 0 */
	__u8 pad2[4];
};

/* enf_active[0]: which slot of every enf_*_sel map is in force. The data
 * path reads only `slot` (one aligned 32-bit load, so never torn); the rest
 * of what it needs comes from enf_policy[slot], written before the flip. */
struct enf_active {
	__u32 slot;		/* 0 or 1 */
	__u32 pad;
	__u64 generation;	/* mirror of enf_policy[slot].generation, for people */
};

/* Interface rules from the manifest, so `attach` can give an interface its
 * role without the manifest at hand; an empty pattern ends the list. */
#define ENF_MAX_IFRULES		32
struct enf_ifrule {
	char pattern[32];	/* interface name or glob (fnmatch) */
	__u32 role;		/* enum enf_role */
	__u32 is_glob;
};

/* enf_policy[slot]: what a slot holds. Written before the flip and never
 * while the slot is active. The data path reads generation and mode. */
struct enf_policy {
	__u64 generation;	/* 0 = nothing applied yet: pass everything */
	__u64 applied_at;	/* unix seconds */
	__u8 sha256[32];	/* of the manifest file */
	__u32 mode;
	__u32 services;
	__u32 instances;
	__u32 dests;
	__u32 ports;
	__u32 src_prefixes;
	__u32 src_classes;
	__u32 admit_entries;
	__u32 networks;
	__u32 apps;
	char rack[ENF_NAME_LEN];
	char manifest[256];	/* path it was applied from */
	struct enf_ifrule ifrules[ENF_MAX_IFRULES];
	__u64 flow_tcp_ns;	/* flow and fragment timeouts of this generation */
	__u64 flow_tcp_closing_ns;
	__u64 flow_udp_ns;
	__u64 flow_icmp_ns;
	__u64 frag_ns;
	struct enf_tunnel_ports tunnels;	/* UDP ports of VXLAN and Geneve */
	/* userspace only: digest of what `apply` wrote into each inner map
	 * of this slot, so an unchanged map is not rewritten */
	__u64 map_digest[ENF_MAX_INNER_MAPS];
	/* Bit n - 1 set: some private zone's apex has n labels (n <= 8,
	 * ENF_DNS_MAX_ZONE_LABELS). The DNS path looks a query's suffix up
	 * as an apex only at those depths: one hash lookup per zone depth
	 * instead of one per label. */
	__u32 dns_apex_labels;
	__u32 pad_dns;
};

/* enf_svc_meta[service id]: names for `status` and `bpftool map dump`. */
struct enf_svc_meta {
	char app[ENF_NAME_LEN];
	char service[ENF_NAME_LEN];
	char network[ENF_NAME_LEN];
	__u32 network_id;
	__u32 public;		/* 1 if the service has public ports */
	__u32 instances;
	__u32 ports;
	__u64 digest;		/* of its addresses, ports and flags: an apply keeps the
				 * counters (enf_svc_stats) of a service whose name and
				 * digest stay */
};

/*
 * enf_daemon[0]: the node agent's heartbeat and last apply, so that `status`
 * (the liveness probe) can tell a live daemon from a hung or killed one. A
 * map the daemon creates and pins (not used by the data path); named fields
 * in bpftool through the BTF anchor below.
 */
enum enf_daemon_state {
	ENF_DAEMON_NONE,	/* no daemon ever ran on this pin dir */
	ENF_DAEMON_RUNNING,
	ENF_DAEMON_STOPPED,	/* exited cleanly (SIGTERM) */
};

struct enf_daemon_info {
	__u32 state;		/* enum enf_daemon_state */
	__u32 pid;
	__u64 started_at;	/* unix seconds */
	__u64 heartbeat_ns;	/* CLOCK_BOOTTIME of the last heartbeat (every second) */
	__u64 last_apply_at;	/* unix seconds of the last apply attempt */
	__u64 last_generation;	/* generation in force after it */
	__u32 last_apply_ok;	/* 1: applied (or unchanged), 0: rejected */
	__u32 last_errors;	/* manifest errors of a rejected apply */
	__u64 applies;		/* generations this daemon applied */
	__u64 rejects;		/* manifests it rejected */
	__u32 links;		/* links it manages now */
	__u32 unhealthy;	/* instances out of DNS answers by health */
	char manifest[256];	/* the path it watches */
};

/* BTF anchor. clang 14 emits the key/value structs of inner-map templates
 * only as forward declarations, and a map cannot be created with BTF from a
 * FWD type. One global of this type in the BPF object puts their full
 * definitions in its BTF, which `apply` uses to give every inner map named
 * fields (so `bpftool map dump pinned` is readable). */
struct enf_btf_anchor {
	struct enf_src_key src_key;
	struct enf_src_val src_val;
	struct enf_addr addr;
	struct enf_dst_val dst_val;
	struct enf_port_key port_key;
	struct enf_port_val port_val;
	struct enf_admit_key admit_key;
	struct enf_iface_val iface_val;
	struct enf_svc_counter svc_counter;
	struct enf_svc_meta svc_meta;
	struct enf_flow_key flow_key;
	struct enf_flow_val flow_val;
	struct enf_frag_key frag_key;
	struct enf_frag_val frag_val;
	struct enf_trace trace;
	struct enf_daemon_info daemon_info;
	struct enf_ifrow ifrow;
	struct enf_monitor monitor;
	struct enf_mon_cpu mon_cpu;
	struct enf_event event;
};

_Static_assert(sizeof(struct enf_addr) == 20, "enf_addr ABI changed");
_Static_assert(sizeof(struct enf_src_key) == 24, "enf_src_key ABI changed");
_Static_assert(sizeof(struct enf_src_val) == 24, "enf_src_val ABI changed");
_Static_assert(sizeof(struct enf_dst_val) == 16, "enf_dst_val ABI changed");
_Static_assert(sizeof(struct enf_port_key) == 24, "enf_port_key ABI changed");
_Static_assert(sizeof(struct enf_port_val) == 16, "enf_port_val ABI changed");
_Static_assert(sizeof(struct enf_admit_key) == 8, "enf_admit_key ABI changed");
_Static_assert(sizeof(struct enf_active) == 16, "enf_active ABI changed");
_Static_assert(sizeof(struct enf_flow_key) == 48, "enf_flow_key ABI changed");
_Static_assert(sizeof(struct enf_frag_key) == 48, "enf_frag_key ABI changed");
_Static_assert(sizeof(struct enf_event) == 120, "enf_event ABI changed");
_Static_assert(sizeof(struct enf_svc_meta) == 216, "enf_svc_meta ABI changed");
_Static_assert(sizeof(struct enf_mon_cpu) == 56, "enf_mon_cpu ABI changed");
_Static_assert(ENF_REASON_MAX <= ENF_REASON_SLOTS, "enf_if_stats rows are too narrow");

#endif /* ENFORCER_COMMON_H */
