// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reference model of the XDP enforcement verdict; see model.h.
 *
 * The contract (section 4), for a packet from S to D on an interface:
 *   1. D no instance, VIP or frontend address -> pass (not our business),
 *      except 2. A frontend is judged like the service behind it.
 *   2. public interface and S a private source -> drop (spoofed).
 *   3. D belongs to service X of network N:
 *      a. S admitted to N -> pass;
 *      b. TCP/UDP/SCTP to a public port of X, no trusted ranges or S in
 *         them -> pass;
 *      c. a reply to a flow an instance of N opened to S -> pass;
 *      d. an ICMP error quoting a passed flow -> pass;
 *      e. otherwise drop.
 *   4. What cannot be read (truncated headers, a later fragment not tied to
 *      a passed first fragment, an extension chain longer than walked, an
 *      unknown protocol), to an enforced destination from a non-admitted
 *      source -> drop. VLAN tags are walked. Fragments of a passed first
 *      fragment pass.
 *
 * Choices the contract leaves open, taken as the program documents them:
 *   - frames shorter than Ethernet, and IPv4/IPv6 headers that are
 *     truncated or invalid (version, IHL < 5, IHL beyond the frame) are
 *     dropped as malformed whatever the addresses (they are unknown);
 *     non-IP frames pass (pass_not_ip);
 *   - at most 2 VLAN tags (802.1Q or 802.1ad, in any order); a third is
 *     drop_hdr_chain; at most 8 IPv6 extension headers (hop-by-hop,
 *     routing, fragment, AH, destination options); a 9th is
 *     drop_hdr_chain; an extension header whose first 8 bytes are cut is
 *     truncated (drop_malformed);
 *   - IPv4 total length and IPv6 payload length are not consulted: the
 *     headers are read from the frame as it is;
 *   - a transport header is read when it is whole in the frame: TCP 20
 *     bytes (a tiny first fragment is malformed), UDP 8, SCTP 12, ICMP and
 *     ICMPv6 8; other protocols need nothing;
 *   - protocol numbers 1 (ICMP) and 58 (ICMPv6) are read as ICMP in both
 *     IPv4 and IPv6 (echo, errors, echo flows);
 *   - ICMPv6 types 133-137 with hop limit 255 (neighbour discovery) pass
 *     (pass_ndp) when they cannot be forwarded: source link-local or
 *     unspecified, or destination link-local or multicast; after rule 2 and
 *     before rule 1, also when fragmented; their later fragments are not
 *     tied to them;
 *   - rule 2 applies to every destination, owned or not; "private" means
 *     in `private`, in any network's cidrs or peers, or an instance address;
 *   - a frontend address is ours only for TCP/UDP/SCTP to a listed
 *     (port, protocol): other protocols and ports there pass as not owned;
 *     a truncated transport header or an over-long extension chain there
 *     is dropped (malformed / hdr_chain) even from admitted sources;
 *   - a frontend of a public service is a public port of it (the app's
 *     trusted ranges apply); a frontend of an internal service admits only
 *     sources admitted to its network;
 *   - an address shared by several services (of one network) belongs to
 *     the first in manifest order; its public ports are the union, each
 *     judged by the first service that declares it;
 *   - flows: TC egress records (instance or VIP address, remote, ports,
 *     protocol) for TCP/UDP/SCTP with a whole header and ICMP echo requests
 *     (identifier as the local port), unless the remote would be admitted
 *     to the instance's network; FIN or RST (either direction, on a reply
 *     that passed) makes a TCP flow closing, a SYN on egress opens it
 *     again; SCTP uses the TCP timeouts; replies refresh flows;
 *   - ICMP errors: ICMP types 3, 11, 12 and ICMPv6 types 1-4 (so parameter
 *     problem too). The quote (from 8 bytes after the ICMP header) is read
 *     like a packet from its IP header (options and extension headers
 *     walked; 8 transport bytes are a whole header there); it must be of the
 *     error's family, its source must be the destination of the error; it
 *     passes when it belongs to a live flow, or (TCP/UDP/SCTP) left from a
 *     public port of that address and, if the app has trusted ranges, went
 *     to a trusted address;
 *   - an echo reply without a flow, and every other ICMP type, is
 *     drop_not_admitted; a tunnel protocol (4, 41, 143, GRE) to a service
 *     address from a source not admitted is drop_tunnel;
 *   - rule 5 (tunnels): what is a tunnel, and how deep, as find_inner() and
 *     follow() say; an outer source's standing carries inwards; SRv6 with
 *     segments left is judged by the next segment where the destination is
 *     no service's; IPv4 LSRR/SSRR, RPL routes and more than 12 IPv4
 *     options are not followed; rule 2 comes before neighbour discovery;
 *   - at a frontend address, a later fragment without a passed first
 *     fragment passes as not owned (the node reassembles there);
 *   - fragments: keyed (source, destination, identification, protocol); a
 *     first fragment is offset 0 with more-fragments set; later fragments
 *     pass while a first fragment with their key passed less than
 *     `flows.fragments` seconds ago (it is remembered again each time it
 *     passes). First fragments that passed as ICMP errors or NDP are not
 *     remembered;
 *   - mode audit: every drop passes, with its reason and the audit flag.
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

/* ------------------------------------------------------------------ */
/* Addresses and the policy, read from the manifest                    */

static bool addr_eq(const struct enf_addr *a, const struct enf_addr *b)
{
	size_t n = a->family == ENF_AF_INET ? 4 : 16;

	return a->family == b->family && !memcmp(a->addr, b->addr, n);
}

static bool cidr_has(const struct mf_cidr *c, const struct enf_addr *a, int64_t wall)
{
	unsigned int full = c->plen / 8, rem = c->plen % 8;

	if (c->expires && c->expires <= wall)
		return false;			/* expired: admits nothing */
	if (c->addr.family != a->family)
		return false;
	if (memcmp(c->addr.addr, a->addr, full))
		return false;
	return !rem || !((c->addr.addr[full] ^ a->addr[full]) & (0xff << (8 - rem)));
}

static bool in_list(const struct mf_cidr_list *l, const struct enf_addr *a, int64_t wall)
{
	for (size_t i = 0; i < l->n; i++)
		if (cidr_has(&l->v[i], a, wall))
			return true;
	return false;
}

/* Every service of the manifest in order: for (FOR_EACH_SVC(m, x)) */
#define FOR_EACH_SVC(m, x) const struct model_svc *x = (m)->svcs; x < (m)->svcs + (m)->nsvcs; x++

static bool svc_has_addr(const struct mf_service *s, const struct enf_addr *a)
{
	for (size_t i = 0; i < s->ninstances; i++)
		if (addr_eq(&s->instances[i].addr, a))
			return true;
	return s->has_vip && addr_eq(&s->vip, a);
}

static bool svc_has_instance(const struct mf_service *s, const struct enf_addr *a)
{
	for (size_t i = 0; i < s->ninstances; i++)
		if (addr_eq(&s->instances[i].addr, a))
			return true;
	return false;
}

static bool svc_public_port(const struct mf_service *s, uint16_t port, uint8_t proto)
{
	if (!s->is_public)
		return false;
	for (size_t i = 0; i < s->nports; i++)
		if (s->ports[i].port == port && s->ports[i].proto == proto)
			return true;
	return false;
}

/* The service an instance or VIP address belongs to (the first one). */
static const struct model_svc *owner_of(const struct model *m, const struct enf_addr *a)
{
	for (FOR_EACH_SVC(m, x))
		if (svc_has_addr(x->svc, a))
			return x;
	return NULL;
}

static bool is_frontend_addr(const struct model *m, const struct enf_addr *a)
{
	for (FOR_EACH_SVC(m, x))
		for (size_t i = 0; i < x->svc->nfrontends; i++)
			if (addr_eq(&x->svc->frontends[i].addr, a))
				return true;
	return false;
}

static const struct model_svc *frontend_of(const struct model *m, const struct enf_addr *a,
					   uint16_t port, uint8_t proto)
{
	for (FOR_EACH_SVC(m, x))
		for (size_t i = 0; i < x->svc->nfrontends; i++) {
			const struct mf_frontend *f = &x->svc->frontends[i];

			if (addr_eq(&f->addr, a) && f->port == port && f->proto == proto)
				return x;
		}
	return NULL;
}

/* The first service at address `a` that declares (port, proto) public. */
static const struct model_svc *public_port_of(const struct model *m, const struct enf_addr *a,
					      uint16_t port, uint8_t proto)
{
	for (FOR_EACH_SVC(m, x))
		if (svc_has_addr(x->svc, a) && svc_public_port(x->svc, port, proto))
			return x;
	return NULL;
}

static bool is_instance_in(const struct model *m, const struct enf_addr *a, size_t net)
{
	for (FOR_EACH_SVC(m, x))
		if (x->net == net && svc_has_instance(x->svc, a))
			return true;
	return false;
}

/* Section 2: private sources are the rack-wide list, every network's cidrs
 * and peers, and (members of their network) the instance addresses. */
static bool is_private(const struct model *m, const struct enf_addr *s)
{
	const struct manifest *mf = m->mf;

	if (in_list(&mf->private_cidrs, s, m->wall))
		return true;
	for (size_t n = 0; n < mf->nnetworks; n++)
		if (in_list(&mf->networks[n].cidrs, s, m->wall) ||
		    in_list(&mf->networks[n].peers, s, m->wall))
			return true;
	for (FOR_EACH_SVC(m, x))
		if (svc_has_instance(x->svc, s))
			return true;
	return false;
}

/* Rule 3a: a rack-private source and N not isolated; or S in N's cidrs,
 * peers or instances. */
static bool admitted_as(const struct model *m, const struct enf_addr *s, size_t net,
			bool isolated)
{
	const struct mf_network *n = &m->mf->networks[net];

	if (!isolated && in_list(&m->mf->private_cidrs, s, m->wall))
		return true;
	return in_list(&n->cidrs, s, m->wall) || in_list(&n->peers, s, m->wall) ||
	       is_instance_in(m, s, net);
}

static bool admitted(const struct model *m, const struct enf_addr *s, size_t net)
{
	return admitted_as(m, s, net, m->mf->networks[net].isolated);
}

/* Rule 3b: the app has no trusted ranges, or S is in them. An app whose
 * every trusted range expired still has trusted ranges: it admits none. */
static bool trusted_ok(const struct model *m, const struct mf_app *app, const struct enf_addr *s)
{
	return !app->trusted.n || in_list(&app->trusted, s, m->wall);
}

/* ------------------------------------------------------------------ */
/* The parser                                                          */

enum { MP_OK, MP_NOT_IP, MP_MALFORMED, MP_VLAN_DEEP };

enum ml4 {
	ML4_PORTS,	/* TCP/UDP/SCTP header whole: ports read */
	ML4_ICMP,	/* ICMP/ICMPv6 header (8 bytes) read */
	ML4_OTHER,	/* another protocol: nothing to read */
	ML4_SHORT,	/* transport or extension header cut short */
	ML4_LATER,	/* a fragment with a non-zero offset */
	ML4_CHAIN,	/* more IPv6 extension headers than walked */
};

struct mpkt {
	struct enf_addr src, dst;
	uint8_t hop_limit;	/* IPv6 */
	uint8_t proto;		/* final protocol (later fragment: the fragment's) */
	enum ml4 l4;
	size_t l4_off;		/* offset of the transport header in the frame */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint16_t icmp_id;
	bool first_frag;	/* offset 0, more fragments */
	uint32_t frag_id;
	uint8_t frag_proto;	/* IPv4: protocol; IPv6: the fragment header's next header */
	/* where the packet goes on to (rule 5 and its cousins) */
	int encap;		/* ENF_ENCAP_*: it carries another packet */
	bool inner_l3;		/* ... starting with its IP header */
	size_t inner_off;	/* ... at this offset; 0: cannot be read */
	bool has_seg;		/* SRv6 with segments left: seg_next is next */
	struct enf_addr seg_next;
	bool reroute;		/* a source route not followed */
};

/* How parse_at() reads: from an Ethernet header or the IP header; an ICMP
 * error's quote (8 transport bytes are a whole header, no tunnels). */
enum { MP_ETH = 0, MP_L3 = 1, MP_QUOTE = 2 };

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool is_icmp_proto(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

static void parse_transport(const uint8_t *b, size_t len, size_t off, int how, struct mpkt *p)
{
	bool quote = how & MP_QUOTE;
	size_t need = 8;	/* UDP, ICMP, ICMPv6; a quote's ports or type */

	p->l4_off = off;
	if (p->proto == IPPROTO_TCP && !quote)
		need = 20;
	else if (p->proto == IPPROTO_SCTP && !quote)
		need = 12;
	else if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_SCTP &&
		 p->proto != IPPROTO_UDP && !is_icmp_proto(p->proto)) {
		p->l4 = ML4_OTHER;
		return;
	}
	if (off > len || len - off < need) {
		p->l4 = ML4_SHORT;
		return;
	}
	if (is_icmp_proto(p->proto)) {
		p->l4 = ML4_ICMP;
		p->icmp_type = b[off];
		p->icmp_id = rd16(b + off + 4);
		return;
	}
	p->l4 = ML4_PORTS;
	p->sport = rd16(b + off);
	p->dport = rd16(b + off + 2);
	if (p->proto == IPPROTO_TCP && len - off >= 14)
		p->tcp_flags = b[off + 13];
}

static bool is_v6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

/* What a tunnel packet carries, and where (contract rule 5): IP in IP
 * (protocols 4, 41; 143 Ethernet), GRE version 0 without routing (IPv4,
 * IPv6, Ethernet after its optional words), and UDP to a `tunnels:` port:
 * VXLAN (8 bytes, Ethernet), Geneve version 0 (8 bytes plus options, then
 * Ethernet, IPv4 or IPv6). */
static void find_inner(const struct manifest *mf, const uint8_t *b, size_t len, struct mpkt *p)
{
	size_t o = p->l4_off;

	if ((p->proto == 4 || p->proto == 41 || p->proto == 143) && p->l4 == ML4_OTHER) {
		p->encap = p->proto == 143 ? ENF_ENCAP_ETH : ENF_ENCAP_IP;
		p->inner_l3 = p->proto != 143;
		p->inner_off = o;
	} else if (p->proto == 47 && p->l4 == ML4_OTHER) {
		uint16_t t;

		p->encap = ENF_ENCAP_GRE;
		if (o > len || len - o < 4 || (b[o + 1] & 7) || (b[o] & 0x40))
			return;
		t = rd16(b + o + 2);
		if (t != 0x0800 && t != 0x86dd && t != 0x6558)
			return;
		p->inner_l3 = t != 0x6558;
		p->inner_off = o + 4 + (b[o] & 0x80 ? 4 : 0) + (b[o] & 0x20 ? 4 : 0) +
			       (b[o] & 0x10 ? 4 : 0);
	} else if (p->proto == IPPROTO_UDP && p->l4 == ML4_PORTS) {
		const uint8_t *h = b + o + 8;
		uint16_t t;
		size_t i;

		for (i = 0; i < mf->ntunnels; i++)
			if (mf->tunnels[i].port == p->dport)
				break;
		if (i == mf->ntunnels)
			return;
		p->encap = mf->tunnels[i].kind;
		if (len - o < 16)
			return;
		if (p->encap == ENF_ENCAP_VXLAN) {
			p->inner_off = o + 16;
			return;
		}
		t = rd16(h + 2);
		if (h[0] >> 6 || (t != 0x0800 && t != 0x86dd && t != 0x6558))
			return;
		p->inner_l3 = t != 0x6558;
		p->inner_off = o + 16 + (size_t)(h[0] & 0x3f) * 4;
	}
}

/* IPv4 options: a source route is not followed, nor is a list longer than
 * 12 options (the program's walk). */
static void ipv4_options(const uint8_t *ip, size_t hlen, size_t room, struct mpkt *p)
{
	size_t o = 20;

	for (int n = 0; n < 12; n++) {
		if (o >= hlen || o + 2 > room)
			return;
		if (ip[o] == 0)
			return;
		if (ip[o] == 131 || ip[o] == 137) {
			p->reroute = true;
			return;
		}
		if (ip[o] == 1) {
			o++;
			continue;
		}
		if (ip[o + 1] < 2)
			return;
		o += ip[o + 1];
	}
	if (o < hlen)
		p->reroute = true;
}

/* The packet at `off` of the frame, read as `how` says. */
static int parse_at(const struct manifest *mf, const uint8_t *b, size_t len, size_t off, int how,
		    struct mpkt *p)
{
	uint16_t type;
	int tags;

	memset(p, 0, sizeof(*p));
	if (off >= len)
		return MP_MALFORMED;
	if (how & MP_L3) {
		if (b[off] >> 4 == 4)
			type = 0x0800;
		else if (b[off] >> 4 == 6)
			type = 0x86dd;
		else
			return MP_MALFORMED;
	} else {
		if (len - off < 14)
			return MP_MALFORMED;
		type = rd16(b + off + 12);
		off += 14;
		for (tags = 0; type == 0x8100 || type == 0x88a8; tags++) {
			if (tags == 2)
				return MP_VLAN_DEEP;
			if (len - off < 4)
				return MP_MALFORMED;
			type = rd16(b + off + 2);
			off += 4;
		}
	}

	if (type == 0x0800) {
		const uint8_t *ip = b + off;
		size_t hlen;

		if (len - off < 20 || ip[0] >> 4 != 4 || (ip[0] & 15) < 5)
			return MP_MALFORMED;
		hlen = (size_t)(ip[0] & 15) * 4;
		if (len - off < hlen)
			return MP_MALFORMED;
		p->src.family = p->dst.family = ENF_AF_INET;
		memcpy(p->src.addr, ip + 12, 4);
		memcpy(p->dst.addr, ip + 16, 4);
		p->proto = p->frag_proto = ip[9];
		p->frag_id = rd16(ip + 4);
		ipv4_options(ip, hlen, len - off, p);
		if (rd16(ip + 6) & 0x1fff) {
			p->l4 = ML4_LATER;
			return MP_OK;
		}
		p->first_frag = rd16(ip + 6) & 0x2000;
		parse_transport(b, len, off + hlen, how, p);
	} else if (type == 0x86dd) {
		const uint8_t *ip = b + off;
		uint8_t nh;
		int n;

		if (len - off < 40 || ip[0] >> 4 != 6)
			return MP_MALFORMED;
		p->src.family = p->dst.family = ENF_AF_INET6;
		memcpy(p->src.addr, ip + 8, 16);
		memcpy(p->dst.addr, ip + 24, 16);
		p->hop_limit = ip[7];
		nh = ip[6];
		off += 40;
		for (n = 0; is_v6_ext(nh); n++) {
			const uint8_t *eh = b + off;

			if (n == ENF_MAX_EXT_HDRS) {
				p->proto = nh;
				p->l4 = ML4_CHAIN;
				return MP_OK;
			}
			if (off > len || len - off < 8) {
				p->proto = nh;
				p->l4 = ML4_SHORT;
				return MP_OK;
			}
			if (nh == 44) {			/* fragment header */
				p->frag_id = rd32(eh + 4);
				p->frag_proto = eh[0];
				if (rd16(eh + 2) & 0xfff8) {
					p->proto = eh[0];
					p->l4 = ML4_LATER;
					return MP_OK;
				}
				p->first_frag = eh[3] & 1;
				off += 8;
			} else if (nh == 51) {		/* AH: length in 4-byte units, minus 2 */
				off += ((size_t)eh[1] + 2) * 4;
			} else {
				size_t hl = ((size_t)eh[1] + 1) * 8, sl = eh[3];

				/* routing: SRv6 goes on to segment [sl - 1];
				 * RPL is not followed */
				if (nh == 43 && sl && eh[2] == 3) {
					p->reroute = true;
				} else if (nh == 43 && sl && eh[2] == 4) {
					if (8 + 16 * sl > hl || len - off < 8 + 16 * sl) {
						p->proto = nh;
						p->l4 = ML4_SHORT;
						return MP_OK;
					}
					p->has_seg = true;
					p->seg_next.family = ENF_AF_INET6;
					memcpy(p->seg_next.addr, eh + 8 + 16 * (sl - 1), 16);
				}
				off += hl;
			}
			nh = eh[0];
		}
		p->proto = nh;
		parse_transport(b, len, off, how, p);
	} else {
		return MP_NOT_IP;
	}
	if (!(how & MP_QUOTE))
		find_inner(mf, b, len, p);
	return MP_OK;
}

/* ------------------------------------------------------------------ */
/* Flow and fragment tables                                            */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t hash_mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 1099511628211ULL;
	return h;
}

static uint64_t hash_addr(uint64_t h, const struct enf_addr *a)
{
	h = hash_mix(h, &a->family, 1);
	return hash_mix(h, a->addr, a->family == ENF_AF_INET ? 4 : 16);
}

static bool flow_key_eq(const struct model_flow *f, const struct model_flow *k)
{
	return addr_eq(&f->local, &k->local) && addr_eq(&f->remote, &k->remote) &&
	       f->lport == k->lport && f->rport == k->rport && f->proto == k->proto;
}

static size_t flow_slot(const struct model_flow *k, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;

	h = hash_addr(h, &k->local);
	h = hash_addr(h, &k->remote);
	h = hash_mix(h, &k->lport, 2);
	h = hash_mix(h, &k->rport, 2);
	h = hash_mix(h, &k->proto, 1);
	return (size_t)(h ^ h >> 31) & (cap - 1);
}

static int flow_find(const struct model *m, const struct model_flow *k)
{
	size_t i;

	if (!m->flow_cap)
		return -1;
	for (i = flow_slot(k, m->flow_cap); m->flows[i].used; i = (i + 1) & (m->flow_cap - 1))
		if (flow_key_eq(&m->flows[i], k))
			return (int)i;
	return -1;
}

static struct model_flow *flow_insert(struct model *m, const struct model_flow *k)
{
	size_t i;
	int at = flow_find(m, k);

	if (at >= 0)
		return &m->flows[at];
	if ((m->nflows + 1) * 2 > m->flow_cap) {
		size_t cap = m->flow_cap ? m->flow_cap * 2 : 4096;
		struct model_flow *old = m->flows, *nf = calloc(cap, sizeof(*nf));

		if (!nf)
			return NULL;
		for (i = 0; i < m->flow_cap; i++) {
			size_t j;

			if (!old[i].used)
				continue;
			for (j = flow_slot(&old[i], cap); nf[j].used; j = (j + 1) & (cap - 1))
				;
			nf[j] = old[i];
		}
		free(old);
		m->flows = nf;
		m->flow_cap = cap;
	}
	for (i = flow_slot(k, m->flow_cap); m->flows[i].used; i = (i + 1) & (m->flow_cap - 1))
		;
	m->flows[i] = *k;
	m->flows[i].used = true;
	m->nflows++;
	return &m->flows[i];
}

static bool frag_key_eq(const struct model_frag *f, const struct model_frag *k)
{
	return addr_eq(&f->src, &k->src) && addr_eq(&f->dst, &k->dst) && f->id == k->id &&
	       f->proto == k->proto;
}

static size_t frag_slot(const struct model_frag *k, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;

	h = hash_addr(h, &k->src);
	h = hash_addr(h, &k->dst);
	h = hash_mix(h, &k->id, 4);
	h = hash_mix(h, &k->proto, 1);
	return (size_t)(h ^ h >> 31) & (cap - 1);
}

static int frag_find(const struct model *m, const struct model_frag *k)
{
	size_t i;

	if (!m->frag_cap)
		return -1;
	for (i = frag_slot(k, m->frag_cap); m->frags[i].used; i = (i + 1) & (m->frag_cap - 1))
		if (frag_key_eq(&m->frags[i], k))
			return (int)i;
	return -1;
}

static struct model_frag *frag_insert(struct model *m, const struct model_frag *k)
{
	size_t i;
	int at = frag_find(m, k);

	if (at >= 0)
		return &m->frags[at];
	if ((m->nfrags + 1) * 2 > m->frag_cap) {
		size_t cap = m->frag_cap ? m->frag_cap * 2 : 1024;
		struct model_frag *old = m->frags, *nf = calloc(cap, sizeof(*nf));

		if (!nf)
			return NULL;
		for (i = 0; i < m->frag_cap; i++) {
			size_t j;

			if (!old[i].used)
				continue;
			for (j = frag_slot(&old[i], cap); nf[j].used; j = (j + 1) & (cap - 1))
				;
			nf[j] = old[i];
		}
		free(old);
		m->frags = nf;
		m->frag_cap = cap;
	}
	for (i = frag_slot(k, m->frag_cap); m->frags[i].used; i = (i + 1) & (m->frag_cap - 1))
		;
	m->frags[i] = *k;
	m->frags[i].used = true;
	m->nfrags++;
	return &m->frags[i];
}

/* Is `age` within `limit`? Flags results too close to call. */
static bool within(uint64_t age, uint64_t limit, bool *uncertain)
{
	uint64_t d = age > limit ? age - limit : limit - age;

	if (d < MODEL_MARGIN_NS)
		*uncertain = true;
	return age <= limit;
}

static uint64_t flow_timeout_ns(const struct manifest *mf, const struct model_flow *f)
{
	uint32_t s;

	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_SCTP)
		s = f->closing ? mf->flow_tcp_closing : mf->flow_tcp;
	else if (f->proto == IPPROTO_UDP)
		s = mf->flow_udp;
	else
		s = mf->flow_icmp;
	return (uint64_t)s * 1000000000ULL;
}

/* A live flow `local` opened to `remote`; its index or -1. */
static int live_flow(const struct model *m, const struct enf_addr *local,
		     const struct enf_addr *remote, uint16_t lport, uint16_t rport, uint8_t proto,
		     uint64_t now, bool *uncertain)
{
	struct model_flow k = { .local = *local, .remote = *remote, .lport = lport,
				.rport = rport, .proto = proto };
	int i = flow_find(m, &k);

	if (i < 0)
		return -1;
	if (!within(now - m->flows[i].last_ns, flow_timeout_ns(m->mf, &m->flows[i]), uncertain))
		return -1;
	return i;
}

/* ------------------------------------------------------------------ */
/* The verdict                                                         */

static void decide(const struct model *m, struct model_result *r, uint32_t reason,
		   uint32_t verdict, const char *why)
{
	r->reason = reason;
	r->verdict = verdict;
	r->why = why;
	if (verdict == XDP_DROP && m->mf->mode == ENF_MODE_AUDIT) {
		r->verdict = XDP_PASS;
		r->audit = 1;
	}
}

#define PASS(reason, why) decide(m, out, ENF_REASON_##reason, XDP_PASS, why)
#define DROP(reason, why) decide(m, out, ENF_REASON_##reason, XDP_DROP, why)

static bool is_icmp_error(const struct mpkt *p)
{
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == 3 || p->icmp_type == 11 || p->icmp_type == 12;
	return p->icmp_type >= 1 && p->icmp_type <= 4;
}

static bool is_echo_reply(const struct mpkt *p)
{
	return p->icmp_type == (p->proto == IPPROTO_ICMP ? 0 : 129);
}

static bool is_echo_request(uint8_t proto, uint8_t type)
{
	return type == (proto == IPPROTO_ICMP ? 8 : 128);
}

/* The key a fragment is tied to its first fragment with. */
static struct model_frag frag_key(const struct model *m, const struct mpkt *p)
{
	struct model_frag k = { .src = p->src, .dst = p->dst, .id = p->frag_id,
				.proto = p->frag_proto };

	if ((m->quirks & MQ_V6_FRAG_PROTO) && p->l4 != ML4_LATER)
		k.proto = p->proto;
	return k;
}

/* Rule 4: a later fragment passes only after its passed first fragment.
 * At a frontend address (a node address) the node reassembles, so the
 * first fragment decides and a later one is the node's business. */
static void fragment_verdict(const struct model *m, const struct mpkt *p, uint64_t now,
			     bool frontend, struct model_result *out)
{
	struct model_frag k = frag_key(m, p);
	int i = frag_find(m, &k);

	if (i >= 0 && within(now - m->frags[i].created_ns,
			     (uint64_t)m->mf->frag_timeout * 1000000000ULL, &out->uncertain)) {
		if (!out->service_id)
			out->service_id = m->frags[i].service_id;
		PASS(PASS_FRAGMENT, "rule 4: later fragment of a passed first fragment");
		return;
	}
	if (frontend)
		PASS(PASS_NOT_OWNED, "rule 1: frontend address, later fragment left to the node");
	else
		DROP(DROP_FRAGMENT, "rule 4: later fragment not tied to a passed first fragment");
}

/* Rule 3d: an ICMP error about a packet the destination sent in a flow that
 * passed: one it opened, or one from its public port. The quote is read
 * like a packet (from its IP header, extension headers walked), 8 bytes
 * after the ICMP header. */
static void icmp_error_verdict(const struct model *m, const uint8_t *b, size_t len,
			       const struct mpkt *p, uint64_t now, struct model_result *out)
{
	const struct model_svc *pub;
	uint16_t lport, rport = 0;
	struct mpkt q;
	int f;

	if (parse_at(m->mf, b, len, p->l4_off + 8, MP_L3 | MP_QUOTE, &q) != MP_OK) {
		DROP(DROP_ICMP_ERROR, "ICMP error quoting no readable IP header");
		return;
	}
	if (!addr_eq(&q.src, &p->dst)) {
		DROP(DROP_ICMP_ERROR, "ICMP error quoting a packet another address sent");
		return;
	}
	if ((p->proto == IPPROTO_ICMP) != (q.src.family == ENF_AF_INET)) {
		DROP(DROP_ICMP_ERROR, "ICMP error quoting the other IP version");
		return;
	}
	if (q.l4 == ML4_PORTS) {
		lport = q.sport;
		rport = q.dport;
	} else if (q.l4 == ML4_ICMP && is_echo_request(q.proto, q.icmp_type)) {
		lport = q.icmp_id;
	} else {
		DROP(DROP_ICMP_ERROR, "ICMP error quoting no flow protocol (or too little of it)");
		return;
	}
	f = live_flow(m, &q.src, &q.dst, lport, rport, q.proto, now, &out->uncertain);
	if (f >= 0) {
		out->flow_hit = f;
		PASS(PASS_ICMP_ERROR, "rule 3d: ICMP error quoting a flow the instance opened");
		return;
	}
	pub = q.l4 == ML4_PORTS ? public_port_of(m, &q.src, lport, q.proto) : NULL;
	if (pub && trusted_ok(m, pub->app, &q.dst)) {
		PASS(PASS_ICMP_ERROR, "rule 3d: ICMP error quoting a reply from a public port");
		return;
	}
	DROP(DROP_ICMP_ERROR, "rule 3d: ICMP error quoting nothing that passed");
}

static int effective_role(const struct model *m, int role)
{
	if (role >= ENF_ROLE_MIXED && role < ENF_ROLE_MAX)
		return role;
	return (m->quirks & MQ_TRACE_OWN_ROLE) ? ENF_ROLE_MIXED : m->own_role;
}

static bool remembered_reason(const struct model *m, uint32_t reason)
{
	switch (reason) {
	case ENF_REASON_PASS_PUBLIC_PORT:
	case ENF_REASON_PASS_TRUSTED:
	case ENF_REASON_PASS_REPLY:
		return true;
	case ENF_REASON_PASS_ADMITTED:
	case ENF_REASON_PASS_NOT_OWNED:
		return !(m->quirks & MQ_FRONTEND_FRAGS);
	default:
		return false;
	}
}


/* fe80::/10 or :: (or, for destinations, ff00::/8): never routed. */
static int link_scoped(const struct enf_addr *a, int dst)
{
	static const uint8_t zero[16];

	if (a->family != 6)
		return 0;
	if (a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80)
		return 1;
	if (dst)
		return a->addr[0] == 0xff;
	return !memcmp(a->addr, zero, 16);
}

/* `public`: the interface is public, or a tunnel's outer source was not
 * private (rule 5). */
static void verdict(const struct model *m, const uint8_t *b, size_t len, bool public,
		    const struct mpkt *p, uint64_t now, struct model_result *out)
{
	const struct model_svc *x = NULL, *pub;
	bool frontend, isolated, check_trust = true;
	int f;

	/* rule 2 comes before every pass, neighbour discovery included */
	if (public && is_private(m, &p->src)) {
		DROP(DROP_SPOOFED, "rule 2: private source on a public interface");
		return;
	}
	if (p->proto == IPPROTO_ICMPV6 && p->l4 == ML4_ICMP && p->hop_limit == 255 &&
	    p->icmp_type >= 133 && p->icmp_type <= 137 &&
	    (link_scoped(&p->src, 0) || link_scoped(&p->dst, 1))) {
		PASS(PASS_NDP, "neighbour discovery (hop limit 255)");
		return;
	}
	frontend = is_frontend_addr(m, &p->dst);
	if (!frontend)
		x = owner_of(m, &p->dst);
	if (!frontend && !x) {
		PASS(PASS_NOT_OWNED, "rule 1: not a service address");
		return;
	}

	if (frontend) {
		switch (p->l4) {
		case ML4_ICMP:
		case ML4_OTHER:
			PASS(PASS_NOT_OWNED, "rule 1: frontend address, portless protocol");
			return;
		case ML4_LATER:
			fragment_verdict(m, p, now, true, out);
			return;
		case ML4_SHORT:
			DROP(DROP_MALFORMED, "rule 4: frontend address, transport header cut");
			return;
		case ML4_CHAIN:
			DROP(DROP_HDR_CHAIN, "rule 4: frontend address, extension chain too long");
			return;
		case ML4_PORTS:
			break;
		}
		x = frontend_of(m, &p->dst, p->dport, p->proto);
		if (!x) {
			PASS(PASS_NOT_OWNED, "rule 1: frontend address, unlisted port");
			return;
		}
	}
	out->service_id = x->id;

	isolated = m->mf->networks[x->net].isolated;
	if (frontend && (m->quirks & MQ_FRONTEND_FLAG_BIT))
		isolated = isolated || x->svc->is_public;
	if (admitted_as(m, &p->src, x->net, isolated)) {
		PASS(PASS_ADMITTED, "rule 3a: source admitted to the network");
		return;
	}

	switch (p->l4) {
	case ML4_PORTS:
		break;
	case ML4_ICMP:
		if (is_echo_reply(p)) {
			f = live_flow(m, &p->dst, &p->src, p->icmp_id, 0, p->proto, now,
				      &out->uncertain);
			if (f >= 0) {
				out->flow_hit = f;
				PASS(PASS_REPLY, "rule 3c: echo reply to a ping the instance sent");
				return;
			}
		} else if (is_icmp_error(p)) {
			icmp_error_verdict(m, b, len, p, now, out);
			return;
		}
		DROP(DROP_NOT_ADMITTED, "rule 3e: ICMP from a source not admitted");
		return;
	case ML4_OTHER:
		if (p->encap)
			DROP(DROP_TUNNEL, "rule 3e: tunnel from a source not admitted");
		else
			DROP(DROP_NOT_ADMITTED, "rule 4: protocol without ports, not admitted");
		return;
	case ML4_LATER:
		fragment_verdict(m, p, now, false, out);
		return;
	case ML4_CHAIN:
		DROP(DROP_HDR_CHAIN, "rule 4: extension chain longer than walked");
		return;
	case ML4_SHORT:
		DROP(DROP_MALFORMED, "rule 4: truncated header");
		return;
	}

	/* Rule 3b: a public port of X (the frontend port, for a frontend). */
	if (frontend && (m->quirks & MQ_FRONTEND_FLAG_BIT)) {
		pub = x->svc->is_public || m->mf->networks[x->net].isolated ? x : NULL;
		check_trust = x->svc->is_public;
	} else if (frontend) {
		pub = x->svc->is_public ? x : NULL;
	} else {
		pub = public_port_of(m, &p->dst, p->dport, p->proto);
	}
	if (pub && (!pub->app->trusted.n || !check_trust)) {
		PASS(PASS_PUBLIC_PORT, "rule 3b: public port");
		return;
	}
	if (pub && trusted_ok(m, pub->app, &p->src)) {
		PASS(PASS_TRUSTED, "rule 3b: public port, trusted source");
		return;
	}
	/* Rule 3c: a reply to a flow the destination opened (never a frontend:
	 * frontends open no flows). */
	/* A bare SYN opens a connection; it is never a reply. */
	f = p->proto == IPPROTO_TCP && (p->tcp_flags & 0x12) == 0x02 ? -1 :
	    live_flow(m, &p->dst, &p->src, p->dport, p->sport, p->proto, now, &out->uncertain);
	if (f >= 0) {
		out->flow_hit = f;
		out->flow_close = p->proto == IPPROTO_TCP && (p->tcp_flags & 0x05);
		PASS(PASS_REPLY, "rule 3c: reply to a flow the instance opened");
		return;
	}
	if (pub)
		DROP(DROP_UNTRUSTED, "rule 3b: public port, source outside the trusted ranges");
	else
		DROP(DROP_NOT_ADMITTED, "rule 3e: not a public port, source not admitted");
}

/* An address in the program's destination table: instance, VIP, frontend. */
static bool known_dst(const struct model *m, const struct enf_addr *a)
{
	return is_frontend_addr(m, a) || owner_of(m, a);
}

/* A service's destination: an instance or VIP, or a frontend address on a
 * listed (port, protocol). */
static bool service_dst(const struct model *m, const struct mpkt *p)
{
	if (!is_frontend_addr(m, &p->dst))
		return owner_of(m, &p->dst) != NULL;
	return p->l4 == ML4_PORTS && frontend_of(m, &p->dst, p->dport, p->proto);
}

/* Headers not read to the end behind which a tunnel may hide: a first
 * fragment with its transport header cut, an extension chain longer than
 * walked. */
static bool unreadable(const struct mpkt *p)
{
	return (p->l4 == ML4_SHORT && p->first_frag) || p->l4 == ML4_CHAIN;
}

/* Rule 5 and its cousins: a packet to no service's address that the node
 * may hand on to an instance (a tunnel it decapsulates, a route header it
 * follows, headers that hide either) is judged by where it really goes,
 * with each outer source's standing: one that is not private makes all
 * inside count as arriving on a public interface. Tunnels are walked two
 * deep. Returns true when it decided; else *p is the packet to judge. */
static bool follow(const struct model *m, const uint8_t *b, size_t len, int role,
		   struct mpkt *p, struct model_result *out)
{
	bool priv;
	int rc;

	for (int depth = 0; depth <= ENF_MAX_ENCAP_DEPTH; depth++) {
		if (!p->encap && !p->reroute && !p->has_seg && !unreadable(p))
			return false;
		if (p->has_seg && !known_dst(m, &p->dst) && known_dst(m, &p->seg_next)) {
			p->dst = p->seg_next;	/* SRv6: where the node sends it */
			return false;
		}
		if (service_dst(m, p))
			return false;
		priv = is_private(m, &p->src);
		if (priv && (out->outer_public || role == ENF_ROLE_PUBLIC)) {
			DROP(DROP_SPOOFED, "rule 2: private source outside a tunnel or on a "
			     "public interface");
			return true;
		}
		if (!p->encap) {
			if (priv || (!p->reroute && !unreadable(p)))
				return false;
			if (p->l4 == ML4_SHORT)
				DROP(DROP_MALFORMED, "rule 5: first fragment hiding what it carries");
			else
				DROP(DROP_HDR_CHAIN, "rule 5: a route or chain not followed");
			return true;
		}
		if (!priv)
			out->outer_public = 1;
		if (!out->encap)
			out->encap = (uint32_t)p->encap;
		if (!p->inner_off || depth == ENF_MAX_ENCAP_DEPTH) {
			if (priv)
				PASS(PASS_TUNNEL, "rule 5: tunnel from a private source, inside not read");
			else
				DROP(DROP_TUNNEL, "rule 5: tunnel from the internet, inside not read");
			return true;
		}
		out->depth = (uint32_t)depth + 1;
		rc = parse_at(m->mf, b, len, p->inner_off, p->inner_l3 ? MP_L3 : MP_ETH, p);
		if (rc == MP_NOT_IP) {
			PASS(PASS_NOT_IP, "rule 5: tunnel carrying no IP packet");
			return true;
		}
		if (rc != MP_OK) {
			if (priv)
				PASS(PASS_TUNNEL, "rule 5: tunnel from a private source, inside unreadable");
			else
				DROP(DROP_TUNNEL, "rule 5: tunnel from the internet, inside unreadable");
			return true;
		}
	}
	return false;
}

void model_verdict_on(const struct model *m, const uint8_t *frame, size_t len, bool l3, int role,
		      struct model_result *out)
{
	uint64_t now = now_ns();
	struct mpkt p;

	memset(out, 0, sizeof(*out));
	out->flow_hit = -1;
	switch (parse_at(m->mf, frame, len, 0, l3 ? MP_L3 : MP_ETH, &p)) {
	case MP_NOT_IP:
		PASS(PASS_NOT_IP, "not IPv4 or IPv6");
		return;
	case MP_VLAN_DEEP:
		DROP(DROP_HDR_CHAIN, "more VLAN tags than walked");
		return;
	case MP_MALFORMED:
		DROP(DROP_MALFORMED, "Ethernet or IP header unreadable");
		return;
	}
	role = effective_role(m, role);
	if (!follow(m, frame, len, role, &p, out))
		verdict(m, frame, len, out->outer_public || role == ENF_ROLE_PUBLIC, &p, now, out);
	out->uncertain |= m->near_expiry;
	if (p.first_frag && out->verdict == XDP_PASS && remembered_reason(m, out->reason)) {
		out->remember = true;
		out->frag = frag_key(m, &p);
		out->frag.service_id = out->service_id;
	}
}

void model_verdict(const struct model *m, const uint8_t *frame, size_t len, int role,
		   struct model_result *out)
{
	model_verdict_on(m, frame, len, false, role, out);
}

void model_commit(struct model *m, const struct model_result *r)
{
	uint64_t now = now_ns();

	if (r->flow_hit >= 0) {
		m->flows[r->flow_hit].last_ns = now;
		if (r->flow_close)
			m->flows[r->flow_hit].closing = true;
	}
	if (r->remember) {
		struct model_frag *f = frag_insert(m, &r->frag);

		if (f) {
			f->created_ns = now;
			f->service_id = r->frag.service_id;
		}
	}
}

void model_egress_on(struct model *m, const uint8_t *frame, size_t len, bool l3)
{
	const struct model_svc *owner;
	struct model_flow k = { 0 }, *f;
	struct mpkt p;
	bool existed;

	if (parse_at(m->mf, frame, len, 0, l3 ? MP_L3 : MP_ETH, &p) != MP_OK)
		return;
	/* the node's own tunnel packet: the flow is the one inside */
	for (int depth = 0; depth < ENF_MAX_ENCAP_DEPTH; depth++) {
		if (!p.encap || !p.inner_off || (!is_frontend_addr(m, &p.src) && owner_of(m, &p.src)))
			break;
		if (parse_at(m->mf, frame, len, p.inner_off, p.inner_l3 ? MP_L3 : MP_ETH, &p) != MP_OK)
			return;
	}
	if (p.l4 == ML4_PORTS) {
		k.lport = p.sport;
		k.rport = p.dport;
	} else if (p.l4 == ML4_ICMP && is_echo_request(p.proto, p.icmp_type)) {
		k.lport = p.icmp_id;
	} else {
		return;
	}
	/* from an instance (or VIP) address; frontends open nothing */
	owner = is_frontend_addr(m, &p.src) ? NULL : owner_of(m, &p.src);
	if (!owner)
		return;
	if ((m->quirks & MQ_PUBLIC_PORT_EGRESS) && p.l4 == ML4_PORTS &&
	    public_port_of(m, &p.src, p.sport, p.proto))
		return;
	if (admitted(m, &p.dst, owner->net))
		return;			/* its replies are admitted anyway */
	k.local = p.src;
	k.remote = p.dst;
	k.proto = p.proto;
	existed = flow_find(m, &k) >= 0;
	/* a SYN-ACK or RST answers someone else's SYN: it opens nothing */
	if (!existed && p.proto == IPPROTO_TCP &&
	    ((p.tcp_flags & 0x12) == 0x12 || (p.tcp_flags & 0x04)))
		return;
	f = flow_insert(m, &k);
	if (!f)
		return;
	f->last_ns = now_ns();
	if (p.proto == IPPROTO_TCP && (p.tcp_flags & 0x05))
		f->closing = true;		/* FIN or RST */
	else if (!existed || (p.tcp_flags & 0x02))
		f->closing = false;		/* new, or a SYN reopens it */
}

void model_egress(struct model *m, const uint8_t *frame, size_t len)
{
	model_egress_on(m, frame, len, false);
}

/* ------------------------------------------------------------------ */

int model_iface_role(const struct manifest *mf, const char *ifname)
{
	for (size_t i = 0; i < mf->nifaces; i++) {
		const struct mf_iface *r = &mf->ifaces[i];

		if (r->is_glob ? !fnmatch(r->pattern, ifname, 0) : !strcmp(r->pattern, ifname))
			return r->role;
	}
	return ENF_ROLE_MIXED;
}

int model_init(struct model *m, const struct manifest *mf, int own_role, unsigned int quirks)
{
	memset(m, 0, sizeof(*m));
	m->quirks = quirks;
	return model_set_policy(m, mf, own_role);
}

int model_set_policy(struct model *m, const struct manifest *mf, int own_role)
{
	size_t a, s, n = 0;

	for (a = 0; a < mf->napps; a++)
		n += mf->apps[a].nservices;
	free(m->svcs);
	m->svcs = calloc(n + 1, sizeof(*m->svcs));
	if (!m->svcs)
		return -1;
	m->nsvcs = 0;
	for (a = 0; a < mf->napps; a++)
		for (s = 0; s < mf->apps[a].nservices; s++, m->nsvcs++)
			m->svcs[m->nsvcs] = (struct model_svc){
				.app = &mf->apps[a],
				.svc = &mf->apps[a].services[s],
				.id = (uint32_t)m->nsvcs + 1,
				.net = mf->apps[a].network,
			};
	m->mf = mf;
	m->own_role = own_role;
	model_tick(m);
	return 0;
}

static bool expires_now(const struct mf_cidr_list *l, int64_t wall)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].expires == wall)
			return true;
	return false;
}

/* The program turns `expires:` into a boot-clock instant from the whole
 * second it was compiled in, so it may expire up to a second later than
 * the date: within that second the model cannot tell. */
void model_tick(struct model *m)
{
	const struct manifest *mf = m->mf;

	m->wall = time(NULL);
	m->near_expiry = expires_now(&mf->private_cidrs, m->wall);
	for (size_t n = 0; n < mf->nnetworks; n++)
		m->near_expiry |= expires_now(&mf->networks[n].cidrs, m->wall) ||
				  expires_now(&mf->networks[n].peers, m->wall);
	for (size_t a = 0; a < mf->napps; a++)
		m->near_expiry |= expires_now(&mf->apps[a].trusted, m->wall);
}

void model_clear_tables(struct model *m)
{
	free(m->flows);
	free(m->frags);
	m->flows = NULL;
	m->frags = NULL;
	m->nflows = m->flow_cap = m->nfrags = m->frag_cap = 0;
}

void model_free(struct model *m)
{
	model_clear_tables(m);
	free(m->svcs);
	m->svcs = NULL;
	m->nsvcs = 0;
	m->mf = NULL;
}

const char *model_reason_name(uint32_t reason)
{
	static const char *const names[ENF_REASON_MAX] = {
		"pass_not_ip", "pass_not_owned", "pass_admitted", "pass_public_port",
		"pass_trusted", "pass_no_policy", "drop_spoofed", "drop_not_admitted",
		"drop_untrusted", "drop_malformed", "drop_fragment", "drop_hdr_chain",
		"audit_pass", "pass_reply", "pass_icmp_error", "pass_fragment",
		"drop_icmp_error", "drop_tunnel", "pass_ndp", "pass_tunnel",
	};

	return reason < ENF_REASON_MAX ? names[reason] : "?";
}
