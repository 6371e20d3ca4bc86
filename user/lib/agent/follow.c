// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The node's links, followed through libnl's route/link cache manager: a
 * netlink notification updates the cache and marks it dirty, and one
 * reconcile pass then compares three things:
 *
 *   the links of this network namespace (the cache),
 *   the links the enforcer has pinned (links_list),
 *   the interface rules of the policy in force (names and globs),
 *
 * and attaches what matches and lacks its programs, re-pins what was
 * renamed, and forgets what went away (deleted, or moved to another
 * namespace: a pod's veth going with its pod is normal, not a fault).
 * The pass is idempotent, so it also runs periodically, which covers a
 * notification lost to a full socket buffer.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <bpf/libbpf.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "agent.h"
#include "events.h"
#include "links.h"
#include "log.h"
#include "names.h"

#define MAX_FAILED	64

void *agent_netlink_tag(void);

struct node_link {
	char name[IF_NAMESIZE];
	uint32_t ifindex;
};

struct follow {
	struct nl_cache_mngr *mngr;
	struct nl_cache *cache;
	bool dirty;
	bool adopted;		/* the first pass has reported the pinned links */
	uint32_t count;
	/* links whose attach failed: not retried until they change (a new
	 * ifindex or name) or a new generation comes, so that one bad link
	 * does not log every pass */
	struct node_link failed[MAX_FAILED];
	size_t nfailed;
};

static void link_changed(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct agent *a = arg;

	(void)cache;
	(void)obj;
	(void)action;
	a->follow->dirty = true;
}

static int follow_open(struct agent *a)
{
	struct follow *f = a->follow;
	int err;

	err = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE, &f->mngr);
	if (!err)
		err = nl_cache_mngr_add(f->mngr, "route/link", link_changed, a, &f->cache);
	if (err) {
		pr_err("daemon: cannot follow the node's links (netlink): %s\n", nl_geterror(err));
		return -EIO;
	}
	err = agent_watch_fd(a, nl_cache_mngr_get_fd(f->mngr), EPOLLIN, agent_netlink_tag());
	if (err)
		pr_err("daemon: cannot poll netlink: %s\n", strerror(-err));
	f->dirty = true;
	return err;
}

int follow_init(struct agent *a)
{
	a->follow = calloc(1, sizeof(*a->follow));
	return a->follow ? follow_open(a) : -ENOMEM;
}

void follow_free(struct agent *a)
{
	struct follow *f = a->follow;

	if (!f)
		return;
	if (f->mngr)
		nl_cache_mngr_free(f->mngr);	/* frees the cache too */
	free(f);
	a->follow = NULL;
}

uint32_t follow_count(struct agent *a)
{
	return a->follow ? a->follow->count : 0;
}

void follow_ready(struct agent *a)
{
	struct follow *f = a->follow;
	int err = nl_cache_mngr_data_ready(f->mngr);

	if (err < 0) {
		/* lost messages (ENOBUFS): the cache may be stale; start over
		 * with a fresh one, filled from a dump */
		pr_warn("daemon: netlink: %s; re-reading the links\n", nl_geterror(err));
		agent_unwatch_fd(a, nl_cache_mngr_get_fd(f->mngr));
		nl_cache_mngr_free(f->mngr);
		f->mngr = NULL;
		f->cache = NULL;
		if (follow_open(a)) {
			a->fatal = true;	/* a DaemonSet restarts the agent */
			return;
		}
	}
	if (f->dirty)
		follow_reconcile(a);
}

struct snapshot {
	struct node_link *v;
	size_t n, cap;
};

static void collect(struct nl_object *obj, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)obj;
	struct snapshot *s = arg;
	const char *name = rtnl_link_get_name(l);

	if (!name || strlen(name) >= IF_NAMESIZE)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct node_link *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	memcpy(s->v[s->n].name, name, strlen(name) + 1);
	s->v[s->n].ifindex = (uint32_t)rtnl_link_get_ifindex(l);
	s->n++;
}

static bool failed_before(const struct follow *f, const struct node_link *l)
{
	size_t i;

	for (i = 0; i < f->nfailed; i++)
		if (f->failed[i].ifindex == l->ifindex && !strcmp(f->failed[i].name, l->name))
			return true;
	return false;
}

/* A pinned link holds the interface (under this name or, while a rename is
 * being followed, another). */
static bool pinned_ok(const struct link_info *pinned, size_t n, const struct node_link *l)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pinned[i].iface.ifindex == l->ifindex)
			return true;
	return false;
}

static void enforce(struct agent *a, const struct enf_policy *pol, const struct node_link *l)
{
	enum link_kind kind = LINK_ETHERNET;
	int err;

	/* the cache may be a message behind: a link being deleted (or
	 * renamed) is left to the event that says so */
	if (if_nametoindex(l->name) != l->ifindex)
		return;
	err = links_attach(&a->st, l->name, a->opts.generic, a->opts.dns_xdp);
	if (err == -EALREADY || (err == -ENODEV && if_nametoindex(l->name) != l->ifindex))
		return;
	if (err) {
		EV("link_failed", EV_S("iface", l->name), EV_U("ifindex", l->ifindex),
		   EV_S("error", strerror(-err)));
		if (a->follow->nfailed < MAX_FAILED)
			a->follow->failed[a->follow->nfailed++] = *l;
		return;
	}
	links_kind(l->name, &kind, NULL);
	EV("link_enforced", EV_S("iface", l->name),
	   EV_S("role", enf_role_name(state_role_for(pol, l->name))), EV_U("ifindex", l->ifindex),
	   EV_S("xdp", a->opts.generic ? "generic" : "native"), EV_S("type", links_kind_name(kind)));
}

/* Whether the XDP program on ifindex `ifindex` of this namespace is the one
 * the pinned link runs: a link's ifindex is its device's in whatever
 * namespace the device is now, so the same number here can be another
 * device. */
static bool runs_here(const struct link_info *li)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)li->iface.ifindex, 0, &q))
		return false;
	return q.prog_id == li->prog_id || q.drv_prog_id == li->prog_id ||
	       q.skb_prog_id == li->prog_id;
}

/*
 * Where each pinned link is now: `now` gets the name its interface has in
 * this namespace, or "" when it is on none here (deleted, or moved away).
 * Returns -errno when the kernel cannot be asked (then nothing is decided).
 */
static int locate(struct link_info *pinned, size_t n, char (*now)[IF_NAMESIZE])
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		now[i][0] = '\0';
		if (!pinned[i].iface.ifindex)
			continue;	/* defunct: the interface was deleted */
		if (!if_indextoname(pinned[i].iface.ifindex, now[i])) {
			if (errno != ENXIO && errno != ENODEV)
				return -errno;
			now[i][0] = '\0';
			continue;
		}
		if (!runs_here(&pinned[i]))
			now[i][0] = '\0';
	}
	/* two links on one ifindex: only the one pinned under the name the
	 * interface has can be ours here (or the one renamed, if neither) */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (now[i][0] && now[j][0] &&
			    pinned[i].iface.ifindex == pinned[j].iface.ifindex) {
				size_t drop = strcmp(now[j], pinned[j].iface.name) ? j : i;

				now[drop][0] = '\0';
			}
	return 0;
}

void follow_reconcile(struct agent *a)
{
	struct follow *f = a->follow;
	struct snapshot s = {};
	struct link_info *pinned = NULL;
	char (*now)[IF_NAMESIZE] = NULL, (*was)[32] = NULL;
	struct enf_policy pol = {};
	struct enf_active act;
	size_t npinned = 0, i;
	int err;

	if (!f || !f->cache)
		return;
	f->dirty = false;
	if (state_active(&a->st, &act, &pol) || state_lock(&a->st))
		return;
	nl_cache_foreach(f->cache, collect, &s);
	if (links_list(a->st.pin_dir, &pinned, &npinned))
		goto out;
	now = calloc(npinned ? npinned : 1, sizeof(*now));
	was = calloc(npinned ? npinned : 1, sizeof(*was));
	if (!now || !was)
		goto out;
	for (i = 0; i < npinned; i++)
		snprintf(was[i], sizeof(was[i]), "%s", pinned[i].iface.name);
	/* the kernel says where a link is; the cache only says that
	 * something changed, and can be a message behind */
	err = locate(pinned, npinned, now);
	if (err) {
		pr_warn("daemon: cannot read the node's interfaces: %s; links unchanged\n",
			strerror(-err));
		goto out;
	}

	/* gone (deleted, or moved to another namespace) */
	for (i = 0; i < npinned; i++) {
		if (now[i][0])
			continue;
		links_forget(&a->st, pinned[i].iface.name);
		EV("link_gone", EV_S("iface", pinned[i].iface.name));
		pinned[i].iface.ifindex = 0;
	}
	/* renamed: through a temporary name first, so that two interfaces
	 * trading names never have a pin overwritten */
	for (i = 0; i < npinned; i++) {
		struct link_info *li = &pinned[i];
		char tmp[32];

		if (!li->iface.ifindex || !strcmp(now[i], li->iface.name))
			continue;
		if (state_rule_for(&pol, now[i]) < 0 && state_rule_for(&pol, li->iface.name) >= 0) {
			/* renamed out of the manifest's interfaces */
			links_detach(&a->st, li->iface.name);
			EV("link_released", EV_S("iface", li->iface.name), EV_S("renamed_to", now[i]));
			li->iface.ifindex = 0;
			continue;
		}
		/* ':' is in no interface name (and bpffs takes no '.') */
		snprintf(tmp, sizeof(tmp), ":rename-%u", li->iface.ifindex);
		if (links_rename(&a->st, li->iface.name, tmp, 0)) {
			now[i][0] = '\0';	/* left as it is; the next pass tries again */
			continue;
		}
		memcpy(li->iface.name, tmp, strlen(tmp) + 1);
	}
	for (i = 0; i < npinned; i++) {
		struct link_info *li = &pinned[i];

		if (!li->iface.ifindex || strncmp(li->iface.name, ":rename-", 8))
			continue;
		err = links_rename(&a->st, li->iface.name, now[i], li->iface.ifindex);
		if (err) {
			EV("link_failed", EV_S("iface", now[i]), EV_U("ifindex", li->iface.ifindex),
			   EV_S("error", strerror(-err)));
			continue;
		}
		EV("link_renamed", EV_S("from", was[i]), EV_S("to", now[i]),
		   EV_U("ifindex", li->iface.ifindex),
		   EV_S("role", enf_role_name(state_role_for(&pol, now[i]))));
		memcpy(li->iface.name, now[i], sizeof(now[i]));
	}
	if (!f->adopted)
		for (i = 0; i < npinned; i++) {
			enum link_kind kind;

			if (!pinned[i].iface.ifindex)
				continue;
			EV("link_adopted", EV_S("iface", pinned[i].iface.name),
			   EV_S("role", enf_role_name(state_role_for(&pol, pinned[i].iface.name))),
			   EV_U("link_id", pinned[i].link_id));
			/* DNS in XDP as this daemon's options say, on the links
			 * an earlier run (or `attach`) made too */
			if (runs_here(&pinned[i]) &&
			    !links_kind(pinned[i].iface.name, &kind, NULL))
				links_set_dns_xdp(&a->st, pinned[i].iface.name,
						  pinned[i].iface.ifindex, kind, a->opts.dns_xdp);
		}
	f->adopted = true;

	/* what matches and lacks its programs */
	for (i = 0; i < s.n; i++) {
		if (state_rule_for(&pol, s.v[i].name) < 0 || pinned_ok(pinned, npinned, &s.v[i]))
			continue;
		if (failed_before(f, &s.v[i]))
			continue;
		enforce(a, &pol, &s.v[i]);
	}
	free(pinned);
	pinned = NULL;
	if (!links_list(a->st.pin_dir, &pinned, &npinned))
		f->count = (uint32_t)npinned;
out:
	state_unlock(&a->st);
	free(now);
	free(was);
	free(pinned);
	free(s.v);
}

void follow_retry_failed(struct agent *a)
{
	if (a->follow)
		a->follow->nfailed = 0;
}
