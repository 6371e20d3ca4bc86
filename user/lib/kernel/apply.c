// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The atomic policy swap (state_apply, see state.h): the next generation is
 * written into the inactive slot's inner maps — rewritten in place, by
 * difference, where they have room — then one store flips enf_active, and a
 * grace period passes before the old slot may be written again.
 *
 * Why a grace period after the flip: a packet reads enf_active.slot once and
 * then looks up several inner maps of that slot. The next apply will replace
 * the inner maps of the slot we just left; if a packet that read the old
 * slot were still running then, it could see one old and one new map. XDP
 * and TC programs run inside RCU read-side sections, so one synchronize_rcu()
 * after the flip (membarrier(MEMBARRIER_CMD_GLOBAL) does exactly that) means
 * every packet that could have read the old slot is gone before `apply`
 * returns, and the slot is free to be rebuilt next time.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/evp.h>

#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "log.h"
#include "state.h"
#include "state_internal.h"

/*
 * The content one inner map must have, packed for the batch syscalls: n keys
 * of the map's key size and n values (per-CPU maps: one copy per CPU). Array
 * maps take their values by index, from 0; index 0 is never looked up.
 */
/* A service whose counters the new generation carries: its id there and
 * in the generation in force. */
struct carry {
	uint32_t new_id, old_id;
};

struct image {
	void *keys;
	void *vals;
	uint32_t n;
	struct carry *carry;	/* SEL_SVCSTAT: counters copied from the old slot */
	uint32_t ncarry;
	uint32_t old_slot;
};

static void image_free(struct image *im)
{
	free(im->keys);
	free(im->vals);
	free(im->carry);
	im->keys = im->vals = NULL;
	im->carry = NULL;
	im->n = im->ncarry = 0;
}

static size_t value_stride(enum sel sel)
{
	const struct sel_shape *d = sel_shape(sel);
	int ncpu;

	if (d->type != BPF_MAP_TYPE_PERCPU_HASH)
		return d->value_size;
	ncpu = libbpf_num_possible_cpus();
	return (size_t)(ncpu > 0 ? ncpu : 1) * ((d->value_size + 7) & ~7U);
}

static int image_alloc(struct image *im, enum sel sel, size_t n)
{
	im->n = n;
	im->keys = calloc(n ? n : 1, sel_shape(sel)->key_size);
	im->vals = calloc(n ? n : 1, value_stride(sel));
	return im->keys && im->vals ? 0 : -ENOMEM;
}

/* From records with the key first and the value at value_off, or the one
 * value `value` for every key. */
static int image_records(struct image *im, enum sel sel, const void *recs, size_t n,
			 size_t stride, const void *value, size_t value_off)
{
	const struct sel_shape *d = sel_shape(sel);
	size_t i;

	if (image_alloc(im, sel, n))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *r = (const char *)recs + i * stride;

		memcpy((char *)im->keys + i * d->key_size, r, d->key_size);
		memcpy((char *)im->vals + i * d->value_size, value ? value : r + value_off,
		       d->value_size);
	}
	return 0;
}

/* Array content: values[0..n) as laid out by the compiler. */
static int image_array(struct image *im, enum sel sel, const void *values, size_t n)
{
	if (image_alloc(im, sel, n))
		return -ENOMEM;
	if (n)
		memcpy(im->vals, values, n * sel_shape(sel)->value_size);
	return 0;
}

/* Roles from the new interface rules; counter rows kept (state_stats_rows). */
static int image_ifroles(struct image *im, struct enf_state *st, const struct enf_policy *pol,
			 const struct enf_iface *ifaces, size_t n)
{
	struct enf_iface_val *v;
	uint32_t *rows;
	size_t i;

	if (image_alloc(im, SEL_IFROLE, n))
		return -ENOMEM;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		((uint32_t *)im->keys)[i] = ifaces[i].ifindex;
	state_stats_rows(st, im->keys, n, rows, false);
	v = im->vals;
	for (i = 0; i < n; i++) {
		v[i].role = state_role_for(pol, ifaces[i].name);
		v[i].stats_row = rows[i];
	}
	free(rows);
	return 0;
}

static uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static uint64_t mix_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t w;
	size_t i;

	for (i = 0; i < n; i += 8) {
		w = 0;
		memcpy(&w, b + i, n - i < 8 ? n - i : 8);
		h = mix64(h, w);
	}
	return h;
}

/* Each service's digest (enf_svc_meta.digest) into the meta image: its
 * network and visibility, and every address and port with their flags,
 * summed so that order does not matter. Ids are left out: they are
 * renumbered by every apply. */
static void meta_digests(struct enf_svc_meta *meta, size_t nmeta, const struct compiled *c)
{
	size_t i;

	for (i = 1; i < nmeta; i++) {
		meta[i].digest = mix_bytes(0, meta[i].network, sizeof(meta[i].network));
		meta[i].digest = mix64(meta[i].digest, meta[i].public);
	}
	for (i = 0; i < c->ndst; i++) {
		uint32_t id = c->dst[i].val.service_id;

		if (id && id < nmeta)
			meta[id].digest += mix64(mix_bytes(1, &c->dst[i].key, sizeof(c->dst[i].key)),
						 c->dst[i].val.flags);
	}
	for (i = 0; i < c->nports; i++) {
		uint32_t id = c->ports[i].val.service_id;

		if (id && id < nmeta)
			meta[id].digest += mix64(mix_bytes(2, &c->ports[i].key,
							   sizeof(c->ports[i].key)),
						 c->ports[i].val.flags);
	}
}

/*
 * The per-service counters of a generation (SEL_SVCSTAT), ids 1..max, read
 * whole a batch at a time: one syscall per 256 services where a lookup each
 * was 10k syscalls, most of a re-apply's time at 10k services.
 */
struct svc_counters {
	size_t stride;		/* value_stride(SEL_SVCSTAT) */
	uint32_t max;
	char *vals;		/* [id * stride] */
	uint8_t *have;		/* [id]: read */
};

static int counters_fn(void *arg, const void *key, const void *val)
{
	struct svc_counters *sc = arg;
	uint32_t id = *(const uint32_t *)key;

	if (id && id <= sc->max) {
		memcpy(sc->vals + (size_t)id * sc->stride, val, sc->stride);
		sc->have[id] = 1;
	}
	return 0;
}

static void counters_free(struct svc_counters *sc)
{
	free(sc->vals);
	free(sc->have);
	sc->vals = NULL;
	sc->have = NULL;
}

static int counters_read(int fd, uint32_t max, struct svc_counters *sc)
{
	int err;

	sc->stride = value_stride(SEL_SVCSTAT);
	sc->max = max;
	sc->vals = malloc(((size_t)max + 1) * sc->stride);
	sc->have = calloc((size_t)max + 1, 1);
	if (!sc->vals || !sc->have) {
		counters_free(sc);
		return -ENOMEM;
	}
	err = map_walk(fd, counters_fn, sc);
	if (err)
		counters_free(sc);
	return err;
}

/* After the flip and a grace period, nothing counts in the old slot any
 * more: what it counted between the copy (image_svcstats) and the flip is
 * added to the carried services' new counters, so that they never go
 * down. The data path may count in the new map meanwhile; an increment
 * that lands between this read and write is lost, never doubled. */
static void carry_rest(struct enf_state *st, const struct image *im, int new_fd)
{
	size_t stride = value_stride(SEL_SVCSTAT), f, nf = stride / sizeof(uint64_t);
	struct svc_counters now_old = {};
	uint32_t i, max = 0;
	uint64_t *cur;
	int old_fd;

	if (!im->ncarry || new_fd < 0)
		return;
	for (i = 0; i < im->ncarry; i++)
		max = im->carry[i].old_id > max ? im->carry[i].old_id : max;
	old_fd = state_inner_fd(st, SEL_SVCSTAT, im->old_slot);
	cur = malloc(stride);
	if (old_fd < 0 || !cur || counters_read(old_fd, max, &now_old))
		goto out;
	for (i = 0; i < im->ncarry; i++) {
		const uint64_t *copied = (const uint64_t *)((const char *)im->vals +
							    (im->carry[i].new_id - 1) * stride);
		const uint64_t *now = (const uint64_t *)(now_old.vals +
							 (size_t)im->carry[i].old_id * stride);

		/* most services counted nothing since the copy: no syscall */
		if (!now_old.have[im->carry[i].old_id] || !memcmp(now, copied, stride) ||
		    bpf_map_lookup_elem(new_fd, &im->carry[i].new_id, cur))
			continue;
		for (f = 0; f < nf; f++)
			cur[f] += now[f] - copied[f];
		bpf_map_update_elem(new_fd, &im->carry[i].new_id, cur, BPF_EXIST);
	}
out:
	counters_free(&now_old);
	free(cur);
	if (old_fd >= 0)
		close(old_fd);
}

/* A service of the generation in force: its names, digest and id. */
struct old_svc {
	struct enf_svc_meta m;
	uint32_t id;
};

static int cmp_old_svc(const void *a, const void *b)
{
	const struct old_svc *x = a, *y = b;
	int d = strcmp(x->m.app, y->m.app);

	return d ? d : strcmp(x->m.service, y->m.service);
}

/* The services of the generation in force, read whole (an array map). */
struct old_svcs {
	struct old_svc *v;
	uint32_t n, max;
};

static int old_svc_fn(void *arg, const void *key, const void *val)
{
	struct old_svcs *os = arg;
	uint32_t id = *(const uint32_t *)key;

	if (id > os->max)
		return 1;	/* an array comes in index order: the rest is unused */
	if (id) {
		os->v[os->n].m = *(const struct enf_svc_meta *)val;
		os->v[os->n++].id = id;
	}
	return 0;
}

/* Every service id 1..nmeta-1 with its per-CPU counters: those of the
 * generation in force for a service of the same name and digest (it did
 * not change: its counters keep counting), zero for the others. What the
 * old slot counts between this copy and the flip is not carried. The data
 * path only ever looks up. */
static int image_svcstats(struct image *im, struct enf_state *st, const struct enf_svc_meta *meta,
			  size_t nmeta)
{
	size_t stride = value_stride(SEL_SVCSTAT);
	struct svc_counters counters = {};
	struct old_svcs old = {};
	struct old_svc *hit, want;
	struct enf_policy pol;
	struct enf_active act;
	int meta_fd = -1, stat_fd = -1;
	uint32_t id;

	if (image_alloc(im, SEL_SVCSTAT, nmeta > 1 ? nmeta - 1 : 0))
		return -ENOMEM;
	for (id = 1; id < nmeta; id++)
		((uint32_t *)im->keys)[id - 1] = id;
	if (state_active(st, &act, &pol) || !pol.generation || !pol.services)
		return 0;
	meta_fd = state_inner_fd(st, SEL_META, act.slot);
	stat_fd = state_inner_fd(st, SEL_SVCSTAT, act.slot);
	old.v = calloc(pol.services, sizeof(*old.v));
	old.max = pol.services;
	im->carry = calloc(pol.services, sizeof(*im->carry));
	im->old_slot = act.slot;
	/* without the old generation's names or counters, nothing is carried:
	 * the counters start from zero, as for new services */
	if (!old.v || meta_fd < 0 || stat_fd < 0 || map_walk(meta_fd, old_svc_fn, &old) < 0 ||
	    counters_read(stat_fd, pol.services, &counters)) {
		if (pol.services)
			pr_debug("cannot read generation %llu's per-service counters: the new "
				 "generation's start from zero\n", (unsigned long long)pol.generation);
		old.n = 0;
	}
	if (old.n)
		qsort(old.v, old.n, sizeof(*old.v), cmp_old_svc);
	for (id = 1; old.n && id < nmeta; id++) {
		char *v = (char *)im->vals + (id - 1) * stride;

		want.m = meta[id];
		hit = bsearch(&want, old.v, old.n, sizeof(*old.v), cmp_old_svc);
		if (!hit || hit->m.digest != meta[id].digest || !counters.have[hit->id])
			continue;
		memcpy(v, counters.vals + (size_t)hit->id * stride, stride);
		if (im->carry && im->ncarry < pol.services)
			im->carry[im->ncarry++] = (struct carry){ id, hit->id };
	}
	counters_free(&counters);
	free(old.v);
	if (meta_fd >= 0)
		close(meta_fd);
	if (stat_fd >= 0)
		close(stat_fd);
	return 0;
}

static size_t image_need(enum sel sel, const struct image *im)
{
	if (state_fixed_entries(sel))
		return state_fixed_entries(sel);
	return im->n ? im->n : 1;
}

/* Room for growth: unallocated entries of a hash or trie cost nothing
 * (BPF_F_NO_PREALLOC); arrays are allocated whole. */
static size_t image_capacity(enum sel sel, const struct image *im)
{
	size_t need = image_need(sel, im);

	if (state_fixed_entries(sel))
		return need;
	if (sel_shape(sel)->type == BPF_MAP_TYPE_ARRAY)
		return need < 16 ? 16 : need + need / 4;
	return need < 64 ? 64 : 2 * need;
}

/* ENOMEM from a map without preallocation can be transient: since 6.1 its
 * elements come from per-CPU caches that irq_work refills asynchronously,
 * and a burst of updates on a slow CPU (seen on 6.12 under emulation,
 * filling enf_svc_stats) can empty a cache before the refill runs. Give it
 * a moment, a bounded number of times (at most ~0.2 s an element). */
#define ENOMEM_RETRIES	200

static int update_elem_retry(int fd, const void *key, const void *val)
{
	struct timespec pause = { .tv_nsec = 1000000 };
	int tries = 0;

	while (bpf_map_update_elem(fd, key, val, BPF_ANY)) {
		if (errno != ENOMEM || ++tries > ENOMEM_RETRIES)
			return -errno;
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int write_elems(int fd, enum sel sel, const void *keys, const void *vals, uint32_t n)
{
	const struct sel_shape *d = sel_shape(sel);
	size_t vs = value_stride(sel);
	uint32_t i = 0, count = n;

	if (!n)
		return 0;
	/* One syscall for the lot where the kernel has batch ops for the map
	 * type (hash, array; the LPM trie since 6.x: 100k updates were 0.3 s
	 * of a first apply at 10k services); else element by element, and so
	 * is whatever a failed batch did not write (count says how far). */
	if (!bpf_map_update_batch(fd, keys, vals, &count, NULL))
		return 0;
	i = count < n ? count : 0;
	for (; i < n; i++) {
		int err = update_elem_retry(fd, (const char *)keys + (size_t)i * d->key_size,
					    (const char *)vals + (size_t)i * vs);

		if (err) {
			pr_err("cannot fill map %s (entry %u of %u): %s\n", d->inner, i + 1, n,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Write the image into a map that holds nothing of another generation:
 * fresh, or cleared. Arrays are written whole, [0, capacity): what lies
 * beyond the image is zeroed. */
static int write_image(int fd, enum sel sel, const struct image *im, uint32_t capacity)
{
	const struct sel_shape *d = sel_shape(sel);
	uint32_t *idx;
	char *vals;
	uint32_t i;
	int err;

	if (d->type != BPF_MAP_TYPE_ARRAY)
		return write_elems(fd, sel, im->keys, im->vals, im->n);
	if (d->flags & BPF_F_MMAPABLE) {
		/* the kernel lays array elements out 8-byte aligned */
		size_t elem = (d->value_size + 7) & ~(size_t)7, len = (size_t)capacity * elem;
		char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (mem == MAP_FAILED) {
			err = -errno;
			pr_err("cannot map %s: %s\n", d->inner, strerror(-err));
			return err;
		}
		memset(mem, 0, len);
		for (i = 0; i < im->n && i < capacity; i++)
			memcpy(mem + (size_t)i * elem, (const char *)im->vals + (size_t)i * d->value_size,
			       d->value_size);
		munmap(mem, len);
		return 0;
	}
	idx = calloc(capacity, sizeof(*idx));
	vals = calloc(capacity, d->value_size);
	if (!idx || !vals) {
		free(idx);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < capacity; i++)
		idx[i] = i;
	memcpy(vals, im->vals, (size_t)(im->n < capacity ? im->n : capacity) * d->value_size);
	err = write_elems(fd, sel, idx, vals, capacity);
	free(idx);
	free(vals);
	return err;
}

/* Above this many entries a map is replaced rather than emptied in place:
 * collecting its keys costs a syscall each, and past a few thousand that is
 * more than the one synchronize_rcu() the replacement costs. */
#define CLEAR_MAX	4096

/* Empty a trie of the inactive slot: collect its keys (get_next_key: a
 * trie's batch lookup is not on every kernel), then delete them, in one
 * batch where the kernel has one. -E2BIG: more than CLEAR_MAX keys. */
static int clear_map(int fd, enum sel sel)
{
	const struct sel_shape *d = sel_shape(sel);
	char *keys = malloc((size_t)(CLEAR_MAX + 1) * d->key_size);
	uint32_t n = 0, count, i;
	int err;

	if (!keys)
		return -ENOMEM;
	for (err = bpf_map_get_next_key(fd, NULL, keys); !err && n < CLEAR_MAX;
	     err = bpf_map_get_next_key(fd, keys + (size_t)(n - 1) * d->key_size,
					 keys + (size_t)n * d->key_size))
		n++;
	if (!err) {	/* a key beyond CLEAR_MAX */
		free(keys);
		return -E2BIG;
	}
	count = n;
	if (n && bpf_map_delete_batch(fd, keys, &count, NULL)) {
		for (i = 0; i < n; i++) {
			if (bpf_map_delete_elem(fd, keys + (size_t)i * d->key_size) && errno != ENOENT) {
				err = -errno;
				pr_err("cannot clear map %s: %s\n", d->inner, strerror(-err));
				free(keys);
				return err;
			}
		}
	}
	free(keys);
	return 0;
}

static int cmp_image_key(const void *a, const void *b, void *arg)
{
	const struct image *im = ((void **)arg)[0];
	size_t ks = *(const size_t *)((void **)arg)[1];

	return memcmp((const char *)im->keys + *(const uint32_t *)a * ks,
		      (const char *)im->keys + *(const uint32_t *)b * ks, ks);
}

/* Index of `key` in the image (order: entries sorted by key), or -1. */
static long image_find(const struct image *im, const uint32_t *order, size_t ks, const void *key)
{
	size_t lo = 0, hi = im->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = memcmp((const char *)im->keys + order[mid] * ks, key, ks);

		if (!r)
			return order[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

#define DIFF_CHUNK	1024

/* A hash of the inactive slot to the image's content by difference: read
 * it in batches, delete the keys the image lacks, write only the entries
 * that are new or changed. A one-service change then writes a handful of
 * entries, whatever the size of the map. */
static int rewrite_hash(int fd, enum sel sel, const struct image *im)
{
	const struct sel_shape *d = sel_shape(sel);
	size_t ks = d->key_size, vs = value_stride(sel), nstale = 0, capstale = DIFF_CHUNK, i;
	uint32_t *order = calloc(im->n ? im->n : 1, sizeof(*order)), count, nw = 0;
	uint8_t *same = calloc(im->n ? im->n : 1, 1);
	char *kbuf = malloc(DIFF_CHUNK * ks), *vbuf = malloc(DIFF_CHUNK * vs);
	char *stale = malloc(capstale * ks), *wk = NULL, *wv = NULL;
	void *arg[2] = { (void *)im, &ks };
	uint64_t in = 0, out = 0;
	bool first = true, done = false;
	int err = -ENOMEM;

	if (!order || !same || !kbuf || !vbuf || !stale)
		goto out;
	for (i = 0; i < im->n; i++)
		order[i] = i;
	qsort_r(order, im->n, sizeof(*order), cmp_image_key, arg);

	while (!done) {
		count = DIFF_CHUNK;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, kbuf, vbuf, &count, NULL);
		if (err) {
			err = -errno;
			if (err != -ENOENT)
				goto out;
			done = true;
		}
		first = false;
		in = out;
		for (i = 0; i < count; i++) {
			long idx = image_find(im, order, ks, kbuf + i * ks);

			if (idx >= 0) {
				same[idx] = !memcmp(vbuf + i * vs, (const char *)im->vals + idx * vs, vs);
				continue;
			}
			if (nstale == capstale) {
				char *grow = realloc(stale, 2 * capstale * ks);

				if (!grow) {
					err = -ENOMEM;
					goto out;
				}
				stale = grow;
				capstale *= 2;
			}
			memcpy(stale + nstale++ * ks, kbuf + i * ks, ks);
		}
	}
	count = nstale;
	if (nstale && bpf_map_delete_batch(fd, stale, &count, NULL)) {
		for (i = 0; i < nstale; i++) {
			if (bpf_map_delete_elem(fd, stale + i * ks) && errno != ENOENT) {
				err = -errno;
				goto out;
			}
		}
	}
	wk = malloc((im->n ? im->n : 1) * ks);
	wv = malloc((im->n ? im->n : 1) * vs);
	err = -ENOMEM;
	if (!wk || !wv)
		goto out;
	for (i = 0; i < im->n; i++) {
		if (same[i])
			continue;
		memcpy(wk + (size_t)nw * ks, (const char *)im->keys + i * ks, ks);
		memcpy(wv + (size_t)nw * vs, (const char *)im->vals + i * vs, vs);
		nw++;
	}
	err = write_elems(fd, sel, wk, wv, nw);
out:
	free(order);
	free(same);
	free(kbuf);
	free(vbuf);
	free(stale);
	free(wk);
	free(wv);
	return err;
}

/*
 * Give the inactive slot's map `sel` exactly the image's content. The map
 * already installed there is rewritten in place when it is ours (same
 * flags) and big enough: installing another one is an update of the outer
 * map, and the kernel follows every update of a map-of-maps with a
 * synchronize_rcu() (maybe_wait_bpf_programs): 14 of them were most of an
 * apply's time. *fresh says whether *fd_out is a new map to install.
 */
static int sync_inner(struct enf_state *st, enum sel sel, uint32_t slot, const struct image *im,
		      bool unchanged, int *fd_out, int *fresh)
{
	const struct sel_shape *d = sel_shape(sel);
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int fd, err;

	*fresh = 0;
	fd = state_inner_fd(st, sel, slot);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && info.map_flags == d->flags &&
	    info.key_size == d->key_size && info.value_size == d->value_size &&
	    info.max_entries >= image_need(sel, im)) {
		if (unchanged) {	/* holds exactly this image already */
			*fd_out = fd;
			return 0;
		}
		if (d->type == BPF_MAP_TYPE_ARRAY) {
			err = write_image(fd, sel, im, info.max_entries);
		} else if (d->type == BPF_MAP_TYPE_LPM_TRIE) {	/* emptied, then written */
			err = clear_map(fd, sel);
			if (!err)
				err = write_image(fd, sel, im, info.max_entries);
		} else {
			err = rewrite_hash(fd, sel, im);
		}
		if (!err) {
			*fd_out = fd;
			return 0;
		}
		/* The slot is inactive: a fresh map is always a way out. */
		if (err != -E2BIG)
			pr_debug("cannot rewrite %s in place (%s); replacing it\n", d->inner,
				 strerror(-err));
	}
	if (fd >= 0)
		close(fd);
	fd = state_create_inner(st, sel, image_capacity(sel, im));
	if (fd < 0)
		return fd;
	err = write_image(fd, sel, im, image_capacity(sel, im));
	if (err) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	*fresh = 1;
	return 0;
}

/* What an image holds, as a digest (SHA-256, first 8 bytes; never 0). */
static uint64_t image_digest(enum sel sel, const struct image *im)
{
	const struct sel_shape *d = sel_shape(sel);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t out = 0;

	if (!ctx)
		return 0;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, &im->n, sizeof(im->n)) &&
	    (d->type == BPF_MAP_TYPE_ARRAY ||
	     EVP_DigestUpdate(ctx, im->keys, (size_t)im->n * d->key_size)) &&
	    EVP_DigestUpdate(ctx, im->vals, (size_t)im->n * value_stride(sel)) &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= sizeof(out))
		memcpy(&out, md, sizeof(out));
	EVP_MD_CTX_free(ctx);
	return out ? out : 1;
}

/*
 * One inner map of the inactive slot brought to its image. The maps are
 * independent, so all of them are synced at once, a thread each: at 10k
 * services the source trie's 100k inserts and the destination hash's are
 * kernel work on different maps that two CPUs do side by side.
 */
struct sync_job {
	struct enf_state *st;
	enum sel sel;
	uint32_t slot;
	const struct image *im;
	bool volatile_map;	/* written by others too: its digest says nothing */
	uint64_t old_digest;	/* of what the slot holds */
	uint64_t digest;	/* out: of the image, 0 for a volatile map */
	int fd, fresh, err;	/* out: as sync_inner() */
};

static void *sync_job_run(void *arg)
{
	struct sync_job *j = arg;

	j->digest = j->volatile_map ? 0 : image_digest(j->sel, j->im);
	j->err = sync_inner(j->st, j->sel, j->slot, j->im,
			    !j->volatile_map && j->digest == j->old_digest, &j->fd, &j->fresh);
	return NULL;
}

/* The content of every inner map for compiled policy `c`. */
static int build_images(struct image *im, struct enf_state *st, const struct compiled *c,
			const struct enf_policy *pol, const struct enf_iface *ifaces, size_t nifaces)
{
	uint32_t one = 1;
	int err;

	err = image_records(&im[SEL_SRC], SEL_SRC, c->src, c->nsrc, sizeof(*c->src), NULL,
			    offsetof(struct src_entry, val));
	err = err ?: image_array(&im[SEL_SRC16], SEL_SRC16, c->src16, ENF_SRC16_ENTRIES);
	err = err ?: image_records(&im[SEL_DST], SEL_DST, c->dst, c->ndst, sizeof(*c->dst), NULL,
				   offsetof(struct dst_entry, val));
	err = err ?: image_records(&im[SEL_PORT], SEL_PORT, c->ports, c->nports,
				   sizeof(*c->ports), NULL, offsetof(struct port_entry, val));
	err = err ?: image_records(&im[SEL_ADMIT], SEL_ADMIT, c->admit, c->nadmit,
				   sizeof(*c->admit), &one, 0);
	err = err ?: image_ifroles(&im[SEL_IFROLE], st, pol, ifaces, nifaces);
	err = err ?: image_array(&im[SEL_META], SEL_META, c->meta, c->nmeta);
	if (!err)
		meta_digests(im[SEL_META].vals, c->nmeta, c);
	err = err ?: image_svcstats(&im[SEL_SVCSTAT], st, im[SEL_META].vals, c->nmeta);
	err = err ?: image_records(&im[SEL_DNS_NAME], SEL_DNS_NAME, c->zone.names, c->zone.nnames,
				   sizeof(*c->zone.names), NULL, offsetof(struct zone_name, val));
	err = err ?: image_records(&im[SEL_DNS_ZONE], SEL_DNS_ZONE, c->zone.zones, c->zone.nzones,
				   sizeof(*c->zone.zones), NULL, offsetof(struct zone_apex, val));
	err = err ?: image_array(&im[SEL_DNS_A], SEL_DNS_A, c->zone.a, c->zone.nrrsets);
	err = err ?: image_array(&im[SEL_DNS_AAAA], SEL_DNS_AAAA, c->zone.aaaa, c->zone.nrrsets);
	err = err ?: image_array(&im[SEL_DNS_SRV], SEL_DNS_SRV, c->zone.srv, c->zone.nrrsets);
	err = err ?: image_array(&im[SEL_DNS_VIEW], SEL_DNS_VIEW, c->views, c->nclasses);
	err = err ?: image_records(&im[SEL_DNS_RES], SEL_DNS_RES, c->resolvers, c->nresolvers,
				   sizeof(*c->resolvers), &one, 0);
	if (err == -ENOMEM)
		pr_err("out of memory preparing the maps\n");
	return err;
}

/* Wait until no BPF program can still be running with the old slot. */
static void wait_grace_period(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return;
	/* nohz_full kernels refuse MEMBARRIER_CMD_GLOBAL. A packet takes
	 * microseconds; 50 ms is far beyond any softirq run. */
	pr_debug("membarrier: %s; waiting 50 ms instead\n", strerror(errno));
	usleep(50 * 1000);
}

static void repin_views(struct enf_state *st, const int *fds)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < SEL_MAX; i++) {
		if (state_pin_path(path, sizeof(path), st->pin_dir, sel_shape(i)->inner))
			continue;
		unlink(path);
		if (bpf_obj_pin(fds[i], path))
			pr_warn("cannot pin view %s: %s (bpftool can still read the map by id)\n",
				path, strerror(errno));
	}
}

int state_apply(struct enf_state *st, const struct compiled *c, const struct enf_iface *ifaces,
		size_t nifaces, uint64_t *generation)
{
	struct image im[SEL_MAX] = {};
	struct sync_job jobs[SEL_MAX];
	struct enf_policy pol, old[2];
	struct enf_active act;
	uint32_t slot, zero = 0, one = 1, i;
	int fds[SEL_MAX], fresh[SEL_MAX] = {}, err = 0;

	for (i = 0; i < SEL_MAX; i++)
		fds[i] = -1;
	err = state_active(st, &act, NULL);
	if (!err && (bpf_map_lookup_elem(st->policy_fd, &zero, &old[0]) ||
		     bpf_map_lookup_elem(st->policy_fd, &one, &old[1])))
		err = -errno;
	if (err) {
		pr_err("cannot read the active policy: %s\n", strerror(-err));
		return err;
	}
	slot = !act.slot;

	pol = c->policy;
	pol.generation = (old[0].generation > old[1].generation ? old[0].generation
								 : old[1].generation) + 1;
	pol.applied_at = time(NULL);

	/* Rewrite the inactive slot: nothing reads it (the last apply waited a
	 * grace period after leaving it). A map whose digest says it already
	 * holds its image is left alone, except the ones something else
	 * writes: per-service counters (traffic), roles (`attach`) and
	 * health-probed answers (the daemon). The
	 * slot's digests are cleared first, so that an apply failing half-way
	 * leaves none that lie. */
	err = build_images(im, st, c, &pol, ifaces, nifaces);
	if (!err) {
		struct enf_policy cleared = old[slot];

		memset(cleared.map_digest, 0, sizeof(cleared.map_digest));
		if (bpf_map_update_elem(st->policy_fd, &slot, &cleared, BPF_ANY))
			err = -errno;
	}
	for (i = 0; i < SEL_MAX && !err; i++) {
		/* the daemon writes the answers of health-probed services in
		 * place (zone.h), so their maps' digests are not to be trusted */
		bool answers = i == SEL_DNS_NAME || i == SEL_DNS_A || i == SEL_DNS_AAAA ||
			       i == SEL_DNS_SRV;

		jobs[i] = (struct sync_job){
			.st = st, .sel = i, .slot = slot, .im = &im[i],
			.volatile_map = i == SEL_SVCSTAT || i == SEL_IFROLE ||
					(answers && zone_follows_health(&c->zone)),
			.old_digest = old[slot].map_digest[i], .fd = -1,
		};
	}
	if (!err)
		state_run_at_once(sync_job_run, jobs, sizeof(jobs[0]), SEL_MAX);
	for (i = 0; i < SEL_MAX && !err; i++) {
		pol.map_digest[i] = jobs[i].digest;
		fds[i] = jobs[i].fd;
		fresh[i] = jobs[i].fresh;
	}
	for (i = 0; i < SEL_MAX && !err; i++)
		err = jobs[i].err;
	pol.map_digest[ENF_DIGEST_LAYOUT] = zone_layout_digest(&c->zone);
	if (!err)
		err = state_put_inners(st, slot, fds, fresh);
	if (!err && bpf_map_update_elem(st->policy_fd, &slot, &pol, BPF_ANY)) {
		err = -errno;
		pr_err("cannot write policy summary: %s\n", strerror(-err));
	}
	if (err)
		goto out;

	/* The flip: one aligned store of the slot number. */
	act.slot = slot;
	act.generation = pol.generation;
	if (bpf_map_update_elem(st->active_fd, &zero, &act, BPF_ANY)) {
		err = -errno;
		pr_err("cannot activate generation %llu: %s\n",
		       (unsigned long long)pol.generation, strerror(-err));
		goto out;
	}
	wait_grace_period();
	carry_rest(st, &im[SEL_SVCSTAT], fds[SEL_SVCSTAT]);
	if (st->pinned)
		repin_views(st, fds);
	if (generation)
		*generation = pol.generation;
out:
	for (i = 0; i < SEL_MAX; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		image_free(&im[i]);
	}
	return err;
}
