// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The schema walk: each level of the manifest knows its keys, so a typo is
 * an error instead of a silently ignored (and weaker) policy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "template.h"

#include "internal.h"
#include "names.h"

/* ------------------------------------------------------------------------ */
/* Services */

static const char *const svc_keys[] = {
	"port", "ports", "internal", "internalAndExternal", "vip", "frontends", "instances",
	"health", "publish_not_ready", "links",
};

enum { SK_PORT, SK_PORTS, SK_INTERNAL, SK_IAE, SK_VIP, SK_FRONTENDS, SK_INSTANCES, SK_HEALTH,
       SK_PNR, SK_LINKS };

static void add_port(struct ctx *c, yaml_node_t *n, struct mf_service *s, uint16_t port,
		     uint8_t proto)
{
	size_t i;

	for (i = 0; i < s->nports; i++) {
		if (s->ports[i].port == port && s->ports[i].proto == proto) {
			mf_err_node(c, n, "port %u/%s is listed twice (each port/protocol once)", port,
				 enf_proto_name(proto));
			return;
		}
	}
	s->ports[s->nports].port = port;
	s->ports[s->nports].proto = proto;
	s->nports++;
}

static void parse_ports(struct ctx *c, yaml_node_t *port, yaml_node_t *ports,
			struct mf_service *s)
{
	yaml_node_item_t *items = NULL;
	size_t count = 0, i, old;
	unsigned long v;

	if (ports) {
		old = mf_path_key(c, "ports");
		if (!mf_want_seq(c, ports, "a list of ports such as [3000/tcp, 53/udp]", &items,
			      &count))
			count = 0;
		mf_path_pop(c, old);
	}
	if (!port && !count)
		return;
	s->ports = mf_xcalloc(c, count + 1, sizeof(*s->ports));
	if (!s->ports)
		return;
	if (port) {
		old = mf_path_key(c, "port");
		if (port->type == YAML_SCALAR_NODE && !mf_is_null(port) && strchr(mf_sval(port), '/')) {
			mf_visit(c, port);
			mf_err_node(c, port, "invalid port %s (expected a TCP port number 1..65535; "
				 "use ports: for N/udp or N/sctp)",
				 mf_show_n(c, mf_sval(port), port->data.scalar.length));
		} else if (mf_get_uint(c, port, 1, 65535, &v)) {
			add_port(c, port, s, (uint16_t)v, IPPROTO_TCP);
		}
		mf_path_pop(c, old);
	}
	old = mf_path_key(c, "ports");
	for (i = 0; i < count && !c->stop; i++) {
		yaml_node_t *e = mf_node(c, items[i]);
		size_t o = mf_path_idx(c, i);
		const char *str;
		uint16_t pn;
		uint8_t proto;

		if (e && (str = mf_want_str(c, e, "a port such as 3000/tcp")) &&
		    mf_port_spec_error(c, e, str, mf_parse_port_spec(str, &pn, &proto)))
			add_port(c, e, s, pn, proto);
		mf_path_pop(c, o);
	}
	mf_path_pop(c, old);
}

static void parse_instances(struct ctx *c, yaml_node_t *n, struct mf_service *s, size_t app,
			    size_t svc)
{
	yaml_node_item_t *items;
	size_t count, i, old = mf_path_key(c, "instances");

	if (mf_want_seq(c, n, "a list of addresses", &items, &count) && count) {
		s->instances = mf_xcalloc(c, count, sizeof(*s->instances));
		for (i = 0; s->instances && i < count && !c->stop; i++) {
			yaml_node_t *e = mf_node(c, items[i]);
			size_t o = mf_path_idx(c, i);
			struct mf_instance *in = &s->instances[s->ninstances];

			if (e && mf_get_addr(c, e, &in->addr)) {
				in->pos = mf_node_pos(c, e);
				mf_add_addr_rec(c, &in->addr, app, svc, i, ADDR_INSTANCE, in->pos);
				s->ninstances++;
			}
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

/* "ADDR:PORT[/PROTO]", IPv6 as "[ADDR]:PORT[/PROTO]". */
static bool parse_frontend(struct ctx *c, yaml_node_t *n, const char *s, struct mf_frontend *f)
{
	char abuf[INET6_ADDRSTRLEN + 1];
	const char *a = s, *end, *rest;
	size_t alen;
	int r;

	if (s[0] == '[') {
		a = s + 1;
		end = strchr(a, ']');
		if (!end || end[1] != ':')
			goto bad;
		rest = end + 2;
	} else {
		end = strchr(s, ':');
		if (!end)
			goto bad;
		if (strchr(end + 1, ':')) {
			mf_err_node(c, n, "invalid frontend %s (write an IPv6 frontend as "
				 "[ADDR]:PORT/PROTO)", mf_show(c, s));
			return false;
		}
		rest = end + 1;
	}
	alen = (size_t)(end - a);
	if (alen >= sizeof(abuf))
		goto bad;
	memcpy(abuf, a, alen);
	abuf[alen] = '\0';
	if (!addr_parse(abuf, &f->addr) || (s[0] == '[') != (f->addr.family == ENF_AF_INET6))
		goto bad;
	if (!addr_is_host(&f->addr)) {
		mf_err_node(c, n, "%s is not a host address (expected a unicast address, not "
			 "unspecified, broadcast or multicast)", mf_show(c, s));
		return false;
	}
	r = mf_parse_port_spec(rest, &f->port, &f->proto);
	if (r == -1)
		goto bad;
	return mf_port_spec_error(c, n, s, r);
bad:
	mf_err_node(c, n, "invalid frontend %s (expected ADDR:PORT[/PROTO] such as "
		 "192.0.2.10:30080/tcp, IPv6 as [ADDR]:PORT[/PROTO])", mf_show(c, s));
	return false;
}

static void parse_frontends(struct ctx *c, yaml_node_t *n, struct mf_service *s, size_t app,
			    size_t svc)
{
	yaml_node_item_t *items;
	size_t count, i, old = mf_path_key(c, "frontends");

	if (mf_want_seq(c, n, "a list of ADDR:PORT/PROTO", &items, &count) && count) {
		s->frontends = mf_xcalloc(c, count, sizeof(*s->frontends));
		for (i = 0; s->frontends && i < count && !c->stop; i++) {
			yaml_node_t *e = mf_node(c, items[i]);
			size_t o = mf_path_idx(c, i);
			struct mf_frontend *f = &s->frontends[s->nfrontends];
			const char *str;

			if (e && (str = mf_want_str(c, e, "ADDR:PORT/PROTO"))) {
				f->pos = mf_node_pos(c, e);
				if (parse_frontend(c, e, str, f)) {
					mf_add_fe_rec(c, f, app, svc, i);
					s->nfrontends++;
				}
			}
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

static bool health_path_ok(const char *p)
{
	size_t len = strlen(p);

	if (p[0] != '/' || len >= MF_HEALTH_MAX)
		return false;
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* health: a path (HTTP GET on the first TCP port) or { port, path,
 * interval, timeout, healthy, unhealthy }; without a path the probe is a
 * TCP connect. Defaults as Convox's health checks: every 5 s. */
enum { HK_PORT, HK_PATH, HK_INTERVAL, HK_TIMEOUT, HK_HEALTHY, HK_UNHEALTHY, HK_MAX };
static const char *const health_keys[HK_MAX] = {
	"port", "path", "interval", "timeout", "healthy", "unhealthy",
};

static bool health_uint(struct ctx *c, yaml_node_t *n, const char *key, unsigned long max,
			uint16_t *out)
{
	unsigned long v;
	size_t o;
	bool ok;

	if (!n)
		return true;
	o = mf_path_key(c, key);
	ok = mf_get_uint(c, n, 1, max, &v);
	mf_path_pop(c, o);
	if (ok)
		*out = (uint16_t)v;
	return ok;
}

static void parse_health(struct ctx *c, yaml_node_t *n, struct mf_service *s)
{
	yaml_node_t *v[HK_MAX] = { NULL };
	struct mf_health h = {
		.interval = MF_HEALTH_INTERVAL,
		.timeout = MF_HEALTH_TIMEOUT,
		.healthy = MF_HEALTH_THRESHOLD,
		.unhealthy = MF_HEALTH_THRESHOLD,
	};
	const char *path = NULL;
	size_t old = mf_path_key(c, "health"), o;
	unsigned long port = 0;
	bool ok = true;
	size_t i;

	if (n->type == YAML_SCALAR_NODE) {
		path = mf_want_str(c, n, "a path such as /health");
		ok = path != NULL;
		if (path && !health_path_ok(path)) {
			mf_err_node(c, n, "invalid health path %s (expected an HTTP path starting "
				 "with '/', no spaces, under %d characters)", mf_show(c, path),
				 MF_HEALTH_MAX);
			ok = false;
		}
	} else if (mf_get_fields(c, n, "a path or { port, path, interval, timeout, healthy, "
				 "unhealthy }", health_keys, HK_MAX, v, NULL)) {
		if (v[HK_PORT]) {
			o = mf_path_key(c, "port");
			ok = mf_get_uint(c, v[HK_PORT], 1, 65535, &port);
			mf_path_pop(c, o);
		}
		if (v[HK_PATH]) {
			o = mf_path_key(c, "path");
			path = mf_want_str(c, v[HK_PATH], "a path such as /health");
			if (!path) {
				ok = false;
			} else if (!health_path_ok(path)) {
				mf_err_node(c, v[HK_PATH], "invalid health path %s (expected an HTTP "
					 "path starting with '/', no spaces, under %d characters)",
					 mf_show(c, path), MF_HEALTH_MAX);
				ok = false;
			}
			mf_path_pop(c, o);
		}
		ok &= health_uint(c, v[HK_INTERVAL], "interval", 3600, &h.interval);
		ok &= health_uint(c, v[HK_TIMEOUT], "timeout", 3600, &h.timeout);
		ok &= health_uint(c, v[HK_HEALTHY], "healthy", 100, &h.healthy);
		ok &= health_uint(c, v[HK_UNHEALTHY], "unhealthy", 100, &h.unhealthy);
		if (ok && !v[HK_TIMEOUT] && h.timeout > h.interval)
			h.timeout = h.interval;
		if (ok && h.timeout > h.interval) {
			o = mf_path_key(c, "timeout");
			mf_err_node(c, v[HK_TIMEOUT], "timeout %u s is longer than the interval "
				 "%u s (a probe must end before the next one starts)", h.timeout,
				 h.interval);
			mf_path_pop(c, o);
			ok = false;
		}
	} else {
		ok = false;
	}
	if (ok && !port) {
		/* the probe needs TCP: the first TCP port of the service */
		for (i = 0; i < s->nports && !port; i++)
			if (s->ports[i].proto == IPPROTO_TCP)
				port = s->ports[i].port;
		if (!port) {
			mf_err_node(c, n, "no TCP port to probe (give health: { port: N } or a TCP "
				 "port in port:/ports:)");
			ok = false;
		}
	}
	if (ok) {
		h.port = (uint16_t)port;
		h.path = path ? mf_xstrdup(c, path) : NULL;
		s->health = h;
		s->has_health = !path || h.path;
	}
	mf_path_pop(c, old);
}

/* One name of a link ("api", or either half of "backend/api"), normalised. */
static bool link_name(struct ctx *c, yaml_node_t *n, const char *part, size_t len,
		      char out[MF_NAME_MAX])
{
	char *raw = strndup(part, len);
	bool ok;

	if (!raw) {
		c->oom = c->stop = true;
		return false;
	}
	ok = mf_norm_name(c, n, raw, out);
	free(raw);
	return ok;
}

/* One entry of links:, SERVICE or APP/SERVICE, into r; false after an error. */
static bool parse_link(struct ctx *c, yaml_node_t *e, struct link_rec *r)
{
	const char *str = mf_want_str(c, e, "a service name such as api or APP/SERVICE");
	const char *slash;
	bool ok;

	if (!str)
		return false;
	r->pos = mf_node_pos(c, e);
	slash = strchr(str, '/');
	if (slash && (slash == str || !slash[1] || strchr(slash + 1, '/'))) {
		mf_err_node(c, e, "invalid link %s (expected SERVICE or APP/SERVICE)",
			    mf_show(c, str));
		return false;
	}
	if (!slash)
		return link_name(c, e, str, strlen(str), r->to_svc);
	ok = link_name(c, e, str, (size_t)(slash - str), r->to_app);
	ok &= link_name(c, e, slash + 1, strlen(slash + 1), r->to_svc);
	return ok;
}

/* links: [SERVICE, APP/SERVICE, ...], kept as written until every app is
 * read (links.c resolves and checks them). */
static void parse_links(struct ctx *c, yaml_node_t *n, struct mf_service *s, size_t app,
			size_t svc)
{
	yaml_node_item_t *items;
	size_t count, i, old = mf_path_key(c, "links");

	if (mf_want_seq(c, n, "a list of services such as [api, backend/db]", &items, &count) &&
	    count) {
		s->links = mf_xcalloc(c, count, sizeof(*s->links));
		for (i = 0; s->links && i < count && !c->stop; i++) {
			yaml_node_t *e = mf_node(c, items[i]);
			size_t o = mf_path_idx(c, i);
			struct link_rec r = { .app = app, .svc = svc, .idx = i };

			if (e && parse_link(c, e, &r))
				mf_add_link_rec(c, &r);
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

static void parse_service(struct ctx *c, const struct named *e, struct mf_service *s,
			  size_t app, size_t svc)
{
	yaml_node_t *v[ARRAY_LEN(svc_keys)], *k[ARRAY_LEN(svc_keys)];
	size_t old;

	s->pos = mf_node_pos(c, e->key);
	memcpy(s->name, e->name, sizeof(s->name));
	if (!mf_get_fields(c, e->val, "a service mapping (port, ports, internal, instances, ...)",
			svc_keys, ARRAY_LEN(svc_keys), v, k))
		return;
	parse_ports(c, v[SK_PORT], v[SK_PORTS], s);
	mf_get_bool(c, v[SK_INTERNAL], "internal", &s->internal);
	mf_get_bool(c, v[SK_IAE], "internalAndExternal", &s->internal_and_external);
	mf_get_bool(c, v[SK_PNR], "publish_not_ready", &s->publish_not_ready);
	if (v[SK_VIP]) {
		old = mf_path_key(c, "vip");
		if (mf_get_addr(c, v[SK_VIP], &s->vip)) {
			s->has_vip = true;
			mf_add_addr_rec(c, &s->vip, app, svc, 0, ADDR_VIP, mf_node_pos(c, v[SK_VIP]));
		}
		mf_path_pop(c, old);
	}
	if (v[SK_INSTANCES])
		parse_instances(c, v[SK_INSTANCES], s, app, svc);
	if (v[SK_FRONTENDS])
		parse_frontends(c, v[SK_FRONTENDS], s, app, svc);
	if (v[SK_HEALTH] && !mf_is_null(v[SK_HEALTH]))
		parse_health(c, v[SK_HEALTH], s);
	if (v[SK_LINKS])
		parse_links(c, v[SK_LINKS], s, app, svc);
	if (s->internal_and_external && !s->nports && !v[SK_PORT] && !v[SK_PORTS]) {
		old = mf_path_key(c, "internalAndExternal");
		mf_err_node(c, k[SK_IAE], "nothing to expose: the service has no port (add port: or "
			 "ports:, or remove internalAndExternal)");
		mf_path_pop(c, old);
	}
	s->is_public = s->nports > 0 && (!s->internal || s->internal_and_external);
}

/* ------------------------------------------------------------------------ */
/* Apps and networks */

static const char *const app_keys[] = { "network", "trusted", "services" };

static int net_ptr_cmp(const void *a, const void *b)
{
	const struct mf_network *x = *(const struct mf_network *const *)a;
	const struct mf_network *y = *(const struct mf_network *const *)b;

	/* equal names (an error already reported) resolve to the first */
	return strcmp(x->name, y->name) ?: mf_cmp(x, y);
}

static int net_name_cmp(const void *key, const void *elem)
{
	const struct mf_network *x = *(const struct mf_network *const *)key;
	const struct mf_network *y = *(const struct mf_network *const *)elem;

	return strcmp(x->name, y->name);
}

static void parse_app_network(struct ctx *c, yaml_node_t *n, struct mf_app *a)
{
	struct manifest *m = c->m;
	char name[MF_NAME_MAX], list[256];
	const char *raw;
	size_t i, o = 0, old = mf_path_key(c, "network");

	raw = mf_want_str(c, n, "a network name");
	if (raw && mf_norm_name(c, n, raw, name)) {
		struct mf_network key, *kp = &key;
		const struct mf_network **hit = NULL;

		memcpy(key.name, name, sizeof(key.name));
		if (c->net_sorted)
			hit = bsearch(&kp, c->net_sorted, m->nnetworks, sizeof(*c->net_sorted),
				      net_name_cmp);
		if (hit) {
			a->network = (size_t)(*hit - m->networks);
		} else {
			list[0] = '\0';
			for (i = 0; i < m->nnetworks && o < sizeof(list); i++) {
				snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
					 m->networks[i].name);
				o = strlen(list);
			}
			mf_err_node(c, n, "unknown network %s (declared under networks: %s)",
				 mf_show(c, raw), list);
		}
	}
	mf_path_pop(c, old);
}

static void parse_app(struct ctx *c, const struct named *e, struct mf_app *a, size_t ai)
{
	yaml_node_t *v[ARRAY_LEN(app_keys)];
	struct named *svcs;
	size_t n, i, old;

	a->pos = mf_node_pos(c, e->key);
	memcpy(a->name, e->name, sizeof(a->name));
	if (!mf_get_fields(c, e->val, "an app mapping (network, trusted, services)", app_keys,
			ARRAY_LEN(app_keys), v, NULL))
		return;
	if (v[0])
		parse_app_network(c, v[0], a);
	mf_parse_cidr_list(c, v[1], "trusted", &a->trusted);
	if (!v[2])
		return;
	old = mf_path_key(c, "services");
	svcs = mf_named_entries(c, v[2], "a mapping of service names to services", &n);
	c->nservices += n;
	if (svcs && c->nservices > MF_MAX_SERVICES) {
		mf_err_node(c, v[2], "more than %d services in the manifest (the data plane's limit)",
			 MF_MAX_SERVICES);
		c->stop = true;
	} else if (svcs) {
		a->services = mf_xcalloc(c, n, sizeof(*a->services));
		if (a->services)
			a->nservices = n;
		for (i = 0; a->services && i < n && !c->stop; i++) {
			size_t o;

			if (!svcs[i].raw)
				continue;
			o = mf_path_named(c, &svcs[i]);
			parse_service(c, &svcs[i], &a->services[i], ai, i);
			mf_path_pop(c, o);
		}
	}
	free(svcs);
	mf_path_pop(c, old);
}

static void parse_apps(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	struct named *apps;
	size_t cnt, i, old = mf_path_key(c, "apps");

	apps = mf_named_entries(c, n, "a mapping of app names to apps", &cnt);
	if (apps) {
		m->apps = mf_xcalloc(c, cnt, sizeof(*m->apps));
		if (m->apps)
			m->napps = cnt;
		for (i = 0; m->apps && i < cnt && !c->stop; i++) {
			size_t o;

			if (!apps[i].raw)
				continue;
			o = mf_path_named(c, &apps[i]);
			parse_app(c, &apps[i], &m->apps[i], i);
			mf_path_pop(c, o);
		}
		free(apps);
	}
	mf_path_pop(c, old);
}

static const char *const net_keys[] = { "isolated", "cidrs", "peers" };

static void parse_networks(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	struct named *nets = NULL;
	size_t cnt = 0, i, old = mf_path_key(c, "networks");

	if (n)
		nets = mf_named_entries(c, n, "a mapping of network names to networks", &cnt);
	m->networks = mf_xcalloc(c, cnt + 1, sizeof(*m->networks));
	if (m->networks) {
		m->nnetworks = cnt + 1;
		snprintf(m->networks[0].name, sizeof(m->networks[0].name), "rack");
	}
	for (i = 0; m->networks && i < cnt && !c->stop; i++) {
		struct mf_network *net = &m->networks[i + 1];
		yaml_node_t *v[ARRAY_LEN(net_keys)];
		size_t o;

		if (!nets[i].raw)
			continue;
		net->pos = mf_node_pos(c, nets[i].key);
		memcpy(net->name, nets[i].name, sizeof(net->name));
		o = mf_path_named(c, &nets[i]);
		if (nets[i].ok && !strcmp(nets[i].name, "rack"))
			mf_err_node(c, nets[i].key, "the network name 'rack' is reserved for the "
				 "implicit network of every app (choose another name)");
		if (mf_get_fields(c, nets[i].val, "a network mapping (isolated, cidrs, peers)",
			       net_keys, ARRAY_LEN(net_keys), v, NULL)) {
			mf_get_bool(c, v[0], "isolated", &net->isolated);
			mf_parse_cidr_list(c, v[1], "cidrs", &net->cidrs);
			mf_parse_cidr_list(c, v[2], "peers", &net->peers);
		}
		mf_path_pop(c, o);
	}
	free(nets);
	mf_path_pop(c, old);
	if (!m->networks)
		return;
	c->net_sorted = mf_xcalloc(c, m->nnetworks, sizeof(*c->net_sorted));
	if (!c->net_sorted)
		return;
	for (i = 0; i < m->nnetworks; i++)
		c->net_sorted[i] = &m->networks[i];
	qsort(c->net_sorted, m->nnetworks, sizeof(*c->net_sorted), net_ptr_cmp);
}

/* ------------------------------------------------------------------------ */
/* Top-level scalars, dns, interfaces */

static const char *const dns_keys[] = { "resolvers", "ttl" };

static void parse_dns(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_t *v[ARRAY_LEN(dns_keys)];
	yaml_node_item_t *items;
	size_t count, i, old = mf_path_key(c, "dns"), o;
	unsigned long ttl;

	if (mf_get_fields(c, n, "a mapping (resolvers, ttl)", dns_keys, ARRAY_LEN(dns_keys), v,
		       NULL)) {
		if (v[0]) {
			o = mf_path_key(c, "resolvers");
			if (mf_want_seq(c, v[0], "a list of addresses", &items, &count) && count) {
				m->resolvers = mf_xcalloc(c, count, sizeof(*m->resolvers));
				for (i = 0; m->resolvers && i < count && !c->stop; i++) {
					yaml_node_t *e = mf_node(c, items[i]);
					size_t oi = mf_path_idx(c, i);

					if (e && mf_get_addr(c, e, &m->resolvers[m->nresolvers]))
						m->nresolvers++;
					mf_path_pop(c, oi);
				}
			}
			mf_path_pop(c, o);
		}
		if (v[1]) {
			o = mf_path_key(c, "ttl");
			if (mf_get_uint(c, v[1], 0, MF_TTL_MAX, &ttl))
				m->dns_ttl = (uint32_t)ttl;
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

/* flows: timeouts (seconds) of replies to flows instances open, and of the
 * fragment cache. */
static const char *const flow_keys[] = { "tcp", "tcp_closing", "udp", "icmp", "fragments" };

static void parse_flows(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_t *v[ARRAY_LEN(flow_keys)];
	uint32_t *out[ARRAY_LEN(flow_keys)] = {
		&m->flow_tcp, &m->flow_tcp_closing, &m->flow_udp, &m->flow_icmp, &m->frag_timeout,
	};
	size_t i, old = mf_path_key(c, "flows"), o;
	unsigned long t;

	if (mf_get_fields(c, n, "a mapping (tcp, tcp_closing, udp, icmp, fragments)", flow_keys,
		       ARRAY_LEN(flow_keys), v, NULL)) {
		for (i = 0; i < ARRAY_LEN(flow_keys); i++) {
			if (!v[i])
				continue;
			o = mf_path_key(c, flow_keys[i]);
			if (mf_get_uint(c, v[i], 1, MF_FLOW_TIMEOUT_MAX, &t))
				*out[i] = (uint32_t)t;
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

/* tunnels: the UDP ports on which the node decapsulates VXLAN and Geneve
 * (rule 5: the programs judge what such packets carry). A kind given
 * replaces its defaults; [] turns it off. */
static const char *const tunnel_keys[] = { "vxlan", "geneve" };
static const uint8_t tunnel_kinds[] = { ENF_ENCAP_VXLAN, ENF_ENCAP_GENEVE };

static void add_tunnel_port(struct ctx *c, yaml_node_t *n, uint8_t kind, unsigned long port)
{
	struct manifest *m = c->m;
	size_t i;

	for (i = 0; i < m->ntunnels; i++) {
		const char *kind = tunnel_keys[m->tunnels[i].kind == ENF_ENCAP_GENEVE];

		if (m->tunnels[i].port != port)
			continue;
		if (m->tunnels[i].pos.line)
			mf_err_node(c, n, "UDP port %lu is already a %s port (line %u; expected each "
				 "port once)", port, kind, m->tunnels[i].pos.line);
		else
			mf_err_node(c, n, "UDP port %lu is a %s port by default (give %s: its own "
				 "list to move it)", port, kind, kind);
		return;
	}
	if (m->ntunnels == ENF_MAX_TUNNEL_PORTS) {
		mf_err_node(c, n, "more than %d tunnel ports (expected at most %d in all)",
			 ENF_MAX_TUNNEL_PORTS, ENF_MAX_TUNNEL_PORTS);
		return;
	}
	m->tunnels[m->ntunnels].port = (uint16_t)port;
	m->tunnels[m->ntunnels].kind = kind;
	m->tunnels[m->ntunnels].pos = mf_node_pos(c, n);
	m->ntunnels++;
}

static void parse_tunnels(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_t *v[ARRAY_LEN(tunnel_keys)];
	struct mf_tunnel_port keep[ENF_MAX_TUNNEL_PORTS];
	size_t i, k, nkeep = 0, old = mf_path_key(c, "tunnels"), o, oi, count;
	yaml_node_item_t *items;
	unsigned long port;

	if (!mf_get_fields(c, n, "a mapping (vxlan, geneve: lists of UDP ports)", tunnel_keys,
			ARRAY_LEN(tunnel_keys), v, NULL)) {
		mf_path_pop(c, old);
		return;
	}
	/* the defaults of the kinds not given stay */
	for (i = 0; i < m->ntunnels; i++) {
		k = m->tunnels[i].kind == ENF_ENCAP_GENEVE;
		if (!v[k])
			keep[nkeep++] = m->tunnels[i];
	}
	memcpy(m->tunnels, keep, nkeep * sizeof(keep[0]));
	m->ntunnels = nkeep;
	for (k = 0; k < ARRAY_LEN(tunnel_keys); k++) {
		if (!v[k])
			continue;
		o = mf_path_key(c, tunnel_keys[k]);
		if (mf_want_seq(c, v[k], "a list of UDP ports", &items, &count)) {
			for (i = 0; i < count && !c->stop; i++) {
				yaml_node_t *e = mf_node(c, items[i]);

				oi = mf_path_idx(c, i);
				if (e && mf_get_uint(c, e, 1, 65535, &port))
					add_tunnel_port(c, e, tunnel_kinds[k], port);
				mf_path_pop(c, oi);
			}
		}
		mf_path_pop(c, o);
	}
	mf_path_pop(c, old);
}

static const char *const iface_keys[] = { "name", "match", "role" };

static bool ifpattern_ok(struct ctx *c, yaml_node_t *n, const char *s, bool glob)
{
	size_t len = strlen(s);
	const char *p;

	if (!len || len >= MF_IFPAT_MAX) {
		mf_err_node(c, n, "invalid interface %s %s (expected 1-%d characters)",
			 glob ? "pattern" : "name", mf_show(c, s), MF_IFPAT_MAX - 1);
		return false;
	}
	for (p = s; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '/') {
			mf_err_node(c, n, "invalid interface %s %s (no spaces, '/' or control "
				 "characters)", glob ? "pattern" : "name", mf_show(c, s));
			return false;
		}
	}
	if (!glob && strpbrk(s, "*?[")) {
		mf_err_node(c, n, "%s is a pattern (name: is matched literally; use match: for "
			 "globs)", mf_show(c, s));
		return false;
	}
	return true;
}

static void parse_iface(struct ctx *c, yaml_node_t *n, struct mf_iface *f)
{
	yaml_node_t *v[ARRAY_LEN(iface_keys)];
	const char *s;
	size_t o;

	f->pos = mf_node_pos(c, n);
	f->role = MF_ROLE_MIXED;
	if (!mf_get_fields(c, n, "{ name: IFACE, role: ROLE } or { match: GLOB, role: ROLE }",
			iface_keys, ARRAY_LEN(iface_keys), v, NULL))
		return;
	if (v[0] && v[1]) {
		mf_err_node(c, n, "both name and match given (expected exactly one: name for one "
			 "interface, match for a glob)");
	} else if (!v[0] && !v[1]) {
		mf_err_node(c, n, "missing name or match (expected { name: eth0 } or "
			 "{ match: \"veth*\" })");
	} else {
		f->is_glob = !v[0];
		o = mf_path_key(c, f->is_glob ? "match" : "name");
		s = mf_want_str(c, f->is_glob ? v[1] : v[0], "an interface name");
		if (s && ifpattern_ok(c, f->is_glob ? v[1] : v[0], s, f->is_glob))
			memcpy(f->pattern, s, strlen(s) + 1);
		mf_path_pop(c, o);
	}
	if (v[2]) {
		o = mf_path_key(c, "role");
		s = mf_want_str(c, v[2], "public, mixed or pods");
		if (s) {
			uint32_t role;

			if (!enf_role_parse(s, &role))
				f->role = (enum mf_role)role;
			else
				mf_err_node(c, v[2], "unknown role %s (expected public, mixed or "
					 "pods)", mf_show(c, s));
		}
		mf_path_pop(c, o);
	}
}

static void parse_ifaces(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_item_t *items;
	size_t count, i, j, old = mf_path_key(c, "interfaces");

	if (mf_want_seq(c, n, "a list of { name|match, role }", &items, &count) && count) {
		if (count > ENF_MAX_IFRULES)
			mf_err_node(c, n, "%zu interface rules (at most %d; use match: globs)", count,
				 ENF_MAX_IFRULES);
		m->ifaces = mf_xcalloc(c, count, sizeof(*m->ifaces));
		if (m->ifaces)
			m->nifaces = count;
		for (i = 0; m->ifaces && i < count && !c->stop; i++) {
			yaml_node_t *e = mf_node(c, items[i]);
			size_t o = mf_path_idx(c, i);
			struct mf_iface *f = &m->ifaces[i];

			if (e)
				parse_iface(c, e, f);
			/* bounded by ENF_MAX_IFRULES in valid manifests: pairs are fine */
			for (j = 0; f->pattern[0] && j < i && j < ENF_MAX_IFRULES; j++) {
				if (m->ifaces[j].is_glob == f->is_glob &&
				    !strcmp(m->ifaces[j].pattern, f->pattern)) {
					mf_err_node(c, e, "%s %s is listed twice (first at line %d)",
						 f->is_glob ? "match" : "name", mf_show(c, f->pattern),
						 m->ifaces[j].pos.line);
					break;
				}
			}
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

/* ------------------------------------------------------------------------ */
/* Zone templates */

/* Syntax of a lowercased template (zone/template.c); returns its TMPL_*
 * set, 0 after an error. */
static unsigned int zone_syntax(struct ctx *c, yaml_node_t *n, const char *t)
{
	struct tmpl_check_result r;

	tmpl_check(t, &r);
	switch (r.fault) {
	case TMPL_OK:
		return r.used;
	case TMPL_EMPTY_LABEL:
		mf_err_node(c, n, "template %s has an empty label (expected labels separated by "
			 "single dots, no leading or trailing dot)", mf_show(c, t));
		break;
	case TMPL_DASH_EDGE:
		mf_err_node(c, n, "template %s has a label that starts or ends with '-' (not "
			 "allowed in DNS names)", mf_show(c, t));
		break;
	case TMPL_LONG_LABEL:
		mf_err_node(c, n, "template %s has a label of %zu characters (at most 63)",
			 mf_show(c, t), r.detail);
		break;
	case TMPL_OPEN_BRACE:
		mf_err_node(c, n, "unbalanced '{' in template %s (expected " TMPL_ALLOWED ")",
			 mf_show(c, t));
		break;
	case TMPL_UNKNOWN:
		mf_err_node(c, n, "unknown placeholder %s in template %s (expected " TMPL_ALLOWED
			 ")", mf_show_n(c, t + r.at, r.len), mf_show(c, t));
		break;
	case TMPL_CLOSE_BRACE:
		mf_err_node(c, n, "unbalanced '}' in template %s (expected " TMPL_ALLOWED ")",
			 mf_show(c, t));
		break;
	case TMPL_BAD_CHAR:
		mf_err_node(c, n, "invalid character %s in template %s (expected a-z, 0-9, '-', "
			 "'.' and placeholders)", mf_show_n(c, t + r.at, 1), mf_show(c, t));
		break;
	case TMPL_NO_PLACEHOLDER:
		mf_err_node(c, n, "template %s has no placeholder (expected at least one of "
			 TMPL_ALLOWED ")", mf_show(c, t));
		break;
	case TMPL_NO_APEX:
		mf_err_node(c, n, "template %s does not end in a fixed zone (expected static labels "
			 "after the last placeholder, such as {service}.internal)", mf_show(c, t));
		break;
	}
	return 0;
}

static void parse_zones(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_item_t *items;
	size_t count, i, j, k, old = mf_path_key(c, "zones");

	if (mf_want_seq(c, n, "a list of name templates such as \"{service}.internal\"", &items,
		     &count) && count > MF_MAX_ZONES) {
		mf_err_node(c, n, "%zu templates (at most %d)", count, MF_MAX_ZONES);
	} else if (count) {
		m->zones = mf_xcalloc(c, count, sizeof(*m->zones));
		c->zone_used = mf_xcalloc(c, count, sizeof(*c->zone_used));
		if (m->zones && c->zone_used)
			m->nzones = count;
		for (i = 0; i < m->nzones && !c->stop; i++) {
			yaml_node_t *e = mf_node(c, items[i]);
			size_t o = mf_path_idx(c, i);
			struct mf_zone *z = &m->zones[i];
			const char *s;

			if (e && (s = mf_want_str(c, e, "a name template"))) {
				z->pos = mf_node_pos(c, e);
				if (strlen(s) > MF_ZONE_MAX) {
					mf_err_node(c, e, "template is %zu characters long (at most "
						 "%d)", strlen(s), MF_ZONE_MAX);
				} else if ((z->tmpl = mf_xstrdup(c, s))) {
					for (k = 0; z->tmpl[k]; k++)
						if (z->tmpl[k] >= 'A' && z->tmpl[k] <= 'Z')
							z->tmpl[k] |= 0x20;
					c->zone_used[i] = zone_syntax(c, e, z->tmpl);
					for (j = 0; c->zone_used[i] && j < i; j++) {
						if (m->zones[j].tmpl &&
						    !strcmp(m->zones[j].tmpl, z->tmpl)) {
							mf_err_node(c, e, "template %s is "
								 "listed twice (first at "
								 "line %d)", mf_show(c, z->tmpl),
								 m->zones[j].pos.line);
							break;
						}
					}
				}
			}
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

/* ------------------------------------------------------------------------ */
/* Top level */

static const char *const top_keys[] = {
	"rack", "zones", "dns", "private", "internal_only", "mode", "interfaces", "networks",
	"apps", "flows", "tunnels",
};

enum { TK_RACK, TK_ZONES, TK_DNS, TK_PRIVATE, TK_INTERNAL_ONLY, TK_MODE, TK_IFACES,
       TK_NETWORKS, TK_APPS, TK_FLOWS, TK_TUNNELS };

static const struct mf_tunnel_port default_tunnels[] = {
	{ .port = ENF_VXLAN_PORT, .kind = ENF_ENCAP_VXLAN },
	{ .port = ENF_VXLAN_LINUX_PORT, .kind = ENF_ENCAP_VXLAN },
	{ .port = ENF_GENEVE_PORT, .kind = ENF_ENCAP_GENEVE },
};

void mf_parse_top(struct ctx *c, yaml_node_t *root)
{
	struct manifest *m = c->m;
	yaml_node_t *v[ARRAY_LEN(top_keys)];
	const char *s;
	size_t old;

	m->dns_ttl = MF_TTL_DEFAULT;
	m->mode = ENF_MODE_ENFORCE;
	m->flow_tcp = ENF_FLOW_TCP_S;
	m->flow_tcp_closing = ENF_FLOW_TCP_CLOSING_S;
	m->flow_udp = ENF_FLOW_UDP_S;
	m->flow_icmp = ENF_FLOW_ICMP_S;
	m->frag_timeout = ENF_FRAG_S;
	memcpy(m->tunnels, default_tunnels, sizeof(default_tunnels));
	m->ntunnels = ARRAY_LEN(default_tunnels);
	if (root->type != YAML_MAPPING_NODE) {
		mf_visit(c, root);
		mf_err_node(c, root, "got %s (expected a mapping with rack, zones, dns, private, "
			 "internal_only, mode, interfaces, networks, apps, flows, tunnels)",
			 mf_got(c, root));
		return;
	}
	if (!mf_get_fields(c, root, "a mapping", top_keys, ARRAY_LEN(top_keys), v, NULL))
		return;
	if (v[TK_RACK]) {
		old = mf_path_key(c, "rack");
		s = mf_want_str(c, v[TK_RACK], "a rack name");
		if (s)
			mf_norm_name(c, v[TK_RACK], s, m->rack);
		mf_path_pop(c, old);
	}
	if (v[TK_MODE]) {
		old = mf_path_key(c, "mode");
		s = mf_want_str(c, v[TK_MODE], "enforce or audit");
		if (s && !strcasecmp(s, "enforce"))
			m->mode = ENF_MODE_ENFORCE;
		else if (s && !strcasecmp(s, "audit"))
			m->mode = ENF_MODE_AUDIT;
		else if (s)
			mf_err_node(c, v[TK_MODE], "unknown mode %s (expected enforce or audit)",
				 mf_show(c, s));
		mf_path_pop(c, old);
	}
	mf_get_bool(c, v[TK_INTERNAL_ONLY], "internal_only", &m->internal_only);
	if (v[TK_DNS])
		parse_dns(c, v[TK_DNS]);
	if (v[TK_FLOWS])
		parse_flows(c, v[TK_FLOWS]);
	if (v[TK_TUNNELS])
		parse_tunnels(c, v[TK_TUNNELS]);
	mf_parse_cidr_list(c, v[TK_PRIVATE], "private", &m->private_cidrs);
	if (v[TK_IFACES])
		parse_ifaces(c, v[TK_IFACES]);
	parse_networks(c, v[TK_NETWORKS]);
	if (v[TK_APPS])
		parse_apps(c, v[TK_APPS]);
	if (v[TK_ZONES])
		parse_zones(c, v[TK_ZONES]);
	if (c->stop)
		return;
	mf_check_links(c);
	mf_check_zones(c);
	mf_check_addresses(c);
	mf_check_internal_only(c);
}

