/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the files of the manifest parser share (not for use outside
 * user/lib/manifest/):
 *
 *   source.c   reading a file, stdin or a directory, gzip or not
 *   yaml.c     the YAML front end, merging a directory's manifests, error
 *              collection, field paths, node helpers
 *   values.c   scalars, names, addresses, CIDRs, dates, ports
 *   schema.c   the schema walk: top level, dns, flows, tunnels, interfaces,
 *              networks, apps, services, zone templates
 *   checks.c   rules across fields: zone names, addresses, internal_only
 *   links.c    services' links: resolved to the services they name, checked
 */
#ifndef ENFORCER_MANIFEST_INTERNAL_H
#define ENFORCER_MANIFEST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "enforcer_common.h"
#include "manifest.h"

/* -1, 0 or 1 as a < b, a == b, a > b: comparators chain them with ?: */
#define mf_cmp(a, b)	(((a) > (b)) - ((a) < (b)))

#define MF_MAX_ERRORS	100
#define MF_MAX_NODES	(1u << 20)	/* walked nodes, alias re-visits included */
#define MF_MAX_DEPTH	64		/* YAML nesting; the schema needs 7 */
#define MF_MAX_FILE	(16u << 20)	/* a manifest, once decompressed */
#define MF_MAX_SET	(64u << 20)	/* a directory of them, all together */
#define MF_MAX_SET_FILES 4096
/* Starts a manifest set: a directory's manifests in one buffer (source.c).
 * YAML text cannot start with NUL. */
#define MF_SET_MAGIC	"\0enforcer manifest set 1\n"
#define MF_PATH_MAX	512
#define MF_SHOW_MAX	72		/* user text quoted in a message */
#define MF_ZONE_MAX	512		/* template as written */
#define MF_MAX_ZONES	32		/* templates; each multiplies the names */
#define MF_MAX_SERVICES	(ENF_MAX_SERVICES - 1)	/* service ids are 1..65535 */
#define MF_DNS_NAME_MAX	253
#define MF_DNS_LABEL_MAX 63
#define MF_TTL_MAX	86400
#define MF_TTL_DEFAULT	5

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))


/* Stands in for the instance number when zone names are compared. */
#define IDX_MARK '\x01'
#define IDX_MARK_STR "\x01"

struct mf_err {
	int file;		/* index into ctx.files */
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

/* A link as written (schema.c), resolved once every app is read (links.c). */
struct link_rec {
	size_t app;		/* the linking service */
	size_t svc;
	size_t idx;		/* its links[idx] */
	char to_app[MF_NAME_MAX]; /* "" for the same app */
	char to_svc[MF_NAME_MAX];
	struct mf_pos pos;
	/* resolved */
	size_t ta, ts;
	bool ok;
	char var[MF_LINK_VAR_MAX];
};

struct checked_name {
	char *name;		/* expanded, {index} as IDX_MARK */
	size_t net;
	size_t app;
	size_t svc;
	size_t zone;
};

struct ctx {
	const char *name;	/* the file or directory given */
	const char *buf;
	size_t len;
	/* the manifests of a directory (else one, `file`), in merge order; in
	 * the merged document a node's start_mark.index is its file's index */
	char **files;
	size_t nfiles;
	int cur_file;
	bool merged;
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
	unsigned int *zone_used; /* per template: TMPL_* bits, 0 = template invalid */
	const struct mf_network **net_sorted; /* networks by name, for app lookups */
	size_t nservices;	/* over all apps so far */
	struct link_rec *links;
	size_t nlinks, clinks;
};

struct named {
	yaml_node_t *key;
	yaml_node_t *val;
	const char *raw;	/* NULL when the key is not a usable string */
	char name[MF_NAME_MAX];	/* normalised */
	bool ok;		/* name is a valid label */
	size_t i;
};

/* yaml.c: errors, paths, nodes */
void mf_sanitize(char *dst, size_t dstsz, const char *s, size_t len);
const char *mf_show_n(struct ctx *c, const char *s, size_t len);
const char *mf_show(struct ctx *c, const char *s);
struct mf_pos mf_node_pos(const struct ctx *c, const yaml_node_t *n);
const char *mf_line_ref(struct ctx *c, struct mf_pos p);
void __attribute__((format(printf, 3, 4)))
mf_err_node(struct ctx *c, const yaml_node_t *n, const char *fmt, ...);
void __attribute__((format(printf, 4, 5)))
mf_err_at(struct ctx *c, struct mf_pos p, const char *field, const char *fmt, ...);
size_t mf_path_key(struct ctx *c, const char *key);
size_t mf_path_idx(struct ctx *c, size_t i);
void mf_path_pop(struct ctx *c, size_t old);
void *mf_xcalloc(struct ctx *c, size_t n, size_t size);
char *mf_xstrdup(struct ctx *c, const char *s);
yaml_node_t *mf_node(struct ctx *c, int id);
const char *mf_sval(const yaml_node_t *n);
bool mf_is_null(const yaml_node_t *n);
const char *mf_got(struct ctx *c, const yaml_node_t *n);
bool mf_visit(struct ctx *c, const yaml_node_t *n);
/* A list / a mapping; null is an empty one. False after an error. */
bool mf_want_seq(struct ctx *c, yaml_node_t *n, const char *what, yaml_node_item_t **items,
		 size_t *count);
bool mf_want_map(struct ctx *c, yaml_node_t *n, const char *what, yaml_node_pair_t **pairs,
		 size_t *count);
const char *mf_want_str(struct ctx *c, yaml_node_t *n, const char *what);
bool mf_get_fields(struct ctx *c, yaml_node_t *n, const char *what, const char *const *keys,
		       size_t nkeys, yaml_node_t **vals, yaml_node_t **knodes);
void mf_get_bool(struct ctx *c, yaml_node_t *n, const char *key, bool *out);
bool mf_get_uint(struct ctx *c, yaml_node_t *n, unsigned long min, unsigned long max,
		     unsigned long *out);
bool mf_norm_name(struct ctx *c, yaml_node_t *n, const char *raw, char out[MF_NAME_MAX]);
struct named *mf_named_entries(struct ctx *c, yaml_node_t *n, const char *what,
				   size_t *count);
size_t mf_path_named(struct ctx *c, const struct named *e);
bool mf_get_addr(struct ctx *c, yaml_node_t *n, struct enf_addr *a);
void mf_parse_cidr_list(struct ctx *c, yaml_node_t *n, const char *key,
			    struct mf_cidr_list *l);
int mf_parse_port_spec(const char *s, uint16_t *port, uint8_t *proto);
bool mf_port_spec_error(struct ctx *c, yaml_node_t *n, const char *s, int r);
void mf_parse_top(struct ctx *c, yaml_node_t *root);
bool mf_add_addr_rec(struct ctx *c, const struct enf_addr *a, size_t app, size_t svc,
			 size_t idx, int kind, struct mf_pos pos);
bool mf_add_fe_rec(struct ctx *c, const struct mf_frontend *f, size_t app, size_t svc,
		       size_t idx);
bool mf_grow(struct ctx *c, void **v, size_t n, size_t *cap, size_t size, size_t first);
bool mf_add_link_rec(struct ctx *c, const struct link_rec *r);
void mf_check_links(struct ctx *c);
void mf_check_zones(struct ctx *c);
void mf_check_addresses(struct ctx *c);
void mf_check_internal_only(struct ctx *c);

#endif /* ENFORCER_MANIFEST_INTERNAL_H */
