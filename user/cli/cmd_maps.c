// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer maps [MAP] [--json] [--limit N] [-f MANIFEST]
 *
 * The enforcer's own listing of its pinned maps, decoded where bpftool
 * cannot make them readable (network-order ports, addresses as byte
 * arrays, stored prefix lengths, flag bits, hashes), as `cilium bpf lb
 * list` and `cilium map list` do. Without MAP: every map pinned. The
 * reading and decoding is user/lib/kernel/views.c; this file prints: text
 * as aligned columns, or JSON as an array of objects, a row at a time (a
 * text block of at most TEXT_BLOCK rows is held to measure its columns), so
 * a full flow table never sits in memory. Fields: docs/maps.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "log.h"
#include "manifest.h"
#include "suggest.h"
#include "views.h"
#include "zone.h"

#define TEXT_LIMIT	1000	/* rows text shows unless --limit says otherwise */
#define TEXT_BLOCK	1000	/* rows measured together for the column widths */

struct printer {
	const struct view_def *d;
	bool json;
	size_t limit;		/* rows shown at most; 0: all */
	size_t rows;		/* rows the walk gave */
	/* text */
	char **cells;		/* [row * ncols + col] of the block */
	size_t nblock;
	size_t width[VIEW_MAX_COLS];
	bool head_done;
	bool oom;
};

/* "12.3s", "5m02s", "3h04m", "2d05h"; a negative time left is "expired". */
static void fmt_ms(int64_t ms, char *buf, size_t len)
{
	uint64_t s;

	if (ms < 0) {
		snprintf(buf, len, "expired");
		return;
	}
	s = (uint64_t)ms / 1000;
	if (s < 60)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", s, (uint64_t)ms % 1000 / 100);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
}

/* A cell as the text column shows it ("-" for no value or an empty list). */
static char *cell_text(const struct view_col *col, const struct view_cell *c)
{
	char buf[64], *out, *o;
	const char *p;
	size_t i, len;

	if (!c->set)
		return strdup("-");
	switch (col->kind) {
	case VIEW_STR:
		return strdup(c->s);
	case VIEW_UINT:
		snprintf(buf, sizeof(buf), "%" PRIu64, c->u);
		return strdup(buf);
	case VIEW_INT:
		snprintf(buf, sizeof(buf), "%" PRId64, c->i);
		return strdup(buf);
	case VIEW_MS:
		fmt_ms(c->i, buf, sizeof(buf));
		return strdup(buf);
	case VIEW_BOOL:
		return strdup(c->u ? "yes" : "no");
	case VIEW_LIST:
		if (!c->n)
			return strdup("-");
		for (i = 0, len = 0, p = c->s; i < c->n; i++, p += strlen(p) + 1)
			len += strlen(p) + 1;
		out = o = malloc(len);
		for (i = 0, p = c->s; out && i < c->n; i++, p += strlen(p) + 1)
			o += sprintf(o, "%s%s", i ? "," : "", p);
		return out;
	}
	return strdup("?");
}

static bool right_aligned(enum view_kind k)
{
	return k == VIEW_UINT || k == VIEW_INT || k == VIEW_MS;
}

/* One text line: the text columns, the last one unpadded. */
static void text_line(const struct printer *p, const char *const *cells)
{
	const struct view_def *d = p->d;
	const char *sep = "";
	size_t c, last = 0;

	for (c = 0; c < d->ncols; c++)
		if (d->cols[c].head)
			last = c;
	for (c = 0; c < d->ncols; c++) {
		const char *s = cells[c] ? cells[c] : "?";
		int w = (int)p->width[c];

		if (!d->cols[c].head)
			continue;
		if (right_aligned(d->cols[c].kind))
			printf("%s%*s", sep, w, s);
		else if (c == last)
			printf("%s%s", sep, s);
		else
			printf("%s%-*s", sep, w, s);
		sep = "  ";
	}
	putchar('\n');
}

/* Prints the block held (the header before the first); columns only widen
 * from one block to the next. */
static void text_flush(struct printer *p)
{
	const struct view_def *d = p->d;
	const char *head[VIEW_MAX_COLS];
	size_t r, c, len;

	for (c = 0; c < d->ncols; c++) {
		head[c] = d->cols[c].head;
		if (!head[c])
			continue;
		if (strlen(head[c]) > p->width[c])
			p->width[c] = strlen(head[c]);
		for (r = 0; r < p->nblock; r++) {
			len = p->cells[r * d->ncols + c] ? strlen(p->cells[r * d->ncols + c]) : 1;
			if (len > p->width[c])
				p->width[c] = len;
		}
	}
	if (!p->head_done)
		text_line(p, head);
	p->head_done = true;
	for (r = 0; r < p->nblock; r++)
		text_line(p, (const char *const *)&p->cells[r * d->ncols]);
	for (r = 0; r < p->nblock * d->ncols; r++) {
		free(p->cells[r]);
		p->cells[r] = NULL;
	}
	p->nblock = 0;
}

static void json_row(struct printer *p, const struct view_row *row)
{
	const struct view_def *d = p->d;
	json_object *o = json_object_new_object(), *v;
	const char *s;
	size_t c, i;

	for (c = 0; c < d->ncols; c++) {
		const struct view_cell *cell = &row->c[c];

		if (!d->cols[c].key)
			continue;
		v = NULL;
		if (cell->set) {
			switch (d->cols[c].kind) {
			case VIEW_STR:
				v = json_object_new_string(cell->s);
				break;
			case VIEW_UINT:
				v = json_object_new_uint64(cell->u);
				break;
			case VIEW_INT:
			case VIEW_MS:
				v = json_object_new_int64(cell->i);
				break;
			case VIEW_BOOL:
				v = json_object_new_boolean(cell->u != 0);
				break;
			case VIEW_LIST:
				v = json_object_new_array();
				for (i = 0, s = cell->s; i < cell->n; i++, s += strlen(s) + 1)
					json_object_array_add(v, json_object_new_string(s));
				break;
			}
		}
		json_object_object_add(o, d->cols[c].key, v);
	}
	printf("%s  %s", p->rows > 1 ? ",\n" : "",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int on_row(void *ctx, const struct view_row *row)
{
	struct printer *p = ctx;
	size_t c;

	p->rows++;
	if (p->limit && p->rows > p->limit)
		return 0;	/* counted, for "N more" */
	if (p->json) {
		json_row(p, row);
		return 0;
	}
	for (c = 0; c < p->d->ncols; c++) {
		char **cell = &p->cells[p->nblock * p->d->ncols + c];

		*cell = p->d->cols[c].head ? cell_text(&p->d->cols[c], &row->c[c]) : NULL;
		p->oom |= p->d->cols[c].head && !*cell;
	}
	if (++p->nblock == TEXT_BLOCK)
		text_flush(p);
	return 0;
}

/* Runs a view and prints it; 0 or -errno (said). */
static int show(struct views *v, const struct view_def *d, bool json, size_t limit)
{
	struct printer p = { .d = d, .json = json, .limit = limit };
	size_t more;
	int err;

	if (!json) {
		p.cells = calloc((size_t)TEXT_BLOCK * d->ncols, sizeof(*p.cells));
		if (!p.cells)
			return -ENOMEM;
	} else {
		printf("[\n");
	}
	err = d->walk(v, on_row, &p);
	if (json) {
		printf("%s]\n", p.rows ? "\n" : "");
	} else {
		text_flush(&p);
		free(p.cells);
	}
	more = limit && p.rows > limit ? p.rows - limit : 0;
	if (more && !json)
		printf("... %zu more (--limit N shows N, --limit 0 all)\n", more);
	else if (more)
		fprintf(stderr, "enforcer: maps: %zu more not shown (--limit)\n", more);
	if (p.oom)
		pr_err("maps: out of memory: some values are shown as '?'\n");
	if (err)
		pr_err("maps: cannot read %s: %s\n", d->name[0] ? d->maps : "the pinned maps",
		       strerror(err < 0 ? -err : EIO));
	return err;
}

/* DNS names come from the manifest: -f, else the one in force while it
 * is unchanged; *why says what the rows say instead of unknown names. */
static int dns_names(const char *file, struct manifest **m, struct zone_compiled *z,
		     const char **why)
{
	char applied[PATH_MAX];
	uint32_t serial = 0;
	int err = 0;

	if (!file) {
		err = cli_applied_manifest("maps", applied, sizeof(applied), &serial);
		if (err == -ESTALE) {
			*why = "manifest changed: names unknown";
			return 0;
		}
		file = applied;
	}
	if (!err)
		err = manifest_load(file, m, stderr);
	if (!err)
		err = zone_compile(*m, serial, z, stderr);
	if (err)
		*why = "manifest unreadable: names unknown";
	return err;
}

static int parse_limit(const char *s, size_t *limit)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || n > SIZE_MAX) {
		pr_err("maps: invalid limit '%s' (a number of rows; 0: all)\n", s);
		return -EINVAL;
	}
	*limit = (size_t)n;
	return 0;
}

static void unknown_map(const char *name)
{
	struct suggest s;
	size_t i;

	suggest_init(&s, name);
	for (i = 0; i < views_count(); i++)
		suggest_add(&s, views_at(i)->name);
	if (s.best) {
		pr_err("maps: unknown map '%s'; did you mean '%s'?\n", name, s.best);
	} else {
		pr_err("maps: unknown map '%s' (maps:", name);
		for (i = 0; i < views_count(); i++)
			fprintf(stderr, " %s", views_at(i)->name);
		fprintf(stderr, ")\n");
	}
	cli_see_help("maps");
}

int cmd_maps(const struct cli_cmd *cmd, int argc, char **argv)
{
	const struct view_def *d = views_pinned();
	struct zone_compiled z = {};
	struct manifest *m = NULL;
	const char *file = NULL, *why = NULL;
	bool json = false, limited = false;
	struct views *v;
	size_t limit = 0;
	int c, code, err;

	/* options may stand after MAP too: main()'s getopt stops at the first
	 * operand (it parses in order), so MAP is taken and parsing goes on */
	for (;;) {
		while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
			switch (c) {
			case CLI_DONE:
				return code;
			case 'j':
				json = true;
				break;
			case 'f':
				file = optarg;
				break;
			case 'l':
				if (parse_limit(optarg, &limit))
					return EXIT_BADINPUT;
				limited = true;
				break;
			}
		}
		if (optind >= argc || d != views_pinned())
			break;
		d = views_find(argv[optind]);
		if (!d) {
			unknown_map(argv[optind]);
			return EXIT_BADINPUT;
		}
		optind++;
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (file && strcmp(d->name, "dns")) {
		pr_err("maps: -f names the hashes of the dns view; '%s' has none\n",
		       d->name[0] ? d->name : "the listing");
		return EXIT_BADINPUT;
	}
	if (!limited)
		limit = json ? 0 : TEXT_LIMIT;

	err = views_open(cli.pin_dir, "maps", &v);
	if (err)
		return EXIT_RUNTIME;
	if (!views_generation(v) && d->per_generation)
		fprintf(stderr, "enforcer: maps: no manifest applied in %s: the policy maps are "
				"empty\n", cli.pin_dir);
	else if (!strcmp(d->name, "dns") && dns_names(file, &m, &z, &why) && file) {
		views_close(v);
		zone_free(&z);
		manifest_free(m);
		return EXIT_BADINPUT;	/* the manifest given is broken: said */
	}
	views_set_manifest(v, m, m ? &z : NULL, why);
	err = show(v, d, json, limit);
	views_close(v);
	if (m) {
		zone_free(&z);
		manifest_free(m);
	}
	return err ? EXIT_RUNTIME : 0;
}
