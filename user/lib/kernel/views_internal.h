/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What views.c (rows, map reading, names, the table of views) shares with
 * views_traffic.c (the flows, frags, dns and stats views); not for others. */
#ifndef ENFORCER_VIEWS_INTERNAL_H
#define ENFORCER_VIEWS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "state.h"
#include "views.h"

struct link_info;
struct manifest;
struct zone_compiled;
struct zone_name;

struct admit_pair {
	uint32_t class_id;
	uint32_t target;
};

struct views {
	struct enf_state st;
	struct enf_active act;
	struct enf_policy pol;
	int fd[SEL_MAX];		/* the slot's inner maps, opened when first read */
	view_cb cb;			/* of the walk under way */
	void *cb_ctx;
	/* names */
	const struct manifest *m;	/* the manifest in force, or NULL */
	const struct zone_compiled *z;
	const struct zone_name **dns;	/* z's names sorted by key */
	const char *unknown;		/* why names are unknown */
	char (*nets)[ENF_NAME_LEN];	/* network id -> name, from enf_svc_meta */
	uint32_t nnets;
	bool nets_read;
	char (*trust)[ENF_NAME_LEN];	/* trust group id -> app, from enf_ports */
	uint32_t ntrust;
	bool trust_read;
	struct enf_svc_meta meta;	/* the service looked up last */
	uint32_t meta_id;
	bool meta_ok;
	struct admit_pair *admit;	/* enf_admit by class (the src view) */
	size_t nadmit;
	struct link_info *links;	/* pinned links (the ifrole view) */
	size_t nlinks;
	struct enf_dns_a a;		/* a name's records, read for its row */
	struct enf_dns_aaaa aaaa;
	struct enf_dns_srv srv;
	struct view_row row;
};

/* ---- rows (views.c) ------------------------------------------------------- */

void row_reset(struct view_row *r);
void put_str(struct view_row *r, int col, const char *s);
__attribute__((format(printf, 3, 4)))
void put_fmt(struct view_row *r, int col, const char *fmt, ...);
void put_uint(struct view_row *r, int col, uint64_t u);
void put_int(struct view_row *r, int col, int64_t i);
void put_bool(struct view_row *r, int col, bool b);

/* An empty list (JSON []), which list_add() then fills. */
void put_list(struct view_row *r, int col);
void list_add(struct view_row *r, int col, const char *s);
__attribute__((format(printf, 3, 4)))
void list_fmt(struct view_row *r, int col, const char *fmt, ...);

/* The names of the bits set in `flags`; bits without a name as hex. */
void put_flags(struct view_row *r, int col, uint32_t flags, const char *const *names,
	       unsigned int nnames);

#define NFLAGS(a) ((unsigned int)(sizeof(a) / sizeof((a)[0])))

/* ---- reading maps (views.c) ----------------------------------------------- */

uint64_t now_ns(clockid_t clk);

/* The inner map of `sel` in the slot the views read; -errno. */
int slot_fd(struct views *v, enum sel sel);

/* ---- names (views.c) ------------------------------------------------------ */

const char *net_name(struct views *v, uint32_t id);
const char *family_name(uint8_t family);
const char *proto_str(uint8_t proto, char *buf, size_t len);
int64_t ms_between(uint64_t from_ns, uint64_t to_ns);

/* app, service and their id, and the text column "app/service". */
void put_service(struct views *v, int text_col, int app_col, int svc_col, int id_col,
		 uint32_t id);

/* ---- the traffic views (views_traffic.c), for the table in views.c -------- */

/* Their columns: the table in views.c takes its sizes from these. */
enum {
	FL_LOCAL_EP, FL_LOCAL, FL_LOCAL_PORT, FL_ECHO_ID, FL_REMOTE_EP, FL_REMOTE, FL_REMOTE_PORT,
	FL_PROTO, FL_FAMILY, FL_STATE, FL_AGE, FL_LEFT, FL_EXPIRED, FL_SVC, FL_APP, FL_SERVICE,
	FL_SERVICE_ID, FL_NCOLS
};

enum {
	FR_SRC, FR_DST, FR_FAMILY, FR_ID, FR_PROTO, FR_REASON, FR_REASON_ID, FR_AGE, FR_LEFT,
	FR_EXPIRED, FR_SVC, FR_APP, FR_SERVICE, FR_SERVICE_ID, FR_NCOLS
};

enum {
	DNS_NAME_TEXT, DNS_NAME, DNS_VIEW, DNS_VIEW_ID, DNS_NETWORK, DNS_NETWORK_ID, DNS_ZONE,
	DNS_ZONE_ID, DNS_FLAGS, DNS_HASH, DNS_WIRE_LEN, DNS_RRSET, DNS_A, DNS_AAAA, DNS_SRV,
	DNS_RECORDS, DNS_NCOLS
};

enum {
	ST_IFACE, ST_IFINDEX, ST_ROW, ST_REASON, ST_REASON_ID, ST_VERDICT, ST_PACKETS, ST_BYTES,
	ST_NCOLS
};

extern const struct view_col flow_cols[FL_NCOLS];
extern const struct view_col frag_cols[FR_NCOLS];
extern const struct view_col dns_cols[DNS_NCOLS];
extern const struct view_col stats_cols[ST_NCOLS];

int flow_walk(struct views *v, view_cb cb, void *ctx);
int frag_walk(struct views *v, view_cb cb, void *ctx);
int dns_walk(struct views *v, view_cb cb, void *ctx);

/* Every reason's total (enf_stats), then what each interface row counted. */
int stats_walk(struct views *v, view_cb cb, void *ctx);

/* Orders zone names (struct zone_name *) by their enf_dns_key, as
 * views_set_manifest() sorts them for the dns view. */
int dns_name_cmp(const void *a, const void *b);

#endif /* ENFORCER_VIEWS_INTERNAL_H */
