/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an apply changes: the services, addresses and ports of a compiled
 * manifest against those of the generation in force, read back from the
 * active slot's maps (enf_svc_meta, enf_dst, enf_ports), and the settings
 * of its enf_policy row (mode, rack, interface rules, timeouts, tunnels,
 * sizes). `apply --dry-run` prints it; `apply --json` carries it.
 *
 * Services are matched by app/service name, never by id: ids are handed
 * out in manifest order on every apply, so a service inserted above others
 * renumbers them without changing them. Every address and port therefore
 * refers to its service through a name (an index into diff.names, the
 * sorted union of both generations' names).
 *
 * A service also changes when what its records say of it does: whether
 * its network is isolated (ENF_DST_ISOLATED of its addresses,
 * ENF_PORT_ISOLATED of its frontend ports), and whether its public ports
 * admit only its app's trusted ranges (enf_port_val.trust_group != 0;
 * the group ids are numbered again on every apply, so presence is compared,
 * and, where both sides have one, the ranges behind it: the source prefixes
 * whose class the admission table admits to the group, as they are now).
 *
 * What is not compared otherwise: the contents of the source classifier and
 * the admission table (only their sizes), the DNS zones and resolvers. A
 * manifest that changes only those reads as "no change" with
 * same_manifest false, and the text says so.
 */
#ifndef ENFORCER_DIFF_H
#define ENFORCER_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "compile.h"
#include "state.h"

enum diff_op {
	DIFF_ADDED,
	DIFF_REMOVED,
	DIFF_CHANGED,	/* services and settings only */
};

enum diff_kind {	/* what an address is to its service */
	DIFF_INSTANCE,
	DIFF_VIP,
	DIFF_FRONTEND,	/* named after the service of its ports */
};

#define DIFF_PORT_PUBLIC	(1U << 0)	/* ENF_PORT_PUBLIC */
#define DIFF_PORT_FRONTEND	(1U << 1)	/* the address is a frontend */

struct diff_name {
	char app[ENF_NAME_LEN];
	char service[ENF_NAME_LEN];
};

/* What a service's records say of it, on one side. */
enum diff_tri {
	DIFF_UNSET,	/* no record says: no address (isolated), no port (trusted) */
	DIFF_FALSE,
	DIFF_TRUE,
};

struct diff_service {
	uint32_t name;		/* index into names */
	uint8_t op;		/* enum diff_op */
	uint8_t public[2];	/* [0] in force, [1] new (one side only for added/removed) */
	uint8_t isolated[2];	/* enum diff_tri: its network is isolated */
	uint8_t trusted[2];	/* enum diff_tri: its public ports admit only its
				 * app's trusted ranges */
	bool trusted_ranges_changed;	/* trusted on both sides, other ranges */
	char network[2][ENF_NAME_LEN];
};

struct diff_addr {
	struct enf_addr a;
	uint32_t name;		/* index + 1 into names; 0: no service */
	uint8_t kind;		/* enum diff_kind */
	uint8_t op;
};

struct diff_port {
	struct enf_addr a;
	uint16_t port;		/* host order */
	uint8_t proto;
	uint8_t flags;		/* DIFF_PORT_* */
	uint32_t name;		/* index + 1 into names; 0: no service */
	uint8_t op;
};

#define DIFF_MAX_SETTINGS	16

struct diff_setting {
	const char *name;	/* "mode", "rack", ... (stable, see docs/json.md) */
	char from[160];
	char to[160];
};

struct policy_diff {
	uint64_t from_generation;	/* in force; 0 = nothing applied */
	uint64_t to_generation;		/* the one the apply makes */
	bool same_manifest;		/* the same SHA-256 as the one in force */
	struct diff_name *names;
	size_t nnames;
	struct diff_service *services;
	size_t nservices;
	struct diff_addr *addrs;
	size_t naddrs;
	struct diff_port *ports;
	size_t nports;
	struct diff_setting settings[DIFF_MAX_SETTINGS];
	size_t nsettings;
	/* counts by kind: [DIFF_ADDED], [DIFF_REMOVED], [DIFF_CHANGED] */
	size_t svc_count[3], addr_count[3], port_count[3];
};

/*
 * The difference `c` makes to the state `st` (opened, and locked so that
 * no apply rewrites a slot while it is read), or to nothing when `st` is
 * NULL (nothing pinned: everything is added, the next generation is 1).
 * Returns 0, or -errno (said on stderr) when the maps cannot be read.
 */
int policy_diff(struct enf_state *st, const struct compiled *c, struct policy_diff *d);

void policy_diff_free(struct policy_diff *d);

/* Nothing compared differs. */
bool policy_diff_empty(const struct policy_diff *d);

/*
 * For people, one line per change, "+ service shop/api",
 * "~ service shop/web: isolated false -> true, trusted ranges added",
 * "- address 10.0.2.11 (shop/admin)", "+ port 10.0.1.10:3000/tcp (shop/web,
 * public)", "~ mode enforce -> audit": at most `max` lines of each kind
 * (services, addresses, ports), then "... and N more"; then one summary line.
 */
void policy_diff_print(const struct policy_diff *d, FILE *f, size_t max);

/* The whole difference as the "changes" object of `apply --json`. */
json_object *policy_diff_json(const struct policy_diff *d);

#endif /* ENFORCER_DIFF_H */
