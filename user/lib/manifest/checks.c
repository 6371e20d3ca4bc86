// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rules across fields, run after the whole tree is read: what the zone
 * templates name (it fits DNS, no name stands for two services of one
 * network), addresses shared between networks, frontends, internal_only.
 * Sorting instead of comparing pairs keeps them linear in the manifest.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "template.h"

#include "internal.h"
#include "names.h"

/* ------------------------------------------------------------------------ */
/* Cross-reference records */

/* Room for one more record in an array that doubles; false (out of
 * memory, the walk stops) when there is none. */
bool mf_grow(struct ctx *c, void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t nc;
	void *p;

	if (n < *cap)
		return true;
	nc = *cap ? *cap * 2 : first;
	p = realloc(*v, nc * size);
	if (!p) {
		c->oom = true;
		c->stop = true;
		return false;
	}
	*v = p;
	*cap = nc;
	return true;
}

bool mf_add_addr_rec(struct ctx *c, const struct enf_addr *a, size_t app, size_t svc,
		     size_t idx, int kind, struct mf_pos pos)
{
	if (!mf_grow(c, (void **)&c->addrs, c->naddrs, &c->caddrs, sizeof(*c->addrs), 64))
		return false;
	c->addrs[c->naddrs] = (struct addr_rec){ .addr = *a, .app = app, .svc = svc,
						 .idx = idx, .kind = kind, .pos = pos,
						 .seq = c->naddrs };
	c->naddrs++;
	return true;
}

bool mf_add_fe_rec(struct ctx *c, const struct mf_frontend *f, size_t app, size_t svc,
		   size_t idx)
{
	if (!mf_grow(c, (void **)&c->fes, c->nfes, &c->cfes, sizeof(*c->fes), 16))
		return false;
	c->fes[c->nfes] = (struct fe_rec){ .addr = f->addr, .port = f->port, .proto = f->proto,
					   .app = app, .svc = svc, .idx = idx, .pos = f->pos,
					   .seq = c->nfes };
	c->nfes++;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Zone names */

static size_t ndigits(size_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Length checks of one expanded name; false (after one error) if too long. */
/* A name for a message, {index} shown as N. */
static void zone_show(char *dst, size_t sz, const char *name)
{
	size_t k;

	mf_sanitize(dst, sz, name, strlen(name));
	for (k = 0; dst[k]; k++)
		if (dst[k] == '?')
			dst[k] = 'N';
}

static bool zone_name_fits(struct ctx *c, size_t zi, const char *name, size_t instances,
			   const struct mf_app *a, const struct mf_service *s)
{
	const struct mf_zone *z = &c->m->zones[zi];
	size_t idx = ndigits(instances ? instances : 1), total = 0, label = 0, i;
	char field[32], shown[MF_SHOW_MAX], what[160];

	snprintf(field, sizeof(field), "zones[%zu]", zi);
	snprintf(what, sizeof(what), "apps.%s.services.%s", a->name, s->name);
	for (i = 0;; i++) {
		if (name[i] == '.' || !name[i]) {
			if (label > MF_DNS_LABEL_MAX) {
				zone_show(shown, sizeof(shown), name);
				mf_err_at(c, z->pos, field, "the name '%s' for %s has a label of %zu "
				       "characters (at most 63)", shown, what, label);
				return false;
			}
			if (!name[i])
				break;
			label = 0;
			total++;
			continue;
		}
		label += name[i] == IDX_MARK ? idx : 1;
		total += name[i] == IDX_MARK ? idx : 1;
	}
	/* templates without {index} also yield N.<name> per instance */
	if (tmpl_names_instances_implicitly(c->zone_used[zi]) && instances)
		total += idx + 1;
	if (total > MF_DNS_NAME_MAX) {
		zone_show(shown, sizeof(shown), name);
		mf_err_at(c, z->pos, field, "names for %s are up to %zu characters long, such as '%s' "
		       "(at most 253)", what, total, shown);
		return false;
	}
	return true;
}

static int zone_name_cmp(const void *a, const void *b)
{
	const struct checked_name *x = a, *y = b;

	return mf_cmp(x->net, y->net) ?: strcmp(x->name, y->name) ?: mf_cmp(x->zone, y->zone) ?:
	       mf_cmp(x->app, y->app) ?: mf_cmp(x->svc, y->svc);
}

/*
 * Expand every template for every service it can name: each name must fit
 * DNS limits, and no name may stand for two services of one network (split
 * horizon keeps networks apart, nothing keeps two apps of one network apart).
 */
void mf_check_zones(struct ctx *c)
{
	struct manifest *m = c->m;
	size_t zi, ai, si, nnames = 0, cap = 0, i;
	struct checked_name *names = NULL;
	const size_t bufsz = MF_ZONE_MAX * 16;
	char *buf;

	if (!m->nzones || !m->networks)
		return;
	for (zi = 0; zi < m->nzones; zi++) {
		if ((c->zone_used[zi] & TMPL_RACK) && !m->rack[0]) {
			char field[32];

			snprintf(field, sizeof(field), "zones[%zu]", zi);
			mf_err_at(c, m->zones[zi].pos, field, "cannot fill {rack}: rack is not set "
			       "(add rack: NAME at the top level)");
			c->zone_used[zi] = 0;
		}
	}
	buf = malloc(bufsz);
	if (!buf) {
		c->oom = true;
		return;
	}
	for (zi = 0; zi < m->nzones && !c->stop; zi++) {
		unsigned int used = c->zone_used[zi];

		if (!used)
			continue;
		for (ai = 0; ai < m->napps && !c->stop; ai++) {
			const struct mf_app *a = &m->apps[ai];
			size_t ni = a->network < m->nnetworks ? a->network : 0;
			const char *net = m->networks[ni].name;

			for (si = 0; si < a->nservices && !c->stop; si++) {
				const struct mf_service *s = &a->services[si];

				struct tmpl_fill fill = { .svc = s->name, .app = a->name,
							  .net = net, .rack = m->rack,
							  .index_text = IDX_MARK_STR };

				if (!tmpl_names_service(used, s->name))
					continue;
				/* entries whose key was unusable (already an error) */
				if (!a->name[0] || !s->name[0])
					continue;
				/* cannot fail: the buffer holds any expansion */
				tmpl_expand(m->zones[zi].tmpl, strlen(m->zones[zi].tmpl), &fill, buf,
					    bufsz);
				if (!zone_name_fits(c, zi, buf, s->ninstances, a, s)) {
					ai = m->napps;	/* one error per template */
					break;
				}
				if (!mf_grow(c, (void **)&names, nnames, &cap, sizeof(*names), 64))
					break;
				names[nnames].name = strdup(buf);
				if (!names[nnames].name) {
					c->oom = c->stop = true;
					break;
				}
				names[nnames].net = a->network;
				names[nnames].app = ai;
				names[nnames].svc = si;
				names[nnames].zone = zi;
				nnames++;
			}
		}
	}
	free(buf);
	if (nnames)
		qsort(names, nnames, sizeof(*names), zone_name_cmp);
	for (i = 1; i < nnames && !c->stop; i++) {
		struct checked_name *x = &names[i - 1], *y = &names[i];
		char field[32], shown[MF_SHOW_MAX];

		if (x->net != y->net || strcmp(x->name, y->name) ||
		    (x->app == y->app && x->svc == y->svc))
			continue;
		zone_show(shown, sizeof(shown), y->name);
		snprintf(field, sizeof(field), "zones[%zu]", y->zone);
		mf_err_at(c, m->zones[y->zone].pos, field,
		       "'%s' would name both apps.%s.services.%s and apps.%s.services.%s in "
		       "network %s (names must be unique within a network)", shown,
		       m->apps[x->app].name, m->apps[x->app].services[x->svc].name,
		       m->apps[y->app].name, m->apps[y->app].services[y->svc].name,
		       m->networks[y->net].name);
	}
	for (i = 0; i < nnames; i++)
		free(names[i].name);
	free(names);
}

/* ------------------------------------------------------------------------ */
/* Cross-service checks */

static int addr_rec_cmp(const void *a, const void *b)
{
	const struct addr_rec *x = a, *y = b;

	return addr_cmp(&x->addr, &y->addr) ?: mf_cmp(x->seq, y->seq);
}

static int fe_rec_cmp(const void *a, const void *b)
{
	const struct fe_rec *x = a, *y = b;

	return addr_cmp(&x->addr, &y->addr) ?: mf_cmp(x->port, y->port) ?:
	       mf_cmp(x->proto, y->proto) ?: mf_cmp(x->seq, y->seq);
}

static void rec_field(const struct manifest *m, char *buf, size_t sz, size_t app, size_t svc,
		      const char *what, size_t idx, bool indexed)
{
	if (indexed)
		snprintf(buf, sz, "apps.%s.services.%s.%s[%zu]", m->apps[app].name,
			 m->apps[app].services[svc].name, what, idx);
	else
		snprintf(buf, sz, "apps.%s.services.%s.%s", m->apps[app].name,
			 m->apps[app].services[svc].name, what);
}

static size_t svc_network(const struct manifest *m, size_t app)
{
	return m->apps[app].network;
}

void mf_check_addresses(struct ctx *c)
{
	struct manifest *m = c->m;
	char field[256], abuf[INET6_ADDRSTRLEN];
	size_t i, first = 0;

	if (c->naddrs)
		qsort(c->addrs, c->naddrs, sizeof(*c->addrs), addr_rec_cmp);
	for (i = 1; i < c->naddrs && !c->stop; i++) {
		const struct addr_rec *f, *r = &c->addrs[i];

		if (addr_cmp(&c->addrs[first].addr, &r->addr)) {
			first = i;
			continue;
		}
		f = &c->addrs[first];
		rec_field(m, field, sizeof(field), r->app, r->svc,
			  r->kind == ADDR_VIP ? "vip" : "instances", r->idx, r->kind != ADDR_VIP);
		if (f->app == r->app && f->svc == r->svc) {
			if (f->kind == ADDR_INSTANCE && r->kind == ADDR_INSTANCE)
				mf_err_at(c, r->pos, field, "%s is listed twice (first at %s)",
				       addr_format(&r->addr, abuf, sizeof(abuf)), mf_line_ref(c, f->pos));
		} else if (svc_network(m, f->app) != svc_network(m, r->app)) {
			mf_err_at(c, r->pos, field, "%s is also used by apps.%s.services.%s (%s) "
			       "in network %s (an address belongs to one network)",
			       addr_format(&r->addr, abuf, sizeof(abuf)), m->apps[f->app].name,
			       m->apps[f->app].services[f->svc].name, mf_line_ref(c, f->pos),
			       m->networks[svc_network(m, f->app)].name);
		}
	}

	if (c->nfes)
		qsort(c->fes, c->nfes, sizeof(*c->fes), fe_rec_cmp);
	for (i = 0; i < c->nfes && !c->stop; i++) {
		const struct fe_rec *r = &c->fes[i];
		const struct addr_rec *hit;
		size_t lo = 0, hi = c->naddrs;

		rec_field(m, field, sizeof(field), r->app, r->svc, "frontends", r->idx, true);
		if (i && !addr_cmp(&c->fes[i - 1].addr, &r->addr) &&
		    c->fes[i - 1].port == r->port && c->fes[i - 1].proto == r->proto) {
			const struct fe_rec *f = &c->fes[i - 1];

			mf_err_at(c, r->pos, field, "%s:%u/%s is already a frontend of "
			       "apps.%s.services.%s (%s; each address:port/protocol once)",
			       addr_format(&r->addr, abuf, sizeof(abuf)), r->port, enf_proto_name(r->proto),
			       m->apps[f->app].name, m->apps[f->app].services[f->svc].name,
			       mf_line_ref(c, f->pos));
		}
		/* lower bound of the address in the sorted records */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (addr_cmp(&c->addrs[mid].addr, &r->addr) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < c->naddrs && !addr_cmp(&c->addrs[lo].addr, &r->addr)) {
			hit = &c->addrs[lo];
			mf_err_at(c, r->pos, field, "%s is %s of apps.%s.services.%s (%s; a "
			       "frontend is a node, external or load-balancer address)",
			       addr_format(&r->addr, abuf, sizeof(abuf)),
			       hit->kind == ADDR_VIP ? "the VIP" : "an instance address",
			       m->apps[hit->app].name, m->apps[hit->app].services[hit->svc].name,
			       mf_line_ref(c, hit->pos));
		}
	}
}

void mf_check_internal_only(struct ctx *c)
{
	struct manifest *m = c->m;
	char field[160];
	size_t ai, si;

	if (!m->internal_only)
		return;
	for (ai = 0; ai < m->napps; ai++) {
		for (si = 0; si < m->apps[ai].nservices; si++) {
			const struct mf_service *s = &m->apps[ai].services[si];

			if (!s->is_public || !m->apps[ai].name[0] || !s->name[0])
				continue;
			snprintf(field, sizeof(field), "apps.%s.services.%s", m->apps[ai].name,
				 s->name);
			mf_err_at(c, s->pos, field, "public service not allowed when internal_only is "
			       "true (%s)", s->internal_and_external ?
			       "remove internalAndExternal: true" : "set internal: true");
		}
	}
}

