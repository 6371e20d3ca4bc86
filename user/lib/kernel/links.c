// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* XDP attach/detach through pinned bpf_links (see links.h). */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP	519
#endif
#ifndef ARPHRD_IP6GRE
#define ARPHRD_IP6GRE	823
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "links.h"
#include "log.h"

/* BPF_TCX_INGRESS/EGRESS (kernel >= 6.6); Debian's libbpf 1.1 headers
 * predate them. */
#define ENF_TCX_INGRESS		46
#define ENF_TCX_EGRESS		47
/* Our cls_bpf filter on kernels without tcx: fixed handle and priority. */
#define ENF_TC_HANDLE		0xe4f
#define ENF_TC_PRIORITY		0xe4f

int links_kind(const char *ifname, enum link_kind *kind, int *arphrd)
{
	struct ifreq ifr = {};
	int fd, type;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		type = -errno;
		close(fd);
		return type;
	}
	close(fd);
	type = ifr.ifr_hwaddr.sa_family;
	if (arphrd)
		*arphrd = type;
	switch (type) {
	case ARPHRD_ETHER:	/* veth, bridges, bonds, vxlan, macvlan, tap, ... */
	case ARPHRD_LOOPBACK:	/* a zero Ethernet header */
		*kind = LINK_ETHERNET;
		break;
	case ARPHRD_NONE:	/* tun, WireGuard */
	case ARPHRD_PPP:
	case ARPHRD_RAWIP:
	case ARPHRD_TUNNEL:	/* ipip */
	case ARPHRD_TUNNEL6:	/* ip6tnl */
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
		*kind = LINK_L3;
		break;
	default:
		*kind = LINK_UNSUPPORTED;
		break;
	}
	return 0;
}

const char *links_kind_name(enum link_kind kind)
{
	switch (kind) {
	case LINK_ETHERNET:
		return "ethernet";
	case LINK_L3:
		return "layer-3";
	default:
		return "unsupported";
	}
}

static int pin_sub_path(char *buf, size_t len, const char *pin_dir, const char *sub,
			const char *ifname)
{
	int n = snprintf(buf, len, "%s/%s%s%s", pin_dir, sub, ifname ? "/" : "",
			 ifname ? ifname : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int link_path(char *buf, size_t len, const char *pin_dir, const char *ifname)
{
	return pin_sub_path(buf, len, pin_dir, "links", ifname);
}

/* The two TC programs: the DNS answers on ingress, the flow recorder on
 * egress. Each is a tcx link (pinned like the XDP links) where the kernel
 * has tcx, else a cls_bpf filter, which outlives the process by itself.
 * ENF_FORCE_CLS_BPF=1 takes the fallback on purpose (tests of the 6.1 path
 * on newer kernels). */
enum tc_hook { TC_DNS, TC_EGRESS };

static const struct {
	const char *subdir;
	int tcx_type;
	enum bpf_tc_attach_point point;
	const char *what;
} tc_hooks[] = {
	[TC_DNS] = { "tc", ENF_TCX_INGRESS, BPF_TC_INGRESS, "DNS" },
	[TC_EGRESS] = { "tc-egress", ENF_TCX_EGRESS, BPF_TC_EGRESS, "egress" },
};

static int tc_path(char *buf, size_t len, const char *pin_dir, enum tc_hook h,
		   const char *ifname)
{
	return pin_sub_path(buf, len, pin_dir, tc_hooks[h].subdir, ifname);
}

static int tc_attach(struct enf_state *st, enum tc_hook h, int prog_fd, const char *ifname,
		     uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = tc_hooks[h].point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = ENF_TC_HANDLE,
		    .priority = ENF_TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	const char *force = getenv("ENF_FORCE_CLS_BPF");
	char path[PATH_MAX], dir[PATH_MAX];
	int fd, err;

	if (tc_path(path, sizeof(path), st->pin_dir, h, ifname) ||
	    tc_path(dir, sizeof(dir), st->pin_dir, h, NULL))
		return -ENAMETOOLONG;
	if (!(force && *force == '1')) {
		fd = bpf_link_create(prog_fd, ifindex, tc_hooks[h].tcx_type, NULL);
		if (fd >= 0) {
			unlink(path);
			if ((mkdir(dir, 0700) && errno != EEXIST) || bpf_obj_pin(fd, path)) {
				err = -errno;
				pr_err("cannot pin TC link %s: %s\n", path, strerror(-err));
				close(fd);
				return err;
			}
			close(fd);
			return 0;
		}
		pr_debug("%s: no tcx (%s), using cls_bpf\n", ifname, strerror(errno));
	}
	log_libbpf_expect(true);	/* the qdisc may be there already */
	err = bpf_tc_hook_create(&hook);
	log_libbpf_expect(false);
	if (err && err != -EEXIST) {
		pr_err("cannot create clsact qdisc on %s: %s\n", ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_err("cannot attach the %s program to %s: %s\n", tc_hooks[h].what, ifname,
		       strerror(-err));
	return err;
}

/* Detaches and unpins the hook's tcx link; false when it has none (the
 * interface has a cls_bpf filter instead, or nothing). */
static bool tc_detach_tcx(struct enf_state *st, enum tc_hook h, const char *ifname)
{
	char path[PATH_MAX];
	int fd;

	if (tc_path(path, sizeof(path), st->pin_dir, h, ifname))
		return false;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	bpf_link_detach(fd);
	close(fd);
	unlink(path);
	return true;
}

static void tc_detach_cls_bpf(enum tc_hook h, uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = tc_hooks[h].point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ENF_TC_HANDLE, .priority = ENF_TC_PRIORITY);

	log_libbpf_expect(true);	/* the filter or the qdisc may be gone already */
	bpf_tc_detach(&hook, &opts);
	log_libbpf_expect(false);
}

static void tc_detach(struct enf_state *st, enum tc_hook h, const char *ifname, uint32_t ifindex)
{
	if (!tc_detach_tcx(st, h, ifname) && ifindex)
		tc_detach_cls_bpf(h, ifindex);
}

static const char *tc_mode(const char *pin_dir, enum tc_hook h, const char *ifname,
			   uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = tc_hooks[h].point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ENF_TC_HANDLE, .priority = ENF_TC_PRIORITY);
	char path[PATH_MAX];
	int fd, err;

	if (!tc_path(path, sizeof(path), pin_dir, h, ifname)) {
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			close(fd);
			return "tcx";
		}
	}
	if (ifindex) {
		log_libbpf_expect(true);	/* no qdisc, no filter: "none" */
		err = bpf_tc_query(&hook, &opts);
		log_libbpf_expect(false);
		if (!err)
			return "cls_bpf";
	}
	return "none";
}

const char *links_dns_mode(const char *pin_dir, const char *ifname, uint32_t ifindex)
{
	return tc_mode(pin_dir, TC_DNS, ifname, ifindex);
}

const char *links_egress_mode(const char *pin_dir, const char *ifname, uint32_t ifindex)
{
	return tc_mode(pin_dir, TC_EGRESS, ifname, ifindex);
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

		/* ':' is in no interface name: a pin on its way to a new name */
		if (de->d_name[0] == '.' || strchr(de->d_name, ':') ||
		    strlen(de->d_name) >= sizeof(li.iface.name))
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
	int fd;

	fd = state_active_map(st, SEL_IFROLE);
	if (fd < 0)
		return;
	if (role >= 0) {
		struct enf_iface_val v = { .role = role };

		state_stats_rows(st, &ifindex, 1, &v.stats_row, true);

		if (bpf_map_update_elem(fd, &ifindex, &v, BPF_ANY))
			pr_warn("cannot set interface role: %s\n", strerror(errno));
	} else {
		bpf_map_delete_elem(fd, &ifindex);
		state_stats_row_forget(st, ifindex);
	}
	close(fd);
}

/* What RTM_GETLINK says of one link: its kind, its peer, its XDP program. */
struct link_facts {
	char kind[16];		/* IFLA_INFO_KIND: "veth", ... ("" when none) */
	int32_t peer;		/* IFLA_LINK: a veth's peer ifindex (0: none) */
	int32_t peer_nsid;	/* IFLA_LINK_NETNSID, -1 when in this namespace */
	uint8_t xdp_attached;	/* IFLA_XDP_ATTACHED, XDP_ATTACHED_NONE when none */
	uint32_t xdp_drv_prog;	/* IFLA_XDP_DRV_PROG_ID: a native program (MULTI) */
	bool found;
};

static int link_facts_parse(struct nl_msg *msg, void *arg)
{
	struct link_facts *f = arg;
	struct nlattr *tb[IFLA_MAX + 1], *sub[IFLA_INFO_MAX + 1], *xdp[IFLA_XDP_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL))
		return NL_SKIP;
	f->found = true;
	if (tb[IFLA_LINK])
		f->peer = nla_get_s32(tb[IFLA_LINK]);
	if (tb[IFLA_LINK_NETNSID])
		f->peer_nsid = nla_get_s32(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_LINKINFO] && !nla_parse_nested(sub, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) &&
	    sub[IFLA_INFO_KIND])
		nla_strlcpy(f->kind, sub[IFLA_INFO_KIND], sizeof(f->kind));
	if (tb[IFLA_XDP] && !nla_parse_nested(xdp, IFLA_XDP_MAX, tb[IFLA_XDP], NULL)) {
		if (xdp[IFLA_XDP_ATTACHED])
			f->xdp_attached = nla_get_u8(xdp[IFLA_XDP_ATTACHED]);
		if (xdp[IFLA_XDP_DRV_PROG_ID])
			f->xdp_drv_prog = nla_get_u32(xdp[IFLA_XDP_DRV_PROG_ID]);
	}
	return NL_OK;
}

/* RTM_GETLINK for `ifindex` in this namespace, or (nsid >= 0) in the
 * namespace this one knows by that id (IFLA_TARGET_NETNSID, 4.20). */
static int link_facts_get(int32_t ifindex, int32_t nsid, struct link_facts *f)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_sock *sk;
	struct nl_msg *msg;
	int err;

	memset(f, 0, sizeof(*f));
	f->peer_nsid = -1;
	sk = nl_socket_alloc();
	msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	if (!sk || !msg) {
		err = -ENOMEM;
		goto out;
	}
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) ||
	    (nsid >= 0 && nla_put_s32(msg, IFLA_TARGET_NETNSID, nsid))) {
		err = -ENOMEM;
		goto out;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (!err)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, link_facts_parse, f);
	if (!err)
		err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	/* libnl's own codes, told apart where it matters */
	err = err == -NLE_PERM ? -EPERM : err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV ? -ENODEV :
	      err < 0 ? -EIO : f->found ? 0 : -ENODEV;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err;
}

int links_xdp_tx_reaches(uint32_t ifindex, bool generic, char *why, size_t len)
{
	struct link_facts self, peer;
	int err;

	why[0] = 0;
	/* generic XDP transmits XDP_TX as an skb, which every device takes */
	if (generic)
		return 1;
	err = link_facts_get((int32_t)ifindex, -1, &self);
	if (err) {
		snprintf(why, len, "cannot read the link (netlink): %s", strerror(-err));
		return err;
	}
	/* a driver with native XDP sends XDP_TX itself; a veth hands the
	 * frame to its peer's NAPI, which exists only while a native XDP
	 * program runs there (measured: GRO on the peer is not enough on
	 * 6.18; a generic program does not start it) */
	if (strcmp(self.kind, "veth"))
		return 1;
	if (self.peer <= 0) {
		snprintf(why, len, "its veth peer cannot be found");
		return 0;
	}
	err = link_facts_get(self.peer, self.peer_nsid, &peer);
	if (err) {
		snprintf(why, len, "cannot read its veth peer (ifindex %d, netns id %d): %s",
			 self.peer, self.peer_nsid, strerror(-err));
		return err;
	}
	if (peer.xdp_attached == XDP_ATTACHED_DRV ||
	    (peer.xdp_attached == XDP_ATTACHED_MULTI && peer.xdp_drv_prog))
		return 1;
	snprintf(why, len, "its veth peer (ifindex %d%s) runs no native XDP program, and a veth "
		 "drops XDP_TX frames for a peer without one", self.peer,
		 self.peer_nsid >= 0 ? " in another namespace" : "");
	return 0;
}

/* The interface's entry in enf_dns_xdp: set (on) or removed. An entry
 * left by a vanished interface is harmless: enf_xdp_dns is reached only
 * from our XDP program on that ifindex, and attaching there sets or
 * clears it again. */
static int set_dns_xdp(struct enf_state *st, uint32_t ifindex, bool on)
{
	uint32_t one = 1;

	if (on ? bpf_map_update_elem(st->dns_xdp_fd, &ifindex, &one, BPF_ANY)
	       : bpf_map_delete_elem(st->dns_xdp_fd, &ifindex) && errno != ENOENT)
		return -errno;
	return 0;
}

/* --dns-xdp asked for on `ifname`: whether it can be had; says why not. */
static bool dns_xdp_possible(const char *ifname, uint32_t ifindex, bool generic)
{
	char why[200];

	if (links_xdp_tx_reaches(ifindex, generic, why, sizeof(why)) > 0)
		return true;
	pr_warn("%s: DNS answers stay in TC, not XDP: %s\n", ifname, why);
	return false;
}

int links_set_dns_xdp(struct enf_state *st, const char *ifname, uint32_t ifindex,
		      enum link_kind kind, bool on)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	if (kind == LINK_L3) {
		/* no Ethernet header to answer with: no DNS answers at all */
		if (on)
			pr_warn("%s: a layer-3 link: its DNS queries go to the resolver, not "
				"answered in XDP or TC\n", ifname);
		return 0;
	}
	if (on) {
		err = bpf_xdp_query((int)ifindex, 0, &q);
		if (err) {
			pr_warn("%s: DNS answers stay in TC, not XDP: cannot read its XDP mode: %s\n",
				ifname, strerror(-err));
			on = false;
		} else {
			on = dns_xdp_possible(ifname, ifindex, q.attach_mode == XDP_ATTACHED_SKB);
		}
	}
	err = set_dns_xdp(st, ifindex, on);
	if (err)
		pr_err("cannot %s DNS answers in XDP on %s: %s\n", on ? "turn on" : "turn off",
		       ifname, strerror(-err));
	return err;
}

bool links_dns_xdp(const struct enf_state *st, uint32_t ifindex)
{
	uint32_t v;

	return st->dns_xdp_fd >= 0 && !bpf_map_lookup_elem(st->dns_xdp_fd, &ifindex, &v);
}

int links_attach(struct enf_state *st, const char *ifname, bool generic, bool dns_xdp)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	char path[PATH_MAX];
	struct enf_policy pol = {};
	int fd, err, arphrd = 0, xdp_fd, egress_fd;
	enum link_kind kind;
	struct enf_active act;
	uint32_t ifindex;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		err = -errno;
		pr_err("unknown interface '%s': %s\n", ifname, strerror(-err));
		return err;
	}
	/* The programs must read the packets: an Ethernet header first, or
	 * (layer-3 links) the IP header first. */
	err = links_kind(ifname, &kind, &arphrd);
	if (err) {
		pr_err("cannot read the link type of %s: %s\n", ifname, strerror(-err));
		return err;
	}
	if (kind == LINK_UNSUPPORTED) {
		pr_err("cannot enforce on %s: its link type (ARPHRD %d) carries neither an "
		       "Ethernet nor a bare IP header, so the programs could not read its packets; "
		       "not attached\n", ifname, arphrd);
		return -EPROTONOSUPPORT;
	}
	xdp_fd = kind == LINK_L3 ? st->l3_prog_fd : st->prog_fd;
	egress_fd = kind == LINK_L3 ? st->l3_egress_fd : st->egress_fd;
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
			err = links_set_dns_xdp(st, ifname, ifindex, kind, dns_xdp);
			return err ? err : -EALREADY;
		}
		/* The interface went away (and maybe came back): the old link
		 * is defunct. Forget it and attach afresh. */
		unlink(path);
	}

	opts.flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(xdp_fd, ifindex, BPF_XDP, &opts);
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
	/* DNS answers are built as Ethernet frames: a layer-3 link's queries
	 * go to the resolver as they are */
	err = links_set_dns_xdp(st, ifname, ifindex, kind, dns_xdp);
	if (!err && kind != LINK_L3)
		err = tc_attach(st, TC_DNS, st->dns_prog_fd, ifname, ifindex);
	if (!err) {
		err = tc_attach(st, TC_EGRESS, egress_fd, ifname, ifindex);
		if (err && kind != LINK_L3)
			tc_detach(st, TC_DNS, ifname, ifindex);
	}
	if (err) {
		/* all or nothing: take the XDP link away again */
		if (kind != LINK_L3)
			set_dns_xdp(st, ifindex, false);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
		unlink(path);
		return err;
	}
	if (!state_active(st, &act, &pol))
		set_active_role(st, ifindex, state_role_for(&pol, ifname));
	return 0;
}

int links_detach(struct enf_state *st, const char *ifname)
{
	struct link_info li = {};
	char path[PATH_MAX];
	bool tcx;
	int fd, err;

	err = link_path(path, sizeof(path), st->pin_dir, ifname);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	read_link(fd, &li);
	/* A tcx link on either hook means this kernel has tcx, so neither
	 * has a cls_bpf filter (a layer-3 link has no DNS hook at all); the
	 * filter is only asked for without them: the kernel reports a missing
	 * clsact qdisc as an error, which a quiet detach must not print. */
	tcx = tc_detach_tcx(st, TC_DNS, ifname);
	tcx |= tc_detach_tcx(st, TC_EGRESS, ifname);
	if (!tcx && li.iface.ifindex) {
		tc_detach_cls_bpf(TC_DNS, li.iface.ifindex);
		tc_detach_cls_bpf(TC_EGRESS, li.iface.ifindex);
	}
	/* Detach explicitly: someone else may hold an fd to the link. A
	 * defunct link (interface gone) reports an error we do not care for. */
	bpf_link_detach(fd);
	close(fd);
	if (unlink(path)) {
		err = -errno;
		pr_err("cannot unpin link %s: %s\n", path, strerror(-err));
		return err;
	}
	if (li.iface.ifindex) {
		set_active_role(st, li.iface.ifindex, -1);
		set_dns_xdp(st, li.iface.ifindex, false);
	}
	return 0;
}

/* Every pin an interface has: its XDP link, and its tcx links where the
 * kernel has tcx (tc_hooks[].subdir). */
static const char *const pin_subdirs[] = { "links", "tc", "tc-egress" };

int links_rename(struct enf_state *st, const char *from, const char *to, uint32_t ifindex)
{
	struct enf_policy pol = {};
	struct enf_active act;
	char old[PATH_MAX], new[PATH_MAX];
	size_t i;
	int fd, err;

	/* the links are the same objects on the same device: only their pins
	 * carry the name, so they are re-pinned, never detached */
	for (i = 0; i < sizeof(pin_subdirs) / sizeof(pin_subdirs[0]); i++) {
		if (pin_sub_path(old, sizeof(old), st->pin_dir, pin_subdirs[i], from) ||
		    pin_sub_path(new, sizeof(new), st->pin_dir, pin_subdirs[i], to))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(old);
		if (fd < 0)
			continue;	/* no tcx link there (cls_bpf, or a layer-3 link) */
		/* never over another pin: it may hold another interface's
		 * live link (two names swapped); the caller moves through a
		 * temporary name */
		err = bpf_obj_pin(fd, new) ? -errno : 0;
		close(fd);
		if (err) {
			pr_err("cannot pin %s: %s\n", new, strerror(-err));
			return err;
		}
		unlink(old);
	}
	if (ifindex && !state_active(st, &act, &pol))
		set_active_role(st, ifindex, state_role_for(&pol, to));
	return 0;
}

int links_forget(struct enf_state *st, const char *ifname)
{
	char path[PATH_MAX];
	size_t i;
	int fd;

	/* through the links themselves, wherever their device is now: no
	 * ifindex of this namespace is touched, it may be another device's */
	for (i = 0; i < sizeof(pin_subdirs) / sizeof(pin_subdirs[0]); i++) {
		if (pin_sub_path(path, sizeof(path), st->pin_dir, pin_subdirs[i], ifname))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		bpf_link_detach(fd);
		close(fd);
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	return 0;
}
