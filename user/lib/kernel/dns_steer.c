// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy routing that lets the TC program steer TCP/53 to a resolver
 * address the node does not own (a ClusterIP, say) to the stream server.
 *
 * A segment with a socket assigned (bpf_sk_assign) must be delivered
 * locally: ip_forward drops it. For each family one rule and one route, in
 * the same shape as TPROXY's:
 *
 *   pref 53: fwmark MARK/MARK ipproto tcp lookup 5353
 *   table 5353: local default dev lo
 *
 * The program marks only the segments it steered, and only while the mark
 * is in enf_dns_steer: it is written there after the rules are in place
 * and cleared before they go. The rule matches TCP with every bit of MARK
 * set, so another component's marks can reach it only on TCP segments
 * that carry all of them. No port: the routing decision comes after a
 * DNAT (kube-proxy's), which may have changed port 53 to the resolver
 * pod's (5353, say), and a steered segment that is not delivered here is
 * dropped. Rules and routes are replaced, not stacked: a
 * server killed before it could remove them leaves them for the next one.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "dns_serve.h"
#include "log.h"

static struct rtnl_rule *steer_rule(int family, uint32_t mark)
{
	struct rtnl_rule *r = rtnl_rule_alloc();

	if (!r)
		return NULL;
	rtnl_rule_set_family(r, family);
	rtnl_rule_set_prio(r, ENF_DNS_STEER_PREF);
	rtnl_rule_set_mark(r, mark);
	rtnl_rule_set_mask(r, mark);
	rtnl_rule_set_table(r, ENF_DNS_STEER_TABLE);
	rtnl_rule_set_action(r, FR_ACT_TO_TBL);
	if (rtnl_rule_set_ipproto(r, IPPROTO_TCP)) {
		rtnl_rule_put(r);
		return NULL;
	}
	return r;
}

static struct rtnl_route *steer_route(int family)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	uint8_t any[16] = { 0 };
	struct nl_addr *dst = nl_addr_build(family, any, family == AF_INET ? 4 : 16);
	int lo = (int)if_nametoindex("lo");

	if (!rt || !nh || !dst || !lo) {
		if (rt)
			rtnl_route_put(rt);
		if (nh)
			rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		return NULL;
	}
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(rt, family);
	rtnl_route_set_table(rt, ENF_DNS_STEER_TABLE);
	rtnl_route_set_type(rt, RTN_LOCAL);
	rtnl_route_set_scope(rt, RT_SCOPE_HOST);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_dst(rt, dst);
	nl_addr_put(dst);
	rtnl_route_nh_set_ifindex(nh, lo);
	rtnl_route_add_nexthop(rt, nh);	/* the route owns it now */
	return rt;
}

/* IPv6 on this node at all? Without it no IPv6 segment arrives to be
 * steered, and its rule and route cannot be added: IPv4 alone. */
static int ipv6_usable(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return !dns_sysctl_int("net/ipv6/conf/all/disable_ipv6", 0);
}

/* Adds (add = 1) or removes the rule and route of each family. Removing
 * is best effort; adding stops at the first failure, with what it added
 * removed again. 0 or a negative errno. */
static int steer_routing(uint32_t mark, int add, int *nl_err)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct nl_sock *sk = nl_socket_alloc();
	int err = 0, i, n = ipv6_usable() ? 2 : 1;

	if (!sk) {
		if (nl_err)
			*nl_err = -NLE_NOMEM;
		return -EIO;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	for (i = 0; !err && i < n; i++) {
		struct rtnl_route *rt = steer_route(families[i]);
		struct rtnl_rule *r = steer_rule(families[i], mark);

		if (!rt || !r) {
			err = -NLE_NOMEM;
		} else if (add) {
			/* an earlier server's rule, if one is left: one rule, not two */
			rtnl_rule_delete(sk, r, 0);
			err = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_REPLACE);
			if (!err)
				err = rtnl_rule_add(sk, r, NLM_F_CREATE);
		} else {
			rtnl_rule_delete(sk, r, 0);
			rtnl_route_delete(sk, rt, 0);
		}
		if (rt)
			rtnl_route_put(rt);
		if (r)
			rtnl_rule_put(r);
	}
	nl_socket_free(sk);
	if (err && add)
		steer_routing(mark, 0, NULL);
	if (nl_err)
		*nl_err = err;
	return err ? -EIO : 0;
}

int dns_steer_route_add(uint32_t mark)
{
	int nl_err = 0, err = steer_routing(mark, 1, &nl_err);

	if (err)
		pr_warn("dns serve: cannot add the policy routing for steered TCP/53 (fwmark "
			"0x%x, table %u): %s\n", mark, ENF_DNS_STEER_TABLE, nl_geterror(nl_err));
	return err;
}

void dns_steer_route_del(uint32_t mark)
{
	steer_routing(mark, 0, NULL);
}
