// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The manifest parser's front end: manifest_load(), the YAML read, every
 * error collected and printed, field paths and node helpers. (internal.h
 * lists the other files.)
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
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "internal.h"
#include "suggest.h"

/* ------------------------------------------------------------------------ */
/* Errors and field paths */

/* Copy user text for a message: control bytes become '?', long text is cut. */
void mf_sanitize(char *dst, size_t dstsz, const char *s, size_t len)
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
const char *mf_show_n(struct ctx *c, const char *s, size_t len)
{
	char *b = c->shown[c->shown_i++ % 4];
	size_t n;

	b[0] = '\'';
	mf_sanitize(b + 1, MF_SHOW_MAX, s, len);
	n = strlen(b);
	b[n] = '\'';
	b[n + 1] = '\0';
	return b;
}

const char *mf_show(struct ctx *c, const char *s)
{
	return mf_show_n(c, s, strlen(s));
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

struct mf_pos mf_node_pos(const yaml_node_t *n)
{
	struct mf_pos p = { 1, 1 };

	if (n) {
		p.line = mark_num(n->start_mark.line);
		p.col = mark_num(n->start_mark.column);
	}
	return p;
}

/* Error at node n, for the field being walked (c->path). */
void __attribute__((format(printf, 3, 4)))
mf_err_node(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	struct mf_pos p = mf_node_pos(n);
	va_list ap;

	va_start(ap, fmt);
	verr(c, p.line, p.col, c->path, fmt, ap);
	va_end(ap);
}

/* Error at a remembered position with an explicit field. */
void __attribute__((format(printf, 4, 5)))
mf_err_at(struct ctx *c, struct mf_pos p, const char *field, const char *fmt, ...)
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
size_t mf_path_key(struct ctx *c, const char *key)
{
	char comp[MF_SHOW_MAX];
	size_t old = c->plen;

	mf_sanitize(comp, sizeof(comp), key, strlen(key));
	snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", comp);
	return path_set(c, old);
}

size_t mf_path_idx(struct ctx *c, size_t i)
{
	size_t old = c->plen;

	snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);
	return path_set(c, old);
}

void mf_path_pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

void *mf_xcalloc(struct ctx *c, size_t n, size_t size)
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

char *mf_xstrdup(struct ctx *c, const char *s)
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

yaml_node_t *mf_node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

const char *mf_sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Plain empty, ~ and null are YAML's null: `key:` with nothing after it. */
bool mf_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = mf_sval(n);
	return !n->data.scalar.length || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* What the user wrote, for "got X (expected Y)". */
const char *mf_got(struct ctx *c, const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		if (mf_is_null(n))
			return "no value";
		return mf_show_n(c, mf_sval(n), n->data.scalar.length);
	default:
		return "nothing";
	}
}

/* Count a walked node against the budget. */
bool mf_visit(struct ctx *c, const yaml_node_t *n)
{
	if (c->stop)
		return false;
	if (++c->visits > MF_MAX_NODES) {
		mf_err_node(c, n, "manifest too large: more than %u values once aliases are expanded "
			 "(write shared parts out or split the manifest)", MF_MAX_NODES);
		c->stop = true;
		return false;
	}
	return true;
}

/* A node of `type` (a list or a mapping); null is an empty one. False after
 * an error. */
static bool want_kind(struct ctx *c, yaml_node_t *n, yaml_node_type_t type, const char *what)
{
	if (!mf_visit(c, n))
		return false;
	if (mf_is_null(n) || n->type == type)
		return true;
	mf_err_node(c, n, "got %s (expected %s)", mf_got(c, n), what);
	return false;
}

bool mf_want_seq(struct ctx *c, yaml_node_t *n, const char *what, yaml_node_item_t **items,
		 size_t *count)
{
	*items = NULL;
	*count = 0;
	if (!want_kind(c, n, YAML_SEQUENCE_NODE, what))
		return false;
	if (n->type == YAML_SEQUENCE_NODE) {
		*items = n->data.sequence.items.start;
		*count = (size_t)(n->data.sequence.items.top - *items);
	}
	return true;
}

bool mf_want_map(struct ctx *c, yaml_node_t *n, const char *what, yaml_node_pair_t **pairs,
		 size_t *count)
{
	*pairs = NULL;
	*count = 0;
	if (!want_kind(c, n, YAML_MAPPING_NODE, what))
		return false;
	if (n->type == YAML_MAPPING_NODE) {
		*pairs = n->data.mapping.pairs.start;
		*count = (size_t)(n->data.mapping.pairs.top - *pairs);
	}
	return true;
}

/* A non-null scalar without NUL bytes; NULL after an error. */
const char *mf_want_str(struct ctx *c, yaml_node_t *n, const char *what)
{
	if (!mf_visit(c, n))
		return NULL;
	if (n->type != YAML_SCALAR_NODE || mf_is_null(n)) {
		mf_err_node(c, n, "got %s (expected %s)", mf_got(c, n), what);
		return NULL;
	}
	if (memchr(mf_sval(n), '\0', n->data.scalar.length)) {
		mf_err_node(c, n, "%s contains a NUL character (expected %s)",
			 mf_show_n(c, mf_sval(n), n->data.scalar.length), what);
		return NULL;
	}
	return mf_sval(n);
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
bool mf_get_fields(struct ctx *c, yaml_node_t *n, const char *what, const char *const *keys,
		       size_t nkeys, yaml_node_t **vals, yaml_node_t **knodes)
{
	yaml_node_pair_t *pairs;
	size_t count, i, k;

	for (k = 0; k < nkeys; k++) {
		vals[k] = NULL;
		if (knodes)
			knodes[k] = NULL;
	}
	if (!mf_want_map(c, n, what, &pairs, &count))
		return false;
	for (i = 0; i < count && !c->stop; i++) {
		yaml_node_t *kn = mf_node(c, pairs[i].key), *vn = mf_node(c, pairs[i].value);
		const char *key;

		if (!kn || !vn)
			continue;
		key = mf_want_str(c, kn, "a key name");
		if (!key)
			continue;
		for (k = 0; k < nkeys; k++)
			if (!strcmp(key, keys[k]))
				break;
		if (k == nkeys) {
			char allowed[512];
			const char *hint = NULL;
			struct suggest near;
			size_t o = 0;

			allowed[0] = '\0';
			suggest_init(&near, key);
			for (k = 0; k < nkeys; k++) {
				snprintf(allowed + o, sizeof(allowed) - o, "%s%s", k ? ", " : "",
					 keys[k]);
				o = strlen(allowed);
				if (!hint && key_alike(key, keys[k]))
					hint = keys[k];
				suggest_add(&near, keys[k]);
			}
			/* a spelling of the key first, else a typo of it */
			if (!hint)
				hint = near.best;
			if (hint)
				mf_err_node(c, kn, "unknown key %s (did you mean %s? allowed: %s)",
					 mf_show(c, key), hint, allowed);
			else
				mf_err_node(c, kn, "unknown key %s (allowed: %s)", mf_show(c, key),
					 allowed);
			continue;
		}
		if (vals[k]) {
			struct mf_pos first = mf_node_pos(knodes ? knodes[k] : vals[k]);

			mf_err_node(c, kn, "duplicate key %s (each key once; first at line %d)",
				 mf_show(c, key), first.line);
			continue;
		}
		vals[k] = vn;
		if (knodes)
			knodes[k] = kn;
	}
	return true;
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
			mf_err_at(c, pos, "yaml", "%s (byte 0x%02x; a manifest is UTF-8 text)",
			       problem, (unsigned int)p->problem_value & 0xffu);
		else
			mf_err_at(c, pos, "yaml", "%s", problem);
		return;
	}
	pos.line = mark_num(p->problem_mark.line);
	pos.col = mark_num(p->problem_mark.column);
	if (p->context)
		mf_err_at(c, pos, "yaml", "%s (%s at line %d column %d)", problem, p->context,
		       mark_num(p->context_mark.line), mark_num(p->context_mark.column));
	else
		mf_err_at(c, pos, "yaml", "%s", problem);
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
				mf_err_at(c, pos, "yaml", "a second document (expected one manifest "
				       "per file; remove the '---' separator)");
				ok = false;
				done = true;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MF_MAX_DEPTH) {
				mf_err_at(c, pos, "yaml", "nesting deeper than %d levels (a manifest "
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
		mf_err_at(c, (struct mf_pos){ 1, 1 }, "manifest", "empty file (expected a mapping "
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
					mf_err_at(c, (struct mf_pos){ 1, 1 }, "manifest",
					       "empty document (expected a mapping with rack, "
					       "zones, dns, private, interfaces, networks, apps)");
				else
					mf_parse_top(c, root);
			}
			yaml_parser_delete(&parser);
		}
	}

	if (c->m && !c->oom && !c->nerr) {
		c->m->path = mf_xstrdup(c, name);
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

int manifest_read_file(const char *path, char **bufp, size_t *lenp, FILE *errf)
{
	bool is_stdin = !strcmp(path, "-");
	size_t len = 0, cap = 0;
	char *buf = NULL;
	struct stat sb;
	FILE *f;
	int err;

	*bufp = NULL;
	*lenp = 0;
	f = is_stdin ? stdin : fopen(path, "re");
	if (!f) {
		err = errno;
		goto fail;
	}
	if (!fstat(fileno(f), &sb) && S_ISDIR(sb.st_mode)) {
		err = EISDIR;
		goto fail_close;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *p;

			if (cap >= MF_MAX_FILE) {
				err = EFBIG;
				goto fail_close;
			}
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap + 1);
			if (!p) {
				err = ENOMEM;
				goto fail_close;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				err = errno ? errno : EIO;
				goto fail_close;
			}
			break;
		}
	}
	if (!is_stdin)
		fclose(f);
	if (len > MF_MAX_FILE) {
		err = EFBIG;
		goto fail;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail_close:
	if (!is_stdin)
		fclose(f);
fail:
	free(buf);
	if (errf)
		fprintf(errf, "%s: cannot read manifest: %s%s\n", path, strerror(err),
			err == EFBIG ? " (at most 16 MiB)" :
			err == EISDIR ? " (expected a manifest file)" : "");
	return -err;
}

int manifest_load(const char *path, struct manifest **out, FILE *errf)
{
	size_t len = 0;
	char *buf = NULL;
	int ret;

	if (out)
		*out = NULL;
	ret = manifest_read_file(path, &buf, &len, errf);
	if (ret)
		return ret;
	ret = manifest_load_buf(buf, len, path, out, errf);
	free(buf);
	return ret;
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
			free(s->health.path);
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
