// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* XDP attach/detach through pinned bpf_links (see links.h). */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "links.h"
#include "log.h"

static int link_path(char *buf, size_t len, const char *pin_dir, const char *ifname)
{
	int n = snprintf(buf, len, "%s/links%s%s", pin_dir, ifname ? "/" : "", ifname ? ifname : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int read_link(int fd, struct link_info *li)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	li->link_id = info.id;
	li->prog_id = info.prog_id;
	li->iface.ifindex = info.type == BPF_LINK_TYPE_XDP ? info.xdp.ifindex : 0;
	return 0;
}

static int cmp_link(const void *a, const void *b)
{
	return strcmp(((const struct link_info *)a)->iface.name,
		      ((const struct link_info *)b)->iface.name);
}

int links_list(const char *pin_dir, struct link_info **out, size_t *n)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct link_info *v = NULL, *nv;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (link_path(dir, sizeof(dir), pin_dir, NULL))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct link_info li = {};
		int fd;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(li.iface.name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			pr_warn("cannot open pinned link %s: %s\n", path, strerror(errno));
			continue;
		}
		memcpy(li.iface.name, de->d_name, strlen(de->d_name) + 1);
		if (read_link(fd, &li))
			pr_warn("cannot read link %s: %s\n", path, strerror(errno));
		close(fd);
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		v[cnt++] = li;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_link);
	*out = v;
	*n = cnt;
	return 0;
}

/* Sets (role >= 0) or removes (role < 0) the interface's entry in the
 * active slot. Best effort: the next apply rebuilds it from the links. */
static void set_active_role(struct enf_state *st, uint32_t ifindex, int role)
{
	struct enf_active act;
	int fd;

	if (state_active(st, &act, NULL))
		return;
	fd = state_inner_fd(st, SEL_IFROLE, act.slot);
	if (fd < 0)
		return;
	if (role >= 0) {
		struct enf_iface_val v = { .role = role };

		if (bpf_map_update_elem(fd, &ifindex, &v, BPF_ANY))
			pr_warn("cannot set interface role: %s\n", strerror(errno));
	} else {
		bpf_map_delete_elem(fd, &ifindex);
	}
	close(fd);
}

int links_attach(struct enf_state *st, const char *ifname, bool generic)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	char path[PATH_MAX];
	struct enf_policy pol = {};
	struct enf_active act;
	uint32_t ifindex;
	int fd, err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		err = -errno;
		pr_err("unknown interface '%s': %s\n", ifname, strerror(-err));
		return err;
	}
	err = link_path(path, sizeof(path), st->pin_dir, ifname);
	if (err)
		return err;

	fd = bpf_obj_get(path);
	if (fd >= 0) {
		struct link_info li = {};

		err = read_link(fd, &li);
		close(fd);
		if (!err && li.iface.ifindex == ifindex) {
			pr_debug("%s: already attached (link %u)\n", ifname, li.link_id);
			return -EALREADY;
		}
		/* The interface went away (and maybe came back): the old link
		 * is defunct. Forget it and attach afresh. */
		unlink(path);
	}

	opts.flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(st->prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot attach XDP program to %s: %s%s\n", ifname, strerror(-err),
		       err == -EBUSY || err == -EEXIST ?
			       " (another XDP program is attached; see `ip link show`)" :
		       err == -EOPNOTSUPP && !generic ?
			       " (no native XDP on this driver; use --generic)" : "");
		return err;
	}
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_err("cannot pin link %s: %s (detaching again)\n", path, strerror(-err));
		close(fd);
		return err;
	}
	close(fd);
	if (!state_active(st, &act, &pol))
		set_active_role(st, ifindex, state_role_for(&pol, ifname));
	return 0;
}

int links_detach(struct enf_state *st, const char *ifname)
{
	struct link_info li = {};
	char path[PATH_MAX];
	int fd, err;

	err = link_path(path, sizeof(path), st->pin_dir, ifname);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	read_link(fd, &li);
	/* Detach explicitly: someone else may hold an fd to the link. A
	 * defunct link (interface gone) reports an error we do not care for. */
	bpf_link_detach(fd);
	close(fd);
	if (unlink(path)) {
		err = -errno;
		pr_err("cannot unpin link %s: %s\n", path, strerror(-err));
		return err;
	}
	if (li.iface.ifindex)
		set_active_role(st, li.iface.ifindex, -1);
	return 0;
}
