// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The per-generation map table, shapes read from the BPF objects (maps.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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
