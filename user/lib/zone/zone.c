// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The zone compiler: zone templates x apps x services -> every (view, name)
 * of the private zones, their RRsets, and RFC 1035 zone files of the same.
 * zone.h says which names exist; this file decides how they are built.
 *
 * Order of work, each step deterministic in manifest order:
 *  1. zones: one per distinct apex (the static labels right of a template's
 *     last per-app placeholder, {rack} filled in), in template order; each
 *     gets its apex and ns.<apex> in view 0;
 *  2. data names: per template, app, service; a name belongs to the deepest
 *     apex above it (zones may nest), to view app->network when that network
 *     is isolated, else to view 0. Names of one source (a service, an
 *     instance, a port) share one RRset. Every (view, name) is unique: the same
 *     name twice from the same source (a per-instance name from an {index}
 *     template and the implicit N. name) is merged, anything else is an
 *     error. A name in an isolated view brings its zone's apex and ns into
 *     that view;
 *  3. empty non-terminals: every missing suffix between a data name and its
 *     apex, in the data name's view (RFC 8020). An isolated network's ENTs
 *     never go to view 0, or its app names would leak as NODATA vs NXDOMAIN;
 *  4. sort by (view, zone, canonical name order) for a stable output.
 * Lookups go through one open-addressing table on (view, hash, length, wire).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer_common.h"
#include "template.h"
#include "zone.h"

#define SOA_REFRESH	3600
#define SOA_RETRY	600
#define SOA_EXPIRE	86400
#define ZONE_MAX_ERRORS	20		/* then "too many errors" */

/* What a table entry stands for; names of one source merge, others clash. */
enum ent_kind {
	K_APEX,
	K_NS,
	K_SVC,		/* service name: VIP or all instances */
	K_INST,		/* per-instance name */
	K_SRV,		/* _port._proto.<service name> */
	K_ENT,
};

struct ent_meta {
	uint8_t kind;
	uint32_t app;
	uint32_t svc;
	uint32_t idx;		/* K_INST: instance (1-based); K_SRV: port index */
	uint32_t tmpl;		/* template that produced it first */
};

struct tmpl_info {
	unsigned int used;	/* TMPL_* */
	uint16_t zone;		/* zone of its apex */
};

/* An RRset already built for one source (service, instance or port): every
 * name of that source shares it, whichever template made the name. */
struct rr_ref {
	uint32_t id;		/* 0 = not built yet (or no data) */
	bool built;
	uint16_t n_a;
	uint16_t n_aaaa;
	uint16_t n_srv;
};

struct svc_rr {
	struct rr_ref svc;
	size_t inst_base;
	size_t port_base;
};

struct zctx {
	const struct manifest *m;
	FILE *errf;
	struct zone_compiled *z;
	struct tmpl_info *tmpls;
	struct ent_meta *meta;	/* parallel to z->names */
	size_t cap_names;
	size_t cap_rrsets;
	uint32_t *table;	/* name index + 1; 0 = empty */
	size_t table_size;	/* power of two */
	size_t *svc_base;	/* global number of an app's first service */
	struct svc_rr *svcs;	/* per global service number */
	struct rr_ref *inst_rr;	/* per instance, at svcs[].inst_base */
	struct rr_ref *port_rr;	/* per port, at svcs[].port_base */
	unsigned int nerr;
	bool full;		/* ENF_DNS_MAX_NAMES reached, error printed */
};

/* ------------------------------------------------------------------------ */
/* Messages */

static void __attribute__((format(printf, 4, 5)))
zerr(struct zctx *cx, struct mf_pos pos, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (cx->nerr++ >= ZONE_MAX_ERRORS) {
		if (cx->nerr == ZONE_MAX_ERRORS + 1 && cx->errf)
			fprintf(cx->errf, "%s: too many zone errors, stopped after %d\n",
				cx->m->path, ZONE_MAX_ERRORS);
		return;
	}
	if (!cx->errf)
		return;
	fprintf(cx->errf, "%s:%d:%d: %s: ", manifest_pos_file(cx->m, pos), pos.line, pos.col,
		field);
	va_start(ap, fmt);
	vfprintf(cx->errf, fmt, ap);
	va_end(ap);
	fputc('\n', cx->errf);
}

const char *zone_view_name(const struct manifest *m, uint32_t view)
{
	return view && view < m->nnetworks ? m->networks[view].name : "rack";
}


/* "apps.A.services.S", "instance N of apps.A.services.S", ... */
static void describe(const struct zctx *cx, const struct ent_meta *e, char *buf, size_t len)
{
	const struct mf_app *a = &cx->m->apps[e->app];
	const struct mf_service *s = &a->services[e->svc];

	if (e->kind == K_INST)
		snprintf(buf, len, "instance %u of apps.%s.services.%s", e->idx, a->name, s->name);
	else if (e->kind == K_SRV)
		snprintf(buf, len, "the SRV records of apps.%s.services.%s", a->name, s->name);
	else
		snprintf(buf, len, "apps.%s.services.%s", a->name, s->name);
}

/* ------------------------------------------------------------------------ */
/* The (view, name) table */

static size_t slot_of(uint64_t hash, uint32_t view, size_t mask)
{
	uint64_t x = hash ^ ((uint64_t)view * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 29;
	return (size_t)x & mask;
}

/* Index of (view, wire) in z->names, or SIZE_MAX. */
static size_t lookup(const struct zctx *cx, uint32_t view, uint64_t hash, const uint8_t *wire,
		     size_t wire_len)
{
	size_t mask = cx->table_size - 1, s;

	if (!cx->table_size)
		return SIZE_MAX;
	for (s = slot_of(hash, view, mask);; s = (s + 1) & mask) {
		const struct zone_name *n;
		uint32_t v = cx->table[s];

		if (!v)
			return SIZE_MAX;
		n = &cx->z->names[v - 1];
		if (n->key.hash == hash && n->key.view == view && n->key.wire_len == wire_len &&
		    !memcmp(n->wire, wire, wire_len))
			return v - 1;
	}
}

static int table_grow(struct zctx *cx)
{
	size_t size = cx->table_size ? cx->table_size * 2 : 1024, i;
	uint32_t *t = calloc(size, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < cx->z->nnames; i++) {
		const struct zone_name *n = &cx->z->names[i];
		size_t s = slot_of(n->key.hash, n->key.view, size - 1);

		while (t[s])
			s = (s + 1) & (size - 1);
		t[s] = (uint32_t)(i + 1);
	}
	free(cx->table);
	cx->table = t;
	cx->table_size = size;
	return 0;
}

/* Append a name (not yet present); its index in *idx. */
static int add_name(struct zctx *cx, uint32_t view, const uint8_t *wire, size_t wire_len,
		    uint64_t hash, const struct enf_dns_name *val, const struct ent_meta *meta,
		    size_t *idx)
{
	struct zone_compiled *z = cx->z;
	struct zone_name *n;
	size_t s;

	if (z->nnames >= ENF_DNS_MAX_NAMES) {
		if (!cx->full) {
			char field[32];

			snprintf(field, sizeof(field), "zones[%u]", meta->tmpl);
			zerr(cx, cx->m->zones[meta->tmpl].pos, field,
			     "the zones have more than %d names (at most %d; use fewer templates, "
			     "services or instances)", ENF_DNS_MAX_NAMES, ENF_DNS_MAX_NAMES);
			cx->full = true;
		}
		return -EINVAL;
	}
	if (z->nnames == cx->cap_names) {
		size_t cap = cx->cap_names ? cx->cap_names * 2 : 256;
		struct zone_name *nn;
		struct ent_meta *nm;

		nn = realloc(z->names, cap * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		z->names = nn;
		nm = realloc(cx->meta, cap * sizeof(*nm));
		if (!nm)
			return -ENOMEM;
		cx->meta = nm;
		cx->cap_names = cap;
	}
	if ((z->nnames + 1) * 2 > cx->table_size && table_grow(cx))
		return -ENOMEM;
	n = &z->names[z->nnames];
	memset(n, 0, sizeof(*n));
	n->key.hash = hash;
	n->key.wire_len = (uint16_t)wire_len;
	n->key.view = view;
	n->val = *val;
	memcpy(n->wire, wire, wire_len);
	cx->meta[z->nnames] = *meta;
	for (s = slot_of(hash, view, cx->table_size - 1); cx->table[s];
	     s = (s + 1) & (cx->table_size - 1))
		;
	cx->table[s] = (uint32_t)(z->nnames + 1);
	*idx = z->nnames++;
	return 0;
}

/* A new, zeroed RRset of `pages` consecutive ids (ENF_DNS_MAX_RR records
 * each); its first id in *id. */
static int new_rrset(struct zctx *cx, uint32_t pages, uint32_t *id)
{
	struct zone_compiled *z = cx->z;
	size_t i;

	if (z->nrrsets + pages >= UINT32_MAX)
		return -EINVAL;
	if (z->nrrsets + pages > cx->cap_rrsets) {
		size_t cap = cx->cap_rrsets ? cx->cap_rrsets * 2 : 64;
		void *p;

		while (cap < z->nrrsets + pages)
			cap *= 2;
		p = realloc(z->a, cap * sizeof(*z->a));
		if (!p)
			return -ENOMEM;
		z->a = p;
		p = realloc(z->aaaa, cap * sizeof(*z->aaaa));
		if (!p)
			return -ENOMEM;
		z->aaaa = p;
		p = realloc(z->srv, cap * sizeof(*z->srv));
		if (!p)
			return -ENOMEM;
		z->srv = p;
		cx->cap_rrsets = cap;
	}
	for (i = z->nrrsets; i < z->nrrsets + pages; i++) {
		memset(&z->a[i], 0, sizeof(*z->a));
		memset(&z->aaaa[i], 0, sizeof(*z->aaaa));
		memset(&z->srv[i], 0, sizeof(*z->srv));
	}
	*id = (uint32_t)z->nrrsets;
	z->nrrsets += pages;
	return 0;
}

/* Record k of the RRset at `id`: page id + k / 32, slot k % 32. */
#define RR_A(z, id, k)		(&(z)->a[(id) + (k) / ENF_DNS_MAX_RR].addr[(k) % ENF_DNS_MAX_RR])
#define RR_AAAA(z, id, k)	((z)->aaaa[(id) + (k) / ENF_DNS_MAX_RR].addr[(k) % ENF_DNS_MAX_RR])
#define RR_SRV(z, id, k)	(&(z)->srv[(id) + (k) / ENF_DNS_MAX_RR].rr[(k) % ENF_DNS_MAX_RR])

/* ------------------------------------------------------------------------ */
/* Zones */

static int apex_of_template(struct zctx *cx, size_t ti, uint8_t *wire, size_t *wire_len)
{
	const struct manifest *m = cx->m;
	const char *t = m->zones[ti].tmpl;
	struct tmpl_fill f = { .rack = m->rack[0] ? m->rack : NULL };
	char field[32], text[ENF_DNS_MAX_NAME + 2];
	size_t start;

	snprintf(field, sizeof(field), "zones[%zu]", ti);
	if (!t || tmpl_apex(t, &cx->tmpls[ti].used, &start)) {
		zerr(cx, m->zones[ti].pos, field, "template '%s' has an unknown or unbalanced "
		     "placeholder (expected {service}, {type}, {app}, {rack}, {network} or "
		     "{index})", t ? t : "");
		return -EINVAL;
	}
	if (!(cx->tmpls[ti].used & TMPL_PER_APP)) {
		zerr(cx, m->zones[ti].pos, field, "template '%s' has no per-app placeholder "
		     "(expected {service}, {type}, {app}, {network} or {index} left of the "
		     "zone apex)", t);
		return -EINVAL;
	}
	if (!t[start] || tmpl_expand(t + start, strlen(t + start), &f, text, sizeof(text)) < 0 ||
	    dns_name_to_wire(text, wire, wire_len)) {
		zerr(cx, m->zones[ti].pos, field, "template '%s' has no valid zone apex "
		     "(expected static labels after the last placeholder, such as "
		     "{service}.internal)", t);
		return -EINVAL;
	}
	return 0;
}

static int add_zone(struct zctx *cx, size_t ti, const uint8_t *wire, size_t wire_len)
{
	const struct manifest *m = cx->m;
	struct zone_compiled *z = cx->z;
	uint16_t offs[ENF_DNS_MAX_LABELS];
	uint64_t hash = dns_wire_hash(wire, wire_len);
	char field[32], shown[DNS_TEXT_MAX];
	struct zone_apex *za;
	size_t i, nlabels = 0;

	for (i = 0; i < z->nzones; i++) {
		if (z->zones[i].key.hash == hash && z->zones[i].key.wire_len == wire_len &&
		    !memcmp(z->zones[i].wire, wire, wire_len)) {
			cx->tmpls[ti].zone = (uint16_t)i;
			return 0;
		}
	}
	snprintf(field, sizeof(field), "zones[%zu]", ti);
	dns_wire_show(wire, shown, sizeof(shown));
	if (z->nzones >= ENF_DNS_MAX_ZONES) {
		zerr(cx, m->zones[ti].pos, field, "zone apex '%s' would be zone %zu (at most %d "
		     "distinct zone apexes)", shown, z->nzones + 1, ENF_DNS_MAX_ZONES);
		return -EINVAL;
	}
	dns_wire_labels(wire, wire_len, offs, &nlabels);
	if (nlabels > ENF_DNS_MAX_ZONE_LABELS) {
		zerr(cx, m->zones[ti].pos, field, "zone apex '%s' has %zu labels (at most %d)",
		     shown, nlabels, ENF_DNS_MAX_ZONE_LABELS);
		return -EINVAL;
	}
	/* SOA RNAME hostmaster.<apex> must be a valid name too */
	if (wire_len + 11 > ENF_DNS_MAX_NAME) {
		zerr(cx, m->zones[ti].pos, field, "zone apex '%s' is too long for "
		     "hostmaster.<apex> (at most %d characters)", shown, ENF_DNS_MAX_NAME - 13);
		return -EINVAL;
	}
	za = &z->zones[z->nzones];
	memset(za, 0, sizeof(*za));
	za->key.hash = hash;
	za->key.wire_len = (uint16_t)wire_len;
	za->key.view = 0;
	memcpy(za->wire, wire, wire_len);
	za->val.zone_id = (uint16_t)z->nzones;
	za->val.labels = (uint8_t)nlabels;
	za->val.ttl = m->dns_ttl;
	za->val.refresh = SOA_REFRESH;
	za->val.retry = SOA_RETRY;
	za->val.expire = SOA_EXPIRE;
	za->val.minimum = m->dns_ttl;
	cx->tmpls[ti].zone = (uint16_t)z->nzones++;
	return 0;
}

/* "ns.<apex>" of zone zi in wire form. */
static size_t ns_wire(const struct zone_apex *za, uint8_t *wire)
{
	wire[0] = 2;
	wire[1] = 'n';
	wire[2] = 's';
	memcpy(wire + 3, za->wire, za->key.wire_len);
	return za->key.wire_len + 3u;
}

/* An RRset over ENF_DNS_MAX_RRSET records: the whole set could not be
 * answered even over TCP, and a partial one would hide instances. */
static void rr_too_many(struct zctx *cx, const char *field, const struct mf_pos *pos,
			const char *what, size_t n)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%zu %s: a DNS name answers at most %d records (one TCP "
		 "message); split the service", n, what, ENF_DNS_MAX_RRSET);
	if (pos) {
		zerr(cx, *pos, field, "%s", msg);
	} else {
		if (cx->nerr++ < ZONE_MAX_ERRORS && cx->errf)
			fprintf(cx->errf, "%s: %s: %s\n", cx->m->path, field, msg);
	}
}

/* The apex and ns.<apex> of every zone in view 0; ns has the resolvers. */
static int add_zone_infra(struct zctx *cx)
{
	const struct manifest *m = cx->m;
	struct zone_compiled *z = cx->z;
	uint32_t rrset = 0;
	uint16_t n4 = 0, n6 = 0;
	size_t zi, i, v4 = 0, v6 = 0;
	int err;

	for (i = 0; i < m->nresolvers; i++) {
		if (m->resolvers[i].family == ENF_AF_INET6)
			v6++;
		else
			v4++;
	}
	if (v4 > ENF_DNS_MAX_RRSET)
		rr_too_many(cx, "dns.resolvers", NULL, "IPv4 resolvers", v4);
	if (v6 > ENF_DNS_MAX_RRSET)
		rr_too_many(cx, "dns.resolvers", NULL, "IPv6 resolvers", v6);
	if (z->nzones && m->nresolvers && v4 <= ENF_DNS_MAX_RRSET && v6 <= ENF_DNS_MAX_RRSET) {
		err = new_rrset(cx, enf_dns_rrset_pages(v4, v6, 0), &rrset);
		if (err)
			return err;
		for (i = 0; i < m->nresolvers; i++) {
			const struct enf_addr *a = &m->resolvers[i];

			if (a->family == ENF_AF_INET6) {
				memcpy(RR_AAAA(z, rrset, n6), a->addr, 16);
				n6++;
			} else {
				memcpy(RR_A(z, rrset, n4), a->addr, 4);
				n4++;
			}
		}
	}
	for (zi = 0; zi < z->nzones; zi++) {
		const struct zone_apex *za = &z->zones[zi];
		struct ent_meta meta = { .kind = K_APEX };
		struct enf_dns_name val = {
			.network_id = ENF_DNS_ANY_NETWORK,
			.zone_id = (uint8_t)zi,
			.flags = ENF_DNS_NAME_APEX,
		};
		uint8_t wire[ENF_DNS_MAX_NAME + 3];
		size_t idx, len;

		for (i = 0; i < m->nzones; i++) {
			if (cx->tmpls[i].zone == zi) {
				meta.tmpl = (uint32_t)i;
				break;
			}
		}
		/* a nested zone's apex can be another zone's ns.<apex> */
		if (lookup(cx, 0, za->key.hash, za->wire, za->key.wire_len) != SIZE_MAX) {
			char field[32], shown[DNS_TEXT_MAX];

			snprintf(field, sizeof(field), "zones[%u]", meta.tmpl);
			zerr(cx, m->zones[meta.tmpl].pos, field, "zone apex '%s' is also the name "
			     "server name of another zone (ns.<apex> is reserved; change the "
			     "templates)", dns_wire_show(za->wire, shown, sizeof(shown)));
			continue;
		}
		err = add_name(cx, 0, za->wire, za->key.wire_len, za->key.hash, &val, &meta,
			       &idx);
		if (err)
			return err;
		len = ns_wire(za, wire);
		if (len > ENF_DNS_MAX_NAME)
			continue;	/* excluded by the hostmaster check in add_zone */
		meta.kind = K_NS;
		val.flags = 0;
		val.rrset_id = rrset;
		val.n_a = n4;
		val.n_aaaa = n6;
		if (lookup(cx, 0, dns_wire_hash(wire, len), wire, len) != SIZE_MAX) {
			char field[32], shown[DNS_TEXT_MAX];

			snprintf(field, sizeof(field), "zones[%u]", meta.tmpl);
			zerr(cx, m->zones[meta.tmpl].pos, field, "the name server name '%s' is "
			     "also the apex of another zone (ns.<apex> is reserved; change the "
			     "templates)", dns_wire_show(wire, shown, sizeof(shown)));
			continue;
		}
		err = add_name(cx, 0, wire, len, dns_wire_hash(wire, len), &val, &meta, &idx);
		if (err)
			return err;
	}
	return 0;
}

/* Apex and ns.<apex> of zone zi in view `view` (an isolated network). */
static int ensure_zone_in_view(struct zctx *cx, uint16_t zi, uint32_t view)
{
	const struct zone_apex *za = &cx->z->zones[zi];
	uint8_t wire[ENF_DNS_MAX_NAME + 3];
	size_t len, idx, src;
	int err;

	if (lookup(cx, view, za->key.hash, za->wire, za->key.wire_len) != SIZE_MAX)
		return 0;
	src = lookup(cx, 0, za->key.hash, za->wire, za->key.wire_len);
	if (src == SIZE_MAX)
		return 0;	/* an error was reported for this apex */
	{
		struct enf_dns_name val = cx->z->names[src].val;
		struct ent_meta meta = cx->meta[src];

		err = add_name(cx, view, za->wire, za->key.wire_len, za->key.hash, &val, &meta,
			       &idx);
		if (err)
			return err;
	}
	len = ns_wire(za, wire);
	src = lookup(cx, 0, dns_wire_hash(wire, len), wire, len);
	if (src != SIZE_MAX && lookup(cx, view, dns_wire_hash(wire, len), wire, len) == SIZE_MAX) {
		struct enf_dns_name val = cx->z->names[src].val;
		struct ent_meta meta = cx->meta[src];

		err = add_name(cx, view, wire, len, dns_wire_hash(wire, len), &val, &meta, &idx);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Data names */

struct name_src {
	size_t app;
	size_t svc;
	size_t tmpl;
	uint32_t view;
};

static bool same_source(const struct ent_meta *a, const struct ent_meta *b)
{
	return a->kind == b->kind && a->app == b->app && a->svc == b->svc && a->idx == b->idx;
}

/* Build the RRset of a data name's source (once per source, so warnings are
 * not repeated per template); rrset_id 0 when there is nothing. */
static int build_rrset(struct zctx *cx, const struct ent_meta *meta, struct enf_dns_name *val)
{
	const struct mf_app *a = &cx->m->apps[meta->app];
	const struct mf_service *s = &a->services[meta->svc];
	struct zone_compiled *z = cx->z;
	size_t i, v4 = 0, v6 = 0;
	char field[2 * MF_NAME_MAX + 24];
	uint32_t id;
	int err;

	snprintf(field, sizeof(field), "apps.%s.services.%s", a->name, s->name);
	switch (meta->kind) {
	case K_SVC:
		if (!s->has_vip && !s->ninstances)
			return 0;
		if (s->has_vip) {
			err = new_rrset(cx, 1, &id);
			if (err)
				return err;
			if (s->vip.family == ENF_AF_INET6)
				memcpy(RR_AAAA(z, id, 0), s->vip.addr, 16);
			else
				memcpy(RR_A(z, id, 0), s->vip.addr, 4);
			if (s->vip.family == ENF_AF_INET6)
				val->n_aaaa = 1;
			else
				val->n_a = 1;
			break;
		}
		for (i = 0; i < s->ninstances; i++) {
			if (s->instances[i].addr.family == ENF_AF_INET6)
				v6++;
			else
				v4++;
		}
		if (v4 > ENF_DNS_MAX_RRSET || v6 > ENF_DNS_MAX_RRSET) {
			rr_too_many(cx, field, &s->pos, v4 > ENF_DNS_MAX_RRSET ? "IPv4 instances" :
				    "IPv6 instances", v4 > ENF_DNS_MAX_RRSET ? v4 : v6);
			return 0;
		}
		err = new_rrset(cx, enf_dns_rrset_pages(v4, v6, 0), &id);
		if (err)
			return err;
		for (i = 0; i < s->ninstances; i++) {
			const struct enf_addr *ad = &s->instances[i].addr;

			if (ad->family == ENF_AF_INET6) {
				memcpy(RR_AAAA(z, id, val->n_aaaa), ad->addr, 16);
				val->n_aaaa++;
			} else {
				memcpy(RR_A(z, id, val->n_a), ad->addr, 4);
				val->n_a++;
			}
		}
		break;
	case K_INST: {
		const struct enf_addr *ad = &s->instances[meta->idx - 1].addr;

		err = new_rrset(cx, 1, &id);
		if (err)
			return err;
		if (ad->family == ENF_AF_INET6) {
			memcpy(RR_AAAA(z, id, 0), ad->addr, 16);
			val->n_aaaa = 1;
		} else {
			memcpy(RR_A(z, id, 0), ad->addr, 4);
			val->n_a = 1;
		}
		break;
	}
	case K_SRV:
		if (s->ninstances > ENF_DNS_MAX_RRSET) {
			rr_too_many(cx, field, &s->pos, "instances for SRV", s->ninstances);
			return 0;
		}
		err = new_rrset(cx, enf_dns_rrset_pages(0, 0, s->ninstances), &id);
		if (err)
			return err;
		for (i = 0; i < s->ninstances; i++) {
			struct enf_dns_srv_rr *rr = RR_SRV(z, id, val->n_srv);
			char num[8];
			int l = snprintf(num, sizeof(num), "%zu", i + 1);

			val->n_srv++;
			rr->priority = 0;
			rr->weight = 0;
			rr->port = htons(s->ports[meta->idx].port);
			rr->label_len = (uint8_t)l;
			memcpy(rr->label, num, (size_t)l);
		}
		break;
	default:
		return 0;
	}
	val->rrset_id = id;
	if (s->has_health && !s->publish_not_ready &&
	    (meta->kind == K_SRV || (meta->kind == K_SVC && !s->has_vip))) {
		uint32_t spare, pages = enf_dns_rrset_pages(val->n_a, val->n_aaaa, val->n_srv), p;

		err = new_rrset(cx, pages, &spare);	/* always id + pages: see zone.h */
		if (err)
			return err;
		for (p = 0; p < pages; p++) {
			z->a[spare + p] = z->a[id + p];
			z->aaaa[spare + p] = z->aaaa[id + p];
			z->srv[spare + p] = z->srv[id + p];
		}
		if (meta->kind == K_SVC)
			z->svc_rrset[cx->svc_base[meta->app] + meta->svc] = id;
		else
			z->port_rrset[cx->svcs[cx->svc_base[meta->app] + meta->svc].port_base +
				      meta->idx] = id;
	}
	return 0;
}

/*
 * Whether the whole SRV RRset of `n` records under the name `wire` fits one
 * TCP message as the program writes it: header, the question, per record a
 * pointer owner, type, class, TTL, length, priority, weight, port, the
 * instance label and the target written out in full (the name minus its
 * "_port._proto." labels), and an OPT.
 */
static bool srv_fits_tcp(const uint8_t *wire, size_t wire_len, uint32_t n)
{
	size_t target = wire_len, size = 12 + wire_len + 4 + 11, i;

	for (i = 0; i < 2 && target > 1; i++)
		target -= 1 + wire[wire_len - target];
	for (i = 1; i <= n && size <= 65535; i++)
		size += 2 + 10 + 6 + 1 + (i < 10 ? 1 : i < 100 ? 2 : i < 1000 ? 3 : 4) + target;
	return size <= 65535;
}

/* The RRset of a data name: the one of its source, built on first use. */
static int fill_rrset(struct zctx *cx, const struct ent_meta *meta, struct enf_dns_name *val)
{
	size_t gsvc = cx->svc_base[meta->app] + meta->svc;
	struct svc_rr *sr = &cx->svcs[gsvc];
	struct rr_ref *ref;
	int err;

	switch (meta->kind) {
	case K_SVC:
		ref = &sr->svc;
		break;
	case K_INST:
		ref = &cx->inst_rr[sr->inst_base + meta->idx - 1];
		break;
	case K_SRV:
		ref = &cx->port_rr[sr->port_base + meta->idx];
		break;
	default:
		return 0;
	}
	if (!ref->built) {
		struct enf_dns_name v = { 0 };

		err = build_rrset(cx, meta, &v);
		if (err)
			return err;
		ref->built = true;
		ref->id = v.rrset_id;
		ref->n_a = v.n_a;
		ref->n_aaaa = v.n_aaaa;
		ref->n_srv = v.n_srv;
	}
	val->rrset_id = ref->id;
	val->n_a = ref->n_a;
	val->n_aaaa = ref->n_aaaa;
	val->n_srv = ref->n_srv;
	return 0;
}

/*
 * Add one data name; merges the same source. A clash is reported and
 * returns 1: the caller skips the rest of that service's names from that
 * template, which would only repeat the same clash.
 */
static int add_data(struct zctx *cx, const struct name_src *src, const struct ent_meta *meta,
		    const uint8_t *wire, size_t wire_len)
{
	const struct manifest *m = cx->m;
	const struct mf_app *a = &m->apps[src->app];
	const struct mf_service *s = &a->services[src->svc];
	uint16_t offs[ENF_DNS_MAX_LABELS];
	uint64_t sh[ENF_DNS_MAX_LABELS + 1];
	char field[2 * MF_NAME_MAX + 24], shown[DNS_TEXT_MAX], what[3 * MF_NAME_MAX + 48];
	char cur[3 * MF_NAME_MAX + 48];
	struct enf_dns_name val = { .network_id = (uint32_t)a->network };
	size_t nl, i, at, idx;
	uint16_t zone = cx->tmpls[src->tmpl].zone;
	int err;

	if (dns_wire_labels(wire, wire_len, offs, &nl))
		return -EINVAL;
	dns_suffix_hashes(wire, offs, nl, sh);
	snprintf(field, sizeof(field), "apps.%s.services.%s", a->name, s->name);
	dns_wire_show(wire, shown, sizeof(shown));

	/* zone infrastructure lives in view 0 and is never data */
	at = lookup(cx, 0, sh[0], wire, wire_len);
	if (at != SIZE_MAX && (cx->meta[at].kind == K_APEX || cx->meta[at].kind == K_NS)) {
		const struct zone_apex *za = &cx->z->zones[cx->z->names[at].val.zone_id];
		char apex[DNS_TEXT_MAX];

		dns_wire_show(za->wire, apex, sizeof(apex));
		if (cx->meta[at].kind == K_NS)
			zerr(cx, s->pos, field, "'%s' from zones[%zu] is the name server name of "
			     "zone %s (ns.<apex> is reserved for dns.resolvers; rename the "
			     "service or change the template)", shown, src->tmpl, apex);
		else
			zerr(cx, s->pos, field, "'%s' from zones[%zu] is the apex of zone %s (an "
			     "apex holds only SOA and NS; rename the service or change the "
			     "templates)", shown, src->tmpl, apex);
		return 1;
	}
	at = lookup(cx, src->view, sh[0], wire, wire_len);
	if (at != SIZE_MAX) {
		const struct ent_meta *old = &cx->meta[at];
		const struct mf_service *os;

		if (same_source(old, meta))
			return 0;
		os = &m->apps[old->app].services[old->svc];
		describe(cx, old, what, sizeof(what));
		describe(cx, meta, cur, sizeof(cur));
		zerr(cx, s->pos, field, "'%s' from zones[%zu] would name both %s (line %d%s%s) "
		     "and %s in view %s (names must be unique within a view; rename one of "
		     "them or change the templates)", shown, src->tmpl, what, os->pos.line,
		     m->nfiles > 1 ? " of " : "", m->nfiles > 1 ? manifest_pos_file(m, os->pos) : "",
		     cur,
		     zone_view_name(m, src->view));
		return 1;
	}
	/* the deepest zone apex above the name */
	for (i = 1; i < nl; i++) {
		at = lookup(cx, 0, sh[i], wire + offs[i], wire_len - offs[i]);
		if (at != SIZE_MAX && cx->meta[at].kind == K_APEX) {
			zone = cx->z->names[at].val.zone_id;
			break;
		}
	}
	val.zone_id = zone;
	err = fill_rrset(cx, meta, &val);
	if (err)
		return err;
	if (meta->kind == K_SRV && val.n_srv && !srv_fits_tcp(wire, wire_len, val.n_srv)) {
		zerr(cx, s->pos, field, "'%s' from zones[%zu]: %u SRV records with targets of "
		     "this length do not fit one TCP message (65,535 bytes), so the whole set "
		     "could not be answered; split the service or shorten the names", shown,
		     src->tmpl, val.n_srv);
		return 1;
	}
	err = add_name(cx, src->view, wire, wire_len, sh[0], &val, meta, &idx);
	if (err)
		return err;
	if (src->view)
		return ensure_zone_in_view(cx, zone, src->view);
	return 0;
}

/* label + wire -> wire; false if it would exceed 255 octets. */
static bool prepend(const char *label, const uint8_t *wire, size_t wire_len, uint8_t *out,
		    size_t *out_len)
{
	size_t l = strlen(label);

	if (!l || l > 63 || 1 + l + wire_len > ENF_DNS_MAX_NAME)
		return false;
	out[0] = (uint8_t)l;
	memcpy(out + 1, label, l);
	memcpy(out + 1 + l, wire, wire_len);
	*out_len = 1 + l + wire_len;
	return true;
}

static const char *proto_label(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "_tcp";
	case IPPROTO_UDP:
		return "_udp";
	case IPPROTO_SCTP:
		return "_sctp";
	default:
		return NULL;
	}
}

static int bad_name(struct zctx *cx, const struct name_src *src, const char *text)
{
	const struct mf_app *a = &cx->m->apps[src->app];
	char field[32];

	snprintf(field, sizeof(field), "zones[%zu]", src->tmpl);
	zerr(cx, cx->m->zones[src->tmpl].pos, field, "the name '%.80s' for apps.%s.services.%s "
	     "is not a valid DNS name (labels of 1-63 characters, at most 253 in all)", text,
	     a->name, a->services[src->svc].name);
	return 0;
}

/* Every name one template gives one service. */
static int service_names(struct zctx *cx, const struct name_src *src)
{
	const struct manifest *m = cx->m;
	const struct mf_app *a = &m->apps[src->app];
	const struct mf_service *s = &a->services[src->svc];
	const char *t = m->zones[src->tmpl].tmpl;
	unsigned int used = cx->tmpls[src->tmpl].used;
	struct tmpl_fill f = {
		.svc = s->name,
		.app = a->name,
		.net = m->networks[a->network].name,
		.rack = m->rack[0] ? m->rack : NULL,
	};
	struct ent_meta meta = {
		.app = (uint32_t)src->app,
		.svc = (uint32_t)src->svc,
		.tmpl = (uint32_t)src->tmpl,
	};
	uint8_t wire[ENF_DNS_MAX_NAME], iw[ENF_DNS_MAX_NAME], sw[ENF_DNS_MAX_NAME];
	char text[ENF_DNS_MAX_NAME + 2], num[24];
	size_t wl, iwl, swl, i;
	int err;

	if (!tmpl_names_instances_implicitly(used)) {
		meta.kind = K_INST;
		for (i = 1; i <= s->ninstances; i++) {
			f.index = i;
			if (tmpl_expand(t, strlen(t), &f, text, sizeof(text)) < 0 ||
			    dns_name_to_wire(text, wire, &wl))
				return bad_name(cx, src, text);
			meta.idx = (uint32_t)i;
			err = add_data(cx, src, &meta, wire, wl);
			if (err)
				return err < 0 ? err : 0;
		}
		return 0;
	}
	if (tmpl_expand(t, strlen(t), &f, text, sizeof(text)) < 0 ||
	    dns_name_to_wire(text, wire, &wl))
		return bad_name(cx, src, text);
	meta.kind = K_SVC;
	err = add_data(cx, src, &meta, wire, wl);
	if (err)
		return err < 0 ? err : 0;
	meta.kind = K_INST;
	for (i = 1; i <= s->ninstances; i++) {
		snprintf(num, sizeof(num), "%zu", i);
		if (!prepend(num, wire, wl, iw, &iwl))
			return bad_name(cx, src, text);
		meta.idx = (uint32_t)i;
		err = add_data(cx, src, &meta, iw, iwl);
		if (err)
			return err < 0 ? err : 0;
	}
	if (!s->ninstances)
		return 0;
	meta.kind = K_SRV;
	for (i = 0; i < s->nports; i++) {
		const char *proto = proto_label(s->ports[i].proto);
		char field[2 * MF_NAME_MAX + 24];

		snprintf(num, sizeof(num), "_%u", s->ports[i].port);
		if (!proto || !prepend(proto, wire, wl, iw, &iwl) ||
		    !prepend(num, iw, iwl, sw, &swl)) {
			snprintf(field, sizeof(field), "apps.%s.services.%s", a->name, s->name);
			if (cx->errf)
				fprintf(cx->errf, "%s:%d:%d: %s: warning: no SRV name for port %u "
					"under %s from zones[%zu] (longer than 255 octets)\n",
					manifest_pos_file(m, s->pos), s->pos.line, s->pos.col, field,
					s->ports[i].port,
					text, src->tmpl);
			continue;
		}
		meta.idx = (uint32_t)i;
		err = add_data(cx, src, &meta, sw, swl);
		if (err)
			return err < 0 ? err : 0;
	}
	return 0;
}

static int data_names(struct zctx *cx)
{
	const struct manifest *m = cx->m;
	size_t ti, ai, si;
	int err;

	for (ti = 0; ti < m->nzones; ti++) {
		for (ai = 0; ai < m->napps; ai++) {
			const struct mf_app *a = &m->apps[ai];
			uint32_t view = 0;

			if (a->network < m->nnetworks && m->networks[a->network].isolated)
				view = (uint32_t)a->network;
			if (a->network >= m->nnetworks || !a->name[0])
				continue;
			for (si = 0; si < a->nservices; si++) {
				struct name_src src = { ai, si, ti, view };

				if (!tmpl_names_service(cx->tmpls[ti].used, a->services[si].name))
					continue;
				if (!a->services[si].name[0])
					continue;
				err = service_names(cx, &src);
				if (err)
					return err;
				if (cx->nerr > ZONE_MAX_ERRORS)
					return 0;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Empty non-terminals */

static int ent_names(struct zctx *cx)
{
	size_t n = cx->z->nnames, i;
	int err;

	for (i = 0; i < n; i++) {
		const struct zone_name *name = &cx->z->names[i];
		const struct zone_apex *za;
		uint16_t offs[ENF_DNS_MAX_LABELS];
		uint64_t sh[ENF_DNS_MAX_LABELS + 1];
		uint8_t wire[ENF_DNS_MAX_NAME];
		uint32_t view = name->key.view, net;
		size_t nl, l, wl = name->key.wire_len;
		uint16_t zone = name->val.zone_id;

		if (cx->meta[i].kind != K_SVC && cx->meta[i].kind != K_INST &&
		    cx->meta[i].kind != K_SRV)
			continue;
		/* names[] may move while ENTs are added */
		memcpy(wire, name->wire, wl);
		net = name->val.network_id;
		za = &cx->z->zones[zone];
		if (dns_wire_labels(wire, wl, offs, &nl))
			continue;
		dns_suffix_hashes(wire, offs, nl, sh);
		for (l = 1; l < nl && wl - offs[l] > za->key.wire_len; l++) {
			/* An empty non-terminal is as visible as the name below it:
			 * in view 0 a source must be admitted to that name's
			 * network, or the ENT would reveal app and port names. */
			struct enf_dns_name val = {
				.network_id = net,
				.zone_id = zone,
			};
			struct ent_meta meta = cx->meta[i];
			size_t idx;

			if (lookup(cx, view, sh[l], wire + offs[l], wl - offs[l]) != SIZE_MAX)
				break;	/* it and everything above it exist */
			meta.kind = K_ENT;
			err = add_name(cx, view, wire + offs[l], wl - offs[l], sh[l], &val, &meta,
				       &idx);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Compile */

int zone_name_cmp(const void *pa, const void *pb)
{
	const struct zone_name *a = pa, *b = pb;

	if (a->key.view != b->key.view)
		return a->key.view < b->key.view ? -1 : 1;
	if (a->val.zone_id != b->val.zone_id)
		return a->val.zone_id < b->val.zone_id ? -1 : 1;
	return dns_wire_canon_cmp(a->wire, a->key.wire_len, b->wire, b->key.wire_len);
}

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV64_PRIME;
	return h;
}

uint64_t zone_layout_digest(const struct zone_compiled *z)
{
	uint64_t h = FNV64_OFFSET, n = z->nrrsets;
	size_t i;

	h = fnv(h, &n, sizeof(n));
	for (i = 0; i < z->nnames; i++) {
		h = fnv(h, &z->names[i].key, sizeof(z->names[i].key));
		h = fnv(h, &z->names[i].val, sizeof(z->names[i].val));
	}
	if (z->nsvc_rrset)
		h = fnv(h, z->svc_rrset, z->nsvc_rrset * sizeof(*z->svc_rrset));
	if (z->nport_rrset)
		h = fnv(h, z->port_rrset, z->nport_rrset * sizeof(*z->port_rrset));
	return h ? h : 1;
}

bool zone_follows_health(const struct zone_compiled *z)
{
	size_t i;

	for (i = 0; i < z->nsvc_rrset; i++)
		if (z->svc_rrset[i])
			return true;
	for (i = 0; i < z->nport_rrset; i++)
		if (z->port_rrset[i])
			return true;
	return false;
}

void zone_free(struct zone_compiled *z)
{
	if (!z)
		return;
	free(z->zones);
	free(z->names);
	free(z->a);
	free(z->aaaa);
	free(z->srv);
	free(z->svc_rrset);
	free(z->port_rrset);
	memset(z, 0, sizeof(*z));
}

int zone_compile(const struct manifest *m, uint32_t serial, struct zone_compiled *out,
		 FILE *errf)
{
	struct zctx cx = { .m = m, .errf = errf, .z = out };
	size_t ti, i, j, nsvc = 0, ninst = 0, nports = 0;
	uint32_t id0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->ttl = m->dns_ttl;
	cx.tmpls = calloc(m->nzones ? m->nzones : 1, sizeof(*cx.tmpls));
	cx.svc_base = calloc(m->napps ? m->napps : 1, sizeof(*cx.svc_base));
	for (i = 0; i < m->napps; i++) {
		if (cx.svc_base)
			cx.svc_base[i] = nsvc;
		nsvc += m->apps[i].nservices;
	}
	cx.svcs = calloc(nsvc ? nsvc : 1, sizeof(*cx.svcs));
	for (i = 0, nsvc = 0; cx.svcs && i < m->napps; i++) {
		for (j = 0; j < m->apps[i].nservices; j++, nsvc++) {
			cx.svcs[nsvc].inst_base = ninst;
			cx.svcs[nsvc].port_base = nports;
			ninst += m->apps[i].services[j].ninstances;
			nports += m->apps[i].services[j].nports;
		}
	}
	cx.inst_rr = calloc(ninst ? ninst : 1, sizeof(*cx.inst_rr));
	cx.port_rr = calloc(nports ? nports : 1, sizeof(*cx.port_rr));
	out->svc_rrset = calloc(nsvc ? nsvc : 1, sizeof(*out->svc_rrset));
	out->port_rrset = calloc(nports ? nports : 1, sizeof(*out->port_rrset));
	out->nsvc_rrset = nsvc;
	out->nport_rrset = nports;
	out->zones = calloc(m->nzones < ENF_DNS_MAX_ZONES ? (m->nzones ? m->nzones : 1) :
			    ENF_DNS_MAX_ZONES, sizeof(*out->zones));
	if (!cx.tmpls || !cx.svc_base || !cx.svcs || !cx.inst_rr || !cx.port_rr ||
	    !out->zones || !out->svc_rrset || !out->port_rrset) {
		err = -ENOMEM;
		goto out;
	}
	err = new_rrset(&cx, 1, &id0);	/* [0]: "no data" */
	if (err)
		goto out;
	for (ti = 0; ti < m->nzones; ti++) {
		uint8_t wire[ENF_DNS_MAX_NAME];
		size_t wl;

		if (apex_of_template(&cx, ti, wire, &wl) || add_zone(&cx, ti, wire, wl))
			goto out;
	}
	err = add_zone_infra(&cx);
	if (!err && !cx.nerr)
		err = data_names(&cx);
	if (!err && !cx.nerr)
		err = ent_names(&cx);
	if (err || cx.nerr)
		goto out;
	if (out->nnames)
		qsort(out->names, out->nnames, sizeof(*out->names), zone_name_cmp);
	for (i = 0; i < out->nzones; i++)
		out->zones[i].val.serial = serial;
out:
	if (err == -ENOMEM && errf)
		fprintf(errf, "%s: cannot compile zones: %s\n", m->path, strerror(ENOMEM));
	if (!err && cx.nerr)
		err = -EINVAL;
	if (err)
		zone_free(out);
	free(cx.tmpls);
	free(cx.svc_base);
	free(cx.svcs);
	free(cx.inst_rr);
	free(cx.port_rr);
	free(cx.meta);
	free(cx.table);
	return err;
}

