/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Maps shared by every BPF object of the enforcer (enforcer.bpf.c: XDP,
 * dns.bpf.c: TC DNS answers), and the policy lookups both make. Each object
 * declares them; userspace loads the XDP object first and hands its map fds
 * to the others (bpf_map__reuse_fd), so there is one source classifier and
 * one admission table: one truth for enforcement and split-horizon DNS.
 */
#ifndef ENFORCER_MAPS_BPF_H
#define ENFORCER_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "enforcer_common.h"
#include "enforcer_dns.h"

/* Inner-map templates; userspace creates the real ones, reading their shape
 * from here (user/lib/kernel/maps.c): this is the one definition. Hash
 * inner maps are BPF_F_NO_PREALLOC everywhere: `apply` rewrites the
 * inactive slot's maps in place when they have room (replacing one costs a
 * synchronize_rcu() in the kernel) and creates them with headroom, which
 * costs nothing unallocated. Array inner maps may vary in size
 * (BPF_F_INNER_MAP); index 0 is never looked up. */
#define ENF_INNER(name, map_type, flags, key_type, value_type)	\
	struct name {						\
		__uint(type, map_type);				\
		__uint(max_entries, 1);				\
		__uint(map_flags, flags);			\
		__type(key, key_type);				\
		__type(value, value_type);			\
	}
#define ENF_INNER_HASH(name, key_type, value_type)		\
	ENF_INNER(name, BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, key_type, value_type)
#define ENF_INNER_ARRAY(name, value_type)			\
	ENF_INNER(name, BPF_MAP_TYPE_ARRAY, BPF_F_INNER_MAP, __u32, value_type)

/* [slot] -> inner map of that generation. Written by `apply` (inactive slot
 * only), read with the slot from enf_active. */
#define ENF_OUTER(name, inner)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);	\
		__uint(max_entries, 2);				\
		__type(key, __u32);				\
		__array(values, struct inner);			\
	} name SEC(".maps")

struct src_inner {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* required for LPM tries */
	__type(key, struct enf_src_key);
	__type(value, struct enf_src_val);
};

struct src16_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENF_SRC16_ENTRIES);	/* fixed: lookups are inlined */
	__uint(map_flags, BPF_F_MMAPABLE);	/* userspace writes it with memcpy */
	__type(key, __u32);
	__type(value, __u32);
};

ENF_INNER_HASH(admit_inner, struct enf_admit_key, __u32);

/* [slot] -> source address -> class + flags (who is the sender) */
ENF_OUTER(enf_src_sel, src_inner);
/* [slot] -> /16 of a source address -> its class and flags, or "ask the
 * trie" (see ENF_SRC16_* in enforcer_common.h) */
ENF_OUTER(enf_src16_sel, src16_inner);
/* [slot] -> (source class, network or trust group) -> admitted */
ENF_OUTER(enf_admit_sel, admit_inner);

/* [0] -> which slot is in force; written by `apply` (one update = the flip) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_active);
} enf_active SEC(".maps");

/* [slot] -> generation, mode and summary of what the slot holds */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct enf_policy);
} enf_policy SEC(".maps");

/* See struct enf_btf_anchor in enforcer_common.h. Never read or written. */
struct enf_btf_anchor enf_btf_anchor SEC(".bss");
struct enf_dns_btf_anchor enf_dns_btf_anchor SEC(".bss");

/* Source class and flags of `a`, honouring the expiry of time-limited
 * entries (the compiler precomputed what holds after the first expiry). */
static __always_inline void classify_source(void *src16_map, void *src_map, struct enf_addr *a,
					    __u32 *class_id, __u32 *flags)
{
	struct enf_src_key key = { .prefixlen = 32 + 128 };
	__u32 idx = (a->family == ENF_AF_INET6 ? 65536 : 0) | (__u32)a->addr[0] << 8 | a->addr[1];
	__u32 *d = bpf_map_lookup_elem(src16_map, &idx);
	struct enf_src_val *v;

	/* First stage: the answer for the whole /16, when it has one. */
	if (d && *d != ENF_SRC16_LPM) {
		*class_id = *d & ENF_SRC16_CLASS_MASK;
		*flags = *d >> 24 & ENF_SRC16_FLAGS_MAX;
		return;
	}
	key.a = *a;
	v = bpf_map_lookup_elem(src_map, &key);
	if (!v) {
		*class_id = 0;
		*flags = 0;
		return;
	}
	if (v->expires_ns && bpf_ktime_get_boot_ns() >= v->expires_ns) {
		*class_id = v->class_after;
		*flags = v->flags_after;
		return;
	}
	*class_id = v->class_id;
	*flags = v->flags;
}

static __always_inline int admitted(void *admit_map, __u32 class_id, __u32 target)
{
	struct enf_admit_key k = { .class_id = class_id, .target = target };

	return class_id && bpf_map_lookup_elem(admit_map, &k);
}

#endif /* ENFORCER_MAPS_BPF_H */
