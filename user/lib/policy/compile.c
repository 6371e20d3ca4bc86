// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Manifest -> map entries. See compile.h for the id scheme.
 *
 * The source classifier is the interesting part. The data path does one
 * longest-prefix lookup per packet, so the value of every prefix must
 * already say everything that any enclosing prefix says: 10.10.0.0/16
 * (member of "shop") inside 10.0.0.0/8 (rack-private) stores "private +
 * member of shop". The compiler sorts all prefixes (ancestors sort before
 * their descendants), sweeps them with a stack of enclosing prefixes, and
 * gives each the union of its own and its ancestors' contributions. Each
 * distinct set of admission targets becomes one source class; the admission
 * table lists (class, target) pairs. Time-limited entries (`expires:`)
 * contribute until their expiry; each trie value also carries the state
 * after the first expiry among its contributors, so expiry takes effect in
 * the kernel without a reload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

/* Contribution target meaning "rack-private" (a flag, not a class member).
 * Real targets are network ids (< 2^31) or ENF_TARGET_TRUST | id. */
#define TARGET_PRIVATE 0xffffffffu

struct src_item {
	struct enf_addr a;
	uint8_t plen;
	uint32_t target;
	uint64_t expires_ns;	/* CLOCK_BOOTTIME, 0 = never */
};

struct vec {
	void *v;
	size_t n, cap, size;
};

static void *vec_push(struct vec *vec)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		void *nv = realloc(vec->v, cap * vec->size);

		if (!nv)
			return NULL;
		vec->v = nv;
		vec->cap = cap;
	}
	return memset((char *)vec->v + vec->n++ * vec->size, 0, vec->size);
}

/* ---- fixed-size key set (open addressing), returns stable indices ---- */

/*
 * A slot holds the key's index + 1 (0: empty) in its low half and the high
 * half of the key's hash in its high half, so a probe that meets another key
 * is told apart without reading that key (a cache miss at 100k keys).
 */
struct keyset {
	size_t keysize;
	uint8_t *keys;		/* n * keysize */
	size_t n, keycap;
	uint64_t *slots;	/* hash >> 32 << 32 | (index + 1); 0 = empty */
	size_t nslots;		/* power of two */
};

/* A word at a time, each mixed by a multiply and a shift (splitmix64's). */
static uint64_t hash_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = len, w;

	while (len) {
		size_t k = len < 8 ? len : 8;

		w = 0;
		memcpy(&w, b, k);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		b += k;
		len -= k;
	}
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

static uint64_t slot_of(uint64_t h, size_t idx)
{
	return (h >> 32 << 32) | (idx + 1);
}

static int keyset_grow(struct keyset *ks)
{
	size_t nslots = ks->nslots ? ks->nslots * 2 : 64, i;
	uint64_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < ks->n; i++) {
		uint64_t hash = hash_bytes(ks->keys + i * ks->keysize, ks->keysize);
		size_t h = hash & (nslots - 1);

		while (slots[h])
			h = (h + 1) & (nslots - 1);
		slots[h] = slot_of(hash, i);
	}
	free(ks->slots);
	ks->slots = slots;
	ks->nslots = nslots;
	return 0;
}

/* Finds `key`; inserts it when absent. *idx gets its index. Returns 1 if
 * inserted, 0 if present, -ENOMEM. */
static int keyset_add(struct keyset *ks, const void *key, size_t *idx)
{
	uint64_t hash;
	size_t h;

	if ((ks->n + 1) * 2 > ks->nslots && keyset_grow(ks))
		return -ENOMEM;
	hash = hash_bytes(key, ks->keysize);
	h = hash & (ks->nslots - 1);
	while (ks->slots[h]) {
		size_t i = (uint32_t)ks->slots[h] - 1;

		if (ks->slots[h] >> 32 == hash >> 32 &&
		    !memcmp(ks->keys + i * ks->keysize, key, ks->keysize)) {
			*idx = i;
			return 0;
		}
		h = (h + 1) & (ks->nslots - 1);
	}
	if (ks->n == ks->keycap) {
		size_t cap = ks->keycap ? ks->keycap * 2 : 64;
		uint8_t *nk = realloc(ks->keys, cap * ks->keysize);

		if (!nk)
			return -ENOMEM;
		ks->keys = nk;
		ks->keycap = cap;
	}
	memcpy(ks->keys + ks->n * ks->keysize, key, ks->keysize);
	ks->slots[h] = slot_of(hash, ks->n);
	*idx = ks->n++;
	return 1;
}

static void keyset_free(struct keyset *ks)
{
	free(ks->keys);
	free(ks->slots);
}

/* ---- helpers ---- */


/* ---- source classifier ---- */

struct compile_ctx {
	const struct compile_clock *clk;
	FILE *errf;
	const char *path;
	const struct manifest *m;
	struct vec items;	/* struct src_item */
	/* class interning: sets of targets stored in `pool` */
	struct vec pool;	/* uint32_t */
	struct vec sets;	/* struct set_ref, index = class id */
	uint32_t *set_slots;
	size_t set_nslots;
};

struct set_ref {
	size_t off, len;
};

static int add_src_items(struct compile_ctx *cx, const struct mf_cidr_list *l, uint32_t target,
			 const char *field)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct mf_cidr *c = &l->v[i];
		struct src_item *it;
		uint64_t exp = 0;

		if (c->expires) {
			if (c->expires <= cx->clk->wall) {
				fprintf(cx->errf, "%s:%d:%d: %s[%zu]: warning: expired, not admitting\n",
					manifest_pos_file(cx->m, c->pos), c->pos.line, c->pos.col,
					field, i);
				continue;
			}
			exp = cx->clk->boot_ns +
			      (uint64_t)(c->expires - cx->clk->wall) * 1000000000ULL;
		}
		it = vec_push(&cx->items);
		if (!it)
			return -ENOMEM;
		it->a = c->addr;
		it->plen = c->plen;
		it->target = target;
		it->expires_ns = exp;
	}
	return 0;
}

static int add_src_host(struct compile_ctx *cx, const struct enf_addr *a, uint32_t target)
{
	struct src_item *it = vec_push(&cx->items);

	if (!it)
		return -ENOMEM;
	it->a = *a;
	it->plen = a->family == ENF_AF_INET ? 32 : 128;
	it->target = target;
	return 0;
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct src_item *a = pa, *b = pb;
	int r;

	if (a->a.family != b->a.family)
		return a->a.family - b->a.family;
	r = memcmp(a->a.addr, b->a.addr, 16);
	if (r)
		return r;
	if (a->plen != b->plen)
		return a->plen - b->plen;
	return a->target < b->target ? -1 : a->target > b->target;
}

static bool prefix_contains(const struct src_item *outer, const struct src_item *inner)
{
	unsigned int full = outer->plen / 8, rem = outer->plen % 8;

	if (outer->a.family != inner->a.family || outer->plen > inner->plen)
		return false;
	if (memcmp(outer->a.addr, inner->a.addr, full))
		return false;
	if (rem) {
		uint8_t mask = (uint8_t)(0xff << (8 - rem));

		if ((outer->a.addr[full] & mask) != (inner->a.addr[full] & mask))
			return false;
	}
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t hash_set(const uint32_t *t, size_t n)
{
	return hash_bytes(t, n * sizeof(*t));
}

static int set_table_grow(struct compile_ctx *cx)
{
	size_t nslots = cx->set_nslots ? cx->set_nslots * 2 : 64, i;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	const struct set_ref *sets = cx->sets.v;
	const uint32_t *pool = cx->pool.v;

	if (!slots)
		return -ENOMEM;
	for (i = 1; i < cx->sets.n; i++) {
		size_t h = hash_set(pool + sets[i].off, sets[i].len) & (nslots - 1);

		while (slots[h])
			h = (h + 1) & (nslots - 1);
		slots[h] = i;
	}
	free(cx->set_slots);
	cx->set_slots = slots;
	cx->set_nslots = nslots;
	return 0;
}

/* Class id of a sorted, duplicate-free set of targets; 0 for the empty set. */
static int intern_class(struct compile_ctx *cx, const uint32_t *t, size_t n, uint32_t *id)
{
	struct set_ref *ref;
	size_t h, i;

	if (!n) {
		*id = 0;
		return 0;
	}
	if ((cx->sets.n + 1) * 2 > cx->set_nslots && set_table_grow(cx))
		return -ENOMEM;
	h = hash_set(t, n) & (cx->set_nslots - 1);
	while (cx->set_slots[h]) {
		const struct set_ref *r = (const struct set_ref *)cx->sets.v + cx->set_slots[h];

		if (r->len == n && !memcmp((uint32_t *)cx->pool.v + r->off, t, n * sizeof(*t))) {
			*id = cx->set_slots[h];
			return 0;
		}
		h = (h + 1) & (cx->set_nslots - 1);
	}
	ref = vec_push(&cx->sets);
	if (!ref)
		return -ENOMEM;
	ref->off = cx->pool.n;
	ref->len = n;
	for (i = 0; i < n; i++) {
		uint32_t *slot = vec_push(&cx->pool);

		if (!slot)
			return -ENOMEM;
		*slot = t[i];
	}
	*id = cx->sets.n - 1;
	cx->set_slots[h] = *id;
	return 0;
}

/* Targets (sorted, unique) and flags of the contributions alive after
 * `after_ns` (0 = all). Returns the number of targets written to `out`. */
static size_t reduce(const struct src_item *const *contrib, size_t n, uint64_t after_ns,
		     uint32_t *out, uint32_t *flags)
{
	size_t i, k = 0, m = 0;

	*flags = 0;
	for (i = 0; i < n; i++) {
		if (after_ns && contrib[i]->expires_ns && contrib[i]->expires_ns <= after_ns)
			continue;
		if (contrib[i]->target == TARGET_PRIVATE) {
			*flags |= ENF_SRC_PRIVATE;
			continue;
		}
		if (!(contrib[i]->target & ENF_TARGET_TRUST))
			*flags |= ENF_SRC_MEMBER;
		out[k++] = contrib[i]->target;
	}
	qsort(out, k, sizeof(*out), cmp_u32);
	for (i = 0; i < k; i++)
		if (!m || out[m - 1] != out[i])
			out[m++] = out[i];
	return m;
}

static int build_sources(struct compile_ctx *cx, struct compiled *out)
{
	struct src_item *items = cx->items.v;
	const struct src_item **contrib = NULL;	/* stack of contributions */
	size_t *frame = NULL;			/* stack: start index in contrib per prefix */
	const struct src_item **heads = NULL;	/* stack: the prefix of each frame */
	uint32_t *targets = NULL;
	size_t n = cx->items.n, depth = 0, ncontrib = 0, i, j;
	int err = -ENOMEM;

	if (n)
		qsort(items, n, sizeof(*items), cmp_item);
	contrib = calloc(n + 1, sizeof(*contrib));
	frame = calloc(n + 1, sizeof(*frame));
	heads = calloc(n + 1, sizeof(*heads));
	targets = calloc(n + 1, sizeof(*targets));
	out->src = calloc(n + 1, sizeof(*out->src));
	if (!contrib || !frame || !heads || !targets || !out->src)
		goto out;

	for (i = 0; i < n; i = j) {
		struct src_entry *e;
		uint64_t first_exp = 0;
		uint32_t flags;
		size_t k, nt;

		/* Leave the enclosing prefixes that do not contain this one. */
		while (depth && !prefix_contains(heads[depth - 1], &items[i]))
			ncontrib = frame[--depth];
		frame[depth] = ncontrib;
		heads[depth++] = &items[i];
		/* All contributions of this exact prefix. */
		for (j = i; j < n && items[j].plen == items[i].plen &&
			    items[j].a.family == items[i].a.family &&
			    !memcmp(items[j].a.addr, items[i].a.addr, 16); j++)
			contrib[ncontrib++] = &items[j];

		for (k = 0; k < ncontrib; k++)
			if (contrib[k]->expires_ns &&
			    (!first_exp || contrib[k]->expires_ns < first_exp))
				first_exp = contrib[k]->expires_ns;

		e = &out->src[out->nsrc++];
		e->key.prefixlen = 32 + items[i].plen;
		e->key.a = items[i].a;
		nt = reduce(contrib, ncontrib, 0, targets, &flags);
		if (intern_class(cx, targets, nt, &e->val.class_id))
			goto out;
		e->val.flags = flags;
		if (first_exp) {
			e->val.expires_ns = first_exp;
			nt = reduce(contrib, ncontrib, first_exp, targets, &flags);
			if (intern_class(cx, targets, nt, &e->val.class_after))
				goto out;
			e->val.flags_after = flags;
		}
	}
	err = 0;
out:
	free(contrib);
	free(frame);
	free(heads);
	free(targets);
	return err;
}

/* The /16 stage of the classifier (see ENF_SRC16_* in enforcer_common.h).
 * The entries come parent before child (sorted by address, then length),
 * so filling in order lets the longer prefix win, as in the trie. Every
 * entry carries its enclosing prefixes' contributions and their expiry, so
 * an entry's own value is the whole answer for the addresses it covers. */
static int build_src16(struct compiled *out)
{
	size_t i;

	out->src16 = calloc(ENF_SRC16_ENTRIES, sizeof(*out->src16));
	if (!out->src16)
		return -ENOMEM;
	for (i = 0; i < out->nsrc; i++) {
		const struct src_entry *e = &out->src[i];
		uint32_t plen = e->key.prefixlen - 32, first, n, k, v;

		first = (e->key.a.family == ENF_AF_INET6 ? 65536 : 0) |
			(uint32_t)e->key.a.addr[0] << 8 | e->key.a.addr[1];
		if (plen > 16)
			continue;
		n = 1U << (16 - plen);
		first &= ~(n - 1);
		if (e->val.expires_ns || e->val.class_id > ENF_SRC16_CLASS_MASK ||
		    e->val.flags > ENF_SRC16_FLAGS_MAX)
			v = ENF_SRC16_LPM;
		else
			v = ENF_SRC16_DIRECT | e->val.flags << 24 | e->val.class_id;
		for (k = 0; k < n; k++)
			out->src16[first + k] = v;
	}
	for (i = 0; i < out->nsrc; i++) {
		const struct src_entry *e = &out->src[i];

		if (e->key.prefixlen - 32 > 16)
			out->src16[(e->key.a.family == ENF_AF_INET6 ? 65536 : 0) |
				   (uint32_t)e->key.a.addr[0] << 8 | e->key.a.addr[1]] = ENF_SRC16_LPM;
	}
	return 0;
}

static int build_admit(struct compile_ctx *cx, struct compiled *out)
{
	const struct set_ref *sets = cx->sets.v;
	const uint32_t *pool = cx->pool.v;
	size_t c, k, total = 0;

	for (c = 1; c < cx->sets.n; c++)
		total += sets[c].len;
	out->admit = calloc(total + 1, sizeof(*out->admit));
	if (!out->admit)
		return -ENOMEM;
	for (c = 1; c < cx->sets.n; c++)
		for (k = 0; k < sets[c].len; k++) {
			out->admit[out->nadmit].class_id = c;
			out->admit[out->nadmit++].target = pool[sets[c].off + k];
		}
	out->nclasses = cx->sets.n;
	return 0;
}

/* Which isolated networks' DNS views each source class reads: the isolated
 * networks it is admitted to, in network order. The data path tries them
 * before view 0, so a member of an isolated network sees its own names. */
static int build_views(struct compile_ctx *cx, const struct manifest *m, struct compiled *out)
{
	const struct set_ref *sets = cx->sets.v;
	const uint32_t *pool = cx->pool.v;
	size_t c, k;

	out->views = calloc(cx->sets.n, sizeof(*out->views));
	if (!out->views)
		return -ENOMEM;
	for (c = 1; c < cx->sets.n; c++) {
		struct enf_dns_views *v = &out->views[c];

		for (k = 0; k < sets[c].len; k++) {
			uint32_t t = pool[sets[c].off + k];

			if (t & ENF_TARGET_TRUST || t >= m->nnetworks || !m->networks[t].isolated)
				continue;
			if (v->n == ENF_DNS_MAX_VIEWS) {
				fprintf(cx->errf, "%s: warning: a source range is a member of more "
					"than %d isolated networks; DNS answers only the first %d\n",
					cx->path, ENF_DNS_MAX_VIEWS, ENF_DNS_MAX_VIEWS);
				break;
			}
			v->network[v->n++] = t;
		}
	}
	return 0;
}

/* ---- destinations and ports ---- */

struct dest_ctx {
	struct keyset dst;	/* struct enf_addr -> index in dsts */
	struct keyset port;	/* struct enf_port_key -> index in ports */
	struct vec dsts;	/* struct dst_entry */
	struct vec ports;	/* struct port_entry */
};

static int add_dst(struct dest_ctx *dc, const struct enf_addr *a, uint32_t svc, uint32_t net,
		   uint32_t flags)
{
	struct enf_addr key;
	struct dst_entry *e;
	size_t idx;
	int r;

	key = *a;
	r = keyset_add(&dc->dst, &key, &idx);
	if (r <= 0)
		return r;	/* shared address within one network: first service keeps it */
	e = vec_push(&dc->dsts);
	if (!e)
		return -ENOMEM;
	e->key = key;
	e->val.service_id = svc;
	e->val.network_id = net;
	e->val.flags = flags;
	return 0;
}

static int add_port(struct dest_ctx *dc, const struct enf_addr *a, uint16_t port, uint8_t proto,
		    const struct enf_port_val *val)
{
	struct enf_port_key key = {};
	struct port_entry *e;
	size_t idx;
	int r;

	key.a = *a;
	key.port = htons(port);
	key.proto = proto;
	r = keyset_add(&dc->port, &key, &idx);
	if (r <= 0)
		return r;
	e = vec_push(&dc->ports);
	if (!e)
		return -ENOMEM;
	e->key = key;
	e->val = *val;
	return 0;
}

static int build_service(struct dest_ctx *dc, const struct manifest *m, const struct mf_app *app,
			 const struct mf_service *s, uint32_t svc_id, uint32_t tg)
{
	uint32_t net = app->network;
	uint32_t iso = m->networks[net].isolated ? ENF_DST_ISOLATED : 0;
	struct enf_port_val pv = {
		.service_id = svc_id,
		.network_id = net,
		.trust_group = tg,
		.flags = ENF_PORT_PUBLIC,
	};
	size_t i, p;
	int err;

	for (i = 0; i < s->ninstances; i++) {
		err = add_dst(dc, &s->instances[i].addr, svc_id, net, iso);
		if (err)
			return err;
	}
	if (s->has_vip) {
		err = add_dst(dc, &s->vip, svc_id, net, iso | ENF_DST_VIP);
		if (err)
			return err;
	}
	for (p = 0; s->is_public && p < s->nports; p++) {
		for (i = 0; i < s->ninstances; i++) {
			err = add_port(dc, &s->instances[i].addr, s->ports[p].port,
				       s->ports[p].proto, &pv);
			if (err)
				return err;
		}
		if (s->has_vip) {
			err = add_port(dc, &s->vip, s->ports[p].port, s->ports[p].proto, &pv);
			if (err)
				return err;
		}
	}
	/* A frontend is judged like its service: public ports of a public
	 * service, otherwise admission to the service's network only. */
	for (i = 0; i < s->nfrontends; i++) {
		const struct mf_frontend *f = &s->frontends[i];
		struct enf_port_val fv = {
			.service_id = svc_id,
			.network_id = net,
			.trust_group = s->is_public ? tg : 0,
			.flags = (s->is_public ? ENF_PORT_PUBLIC : 0) |
				 (iso ? ENF_PORT_ISOLATED : 0),
		};

		err = add_dst(dc, &f->addr, 0, 0, ENF_DST_FRONTEND);
		if (err)
			return err;
		err = add_port(dc, &f->addr, f->port, f->proto, &fv);
		if (err)
			return err;
	}
	return 0;
}

static void copy_name(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

static int check_limit(FILE *errf, const char *path, const char *what, size_t n, size_t max)
{
	if (n <= max)
		return 0;
	fprintf(errf, "%s: too many %s: %zu (the limit is %zu)\n", path, what, n, max);
	return -EINVAL;
}

int compile_manifest(const struct manifest *m, const struct compile_clock *clk,
		     struct compiled *out, FILE *errf)
{
	struct compile_ctx cx = {
		.clk = clk,
		.errf = errf,
		.path = m->path ? m->path : "manifest",
		.m = m,
		.items = { .size = sizeof(struct src_item) },
		.pool = { .size = sizeof(uint32_t) },
		.sets = { .size = sizeof(struct set_ref) },
	};
	struct dest_ctx dc = {
		.dst = { .keysize = sizeof(struct enf_addr) },
		.port = { .keysize = sizeof(struct enf_port_key) },
		.dsts = { .size = sizeof(struct dst_entry) },
		.ports = { .size = sizeof(struct port_entry) },
	};
	size_t a, s, i, nservices = 0;
	uint32_t svc_id = 0, tg = 0;
	struct enf_policy *pol = &out->policy;
	int err;

	memset(out, 0, sizeof(*out));
	if (!vec_push(&cx.sets))	/* class 0: the public class, never stored */
		return -ENOMEM;
	for (a = 0; a < m->napps; a++)
		nservices += m->apps[a].nservices;
	err = check_limit(errf, cx.path, "services", nservices, ENF_MAX_SERVICES - 1);
	if (err)
		goto out;
	out->meta = calloc(nservices + 1, sizeof(*out->meta));
	if (!out->meta) {
		err = -ENOMEM;
		goto out;
	}
	out->nmeta = nservices + 1;

	/* Sources: rack-private ranges, network members and peers, instance
	 * addresses (members of their app's network), trusted ranges. */
	err = add_src_items(&cx, &m->private_cidrs, TARGET_PRIVATE, "private");
	for (i = 0; !err && i < m->nnetworks; i++) {
		err = add_src_items(&cx, &m->networks[i].cidrs, i, "cidrs");
		if (!err)
			err = add_src_items(&cx, &m->networks[i].peers, i, "peers");
	}
	for (a = 0; !err && a < m->napps; a++) {
		const struct mf_app *app = &m->apps[a];
		uint32_t app_tg = app->trusted.n ? ++tg : 0;

		if (app_tg)
			err = add_src_items(&cx, &app->trusted, ENF_TARGET_TRUST | app_tg,
					    "trusted");
		for (s = 0; !err && s < app->nservices; s++) {
			const struct mf_service *svc = &app->services[s];
			struct enf_svc_meta *meta = &out->meta[++svc_id];

			for (i = 0; !err && i < svc->ninstances; i++)
				err = add_src_host(&cx, &svc->instances[i].addr, app->network);
			if (!err)
				err = build_service(&dc, m, app, svc, svc_id, app_tg);
			copy_name(meta->app, sizeof(meta->app), app->name);
			copy_name(meta->service, sizeof(meta->service), svc->name);
			copy_name(meta->network, sizeof(meta->network),
				  m->networks[app->network].name);
			meta->network_id = app->network;
			meta->public = svc->is_public;
			meta->instances = svc->ninstances;
			meta->ports = svc->nports;
			out->ninstances += svc->ninstances;
		}
	}
	if (!err)
		err = build_sources(&cx, out);
	if (!err)
		err = build_src16(out);
	if (!err)
		err = build_admit(&cx, out);
	if (!err)
		err = build_views(&cx, m, out);
	if (!err)
		err = zone_compile(m, (uint32_t)clk->wall, &out->zone, errf);
	if (!err && m->nresolvers) {
		out->resolvers = calloc(m->nresolvers, sizeof(*out->resolvers));
		if (!out->resolvers)
			err = -ENOMEM;
		for (i = 0; !err && i < m->nresolvers; i++)
			out->resolvers[i] = m->resolvers[i];
		out->nresolvers = m->nresolvers;
	}
	if (err)
		goto out;
	/* Rule 3b looks a port up only where the address has one: most
	 * drops (internal services) then cost one hash lookup less. */
	for (i = 0; i < dc.ports.n; i++) {
		const struct port_entry *pe = (const struct port_entry *)dc.ports.v + i;
		size_t idx;

		if (keyset_add(&dc.dst, &pe->key.a, &idx) == 0)
			((struct dst_entry *)dc.dsts.v)[idx].val.flags |= ENF_DST_PORTS;
	}
	out->dst = dc.dsts.v;
	out->ndst = dc.dsts.n;
	dc.dsts.v = NULL;
	out->ports = dc.ports.v;
	out->nports = dc.ports.n;
	dc.ports.v = NULL;

	err = check_limit(errf, cx.path, "service addresses", out->ndst, ENF_MAX_DESTS);
	if (!err)
		err = check_limit(errf, cx.path, "source prefixes", out->nsrc, ENF_MAX_SRC_PREFIXES);
	if (!err)
		err = check_limit(errf, cx.path, "public ports", out->nports, ENF_MAX_PORTS);
	if (!err)
		err = check_limit(errf, cx.path, "admission entries", out->nadmit, ENF_MAX_ADMIT);
	if (!err)
		err = check_limit(errf, cx.path, "interface rules", m->nifaces, ENF_MAX_IFRULES);
	if (err)
		goto out;

	pol->mode = m->mode;
	pol->flow_tcp_ns = (uint64_t)m->flow_tcp * 1000000000ULL;
	pol->flow_tcp_closing_ns = (uint64_t)m->flow_tcp_closing * 1000000000ULL;
	pol->flow_udp_ns = (uint64_t)m->flow_udp * 1000000000ULL;
	pol->flow_icmp_ns = (uint64_t)m->flow_icmp * 1000000000ULL;
	pol->frag_ns = (uint64_t)m->frag_timeout * 1000000000ULL;
	for (i = 0; i < m->ntunnels && i < ENF_MAX_TUNNEL_PORTS; i++) {
		pol->tunnels.p[i].port = htons(m->tunnels[i].port);
		pol->tunnels.p[i].kind = m->tunnels[i].kind;
	}
	for (i = 0; i < out->zone.nzones; i++) {
		unsigned int labels = out->zone.zones[i].val.labels;

		if (labels >= 1 && labels <= ENF_DNS_MAX_ZONE_LABELS)
			pol->dns_apex_labels |= 1U << (labels - 1);
	}
	pol->services = nservices;
	pol->instances = out->ninstances;
	pol->dests = out->ndst;
	pol->ports = out->nports;
	pol->src_prefixes = out->nsrc;
	pol->src_classes = out->nclasses;
	pol->admit_entries = out->nadmit;
	pol->networks = m->nnetworks;
	pol->apps = m->napps;
	copy_name(pol->rack, sizeof(pol->rack), m->rack);
	for (i = 0; i < m->nifaces; i++) {
		copy_name(pol->ifrules[i].pattern, sizeof(pol->ifrules[i].pattern),
			  m->ifaces[i].pattern);
		pol->ifrules[i].role = m->ifaces[i].role;
		pol->ifrules[i].is_glob = m->ifaces[i].is_glob;
	}
out:
	free(cx.items.v);
	free(cx.pool.v);
	free(cx.sets.v);
	free(cx.set_slots);
	free(dc.dsts.v);
	free(dc.ports.v);
	keyset_free(&dc.dst);
	keyset_free(&dc.port);
	if (err)
		compiled_free(out);
	return err;
}

void compiled_free(struct compiled *c)
{
	free(c->src);
	free(c->src16);
	free(c->dst);
	free(c->ports);
	free(c->admit);
	free(c->meta);
	free(c->views);
	free(c->resolvers);
	zone_free(&c->zone);
	memset(c, 0, sizeof(*c));
}
