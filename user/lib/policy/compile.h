/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Manifest -> BPF map entries (the policy of one generation).
 *
 * The compiled form is plain arrays of (key, value) pairs, one array per
 * inner map, so that it can be checked in unit tests without a kernel and
 * written to maps by state.c in one pass.
 *
 * Ids: network id = index in manifest.networks (0 = the implicit "rack");
 * service id = 1 + position in manifest order (apps, then services); trust
 * group id = 1 + position among apps that have `trusted:` ranges; source
 * class 0 = public (matches nothing), others numbered as first seen.
 */
#ifndef ENFORCER_COMPILE_H
#define ENFORCER_COMPILE_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "manifest.h"
#include "zone.h"

struct src_entry {
	struct enf_src_key key;
	struct enf_src_val val;
};

struct dst_entry {
	struct enf_addr key;
	struct enf_dst_val val;
};

struct port_entry {
	struct enf_port_key key;
	struct enf_port_val val;
};

struct compiled {
	struct src_entry *src;
	size_t nsrc;
	uint32_t *src16;		/* ENF_SRC16_ENTRIES: enf_src16, from src */
	struct dst_entry *dst;
	size_t ndst;
	struct port_entry *ports;
	size_t nports;
	struct enf_admit_key *admit;
	size_t nadmit;
	struct enf_svc_meta *meta;	/* [service id], [0] unused */
	size_t nmeta;			/* highest service id + 1 */
	uint32_t nclasses;		/* source classes including 0 */
	uint32_t ninstances;
	struct enf_policy policy;	/* summary, mode, rack, ifrules; generation unset */
	/* DNS: the zones, which isolated views each source class reads, and
	 * the resolver addresses whose port 53 is inspected. */
	struct zone_compiled zone;
	struct enf_dns_views *views;	/* [source class], nclasses entries */
	struct enf_addr *resolvers;
	size_t nresolvers;
};

/* Wall and boot clocks at compile time, to turn `expires:` dates into the
 * CLOCK_BOOTTIME nanoseconds the data path compares against. */
struct compile_clock {
	int64_t wall;		/* unix seconds */
	uint64_t boot_ns;	/* CLOCK_BOOTTIME */
};

/*
 * Compile a validated manifest. Returns 0, or -EINVAL with a message on
 * `errf` when a named limit is exceeded, or -ENOMEM. Entries whose
 * `expires` is already past are left out, with a warning on `errf`.
 */
int compile_manifest(const struct manifest *m, const struct compile_clock *clk,
		     struct compiled *out, FILE *errf);
void compiled_free(struct compiled *c);


#endif /* ENFORCER_COMPILE_H */
