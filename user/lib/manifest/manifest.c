// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Manifest parser and validator (contract section 3); the model and its
 * invariants are described in manifest.h, every field in docs/manifest.md.
 *
 * The YAML is read twice: once as an event stream, which is cheap and
 * non-recursive, to reject syntax errors, nesting deeper than any manifest
 * needs (libyaml's loader recurses per level) and extra documents; then with
 * libyaml's document API, whose node tree carries the positions we report.
 * The tree is walked against a fixed schema: each level knows its keys, so
 * a typo is an error instead of a silently ignored (and weaker) policy.
 *
 * Every error is collected, not just the first, and printed sorted by
 * position, so the output reads top to bottom whatever order the checks ran
 * in (cross-field rules run after the whole tree is read). The model is
 * filled while walking and thrown away if anything was wrong.
 *
 * Aliases (*anchor) become shared nodes, so one node may be walked many
 * times; a budget on walked nodes keeps a small file from expanding into an
 * enormous model. Checks over all addresses and names sort instead of
 * comparing pairs, for the same reason.
 *
 * Depends on libc and libyaml only: it is also built into a libFuzzer target.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "enforcer_common.h"
#include "addr.h"
#include "manifest.h"

#define MF_MAX_ERRORS	100
#define MF_MAX_NODES	(1u << 20)	/* walked nodes, alias re-visits included */
#define MF_MAX_DEPTH	64		/* YAML nesting; the schema needs 7 */
#define MF_MAX_FILE	(16u << 20)
#define MF_PATH_MAX	512
#define MF_SHOW_MAX	72		/* user text quoted in a message */
#define MF_HEALTH_MAX	256
#define MF_ZONE_MAX	512		/* template as written */
#define MF_MAX_ZONES	32		/* templates; each multiplies the names */
#define MF_MAX_SERVICES	(ENF_MAX_SERVICES - 1)	/* service ids are 1..65535 */
#define MF_DNS_NAME_MAX	253
#define MF_DNS_LABEL_MAX 63
#define MF_TTL_MAX	86400
#define MF_TTL_DEFAULT	5

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Zone template placeholders, as bits of a template's `used` set. */
enum {
	PH_SERVICE = 1 << 0,	/* {service} and its alias {type} */
	PH_APP = 1 << 1,
	PH_RACK = 1 << 2,
	PH_NETWORK = 1 << 3,
	PH_INDEX = 1 << 4,
};

/* Stands in for the instance number when zone names are compared. */
#define IDX_MARK '\x01'
#define IDX_MARK_STR "\x01"

struct mf_err {
	int line;
	int col;
	unsigned int seq;
	char *msg;		/* "field: text" */
};

enum { ADDR_INSTANCE, ADDR_VIP };

/* Where an instance or VIP address came from, for the cross-service checks. */
struct addr_rec {
	struct enf_addr addr;
	size_t app;
	size_t svc;
	size_t idx;
	int kind;
	struct mf_pos pos;
	size_t seq;
};

struct fe_rec {
	struct enf_addr addr;
	uint16_t port;
	uint8_t proto;
	size_t app;
	size_t svc;
	size_t idx;
	struct mf_pos pos;
	size_t seq;
};

struct zone_name {
	char *name;		/* expanded, {index} as IDX_MARK */
	size_t net;
	size_t app;
	size_t svc;
	size_t zone;
};

struct ctx {
	const char *file;
	const char *buf;
	size_t len;
	yaml_document_t *doc;
	struct manifest *m;
	struct mf_err errs[MF_MAX_ERRORS];
	unsigned int nerr;
	bool too_many;
	bool oom;
	bool stop;		/* too many errors or nodes, or out of memory */
	size_t visits;
	char path[MF_PATH_MAX];	/* dotted field of the node being walked */
	size_t plen;
	char shown[4][MF_SHOW_MAX + 4];
	unsigned int shown_i;
	struct addr_rec *addrs;
	size_t naddrs, caddrs;
	struct fe_rec *fes;
	size_t nfes, cfes;
	unsigned int *zone_used; /* per template: PH_* bits, 0 = template invalid */
	const struct mf_network **net_sorted; /* networks by name, for app lookups */
	size_t nservices;	/* over all apps so far */
};

/* ------------------------------------------------------------------------ */
/* Errors and field paths */

/* Copy user text for a message: control bytes become '?', long text is cut. */
static void sanitize(char *dst, size_t dstsz, const char *s, size_t len)
{
	size_t i, n = len, o = 0;
	bool cut = false;

	if (n > dstsz - 1) {
		n = dstsz - 4;
		/* do not cut a UTF-8 sequence in half */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		cut = true;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		dst[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (cut) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* 'text' for a message. Four rotating buffers: at most four per message. */
static const char *show_n(struct ctx *c, const char *s, size_t len)
{
	char *b = c->shown[c->shown_i++ % 4];
	size_t n;

	b[0] = '\'';
	sanitize(b + 1, MF_SHOW_MAX, s, len);
	n = strlen(b);
	b[n] = '\'';
	b[n + 1] = '\0';
	return b;
}

static const char *show(struct ctx *c, const char *s)
{
	return show_n(c, s, strlen(s));
}

static void verr(struct ctx *c, int line, int col, const char *field, const char *fmt,
		 va_list ap)
{
	char text[1024];
	int off;
	char *msg;

	if (c->stop && (c->too_many || c->oom))
		return;
	if (c->nerr >= MF_MAX_ERRORS) {
		c->too_many = true;
		c->stop = true;
		return;
	}
	off = snprintf(text, sizeof(text), "%s: ", field && *field ? field : "manifest");
	if (off < 0 || (size_t)off >= sizeof(text))
		off = 0;
	vsnprintf(text + off, sizeof(text) - (size_t)off, fmt, ap);
	msg = strdup(text);
	if (!msg) {
		c->oom = true;
		c->stop = true;
		return;
	}
	c->errs[c->nerr].line = line;
	c->errs[c->nerr].col = col;
	c->errs[c->nerr].seq = c->nerr;
	c->errs[c->nerr].msg = msg;
	c->nerr++;
}

static int mark_num(size_t v)
{
	return v >= (size_t)INT32_MAX ? INT32_MAX : (int)v + 1;
}

static struct mf_pos node_pos(const yaml_node_t *n)
{
	struct mf_pos p = { 1, 1 };

	if (n) {
		p.line = mark_num(n->start_mark.line);
		p.col = mark_num(n->start_mark.column);
	}
	return p;
}

/* Error at node n, for the field being walked (c->path). */
static void __attribute__((format(printf, 3, 4)))
err_node(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	struct mf_pos p = node_pos(n);
	va_list ap;

	va_start(ap, fmt);
	verr(c, p.line, p.col, c->path, fmt, ap);
	va_end(ap);
}

/* Error at a remembered position with an explicit field. */
static void __attribute__((format(printf, 4, 5)))
err_at(struct ctx *c, struct mf_pos p, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, p.line, p.col, field, fmt, ap);
	va_end(ap);
}

static size_t path_set(struct ctx *c, size_t old)
{
	c->plen = strlen(c->path);
	return old;
}

/* Append ".key" to the field path; returns what path_pop() restores. */
static size_t path_key(struct ctx *c, const char *key)
{
	char comp[MF_SHOW_MAX];
	size_t old = c->plen;

	sanitize(comp, sizeof(comp), key, strlen(key));
	snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", comp);
	return path_set(c, old);
}

static size_t path_idx(struct ctx *c, size_t i)
{
	size_t old = c->plen;

	snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);
	return path_set(c, old);
}

static void path_pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static void *xcalloc(struct ctx *c, size_t n, size_t size)
{
	void *p;

	if (!n)
		return NULL;
	p = calloc(n, size);
	if (!p) {
		c->oom = true;
		c->stop = true;
	}
	return p;
}

static char *xstrdup(struct ctx *c, const char *s)
{
	char *p = strdup(s);

	if (!p) {
		c->oom = true;
		c->stop = true;
	}
	return p;
}

/* ------------------------------------------------------------------------ */
/* Nodes */

static yaml_node_t *node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Plain empty, ~ and null are YAML's null: `key:` with nothing after it. */
static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = sval(n);
	return !n->data.scalar.length || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* What the user wrote, for "got X (expected Y)". */
static const char *got(struct ctx *c, const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		if (is_null(n))
			return "no value";
		return show_n(c, sval(n), n->data.scalar.length);
	default:
		return "nothing";
	}
}

/* Count a walked node against the budget. */
static bool visit(struct ctx *c, const yaml_node_t *n)
{
	if (c->stop)
		return false;
	if (++c->visits > MF_MAX_NODES) {
		err_node(c, n, "manifest too large: more than %u values once aliases are expanded "
			 "(write shared parts out or split the manifest)", MF_MAX_NODES);
		c->stop = true;
		return false;
	}
	return true;
}

/* A list; null is an empty list. False after an error. */
static bool want_seq(struct ctx *c, yaml_node_t *n, const char *what, yaml_node_item_t **items,
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
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return true;
}

/* A mapping; null is an empty mapping. False after an error. */
static bool want_map(struct ctx *c, yaml_node_t *n, const char *what, yaml_node_pair_t **pairs,
		     size_t *count)
{
	*pairs = NULL;
	*count = 0;
	if (!visit(c, n))
		return false;
	if (is_null(n))
		return true;
	if (n->type != YAML_MAPPING_NODE) {
		err_node(c, n, "got %s (expected %s)", got(c, n), what);
		return false;
	}
	*pairs = n->data.mapping.pairs.start;
	*count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	return true;
}

/* A non-null scalar without NUL bytes; NULL after an error. */
static const char *want_str(struct ctx *c, yaml_node_t *n, const char *what)
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

/* Lowercase and strip '_' and '-', to suggest the key a typo meant. */
static bool key_alike(const char *a, const char *b)
{
	for (;;) {
		while (*a == '_' || *a == '-')
			a++;
		while (*b == '_' || *b == '-')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if ((*a | 0x20) != (*b | 0x20))
			return false;
		a++;
		b++;
	}
}

/*
 * A mapping with a fixed set of keys: vals[i] is the value of keys[i] or NULL.
 * Unknown and duplicate keys are errors; the other keys are still returned.
 */
static bool get_fields(struct ctx *c, yaml_node_t *n, const char *what, const char *const *keys,
		       size_t nkeys, yaml_node_t **vals, yaml_node_t **knodes)
{
	yaml_node_pair_t *pairs;
	size_t count, i, k;

	for (k = 0; k < nkeys; k++) {
		vals[k] = NULL;
		if (knodes)
			knodes[k] = NULL;
	}
	if (!want_map(c, n, what, &pairs, &count))
		return false;
	for (i = 0; i < count && !c->stop; i++) {
		yaml_node_t *kn = node(c, pairs[i].key), *vn = node(c, pairs[i].value);
		const char *key;

		if (!kn || !vn)
			continue;
		key = want_str(c, kn, "a key name");
		if (!key)
			continue;
		for (k = 0; k < nkeys; k++)
			if (!strcmp(key, keys[k]))
				break;
		if (k == nkeys) {
			char allowed[512];
			const char *hint = NULL;
			size_t o = 0;

			allowed[0] = '\0';
			for (k = 0; k < nkeys; k++) {
				snprintf(allowed + o, sizeof(allowed) - o, "%s%s", k ? ", " : "",
					 keys[k]);
				o = strlen(allowed);
				if (!hint && key_alike(key, keys[k]))
					hint = keys[k];
			}
			if (hint)
				err_node(c, kn, "unknown key %s (did you mean %s? allowed: %s)",
					 show(c, key), hint, allowed);
			else
				err_node(c, kn, "unknown key %s (allowed: %s)", show(c, key),
					 allowed);
			continue;
		}
		if (vals[k]) {
			struct mf_pos first = node_pos(knodes ? knodes[k] : vals[k]);

			err_node(c, kn, "duplicate key %s (each key once; first at line %d)",
				 show(c, key), first.line);
			continue;
		}
		vals[k] = vn;
		if (knodes)
			knodes[k] = kn;
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* Scalars */

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/*
 * Decimal without sign or leading zeros (YAML 1.1 reads 010 as octal, so
 * refuse to guess). 0 ok, -1 not a number, -2 out of range.
 */
static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	bool neg = false;
	size_t i = 0;

	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len || (s[i] == '0' && len - i > 1))
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v <= max)	/* past max it stays out of range, without overflow */
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (neg && v)
		return -2;
	if (v > max)
		return -2;
	*out = v;
	return 0;
}

static void get_bool(struct ctx *c, yaml_node_t *n, const char *key, bool *out)
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

static bool get_uint(struct ctx *c, yaml_node_t *n, unsigned long min, unsigned long max,
		     unsigned long *out)
{
	const char *s = want_str(c, n, "a number");
	unsigned long v;
	int r;

	if (!s)
		return false;
	r = parse_uint(s, strlen(s), max, &v);
	if (r == -1) {
		err_node(c, n, "invalid number %s (expected a decimal integer %lu..%lu)",
			 show(c, s), min, max);
		return false;
	}
	if (r == -2 || v < min) {
		err_node(c, n, "%s is out of range (expected %lu..%lu)", show(c, s), min, max);
		return false;
	}
	*out = v;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Names */

/*
 * Normalise as the PaaS dashboards do (lowercase, space to hyphen) and check
 * the result is an RFC 1123 label. out always gets something printable.
 */
static bool norm_name(struct ctx *c, yaml_node_t *n, const char *raw, char out[MF_NAME_MAX])
{
	size_t len = strlen(raw), i;
	char tmp[MF_NAME_MAX];

	for (i = 0; i < len && i < MF_NAME_MAX - 1; i++) {
		unsigned char ch = (unsigned char)raw[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch | 0x20);
		else if (ch == ' ')
			ch = '-';
		tmp[i] = (char)ch;
	}
	tmp[i] = '\0';
	sanitize(out, MF_NAME_MAX, tmp, strlen(tmp));
	if (!len) {
		err_node(c, n, "empty name (expected 1-63 characters a-z, 0-9 and '-')");
		return false;
	}
	if (len > MF_DNS_LABEL_MAX) {
		err_node(c, n, "name %s is %zu characters long (at most 63: names are DNS labels)",
			 show(c, raw), len);
		return false;
	}
	for (i = 0; i < len; i++) {
		char ch = tmp[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) {
			err_node(c, n, "invalid name %s (expected a-z, 0-9 and '-'; letters are "
				 "lowercased and spaces become '-')", show(c, raw));
			return false;
		}
	}
	if (tmp[0] == '-' || tmp[len - 1] == '-') {
		err_node(c, n, "invalid name %s (must not start or end with '-' or a space)",
			 show(c, raw));
		return false;
	}
	return true;
}

struct named {
	yaml_node_t *key;
	yaml_node_t *val;
	const char *raw;	/* NULL when the key is not a usable string */
	char name[MF_NAME_MAX];	/* normalised */
	bool ok;		/* name is a valid label */
	size_t i;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = *(const struct named *const *)a;
	const struct named *y = *(const struct named *const *)b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * The entries of a mapping keyed by names (networks, apps, services), with
 * the names normalised and checked, including for two keys that normalise to
 * the same name. Returns a calloc'd array (NULL when empty or on error).
 */
static struct named *named_entries(struct ctx *c, yaml_node_t *n, const char *what,
				   size_t *count)
{
	yaml_node_pair_t *pairs;
	struct named *e, **sorted;
	size_t cnt, i, j, nok = 0;

	*count = 0;
	if (!want_map(c, n, what, &pairs, &cnt) || !cnt)
		return NULL;
	e = xcalloc(c, cnt, sizeof(*e));
	if (!e)
		return NULL;
	for (i = 0; i < cnt && !c->stop; i++) {
		e[i].i = i;
		e[i].key = node(c, pairs[i].key);
		e[i].val = node(c, pairs[i].value);
		if (!e[i].key || !e[i].val)
			continue;
		e[i].raw = want_str(c, e[i].key, "a name");
		if (!e[i].raw)
			continue;
		e[i].ok = norm_name(c, e[i].key, e[i].raw, e[i].name);
		nok += e[i].ok;
	}
	*count = cnt;
	if (nok < 2)
		return e;
	sorted = xcalloc(c, nok, sizeof(*sorted));
	if (!sorted)
		return e;
	for (i = 0, nok = 0; i < cnt; i++)
		if (e[i].ok)
			sorted[nok++] = &e[i];
	qsort(sorted, nok, sizeof(*sorted), named_cmp);
	/* sorted by (name, position): the head of each run is the first written */
	for (i = 0; i < nok; i = j) {
		struct named *first = sorted[i];
		struct mf_pos fp = node_pos(first->key);

		for (j = i + 1; j < nok && !strcmp(sorted[j]->name, first->name); j++) {
			struct named *dup = sorted[j];
			size_t old = path_key(c, dup->raw);

			if (!strcmp(first->raw, dup->raw))
				err_node(c, dup->key, "duplicate key %s (each name once; first at "
					 "line %d)", show(c, dup->raw), fp.line);
			else
				err_node(c, dup->key, "%s and %s (line %d) are the same name '%s' "
					 "(names are lowercased and spaces become '-')",
					 show(c, dup->raw), show(c, first->raw), fp.line,
					 dup->name);
			path_pop(c, old);
		}
	}
	free(sorted);
	return e;
}

/* Push the path component for a named entry: its name once valid. */
static size_t path_named(struct ctx *c, const struct named *e)
{
	return path_key(c, e->ok ? e->name : e->raw);
}

/* ------------------------------------------------------------------------ */
/* Addresses, CIDRs, ports */

/* A single host address (instances, vip, resolvers). */
static bool get_addr(struct ctx *c, yaml_node_t *n, struct enf_addr *a)
{
	const char *s = want_str(c, n, "an IPv4 or IPv6 address");

	if (!s)
		return false;
	if (strchr(s, '/')) {
		err_node(c, n, "%s is a CIDR (expected a single address without /prefix)",
			 show(c, s));
		return false;
	}
	if (!addr_parse(s, a)) {
		err_node(c, n, "invalid address %s (expected an IPv4 or IPv6 address such as "
			 "10.0.0.5 or fd00::5)", show(c, s));
		return false;
	}
	if (!addr_is_host(a)) {
		err_node(c, n, "%s is not a host address (expected a unicast address, not "
			 "unspecified, broadcast or multicast)", show(c, s));
		return false;
	}
	return true;
}

static bool parse_cidr_str(struct ctx *c, yaml_node_t *n, const char *s, struct mf_cidr *out)
{
	const char *slash = strchr(s, '/');
	char abuf[INET6_ADDRSTRLEN + 1], nbuf[INET6_ADDRSTRLEN];
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	unsigned int max;
	struct enf_addr net;

	if (alen >= sizeof(abuf))
		goto bad;
	memcpy(abuf, s, alen);
	abuf[alen] = '\0';
	if (!addr_parse(abuf, &out->addr))
		goto bad;
	max = out->addr.family == ENF_AF_INET ? 32 : 128;
	plen = max;
	if (slash && parse_uint(slash + 1, strlen(slash + 1), max, &plen)) {
		err_node(c, n, "invalid prefix length in %s (expected /0 to /%u for %s)",
			 show(c, s), max, max == 32 ? "IPv4" : "IPv6");
		return false;
	}
	out->plen = (uint8_t)plen;
	net = out->addr;
	if (!addr_mask(&net, out->plen)) {
		err_node(c, n, "%s has host bits set (did you mean %s/%u?)", s,
			 addr_format(&net, nbuf, sizeof(nbuf)), out->plen);
		return false;
	}
	return true;
bad:
	err_node(c, n, "invalid CIDR %s (expected an IPv4 or IPv6 prefix such as 10.0.0.0/8 or "
		 "fd00::/8, or a single address)", show(c, s));
	return false;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

static bool fixed_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* YYYY-MM-DD (midnight UTC) or RFC 3339 YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static bool parse_expiry(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	size_t len = strlen(s);
	const char *p;
	int64_t t;

	if (len < 10 || !fixed_digits(s, 4, &y) || s[4] != '-' || !fixed_digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !fixed_digits(s + 8, 2, &d))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != 't') || len < 20 || !fixed_digits(s + 11, 2, &h) ||
		    s[13] != ':' || !fixed_digits(s + 14, 2, &mi) || s[16] != ':' ||
		    !fixed_digits(s + 17, 2, &sec))
			return false;
		if (h > 23 || mi > 59 || sec > 60)
			return false;
		p = s + 19;
		if (*p == '.') {
			/* fractions of a second: accepted, truncated */
			if (p[1] < '0' || p[1] > '9')
				return false;
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		}
		if ((*p == 'Z' || *p == 'z') && !p[1]) {
			sign = 0;
		} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
			   fixed_digits(p + 1, 2, &oh) && p[3] == ':' &&
			   fixed_digits(p + 4, 2, &om)) {
			if (oh > 23 || om > 59)
				return false;
			sign = *p == '+' ? 1 : -1;
		} else {
			return false;
		}
	}
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t <= 0)
		return false;
	*out = t;
	return true;
}

static bool label_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static const char *const cidr_keys[] = { "cidr", "label", "expires" };

static bool parse_cidr_entry(struct ctx *c, yaml_node_t *n, struct mf_cidr *out)
{
	yaml_node_t *v[ARRAY_LEN(cidr_keys)];
	const char *s;
	size_t old;
	bool ok = true;

	out->pos = node_pos(n);
	if (n->type != YAML_MAPPING_NODE) {
		s = want_str(c, n, "a CIDR or { cidr, label, expires }");
		return s && parse_cidr_str(c, n, s, out);
	}
	if (!get_fields(c, n, "{ cidr, label, expires }", cidr_keys, ARRAY_LEN(cidr_keys), v,
			NULL))
		return false;
	if (!v[0]) {
		err_node(c, n, "missing cidr (expected { cidr: 10.0.0.0/8, label: ..., "
			 "expires: YYYY-MM-DD })");
		ok = false;
	} else {
		old = path_key(c, "cidr");
		s = want_str(c, v[0], "a CIDR such as 10.0.0.0/8");
		ok = s && parse_cidr_str(c, v[0], s, out);
		path_pop(c, old);
	}
	if (v[1]) {
		old = path_key(c, "label");
		s = want_str(c, v[1], "a short text");
		if (s && (strlen(s) >= MF_LABEL_MAX || !label_ok(s))) {
			err_node(c, v[1], "invalid label %s (expected at most %d characters, no "
				 "control characters)", show(c, s), MF_LABEL_MAX - 1);
			ok = false;
		} else if (s) {
			memcpy(out->label, s, strlen(s) + 1);
		} else {
			ok = false;
		}
		path_pop(c, old);
	}
	if (v[2]) {
		old = path_key(c, "expires");
		s = want_str(c, v[2], "a date");
		if (s && !parse_expiry(s, &out->expires)) {
			err_node(c, v[2], "invalid expiry %s (expected YYYY-MM-DD, "
				 "YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS+HH:MM, after 1970)",
				 show(c, s));
			ok = false;
		} else if (!s) {
			ok = false;
		}
		path_pop(c, old);
	}
	return ok;
}

static void parse_cidr_list(struct ctx *c, yaml_node_t *n, const char *key,
			    struct mf_cidr_list *l)
{
	yaml_node_item_t *items;
	size_t count, i, old;

	if (!n)
		return;
	old = path_key(c, key);
	if (want_seq(c, n, "a list of CIDRs", &items, &count) && count) {
		l->v = xcalloc(c, count, sizeof(*l->v));
		if (l->v)
			l->n = count;
		for (i = 0; l->v && i < count && !c->stop; i++) {
			yaml_node_t *e = node(c, items[i]);
			size_t o = path_idx(c, i);

			if (e)
				parse_cidr_entry(c, e, &l->v[i]);
			path_pop(c, o);
		}
	}
	path_pop(c, old);
}

/* "N" or "N/tcp|udp|sctp". 0 ok, -1 syntax, -2 range, -3 protocol. */
static int parse_port_spec(const char *s, uint16_t *port, uint8_t *proto)
{
	const char *slash = strchr(s, '/');
	size_t nlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v;
	int r = parse_uint(s, nlen, 65535, &v);

	if (r == -1)
		return -1;
	if (r == -2 || v == 0)
		return -2;
	*port = (uint16_t)v;
	*proto = IPPROTO_TCP;
	if (!slash)
		return 0;
	if (!strcasecmp(slash + 1, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcasecmp(slash + 1, "udp"))
		*proto = IPPROTO_UDP;
	else if (!strcasecmp(slash + 1, "sctp"))
		*proto = IPPROTO_SCTP;
	else
		return -3;
	return 0;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return "?";
	}
}

static bool port_spec_error(struct ctx *c, yaml_node_t *n, const char *s, int r)
{
	switch (r) {
	case 0:
		return true;
	case -2:
		err_node(c, n, "port %s is out of range (expected 1..65535)", show(c, s));
		break;
	case -3:
		err_node(c, n, "unknown protocol in %s (expected tcp, udp or sctp)", show(c, s));
		break;
	default:
		err_node(c, n, "invalid port %s (expected N, N/tcp, N/udp or N/sctp with N in "
			 "1..65535)", show(c, s));
		break;
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* Cross-reference records */

static bool add_addr_rec(struct ctx *c, const struct enf_addr *a, size_t app, size_t svc,
			 size_t idx, int kind, struct mf_pos pos)
{
	if (c->naddrs == c->caddrs) {
		size_t nc = c->caddrs ? c->caddrs * 2 : 64;
		struct addr_rec *p = realloc(c->addrs, nc * sizeof(*p));

		if (!p) {
			c->oom = true;
			c->stop = true;
			return false;
		}
		c->addrs = p;
		c->caddrs = nc;
	}
	c->addrs[c->naddrs] = (struct addr_rec){ .addr = *a, .app = app, .svc = svc,
						 .idx = idx, .kind = kind, .pos = pos,
						 .seq = c->naddrs };
	c->naddrs++;
	return true;
}

static bool add_fe_rec(struct ctx *c, const struct mf_frontend *f, size_t app, size_t svc,
		       size_t idx)
{
	if (c->nfes == c->cfes) {
		size_t nc = c->cfes ? c->cfes * 2 : 16;
		struct fe_rec *p = realloc(c->fes, nc * sizeof(*p));

		if (!p) {
			c->oom = true;
			c->stop = true;
			return false;
		}
		c->fes = p;
		c->cfes = nc;
	}
	c->fes[c->nfes] = (struct fe_rec){ .addr = f->addr, .port = f->port, .proto = f->proto,
					   .app = app, .svc = svc, .idx = idx, .pos = f->pos,
					   .seq = c->nfes };
	c->nfes++;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Services */

static const char *const svc_keys[] = {
	"port", "ports", "internal", "internalAndExternal", "vip", "frontends", "instances",
	"health", "publish_not_ready",
};

enum { SK_PORT, SK_PORTS, SK_INTERNAL, SK_IAE, SK_VIP, SK_FRONTENDS, SK_INSTANCES, SK_HEALTH,
       SK_PNR };

static void add_port(struct ctx *c, yaml_node_t *n, struct mf_service *s, uint16_t port,
		     uint8_t proto)
{
	size_t i;

	for (i = 0; i < s->nports; i++) {
		if (s->ports[i].port == port && s->ports[i].proto == proto) {
			err_node(c, n, "port %u/%s is listed twice (each port/protocol once)", port,
				 proto_name(proto));
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
		old = path_key(c, "ports");
		if (!want_seq(c, ports, "a list of ports such as [3000/tcp, 53/udp]", &items,
			      &count))
			count = 0;
		path_pop(c, old);
	}
	if (!port && !count)
		return;
	s->ports = xcalloc(c, count + 1, sizeof(*s->ports));
	if (!s->ports)
		return;
	if (port) {
		old = path_key(c, "port");
		if (port->type == YAML_SCALAR_NODE && !is_null(port) && strchr(sval(port), '/')) {
			visit(c, port);
			err_node(c, port, "invalid port %s (expected a TCP port number 1..65535; "
				 "use ports: for N/udp or N/sctp)",
				 show_n(c, sval(port), port->data.scalar.length));
		} else if (get_uint(c, port, 1, 65535, &v)) {
			add_port(c, port, s, (uint16_t)v, IPPROTO_TCP);
		}
		path_pop(c, old);
	}
	old = path_key(c, "ports");
	for (i = 0; i < count && !c->stop; i++) {
		yaml_node_t *e = node(c, items[i]);
		size_t o = path_idx(c, i);
		const char *str;
		uint16_t pn;
		uint8_t proto;

		if (e && (str = want_str(c, e, "a port such as 3000/tcp")) &&
		    port_spec_error(c, e, str, parse_port_spec(str, &pn, &proto)))
			add_port(c, e, s, pn, proto);
		path_pop(c, o);
	}
	path_pop(c, old);
}

static void parse_instances(struct ctx *c, yaml_node_t *n, struct mf_service *s, size_t app,
			    size_t svc)
{
	yaml_node_item_t *items;
	size_t count, i, old = path_key(c, "instances");

	if (want_seq(c, n, "a list of addresses", &items, &count) && count) {
		s->instances = xcalloc(c, count, sizeof(*s->instances));
		for (i = 0; s->instances && i < count && !c->stop; i++) {
			yaml_node_t *e = node(c, items[i]);
			size_t o = path_idx(c, i);
			struct mf_instance *in = &s->instances[s->ninstances];

			if (e && get_addr(c, e, &in->addr)) {
				in->pos = node_pos(e);
				add_addr_rec(c, &in->addr, app, svc, i, ADDR_INSTANCE, in->pos);
				s->ninstances++;
			}
			path_pop(c, o);
		}
	}
	path_pop(c, old);
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
			err_node(c, n, "invalid frontend %s (write an IPv6 frontend as "
				 "[ADDR]:PORT/PROTO)", show(c, s));
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
		err_node(c, n, "%s is not a host address (expected a unicast address, not "
			 "unspecified, broadcast or multicast)", show(c, s));
		return false;
	}
	r = parse_port_spec(rest, &f->port, &f->proto);
	if (r == -1)
		goto bad;
	return port_spec_error(c, n, s, r);
bad:
	err_node(c, n, "invalid frontend %s (expected ADDR:PORT[/PROTO] such as "
		 "192.0.2.10:30080/tcp, IPv6 as [ADDR]:PORT[/PROTO])", show(c, s));
	return false;
}

static void parse_frontends(struct ctx *c, yaml_node_t *n, struct mf_service *s, size_t app,
			    size_t svc)
{
	yaml_node_item_t *items;
	size_t count, i, old = path_key(c, "frontends");

	if (want_seq(c, n, "a list of ADDR:PORT/PROTO", &items, &count) && count) {
		s->frontends = xcalloc(c, count, sizeof(*s->frontends));
		for (i = 0; s->frontends && i < count && !c->stop; i++) {
			yaml_node_t *e = node(c, items[i]);
			size_t o = path_idx(c, i);
			struct mf_frontend *f = &s->frontends[s->nfrontends];
			const char *str;

			if (e && (str = want_str(c, e, "ADDR:PORT/PROTO"))) {
				f->pos = node_pos(e);
				if (parse_frontend(c, e, str, f)) {
					add_fe_rec(c, f, app, svc, i);
					s->nfrontends++;
				}
			}
			path_pop(c, o);
		}
	}
	path_pop(c, old);
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

static const char *const health_keys[] = { "port", "path" };

static void parse_health(struct ctx *c, yaml_node_t *n, struct mf_service *s)
{
	yaml_node_t *v[ARRAY_LEN(health_keys)] = { NULL, NULL };
	const char *path = "/";
	size_t old = path_key(c, "health"), o;
	unsigned long port = 0;
	bool ok = true;
	size_t i;

	if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
		path = want_str(c, n, "a path such as /health");
		ok = path != NULL;
		if (path && !health_path_ok(path)) {
			err_node(c, n, "invalid health path %s (expected an HTTP path starting "
				 "with '/', no spaces, under %d characters)", show(c, path),
				 MF_HEALTH_MAX);
			ok = false;
		}
	} else if (get_fields(c, n, "a path or { port, path }", health_keys,
			      ARRAY_LEN(health_keys), v, NULL)) {
		if (v[0]) {
			o = path_key(c, "port");
			ok = get_uint(c, v[0], 1, 65535, &port);
			path_pop(c, o);
		}
		if (v[1]) {
			o = path_key(c, "path");
			path = want_str(c, v[1], "a path such as /health");
			if (!path) {
				ok = false;
			} else if (!health_path_ok(path)) {
				err_node(c, v[1], "invalid health path %s (expected an HTTP path "
					 "starting with '/', no spaces, under %d characters)",
					 show(c, path), MF_HEALTH_MAX);
				ok = false;
			}
			path_pop(c, o);
		}
	} else {
		ok = false;
	}
	if (ok && !port) {
		/* an HTTP probe needs TCP: the first TCP port of the service */
		for (i = 0; i < s->nports && !port; i++)
			if (s->ports[i].proto == IPPROTO_TCP)
				port = s->ports[i].port;
		if (!port) {
			err_node(c, n, "no TCP port to probe (give health: { port: N, path: /p } "
				 "or a TCP port in port:/ports:)");
			ok = false;
		}
	}
	if (ok) {
		s->health_path = xstrdup(c, path);
		s->health_port = (uint16_t)port;
		s->has_health = s->health_path != NULL;
	}
	path_pop(c, old);
}

static void parse_service(struct ctx *c, const struct named *e, struct mf_service *s,
			  size_t app, size_t svc)
{
	yaml_node_t *v[ARRAY_LEN(svc_keys)], *k[ARRAY_LEN(svc_keys)];
	size_t old;

	s->pos = node_pos(e->key);
	memcpy(s->name, e->name, sizeof(s->name));
	if (!get_fields(c, e->val, "a service mapping (port, ports, internal, instances, ...)",
			svc_keys, ARRAY_LEN(svc_keys), v, k))
		return;
	parse_ports(c, v[SK_PORT], v[SK_PORTS], s);
	get_bool(c, v[SK_INTERNAL], "internal", &s->internal);
	get_bool(c, v[SK_IAE], "internalAndExternal", &s->internal_and_external);
	get_bool(c, v[SK_PNR], "publish_not_ready", &s->publish_not_ready);
	if (v[SK_VIP]) {
		old = path_key(c, "vip");
		if (get_addr(c, v[SK_VIP], &s->vip)) {
			s->has_vip = true;
			add_addr_rec(c, &s->vip, app, svc, 0, ADDR_VIP, node_pos(v[SK_VIP]));
		}
		path_pop(c, old);
	}
	if (v[SK_INSTANCES])
		parse_instances(c, v[SK_INSTANCES], s, app, svc);
	if (v[SK_FRONTENDS])
		parse_frontends(c, v[SK_FRONTENDS], s, app, svc);
	if (v[SK_HEALTH] && !is_null(v[SK_HEALTH]))
		parse_health(c, v[SK_HEALTH], s);
	if (s->internal_and_external && !s->nports && !v[SK_PORT] && !v[SK_PORTS]) {
		old = path_key(c, "internalAndExternal");
		err_node(c, k[SK_IAE], "nothing to expose: the service has no port (add port: or "
			 "ports:, or remove internalAndExternal)");
		path_pop(c, old);
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
	int r = strcmp(x->name, y->name);

	/* equal names (an error already reported) resolve to the first */
	if (r)
		return r;
	return x < y ? -1 : x > y;
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
	size_t i, o = 0, old = path_key(c, "network");

	raw = want_str(c, n, "a network name");
	if (raw && norm_name(c, n, raw, name)) {
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
			err_node(c, n, "unknown network %s (declared under networks: %s)",
				 show(c, raw), list);
		}
	}
	path_pop(c, old);
}

static void parse_app(struct ctx *c, const struct named *e, struct mf_app *a, size_t ai)
{
	yaml_node_t *v[ARRAY_LEN(app_keys)];
	struct named *svcs;
	size_t n, i, old;

	a->pos = node_pos(e->key);
	memcpy(a->name, e->name, sizeof(a->name));
	if (!get_fields(c, e->val, "an app mapping (network, trusted, services)", app_keys,
			ARRAY_LEN(app_keys), v, NULL))
		return;
	if (v[0])
		parse_app_network(c, v[0], a);
	parse_cidr_list(c, v[1], "trusted", &a->trusted);
	if (!v[2])
		return;
	old = path_key(c, "services");
	svcs = named_entries(c, v[2], "a mapping of service names to services", &n);
	c->nservices += n;
	if (svcs && c->nservices > MF_MAX_SERVICES) {
		err_node(c, v[2], "more than %d services in the manifest (the data plane's limit)",
			 MF_MAX_SERVICES);
		c->stop = true;
	} else if (svcs) {
		a->services = xcalloc(c, n, sizeof(*a->services));
		if (a->services)
			a->nservices = n;
		for (i = 0; a->services && i < n && !c->stop; i++) {
			size_t o;

			if (!svcs[i].raw)
				continue;
			o = path_named(c, &svcs[i]);
			parse_service(c, &svcs[i], &a->services[i], ai, i);
			path_pop(c, o);
		}
	}
	free(svcs);
	path_pop(c, old);
}

static void parse_apps(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	struct named *apps;
	size_t cnt, i, old = path_key(c, "apps");

	apps = named_entries(c, n, "a mapping of app names to apps", &cnt);
	if (apps) {
		m->apps = xcalloc(c, cnt, sizeof(*m->apps));
		if (m->apps)
			m->napps = cnt;
		for (i = 0; m->apps && i < cnt && !c->stop; i++) {
			size_t o;

			if (!apps[i].raw)
				continue;
			o = path_named(c, &apps[i]);
			parse_app(c, &apps[i], &m->apps[i], i);
			path_pop(c, o);
		}
		free(apps);
	}
	path_pop(c, old);
}

static const char *const net_keys[] = { "isolated", "cidrs", "peers" };

static void parse_networks(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	struct named *nets = NULL;
	size_t cnt = 0, i, old = path_key(c, "networks");

	if (n)
		nets = named_entries(c, n, "a mapping of network names to networks", &cnt);
	m->networks = xcalloc(c, cnt + 1, sizeof(*m->networks));
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
		net->pos = node_pos(nets[i].key);
		memcpy(net->name, nets[i].name, sizeof(net->name));
		o = path_named(c, &nets[i]);
		if (nets[i].ok && !strcmp(nets[i].name, "rack"))
			err_node(c, nets[i].key, "the network name 'rack' is reserved for the "
				 "implicit network of every app (choose another name)");
		if (get_fields(c, nets[i].val, "a network mapping (isolated, cidrs, peers)",
			       net_keys, ARRAY_LEN(net_keys), v, NULL)) {
			get_bool(c, v[0], "isolated", &net->isolated);
			parse_cidr_list(c, v[1], "cidrs", &net->cidrs);
			parse_cidr_list(c, v[2], "peers", &net->peers);
		}
		path_pop(c, o);
	}
	free(nets);
	path_pop(c, old);
	if (!m->networks)
		return;
	c->net_sorted = xcalloc(c, m->nnetworks, sizeof(*c->net_sorted));
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
	size_t count, i, old = path_key(c, "dns"), o;
	unsigned long ttl;

	if (get_fields(c, n, "a mapping (resolvers, ttl)", dns_keys, ARRAY_LEN(dns_keys), v,
		       NULL)) {
		if (v[0]) {
			o = path_key(c, "resolvers");
			if (want_seq(c, v[0], "a list of addresses", &items, &count) && count) {
				m->resolvers = xcalloc(c, count, sizeof(*m->resolvers));
				for (i = 0; m->resolvers && i < count && !c->stop; i++) {
					yaml_node_t *e = node(c, items[i]);
					size_t oi = path_idx(c, i);

					if (e && get_addr(c, e, &m->resolvers[m->nresolvers]))
						m->nresolvers++;
					path_pop(c, oi);
				}
			}
			path_pop(c, o);
		}
		if (v[1]) {
			o = path_key(c, "ttl");
			if (get_uint(c, v[1], 0, MF_TTL_MAX, &ttl))
				m->dns_ttl = (uint32_t)ttl;
			path_pop(c, o);
		}
	}
	path_pop(c, old);
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
	size_t i, old = path_key(c, "flows"), o;
	unsigned long t;

	if (get_fields(c, n, "a mapping (tcp, tcp_closing, udp, icmp, fragments)", flow_keys,
		       ARRAY_LEN(flow_keys), v, NULL)) {
		for (i = 0; i < ARRAY_LEN(flow_keys); i++) {
			if (!v[i])
				continue;
			o = path_key(c, flow_keys[i]);
			if (get_uint(c, v[i], 1, MF_FLOW_TIMEOUT_MAX, &t))
				*out[i] = (uint32_t)t;
			path_pop(c, o);
		}
	}
	path_pop(c, old);
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
			err_node(c, n, "UDP port %lu is already a %s port (line %u; expected each "
				 "port once)", port, kind, m->tunnels[i].pos.line);
		else
			err_node(c, n, "UDP port %lu is a %s port by default (give %s: its own "
				 "list to move it)", port, kind, kind);
		return;
	}
	if (m->ntunnels == ENF_MAX_TUNNEL_PORTS) {
		err_node(c, n, "more than %d tunnel ports (expected at most %d in all)",
			 ENF_MAX_TUNNEL_PORTS, ENF_MAX_TUNNEL_PORTS);
		return;
	}
	m->tunnels[m->ntunnels].port = (uint16_t)port;
	m->tunnels[m->ntunnels].kind = kind;
	m->tunnels[m->ntunnels].pos = node_pos(n);
	m->ntunnels++;
}

static void parse_tunnels(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_t *v[ARRAY_LEN(tunnel_keys)];
	struct mf_tunnel_port keep[ENF_MAX_TUNNEL_PORTS];
	size_t i, k, nkeep = 0, old = path_key(c, "tunnels"), o, oi, count;
	yaml_node_item_t *items;
	unsigned long port;

	if (!get_fields(c, n, "a mapping (vxlan, geneve: lists of UDP ports)", tunnel_keys,
			ARRAY_LEN(tunnel_keys), v, NULL)) {
		path_pop(c, old);
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
		o = path_key(c, tunnel_keys[k]);
		if (want_seq(c, v[k], "a list of UDP ports", &items, &count)) {
			for (i = 0; i < count && !c->stop; i++) {
				yaml_node_t *e = node(c, items[i]);

				oi = path_idx(c, i);
				if (e && get_uint(c, e, 1, 65535, &port))
					add_tunnel_port(c, e, tunnel_kinds[k], port);
				path_pop(c, oi);
			}
		}
		path_pop(c, o);
	}
	path_pop(c, old);
}

static const char *const iface_keys[] = { "name", "match", "role" };

static bool ifpattern_ok(struct ctx *c, yaml_node_t *n, const char *s, bool glob)
{
	size_t len = strlen(s);
	const char *p;

	if (!len || len >= MF_IFPAT_MAX) {
		err_node(c, n, "invalid interface %s %s (expected 1-%d characters)",
			 glob ? "pattern" : "name", show(c, s), MF_IFPAT_MAX - 1);
		return false;
	}
	for (p = s; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '/') {
			err_node(c, n, "invalid interface %s %s (no spaces, '/' or control "
				 "characters)", glob ? "pattern" : "name", show(c, s));
			return false;
		}
	}
	if (!glob && strpbrk(s, "*?[")) {
		err_node(c, n, "%s is a pattern (name: is matched literally; use match: for "
			 "globs)", show(c, s));
		return false;
	}
	return true;
}

static void parse_iface(struct ctx *c, yaml_node_t *n, struct mf_iface *f)
{
	yaml_node_t *v[ARRAY_LEN(iface_keys)];
	const char *s;
	size_t o;

	f->pos = node_pos(n);
	f->role = MF_ROLE_MIXED;
	if (!get_fields(c, n, "{ name: IFACE, role: ROLE } or { match: GLOB, role: ROLE }",
			iface_keys, ARRAY_LEN(iface_keys), v, NULL))
		return;
	if (v[0] && v[1]) {
		err_node(c, n, "both name and match given (expected exactly one: name for one "
			 "interface, match for a glob)");
	} else if (!v[0] && !v[1]) {
		err_node(c, n, "missing name or match (expected { name: eth0 } or "
			 "{ match: \"veth*\" })");
	} else {
		f->is_glob = !v[0];
		o = path_key(c, f->is_glob ? "match" : "name");
		s = want_str(c, f->is_glob ? v[1] : v[0], "an interface name");
		if (s && ifpattern_ok(c, f->is_glob ? v[1] : v[0], s, f->is_glob))
			memcpy(f->pattern, s, strlen(s) + 1);
		path_pop(c, o);
	}
	if (v[2]) {
		o = path_key(c, "role");
		s = want_str(c, v[2], "public, mixed or pods");
		if (s) {
			if (!strcasecmp(s, "public"))
				f->role = MF_ROLE_PUBLIC;
			else if (!strcasecmp(s, "mixed"))
				f->role = MF_ROLE_MIXED;
			else if (!strcasecmp(s, "pods"))
				f->role = MF_ROLE_PODS;
			else
				err_node(c, v[2], "unknown role %s (expected public, mixed or "
					 "pods)", show(c, s));
		}
		path_pop(c, o);
	}
}

static void parse_ifaces(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_item_t *items;
	size_t count, i, j, old = path_key(c, "interfaces");

	if (want_seq(c, n, "a list of { name|match, role }", &items, &count) && count) {
		if (count > ENF_MAX_IFRULES)
			err_node(c, n, "%zu interface rules (at most %d; use match: globs)", count,
				 ENF_MAX_IFRULES);
		m->ifaces = xcalloc(c, count, sizeof(*m->ifaces));
		if (m->ifaces)
			m->nifaces = count;
		for (i = 0; m->ifaces && i < count && !c->stop; i++) {
			yaml_node_t *e = node(c, items[i]);
			size_t o = path_idx(c, i);
			struct mf_iface *f = &m->ifaces[i];

			if (e)
				parse_iface(c, e, f);
			/* bounded by ENF_MAX_IFRULES in valid manifests: pairs are fine */
			for (j = 0; f->pattern[0] && j < i && j < ENF_MAX_IFRULES; j++) {
				if (m->ifaces[j].is_glob == f->is_glob &&
				    !strcmp(m->ifaces[j].pattern, f->pattern)) {
					err_node(c, e, "%s %s is listed twice (first at line %d)",
						 f->is_glob ? "match" : "name", show(c, f->pattern),
						 m->ifaces[j].pos.line);
					break;
				}
			}
			path_pop(c, o);
		}
	}
	path_pop(c, old);
}

/* ------------------------------------------------------------------------ */
/* Zone templates */

static unsigned int placeholder_bit(const char *s, size_t len)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} ph[] = {
		{ "service", PH_SERVICE }, { "type", PH_SERVICE }, { "app", PH_APP },
		{ "rack", PH_RACK }, { "network", PH_NETWORK }, { "index", PH_INDEX },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(ph); i++)
		if (strlen(ph[i].name) == len && !memcmp(ph[i].name, s, len))
			return ph[i].bit;
	return 0;
}

#define PH_ALLOWED "{service}, {type}, {app}, {rack}, {network} or {index}"

/* Syntax of a lowercased template; returns its PH_* set, 0 after an error. */
static unsigned int zone_syntax(struct ctx *c, yaml_node_t *n, const char *t)
{
	size_t i, label_static = 0, label_items = 0;
	bool label_ph = false, first_dash = false, last_dash = false;
	unsigned int used = 0;

	for (i = 0;; i++) {
		char ch = t[i];

		if (ch == '.' || !ch) {
			if (!label_items) {
				err_node(c, n, "template %s has an empty label (expected labels "
					 "separated by single dots, no leading or trailing dot)",
					 show(c, t));
				return 0;
			}
			if (first_dash || last_dash) {
				err_node(c, n, "template %s has a label that starts or ends with "
					 "'-' (not allowed in DNS names)", show(c, t));
				return 0;
			}
			if (!label_ph && label_static > MF_DNS_LABEL_MAX) {
				err_node(c, n, "template %s has a label of %zu characters (at most "
					 "63)", show(c, t), label_static);
				return 0;
			}
			if (!ch)
				break;
			label_static = label_items = 0;
			label_ph = first_dash = last_dash = false;
			continue;
		}
		if (ch == '{') {
			size_t j = i + 1;
			unsigned int bit;

			while (t[j] && t[j] != '}' && t[j] != '{')
				j++;
			if (t[j] != '}') {
				err_node(c, n, "unbalanced '{' in template %s (expected "
					 PH_ALLOWED ")", show(c, t));
				return 0;
			}
			bit = placeholder_bit(t + i + 1, j - i - 1);
			if (!bit) {
				err_node(c, n, "unknown placeholder %s in template %s (expected "
					 PH_ALLOWED ")", show_n(c, t + i, j - i + 1), show(c, t));
				return 0;
			}
			used |= bit;
			label_ph = true;
			label_items++;
			last_dash = false;
			i = j;
			continue;
		}
		if (ch == '}') {
			err_node(c, n, "unbalanced '}' in template %s (expected " PH_ALLOWED ")",
				 show(c, t));
			return 0;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) {
			err_node(c, n, "invalid character %s in template %s (expected a-z, 0-9, "
				 "'-', '.' and placeholders)", show_n(c, t + i, 1), show(c, t));
			return 0;
		}
		if (!label_items)
			first_dash = ch == '-';
		last_dash = ch == '-';
		label_static++;
		label_items++;
	}
	if (!used) {
		err_node(c, n, "template %s has no placeholder (expected at least one of "
			 PH_ALLOWED ")", show(c, t));
		return 0;
	}
	if (label_ph) {
		err_node(c, n, "template %s does not end in a fixed zone (expected static labels "
			 "after the last placeholder, such as {service}.internal)", show(c, t));
		return 0;
	}
	return used;
}

static void parse_zones(struct ctx *c, yaml_node_t *n)
{
	struct manifest *m = c->m;
	yaml_node_item_t *items;
	size_t count, i, j, k, old = path_key(c, "zones");

	if (want_seq(c, n, "a list of name templates such as \"{service}.internal\"", &items,
		     &count) && count > MF_MAX_ZONES) {
		err_node(c, n, "%zu templates (at most %d)", count, MF_MAX_ZONES);
	} else if (count) {
		m->zones = xcalloc(c, count, sizeof(*m->zones));
		c->zone_used = xcalloc(c, count, sizeof(*c->zone_used));
		if (m->zones && c->zone_used)
			m->nzones = count;
		for (i = 0; i < m->nzones && !c->stop; i++) {
			yaml_node_t *e = node(c, items[i]);
			size_t o = path_idx(c, i);
			struct mf_zone *z = &m->zones[i];
			const char *s;

			if (e && (s = want_str(c, e, "a name template"))) {
				z->pos = node_pos(e);
				if (strlen(s) > MF_ZONE_MAX) {
					err_node(c, e, "template is %zu characters long (at most "
						 "%d)", strlen(s), MF_ZONE_MAX);
				} else if ((z->tmpl = xstrdup(c, s))) {
					for (k = 0; z->tmpl[k]; k++)
						if (z->tmpl[k] >= 'A' && z->tmpl[k] <= 'Z')
							z->tmpl[k] |= 0x20;
					c->zone_used[i] = zone_syntax(c, e, z->tmpl);
					for (j = 0; c->zone_used[i] && j < i; j++) {
						if (m->zones[j].tmpl &&
						    !strcmp(m->zones[j].tmpl, z->tmpl)) {
							err_node(c, e, "template %s is "
								 "listed twice (first at "
								 "line %d)", show(c, z->tmpl),
								 m->zones[j].pos.line);
							break;
						}
					}
				}
			}
			path_pop(c, o);
		}
	}
	path_pop(c, old);
}

static size_t ndigits(size_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Expand t into out (size MF_ZONE_MAX * 16: every placeholder is >= 5 chars, <= 63). */
static void zone_expand(const char *t, const char *svc, const char *app, const char *net,
			const char *rack, char *out, size_t outsz)
{
	size_t o = 0, i;

	for (i = 0; t[i] && o + 1 < outsz; i++) {
		const char *rep = NULL;

		if (t[i] == '{') {
			size_t j = i + 1;
			unsigned int bit;

			while (t[j] && t[j] != '}')
				j++;
			bit = placeholder_bit(t + i + 1, j - i - 1);
			rep = bit == PH_SERVICE ? svc : bit == PH_APP ? app :
			      bit == PH_RACK ? rack : bit == PH_NETWORK ? net : IDX_MARK_STR;
			i = t[j] ? j : j - 1;
			while (*rep && o + 1 < outsz)
				out[o++] = *rep++;
			continue;
		}
		out[o++] = t[i];
	}
	out[o] = '\0';
}

/* Length checks of one expanded name; false (after one error) if too long. */
/* A name for a message, {index} shown as N. */
static void zone_show(char *dst, size_t sz, const char *name)
{
	size_t k;

	sanitize(dst, sz, name, strlen(name));
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
				err_at(c, z->pos, field, "the name '%s' for %s has a label of %zu "
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
	if (!(c->zone_used[zi] & PH_INDEX) && instances)
		total += idx + 1;
	if (total > MF_DNS_NAME_MAX) {
		zone_show(shown, sizeof(shown), name);
		err_at(c, z->pos, field, "names for %s are up to %zu characters long, such as '%s' "
		       "(at most 253)", what, total, shown);
		return false;
	}
	return true;
}

static int zone_name_cmp(const void *a, const void *b)
{
	const struct zone_name *x = a, *y = b;
	int r;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	r = strcmp(x->name, y->name);
	if (r)
		return r;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->app != y->app)
		return x->app < y->app ? -1 : 1;
	return x->svc < y->svc ? -1 : x->svc > y->svc;
}

/*
 * Expand every template for every service it can name: each name must fit
 * DNS limits, and no name may stand for two services of one network (split
 * horizon keeps networks apart, nothing keeps two apps of one network apart).
 */
static void check_zones(struct ctx *c)
{
	struct manifest *m = c->m;
	size_t zi, ai, si, nnames = 0, cap = 0, i;
	struct zone_name *names = NULL;
	const size_t bufsz = MF_ZONE_MAX * 16;
	char *buf;

	if (!m->nzones || !m->networks)
		return;
	for (zi = 0; zi < m->nzones; zi++) {
		if ((c->zone_used[zi] & PH_RACK) && !m->rack[0]) {
			char field[32];

			snprintf(field, sizeof(field), "zones[%zu]", zi);
			err_at(c, m->zones[zi].pos, field, "cannot fill {rack}: rack is not set "
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

				/* without {service} a template names the app's web service */
				if (!(used & PH_SERVICE) && strcmp(s->name, "web"))
					continue;
				/* entries whose key was unusable (already an error) */
				if (!a->name[0] || !s->name[0])
					continue;
				zone_expand(m->zones[zi].tmpl, s->name, a->name, net, m->rack, buf,
					    bufsz);
				if (!zone_name_fits(c, zi, buf, s->ninstances, a, s)) {
					ai = m->napps;	/* one error per template */
					break;
				}
				if (nnames == cap) {
					size_t nc = cap ? cap * 2 : 64;
					struct zone_name *p = realloc(names, nc * sizeof(*p));

					if (!p) {
						c->oom = c->stop = true;
						break;
					}
					names = p;
					cap = nc;
				}
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
		struct zone_name *x = &names[i - 1], *y = &names[i];
		char field[32], shown[MF_SHOW_MAX];

		if (x->net != y->net || strcmp(x->name, y->name) ||
		    (x->app == y->app && x->svc == y->svc))
			continue;
		zone_show(shown, sizeof(shown), y->name);
		snprintf(field, sizeof(field), "zones[%zu]", y->zone);
		err_at(c, m->zones[y->zone].pos, field,
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
	int r = addr_cmp(&x->addr, &y->addr);

	if (r)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int fe_rec_cmp(const void *a, const void *b)
{
	const struct fe_rec *x = a, *y = b;
	int r = addr_cmp(&x->addr, &y->addr);

	if (r)
		return r;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
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

static void check_addresses(struct ctx *c)
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
				err_at(c, r->pos, field, "%s is listed twice (first at line %d)",
				       addr_format(&r->addr, abuf, sizeof(abuf)), f->pos.line);
		} else if (svc_network(m, f->app) != svc_network(m, r->app)) {
			err_at(c, r->pos, field, "%s is also used by apps.%s.services.%s (line %d) "
			       "in network %s (an address belongs to one network)",
			       addr_format(&r->addr, abuf, sizeof(abuf)), m->apps[f->app].name,
			       m->apps[f->app].services[f->svc].name, f->pos.line,
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

			err_at(c, r->pos, field, "%s:%u/%s is already a frontend of "
			       "apps.%s.services.%s (line %d; each address:port/protocol once)",
			       addr_format(&r->addr, abuf, sizeof(abuf)), r->port, proto_name(r->proto),
			       m->apps[f->app].name, m->apps[f->app].services[f->svc].name,
			       f->pos.line);
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
			err_at(c, r->pos, field, "%s is %s of apps.%s.services.%s (line %d; a "
			       "frontend is a node, external or load-balancer address)",
			       addr_format(&r->addr, abuf, sizeof(abuf)),
			       hit->kind == ADDR_VIP ? "the VIP" : "an instance address",
			       m->apps[hit->app].name, m->apps[hit->app].services[hit->svc].name,
			       hit->pos.line);
		}
	}
}

static void check_internal_only(struct ctx *c)
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
			err_at(c, s->pos, field, "public service not allowed when internal_only is "
			       "true (%s)", s->internal_and_external ?
			       "remove internalAndExternal: true" : "set internal: true");
		}
	}
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

static void parse_top(struct ctx *c, yaml_node_t *root)
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
		visit(c, root);
		err_node(c, root, "got %s (expected a mapping with rack, zones, dns, private, "
			 "internal_only, mode, interfaces, networks, apps, flows, tunnels)",
			 got(c, root));
		return;
	}
	if (!get_fields(c, root, "a mapping", top_keys, ARRAY_LEN(top_keys), v, NULL))
		return;
	if (v[TK_RACK]) {
		old = path_key(c, "rack");
		s = want_str(c, v[TK_RACK], "a rack name");
		if (s)
			norm_name(c, v[TK_RACK], s, m->rack);
		path_pop(c, old);
	}
	if (v[TK_MODE]) {
		old = path_key(c, "mode");
		s = want_str(c, v[TK_MODE], "enforce or audit");
		if (s && !strcasecmp(s, "enforce"))
			m->mode = ENF_MODE_ENFORCE;
		else if (s && !strcasecmp(s, "audit"))
			m->mode = ENF_MODE_AUDIT;
		else if (s)
			err_node(c, v[TK_MODE], "unknown mode %s (expected enforce or audit)",
				 show(c, s));
		path_pop(c, old);
	}
	get_bool(c, v[TK_INTERNAL_ONLY], "internal_only", &m->internal_only);
	if (v[TK_DNS])
		parse_dns(c, v[TK_DNS]);
	if (v[TK_FLOWS])
		parse_flows(c, v[TK_FLOWS]);
	if (v[TK_TUNNELS])
		parse_tunnels(c, v[TK_TUNNELS]);
	parse_cidr_list(c, v[TK_PRIVATE], "private", &m->private_cidrs);
	if (v[TK_IFACES])
		parse_ifaces(c, v[TK_IFACES]);
	parse_networks(c, v[TK_NETWORKS]);
	if (v[TK_APPS])
		parse_apps(c, v[TK_APPS]);
	if (v[TK_ZONES])
		parse_zones(c, v[TK_ZONES]);
	if (c->stop)
		return;
	check_zones(c);
	check_addresses(c);
	check_internal_only(c);
}

/* ------------------------------------------------------------------------ */
/* YAML front end */

static struct mf_pos offset_pos(const char *buf, size_t len, size_t off)
{
	struct mf_pos p = { 1, 1 };
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			p.line++;
			p.col = 1;
		} else {
			p.col++;
		}
	}
	return p;
}

static void yaml_error(struct ctx *c, const yaml_parser_t *p)
{
	struct mf_pos pos;
	const char *problem = p->problem ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR) {
		c->oom = true;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		pos = offset_pos(c->buf, c->len, p->problem_offset);
		if (p->problem_value != -1)
			err_at(c, pos, "yaml", "%s (byte 0x%02x; a manifest is UTF-8 text)",
			       problem, (unsigned int)p->problem_value & 0xffu);
		else
			err_at(c, pos, "yaml", "%s", problem);
		return;
	}
	pos.line = mark_num(p->problem_mark.line);
	pos.col = mark_num(p->problem_mark.column);
	if (p->context)
		err_at(c, pos, "yaml", "%s (%s at line %d column %d)", problem, p->context,
		       mark_num(p->context_mark.line), mark_num(p->context_mark.column));
	else
		err_at(c, pos, "yaml", "%s", problem);
}

/*
 * First pass over the event stream: syntax, nesting depth and the number of
 * documents. False after an error.
 */
static bool yaml_prescan(struct ctx *c)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0;
	bool ok = true, done = false;

	if (!yaml_parser_initialize(&p)) {
		c->oom = true;
		return false;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)c->buf, c->len);
	while (!done) {
		struct mf_pos pos;

		if (!yaml_parser_parse(&p, &ev)) {
			yaml_error(c, &p);
			ok = false;
			break;
		}
		pos.line = mark_num(ev.start_mark.line);
		pos.col = mark_num(ev.start_mark.column);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs == 2) {
				err_at(c, pos, "yaml", "a second document (expected one manifest "
				       "per file; remove the '---' separator)");
				ok = false;
				done = true;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MF_MAX_DEPTH) {
				err_at(c, pos, "yaml", "nesting deeper than %d levels (a manifest "
				       "needs fewer than 10)", MF_MAX_DEPTH);
				ok = false;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (ok && !docs)
		err_at(c, (struct mf_pos){ 1, 1 }, "manifest", "empty file (expected a mapping "
		       "with rack, zones, dns, private, interfaces, networks, apps)");
	yaml_parser_delete(&p);
	return ok && docs;
}

static void print_errors(struct ctx *c, FILE *errf)
{
	unsigned int i, j;

	/* insertion sort by position: at most MF_MAX_ERRORS entries */
	for (i = 1; i < c->nerr; i++) {
		struct mf_err e = c->errs[i];

		for (j = i; j > 0; j--) {
			const struct mf_err *p = &c->errs[j - 1];

			if (p->line < e.line || (p->line == e.line && (p->col < e.col ||
			    (p->col == e.col && p->seq < e.seq))))
				break;
			c->errs[j] = c->errs[j - 1];
		}
		c->errs[j] = e;
	}
	if (!errf)
		return;
	for (i = 0; i < c->nerr; i++)
		fprintf(errf, "%s:%d:%d: %s\n", c->file, c->errs[i].line, c->errs[i].col,
			c->errs[i].msg);
	if (c->too_many)
		fprintf(errf, "%s: too many errors, stopped after %d\n", c->file, MF_MAX_ERRORS);
}

int manifest_load_buf(const char *buf, size_t len, const char *name, struct manifest **out,
		      FILE *errf)
{
	struct ctx *c;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	bool parsed = false;
	unsigned int i;
	int ret;

	if (out)
		*out = NULL;
	if (!name)
		name = "(manifest)";
	c = calloc(1, sizeof(*c));
	if (!c) {
		if (errf)
			fprintf(errf, "%s: cannot load manifest: %s\n", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	c->file = name;
	c->buf = buf ? buf : "";
	c->len = buf ? len : 0;

	if (yaml_prescan(c)) {
		if (!yaml_parser_initialize(&parser)) {
			c->oom = true;
		} else {
			yaml_parser_set_input_string(&parser, (const unsigned char *)c->buf,
						     c->len);
			if (!yaml_parser_load(&parser, &doc)) {
				yaml_error(c, &parser);
			} else {
				parsed = true;
				c->doc = &doc;
				root = yaml_document_get_root_node(&doc);
				c->m = calloc(1, sizeof(*c->m));
				if (!c->m)
					c->oom = true;
				else if (!root)
					err_at(c, (struct mf_pos){ 1, 1 }, "manifest",
					       "empty document (expected a mapping with rack, "
					       "zones, dns, private, interfaces, networks, apps)");
				else
					parse_top(c, root);
			}
			yaml_parser_delete(&parser);
		}
	}

	if (c->m && !c->oom && !c->nerr) {
		c->m->path = xstrdup(c, name);
	}
	if (c->oom) {
		if (errf)
			fprintf(errf, "%s: cannot load manifest: %s\n", name, strerror(ENOMEM));
		ret = -ENOMEM;
	} else if (c->nerr || c->too_many) {
		print_errors(c, errf);
		ret = -EINVAL;
	} else {
		ret = 0;
	}
	if (ret || !out) {
		manifest_free(c->m);
	} else {
		*out = c->m;
	}
	if (parsed)
		yaml_document_delete(&doc);
	for (i = 0; i < c->nerr; i++)
		free(c->errs[i].msg);
	free(c->addrs);
	free(c->fes);
	free(c->zone_used);
	free(c->net_sorted);
	free(c);
	return ret;
}

int manifest_load(const char *path, struct manifest **out, FILE *errf)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	FILE *f;
	int ret, err;

	if (out)
		*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		err = errno;
		goto fail;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *p;

			if (cap >= MF_MAX_FILE) {
				err = EFBIG;
				fclose(f);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p) {
				err = ENOMEM;
				fclose(f);
				goto fail;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				err = errno ? errno : EIO;
				fclose(f);
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	ret = manifest_load_buf(buf, len, path, out, errf);
	free(buf);
	return ret;
fail:
	free(buf);
	if (errf)
		fprintf(errf, "%s: cannot read manifest: %s%s\n", path, strerror(err),
			err == EFBIG ? " (at most 16 MiB)" : "");
	return -err;
}

void manifest_free(struct manifest *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; i < m->napps && m->apps; i++) {
		struct mf_app *a = &m->apps[i];

		for (j = 0; j < a->nservices && a->services; j++) {
			struct mf_service *s = &a->services[j];

			free(s->ports);
			free(s->instances);
			free(s->frontends);
			free(s->health_path);
		}
		free(a->services);
		free(a->trusted.v);
	}
	free(m->apps);
	for (i = 0; i < m->nnetworks && m->networks; i++) {
		free(m->networks[i].cidrs.v);
		free(m->networks[i].peers.v);
	}
	free(m->networks);
	for (i = 0; i < m->nzones && m->zones; i++)
		free(m->zones[i].tmpl);
	free(m->zones);
	free(m->resolvers);
	free(m->private_cidrs.v);
	free(m->ifaces);
	free(m->path);
	free(m);
}

size_t manifest_count_instances(const struct manifest *m)
{
	size_t n = 0, i, j;

	if (!m)
		return 0;
	for (i = 0; i < m->napps; i++)
		for (j = 0; j < m->apps[i].nservices; j++)
			n += m->apps[i].services[j].ninstances;
	return n;
}
