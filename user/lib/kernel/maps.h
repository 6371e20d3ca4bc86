/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The per-generation maps of a node: each an ARRAY_OF_MAPS with two slots
 * (the outer map) whose inner maps hold one policy generation. One line per
 * map here; their shapes (type, key and value sizes, flags, BTF types) come
 * from the inner-map templates of the BPF objects (bpf/), so the BPF
 * code is the one definition and nothing is kept in sync by hand.
 */
#ifndef ENFORCER_MAPS_H
#define ENFORCER_MAPS_H

#include <stdint.h>

#include <linux/bpf.h>

/* X(name, outer map: skeleton and pin name, inner map: its name and the pin
 * of the active generation's view) */
#define ENF_SELS(X)						\
	X(SRC, "enf_src_sel", "enf_src")			\
	X(DST, "enf_dst_sel", "enf_dst")			\
	X(PORT, "enf_port_sel", "enf_ports")			\
	X(ADMIT, "enf_admit_sel", "enf_admit")			\
	X(IFROLE, "enf_ifrole_sel", "enf_ifrole")		\
	X(SVCSTAT, "enf_svcstat_sel", "enf_svc_stats")		\
	X(META, "enf_meta_sel", "enf_svc_meta")			\
	X(DNS_NAME, "enf_dnsname_sel", "enf_dns_names")		\
	X(DNS_ZONE, "enf_dnszone_sel", "enf_dns_zones")		\
	X(DNS_A, "enf_dnsa_sel", "enf_dns_a")			\
	X(DNS_AAAA, "enf_dnsaaaa_sel", "enf_dns_aaaa")		\
	X(DNS_SRV, "enf_dnssrv_sel", "enf_dns_srv")		\
	X(DNS_VIEW, "enf_dnsview_sel", "enf_dns_views")		\
	X(DNS_RES, "enf_dnsres_sel", "enf_dns_res")		\
	X(SRC16, "enf_src16_sel", "enf_src16")

enum sel {
#define SEL_ENUM(name, outer, inner) SEL_##name,
	ENF_SELS(SEL_ENUM)
#undef SEL_ENUM
	SEL_MAX,
};

/* What an inner map of `sel` is, as its template in the BPF objects says. */
struct sel_shape {
	const char *outer;
	const char *inner;
	enum bpf_map_type type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t flags;
	uint32_t max_entries;	/* the template's: > 1 means a fixed size */
	char key_type[64];	/* BTF type names, for named fields in bpftool */
	char value_type[64];
};

/* Reads every shape from the BPF objects (once; they are opened, not
 * loaded). Returns 0, or -errno when an object or a template is missing
 * (then the build is broken, and it says so). */
int maps_init(void);

/* The shape of `sel`; maps_init() must have succeeded. */
const struct sel_shape *sel_shape(enum sel sel);

/* Delete every entry of the map `fd` (keys of `key_size` <= 64 bytes) one
 * by one: for the LRU tables between test and benchmark cases, where the
 * map is small and nothing else writes it. */
void maps_empty(int fd, size_t key_size);

typedef int (*entry_fn)(void *arg, const void *key, const void *val);

/*
 * Every entry of a map, handed to fn(arg, key, value) a batch at a time
 * where the map type has batch lookups, else key by key; per-CPU values
 * one per possible CPU, 8-byte aligned. 0, fn's non-zero value, or -errno.
 */
int map_walk(int fd, entry_fn fn, void *arg);

#endif /* ENFORCER_MAPS_H */
