// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What an apply changes (see diff.h): both generations are brought into one
 * form (records that name their service by its index in the sorted union
 * of names), sorted, and merged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "diff.h"
#include "log.h"
#include "names.h"

enum { OLD, NEW };

/* What the records of one name say on each side, gathered before the
 * services are compared: bit SEEN_FALSE / SEEN_TRUE per record. */
#define SEEN_FALSE	1U
#define SEEN_TRUE	2U

struct name_attr {
	const struct enf_svc_meta *meta[2];	/* the first service of the name */
	uint8_t isolated[2];	/* its addresses, its frontend ports */
	uint8_t trusted[2];	/* its ports */
	uint32_t trust_group[2];	/* of a trusted port, that side's numbering */
};

/* diff_port.flags while a side's records are made: ENF_PORT_ISOLATED, read
 * once the port is known to be a frontend's, then cleared. */
#define PORT_ISOLATED_RAW	(1U << 7)

/* One generation: the new one points into the compiled policy, the one in
 * force into copies read from its maps (own_*). */
struct side {
	const struct enf_svc_meta *meta;	/* [service id], [0] unused */
	size_t nmeta;
	const struct dst_entry *dst;
	size_t ndst;
	const struct port_entry *ports;
	size_t nports;
	const struct enf_policy *pol;
	uint32_t *name_of;			/* [service id] -> index into names */
	struct diff_addr *addrs;		/* sorted records */
	struct diff_port *precs;
	struct enf_svc_meta *own_meta;
	struct dst_entry *own_dst;
	struct port_entry *own_ports;
	struct enf_policy own_pol;
	/* the trusted ranges: read only when a service is trusted on both
	 * sides (the new one has them in the compiled policy) */
	struct enf_state *st;			/* the one in force: where, which slot */
	uint32_t slot;
	bool trust_read;
	const struct src_entry *src;
	size_t nsrc;
	const struct enf_admit_key *admit;
	size_t nadmit;
	struct src_entry *own_src;
	struct enf_admit_key *own_admit;
};

static void side_free(struct side *s)
{
	free(s->name_of);
	free(s->addrs);
	free(s->precs);
	free(s->own_meta);
	free(s->own_dst);
	free(s->own_ports);
	free(s->own_src);
	free(s->own_admit);
}

/* Room for one more element of `size` bytes at the end of *v; NULL when out
 * of memory (*v stays valid). */
static void *push(void *v, size_t *n, size_t *cap, size_t size)
{
	void **vp = v;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *nv = realloc(*vp, ncap * size);

		if (!nv)
			return NULL;
		*vp = nv;
		*cap = ncap;
	}
	return (char *)*vp + (*n)++ * size;
}

/* Every entry of the hash map `fd` as records of `stride` bytes, the key
 * (`ksz` bytes) at 0 and the value at `voff` (none when voff == stride:
 * keys only). */
static int read_hash(int fd, size_t ksz, size_t stride, size_t voff, void **out, size_t *n)
{
	uint8_t key[64], next[64];
	size_t cap = 0;
	int err;

	*out = NULL;
	*n = 0;
	if (ksz > sizeof(key))
		return -EINVAL;
	for (err = bpf_map_get_next_key(fd, NULL, next); !err;
	     err = bpf_map_get_next_key(fd, key, next)) {
		uint8_t *rec = push(out, n, &cap, stride);

		if (!rec)
			return -ENOMEM;
		memcpy(rec, next, ksz);
		if (voff < stride && bpf_map_lookup_elem(fd, next, rec + voff)) {
			(*n)--;
			if (errno != ENOENT)	/* gone since get_next_key: not there */
				return -errno;
		}
		memcpy(key, next, ksz);
	}
	return err == -ENOENT ? 0 : err;
}

/* Every key of the hash map `fd` (a set: the values say nothing). */
static int read_keys(int fd, size_t ksz, void **out, size_t *n)
{
	return read_hash(fd, ksz, ksz, ksz, out, n);
}

/* The generation in force, read from the active slot (held still by the
 * caller's pin dir lock), and the number the next apply gives its own. */
static int read_in_force(struct enf_state *st, struct side *s, uint64_t *next_gen)
{
	const char *what = "enf_policy";
	struct enf_policy other;
	struct enf_active act;
	uint32_t other_slot, i;
	void *recs;
	int fd, err;

	s->pol = &s->own_pol;
	err = state_active(st, &act, &s->own_pol);
	if (err)
		goto fail;
	other_slot = !act.slot;
	if (bpf_map_lookup_elem(st->policy_fd, &other_slot, &other)) {
		err = -errno;
		goto fail;
	}
	s->own_pol.rack[ENF_NAME_LEN - 1] = '\0';
	*next_gen = (s->own_pol.generation > other.generation ? s->own_pol.generation
							       : other.generation) + 1;
	if (!s->own_pol.generation)
		return 0;	/* nothing applied: the maps are empty */
	s->st = st;
	s->slot = act.slot;

	what = "enf_svc_meta";
	s->nmeta = (size_t)s->own_pol.services + 1;
	s->own_meta = calloc(s->nmeta, sizeof(*s->own_meta));
	if (!s->own_meta) {
		err = -ENOMEM;
		goto fail;
	}
	fd = state_inner_fd(st, SEL_META, act.slot);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	for (i = 1; i < s->nmeta && !err; i++) {
		struct enf_svc_meta *m = &s->own_meta[i];

		if (bpf_map_lookup_elem(fd, &i, m))
			err = -errno;
		/* names from a map: terminated here, whatever it holds */
		m->app[ENF_NAME_LEN - 1] = m->service[ENF_NAME_LEN - 1] = '\0';
		m->network[ENF_NAME_LEN - 1] = '\0';
	}
	close(fd);
	if (err)
		goto fail;
	s->meta = s->own_meta;

	what = "enf_dst";
	fd = state_inner_fd(st, SEL_DST, act.slot);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	err = read_hash(fd, sizeof(struct enf_addr), sizeof(struct dst_entry),
			offsetof(struct dst_entry, val), &recs, &s->ndst);
	s->dst = s->own_dst = recs;
	close(fd);
	if (err)
		goto fail;

	what = "enf_ports";
	fd = state_inner_fd(st, SEL_PORT, act.slot);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	err = read_hash(fd, sizeof(struct enf_port_key), sizeof(struct port_entry),
			offsetof(struct port_entry, val), &recs, &s->nports);
	s->ports = s->own_ports = recs;
	close(fd);
	if (err)
		goto fail;
	return 0;
fail:
	pr_err("cannot read %s of the generation in force in %s: %s\n", what, st->pin_dir,
	       strerror(-err));
	return err;
}

/* The source classifier and the admission table of the generation in
 * force, read once, when a service is trusted on both sides. */
static int read_trust(struct side *s)
{
	const char *what = "enf_src";
	void *recs;
	int fd, err;

	if (s->trust_read || !s->st)
		return 0;
	s->trust_read = true;
	fd = state_inner_fd(s->st, SEL_SRC, s->slot);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	err = read_hash(fd, sizeof(struct enf_src_key), sizeof(struct src_entry),
			offsetof(struct src_entry, val), &recs, &s->nsrc);
	s->src = s->own_src = recs;
	close(fd);
	if (err)
		goto fail;

	what = "enf_admit";
	fd = state_inner_fd(s->st, SEL_ADMIT, s->slot);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	err = read_keys(fd, sizeof(struct enf_admit_key), &recs, &s->nadmit);
	s->admit = s->own_admit = recs;
	close(fd);
	if (err)
		goto fail;
	return 0;
fail:
	if (err != -ENOMEM)
		pr_err("cannot read %s of the generation in force in %s: %s\n", what,
		       s->st->pin_dir, strerror(-err));
	return err;
}

/* ---- names: the union of both generations', sorted ---- */

struct name_ref {
	const struct enf_svc_meta *m;
	uint32_t id;
	uint8_t side;
};

static int cmp_meta_name(const struct enf_svc_meta *a, const struct enf_svc_meta *b)
{
	int r = strcmp(a->app, b->app);

	return r ? r : strcmp(a->service, b->service);
}

static int cmp_ref(const void *pa, const void *pb)
{
	const struct name_ref *a = pa, *b = pb;
	int r = cmp_meta_name(a->m, b->m);

	return r ? r : a->side - b->side;
}

static void service_set(struct diff_service *e, int side, const struct enf_svc_meta *m)
{
	e->public[side] = !!m->public;
	snprintf(e->network[side], sizeof(e->network[side]), "%s", m->network);
}

/* d->names, each side's name_of[], and *attrp: per name, the service of
 * each side that has it (what its records say comes with side_records). */
static int diff_names(struct policy_diff *d, struct side *sides, struct name_attr **attrp)
{
	struct name_ref *refs;
	struct name_attr *attr;
	size_t total = 0, n = 0, i;
	int k;

	for (k = OLD; k <= NEW; k++) {
		total += sides[k].nmeta ? sides[k].nmeta - 1 : 0;
		sides[k].name_of = calloc(sides[k].nmeta ? sides[k].nmeta : 1, sizeof(uint32_t));
		if (!sides[k].name_of)
			return -ENOMEM;
	}
	refs = calloc(total ? total : 1, sizeof(*refs));
	d->names = calloc(total ? total : 1, sizeof(*d->names));
	*attrp = attr = calloc(total ? total : 1, sizeof(*attr));
	if (!refs || !d->names || !attr) {
		free(refs);
		return -ENOMEM;
	}
	for (k = OLD; k <= NEW; k++)
		for (i = 1; i < sides[k].nmeta; i++)
			refs[n++] = (struct name_ref){ &sides[k].meta[i], (uint32_t)i, (uint8_t)k };
	qsort(refs, n, sizeof(*refs), cmp_ref);

	for (i = 0; i < n;) {
		uint32_t idx = (uint32_t)d->nnames++;
		size_t j;

		snprintf(d->names[idx].app, sizeof(d->names[idx].app), "%s", refs[i].m->app);
		snprintf(d->names[idx].service, sizeof(d->names[idx].service), "%s",
			 refs[i].m->service);
		for (j = i; j < n && !cmp_meta_name(refs[j].m, refs[i].m); j++) {
			sides[refs[j].side].name_of[refs[j].id] = idx;
			if (!attr[idx].meta[refs[j].side])
				attr[idx].meta[refs[j].side] = refs[j].m;
		}
		i = j;
	}
	free(refs);
	return 0;
}

/* ---- addresses and ports ---- */

static int cmp_port(const void *pa, const void *pb)
{
	const struct diff_port *a = pa, *b = pb;
	int r = addr_cmp(&a->a, &b->a);

	if (r)
		return r;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->name != b->name)
		return a->name < b->name ? -1 : 1;
	return (a->flags > b->flags) - (a->flags < b->flags);
}

static int cmp_addr(const void *pa, const void *pb)
{
	const struct diff_addr *a = pa, *b = pb;
	int r = addr_cmp(&a->a, &b->a);

	if (r)
		return r;
	if (a->name != b->name)
		return a->name < b->name ? -1 : 1;
	return (a->kind > b->kind) - (a->kind < b->kind);
}

static uint32_t name_ref(const struct side *s, uint32_t id)
{
	return id && id < s->nmeta ? s->name_of[id] + 1 : 0;
}

/* First of the sorted records (`stride` bytes, enf_addr first) whose
 * address is not below `a`. */
static size_t lower_bound(const void *v, size_t n, size_t stride, const struct enf_addr *a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr_cmp((const struct enf_addr *)((const char *)v + mid * stride), a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A side's sorted address and port records. A frontend address has no
 * service of its own (enf_dst says 0): it is named after the service of
 * its ports, the first by name when several share it. What the records say
 * of their service (isolated, trusted) goes to attr[name][k]. */
static int side_records(struct side *s, struct name_attr *attr, int k)
{
	size_t i, j;

	s->precs = calloc(s->nports ? s->nports : 1, sizeof(*s->precs));
	s->addrs = calloc(s->ndst ? s->ndst : 1, sizeof(*s->addrs));
	if (!s->precs || !s->addrs)
		return -ENOMEM;
	for (i = 0; i < s->nports; i++) {
		const struct port_entry *pe = &s->ports[i];
		struct diff_port *p = &s->precs[i];

		p->a = pe->key.a;
		p->port = ntohs(pe->key.port);
		p->proto = pe->key.proto;
		p->flags = (pe->val.flags & ENF_PORT_PUBLIC ? DIFF_PORT_PUBLIC : 0) |
			   (pe->val.flags & ENF_PORT_ISOLATED ? PORT_ISOLATED_RAW : 0);
		p->name = name_ref(s, pe->val.service_id);
		if (p->name) {
			struct name_attr *na = &attr[p->name - 1];

			na->trusted[k] |= pe->val.trust_group ? SEEN_TRUE : SEEN_FALSE;
			if (pe->val.trust_group)
				na->trust_group[k] = pe->val.trust_group;
		}
	}
	qsort(s->precs, s->nports, sizeof(*s->precs), cmp_port);
	for (i = 0; i < s->ndst; i++) {
		const struct dst_entry *de = &s->dst[i];
		struct diff_addr *a = &s->addrs[i];

		a->a = de->key;
		a->kind = de->val.flags & ENF_DST_FRONTEND ? DIFF_FRONTEND :
			  de->val.flags & ENF_DST_VIP ? DIFF_VIP : DIFF_INSTANCE;
		a->name = name_ref(s, de->val.service_id);
		if (a->name)	/* an instance or VIP: its network's isolation */
			attr[a->name - 1].isolated[k] |=
				de->val.flags & ENF_DST_ISOLATED ? SEEN_TRUE : SEEN_FALSE;
		if (de->val.service_id)
			continue;
		for (j = lower_bound(s->precs, s->nports, sizeof(*s->precs), &de->key);
		     j < s->nports && addr_equal(&s->precs[j].a, &de->key); j++)
			if (s->precs[j].name && (!a->name || s->precs[j].name < a->name))
				a->name = s->precs[j].name;
	}
	qsort(s->addrs, s->ndst, sizeof(*s->addrs), cmp_addr);
	for (i = 0; i < s->nports; i++) {
		struct diff_port *p = &s->precs[i];
		bool isolated = p->flags & PORT_ISOLATED_RAW;

		p->flags &= (uint8_t)~PORT_ISOLATED_RAW;
		j = lower_bound(s->addrs, s->ndst, sizeof(*s->addrs), &p->a);
		if (j < s->ndst && addr_equal(&s->addrs[j].a, &p->a) &&
		    s->addrs[j].kind == DIFF_FRONTEND) {
			p->flags |= DIFF_PORT_FRONTEND;
			if (p->name)	/* a frontend: its service's isolation */
				attr[p->name - 1].isolated[k] |= isolated ? SEEN_TRUE : SEEN_FALSE;
		}
	}
	/* the flags are the last key: no two records differ by them alone */
	return 0;
}

/* ---- services: names on both sides, and what their records say ---- */

static uint64_t boot_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

static int cmp_src_key(const void *pa, const void *pb)
{
	const struct enf_src_key *a = pa, *b = pb;
	int r = addr_cmp(&a->a, &b->a);

	return r ? r : (a->prefixlen > b->prefixlen) - (a->prefixlen < b->prefixlen);
}

/* Prefix `a` holds prefix `b`. */
static bool src_key_holds(const struct enf_src_key *a, const struct enf_src_key *b)
{
	struct enf_addr m = b->a;

	if (a->a.family != b->a.family || a->prefixlen < 32 || a->prefixlen > b->prefixlen)
		return false;
	addr_mask(&m, a->prefixlen - 32);
	return addr_equal(&m, &a->a);
}

/* The trusted ranges of group `tg` on side `s`, as the data path reads them
 * `now`: the classifier's prefixes whose class (past its expiry, class_after)
 * the admission table admits to ENF_TARGET_TRUST | tg, sorted, those inside
 * another left out. *out is the caller's to free, also on failure. */
static int trust_ranges(const struct side *s, uint32_t tg, uint64_t now, struct enf_src_key **out,
			size_t *n)
{
	uint32_t *cls = NULL;
	size_t ncls = 0, ccap = 0, cap = 0, i, k;

	*out = NULL;
	*n = 0;
	for (i = 0; i < s->nadmit; i++) {
		uint32_t *c;

		if (s->admit[i].target != (ENF_TARGET_TRUST | tg))
			continue;
		c = push(&cls, &ncls, &ccap, sizeof(*c));
		if (!c) {
			free(cls);
			return -ENOMEM;
		}
		*c = s->admit[i].class_id;
	}
	if (!ncls)
		return 0;
	qsort(cls, ncls, sizeof(*cls), cmp_u32);
	for (i = 0; i < s->nsrc; i++) {
		const struct enf_src_val *v = &s->src[i].val;
		uint32_t c = v->expires_ns && v->expires_ns <= now ? v->class_after : v->class_id;
		struct enf_src_key *e;

		if (!bsearch(&c, cls, ncls, sizeof(*cls), cmp_u32))
			continue;
		e = push(out, n, &cap, sizeof(*e));
		if (!e) {
			free(cls);
			return -ENOMEM;
		}
		*e = s->src[i].key;
	}
	free(cls);
	if (!*n)
		return 0;
	qsort(*out, *n, sizeof(**out), cmp_src_key);
	for (i = k = 0; i < *n; i++)	/* one that holds another comes first */
		if (!k || !src_key_holds(&(*out)[k - 1], &(*out)[i]))
			(*out)[k++] = (*out)[i];
	*n = k;
	return 0;
}

/* Whether the ranges behind trust group tg[OLD] in force differ from those
 * behind tg[NEW]. */
static int trust_differs(struct side *sides, const uint32_t tg[2], uint64_t now, bool *differs)
{
	struct enf_src_key *r[2] = {};
	size_t n[2] = {}, i;
	int err = read_trust(&sides[OLD]);

	if (!err)
		err = trust_ranges(&sides[OLD], tg[OLD], now, &r[OLD], &n[OLD]);
	if (!err)
		err = trust_ranges(&sides[NEW], tg[NEW], now, &r[NEW], &n[NEW]);
	if (!err) {
		*differs = n[OLD] != n[NEW];
		for (i = 0; !*differs && i < n[OLD]; i++)
			*differs = cmp_src_key(&r[OLD][i], &r[NEW][i]) != 0;
	}
	free(r[OLD]);
	free(r[NEW]);
	return err;
}

static uint8_t tri(uint8_t seen)
{
	return seen & SEEN_TRUE ? DIFF_TRUE : seen ? DIFF_FALSE : DIFF_UNSET;
}

/* Both sides say, and differently. */
static bool tri_differs(const uint8_t v[2])
{
	return v[OLD] != DIFF_UNSET && v[NEW] != DIFF_UNSET && v[OLD] != v[NEW];
}

/* d->services: added, removed, and changed (network, visibility, isolation,
 * trust). */
static int diff_services(struct policy_diff *d, struct side *sides, const struct name_attr *attr)
{
	uint32_t cached[2] = {};	/* trust groups last compared; 0: none */
	bool cached_differs = false;
	uint64_t now = boot_now();
	size_t idx, cap = 0;

	for (idx = 0; idx < d->nnames; idx++) {
		const struct name_attr *na = &attr[idx];
		struct diff_service e = { .name = (uint32_t)idx };
		struct diff_service *p;
		int k;

		for (k = OLD; k <= NEW; k++) {
			if (!na->meta[k])
				continue;
			service_set(&e, k, na->meta[k]);
			e.isolated[k] = tri(na->isolated[k]);
			e.trusted[k] = tri(na->trusted[k]);
		}
		e.op = !na->meta[OLD] ? DIFF_ADDED : !na->meta[NEW] ? DIFF_REMOVED : DIFF_CHANGED;
		if (e.op == DIFF_CHANGED) {
			if (e.trusted[OLD] == DIFF_TRUE && e.trusted[NEW] == DIFF_TRUE) {
				if (cached[OLD] != na->trust_group[OLD] ||
				    cached[NEW] != na->trust_group[NEW]) {
					int err = trust_differs(sides, na->trust_group, now,
								&cached_differs);

					if (err)
						return err;
					cached[OLD] = na->trust_group[OLD];
					cached[NEW] = na->trust_group[NEW];
				}
				e.trusted_ranges_changed = cached_differs;
			}
			if (e.public[OLD] == e.public[NEW] &&
			    !strcmp(e.network[OLD], e.network[NEW]) && !tri_differs(e.isolated) &&
			    !tri_differs(e.trusted) && !e.trusted_ranges_changed)
				continue;
		}
		p = push(&d->services, &d->nservices, &cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		*p = e;
		d->svc_count[e.op]++;
	}
	return 0;
}

/* Sorted `old` and `new` (n each) merged into *out: what only one has. */
static int merge(const void *old, size_t nold, const void *new, size_t nnew, size_t size,
		 int (*cmp)(const void *, const void *), size_t op_off, void *out, size_t *nout,
		 size_t count[3])
{
	size_t i = 0, j = 0, cap = 0;

	while (i < nold || j < nnew) {
		const char *o = (const char *)old + i * size, *n = (const char *)new + j * size;
		int r = i == nold ? 1 : j == nnew ? -1 : cmp(o, n);
		uint8_t op = r < 0 ? DIFF_REMOVED : DIFF_ADDED;
		char *e;

		if (!r) {
			i++;
			j++;
			continue;
		}
		e = push(out, nout, &cap, size);
		if (!e)
			return -ENOMEM;
		memcpy(e, r < 0 ? o : n, size);
		e[op_off] = (char)op;
		count[op]++;
		if (r < 0)
			i++;
		else
			j++;
	}
	return 0;
}

/* ---- settings: what enf_policy holds beside the maps ---- */

static void ifrules_text(const struct enf_policy *p, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ENF_MAX_IFRULES && p->ifrules[i].pattern[0] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s%.*s:%s", i ? ", " : "",
					p->ifrules[i].is_glob ? "match " : "",
					(int)sizeof(p->ifrules[i].pattern), p->ifrules[i].pattern,
					enf_role_name(p->ifrules[i].role));
	if (!buf[0])
		snprintf(buf, len, "none");
}

static void flows_text(const struct enf_policy *p, char *buf, size_t len)
{
	snprintf(buf, len, "tcp %llus, tcp closing %llus, udp %llus, icmp %llus, fragments %llus",
		 (unsigned long long)(p->flow_tcp_ns / 1000000000ULL),
		 (unsigned long long)(p->flow_tcp_closing_ns / 1000000000ULL),
		 (unsigned long long)(p->flow_udp_ns / 1000000000ULL),
		 (unsigned long long)(p->flow_icmp_ns / 1000000000ULL),
		 (unsigned long long)(p->frag_ns / 1000000000ULL));
}

static void tunnels_text(const struct enf_policy *p, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ENF_MAX_TUNNEL_PORTS && p->tunnels.p[i].port && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s %u", i ? ", " : "",
					enf_encap_name(p->tunnels.p[i].kind),
					ntohs(p->tunnels.p[i].port));
	if (!buf[0])
		snprintf(buf, len, "none");
}

static void setting(struct policy_diff *d, const char *name, bool differs, const char *from,
		    const char *to)
{
	struct diff_setting *s;

	if (!differs || d->nsettings >= DIFF_MAX_SETTINGS)
		return;
	s = &d->settings[d->nsettings++];
	s->name = name;
	snprintf(s->from, sizeof(s->from), "%s", from);
	snprintf(s->to, sizeof(s->to), "%s", to);
}

static void setting_u32(struct policy_diff *d, const char *name, uint32_t from, uint32_t to)
{
	char f[16], t[16];

	snprintf(f, sizeof(f), "%u", from);
	snprintf(t, sizeof(t), "%u", to);
	setting(d, name, from != to, f, t);
}

static void diff_settings(struct policy_diff *d, const struct enf_policy *o,
			  const struct enf_policy *n)
{
	char f[sizeof(d->settings[0].from)], t[sizeof(d->settings[0].to)];
	bool differs;

	setting(d, "mode", o->mode != n->mode, o->mode == ENF_MODE_AUDIT ? "audit" : "enforce",
		n->mode == ENF_MODE_AUDIT ? "audit" : "enforce");
	setting(d, "rack", strncmp(o->rack, n->rack, sizeof(o->rack)), o->rack, n->rack);
	/* compared whole, shown cut: a long list may differ past the cut */
	differs = memcmp(o->ifrules, n->ifrules, sizeof(o->ifrules));
	ifrules_text(o, f, sizeof(f));
	ifrules_text(n, t, sizeof(t));
	setting(d, "interfaces", differs, f, t);
	differs = o->flow_tcp_ns != n->flow_tcp_ns || o->flow_tcp_closing_ns != n->flow_tcp_closing_ns ||
		  o->flow_udp_ns != n->flow_udp_ns || o->flow_icmp_ns != n->flow_icmp_ns ||
		  o->frag_ns != n->frag_ns;
	flows_text(o, f, sizeof(f));
	flows_text(n, t, sizeof(t));
	setting(d, "flow_timeouts", differs, f, t);
	differs = memcmp(&o->tunnels, &n->tunnels, sizeof(o->tunnels));
	tunnels_text(o, f, sizeof(f));
	tunnels_text(n, t, sizeof(t));
	setting(d, "tunnels", differs, f, t);
	setting_u32(d, "networks", o->networks, n->networks);
	setting_u32(d, "source_prefixes", o->src_prefixes, n->src_prefixes);
	setting_u32(d, "source_classes", o->src_classes, n->src_classes);
	setting_u32(d, "admission_entries", o->admit_entries, n->admit_entries);
}

int policy_diff(struct enf_state *st, const struct compiled *c, struct policy_diff *d)
{
	struct side sides[2] = {};
	struct name_attr *attr = NULL;
	int err = 0;

	memset(d, 0, sizeof(*d));
	d->to_generation = 1;
	if (st)
		err = read_in_force(st, &sides[OLD], &d->to_generation);
	if (err) {
		side_free(&sides[OLD]);
		return err;
	}
	sides[NEW] = (struct side){
		.meta = c->meta,
		.nmeta = c->nmeta,
		.dst = c->dst,
		.ndst = c->ndst,
		.ports = c->ports,
		.nports = c->nports,
		.pol = &c->policy,
		.src = c->src,
		.nsrc = c->nsrc,
		.admit = c->admit,
		.nadmit = c->nadmit,
	};
	if (sides[OLD].pol && sides[OLD].pol->generation) {
		d->from_generation = sides[OLD].pol->generation;
		d->same_manifest = !memcmp(sides[OLD].pol->sha256, c->policy.sha256,
					   sizeof(c->policy.sha256));
		diff_settings(d, sides[OLD].pol, &c->policy);
	}
	err = diff_names(d, sides, &attr);
	if (!err)
		err = side_records(&sides[OLD], attr, OLD);
	if (!err)
		err = side_records(&sides[NEW], attr, NEW);
	if (!err)
		err = diff_services(d, sides, attr);
	if (!err)
		err = merge(sides[OLD].addrs, sides[OLD].ndst, sides[NEW].addrs, sides[NEW].ndst,
			    sizeof(struct diff_addr), cmp_addr, offsetof(struct diff_addr, op),
			    &d->addrs, &d->naddrs, d->addr_count);
	if (!err)
		err = merge(sides[OLD].precs, sides[OLD].nports, sides[NEW].precs,
			    sides[NEW].nports, sizeof(struct diff_port), cmp_port,
			    offsetof(struct diff_port, op), &d->ports, &d->nports, d->port_count);
	free(attr);
	side_free(&sides[OLD]);
	side_free(&sides[NEW]);
	if (err == -ENOMEM)
		pr_err("cannot compare with the generation in force: %s\n", strerror(ENOMEM));
	if (err)
		policy_diff_free(d);
	return err;
}

void policy_diff_free(struct policy_diff *d)
{
	free(d->names);
	free(d->services);
	free(d->addrs);
	free(d->ports);
	d->names = NULL;
	d->services = NULL;
	d->addrs = NULL;
	d->ports = NULL;
	d->nnames = d->nservices = d->naddrs = d->nports = 0;
}

bool policy_diff_empty(const struct policy_diff *d)
{
	return !d->nservices && !d->naddrs && !d->nports && !d->nsettings;
}

/* ---- for people ---- */

static const char op_mark[] = { [DIFF_ADDED] = '+', [DIFF_REMOVED] = '-', [DIFF_CHANGED] = '~' };
static const char *const kind_name[] = {
	[DIFF_INSTANCE] = "instance",
	[DIFF_VIP] = "vip",
	[DIFF_FRONTEND] = "frontend",
};

static const char *svc_text(const struct policy_diff *d, uint32_t name, char *buf, size_t len)
{
	if (!name || name > d->nnames)
		return NULL;
	snprintf(buf, len, "%s/%s", d->names[name - 1].app, d->names[name - 1].service);
	return buf;
}

static void print_service(FILE *f, const struct policy_diff *d, const struct diff_service *e)
{
	const struct diff_name *n = &d->names[e->name];

	fprintf(f, "%c service %s/%s", op_mark[e->op], n->app, n->service);
	if (e->op == DIFF_CHANGED) {
		const char *sep = ":";

		if (strcmp(e->network[OLD], e->network[NEW])) {
			fprintf(f, "%s network %s -> %s", sep, e->network[OLD], e->network[NEW]);
			sep = ",";
		}
		if (e->public[OLD] != e->public[NEW]) {
			fprintf(f, "%s %s -> %s", sep, e->public[OLD] ? "public" : "internal",
				e->public[NEW] ? "public" : "internal");
			sep = ",";
		}
		if (tri_differs(e->isolated)) {
			fprintf(f, "%s isolated %s -> %s", sep,
				e->isolated[OLD] == DIFF_TRUE ? "true" : "false",
				e->isolated[NEW] == DIFF_TRUE ? "true" : "false");
			sep = ",";
		}
		if (tri_differs(e->trusted))
			fprintf(f, "%s trusted ranges %s", sep,
				e->trusted[NEW] == DIFF_TRUE ? "added" : "removed");
		else if (e->trusted_ranges_changed)
			fprintf(f, "%s trusted ranges changed", sep);
	}
	fprintf(f, "\n");
}

static void print_addr(FILE *f, const struct policy_diff *d, const struct diff_addr *e)
{
	char a[ADDR_STRLEN], svc[2 * ENF_NAME_LEN + 2];
	const char *s = svc_text(d, e->name, svc, sizeof(svc));

	fprintf(f, "%c address %s (%s%s%s)\n", op_mark[e->op], addr_format(&e->a, a, sizeof(a)),
		s ? s : "", s && e->kind != DIFF_INSTANCE ? ", " : "",
		e->kind != DIFF_INSTANCE ? kind_name[e->kind] : "");
}

static void print_port(FILE *f, const struct policy_diff *d, const struct diff_port *e)
{
	char ep[ADDR_STRLEN + 8], svc[2 * ENF_NAME_LEN + 2];
	const char *s = svc_text(d, e->name, svc, sizeof(svc));

	fprintf(f, "%c port %s/%s (%s%s%s%s)\n", op_mark[e->op],
		endpoint_format(&e->a, e->port, ep, sizeof(ep)), enf_proto_name(e->proto),
		s ? s : "", s ? ", " : "", e->flags & DIFF_PORT_FRONTEND ? "frontend, " : "",
		e->flags & DIFF_PORT_PUBLIC ? "public" : "internal");
}

static void print_more(FILE *f, size_t total, size_t max, const char *what)
{
	if (total > max)
		fprintf(f, "... and %zu more %s changes\n", total - max, what);
}

void policy_diff_print(const struct policy_diff *d, FILE *f, size_t max)
{
	char from[48];
	size_t i;

	for (i = 0; i < d->nservices && i < max; i++)
		print_service(f, d, &d->services[i]);
	print_more(f, d->nservices, max, "service");
	for (i = 0; i < d->naddrs && i < max; i++)
		print_addr(f, d, &d->addrs[i]);
	print_more(f, d->naddrs, max, "address");
	for (i = 0; i < d->nports && i < max; i++)
		print_port(f, d, &d->ports[i]);
	print_more(f, d->nports, max, "port");
	for (i = 0; i < d->nsettings; i++)
		fprintf(f, "~ %s %s -> %s\n", d->settings[i].name, d->settings[i].from,
			d->settings[i].to);

	if (d->from_generation)
		snprintf(from, sizeof(from), "generation %llu",
			 (unsigned long long)d->from_generation);
	else
		snprintf(from, sizeof(from), "nothing applied");
	if (policy_diff_empty(d)) {
		fprintf(f, "no change from %s%s\n", from,
			!d->from_generation ? " (the manifest has no services)" :
			d->same_manifest ? " (the same manifest)" :
			" in services, addresses, ports or settings (the manifest differs "
			"elsewhere: source ranges, zones, or its text only)");
		return;
	}
	fprintf(f, "changes from %s to generation %llu: services +%zu -%zu ~%zu, "
		   "addresses +%zu -%zu, ports +%zu -%zu, settings ~%zu\n",
		from, (unsigned long long)d->to_generation, d->svc_count[DIFF_ADDED],
		d->svc_count[DIFF_REMOVED], d->svc_count[DIFF_CHANGED], d->addr_count[DIFF_ADDED],
		d->addr_count[DIFF_REMOVED], d->port_count[DIFF_ADDED], d->port_count[DIFF_REMOVED],
		d->nsettings);
}

/* ---- for machines ---- */

static void json_names(json_object *o, const struct policy_diff *d, uint32_t name)
{
	const struct diff_name *n = name && name <= d->nnames ? &d->names[name - 1] : NULL;

	json_object_object_add(o, "app", n ? json_object_new_string(n->app) : NULL);
	json_object_object_add(o, "service", n ? json_object_new_string(n->service) : NULL);
}

static json_object *json_tri(uint8_t v)
{
	return v == DIFF_UNSET ? NULL : json_object_new_boolean(v == DIFF_TRUE);
}

/* network, public, isolated, trusted of one side, into `o` */
static json_object *json_side(json_object *o, const struct diff_service *e, int side)
{
	json_object_object_add(o, "network", json_object_new_string(e->network[side]));
	json_object_object_add(o, "public", json_object_new_boolean(e->public[side]));
	json_object_object_add(o, "isolated", json_tri(e->isolated[side]));
	json_object_object_add(o, "trusted", json_tri(e->trusted[side]));
	return o;
}

static json_object *json_service(const struct policy_diff *d, const struct diff_service *e)
{
	json_object *o = json_object_new_object();

	json_names(o, d, e->name + 1);
	if (e->op == DIFF_CHANGED) {
		json_object_object_add(o, "from", json_side(json_object_new_object(), e, OLD));
		json_object_object_add(o, "to", json_side(json_object_new_object(), e, NEW));
		json_object_object_add(o, "trusted_ranges_changed",
				       json_object_new_boolean(e->trusted_ranges_changed));
	} else {
		json_side(o, e, e->op == DIFF_REMOVED ? OLD : NEW);
	}
	return o;
}

static json_object *json_addr(const struct policy_diff *d, const struct diff_addr *e)
{
	json_object *o = json_object_new_object();
	char a[ADDR_STRLEN];

	json_object_object_add(o, "address",
			       json_object_new_string(addr_format(&e->a, a, sizeof(a))));
	json_object_object_add(o, "kind", json_object_new_string(kind_name[e->kind]));
	json_names(o, d, e->name);
	return o;
}

static json_object *json_port(const struct policy_diff *d, const struct diff_port *e)
{
	json_object *o = json_object_new_object();
	char a[ADDR_STRLEN];

	json_object_object_add(o, "address",
			       json_object_new_string(addr_format(&e->a, a, sizeof(a))));
	json_object_object_add(o, "port", json_object_new_int(e->port));
	json_object_object_add(o, "proto", json_object_new_string(enf_proto_name(e->proto)));
	json_names(o, d, e->name);
	json_object_object_add(o, "public", json_object_new_boolean(e->flags & DIFF_PORT_PUBLIC));
	json_object_object_add(o, "frontend",
			       json_object_new_boolean(e->flags & DIFF_PORT_FRONTEND));
	return o;
}

/* {"added": [], "removed": [] (, "changed": [])} */
static json_object *json_ops(bool with_changed, json_object **arr)
{
	json_object *o = json_object_new_object();

	arr[DIFF_ADDED] = json_object_new_array();
	arr[DIFF_REMOVED] = json_object_new_array();
	json_object_object_add(o, "added", arr[DIFF_ADDED]);
	json_object_object_add(o, "removed", arr[DIFF_REMOVED]);
	if (with_changed) {
		arr[DIFF_CHANGED] = json_object_new_array();
		json_object_object_add(o, "changed", arr[DIFF_CHANGED]);
	}
	return o;
}

json_object *policy_diff_json(const struct policy_diff *d)
{
	json_object *o = json_object_new_object(), *arr[3] = {}, *set;
	size_t i;

	json_object_object_add(o, "from_generation", json_object_new_uint64(d->from_generation));
	json_object_object_add(o, "to_generation", json_object_new_uint64(d->to_generation));
	json_object_object_add(o, "same_manifest", json_object_new_boolean(d->same_manifest));
	json_object_object_add(o, "changed", json_object_new_boolean(!policy_diff_empty(d)));
	json_object_object_add(o, "services", json_ops(true, arr));
	for (i = 0; i < d->nservices; i++)
		json_object_array_add(arr[d->services[i].op], json_service(d, &d->services[i]));
	json_object_object_add(o, "addresses", json_ops(false, arr));
	for (i = 0; i < d->naddrs; i++)
		json_object_array_add(arr[d->addrs[i].op], json_addr(d, &d->addrs[i]));
	json_object_object_add(o, "ports", json_ops(false, arr));
	for (i = 0; i < d->nports; i++)
		json_object_array_add(arr[d->ports[i].op], json_port(d, &d->ports[i]));
	set = json_object_new_array();
	for (i = 0; i < d->nsettings; i++) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "name", json_object_new_string(d->settings[i].name));
		json_object_object_add(s, "from", json_object_new_string(d->settings[i].from));
		json_object_object_add(s, "to", json_object_new_string(d->settings[i].to));
		json_object_array_add(set, s);
	}
	json_object_object_add(o, "settings", set);
	return o;
}
