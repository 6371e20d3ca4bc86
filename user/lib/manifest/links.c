// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * links: what a service links to, resolved once every app is read (a link
 * may name a service written further down, or in another file of a
 * directory) and checked:
 *
 *  - SERVICE names a service of the same app, APP/SERVICE one of any app;
 *  - not the service itself, each service once;
 *  - the linked service has a TCP port (the URL `enforcer env` makes names
 *    its first one);
 *  - no two links of a service set the same variable (a/api and b/api
 *    would both be API_URL);
 *  - a link into another network that is isolated needs every instance of
 *    the linking service in that network's cidrs or peers: otherwise the
 *    name answers NXDOMAIN to it and its packets are dropped, and the link
 *    could never work. A link is a name, not a permission: it admits
 *    nothing.
 *
 * Lookups sort instead of comparing pairs, as the other cross-field checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "addr.h"
#include "suggest.h"

#include "internal.h"

bool mf_add_link_rec(struct ctx *c, const struct link_rec *r)
{
	if (!mf_grow(c, (void **)&c->links, c->nlinks, &c->clinks, sizeof(*c->links), 16))
		return false;
	c->links[c->nlinks++] = *r;
	return true;
}

void manifest_link_var(const char *svc, char *out)
{
	size_t i;

	for (i = 0; svc[i] && i < MF_NAME_MAX - 1; i++) {
		char ch = svc[i];

		out[i] = ch == '-' ? '_' : (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
	}
	memcpy(out + i, "_URL", 5);
}

uint16_t manifest_first_tcp_port(const struct mf_service *s)
{
	size_t i;

	for (i = 0; i < s->nports; i++)
		if (s->ports[i].proto == IPPROTO_TCP)
			return s->ports[i].port;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Lookups */

struct svc_ref {
	const char *app;
	const char *svc;
	size_t ai, si;
};

static int svc_ref_cmp(const void *a, const void *b)
{
	const struct svc_ref *x = a, *y = b;

	return strcmp(x->app, y->app) ?: strcmp(x->svc, y->svc) ?: mf_cmp(x->ai, y->ai) ?:
	       mf_cmp(x->si, y->si);
}

/* The first of the services named app/svc (names are unique once valid). */
static const struct svc_ref *find_svc(const struct svc_ref *v, size_t n, const char *app,
				      const char *svc)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(v[mid].app, app) ?: strcmp(v[mid].svc, svc);

		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(v[lo].app, app) && !strcmp(v[lo].svc, svc) ? &v[lo] : NULL;
}

/* The app named `name`, or SIZE_MAX: from the services' index, else (an
 * app without services, or none: the link is an error either way, and
 * errors stop at MF_MAX_ERRORS) by a walk over the apps. */
static size_t find_app(const struct manifest *m, const struct svc_ref *v, size_t n,
		       const char *name)
{
	size_t lo = 0, hi = n, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v[mid].app, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && !strcmp(v[lo].app, name))
		return v[lo].ai;
	for (i = 0; i < m->napps; i++)
		if (m->apps[i].name[0] && !strcmp(m->apps[i].name, name))
			return i;
	return SIZE_MAX;
}

/* "a, b, c" into buf, cut with ", ..." where it would not fit. */
struct name_list {
	char buf[200];
	size_t len;
	bool cut;
};

static void list_add(struct name_list *l, const char *name)
{
	size_t need = strlen(name) + (l->len ? 2 : 0);

	if (l->cut || !name[0])
		return;
	if (l->len + need + 5 >= sizeof(l->buf)) {
		memcpy(l->buf + l->len, ", ...", 6);
		l->len += 5;
		l->cut = true;
		return;
	}
	l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s",
				   l->len ? ", " : "", name);
}

/* ------------------------------------------------------------------------ */
/* The checks */

static void link_field(const struct manifest *m, const struct link_rec *r, char *buf, size_t sz)
{
	snprintf(buf, sz, "apps.%s.services.%s.links[%zu]", m->apps[r->app].name,
		 m->apps[r->app].services[r->svc].name, r->idx);
}

static void unknown_app(struct ctx *c, const struct link_rec *r, const char *field)
{
	const struct manifest *m = c->m;
	struct name_list l = {};
	struct suggest s;
	size_t i;

	suggest_init(&s, r->to_app);
	for (i = 0; i < m->napps; i++) {
		suggest_add(&s, m->apps[i].name);
		list_add(&l, m->apps[i].name);
	}
	if (s.best)
		mf_err_at(c, r->pos, field, "unknown app %s (did you mean %s? apps: %s)",
			  mf_show(c, r->to_app), s.best, l.buf);
	else
		mf_err_at(c, r->pos, field, "unknown app %s (apps: %s)", mf_show(c, r->to_app),
			  l.buf);
}

static void unknown_svc(struct ctx *c, const struct link_rec *r, size_t ai, const char *field)
{
	const struct mf_app *a = &c->m->apps[ai];
	struct name_list l = {};
	struct suggest s;
	size_t i;

	if (!a->nservices) {
		mf_err_at(c, r->pos, field, "unknown service %s in app %s (it has no services)",
			  mf_show(c, r->to_svc), a->name);
		return;
	}
	suggest_init(&s, r->to_svc);
	for (i = 0; i < a->nservices; i++) {
		suggest_add(&s, a->services[i].name);
		list_add(&l, a->services[i].name);
	}
	if (s.best)
		mf_err_at(c, r->pos, field, "unknown service %s in app %s (did you mean %s? "
			  "services: %s)", mf_show(c, r->to_svc), a->name, s.best, l.buf);
	else
		mf_err_at(c, r->pos, field, "unknown service %s in app %s (services: %s)",
			  mf_show(c, r->to_svc), a->name, l.buf);
}

static bool in_cidr(const struct enf_addr *a, const struct mf_cidr *p)
{
	unsigned int full = p->plen / 8, rest = p->plen % 8;

	if (a->family != p->addr.family)
		return false;
	if (memcmp(a->addr, p->addr.addr, full))
		return false;
	return !rest || !((a->addr[full] ^ p->addr.addr[full]) & (0xff00 >> rest));
}

static bool in_cidrs(const struct enf_addr *a, const struct mf_cidr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (in_cidr(a, &l->v[i]))
			return true;
	return false;
}

/* A link from r's service into the network of app `ta`: false after an
 * error when that network is isolated and does not admit the linking
 * service's instances (an expiry of a cidr is not considered). */
static bool network_admits(struct ctx *c, const struct link_rec *r, size_t ta, const char *field)
{
	const struct manifest *m = c->m;
	const struct mf_service *s = &m->apps[r->app].services[r->svc];
	const struct mf_network *net;
	char abuf[ADDR_STRLEN];
	size_t i;

	if (m->apps[ta].network == m->apps[r->app].network || m->apps[ta].network >= m->nnetworks)
		return true;
	net = &m->networks[m->apps[ta].network];
	if (!net->isolated)
		return true;
	if (!s->ninstances) {
		mf_err_at(c, r->pos, field, "%s/%s is in isolated network %s, which admits no "
			  "source of this service (it lists no instances; list them, inside "
			  "networks.%s cidrs or peers, or remove the link)", m->apps[ta].name,
			  r->to_svc, net->name, net->name);
		return false;
	}
	for (i = 0; i < s->ninstances; i++) {
		const struct enf_addr *a = &s->instances[i].addr;

		if (in_cidrs(a, &net->cidrs) || in_cidrs(a, &net->peers))
			continue;
		mf_err_at(c, r->pos, field, "%s/%s is in isolated network %s, which does not "
			  "admit %s (an instance of this service; add it to networks.%s cidrs or "
			  "peers, or remove the link)", m->apps[ta].name, r->to_svc, net->name,
			  addr_format(a, abuf, sizeof(abuf)), net->name);
		return false;
	}
	return true;
}

/* Resolves one link; false after an error. */
static bool resolve(struct ctx *c, struct link_rec *r, const struct svc_ref *refs, size_t nrefs)
{
	const struct manifest *m = c->m;
	const struct svc_ref *hit;
	char field[256];
	size_t ta = r->app;
	uint16_t port;

	link_field(m, r, field, sizeof(field));
	if (r->to_app[0] && (ta = find_app(m, refs, nrefs, r->to_app)) == SIZE_MAX) {
		unknown_app(c, r, field);
		return false;
	}
	hit = find_svc(refs, nrefs, m->apps[ta].name, r->to_svc);
	if (!hit) {
		unknown_svc(c, r, ta, field);
		return false;
	}
	r->ta = hit->ai;
	r->ts = hit->si;
	if (r->ta == r->app && r->ts == r->svc) {
		mf_err_at(c, r->pos, field, "a link to the service itself (a service needs no "
			  "link to reach itself)");
		return false;
	}
	port = manifest_first_tcp_port(&m->apps[r->ta].services[r->ts]);
	if (!port) {
		mf_err_at(c, r->pos, field, "cannot make a URL for %s/%s: it has no TCP port (a "
			  "link's URL names the first TCP port; give it port: N, or remove the "
			  "link)", m->apps[r->ta].name, r->to_svc);
		return false;
	}
	if (!network_admits(c, r, r->ta, field))
		return false;
	manifest_link_var(r->to_svc, r->var);
	return true;
}

/* Orders of the resolved links: per linking service, by what they link to
 * (duplicates), by the variable they set (clashes), as written (model). */
static int by_target(const void *a, const void *b)
{
	const struct link_rec *x = a, *y = b;

	return mf_cmp(x->app, y->app) ?: mf_cmp(x->svc, y->svc) ?: mf_cmp(x->ta, y->ta) ?:
	       mf_cmp(x->ts, y->ts) ?: mf_cmp(x->idx, y->idx);
}

static int by_var(const void *a, const void *b)
{
	const struct link_rec *x = a, *y = b;

	return mf_cmp(x->app, y->app) ?: mf_cmp(x->svc, y->svc) ?: strcmp(x->var, y->var) ?:
	       mf_cmp(x->idx, y->idx);
}

static int by_place(const void *a, const void *b)
{
	const struct link_rec *x = a, *y = b;

	return mf_cmp(x->app, y->app) ?: mf_cmp(x->svc, y->svc) ?: mf_cmp(x->idx, y->idx);
}

static bool same_owner(const struct link_rec *x, const struct link_rec *y)
{
	return x->app == y->app && x->svc == y->svc;
}

/* Twice the same service, then two services that set one variable. */
static void check_pairs(struct ctx *c, struct link_rec *v, size_t n)
{
	const struct manifest *m = c->m;
	char field[256];
	size_t i, first;

	qsort(v, n, sizeof(*v), by_target);
	for (i = 1, first = 0; i < n; i++) {
		struct link_rec *x = &v[first], *y = &v[i];

		if (!y->ok || !same_owner(x, y) || x->ta != y->ta || x->ts != y->ts) {
			first = i;
			continue;
		}
		link_field(m, y, field, sizeof(field));
		mf_err_at(c, y->pos, field, "link to %s/%s is listed twice (first at %s; each "
			  "service once)", m->apps[y->ta].name, y->to_svc, mf_line_ref(c, x->pos));
		y->ok = false;
	}
	qsort(v, n, sizeof(*v), by_var);
	for (i = 1, first = 0; i < n; i++) {
		struct link_rec *x = &v[first], *y = &v[i];

		if (!y->ok)
			continue;
		if (!x->ok || !same_owner(x, y) || strcmp(x->var, y->var)) {
			first = i;
			continue;
		}
		link_field(m, y, field, sizeof(field));
		mf_err_at(c, y->pos, field, "link to %s/%s would set %s, as the link to %s/%s does "
			  "(%s; each variable once)", m->apps[y->ta].name, y->to_svc, y->var,
			  m->apps[x->ta].name, x->to_svc, mf_line_ref(c, x->pos));
		y->ok = false;
	}
}

void mf_check_links(struct ctx *c)
{
	struct manifest *m = c->m;
	struct svc_ref *refs;
	size_t nrefs = 0, i, j;

	if (!c->nlinks)
		return;
	for (i = 0; i < m->napps; i++)
		nrefs += m->apps[i].nservices;
	refs = mf_xcalloc(c, nrefs ? nrefs : 1, sizeof(*refs));
	if (!refs)
		return;
	for (i = 0, nrefs = 0; i < m->napps; i++) {
		for (j = 0; j < m->apps[i].nservices; j++) {
			/* entries whose key was unusable (already an error) */
			if (!m->apps[i].name[0] || !m->apps[i].services[j].name[0])
				continue;
			refs[nrefs++] = (struct svc_ref){ m->apps[i].name,
							  m->apps[i].services[j].name, i, j };
		}
	}
	qsort(refs, nrefs, sizeof(*refs), svc_ref_cmp);
	for (i = 0; i < c->nlinks && !c->stop; i++) {
		struct link_rec *r = &c->links[i];

		r->ok = resolve(c, r, refs, nrefs);
		if (!r->ok)
			r->ta = r->ts = SIZE_MAX;	/* out of the pairs below */
	}
	free(refs);
	check_pairs(c, c->links, c->nlinks);
	/* the model: each service's links as written (thrown away after any
	 * error, so only whole lists matter) */
	qsort(c->links, c->nlinks, sizeof(*c->links), by_place);
	for (i = 0; i < c->nlinks; i++) {
		const struct link_rec *r = &c->links[i];
		struct mf_service *s = &m->apps[r->app].services[r->svc];

		if (r->ok && s->links)
			s->links[s->nlinks++] = (struct mf_link){ .app = r->ta, .svc = r->ts,
								   .pos = r->pos };
	}
}
