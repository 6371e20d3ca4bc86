// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The manifest parser's front end: manifest_load(), the YAML read, every
 * error collected and printed, field paths and node helpers. (internal.h
 * lists the other files.)
 *
 * The YAML is read once, with libyaml's document API, whose node tree carries
 * the positions we report; the next event must end the stream (one document
 * per file), and a walk of the tree rejects nesting deeper than any manifest
 * needs. (libyaml before 0.2.3 loads recursively, one C frame per level, so
 * there a first pass over the event stream checks the nesting before the
 * load.) The tree is walked against a fixed schema: each level knows its
 * keys, so a typo is an error instead of a silently ignored (and weaker)
 * policy.
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

static void verr(struct ctx *c, struct mf_pos p, const char *field, const char *fmt,
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
	c->errs[c->nerr].file = p.file;
	c->errs[c->nerr].line = p.line;
	c->errs[c->nerr].col = p.col;
	c->errs[c->nerr].seq = c->nerr;
	c->errs[c->nerr].msg = msg;
	c->nerr++;
}

static int mark_num(size_t v)
{
	return v >= (size_t)INT32_MAX ? INT32_MAX : (int)v + 1;
}

struct mf_pos mf_node_pos(const struct ctx *c, const yaml_node_t *n)
{
	struct mf_pos p = { 1, 1, c->cur_file };

	if (n) {
		p.line = mark_num(n->start_mark.line);
		p.col = mark_num(n->start_mark.column);
		if (c->merged)
			p.file = (int)n->start_mark.index;
	}
	return p;
}

static const char *mf_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* "line 12" for a message about another place; "line 12 of dir/b.yaml" when
 * the manifest is several files. Four rotating buffers, as mf_show. */
const char *mf_line_ref(struct ctx *c, struct mf_pos p)
{
	char *b = c->shown[c->shown_i++ % 4];

	if (c->nfiles > 1 && p.file >= 0 && (size_t)p.file < c->nfiles)
		snprintf(b, MF_SHOW_MAX + 4, "line %d of %s", p.line,
			 mf_base(c->files[p.file]));
	else
		snprintf(b, MF_SHOW_MAX + 4, "line %d", p.line);
	return b;
}

/* Error at node n, for the field being walked (c->path). */
void __attribute__((format(printf, 3, 4)))
mf_err_node(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	struct mf_pos p = mf_node_pos(c, n);
	va_list ap;

	va_start(ap, fmt);
	verr(c, p, c->path, fmt, ap);
	va_end(ap);
}

/* Error at a remembered position with an explicit field. */
void __attribute__((format(printf, 4, 5)))
mf_err_at(struct ctx *c, struct mf_pos p, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, p, field, fmt, ap);
	va_end(ap);
}

/*
 * Appends `n` bytes of `s` to the field path, cut where the path is full.
 * (Every element of a list extends the path: no snprintf here, it showed in
 * profiles of 100k-instance manifests.)
 */
static void path_append(struct ctx *c, const char *s, size_t n)
{
	size_t room = sizeof(c->path) - 1 - c->plen;

	if (n > room)
		n = room;
	memcpy(c->path + c->plen, s, n);
	c->plen += n;
	c->path[c->plen] = '\0';
}

/* Append ".key" to the field path; returns what path_pop() restores. */
size_t mf_path_key(struct ctx *c, const char *key)
{
	char comp[MF_SHOW_MAX];
	size_t old = c->plen;

	mf_sanitize(comp, sizeof(comp), key, strlen(key));
	if (old)
		path_append(c, ".", 1);
	path_append(c, comp, strlen(comp));
	return old;
}

/* Append "[i]" to the field path; returns what path_pop() restores. */
size_t mf_path_idx(struct ctx *c, size_t i)
{
	char digits[24], *d = digits + sizeof(digits);
	size_t old = c->plen;

	*--d = ']';
	do
		*--d = (char)('0' + i % 10);
	while (i /= 10);
	*--d = '[';
	path_append(c, d, (size_t)(digits + sizeof(digits) - d));
	return old;
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
			struct mf_pos first = mf_node_pos(c, knodes ? knodes[k] : vals[k]);

			mf_err_node(c, kn, "duplicate key %s (each key once; first at %s)",
				 mf_show(c, key), mf_line_ref(c, first));
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
	struct mf_pos p = { 1, 1, 0 };
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
		pos.file = c->cur_file;
		if (p->problem_value != -1)
			mf_err_at(c, pos, "yaml", "%s (byte 0x%02x; a manifest is UTF-8 text)",
			       problem, (unsigned int)p->problem_value & 0xffu);
		else
			mf_err_at(c, pos, "yaml", "%s", problem);
		return;
	}
	pos.line = mark_num(p->problem_mark.line);
	pos.col = mark_num(p->problem_mark.column);
	pos.file = c->cur_file;
	if (p->context)
		mf_err_at(c, pos, "yaml", "%s (%s at line %d column %d)", problem, p->context,
		       mark_num(p->context_mark.line), mark_num(p->context_mark.column));
	else
		mf_err_at(c, pos, "yaml", "%s", problem);
}

static void err_deep(struct ctx *c, yaml_mark_t m)
{
	mf_err_at(c, (struct mf_pos){ mark_num(m.line), mark_num(m.column), c->cur_file }, "yaml",
		  "nesting deeper than %d levels (a manifest needs fewer than 10)", MF_MAX_DEPTH);
}

static void err_second_doc(struct ctx *c, yaml_mark_t m)
{
	mf_err_at(c, (struct mf_pos){ mark_num(m.line), mark_num(m.column), c->cur_file }, "yaml",
		  "a second document (expected one manifest per file; remove the '---' "
		  "separator)");
}

static void err_empty(struct ctx *c)
{
	mf_err_at(c, (struct mf_pos){ 1, 1, c->cur_file }, "manifest", "empty file (expected a "
		  "mapping with rack, zones, dns, private, interfaces, networks, apps)");
}

/*
 * For libyaml before 0.2.3 only, whose loader recurses per nesting level: a
 * first pass over the event stream (which is not recursive) for syntax,
 * nesting depth and the number of documents. False after an error.
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
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_error(c, &p);
			ok = false;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs == 2) {
				err_second_doc(c, ev.start_mark);
				ok = false;
				done = true;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MF_MAX_DEPTH) {
				err_deep(c, ev.start_mark);
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
		err_empty(c);
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

			if (p->file != e.file ? p->file < e.file : p->line != e.line ?
			    p->line < e.line : p->col != e.col ? p->col < e.col : p->seq < e.seq)
				break;
			c->errs[j] = c->errs[j - 1];
		}
		c->errs[j] = e;
	}
	if (!errf)
		return;
	for (i = 0; i < c->nerr; i++)
		fprintf(errf, "%s:%d:%d: %s\n", c->files[c->errs[i].file], c->errs[i].line,
			c->errs[i].col, c->errs[i].msg);
	if (c->too_many)
		fprintf(errf, "%s: too many errors, stopped after %d\n", c->name, MF_MAX_ERRORS);
}

/* ------------------------------------------------------------------------ */
/* A directory's manifests, merged */

static bool add_file(struct ctx *c, const char *dir, const char *name, size_t nlen)
{
	char *f;

	if (dir && asprintf(&f, "%s/%.*s", dir, (int)nlen, name) < 0)
		f = NULL;
	else if (!dir)
		f = strndup(name, nlen);
	if (!f) {
		c->oom = true;
		return false;
	}
	c->files[c->nfiles++] = f;
	return true;
}

/* "<digits> <digits>\n" of a manifest set's entry; false if not that. */
static bool set_header(const char **p, const char *end, size_t *nlen, size_t *tlen)
{
	size_t *v[2] = { nlen, tlen };
	int k;

	for (k = 0; k < 2; k++) {
		const char *s = *p;

		*v[k] = 0;
		while (*p < end && **p >= '0' && **p <= '9' && *p - s < 9)
			*v[k] = *v[k] * 10 + (size_t)(*(*p)++ - '0');
		if (*p == s || *p >= end || **p != (k ? '\n' : ' '))
			return false;
		(*p)++;
	}
	return true;
}

/*
 * Splits a manifest set (source.c) into c->files and the texts' places in
 * `buf`. A set that is not well formed (made by hand, or damaged) is an
 * error at line 1 of the directory.
 */
static bool split_set(struct ctx *c, const char *buf, size_t len, const char ***texts,
		      size_t **lens)
{
	const char *p = buf + sizeof(MF_SET_MAGIC) - 1, *end = buf + len;
	size_t n = 0, nlen, tlen;

	c->files = calloc(MF_MAX_SET_FILES + 1, sizeof(*c->files));
	*texts = calloc(MF_MAX_SET_FILES, sizeof(**texts));
	*lens = calloc(MF_MAX_SET_FILES, sizeof(**lens));
	if (!c->files || !*texts || !*lens) {
		c->oom = true;
		return false;
	}
	while (p < end) {
		if (n == MF_MAX_SET_FILES || !set_header(&p, end, &nlen, &tlen) || !nlen ||
		    nlen > 255 || nlen > (size_t)(end - p) || tlen > (size_t)(end - p) - nlen ||
		    memchr(p, '/', nlen) || memchr(p, '\0', nlen))
			break;
		if (!add_file(c, c->name, p, nlen))
			return false;
		(*texts)[n] = p + nlen;
		(*lens)[n] = tlen;
		p += nlen + tlen;
		n++;
	}
	if (p == end && n)
		return true;
	/* errors print c->files[0]: the directory itself */
	while (c->nfiles)
		free(c->files[--c->nfiles]);
	if (add_file(c, NULL, c->name, strlen(c->name)))
		mf_err_at(c, (struct mf_pos){ 1, 1, 0 }, "manifest", "not a manifest (a manifest "
			  "set that is not well formed; give the directory instead)");
	return false;
}

/*
 * False after reporting the first list or mapping (in the text's order)
 * nested deeper than MF_MAX_DEPTH. libyaml numbers nodes in the order their
 * text starts and an alias names a node whose text started before it, so a
 * walk in document order that skips nodes already seen meets each node first
 * at its own place in the text: the depth there is its nesting as written.
 */
struct depth_frame {
	const yaml_node_t *n;	/* a list or a mapping */
	size_t next;		/* the next of its children (a mapping: key, value, ...) */
};

static bool check_depth(struct ctx *c, yaml_document_t *doc)
{
	struct depth_frame st[MF_MAX_DEPTH];
	size_t nn = (size_t)(doc->nodes.top - doc->nodes.start);
	unsigned char *seen = calloc(nn + 1, 1);	/* by node id, 1-based */
	int top = 0;
	bool ok = true;

	if (!seen) {
		c->oom = true;
		return false;
	}
	seen[1] = 1;
	if (doc->nodes.start->type != YAML_SCALAR_NODE)
		st[top++] = (struct depth_frame){ doc->nodes.start, 0 };
	while (top && ok) {
		const yaml_node_t *n = st[top - 1].n;
		size_t i = st[top - 1].next++;
		int id;

		if (n->type == YAML_SEQUENCE_NODE) {
			if (i >= (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)) {
				top--;
				continue;
			}
			id = n->data.sequence.items.start[i];
		} else {
			const yaml_node_pair_t *pr = n->data.mapping.pairs.start + i / 2;

			if (pr >= n->data.mapping.pairs.top) {
				top--;
				continue;
			}
			id = i % 2 ? pr->value : pr->key;
		}
		if (id < 1 || (size_t)id > nn || seen[id])
			continue;
		seen[id] = 1;
		n = doc->nodes.start + id - 1;
		if (n->type == YAML_SCALAR_NODE)
			continue;
		if (top == MF_MAX_DEPTH) {
			err_deep(c, n->start_mark);
			ok = false;
		} else {
			st[top++] = (struct depth_frame){ n, 0 };
		}
	}
	free(seen);
	return ok;
}

/* libyaml before 0.2.3 loads a document recursively, a C frame per level. */
static bool loader_recurses(void)
{
	int major, minor, patch;

	yaml_get_version(&major, &minor, &patch);
	return major == 0 && (minor < 2 || (minor == 2 && patch < 3));
}

/* Loads one file's YAML document; false after an error. */
static bool load_doc(struct ctx *c, const char *buf, size_t len, yaml_document_t *doc)
{
	yaml_parser_t parser;
	yaml_event_t next;
	bool ok = false;

	c->buf = buf;
	c->len = len;
	if (loader_recurses() && !yaml_prescan(c))
		return false;
	if (!yaml_parser_initialize(&parser)) {
		c->oom = true;
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)c->buf, c->len);
	if (!yaml_parser_load(&parser, doc)) {
		yaml_error(c, &parser);
		goto out;
	}
	if (!yaml_document_get_root_node(doc)) {
		/* no document in the stream: only whitespace and comments */
		err_empty(c);
		goto out_doc;
	}
	/* the depth first: the text before anything after the document */
	if (!check_depth(c, doc))
		goto out_doc;
	/* the stream must end here: a second document is an error */
	if (!yaml_parser_parse(&parser, &next)) {
		yaml_error(c, &parser);
		goto out_doc;
	}
	ok = next.type == YAML_STREAM_END_EVENT;
	if (!ok)
		err_second_doc(c, next.start_mark);
	yaml_event_delete(&next);
	if (ok)
		goto out;
out_doc:
	yaml_document_delete(doc);
out:
	yaml_parser_delete(&parser);
	return ok;
}

static bool add_pair(struct ctx *c, yaml_node_t *map, int key, int value)
{
	yaml_node_pair_t **s = &map->data.mapping.pairs.start;
	yaml_node_pair_t **top = &map->data.mapping.pairs.top;
	yaml_node_pair_t **end = &map->data.mapping.pairs.end;

	if (*top == *end) {
		size_t n = (size_t)(*end - *s), off = (size_t)(*top - *s);
		yaml_node_pair_t *p = realloc(*s, (n ? n * 2 : 16) * sizeof(*p));

		if (!p) {
			c->oom = true;
			return false;
		}
		*s = p;
		*top = p + off;
		*end = p + (n ? n * 2 : 16);
	}
	(*top)->key = key;
	(*top)->value = value;
	(*top)++;
	return true;
}

static bool new_map(struct ctx *c, yaml_node_t *n, yaml_mark_t mark)
{
	memset(n, 0, sizeof(*n));
	n->type = YAML_MAPPING_NODE;
	n->tag = (yaml_char_t *)strdup(YAML_MAP_TAG);
	n->data.mapping.style = YAML_BLOCK_MAPPING_STYLE;
	n->start_mark = n->end_mark = mark;
	if (!n->tag)
		c->oom = true;
	return n->tag;
}

/*
 * One document from the files' documents, as if they were one manifest:
 * the entries of `networks` and `apps` from every file form one mapping
 * (a name in two files is then a duplicate, reported at both places); any
 * other top-level key is written once, in one file (twice is a duplicate
 * key). The files' nodes are moved, not copied (anchors stay shared, so
 * the walk's node budget still holds), with their ids shifted and their
 * start_mark.index set to the file's index, which mf_node_pos() reads.
 */
enum { SLOT_ROOT, SLOT_NETWORKS, SLOT_APPS, SLOTS };

static bool merge_docs(struct ctx *c, yaml_document_t *docs, size_t n, yaml_document_t *out)
{
	static const char *const merged_keys[] = { [SLOT_NETWORKS] = "networks",
						   [SLOT_APPS] = "apps" };
	size_t total = SLOTS, i, j, base, *roots;
	bool used[SLOTS] = {}, ok = true;
	yaml_node_t *nodes;

	memset(out, 0, sizeof(*out));	/* deleted by the caller, whatever happens */
	for (i = 0; i < n; i++)
		total += (size_t)(docs[i].nodes.top - docs[i].nodes.start);
	nodes = calloc(total, sizeof(*nodes));
	roots = calloc(n, sizeof(*roots));
	/* every slot a valid node: yaml_document_delete() asserts on others */
	for (i = 0; nodes && roots && i < SLOTS; i++)
		if (!new_map(c, &nodes[i], docs[0].nodes.start->start_mark))
			break;
	if (i < SLOTS) {
		for (j = 0; nodes && j < SLOTS; j++)
			free(nodes[j].tag);
		free(nodes);
		free(roots);
		c->oom = true;
		return false;
	}
	out->nodes.start = nodes;
	out->nodes.top = out->nodes.end = nodes + total;
	c->doc = out;	/* mf_node() below reads it */
	for (i = 0; i < SLOTS; i++)
		nodes[i].start_mark.index = nodes[i].end_mark.index = 0;
	for (i = 0, base = SLOTS; i < n; i++) {
		size_t cnt = (size_t)(docs[i].nodes.top - docs[i].nodes.start);

		/* node id k of file i is id base + k here (ids count from 1) */
		for (j = 0; j < cnt; j++) {
			yaml_node_t *nd = &nodes[base + j];
			yaml_node_item_t *it;
			yaml_node_pair_t *pr;

			*nd = docs[i].nodes.start[j];
			nd->start_mark.index = nd->end_mark.index = i;
			if (nd->type == YAML_SEQUENCE_NODE)
				for (it = nd->data.sequence.items.start;
				     it < nd->data.sequence.items.top; it++)
					*it += (int)base;
			else if (nd->type == YAML_MAPPING_NODE)
				for (pr = nd->data.mapping.pairs.start;
				     pr < nd->data.mapping.pairs.top; pr++) {
					pr->key += (int)base;
					pr->value += (int)base;
				}
		}
		docs[i].nodes.top = docs[i].nodes.start;	/* moved */
		roots[i] = base;
		base += cnt;
	}
	for (i = 0; i < n && ok && !c->oom; i++) {
		yaml_node_t *root = &nodes[roots[i]];
		yaml_node_pair_t *pr;

		c->cur_file = (int)i;
		if (root->type != YAML_MAPPING_NODE) {
			mf_visit(c, root);
			mf_err_node(c, root, "got %s (expected a mapping with rack, zones, dns, "
				    "private, internal_only, mode, interfaces, networks, apps, "
				    "flows, tunnels)", mf_got(c, root));
			continue;
		}
		for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = mf_node(c, pr->key), *v = mf_node(c, pr->value);
			yaml_node_pair_t *vp;
			int s;

			for (s = SLOT_NETWORKS; s < SLOTS; s++)
				if (k && k->type == YAML_SCALAR_NODE &&
				    !strcmp(mf_sval(k), merged_keys[s]))
					break;
			if (s == SLOTS || !v || (v->type != YAML_MAPPING_NODE && !mf_is_null(v))) {
				ok = add_pair(c, &nodes[SLOT_ROOT], pr->key, pr->value);
				continue;
			}
			if (!used[s]) {
				nodes[s].start_mark = nodes[s].end_mark = v->start_mark;
				used[s] = ok = add_pair(c, &nodes[SLOT_ROOT], pr->key, s + 1);
			}
			if (v->type == YAML_MAPPING_NODE)
				for (vp = v->data.mapping.pairs.start;
				     ok && vp < v->data.mapping.pairs.top; vp++)
					ok = add_pair(c, &nodes[s], vp->key, vp->value);
		}
	}
	free(roots);
	c->cur_file = 0;
	return ok && !c->oom;	/* a root that is not a mapping: told, skipped */
}

int manifest_load_buf(const char *buf, size_t len, const char *name, struct manifest **out,
		      FILE *errf)
{
	yaml_document_t *docs = NULL, merged;
	bool is_set, have_merged = false;
	const char **texts = NULL;
	size_t *lens = NULL, ndocs = 0;
	yaml_node_t *root = NULL;
	struct ctx *c;
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
	c->name = name;
	if (!buf)
		buf = "";
	is_set = len >= sizeof(MF_SET_MAGIC) - 1 &&
		 !memcmp(buf, MF_SET_MAGIC, sizeof(MF_SET_MAGIC) - 1);
	if (is_set) {
		if (split_set(c, buf, len, &texts, &lens))
			docs = calloc(c->nfiles, sizeof(*docs));
		if (c->nfiles && !docs && !c->nerr)
			c->oom = true;
	} else {
		c->files = calloc(1, sizeof(*c->files));
		docs = calloc(1, sizeof(*docs));
		if (c->files && docs && add_file(c, NULL, name, strlen(name))) {
			texts = calloc(1, sizeof(*texts));
			lens = calloc(1, sizeof(*lens));
			if (texts && lens) {
				texts[0] = buf;
				lens[0] = len;
			}
		}
		if (!texts || !lens)
			c->oom = true;
	}
	/* every file is read, so every file's syntax errors are told at once */
	for (i = 0; docs && !c->oom && i < c->nfiles; i++) {
		c->cur_file = (int)i;
		if (load_doc(c, texts[i], lens[i], &docs[ndocs]))
			ndocs++;
	}
	c->cur_file = 0;
	if (!c->oom && !c->nerr && ndocs == c->nfiles && ndocs) {
		if (!is_set) {
			c->doc = &docs[0];
			root = yaml_document_get_root_node(&docs[0]);
		} else if ((have_merged = true, merge_docs(c, docs, ndocs, &merged))) {
			c->merged = true;
			c->doc = &merged;
			root = yaml_document_get_root_node(&merged);
		}
	}
	if (root) {
		c->m = calloc(1, sizeof(*c->m));
		if (!c->m)
			c->oom = true;
		else
			mf_parse_top(c, root);
	}
	if (c->m && !c->oom && !c->nerr) {
		c->m->path = mf_xstrdup(c, name);
		c->m->files = c->files;		/* the model keeps the names */
		c->m->nfiles = c->nfiles;
		c->files = NULL;
		c->nfiles = 0;
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
	if (have_merged)
		yaml_document_delete(&merged);
	for (i = 0; i < ndocs; i++)
		yaml_document_delete(&docs[i]);
	free(docs);
	free(texts);
	free(lens);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	for (i = 0; i < c->nerr; i++)
		free(c->errs[i].msg);
	free(c->addrs);
	free(c->fes);
	free(c->links);
	free(c->zone_used);
	free(c->net_sorted);
	free(c);
	return ret;
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
			free(s->links);
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
	for (i = 0; i < m->nfiles && m->files; i++)
		free(m->files[i]);
	free(m->files);
	free(m->path);
	free(m);
}

const char *manifest_pos_file(const struct manifest *m, struct mf_pos p)
{
	if (p.file >= 0 && (size_t)p.file < m->nfiles)
		return m->files[p.file];
	return m->path ? m->path : "(manifest)";
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
