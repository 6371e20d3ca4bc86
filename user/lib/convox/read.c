// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading a convox.yml for `enforcer import`: the YAML (libyaml, checked
 * first as an event stream for syntax, depth and a second document, as the
 * manifest parser does), then the keys that matter to the network: each
 * service's port, internal, internalAndExternal, health, links and
 * environment, the top-level environment, and the names of resources.
 * Every other key is Convox's business and is ignored, not refused.
 *
 * Errors are collected, sorted by position and printed as the manifest's:
 * "FILE:LINE:COL: field: what is wrong (what is allowed)". YAML merge keys
 * (<<: *base), which convox.yml files use to share settings between
 * services, are followed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convox_internal.h"
#include "suggest.h"

/* ------------------------------------------------------------------------ */
/* Errors and field paths */

static int mark_num(size_t v)
{
	return v >= (size_t)INT32_MAX ? INT32_MAX : (int)v + 1;
}

/* Text from the file into a buffer of CX_SHOW_MAX + 4, quoted or not:
 * control bytes as '?', cut with "..." when long. Four rotating buffers,
 * so at most four per message. */
static const char *text_n(struct cx *c, const char *s, size_t len, bool quoted)
{
	char *b = c->shown[c->shown_i++ % 4];
	size_t i, n = len > CX_SHOW_MAX - 4 ? CX_SHOW_MAX - 4 : len, o = 0;

	if (quoted)
		b[o++] = '\'';
	for (i = 0; i < n; i++)
		b[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n < len) {
		memcpy(b + o, "...", 3);
		o += 3;
	}
	if (quoted)
		b[o++] = '\'';
	b[o] = '\0';
	return b;
}

/* 'text' for a message */
static const char *show_n(struct cx *c, const char *s, size_t len)
{
	return text_n(c, s, len, true);
}

static const char *show(struct cx *c, const char *s)
{
	return show_n(c, s, strlen(s));
}

static void verr(struct cx *c, int line, int col, const char *field, const char *fmt,
		 va_list ap)
{
	char text[1024];
	int off;

	if (c->too_many || c->oom)
		return;
	if (c->nerr == CX_MAX_ERRORS) {
		c->too_many = c->stop = true;
		return;
	}
	off = snprintf(text, sizeof(text), "%s: ", field && *field ? field : "convox.yml");
	if (off < 0 || (size_t)off >= sizeof(text))
		off = 0;
	vsnprintf(text + off, sizeof(text) - (size_t)off, fmt, ap);
	c->errs[c->nerr].msg = strdup(text);
	if (!c->errs[c->nerr].msg) {
		c->oom = c->stop = true;
		return;
	}
	c->errs[c->nerr].line = line;
	c->errs[c->nerr].col = col;
	c->errs[c->nerr].seq = c->nerr;
	c->nerr++;
}

static void __attribute__((format(printf, 5, 6)))
err_at(struct cx *c, int line, int col, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, line, col, field, fmt, ap);
	va_end(ap);
}

/* Error at node n, for the field being walked (c->path). */
static void __attribute__((format(printf, 3, 4)))
err_node(struct cx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, n ? mark_num(n->start_mark.line) : 1, n ? mark_num(n->start_mark.column) : 1,
	     c->path, fmt, ap);
	va_end(ap);
}

static size_t path_key(struct cx *c, const char *key)
{
	size_t old = c->plen;

	snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", key);
	c->plen = strlen(c->path);
	return old;
}

static size_t path_idx(struct cx *c, size_t i)
{
	size_t old = c->plen;

	snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);
	c->plen = strlen(c->path);
	return old;
}

static void path_pop(struct cx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

void cx_print_errors(struct cx *c, FILE *errf)
{
	unsigned int i, j;

	/* insertion sort by position: at most CX_MAX_ERRORS entries */
	for (i = 1; i < c->nerr; i++) {
		struct cx_err e = c->errs[i];

		for (j = i; j > 0; j--) {
			const struct cx_err *p = &c->errs[j - 1];

			if (p->line != e.line ? p->line < e.line :
			    p->col != e.col ? p->col < e.col : p->seq < e.seq)
				break;
			c->errs[j] = c->errs[j - 1];
		}
		c->errs[j] = e;
	}
	for (i = 0; errf && i < c->nerr; i++)
		fprintf(errf, "%s:%d:%d: %s\n", c->file, c->errs[i].line, c->errs[i].col,
			c->errs[i].msg);
	if (errf && c->too_many)
		fprintf(errf, "%s: too many errors, stopped after %d\n", c->file, CX_MAX_ERRORS);
}

/* ------------------------------------------------------------------------ */
/* Nodes */

static yaml_node_t *node(struct cx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = sval(n);
	return !n->data.scalar.length || !strcmp(v, "~") || !strcasecmp(v, "null");
}

static const char *got(struct cx *c, const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return is_null(n) ? "no value" : show_n(c, sval(n), n->data.scalar.length);
	default:
		return "nothing";
	}
}

/* A value for a comment: its text, unquoted, or what it is. */
static const char *plain(struct cx *c, const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return got(c, n);
	return text_n(c, sval(n), n->data.scalar.length, false);
}

/* Counts a walked node against the budget (aliases can repeat a node). */
static bool visit(struct cx *c, const yaml_node_t *n)
{
	if (c->stop)
		return false;
	if (++c->visits > CX_MAX_NODES) {
		err_node(c, n, "too large: more than %u values once aliases are expanded",
			 CX_MAX_NODES);
		c->stop = true;
		return false;
	}
	return true;
}

/* A non-null scalar without NUL bytes; NULL after an error. */
static const char *want_str(struct cx *c, yaml_node_t *n, const char *what)
{
	if (!visit(c, n))
		return NULL;
	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		err_node(c, n, "got %s (expected %s)", got(c, n), what);
		return NULL;
	}
	if (memchr(sval(n), '\0', n->data.scalar.length)) {
		err_node(c, n, "%s contains a NUL character (expected %s)",
			 show_n(c, sval(n), n->data.scalar.length), what);
		return NULL;
	}
	return sval(n);
}

/* A list (null: an empty one); false after an error. */
static bool want_seq(struct cx *c, yaml_node_t *n, const char *what, yaml_node_item_t **items,
		     size_t *count)
{
	*items = NULL;
	*count = 0;
	if (!visit(c, n))
		return false;
	if (is_null(n))
		return true;
	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(c, n, "got %s (expected %s)", got(c, n), what);
		return false;
	}
	*items = n->data.sequence.items.start;
	*count = (size_t)(n->data.sequence.items.top - *items);
	return true;
}

/*
 * The values of `keys` in mapping n (vals[k] NULL when absent; knodes[k]
 * its key). Other keys are Convox's and ignored; a key of ours twice is an
 * error. A merge key (<<: *base, or a list of them) supplies the keys the
 * mapping does not give itself. False when n is no mapping (said, unless
 * it is null: an empty mapping).
 */
static bool get_fields(struct cx *c, yaml_node_t *n, const char *what, const char *const *keys,
		       size_t nkeys, yaml_node_t **vals, yaml_node_t **knodes, int depth)
{
	yaml_node_pair_t *p;
	size_t k;

	if (!depth)
		for (k = 0; k < nkeys; k++)
			vals[k] = knodes[k] = NULL;
	if (!visit(c, n))
		return false;
	if (is_null(n))
		return true;
	if (n->type != YAML_MAPPING_NODE) {
		err_node(c, n, "got %s (expected %s)", got(c, n), what);
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !c->stop; p++) {
		yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
		const char *key;

		if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
			continue;
		key = sval(kn);
		for (k = 0; k < nkeys && strcmp(key, keys[k]); k++)
			;
		if (k < nkeys && !vals[k]) {
			vals[k] = vn;
			knodes[k] = kn;
		} else if (k < nkeys && !depth) {
			err_node(c, kn, "duplicate key %s (each key once; first at line %d)",
				 show(c, key), mark_num(knodes[k]->start_mark.line));
		}
	}
	/* merged mappings fill what is still missing; nested merges too */
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !c->stop; p++) {
		yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
		yaml_node_item_t *it;

		if (!kn || !vn || kn->type != YAML_SCALAR_NODE || strcmp(sval(kn), "<<") ||
		    depth >= CX_MAX_DEPTH)
			continue;
		if (vn->type != YAML_SEQUENCE_NODE) {
			get_fields(c, vn, "a mapping to merge (<<: *anchor)", keys, nkeys, vals,
				   knodes, depth + 1);
			continue;
		}
		for (it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++)
			if (node(c, *it))
				get_fields(c, node(c, *it), "a mapping to merge (<<: *anchor)",
					   keys, nkeys, vals, knodes, depth + 1);
	}
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return true;
		}
	}
	return false;
}

static void get_bool(struct cx *c, yaml_node_t *n, const char *key, bool *out)
{
	size_t old;
	const char *s;

	if (!n)
		return;
	old = path_key(c, key);
	s = want_str(c, n, "true or false");
	if (s && !parse_bool(s, out))
		err_node(c, n, "invalid boolean %s (expected true or false)", show(c, s));
	path_pop(c, old);
}

/* A decimal 1..max without sign or leading zeros; 0 when it is not one. */
static unsigned long parse_num(const char *s, unsigned long max)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0'))
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return 0;
	}
	return v;
}

/* ------------------------------------------------------------------------ */
/* Names */

/* A DNS label of a-z, 0-9 and '-': what the manifest accepts as a name. */
bool cx_name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (!len || len > CONVOX_NAME_MAX - 1 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

int convox_app_name(const char *raw, char out[CONVOX_NAME_MAX])
{
	size_t i;

	for (i = 0; raw[i] && i < CONVOX_NAME_MAX - 1; i++)
		out[i] = raw[i] == ' ' ? '-' :
			 (raw[i] >= 'A' && raw[i] <= 'Z') ? (char)(raw[i] | 0x20) : raw[i];
	out[i] = '\0';
	return !raw[i] && cx_name_ok(out) ? 0 : -EINVAL;
}

/* The service named `name`, or SIZE_MAX (a binary search of by_name). */
static size_t find_svc(const struct cx *c, const char *name)
{
	size_t lo = 0, hi = c->nnamed;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->svcs[c->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nnamed && !strcmp(c->svcs[c->by_name[lo]].name, name) ? c->by_name[lo] :
										 SIZE_MAX;
}

static void note(struct cx *c, struct cx_service *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One comment line on the service in the manifest made. */
static void note(struct cx *c, struct cx_service *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (s->nnotes == CX_MAX_NOTES)
		return;
	va_start(ap, fmt);
	r = vasprintf(&s->notes[s->nnotes], fmt, ap);
	va_end(ap);
	if (r < 0) {
		s->notes[s->nnotes] = NULL;
		c->oom = c->stop = true;
		return;
	}
	s->nnotes++;
}

/* ------------------------------------------------------------------------ */
/* A service's port and health */

/* port: N, "N", or SCHEME:N (http, https, grpc). */
static void parse_port(struct cx *c, yaml_node_t *n, struct cx_service *s)
{
	static const char *const schemes[] = { "http", "https", "grpc" };
	size_t old = path_key(c, "port"), i;
	const char *v = want_str(c, n, "a port such as 3000 or https:3000"), *colon;

	if (!v)
		goto out;
	colon = strchr(v, ':');
	if (colon) {
		for (i = 0; i < 3; i++)
			if ((size_t)(colon - v) == strlen(schemes[i]) &&
			    !strncasecmp(v, schemes[i], strlen(schemes[i])))
				break;
		if (i == 3) {
			err_node(c, n, "unknown scheme %s in port %s (expected N, http:N, "
				 "https:N or grpc:N)", show_n(c, v, (size_t)(colon - v)),
				 show(c, v));
			goto out;
		}
		snprintf(s->scheme, sizeof(s->scheme), "%s", schemes[i]);
	}
	s->port = parse_num(colon ? colon + 1 : v, 65535);
	if (!s->port)
		err_node(c, n, "invalid port %s (expected a port number 1..65535, such as 3000 or "
			 "https:3000)", show(c, v));
out:
	path_pop(c, old);
}

static bool health_path_ok(const char *p)
{
	size_t len = strlen(p);

	if (p[0] != '/' || len >= CX_HEALTH_MAX)
		return false;
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* health.interval / health.timeout: seconds 1..3600, or left out (noted). */
static unsigned long health_secs(struct cx *c, struct cx_service *s, yaml_node_t *n,
				 const char *key)
{
	unsigned long v;

	if (!n || !visit(c, n))
		return 0;
	v = n->type == YAML_SCALAR_NODE ? parse_num(sval(n), 3600) : 0;
	if (!v)
		note(c, s, "health %s: %s left out (expected seconds 1..3600)", key, plain(c, n));
	return v;
}

/*
 * health: /path, or { path, interval, timeout, grace, disable }. The
 * manifest's probe is an HTTP GET of the path on the first TCP port, or a
 * TCP connect; Convox's default path is "/". What cannot carry over is
 * said in a note, and the probe stays what it would have been.
 */
static void parse_health(struct cx *c, yaml_node_t *n, struct cx_service *s)
{
	static const char *const keys[] = { "path", "interval", "timeout", "grace", "disable" };
	yaml_node_t *v[5], *k[5];
	size_t old = path_key(c, "health");
	bool disable = false;

	if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
		s->hpath = want_str(c, n, "a path such as /health");
		s->health = s->hpath ? CX_HEALTH_PATH : CX_HEALTH_NONE;
	} else if (get_fields(c, n, "a path or { path, interval, timeout, grace }", keys, 5, v, k,
			      0) && !is_null(n)) {
		get_bool(c, v[4], "disable", &disable);
		if (v[0])
			s->hpath = want_str(c, v[0], "a path such as /health");
		else
			s->hpath = "/";		/* Convox's default */
		s->hinterval = health_secs(c, s, v[1], "interval");
		s->htimeout = health_secs(c, s, v[2], "timeout");
		if (v[3])
			note(c, s, "health grace: %s left out (no such setting here)",
			     plain(c, v[3]));
		s->health = s->hpath && !disable ? CX_HEALTH_MAP : CX_HEALTH_NONE;
		if (disable)
			note(c, s, "health: disabled in convox.yml, left out");
	}
	if (s->health != CX_HEALTH_NONE && !health_path_ok(s->hpath)) {
		note(c, s, "health path %s left out (expected a path starting with '/', no spaces, "
		     "under %d characters)", show(c, s->hpath), CX_HEALTH_MAX);
		s->health = CX_HEALTH_NONE;
	}
	if (s->health == CX_HEALTH_MAP && s->htimeout &&
	    s->htimeout > (s->hinterval ? s->hinterval : 5)) {
		note(c, s, "health timeout: %lu left out (longer than the interval, %lu s)",
		     s->htimeout, s->hinterval ? s->hinterval : 5);
		s->htimeout = 0;
	}
	path_pop(c, old);
}

/* What the manifest can keep of the health check, once the port is known. */
static void settle_health(struct cx *c, struct cx_service *s)
{
	if (s->health == CX_HEALTH_NONE)
		return;
	if (!s->port) {
		note(c, s, "health: left out (no port to probe)");
		s->health = CX_HEALTH_NONE;
	} else if (!strcmp(s->scheme, "https") || !strcmp(s->scheme, "grpc")) {
		/* an HTTP GET to a port speaking TLS or gRPC fails every time */
		note(c, s, "health: a TCP connect (an HTTP GET of %s would fail: %s on %lu)",
		     s->hpath, s->scheme, s->port);
		s->health = CX_HEALTH_MAP;
		s->hpath = NULL;
		s->hport = s->port;
	}
}

/* ------------------------------------------------------------------------ */
/* Services */

enum { SK_PORT, SK_PORTS, SK_INTERNAL, SK_IAE, SK_HEALTH, SK_LINKS, SK_ENV, SK_MAX };
static const char *const svc_keys[SK_MAX] = {
	"port", "ports", "internal", "internalAndExternal", "health", "links", "environment",
};

/* ports: left out (a comment lists them): every port of an instance is open
 * inside the rack, and a declared port of a public service would face the
 * internet, which Convox's ports: never do. */
static void note_ports(struct cx *c, struct cx_service *s, yaml_node_t *n)
{
	yaml_node_item_t *it;
	char list[160] = "";
	size_t o = 0;

	if (n->type != YAML_SEQUENCE_NODE) {
		if (!is_null(n))
			note(c, s, "ports: %s left out (only port: carries over)", plain(c, n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = node(c, *it), *pv = NULL;
		const char *txt = "?";

		if (e && e->type == YAML_MAPPING_NODE && e->data.mapping.pairs.start <
		    e->data.mapping.pairs.top)
			pv = node(c, e->data.mapping.pairs.start->value);
		if (e && e->type == YAML_SCALAR_NODE)
			txt = plain(c, e);
		else if (pv && pv->type == YAML_SCALAR_NODE)
			txt = plain(c, pv);
		if (o + strlen(txt) + 8 >= sizeof(list)) {
			snprintf(list + o, sizeof(list) - o, ", ...");
			break;
		}
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "", txt);
	}
	if (s->port && (!s->internal || s->iae))
		note(c, s, "ports %s left out: declared here they would face the internet "
		     "(inside the rack every port is open)", o ? list : "[]");
	else
		note(c, s, "ports %s left out: inside the rack every port is open",
		     o ? list : "[]");
}

static void parse_service(struct cx *c, struct cx_service *s, yaml_node_t **v)
{
	if (v[SK_PORT] && !is_null(v[SK_PORT]))
		parse_port(c, v[SK_PORT], s);
	get_bool(c, v[SK_INTERNAL], "internal", &s->internal);
	get_bool(c, v[SK_IAE], "internalAndExternal", &s->iae);
	if (v[SK_PORTS])
		note_ports(c, s, v[SK_PORTS]);
	if (v[SK_HEALTH] && !is_null(v[SK_HEALTH]))
		parse_health(c, v[SK_HEALTH], s);
	if (s->scheme[0] && strcmp(s->scheme, "http"))
		note(c, s, "port: %s:%lu: it speaks %s, but link URLs to it say http:// "
		     "(docs/convox.md)", s->scheme, s->port, s->scheme);
	if (s->iae && !s->port) {
		note(c, s, "internalAndExternal: true left out: no port to expose");
		s->iae = false;
	}
	settle_health(c, s);
}

/* One more link of s (duplicates are dropped at the end, dedup_links()). */
static void add_link(struct cx *c, struct cx_service *s, const struct cx_link *l)
{
	void *p;

	if (c->stop)
		return;
	if (c->nlinks == CX_MAX_LINKS) {
		err_at(c, 1, 1, "convox.yml", "more than %u links in all (links, and environment "
		       "URLs that name services)", CX_MAX_LINKS);
		c->stop = true;
		return;
	}
	if (s->nlinks == s->clinks) {
		p = realloc(s->links, (s->clinks ? s->clinks * 2 : 4) * sizeof(*s->links));
		if (!p) {
			c->oom = c->stop = true;
			return;
		}
		s->links = p;
		s->clinks = s->clinks ? s->clinks * 2 : 4;
	}
	s->links[s->nlinks++] = *l;
	c->nlinks++;
}

/* Each service's links once, the first of each kept: links: first, then
 * its environment's, then the top-level environment's. */
static void dedup_links(struct cx *c)
{
	size_t i, j, n;

	for (i = 0; i < c->nsvcs; i++)
		c->stamp[i] = 0;
	for (i = 0; i < c->nsvcs; i++) {
		struct cx_service *s = &c->svcs[i];

		for (j = n = 0; j < s->nlinks; j++) {
			if (c->stamp[s->links[j].to] == i + 1)
				continue;
			c->stamp[s->links[j].to] = i + 1;
			s->links[n++] = s->links[j];
		}
		s->nlinks = n;
	}
}

/* links: [SERVICE, ...]: services of this convox.yml with a port. */
static void parse_links(struct cx *c, yaml_node_t *n, size_t si)
{
	struct cx_service *s = &c->svcs[si];
	yaml_node_item_t *items;
	size_t count, i, old = path_key(c, "links");

	if (!want_seq(c, n, "a list of service names such as [api]", &items, &count))
		count = 0;
	for (i = 0; i < count && !c->stop; i++) {
		yaml_node_t *e = node(c, items[i]);
		size_t o = path_idx(c, i), to, k;
		const char *name;
		struct suggest sg;

		name = e ? want_str(c, e, "a service name such as api") : NULL;
		to = name ? find_svc(c, name) : SIZE_MAX;
		if (name && to == SIZE_MAX) {
			char list[200] = "";
			size_t ol = 0;
			bool cut = false;

			suggest_init(&sg, name);
			for (k = 0; k < c->nsvcs; k++) {
				if (!c->svcs[k].name[0])
					continue;
				suggest_add(&sg, c->svcs[k].name);
				/* room for ", NAME" and a closing ", ..." */
				if (!cut && ol + strlen(c->svcs[k].name) + 8 < sizeof(list)) {
					ol += (size_t)snprintf(list + ol, sizeof(list) - ol, "%s%s",
							       ol ? ", " : "", c->svcs[k].name);
				} else if (!cut) {
					strcpy(list + ol, ", ...");
					cut = true;
				}
			}
			if (sg.best)
				err_node(c, e, "unknown service %s (did you mean %s? services: %s)",
					 show(c, name), sg.best, list);
			else
				err_node(c, e, "unknown service %s (services: %s)", show(c, name),
					 list);
		} else if (name && to == si) {
			err_node(c, e, "a link to the service itself (a service needs no link to "
				 "reach itself)");
		} else if (name && !c->svcs[to].port) {
			err_node(c, e, "cannot make a URL for %s: it has no port (a link's URL "
				 "names the service's port; give it port: N, or remove the link)",
				 c->svcs[to].name);
		} else if (name && c->stamp[to] == si + 1) {
			err_node(c, e, "%s is listed twice (each service once)", show(c, name));
		} else if (name) {
			c->stamp[to] = si + 1;
			add_link(c, s, &(struct cx_link){ .to = to });
		}
		path_pop(c, o);
	}
	path_pop(c, old);
}

/* The service a URL names by its internal name: scheme://[user@]HOST[:port]
 * with HOST svc, svc.APP, svc.APP.convox.local or svc.APP.RACK.convox. */
static size_t url_service(const struct cx *c, const char *v, size_t len)
{
	char host[256], *label[5];
	const char *p = memmem(v, len, "://", 3), *h, *end = v + len;
	size_t n = 0, i, hl;

	if (!p || p == v)
		return SIZE_MAX;
	for (h = v; h < p; h++)
		if (!((*h | 0x20) >= 'a' && (*h | 0x20) <= 'z') &&
		    !(h > v && ((*h >= '0' && *h <= '9') || *h == '+' || *h == '.' || *h == '-')))
			return SIZE_MAX;
	h = p + 3;
	for (p = h; p < end && !strchr("/?#", *p); p++)
		if (*p == '@')
			h = p + 1;
	hl = strcspn(h, ":/?#");
	if (h + hl > end)
		hl = (size_t)(end - h);
	if (!hl || hl >= sizeof(host))
		return SIZE_MAX;
	for (i = 0; i < hl; i++)
		host[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] | 0x20) : h[i];
	host[hl] = '\0';
	for (label[n++] = host, i = 0; i < hl; i++) {
		if (host[i] != '.')
			continue;
		if (n == 5)
			return SIZE_MAX;
		host[i] = '\0';
		label[n++] = host + i + 1;
	}
	if (n >= 2 && strcmp(label[1], c->app))
		return SIZE_MAX;
	if (n == 3 || n > 4 || (n == 4 && strcmp(label[3], "convox") &&
				(strcmp(label[2], "convox") || strcmp(label[3], "local"))))
		return SIZE_MAX;
	return find_svc(c, label[0]);
}

/* environment: [NAME, NAME=value, ...]: a value that is a URL naming a
 * service with a port gives the services `targets` (one, or all for the
 * top-level environment) a link to it. */
static void parse_env(struct cx *c, yaml_node_t *n, size_t first, size_t last, bool top)
{
	yaml_node_item_t *items;
	size_t count, i, si, old = path_key(c, "environment");

	if (!want_seq(c, n, "a list of NAME or NAME=value", &items, &count))
		count = 0;
	for (i = 0; i < count && !c->stop; i++) {
		yaml_node_t *e = node(c, items[i]);
		size_t o = path_idx(c, i), to;
		const char *str = e ? want_str(c, e, "NAME or NAME=value") : NULL;
		const char *eq = str ? strchr(str, '=') : NULL;

		if (str && eq == str)
			err_node(c, e, "invalid variable %s (expected NAME or NAME=value)",
				 show(c, str));
		to = str && eq > str ? url_service(c, eq + 1, strlen(eq + 1)) : SIZE_MAX;
		for (si = first; to != SIZE_MAX && c->svcs[to].port && si <= last; si++) {
			struct cx_link l = { .to = to, .var = str, .var_len = (size_t)(eq - str),
					     .top = top };

			if (si != to)
				add_link(c, &c->svcs[si], &l);
		}
		path_pop(c, o);
	}
	path_pop(c, old);
}

static int by_name_cmp(const void *a, const void *b, void *arg)
{
	const struct cx *c = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return strcmp(c->svcs[x].name, c->svcs[y].name) ?: (x > y) - (x < y);
}

/* by_name, and the second (and later) of two services with one name: an
 * error each, and out. Sorted, not compared in pairs: a big file stays
 * quick. */
static bool index_names(struct cx *c)
{
	size_t i, n = 0, first = 0;

	c->by_name = calloc(c->nsvcs, sizeof(*c->by_name));
	c->stamp = calloc(c->nsvcs, sizeof(*c->stamp));
	if (!c->by_name || !c->stamp) {
		c->oom = c->stop = true;
		return false;
	}
	for (i = 0; i < c->nsvcs; i++)
		if (c->svcs[i].name[0])
			c->by_name[n++] = i;
	qsort_r(c->by_name, n, sizeof(*c->by_name), by_name_cmp, c);
	for (i = 0; i < n; i++) {
		struct cx_service *s = &c->svcs[c->by_name[i]];

		if (i && !strcmp(c->svcs[c->by_name[first]].name, s->name)) {
			err_node(c, s->key, "service %s is listed twice (first at line %d)",
				 show(c, sval(s->key)),
				 mark_num(c->svcs[c->by_name[first]].key->start_mark.line));
			s->name[0] = '\0';
			continue;
		}
		first = i;
		c->by_name[c->nnamed++] = c->by_name[i];
	}
	return true;
}

/* The names under services:, each a manifest name once. */
static bool service_names(struct cx *c, yaml_node_t *n)
{
	yaml_node_pair_t *p;
	size_t i, old = path_key(c, "services");
	bool ok = false;

	if (!visit(c, n))
		goto out;
	if (n->type != YAML_MAPPING_NODE || !n->data.mapping.pairs.top ||
	    n->data.mapping.pairs.top == n->data.mapping.pairs.start) {
		err_node(c, n, "got %s (expected a mapping of service names to services)",
			 n->type == YAML_MAPPING_NODE ? "no services" : got(c, n));
		goto out;
	}
	c->nsvcs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (c->nsvcs > CX_MAX_SERVICES) {
		err_node(c, n, "%zu services (at most %d, as in a manifest)", c->nsvcs,
			 CX_MAX_SERVICES);
		c->nsvcs = 0;
		goto out;
	}
	c->svcs = calloc(c->nsvcs, sizeof(*c->svcs));
	if (!c->svcs) {
		c->oom = c->stop = true;
		goto out;
	}
	for (i = 0, p = n->data.mapping.pairs.start; i < c->nsvcs && !c->stop; i++, p++) {
		struct cx_service *s = &c->svcs[i];
		const char *raw;

		s->key = node(c, p->key);
		s->val = node(c, p->value);
		raw = s->key ? want_str(c, s->key, "a service name") : NULL;
		if (!raw || !s->val)
			continue;
		if (convox_app_name(raw, s->name)) {
			err_node(c, s->key, "invalid service name %s (expected 1-63 characters "
				 "a-z, 0-9 and '-', as a DNS label)", show(c, raw));
			s->name[0] = '\0';
		}
	}
	ok = !c->stop && index_names(c);
out:
	path_pop(c, old);
	return ok;
}

static void parse_services(struct cx *c, yaml_node_t *n, yaml_node_t *top_env)
{
	yaml_node_t *(*v)[SK_MAX];
	yaml_node_t *k[SK_MAX];
	size_t i, old, o;

	if (!service_names(c, n))
		return;
	v = calloc(c->nsvcs, sizeof(*v));
	if (!v) {
		c->oom = c->stop = true;
		return;
	}
	old = path_key(c, "services");
	for (i = 0; i < c->nsvcs && !c->stop; i++) {
		if (!c->svcs[i].name[0])
			continue;
		o = path_key(c, c->svcs[i].name);
		if (get_fields(c, c->svcs[i].val, "a service mapping", svc_keys, SK_MAX, v[i], k,
			       0))
			parse_service(c, &c->svcs[i], v[i]);
		path_pop(c, o);
	}
	/* links need every service's port: a second pass */
	for (i = 0; i < c->nsvcs && !c->stop; i++) {
		if (!c->svcs[i].name[0])
			continue;
		o = path_key(c, c->svcs[i].name);
		if (v[i][SK_LINKS])
			parse_links(c, v[i][SK_LINKS], i);
		if (v[i][SK_ENV])
			parse_env(c, v[i][SK_ENV], i, i, false);
		path_pop(c, o);
	}
	path_pop(c, old);
	if (top_env && !c->stop)
		parse_env(c, top_env, 0, c->nsvcs - 1, true);
	dedup_links(c);
	free(v);
}

/* resources: their names, for a comment (they are not services here). */
static void resource_names(struct cx *c, yaml_node_t *n)
{
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE)
		return;
	c->resources = calloc((size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start) + 1,
			      sizeof(*c->resources));
	if (!c->resources) {
		c->oom = c->stop = true;
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key);

		if (kn && kn->type == YAML_SCALAR_NODE && cx_name_ok(sval(kn)))
			c->resources[c->nresources++] = sval(kn);
	}
}

/* ------------------------------------------------------------------------ */
/* The YAML */

static void yaml_error(struct cx *c, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR) {
		c->oom = true;
	} else if (p->error == YAML_READER_ERROR) {
		err_at(c, 1, 1, "yaml", "%s at byte %zu (a convox.yml is UTF-8 text)",
		       p->problem ? p->problem : "cannot read", p->problem_offset);
	} else if (p->context) {
		err_at(c, mark_num(p->problem_mark.line), mark_num(p->problem_mark.column), "yaml",
		       "%s (%s at line %d column %d)", p->problem ? p->problem : "cannot parse",
		       p->context, mark_num(p->context_mark.line),
		       mark_num(p->context_mark.column));
	} else {
		err_at(c, mark_num(p->problem_mark.line), mark_num(p->problem_mark.column), "yaml",
		       "%s", p->problem ? p->problem : "cannot parse");
	}
}

/* Syntax, depth and documents, from the event stream (libyaml's loader
 * recurses per level of nesting); false after an error. */
static bool prescan(struct cx *c, const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0;
	bool ok = true, done = false;

	if (!yaml_parser_initialize(&p)) {
		c->oom = true;
		return false;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && ok) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_error(c, &p);
			ok = false;
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			done = true;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs == 2) {
			err_at(c, mark_num(ev.start_mark.line), mark_num(ev.start_mark.column),
			       "yaml", "a second document (expected one convox.yml)");
			ok = false;
		} else if ((ev.type == YAML_SEQUENCE_START_EVENT ||
			    ev.type == YAML_MAPPING_START_EVENT) && ++depth > CX_MAX_DEPTH) {
			err_at(c, mark_num(ev.start_mark.line), mark_num(ev.start_mark.column),
			       "yaml", "nesting deeper than %d levels", CX_MAX_DEPTH);
			ok = false;
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
			   ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (ok && !docs)
		err_at(c, 1, 1, "convox.yml", "empty file (expected a mapping with services:)");
	return ok && docs;
}

enum { TK_SERVICES, TK_ENV, TK_RESOURCES, TK_MAX };
static const char *const top_keys[TK_MAX] = { "services", "environment", "resources" };

int cx_read(struct cx *c, const char *buf, size_t len)
{
	yaml_node_t *v[TK_MAX], *k[TK_MAX], *root;
	yaml_parser_t parser;

	if (!prescan(c, buf, len))
		return c->oom ? -ENOMEM : -EINVAL;
	c->doc = calloc(1, sizeof(*c->doc));
	if (!c->doc || !yaml_parser_initialize(&parser)) {
		free(c->doc);
		c->doc = NULL;
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, c->doc)) {
		yaml_error(c, &parser);
		yaml_parser_delete(&parser);
		free(c->doc);
		c->doc = NULL;
		return c->oom ? -ENOMEM : -EINVAL;
	}
	yaml_parser_delete(&parser);
	root = yaml_document_get_root_node(c->doc);
	if (!root) {
		err_at(c, 1, 1, "convox.yml", "empty document (expected a mapping with services:)");
	} else if (root->type != YAML_MAPPING_NODE) {
		err_node(c, root, "got %s (expected a mapping with services:)", got(c, root));
	} else if (get_fields(c, root, "a mapping", top_keys, TK_MAX, v, k, 0)) {
		if (!v[TK_SERVICES])
			err_node(c, root, "no services: (expected services: with at least one "
				 "service, as in a convox.yml)");
		else
			parse_services(c, v[TK_SERVICES], v[TK_ENV]);
		if (v[TK_RESOURCES])
			resource_names(c, v[TK_RESOURCES]);
	}
	if (c->oom)
		return -ENOMEM;
	return c->nerr || c->too_many ? -EINVAL : 0;
}

void cx_free(struct cx *c)
{
	size_t i, j;

	for (i = 0; i < c->nsvcs; i++) {
		free(c->svcs[i].links);
		for (j = 0; j < c->svcs[i].nnotes; j++)
			free(c->svcs[i].notes[j]);
	}
	free(c->svcs);
	free(c->by_name);
	free(c->stamp);
	free(c->resources);
	for (i = 0; i < c->nerr; i++)
		free(c->errs[i].msg);
	if (c->doc) {
		yaml_document_delete(c->doc);
		free(c->doc);
	}
}
