/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Decoded views of the pinned maps (`enforcer maps`): what bpftool shows as
 * byte arrays, network-order numbers, stored prefix lengths, bare flag bits
 * and hashes, as addresses, host-order ports, CIDRs, flag names, service,
 * network and interface names, and DNS names.
 *
 * A view is a table: a fixed list of columns (a JSON key, a text header, a
 * kind) and rows that its walk decodes one at a time into one reused row
 * and hands to a callback, so a map of any size is never held whole (hash
 * maps are read in batches of a few hundred entries). Every per-generation
 * map a walk reads comes from one slot, the one in force when the views
 * were opened, so a row never mixes two generations.
 *
 * Printing (text columns, JSON) is the caller's: user/cli/cmd_maps.c.
 */
#ifndef ENFORCER_VIEWS_H
#define ENFORCER_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct views;
struct zone_compiled;
struct manifest;

enum view_kind {
	VIEW_STR,	/* text */
	VIEW_UINT,	/* unsigned number */
	VIEW_INT,	/* signed number */
	VIEW_MS,	/* a duration in milliseconds (signed: negative = past) */
	VIEW_BOOL,
	VIEW_LIST,	/* a list of strings (flags, addresses, records) */
};

struct view_col {
	const char *key;	/* JSON field; NULL: text only */
	const char *head;	/* text column header; NULL: JSON only */
	enum view_kind kind;
};

#define VIEW_MAX_COLS	20
#define VIEW_ROW_TEXT	65536	/* room for one row's strings (a DNS name's records) */

struct view_cell {
	bool set;		/* false: no value (JSON null, text "-") */
	uint64_t u;		/* VIEW_UINT, VIEW_BOOL */
	int64_t i;		/* VIEW_INT, VIEW_MS */
	const char *s;		/* VIEW_STR; VIEW_LIST: `n` strings back to back,
				 * each NUL-terminated */
	size_t n;
};

/* One decoded entry; valid until the callback returns. */
struct view_row {
	struct view_cell c[VIEW_MAX_COLS];	/* by column */
	char text[VIEW_ROW_TEXT];		/* where the strings live */
	size_t used;
};

/* Returns 0 to go on; anything else stops the walk, which returns it. */
typedef int (*view_cb)(void *ctx, const struct view_row *row);

struct view_def {
	const char *name;	/* what `enforcer maps NAME` takes */
	const char *maps;	/* the pinned maps it decodes, space-separated */
	const struct view_col *cols;
	size_t ncols;
	bool per_generation;	/* reads the policy generation's maps (empty before an apply) */
	int (*walk)(struct views *v, view_cb cb, void *ctx);
};

/* The decoding views, in the order --help lists them. */
size_t views_count(void);
const struct view_def *views_at(size_t i);

/* The view called `name`, or decoding the pinned map `name` (enf_dst ->
 * dst); NULL when none. */
const struct view_def *views_find(const char *name);

/* The listing of every map pinned in the pin dir: name, kind, entries,
 * limit, key and value size, the view that decodes it, what it holds. */
const struct view_def *views_pinned(void);

/* Opens the state pinned in pin_dir (`who` names the command in messages,
 * which say why not). 0 or -errno. */
int views_open(const char *pin_dir, const char *who, struct views **out);
void views_close(struct views *v);

/* The manifest in force, compiled: the names of the DNS hashes and zones
 * (and of networks and trust groups the maps leave unnamed: a network
 * without services). Both stay the caller's and must outlive the views.
 * Without them, `unknown` says why DNS names cannot be given (e.g.
 * "manifest changed: names unknown"): JSON has null, text "(<unknown>)". */
void views_set_manifest(struct views *v, const struct manifest *m, const struct zone_compiled *z,
			const char *unknown);

/* Generation and slot the views read. */
uint64_t views_generation(const struct views *v);

#endif /* ENFORCER_VIEWS_H */
