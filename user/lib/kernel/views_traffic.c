// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The traffic views of the pinned maps: flows, frags, dns, stats (see
 * views.h; the rows, map reading and names are views.c's). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "names.h"
#include "state.h"
#include "views.h"
#include "views_internal.h"
#include "wire.h"
#include "zone.h"

/* ---- flows ---------------------------------------------------------------- */

const struct view_col flow_cols[FL_NCOLS] = {
	[FL_LOCAL_EP] = { NULL, "LOCAL", VIEW_STR },
	[FL_LOCAL] = { "local", NULL, VIEW_STR },
	[FL_LOCAL_PORT] = { "local_port", NULL, VIEW_UINT },
	[FL_ECHO_ID] = { "echo_id", NULL, VIEW_UINT },
	[FL_REMOTE_EP] = { NULL, "REMOTE", VIEW_STR },
	[FL_REMOTE] = { "remote", NULL, VIEW_STR },
	[FL_REMOTE_PORT] = { "remote_port", NULL, VIEW_UINT },
	[FL_PROTO] = { "proto", "PROTO", VIEW_STR },
	[FL_FAMILY] = { "family", NULL, VIEW_STR },
	[FL_STATE] = { "state", "STATE", VIEW_STR },
	[FL_AGE] = { "age_ms", "IDLE", VIEW_MS },
	[FL_LEFT] = { "left_ms", "LEFT", VIEW_MS },
	[FL_EXPIRED] = { "expired", NULL, VIEW_BOOL },
	[FL_SVC] = { NULL, "SERVICE", VIEW_STR },
	[FL_APP] = { "app", NULL, VIEW_STR },
	[FL_SERVICE] = { "service", NULL, VIEW_STR },
	[FL_SERVICE_ID] = { "service_id", NULL, VIEW_UINT },
};

/* The data path's flow_timeout(), from the policy in force. */
static uint64_t flow_timeout(const struct enf_policy *pol, uint8_t proto, uint32_t state)
{
	if (proto == IPPROTO_TCP || proto == IPPROTO_SCTP)
		return state == ENF_FLOW_CLOSING ? pol->flow_tcp_closing_ns : pol->flow_tcp_ns;
	if (proto == IPPROTO_UDP)
		return pol->flow_udp_ns;
	return pol->flow_icmp_ns;
}

/* The service an address belongs to, in the generation the views read. */
static uint32_t addr_service(struct views *v, const struct enf_addr *a)
{
	struct enf_dst_val d;
	int fd = slot_fd(v, SEL_DST);

	return fd >= 0 && !bpf_map_lookup_elem(fd, a, &d) ? d.service_id : 0;
}

static int flow_fn(void *arg, const void *key, const void *val)
{
	const struct enf_flow_key *k = key;
	const struct enf_flow_val *f = val;
	bool echo = k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6;
	struct views *v = arg;
	struct view_row *r = &v->row;
	uint64_t now = now_ns(CLOCK_MONOTONIC), ttl = flow_timeout(&v->pol, k->proto, f->state);
	char s[ADDR_STRLEN + 16], pn[8];
	int64_t age;

	row_reset(r);
	if (echo) {
		/* ICMP echo: the identifier stands where the local port does */
		put_fmt(r, FL_LOCAL_EP, "%s id %u", addr_format(&k->local, s, sizeof(s)),
			ntohs(k->local_port));
		put_uint(r, FL_ECHO_ID, ntohs(k->local_port));
		put_str(r, FL_REMOTE_EP, addr_format(&k->remote, s, sizeof(s)));
	} else {
		put_str(r, FL_LOCAL_EP,
			endpoint_format(&k->local, ntohs(k->local_port), s, sizeof(s)));
		put_uint(r, FL_LOCAL_PORT, ntohs(k->local_port));
		put_str(r, FL_REMOTE_EP,
			endpoint_format(&k->remote, ntohs(k->remote_port), s, sizeof(s)));
		put_uint(r, FL_REMOTE_PORT, ntohs(k->remote_port));
	}
	put_str(r, FL_LOCAL, addr_format(&k->local, s, sizeof(s)));
	put_str(r, FL_REMOTE, addr_format(&k->remote, s, sizeof(s)));
	put_str(r, FL_PROTO, proto_str(k->proto, pn, sizeof(pn)));
	put_str(r, FL_FAMILY, family_name(k->local.family));
	put_str(r, FL_STATE, f->state == ENF_FLOW_CLOSING ? "closing" :
			     f->state == ENF_FLOW_OPEN ? "open" : "unknown");
	age = now > f->last_ns ? ms_between(f->last_ns, now) : 0;
	put_int(r, FL_AGE, age);
	put_int(r, FL_LEFT, (int64_t)(ttl / 1000000) - age);
	/* an expired flow lets nothing in; the LRU table drops it when it needs the room */
	put_bool(r, FL_EXPIRED, now - f->last_ns > ttl && now > f->last_ns);
	put_service(v, FL_SVC, FL_APP, FL_SERVICE, FL_SERVICE_ID, addr_service(v, &k->local));
	return v->cb(v->cb_ctx, r);
}

int flow_walk(struct views *v, view_cb cb, void *ctx)
{
	v->cb = cb;
	v->cb_ctx = ctx;
	return v->st.flows_fd < 0 ? -ENOENT : map_walk(v->st.flows_fd, flow_fn, v);
}

/* ---- frags ---------------------------------------------------------------- */

const struct view_col frag_cols[FR_NCOLS] = {
	[FR_SRC] = { "src", "SOURCE", VIEW_STR },
	[FR_DST] = { "dst", "DESTINATION", VIEW_STR },
	[FR_FAMILY] = { "family", NULL, VIEW_STR },
	[FR_ID] = { "id", "ID", VIEW_UINT },
	[FR_PROTO] = { "proto", "PROTO", VIEW_STR },
	[FR_REASON] = { "reason", "PASSED AS", VIEW_STR },
	[FR_REASON_ID] = { "reason_id", NULL, VIEW_UINT },
	[FR_AGE] = { "age_ms", "AGE", VIEW_MS },
	[FR_LEFT] = { "left_ms", "LEFT", VIEW_MS },
	[FR_EXPIRED] = { "expired", NULL, VIEW_BOOL },
	[FR_SVC] = { NULL, "SERVICE", VIEW_STR },
	[FR_APP] = { "app", NULL, VIEW_STR },
	[FR_SERVICE] = { "service", NULL, VIEW_STR },
	[FR_SERVICE_ID] = { "service_id", NULL, VIEW_UINT },
};

static int frag_fn(void *arg, const void *key, const void *val)
{
	const struct enf_frag_key *k = key;
	const struct enf_frag_val *f = val;
	struct views *v = arg;
	struct view_row *r = &v->row;
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	char s[ADDR_STRLEN], pn[8];
	int64_t age;

	row_reset(r);
	put_str(r, FR_SRC, addr_format(&k->src, s, sizeof(s)));
	put_str(r, FR_DST, addr_format(&k->dst, s, sizeof(s)));
	put_str(r, FR_FAMILY, family_name(k->src.family));
	put_uint(r, FR_ID, k->id);
	put_str(r, FR_PROTO, proto_str(k->proto, pn, sizeof(pn)));
	put_str(r, FR_REASON, enf_reason_name(f->reason));
	put_uint(r, FR_REASON_ID, f->reason);
	age = now > f->created_ns ? ms_between(f->created_ns, now) : 0;
	put_int(r, FR_AGE, age);
	put_int(r, FR_LEFT, (int64_t)(v->pol.frag_ns / 1000000) - age);
	put_bool(r, FR_EXPIRED, now > f->created_ns && now - f->created_ns > v->pol.frag_ns);
	/* the id of the generation that passed it: named by the one in force */
	put_service(v, FR_SVC, FR_APP, FR_SERVICE, FR_SERVICE_ID, f->service_id);
	return v->cb(v->cb_ctx, r);
}

int frag_walk(struct views *v, view_cb cb, void *ctx)
{
	v->cb = cb;
	v->cb_ctx = ctx;
	return v->st.frags_fd < 0 ? -ENOENT : map_walk(v->st.frags_fd, frag_fn, v);
}

/* ---- dns ------------------------------------------------------------------ */

const struct view_col dns_cols[DNS_NCOLS] = {
	[DNS_NAME_TEXT] = { NULL, "NAME", VIEW_STR },
	[DNS_NAME] = { "name", NULL, VIEW_STR },
	[DNS_VIEW] = { "view", "VIEW", VIEW_STR },
	[DNS_VIEW_ID] = { "view_id", NULL, VIEW_UINT },
	[DNS_NETWORK] = { "network", "NETWORK", VIEW_STR },
	[DNS_NETWORK_ID] = { "network_id", NULL, VIEW_UINT },
	[DNS_ZONE] = { "zone", NULL, VIEW_STR },
	[DNS_ZONE_ID] = { "zone_id", NULL, VIEW_UINT },
	[DNS_FLAGS] = { "flags", "FLAGS", VIEW_LIST },
	[DNS_HASH] = { "hash", "HASH", VIEW_STR },
	[DNS_WIRE_LEN] = { "wire_len", NULL, VIEW_UINT },
	[DNS_RRSET] = { "rrset_id", NULL, VIEW_UINT },
	[DNS_A] = { "a", NULL, VIEW_LIST },
	[DNS_AAAA] = { "aaaa", NULL, VIEW_LIST },
	[DNS_SRV] = { "srv", NULL, VIEW_LIST },
	[DNS_RECORDS] = { NULL, "RECORDS", VIEW_STR },
};

static const char *const dns_flag_names[] = { "apex" };

static int dns_key_cmp(const struct enf_dns_key *a, const struct enf_dns_key *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->wire_len != b->wire_len)
		return a->wire_len < b->wire_len ? -1 : 1;
	return a->view < b->view ? -1 : a->view > b->view;
}

int dns_name_cmp(const void *a, const void *b)
{
	return dns_key_cmp(&(*(const struct zone_name *const *)a)->key,
			   &(*(const struct zone_name *const *)b)->key);
}

static const struct zone_name *dns_find(struct views *v, const struct enf_dns_key *k)
{
	size_t lo = 0, hi = v->dns ? v->z->nnames : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = dns_key_cmp(&v->dns[mid]->key, k);

		if (!c)
			return v->dns[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The text of the name's records (A, AAAA, SRV), from the lists. */
static void dns_records_text(struct view_row *r)
{
	static const struct { int col; const char *type; } sets[] = {
		{ DNS_A, "A" }, { DNS_AAAA, "AAAA" }, { DNS_SRV, "SRV" },
	};
	char buf[VIEW_ROW_TEXT / 2];
	size_t i, k, len = 0;
	const char *p;

	buf[0] = '\0';
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		const struct view_cell *c = &r->c[sets[i].col];

		for (k = 0, p = c->s; c->set && k < c->n; k++, p += strlen(p) + 1)
			len += (size_t)snprintf(buf + len,
						len < sizeof(buf) ? sizeof(buf) - len : 0,
						"%s%s %s", len ? ", " : "", sets[i].type, p);
	}
	if (len)
		put_str(r, DNS_RECORDS, buf);
}

static int dns_fn(void *arg, const void *key, const void *val)
{
	const struct enf_dns_key *k = key;
	const struct enf_dns_name *n = val;
	struct views *v = arg;
	struct view_row *r = &v->row;
	const struct zone_name *zn = dns_find(v, k);
	char name[DNS_TEXT_MAX], s[ADDR_STRLEN], svc[DNS_TEXT_MAX] = "";
	size_t i, off;
	int fd;

	row_reset(r);
	if (zn) {
		dns_wire_show(zn->wire, name, sizeof(name));
		put_str(r, DNS_NAME, name);
		put_str(r, DNS_NAME_TEXT, name);
		/* SRV targets are "<index>.<service name>": the name minus
		 * its "_port._proto." */
		off = 1 + (size_t)zn->wire[0];
		if (n->n_srv && off < k->wire_len && zn->wire[off] &&
		    off + 1 + zn->wire[off] < k->wire_len)
			dns_wire_show(zn->wire + off + 1 + zn->wire[off], svc, sizeof(svc));
	} else {
		put_fmt(r, DNS_NAME_TEXT, "(%s)", v->unknown ? v->unknown :
			v->z ? "not in the manifest" : "name unknown");
	}
	put_uint(r, DNS_VIEW_ID, k->view);
	put_str(r, DNS_VIEW, k->view ? net_name(v, k->view) : "rack");
	if (n->network_id == ENF_DNS_ANY_NETWORK) {
		put_str(r, DNS_NETWORK, "any");
	} else {
		put_uint(r, DNS_NETWORK_ID, n->network_id);
		put_str(r, DNS_NETWORK, net_name(v, n->network_id));
	}
	put_uint(r, DNS_ZONE_ID, n->zone_id);
	for (i = 0; v->z && i < v->z->nzones; i++) {
		if (v->z->zones[i].val.zone_id != n->zone_id)
			continue;
		dns_wire_show(v->z->zones[i].wire, name, sizeof(name));
		put_str(r, DNS_ZONE, name);
	}
	put_flags(r, DNS_FLAGS, n->flags, dns_flag_names, NFLAGS(dns_flag_names));
	put_fmt(r, DNS_HASH, "0x%016llx", (unsigned long long)k->hash);
	put_uint(r, DNS_WIRE_LEN, k->wire_len);
	put_uint(r, DNS_RRSET, n->rrset_id);

	/* record i: page rrset_id + i / 32, slot i % 32; a page that is
	 * missing (a generation being replaced) ends the list */
	put_list(r, DNS_A);
	fd = n->n_a ? slot_fd(v, SEL_DNS_A) : -1;
	for (i = 0; fd >= 0 && i < n->n_a; i++) {
		uint32_t page = n->rrset_id + i / ENF_DNS_MAX_RR;

		if (i % ENF_DNS_MAX_RR == 0 && bpf_map_lookup_elem(fd, &page, &v->a))
			break;
		list_add(r, DNS_A, inet_ntop(AF_INET, &v->a.addr[i % ENF_DNS_MAX_RR], s,
					     sizeof(s)));
	}
	put_list(r, DNS_AAAA);
	fd = n->n_aaaa ? slot_fd(v, SEL_DNS_AAAA) : -1;
	for (i = 0; fd >= 0 && i < n->n_aaaa; i++) {
		uint32_t page = n->rrset_id + i / ENF_DNS_MAX_RR;

		if (i % ENF_DNS_MAX_RR == 0 && bpf_map_lookup_elem(fd, &page, &v->aaaa))
			break;
		list_add(r, DNS_AAAA, inet_ntop(AF_INET6, v->aaaa.addr[i % ENF_DNS_MAX_RR], s,
						sizeof(s)));
	}
	put_list(r, DNS_SRV);
	fd = n->n_srv ? slot_fd(v, SEL_DNS_SRV) : -1;
	for (i = 0; fd >= 0 && i < n->n_srv; i++) {
		uint32_t page = n->rrset_id + i / ENF_DNS_MAX_RR;
		const struct enf_dns_srv_rr *rr = &v->srv.rr[i % ENF_DNS_MAX_RR];

		if (i % ENF_DNS_MAX_RR == 0 && bpf_map_lookup_elem(fd, &page, &v->srv))
			break;
		list_fmt(r, DNS_SRV, "%u %u %u %.*s.%s", ntohs(rr->priority), ntohs(rr->weight),
			 ntohs(rr->port), rr->label_len < 5 ? rr->label_len : 5, rr->label,
			 svc[0] ? svc : "<service name>");
	}
	dns_records_text(r);
	return v->cb(v->cb_ctx, r);
}

int dns_walk(struct views *v, view_cb cb, void *ctx)
{
	int fd = slot_fd(v, SEL_DNS_NAME);

	v->cb = cb;
	v->cb_ctx = ctx;
	return fd < 0 ? fd : map_walk(fd, dns_fn, v);
}

/* ---- stats ---------------------------------------------------------------- */

const struct view_col stats_cols[ST_NCOLS] = {
	[ST_IFACE] = { "interface", "INTERFACE", VIEW_STR },
	[ST_IFINDEX] = { "ifindex", NULL, VIEW_UINT },
	[ST_ROW] = { "stats_row", NULL, VIEW_UINT },
	[ST_REASON] = { "reason", "REASON", VIEW_STR },
	[ST_REASON_ID] = { "reason_id", NULL, VIEW_UINT },
	[ST_VERDICT] = { "verdict", "VERDICT", VIEW_STR },
	[ST_PACKETS] = { "packets", "PACKETS", VIEW_UINT },
	[ST_BYTES] = { "bytes", "BYTES", VIEW_UINT },
};

struct row_holder {
	uint32_t ifindex;
	uint32_t row;
	char name[IF_NAMESIZE];	/* "" when the interface is gone */
};

static int holder_cmp(const void *a, const void *b)
{
	const struct row_holder *x = a, *y = b;

	return x->row < y->row ? -1 : x->row > y->row;
}

struct holders {
	struct row_holder h[ENF_MAX_IFACES + 1];
	size_t n;
};

static int holder_fn(void *arg, const void *key, const void *val)
{
	const struct enf_iface_val *iv = val;
	struct holders *hs = arg;
	struct row_holder *h;

	if (!iv->stats_row || iv->stats_row >= ENF_IF_ROWS || hs->n >= ENF_MAX_IFACES + 1)
		return 0;
	h = &hs->h[hs->n++];
	h->ifindex = *(const uint32_t *)key;
	h->row = iv->stats_row;
	if (!if_indextoname(h->ifindex, h->name))
		h->name[0] = '\0';
	return 0;
}

static int stats_row(struct views *v, const struct row_holder *h, uint32_t reason,
		     const struct enf_counter *c)
{
	struct view_row *r = &v->row;

	row_reset(r);
	if (!h) {
		put_str(r, ST_IFACE, "all");
	} else {
		put_uint(r, ST_ROW, h->row);
		if (h->row) {
			put_uint(r, ST_IFINDEX, h->ifindex);
			if (h->name[0])
				put_str(r, ST_IFACE, h->name);
		} else {
			put_str(r, ST_IFACE, "other");
		}
	}
	put_str(r, ST_REASON, enf_reason_name(reason));
	put_uint(r, ST_REASON_ID, reason);
	put_str(r, ST_VERDICT, enf_reason_verdict(reason));
	put_uint(r, ST_PACKETS, c->packets);
	put_uint(r, ST_BYTES, c->bytes);
	return v->cb(v->cb_ctx, r);
}

/* Every reason's total (enf_stats), then what each interface row counted
 * (enf_if_stats; rows that counted nothing are left out). */
int stats_walk(struct views *v, view_cb cb, void *ctx)
{
	struct holders *hs = calloc(1, sizeof(*hs));
	struct enf_counter c;
	uint32_t reason;
	size_t i;
	int fd, err = 0;

	if (!hs)
		return -ENOMEM;
	v->cb = cb;
	v->cb_ctx = ctx;
	for (reason = 0; !err && reason < ENF_REASON_MAX; reason++) {
		if (state_sum_percpu(v->st.stats_fd, reason, &c, sizeof(c), 2))
			memset(&c, 0, sizeof(c));
		err = stats_row(v, NULL, reason, &c);
	}
	/* row 0, shared: interfaces beyond the rows, packets before a policy */
	hs->h[hs->n++] = (struct row_holder){ .row = 0 };
	fd = slot_fd(v, SEL_IFROLE);
	if (fd >= 0)
		map_walk(fd, holder_fn, hs);
	qsort(hs->h, hs->n, sizeof(hs->h[0]), holder_cmp);
	for (i = 0; !err && v->st.if_stats_fd >= 0 && i < hs->n; i++) {
		for (reason = 0; !err && reason < ENF_REASON_MAX; reason++) {
			uint32_t key = hs->h[i].row * ENF_REASON_SLOTS + reason;

			if (state_sum_percpu(v->st.if_stats_fd, key, &c, sizeof(c), 2))
				continue;
			if (c.packets || c.bytes)
				err = stats_row(v, &hs->h[i], reason, &c);
		}
	}
	free(hs);
	return err;
}
