// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Decoded views of the pinned maps (see views.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "links.h"
#include "manifest.h"
#include "names.h"
#include "state.h"
#include "views.h"
#include "views_internal.h"
#include "zone.h"

/* ---- rows ---------------------------------------------------------------- */

void row_reset(struct view_row *r)
{
	memset(r->c, 0, sizeof(r->c));
	r->used = 0;
}

/* Room for `len` bytes in the row's text, or NULL (the value is left out). */
static char *row_room(struct view_row *r, size_t len)
{
	char *p;

	if (len > sizeof(r->text) - r->used)
		return NULL;
	p = r->text + r->used;
	r->used += len;
	return p;
}

void put_str(struct view_row *r, int col, const char *s)
{
	size_t len = s ? strlen(s) + 1 : 0;
	char *p = s ? row_room(r, len) : NULL;

	if (!p)
		return;
	memcpy(p, s, len);
	r->c[col].s = p;
	r->c[col].set = true;
}

__attribute__((format(printf, 3, 4)))
void put_fmt(struct view_row *r, int col, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put_str(r, col, buf);
}

void put_uint(struct view_row *r, int col, uint64_t u)
{
	r->c[col].u = u;
	r->c[col].set = true;
}

void put_int(struct view_row *r, int col, int64_t i)
{
	r->c[col].i = i;
	r->c[col].set = true;
}

void put_bool(struct view_row *r, int col, bool b)
{
	put_uint(r, col, b);
}

/* An empty list (JSON []), which list_add() then fills. */
void put_list(struct view_row *r, int col)
{
	r->c[col].set = true;
	r->c[col].s = r->text + r->used;
	r->c[col].n = 0;
}

/* Appends to a list: its strings stay back to back, so a list that others
 * wrote after is moved to the end first. */
void list_add(struct view_row *r, int col, const char *s)
{
	struct view_cell *c = &r->c[col];
	size_t have = 0, i, len = strlen(s) + 1;
	const char *p = c->s;
	char *at;

	if (!c->set)
		put_list(r, col);
	for (i = 0; i < c->n; i++, p += strlen(p) + 1)
		;
	have = (size_t)(p - c->s);
	if (p != r->text + r->used) {
		at = row_room(r, have);
		if (!at)
			return;
		memmove(at, c->s, have);
		c->s = at;
	}
	at = row_room(r, len);
	if (!at)
		return;
	memcpy(at, s, len);
	c->n++;
}

__attribute__((format(printf, 3, 4)))
void list_fmt(struct view_row *r, int col, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	list_add(r, col, buf);
}

/* The names of the bits set in `flags`; bits without a name as hex. */
void put_flags(struct view_row *r, int col, uint32_t flags, const char *const *names,
	       unsigned int nnames)
{
	unsigned int b;

	put_list(r, col);
	for (b = 0; b < 32; b++) {
		if (!(flags & (1U << b)))
			continue;
		if (b < nnames && names[b])
			list_add(r, col, names[b]);
		else
			list_fmt(r, col, "0x%x", 1U << b);
	}
}

static const char *const src_flag_names[] = { "private", "member" };
static const char *const dst_flag_names[] = { "isolated", "frontend", "vip", "ports" };
static const char *const port_flag_names[] = { "public", "isolated" };

/* ---- reading maps -------------------------------------------------------- */

uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The inner map of `sel` in the slot the views read; -errno. */
int slot_fd(struct views *v, enum sel sel)
{
	if (v->fd[sel] < 0)
		v->fd[sel] = state_inner_fd(&v->st, sel, v->act.slot);
	return v->fd[sel];
}

/* ---- names --------------------------------------------------------------- */

static const struct enf_svc_meta *svc_meta(struct views *v, uint32_t id)
{
	int fd;

	if (!id)
		return NULL;
	if (v->meta_id != id) {
		fd = slot_fd(v, SEL_META);
		v->meta_id = id;
		memset(&v->meta, 0, sizeof(v->meta));
		v->meta_ok = fd >= 0 && !bpf_map_lookup_elem(fd, &id, &v->meta) && v->meta.app[0];
		v->meta.app[ENF_NAME_LEN - 1] = v->meta.service[ENF_NAME_LEN - 1] = '\0';
		v->meta.network[ENF_NAME_LEN - 1] = '\0';
	}
	return v->meta_ok ? &v->meta : NULL;
}

static int nets_fn(void *arg, const void *key, const void *val)
{
	struct views *v = arg;
	const struct enf_svc_meta *m = val;
	uint32_t id = *(const uint32_t *)key;

	if (id && m->app[0] && m->network_id < v->nnets && !v->nets[m->network_id][0])
		snprintf(v->nets[m->network_id], ENF_NAME_LEN, "%.*s", ENF_NAME_LEN - 1,
			 m->network);
	return 0;
}

/* A network's name: the one its services carry in enf_svc_meta, else (a
 * network without services) the manifest's, when the views have it. */
const char *net_name(struct views *v, uint32_t id)
{
	int fd;

	if (!v->nets_read) {
		v->nets_read = true;
		v->nnets = v->pol.networks ? v->pol.networks : 1;
		v->nets = calloc(v->nnets, sizeof(*v->nets));
		if (v->nets) {
			snprintf(v->nets[0], ENF_NAME_LEN, "rack");	/* the implicit one */
			fd = slot_fd(v, SEL_META);
			if (fd >= 0)
				map_walk(fd, nets_fn, v);
		}
	}
	if (v->nets && id < v->nnets && v->nets[id][0])
		return v->nets[id];
	return v->m && id < v->m->nnetworks ? v->m->networks[id].name : NULL;
}

static int trust_fn(void *arg, const void *key, const void *val)
{
	const struct enf_port_val *pv = val;
	const struct enf_svc_meta *m;
	struct views *v = arg;

	(void)key;
	if (!pv->trust_group || pv->trust_group >= v->ntrust || v->trust[pv->trust_group][0])
		return 0;
	m = svc_meta(v, pv->service_id);
	if (m)
		snprintf(v->trust[pv->trust_group], ENF_NAME_LEN, "%s", m->app);
	return 0;
}

/* A trust group's name: the app whose `trusted:` ranges it is, which a
 * public port of the app carries (else the manifest's, when the views have
 * it: trust group N is the Nth app with `trusted:`). */
static const char *trust_name(struct views *v, uint32_t id)
{
	uint32_t k = 0;
	size_t a;
	int fd;

	if (!v->trust_read) {
		v->trust_read = true;
		v->ntrust = v->pol.apps + 1;
		v->trust = calloc(v->ntrust, sizeof(*v->trust));
		fd = slot_fd(v, SEL_PORT);
		if (v->trust && fd >= 0)
			map_walk(fd, trust_fn, v);
	}
	if (v->trust && id < v->ntrust && v->trust[id][0])
		return v->trust[id];
	for (a = 0; v->m && a < v->m->napps; a++)
		if (v->m->apps[a].trusted.n && ++k == id)
			return v->m->apps[a].name;
	return NULL;
}

const char *family_name(uint8_t family)
{
	return family == ENF_AF_INET ? "ipv4" : family == ENF_AF_INET6 ? "ipv6" : "?";
}

const char *proto_str(uint8_t proto, char *buf, size_t len)
{
	const char *n = enf_proto_name(proto);

	if (strcmp(n, "?"))
		return n;
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* A CLOCK_BOOTTIME instant as a UTC date (ISO 8601). */
static void boot_to_date(uint64_t boot_ns, char *buf, size_t len)
{
	int64_t wall = (int64_t)now_ns(CLOCK_REALTIME) - (int64_t)now_ns(CLOCK_BOOTTIME) +
		       (int64_t)boot_ns;
	time_t t = (time_t)(wall / 1000000000LL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t ms_between(uint64_t from_ns, uint64_t to_ns)
{
	return ((int64_t)to_ns - (int64_t)from_ns) / 1000000;
}

/* app, service and their id, and the text column "app/service". */
void put_service(struct views *v, int text_col, int app_col, int svc_col, int id_col,
		 uint32_t id)
{
	const struct enf_svc_meta *m = svc_meta(v, id);

	if (id)
		put_uint(&v->row, id_col, id);
	if (!m)
		return;
	put_fmt(&v->row, text_col, "%s/%s", m->app, m->service);
	put_str(&v->row, app_col, m->app);
	put_str(&v->row, svc_col, m->service);
}

/* ---- dst ------------------------------------------------------------------ */

enum {
	DST_ADDR, DST_FAMILY, DST_SVC, DST_APP, DST_SERVICE, DST_SERVICE_ID, DST_NETWORK,
	DST_NETWORK_ID, DST_FLAGS, DST_NCOLS
};

static const struct view_col dst_cols[DST_NCOLS] = {
	[DST_ADDR] = { "addr", "ADDRESS", VIEW_STR },
	[DST_FAMILY] = { "family", NULL, VIEW_STR },
	[DST_SVC] = { NULL, "SERVICE", VIEW_STR },
	[DST_APP] = { "app", NULL, VIEW_STR },
	[DST_SERVICE] = { "service", NULL, VIEW_STR },
	[DST_SERVICE_ID] = { "service_id", NULL, VIEW_UINT },
	[DST_NETWORK] = { "network", "NETWORK", VIEW_STR },
	[DST_NETWORK_ID] = { "network_id", NULL, VIEW_UINT },
	[DST_FLAGS] = { "flags", "FLAGS", VIEW_LIST },
};

static int dst_fn(void *arg, const void *key, const void *val)
{
	const struct enf_addr *a = key;
	const struct enf_dst_val *d = val;
	struct views *v = arg;
	struct view_row *r = &v->row;
	char s[ADDR_STRLEN];

	row_reset(r);
	put_str(r, DST_ADDR, addr_format(a, s, sizeof(s)));
	put_str(r, DST_FAMILY, family_name(a->family));
	put_service(v, DST_SVC, DST_APP, DST_SERVICE, DST_SERVICE_ID, d->service_id);
	/* a frontend-only address has no service or network of its own: its
	 * ports have them (the ports view) */
	if (d->service_id || !(d->flags & ENF_DST_FRONTEND)) {
		put_uint(r, DST_NETWORK_ID, d->network_id);
		put_str(r, DST_NETWORK, net_name(v, d->network_id));
	}
	put_flags(r, DST_FLAGS, d->flags, dst_flag_names, NFLAGS(dst_flag_names));
	return v->cb(v->cb_ctx, r);
}

static int dst_walk(struct views *v, view_cb cb, void *ctx)
{
	int fd = slot_fd(v, SEL_DST);

	v->cb = cb;
	v->cb_ctx = ctx;
	return fd < 0 ? fd : map_walk(fd, dst_fn, v);
}

/* ---- ports ---------------------------------------------------------------- */

enum {
	PRT_ENDPOINT, PRT_ADDR, PRT_PORT, PRT_PROTO, PRT_FAMILY, PRT_SVC, PRT_APP, PRT_SERVICE,
	PRT_SERVICE_ID, PRT_NETWORK, PRT_NETWORK_ID, PRT_FLAGS, PRT_TRUST, PRT_TRUST_ID,
	PRT_NCOLS
};

static const struct view_col port_cols[PRT_NCOLS] = {
	[PRT_ENDPOINT] = { NULL, "ENDPOINT", VIEW_STR },
	[PRT_ADDR] = { "addr", NULL, VIEW_STR },
	[PRT_PORT] = { "port", NULL, VIEW_UINT },
	[PRT_PROTO] = { "proto", NULL, VIEW_STR },
	[PRT_FAMILY] = { "family", NULL, VIEW_STR },
	[PRT_SVC] = { NULL, "SERVICE", VIEW_STR },
	[PRT_APP] = { "app", NULL, VIEW_STR },
	[PRT_SERVICE] = { "service", NULL, VIEW_STR },
	[PRT_SERVICE_ID] = { "service_id", NULL, VIEW_UINT },
	[PRT_NETWORK] = { "network", "NETWORK", VIEW_STR },
	[PRT_NETWORK_ID] = { "network_id", NULL, VIEW_UINT },
	[PRT_FLAGS] = { "flags", "FLAGS", VIEW_LIST },
	[PRT_TRUST] = { "trust_group", "TRUST GROUP", VIEW_STR },
	[PRT_TRUST_ID] = { "trust_group_id", NULL, VIEW_UINT },
};

static int port_fn(void *arg, const void *key, const void *val)
{
	const struct enf_port_key *k = key;
	const struct enf_port_val *p = val;
	struct views *v = arg;
	struct view_row *r = &v->row;
	char s[ADDR_STRLEN + 16], pn[8];
	uint16_t port = ntohs(k->port);
	const char *proto = proto_str(k->proto, pn, sizeof(pn));

	row_reset(r);
	put_fmt(r, PRT_ENDPOINT, "%s/%s", endpoint_format(&k->a, port, s, sizeof(s)), proto);
	put_str(r, PRT_ADDR, addr_format(&k->a, s, sizeof(s)));
	put_uint(r, PRT_PORT, port);
	put_str(r, PRT_PROTO, proto);
	put_str(r, PRT_FAMILY, family_name(k->a.family));
	put_service(v, PRT_SVC, PRT_APP, PRT_SERVICE, PRT_SERVICE_ID, p->service_id);
	put_uint(r, PRT_NETWORK_ID, p->network_id);
	put_str(r, PRT_NETWORK, net_name(v, p->network_id));
	put_flags(r, PRT_FLAGS, p->flags, port_flag_names, NFLAGS(port_flag_names));
	if (p->trust_group) {
		/* a trust group is the `trusted:` ranges of the port's own app */
		const struct enf_svc_meta *m = svc_meta(v, p->service_id);

		put_uint(r, PRT_TRUST_ID, p->trust_group);
		put_str(r, PRT_TRUST, m ? m->app : trust_name(v, p->trust_group));
	}
	return v->cb(v->cb_ctx, r);
}

static int port_walk(struct views *v, view_cb cb, void *ctx)
{
	int fd = slot_fd(v, SEL_PORT);

	v->cb = cb;
	v->cb_ctx = ctx;
	return fd < 0 ? fd : map_walk(fd, port_fn, v);
}

/* ---- admit ---------------------------------------------------------------- */

enum {
	ADM_CLASS, ADM_TARGET, ADM_KIND, ADM_NETWORK, ADM_NETWORK_ID, ADM_TRUST, ADM_TRUST_ID,
	ADM_ADMITTED, ADM_NCOLS
};

static const struct view_col admit_cols[ADM_NCOLS] = {
	[ADM_CLASS] = { "class", "CLASS", VIEW_UINT },
	[ADM_TARGET] = { NULL, "ADMITTED TO", VIEW_STR },
	[ADM_KIND] = { "kind", NULL, VIEW_STR },
	[ADM_NETWORK] = { "network", NULL, VIEW_STR },
	[ADM_NETWORK_ID] = { "network_id", NULL, VIEW_UINT },
	[ADM_TRUST] = { "trust_group", NULL, VIEW_STR },
	[ADM_TRUST_ID] = { "trust_group_id", NULL, VIEW_UINT },
	[ADM_ADMITTED] = { "admitted", NULL, VIEW_BOOL },
};

/* "network NAME" or "trusted ranges of APP", with the id when unnamed. */
static void target_text(struct views *v, uint32_t target, char *buf, size_t len)
{
	uint32_t id = target & ~ENF_TARGET_TRUST;
	const char *name;

	if (target & ENF_TARGET_TRUST) {
		name = trust_name(v, id);
		if (name)
			snprintf(buf, len, "trusted ranges of %s", name);
		else
			snprintf(buf, len, "trust group %u", id);
	} else {
		name = net_name(v, id);
		if (name)
			snprintf(buf, len, "network %s", name);
		else
			snprintf(buf, len, "network %u", id);
	}
}

static int admit_fn(void *arg, const void *key, const void *val)
{
	const struct enf_admit_key *k = key;
	uint32_t id = k->target & ~ENF_TARGET_TRUST;
	struct views *v = arg;
	struct view_row *r = &v->row;
	char t[ENF_NAME_LEN + 32];

	(void)val;	/* present = admitted; the data path reads no value */
	row_reset(r);
	put_uint(r, ADM_CLASS, k->class_id);
	target_text(v, k->target, t, sizeof(t));
	put_str(r, ADM_TARGET, t);
	if (k->target & ENF_TARGET_TRUST) {
		put_str(r, ADM_KIND, "trust_group");
		put_uint(r, ADM_TRUST_ID, id);
		put_str(r, ADM_TRUST, trust_name(v, id));
	} else {
		put_str(r, ADM_KIND, "network");
		put_uint(r, ADM_NETWORK_ID, id);
		put_str(r, ADM_NETWORK, net_name(v, id));
	}
	put_bool(r, ADM_ADMITTED, true);
	return v->cb(v->cb_ctx, r);
}

static int admit_walk(struct views *v, view_cb cb, void *ctx)
{
	int fd = slot_fd(v, SEL_ADMIT);

	v->cb = cb;
	v->cb_ctx = ctx;
	return fd < 0 ? fd : map_walk(fd, admit_fn, v);
}

/* ---- src ------------------------------------------------------------------ */

enum {
	SRC_PREFIX, SRC_FAMILY, SRC_CLASS, SRC_FLAGS, SRC_EXPIRES, SRC_EXPIRED, SRC_THEN,
	SRC_CLASS_AFTER, SRC_FLAGS_AFTER, SRC_ADMITTED, SRC_NCOLS
};

static const struct view_col src_cols[SRC_NCOLS] = {
	[SRC_PREFIX] = { "prefix", "PREFIX", VIEW_STR },
	[SRC_FAMILY] = { "family", NULL, VIEW_STR },
	[SRC_CLASS] = { "class", "CLASS", VIEW_UINT },
	[SRC_FLAGS] = { "flags", "FLAGS", VIEW_LIST },
	[SRC_EXPIRES] = { "expires", "EXPIRES", VIEW_STR },
	[SRC_EXPIRED] = { "expired", NULL, VIEW_BOOL },
	[SRC_THEN] = { NULL, "THEN", VIEW_STR },
	[SRC_CLASS_AFTER] = { "class_after", NULL, VIEW_UINT },
	[SRC_FLAGS_AFTER] = { "flags_after", NULL, VIEW_LIST },
	[SRC_ADMITTED] = { "admitted_to", "ADMITTED TO", VIEW_LIST },
};

static int admit_pair_cmp(const void *a, const void *b)
{
	const struct admit_pair *x = a, *y = b;

	if (x->class_id != y->class_id)
		return x->class_id < y->class_id ? -1 : 1;
	return x->target < y->target ? -1 : x->target > y->target;
}

static int admit_load_fn(void *arg, const void *key, const void *val)
{
	const struct enf_admit_key *k = key;
	struct views *v = arg;
	struct admit_pair *p;

	(void)val;
	if (!(v->nadmit & (v->nadmit + 1)) || !v->admit) {
		/* grow at 2^n - 1 entries */
		p = realloc(v->admit, (v->nadmit + 1) * 2 * sizeof(*p));
		if (!p)
			return -ENOMEM;
		v->admit = p;
	}
	v->admit[v->nadmit++] = (struct admit_pair){ k->class_id, k->target };
	return 0;
}

/* What a class is admitted to, from enf_admit (read once, sorted). */
static void put_admitted(struct views *v, int col, uint32_t class_id)
{
	struct admit_pair key = { class_id, 0 };
	char t[ENF_NAME_LEN + 32];
	size_t lo = 0, hi = v->nadmit;

	put_list(&v->row, col);
	while (lo < hi) {	/* the first pair of the class */
		size_t mid = (lo + hi) / 2;

		if (admit_pair_cmp(&v->admit[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < v->nadmit && v->admit[lo].class_id == class_id; lo++) {
		target_text(v, v->admit[lo].target, t, sizeof(t));
		list_add(&v->row, col, t);
	}
}

static int src_fn(void *arg, const void *key, const void *val)
{
	const struct enf_src_key *k = key;
	const struct enf_src_val *s = val;
	struct views *v = arg;
	struct view_row *r = &v->row;
	char a[ADDR_STRLEN], date[32], then[64];
	const char *sep = " ";
	size_t len;
	uint32_t i;

	row_reset(r);
	addr_format(&k->a, a, sizeof(a));
	/* the family byte and its padding are the first 32 bits of the key */
	if (k->prefixlen >= 32)
		put_fmt(r, SRC_PREFIX, "%s/%u", a, k->prefixlen - 32);
	else
		put_fmt(r, SRC_PREFIX, "%s (stored prefixlen %u)", a, k->prefixlen);
	put_str(r, SRC_FAMILY, family_name(k->a.family));
	put_uint(r, SRC_CLASS, s->class_id);
	put_flags(r, SRC_FLAGS, s->flags, src_flag_names, NFLAGS(src_flag_names));
	if (s->expires_ns) {
		bool past = now_ns(CLOCK_BOOTTIME) >= s->expires_ns;

		boot_to_date(s->expires_ns, date, sizeof(date));
		put_str(r, SRC_EXPIRES, date);
		put_bool(r, SRC_EXPIRED, past);
		put_uint(r, SRC_CLASS_AFTER, s->class_after);
		put_flags(r, SRC_FLAGS_AFTER, s->flags_after, src_flag_names,
			  NFLAGS(src_flag_names));
		/* class 0 without flags: the public class, nothing admitted */
		len = (size_t)snprintf(then, sizeof(then), s->class_after || s->flags_after ?
				       "class %u" : "public", s->class_after);
		for (i = 0; i < NFLAGS(src_flag_names) && len < sizeof(then); i++) {
			if (!(s->flags_after & (1U << i)))
				continue;
			len += (size_t)snprintf(then + len, sizeof(then) - len, "%s%s", sep,
						src_flag_names[i]);
			sep = ",";
		}
		put_str(r, SRC_THEN, then);
	} else {
		put_bool(r, SRC_EXPIRED, false);
	}
	put_admitted(v, SRC_ADMITTED, s->class_id);
	return v->cb(v->cb_ctx, r);
}

static int src_walk(struct views *v, view_cb cb, void *ctx)
{
	int fd = slot_fd(v, SEL_SRC), afd = slot_fd(v, SEL_ADMIT), err;

	if (fd < 0)
		return fd;
	if (!v->admit && afd >= 0) {
		err = map_walk(afd, admit_load_fn, v);
		if (err)
			return err;
		if (v->nadmit)
			qsort(v->admit, v->nadmit, sizeof(*v->admit), admit_pair_cmp);
	}
	v->cb = cb;
	v->cb_ctx = ctx;
	return map_walk(fd, src_fn, v);
}

/* ---- ifrole --------------------------------------------------------------- */

enum { IFR_IFACE, IFR_IFINDEX, IFR_ROLE, IFR_ROLE_ID, IFR_ROW, IFR_ATTACHED, IFR_NCOLS };

static const struct view_col ifrole_cols[IFR_NCOLS] = {
	[IFR_IFACE] = { "interface", "INTERFACE", VIEW_STR },
	[IFR_IFINDEX] = { "ifindex", "IFINDEX", VIEW_UINT },
	[IFR_ROLE] = { "role", "ROLE", VIEW_STR },
	[IFR_ROLE_ID] = { "role_id", NULL, VIEW_UINT },
	[IFR_ROW] = { "stats_row", "STATS ROW", VIEW_UINT },
	[IFR_ATTACHED] = { "attached", "ATTACHED", VIEW_BOOL },
};

static int ifrole_fn(void *arg, const void *key, const void *val)
{
	const struct enf_iface_val *iv = val;
	uint32_t ifindex = *(const uint32_t *)key;
	struct views *v = arg;
	struct view_row *r = &v->row;
	char name[IF_NAMESIZE];
	bool named = if_indextoname(ifindex, name), attached = false;
	size_t i;

	row_reset(r);
	if (named)
		put_str(r, IFR_IFACE, name);
	put_uint(r, IFR_IFINDEX, ifindex);
	put_str(r, IFR_ROLE, enf_role_name(iv->role));
	put_uint(r, IFR_ROLE_ID, iv->role);
	put_uint(r, IFR_ROW, iv->stats_row);
	/* a pinned link on that interface as it is now: an entry of a
	 * detached or deleted interface stays until the next apply */
	for (i = 0; named && i < v->nlinks; i++)
		attached |= v->links[i].iface.ifindex == ifindex &&
			    !strcmp(v->links[i].iface.name, name);
	put_bool(r, IFR_ATTACHED, attached);
	return v->cb(v->cb_ctx, r);
}

static int ifrole_walk(struct views *v, view_cb cb, void *ctx)
{
	int fd = slot_fd(v, SEL_IFROLE);

	if (fd < 0)
		return fd;
	if (!v->links)
		links_list(v->st.pin_dir, &v->links, &v->nlinks);
	v->cb = cb;
	v->cb_ctx = ctx;
	return map_walk(fd, ifrole_fn, v);
}

/* ---- the pinned maps -------------------------------------------------------- */

enum {
	PIN_NAME, PIN_KIND, PIN_ID, PIN_ENTRIES, PIN_MAX, PIN_KEY, PIN_VALUE, PIN_VIEW, PIN_WHAT,
	PIN_NCOLS
};

static const struct view_col pin_cols[PIN_NCOLS] = {
	[PIN_NAME] = { "name", "NAME", VIEW_STR },
	[PIN_KIND] = { "kind", "KIND", VIEW_STR },
	[PIN_ID] = { "id", "ID", VIEW_UINT },
	[PIN_ENTRIES] = { "entries", "ENTRIES", VIEW_UINT },
	[PIN_MAX] = { "max_entries", "MAX", VIEW_UINT },
	[PIN_KEY] = { "key_size", NULL, VIEW_UINT },
	[PIN_VALUE] = { "value_size", NULL, VIEW_UINT },
	[PIN_VIEW] = { "view", "VIEW", VIEW_STR },
	[PIN_WHAT] = { "holds", "HOLDS", VIEW_STR },
};

/* The maps the enforcer pins, in the order the listing shows them (the
 * double-buffer slots, enf_*_sel, follow), with what they hold. */
static const struct {
	const char *name;
	const char *view;
	const char *what;
} pins[] = {
	{ "enf_active", NULL, "[0] -> the policy slot in force, its generation" },
	{ "enf_policy", NULL,
	  "[slot] -> generation, manifest path and hash, counts, timeouts, interface rules" },
	{ "enf_dst", "dst", "service address -> service, network, flags" },
	{ "enf_ports", "ports",
	  "(address, port, protocol) -> service, network, flags, trust group" },
	{ "enf_src", "src", "source prefix -> source class, flags, expiry" },
	{ "enf_src16", NULL, "/16 of a source -> its class and flags, or \"ask enf_src\"" },
	{ "enf_admit", "admit", "(source class, network or trust group) -> admitted" },
	{ "enf_ifrole", "ifrole", "ifindex -> interface role, counter row" },
	{ "enf_svc_meta", NULL, "service id -> app, service, network names" },
	{ "enf_svc_stats", NULL, "service id -> pass and drop packets and bytes, per CPU" },
	{ "enf_dns_names", "dns", "DNS name (hash, length, view) -> network, zone, RRsets" },
	{ "enf_dns_zones", NULL, "zone apex (hash, length) -> SOA values" },
	{ "enf_dns_a", "dns", "RRset id -> A records" },
	{ "enf_dns_aaaa", "dns", "RRset id -> AAAA records" },
	{ "enf_dns_srv", "dns", "RRset id -> SRV records" },
	{ "enf_dns_views", NULL, "source class -> the isolated networks' views it reads" },
	{ "enf_dns_res", NULL, "resolver address -> its DNS queries are inspected" },
	{ "enf_stats", "stats", "reason -> packets and bytes, per CPU" },
	{ "enf_if_stats", "stats", "[interface row * 32 + reason] -> packets and bytes, per CPU" },
	{ "enf_ifrow", NULL,
	  "[ifindex & 4095] -> interface and its counter row (cache of enf_ifrole)" },
	{ "enf_dns_stats", NULL, "DNS outcome -> packets, per CPU" },
	{ "enf_dns_listen", NULL,
	  "[0] IPv4, [1] IPv6 -> the listening socket TCP/53 is steered to (dns serve)" },
	{ "enf_dns_steer", NULL,
	  "[0] -> the mark routing steered TCP/53 to the node (0: only its own addresses)" },
	{ "enf_dns_steered", NULL,
	  "TCP/53 connection the program steered with the mark -> 1 (LRU): only these are marked" },
	{ "enf_dns_xdp", NULL, "ifindex -> 1: its DNS queries are answered in XDP (attach --dns-xdp)" },
	{ "enf_dns_xdp_stats", NULL, "[0] answered in XDP, [1] left to TC for room -> packets, per CPU" },
	{ "enf_xdp_dns_jmp", NULL, "[0] -> enf_xdp_dns, the XDP program's tail call into the answers" },
	{ "enf_flows", "flows", "flow an instance opened -> last packet, open or closing" },
	{ "enf_frags", "frags", "first fragment that passed -> when, why, service" },
	{ "enf_trace", NULL, "`enforcer trace`: the trace twin's input and decision" },
	{ "enf_events", NULL, "ring buffer of verdict events (`enforcer monitor`), bytes" },
	{ "enf_monitor", NULL, "[0] -> the monitor's reader: flags, pid, lease, rate" },
	{ "enf_mon_cpu", NULL, "per CPU: monitor events written and left out" },
	{ "enf_daemon", NULL, "[0] -> the node agent's heartbeat and last apply" },
};

static int count_fn(void *arg, const void *key, const void *val)
{
	(void)key;
	(void)val;
	(*(uint64_t *)arg)++;
	return 0;
}

/* Whether the object behind fd is a map (a pin may be a program or link). */
static bool is_map(int fd)
{
	char path[64], line[128];
	bool map = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && !map && fgets(line, sizeof(line), f))
		map = !strncmp(line, "map_type:", 9);
	if (f)
		fclose(f);
	return map;
}

static int pin_row(struct views *v, const char *name, const char *view, const char *what)
{
	struct view_row *r = &v->row;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	uint64_t n = 0;
	const char *kind;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", v->st.pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;	/* not pinned here (enf_daemon without a daemon) */
	if (!is_map(fd) || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return 0;
	}
	row_reset(r);
	put_str(r, PIN_NAME, name);
	kind = libbpf_bpf_map_type_str(info.type);
	if (kind)
		put_str(r, PIN_KIND, kind);
	else
		put_fmt(r, PIN_KIND, "type %u", info.type);
	put_uint(r, PIN_ID, info.id);
	switch (info.type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		if (!map_walk(fd, count_fn, &n))
			put_uint(r, PIN_ENTRIES, n);
		break;
	case BPF_MAP_TYPE_RINGBUF:
		break;	/* max_entries is its size in bytes */
	default:
		put_uint(r, PIN_ENTRIES, info.max_entries);	/* arrays: every index */
	}
	close(fd);
	put_uint(r, PIN_MAX, info.max_entries);
	put_uint(r, PIN_KEY, info.key_size);
	put_uint(r, PIN_VALUE, info.value_size);
	put_str(r, PIN_VIEW, view);
	put_str(r, PIN_WHAT, what);
	err = v->cb(v->cb_ctx, r);
	return err;
}

static bool known_pin(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		if (!strcmp(pins[i].name, name))
			return true;
	for (i = 0; i < SEL_MAX; i++)
		if (!strcmp(sel_shape(i)->outer, name))
			return true;
	return false;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int pinned_walk(struct views *v, view_cb cb, void *ctx)
{
	char what[160], **other = NULL;
	size_t i, n = 0;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int err = 0;

	v->cb = cb;
	v->cb_ctx = ctx;
	for (i = 0; !err && i < sizeof(pins) / sizeof(pins[0]); i++)
		err = pin_row(v, pins[i].name, pins[i].view, pins[i].what);
	for (i = 0; !err && i < SEL_MAX; i++) {
		snprintf(what, sizeof(what), "[slot] -> that generation's %s (slot %u in force)",
			 sel_shape(i)->inner, v->act.slot);
		err = pin_row(v, sel_shape(i)->outer, NULL, what);
	}
	/* anything else pinned here: a newer or older build's */
	d = opendir(v->st.pin_dir);
	while (!err && d && (de = readdir(d))) {
		char **p;

		if (de->d_name[0] == '.' || known_pin(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &sb, 0) || !S_ISREG(sb.st_mode))
			continue;
		p = realloc(other, (n + 1) * sizeof(*other));
		if (!p)
			break;
		other = p;
		other[n] = strdup(de->d_name);
		if (other[n])
			n++;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(other, n, sizeof(*other), name_cmp);
	for (i = 0; i < n; i++) {
		if (!err)
			err = pin_row(v, other[i], NULL, NULL);
		free(other[i]);
	}
	free(other);
	return err;
}

/* ---- the table of views ------------------------------------------------------ */

/* NAME, the pinned maps it decodes, columns, per generation, walk. What
 * each shows: `enforcer maps --help`, docs/maps.md. */
#define VIEW(n, m, c, g, f) { .name = n, .maps = m, .cols = c, \
			      .ncols = sizeof(c) / sizeof(c[0]), .per_generation = g, .walk = f }

static const struct view_def views[] = {
	VIEW("dst", "enf_dst", dst_cols, true, dst_walk),
	VIEW("ports", "enf_ports", port_cols, true, port_walk),
	VIEW("src", "enf_src", src_cols, true, src_walk),
	VIEW("admit", "enf_admit", admit_cols, true, admit_walk),
	VIEW("ifrole", "enf_ifrole", ifrole_cols, true, ifrole_walk),
	VIEW("flows", "enf_flows", flow_cols, false, flow_walk),
	VIEW("frags", "enf_frags", frag_cols, false, frag_walk),
	VIEW("dns", "enf_dns_names enf_dns_a enf_dns_aaaa enf_dns_srv", dns_cols, true, dns_walk),
	VIEW("stats", "enf_stats enf_if_stats", stats_cols, false, stats_walk),
};

static const struct view_def pinned_view = VIEW("", "", pin_cols, false, pinned_walk);

_Static_assert(DST_NCOLS <= VIEW_MAX_COLS && PRT_NCOLS <= VIEW_MAX_COLS &&
	       SRC_NCOLS <= VIEW_MAX_COLS && FL_NCOLS <= VIEW_MAX_COLS &&
	       FR_NCOLS <= VIEW_MAX_COLS && DNS_NCOLS <= VIEW_MAX_COLS &&
	       ADM_NCOLS <= VIEW_MAX_COLS && IFR_NCOLS <= VIEW_MAX_COLS &&
	       ST_NCOLS <= VIEW_MAX_COLS && PIN_NCOLS <= VIEW_MAX_COLS, "VIEW_MAX_COLS too small");

size_t views_count(void)
{
	return sizeof(views) / sizeof(views[0]);
}

const struct view_def *views_at(size_t i)
{
	return i < views_count() ? &views[i] : NULL;
}

const struct view_def *views_pinned(void)
{
	return &pinned_view;
}

const struct view_def *views_find(const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < views_count(); i++)
		if (!strcmp(views[i].name, name))
			return &views[i];
	/* the pinned map's own name: enf_dst -> dst */
	for (i = 0; len && i < views_count(); i++) {
		const char *p = views[i].maps;

		while ((p = strstr(p, name))) {
			if ((p == views[i].maps || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
				return &views[i];
			p += len;
		}
	}
	return NULL;
}

int views_open(const char *pin_dir, const char *who, struct views **out)
{
	struct views *v = calloc(1, sizeof(*v));
	int err, i;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < SEL_MAX; i++)
		v->fd[i] = -1;
	err = state_open_loaded(&v->st, pin_dir, who);
	if (err) {
		free(v);
		return err;
	}
	err = state_active(&v->st, &v->act, &v->pol);
	if (err) {
		views_close(v);
		return err;
	}
	*out = v;
	return 0;
}

void views_close(struct views *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < SEL_MAX; i++)
		if (v->fd[i] >= 0)
			close(v->fd[i]);
	state_close(&v->st);
	free(v->dns);
	free(v->nets);
	free(v->trust);
	free(v->admit);
	free(v->links);
	free(v);
}

void views_set_manifest(struct views *v, const struct manifest *m, const struct zone_compiled *z,
			const char *unknown)
{
	size_t i;

	v->m = m;
	v->z = z;
	v->unknown = unknown;
	free(v->dns);
	v->dns = NULL;
	if (!z || !z->nnames)
		return;
	v->dns = malloc(z->nnames * sizeof(*v->dns));
	if (!v->dns)
		return;
	for (i = 0; i < z->nnames; i++)
		v->dns[i] = &z->names[i];
	qsort(v->dns, z->nnames, sizeof(*v->dns), dns_name_cmp);
}

uint64_t views_generation(const struct views *v)
{
	return v->pol.generation;
}
