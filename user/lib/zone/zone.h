/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The zone compiler: manifest zone templates -> every DNS name of the
 * private zone(s), per view, as entries for the maps of enforcer_dns.h,
 * and RFC 1035 zone files of the same data (`enforcer zone export`).
 *
 * What a manifest yields (contract section 5):
 *  - for every template, app and service: the service name (A/AAAA of the
 *    instances, or of the VIP when the service has one); a template without
 *    {service}/{type} names the app's `web` service only;
 *  - per instance: from a template with {index}, that name; from a template
 *    without {index}, "N.<service name>" (1-based, manifest order);
 *  - SRV "_<port>._<proto>.<service name>" per port of the service, one record
 *    per instance: priority 0, weight 0, the port, target "N.<service name>";
 *  - per zone apex (the static labels right of the last per-app placeholder,
 *    {rack} filled in): SOA, NS "ns.<apex>", and "ns.<apex>" with the
 *    dns.resolvers addresses;
 *  - every empty non-terminal between a name and its apex (RFC 8020).
 * Views: names of an isolated network N go to view N, all others to view 0;
 * apex, ns.<apex> and empty non-terminals exist in every view that has names
 * under the apex (and the apex in view 0 always), with ENF_DNS_ANY_NETWORK.
 */
#ifndef ENFORCER_ZONE_H
#define ENFORCER_ZONE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "enforcer_dns.h"
#include "manifest.h"
#include "wire.h"

struct zone_name {
	struct enf_dns_key key;
	struct enf_dns_name val;
	uint8_t wire[ENF_DNS_MAX_NAME];	/* lower-cased wire form, key.wire_len bytes */
};

struct zone_apex {
	struct enf_dns_key key;		/* view 0 */
	struct enf_dns_zone val;
	uint8_t wire[ENF_DNS_MAX_NAME];
};

struct zone_compiled {
	struct zone_apex *zones;
	size_t nzones;
	struct zone_name *names;	/* every (view, name), including apex and ENTs */
	size_t nnames;
	/* RRset pages, indexed by rrset_id + page; [0] unused. n_a/n_aaaa/n_srv
	 * are in the names: record k is in page k / 32, slot k % 32. */
	struct enf_dns_a *a;
	struct enf_dns_aaaa *aaaa;
	struct enf_dns_srv *srv;
	size_t nrrsets;			/* highest rrset_id + 1 */
	uint32_t ttl;
	/*
	 * The RRsets health can change (services with `health:` and without
	 * `publish_not_ready`): the service name's instances, and each port's
	 * SRV set, by global service number (manifest order over all apps)
	 * and global port number; 0 = none. Each such RRset R of P pages
	 * (enf_dns_rrset_pages of its counts) has a spare, R + P, compiled as
	 * a copy: the daemon writes the healthy subset into
	 * whichever of the two no name points at, then repoints the names
	 * (one atomic hash update each), so no answer ever reads a half-written
	 * set.
	 */
	uint32_t *svc_rrset;
	size_t nsvc_rrset;
	uint32_t *port_rrset;
	size_t nport_rrset;
};

/*
 * Compile the zones of a validated manifest. `serial` goes into every SOA.
 * Returns 0, or -EINVAL after printing "file:line:col: field: ..." errors
 * (name collisions within a view, more than ENF_DNS_MAX_ZONES zones, ...),
 * or -ENOMEM. An RRset over ENF_DNS_MAX_RRSET records is an error naming
 * the service (its whole set could not be answered, even over TCP).
 */
int zone_compile(const struct manifest *m, uint32_t serial, struct zone_compiled *out,
		 FILE *errf);
void zone_free(struct zone_compiled *z);

/*
 * Write RFC 1035 zone files. With `dir` NULL, every (view, zone) goes to
 * `out`, each preceded by a comment line "; view <name> zone <apex>".
 * With `dir`, one file per view and zone: DIR/<view>/<apex>.zone, where
 * view 0 is named "rack". `view` (a network name, or "rack") restricts the
 * output to one view. Returns 0 or -errno.
 */
int zone_export(const struct zone_compiled *z, const struct manifest *m, const char *view,
		const char *dir, FILE *out);

/* The name of view `view`: its isolated network's, or "rack" for view 0. */
const char *zone_view_name(const struct manifest *m, uint32_t view);

/* A digest of the zone's layout (every name's key and value, the RRset
 * numbering): equal for the same manifest through the same compiler only.
 * Never 0. */
uint64_t zone_layout_digest(const struct zone_compiled *z);

/* Whether any RRset follows health (has a spare, see svc_rrset). */
bool zone_follows_health(const struct zone_compiled *z);

/*
 * The name zone template `zi` gives service `s` of app `a`, as `enforcer
 * services` lists it: {index} written as `index_text`; with index_text NULL
 * a template with {index} gives none (it names instances, not the
 * service). Returns the name's length, or -1 when the template does not
 * name the service (or the name does not fit in outsz).
 */
int zone_service_name(const struct manifest *m, size_t zi, const struct mf_app *a,
		      const struct mf_service *s, const char *index_text, char *out, size_t outsz);

/* qsort() order of struct zone_name: view, zone, then canonical name order. */
int zone_name_cmp(const void *a, const void *b);

#endif /* ENFORCER_ZONE_H */
