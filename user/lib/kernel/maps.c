// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The per-generation map table, shapes read from the BPF objects (maps.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "enforcer.skel.h"
#include "dns.skel.h"
#include "log.h"
#include "maps.h"

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's "no such operation for this map type" */
#endif

#define WALK_BATCH	256	/* entries per BPF_MAP_LOOKUP_BATCH */
#define WALK_BATCH_MAX	65536	/* a hash bucket longer than this cannot be read in batches */
#define WALK_KEY_MAX	64	/* largest key of a map we walk (enf_flow_key: 48) */

static struct sel_shape shapes[SEL_MAX] = {
#define SEL_NAMES(name, o, i) [SEL_##name] = { .outer = o, .inner = i },
	ENF_SELS(SEL_NAMES)
#undef SEL_NAMES
};
static bool shapes_read;

static void type_name(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	const struct btf_type *t = btf ? btf__type_by_id(btf, id) : NULL;

	snprintf(buf, len, "%s", t ? btf__name_by_offset(btf, t->name_off) : "");
}

/* The shapes of the outer maps `obj` declares. */
static void read_object(struct bpf_object *obj, bool *found)
{
	const struct btf *btf = bpf_object__btf(obj);
	int i;

	for (i = 0; i < SEL_MAX; i++) {
		struct bpf_map *outer = bpf_object__find_map_by_name(obj, shapes[i].outer);
		struct bpf_map *inner = outer ? bpf_map__inner_map(outer) : NULL;
		struct sel_shape *s = &shapes[i];

		if (!inner || found[i])
			continue;
		s->type = bpf_map__type(inner);
		s->key_size = bpf_map__key_size(inner);
		s->value_size = bpf_map__value_size(inner);
		s->flags = bpf_map__map_flags(inner);
		s->max_entries = bpf_map__max_entries(inner);
		type_name(btf, bpf_map__btf_key_type_id(inner), s->key_type, sizeof(s->key_type));
		type_name(btf, bpf_map__btf_value_type_id(inner), s->value_type,
			  sizeof(s->value_type));
		found[i] = true;
	}
}

int maps_init(void)
{
	bool found[SEL_MAX] = {};
	struct enforcer_bpf *xdp;
	struct dns_bpf *dns;
	int i;

	if (shapes_read)
		return 0;
	xdp = enforcer_bpf__open();
	dns = dns_bpf__open();
	if (!xdp || !dns) {
		pr_err("cannot open the BPF objects to read their maps: %s\n", strerror(errno));
		enforcer_bpf__destroy(xdp);
		dns_bpf__destroy(dns);
		return -EINVAL;
	}
	read_object(xdp->obj, found);
	read_object(dns->obj, found);
	enforcer_bpf__destroy(xdp);
	dns_bpf__destroy(dns);
	for (i = 0; i < SEL_MAX; i++) {
		if (!found[i]) {
			pr_err("the BPF objects declare no map %s with an inner-map template "
			       "(a build problem)\n", shapes[i].outer);
			return -ENOENT;
		}
	}
	shapes_read = true;
	return 0;
}

const struct sel_shape *sel_shape(enum sel sel)
{
	return &shapes[sel];
}

void maps_empty(int fd, size_t key_size)
{
	uint8_t key[64];

	if (key_size > sizeof(key))
		return;
	/* always the first key: the one deleted before is gone */
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			break;
}

/* ---- reading a whole map ------------------------------------------------ */

static bool percpu_type(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Key by key, for maps without batch lookups (the LPM trie). A key deleted
 * under the walk makes the kernel start over: never more than max_entries
 * steps. */
static int walk_keys(int fd, const struct bpf_map_info *info, size_t vsz, entry_fn fn, void *arg)
{
	uint8_t key[WALK_KEY_MAX], next[WALK_KEY_MAX];
	void *val = malloc(vsz);
	uint32_t steps = 0;
	void *prev = NULL;
	int err = 0;

	if (!val)
		return -ENOMEM;
	while (steps++ < info->max_entries && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, info->key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;	/* deleted meanwhile */
		err = fn(arg, key, val);
		if (err)
			break;
	}
	free(val);
	return err;
}

/*
 * Every entry of a map, handed to fn(arg, key, value) a batch at a time
 * (BPF_MAP_LOOKUP_BATCH: hashes, LRU tables, arrays), else key by key.
 * Per-CPU values come as the kernel gives them (one per CPU, 8-byte
 * aligned). Returns 0, fn's non-zero value, or -errno.
 */
int map_walk(int fd, entry_fn fn, void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint8_t in[WALK_KEY_MAX], out[WALK_KEY_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), cap = WALK_BATCH, n, i;
	uint8_t *keys = NULL, *vals = NULL;
	bool first = true;
	size_t vsz;
	int err, ret = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.key_size > WALK_KEY_MAX)
		return -E2BIG;
	vsz = info.value_size;
	if (percpu_type(info.type))
		vsz = ((vsz + 7) & ~(size_t)7) * (size_t)libbpf_num_possible_cpus();
	for (;;) {
		if (!keys) {
			keys = malloc((size_t)info.key_size * cap);
			vals = malloc(vsz * cap);
			if (!keys || !vals) {
				ret = -ENOMEM;
				break;
			}
		}
		n = cap;
		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, vals, &n, &opts);
		err = err ? -errno : 0;
		if (err == -ENOSPC && !n && cap < WALK_BATCH_MAX) {
			/* a hash bucket holds more than a batch: a bigger one */
			cap *= 4;
			free(keys);
			free(vals);
			keys = vals = NULL;
			continue;
		}
		if (err && err != -ENOENT) {
			if (first && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP))
				ret = walk_keys(fd, &info, vsz, fn, arg);
			else
				ret = err;
			break;
		}
		for (i = 0; i < n && !ret; i++)
			ret = fn(arg, keys + (size_t)i * info.key_size, vals + (size_t)i * vsz);
		if (ret || err == -ENOENT || !n)
			break;
		memcpy(in, out, sizeof(in));
		first = false;
	}
	free(keys);
	free(vals);
	return ret;
}
