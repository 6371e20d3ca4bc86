/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * XDP attachments: one bpf_link per interface, pinned as
 * <pin dir>/links/<ifname> so it outlives the process that made it.
 */
#ifndef ENFORCER_LINKS_H
#define ENFORCER_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* What the programs can read on a link (its ARPHRD type): an Ethernet
 * header first, or the IP header first (tun, WireGuard, ppp, ipip, sit,
 * gre: "layer-3" links), or neither. */
enum link_kind {
	LINK_ETHERNET,
	LINK_L3,
	LINK_UNSUPPORTED,
};

/* The kind of link `ifname` is, from its hardware type (*arphrd, when
 * asked); -errno when it cannot be read. */
int links_kind(const char *ifname, enum link_kind *kind, int *arphrd);
const char *links_kind_name(enum link_kind kind);

struct link_info {
	struct enf_iface iface;	/* name = pin name; ifindex 0 = interface gone */
	uint32_t link_id;
	uint32_t prog_id;
};

/* Pinned links of the pin dir (sorted by name). Caller frees *out. */
int links_list(const char *pin_dir, struct link_info **out, size_t *n);

/* Attach the state's programs to `ifname`: XDP (native unless `generic`),
 * the DNS program on TC ingress and the flow recorder on TC egress; pin the
 * links; give the interface its role in the active slot. All or nothing.
 * A layer-3 link gets the layer-3 variants of XDP and egress and no DNS
 * program; a link of any other kind is refused (-EPROTONOSUPPORT).
 * `dns_xdp`: answer the interface's DNS queries in XDP, with XDP_TX (the
 * TC program still answers what XDP has no room for): see
 * links_set_dns_xdp. On an interface already attached only that mode is
 * set (or cleared), and -EALREADY returned. */
int links_attach(struct enf_state *st, const char *ifname, bool generic, bool dns_xdp);

/* Whether an XDP_TX frame from `ifindex` reaches the other end of its
 * wire: always in generic mode and on drivers with native XDP, but a veth
 * drops it unless its peer runs an XDP program. 1 yes, 0 no (`why` says
 * why), -errno when it cannot be told (`why` says that too). */
int links_xdp_tx_reaches(uint32_t ifindex, bool generic, char *why, size_t len);

/* Sets (on) or clears the interface's DNS answers in XDP (attach --dns-xdp,
 * and the daemon's links, adopted ones too). Where XDP_TX would not reach
 * the sender (links_xdp_tx_reaches, by the link's XDP mode now), or on a
 * layer-3 link, a warning says so and it stays off: never an error. 0, or
 * -errno when the map cannot be written. */
int links_set_dns_xdp(struct enf_state *st, const char *ifname, uint32_t ifindex,
		      enum link_kind kind, bool on);

/* Whether `ifindex`'s DNS queries are answered in XDP (attach --dns-xdp).
 * links_attach sets or clears it, also on an interface already attached
 * (-EALREADY); detach clears it. */
bool links_dns_xdp(const struct enf_state *st, uint32_t ifindex);

/* How the DNS program is hooked on an interface: "tcx", "cls_bpf" or "none". */
const char *links_dns_mode(const char *pin_dir, const char *ifname, uint32_t ifindex);
/* The same for the TC egress flow recorder. */
const char *links_egress_mode(const char *pin_dir, const char *ifname, uint32_t ifindex);

/* The interface `from` (ifindex) is now called `to`: move its pins and give
 * it the role of its new name (ifindex 0: a move to a temporary name, no
 * role); enforcement continues throughout. -EEXIST when `to` is pinned. */
int links_rename(struct enf_state *st, const char *from, const char *to, uint32_t ifindex);

/* The links pinned as `ifname` are on no interface of this namespace (it
 * was deleted, or moved to another namespace): detach them through their
 * own fds and unpin them, touching no interface here. */
int links_forget(struct enf_state *st, const char *ifname);

/* Detach and unpin the link of `ifname`; -ENOENT when none is pinned. */
int links_detach(struct enf_state *st, const char *ifname);

#endif /* ENFORCER_LINKS_H */
