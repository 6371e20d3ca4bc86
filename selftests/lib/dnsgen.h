/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS test packets: queries wrapped in Ethernet/IPv4|IPv6/UDP, and a small
 * strict reply parser (compression pointers followed with a hop limit, every
 * length checked) so tests can assert on sections, not bytes.
 */
#ifndef ENFORCER_DNSGEN_H
#define ENFORCER_DNSGEN_H

#include <arpa/inet.h>
#include <ctype.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pktgen.h"

/* The services both DNS suites (test_dns, test_dnsfuzz) answer for, under
 * `apps: myapp: services:`: web (three addresses, one IPv6), admin
 * (internal), api (a VIP and a UDP port), big (32 instances: more than
 * one reply holds). */
#define DNSGEN_MYAPP_SERVICES \
	"      web: { port: 3000, instances: [10.0.1.10, 10.0.1.11, \"fd00:10::1:10\"] }\n" \
	"      admin: { port: 4000, internal: true, instances: [10.0.2.10] }\n" \
	"      api: { ports: [5000, 53/udp], vip: 10.96.0.20, instances: [10.0.3.10, 10.0.3.11] }\n" \
	"      big:\n" \
	"        port: 80\n" \
	"        instances: [10.0.9.1, 10.0.9.2, 10.0.9.3, 10.0.9.4, 10.0.9.5, 10.0.9.6,\n" \
	"          10.0.9.7, 10.0.9.8, 10.0.9.9, 10.0.9.10, 10.0.9.11, 10.0.9.12, 10.0.9.13,\n" \
	"          10.0.9.14, 10.0.9.15, 10.0.9.16, 10.0.9.17, 10.0.9.18, 10.0.9.19, 10.0.9.20,\n" \
	"          10.0.9.21, 10.0.9.22, 10.0.9.23, 10.0.9.24, 10.0.9.25, 10.0.9.26, 10.0.9.27,\n" \
	"          10.0.9.28, 10.0.9.29, 10.0.9.30, 10.0.9.31, 10.0.9.32]\n"

#define DNS_PKT_MAX 2048

struct dns_query_spec {
	const char *src;	/* client address, v4 or v6 */
	const char *dst;	/* resolver address */
	const char *name;	/* as sent: case preserved; "" = root */
	uint16_t qtype;		/* default 1 (A) */
	uint16_t qclass;	/* default 1 (IN) */
	uint16_t id;		/* default 0x1234 */
	uint8_t flags1;		/* default 0x01 (RD); opcode in bits 3-6 */
	uint16_t qdcount;	/* default 1 */
	uint16_t ancount, nscount;
	int edns;		/* add an OPT record */
	uint16_t edns_size;	/* default 1232 */
	uint8_t edns_version;
	int edns_do;
	const uint8_t *edns_opts;	/* raw option bytes */
	size_t edns_opts_len;
	int extra_opt;		/* a second OPT record */
	uint16_t sport;		/* default 40000 */
	uint16_t dport;		/* default 53 */
};

/* Text to wire, case kept; returns length or -1. */
static inline int dns_wire(const char *name, uint8_t *out)
{
	int n = 0;
	const char *p = name;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63)
			return -1;
		out[n++] = l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[n++] = 0;
	return n;
}

static inline size_t dns_build_msg(const struct dns_query_spec *q, uint8_t *m)
{
	size_t off = 12;
	int w;

	memset(m, 0, 12);
	m[0] = (q->id ? q->id : 0x1234) >> 8;
	m[1] = (q->id ? q->id : 0x1234);
	m[2] = q->flags1 ? q->flags1 : 0x01;
	m[5] = q->qdcount ? q->qdcount : 1;
	m[7] = q->ancount;
	m[9] = q->nscount;
	m[11] = (q->edns ? 1 : 0) + (q->extra_opt ? 1 : 0);
	w = dns_wire(q->name, m + off);
	off += w;
	m[off++] = (q->qtype ? q->qtype : 1) >> 8;
	m[off++] = (q->qtype ? q->qtype : 1);
	m[off++] = (q->qclass ? q->qclass : 1) >> 8;
	m[off++] = (q->qclass ? q->qclass : 1);
	for (int k = 0; k < (q->edns ? 1 : 0) + (q->extra_opt ? 1 : 0); k++) {
		uint16_t size = q->edns_size ? q->edns_size : 1232;

		m[off++] = 0;
		m[off++] = 0;
		m[off++] = 41;
		m[off++] = size >> 8;
		m[off++] = size;
		m[off++] = 0;
		m[off++] = q->edns_version;
		m[off++] = q->edns_do ? 0x80 : 0;
		m[off++] = 0;
		m[off++] = q->edns_opts_len >> 8;
		m[off++] = q->edns_opts_len;
		if (q->edns_opts_len) {
			memcpy(m + off, q->edns_opts, q->edns_opts_len);
			off += q->edns_opts_len;
		}
	}
	return off;
}

/* Wraps `msg` in Ethernet + IP + UDP. */
static inline size_t dns_wrap(const struct dns_query_spec *q, const uint8_t *msg, size_t mlen,
			      uint8_t *b)
{
	int v6 = strchr(q->dst, ':') != NULL;
	size_t off, ulen = 8 + mlen;
	uint16_t sp = htons(q->sport ? q->sport : 40000);
	uint16_t dp = htons(q->dport ? q->dport : 53), ul = htons(ulen);

	memset(b, 0, DNS_PKT_MAX);
	off = pkt_put_eth(b, v6);
	off += pkt_put_ip(b + off, v6, q->src, q->dst, IPPROTO_UDP, ulen, 0);
	memcpy(b + off, &sp, 2);
	memcpy(b + off + 2, &dp, 2);
	memcpy(b + off + 4, &ul, 2);
	off += 8;
	memcpy(b + off, msg, mlen);
	return off + mlen;
}

struct dns_rr {
	char owner[256];
	uint16_t type, klass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[64];
	char target[256];	/* SRV target / NS / SOA mname, decompressed */
	char rname[256];	/* SOA rname */
	uint16_t srv_port;
};

struct dns_reply {
	uint16_t id;
	uint8_t qr, opcode, aa, tc, rd, ra, z, ad, cd;
	unsigned int rcode;	/* including the extended bits from OPT */
	uint16_t qd, an, ns, ar;
	size_t qlen;		/* bytes of the question section */
	uint8_t question[300];
	struct dns_rr answer[40];
	struct dns_rr authority[4];
	int has_opt;
	uint16_t opt_size;
	uint8_t opt_version;
	int opt_do;
	uint16_t opt_rdlen;
	int opt_flags_rest;	/* flag bits other than DO */
};

/* Reads a (possibly compressed) name at *off into text; returns 0 or -1. */
static inline int dns_read_name(const uint8_t *m, size_t len, size_t *off, char *out)
{
	size_t o = *off, n = 0;
	int jumped = 0, hops = 0;

	out[0] = 0;
	for (;;) {
		uint8_t c;

		if (o >= len)
			return -1;
		c = m[o];
		if ((c & 0xc0) == 0xc0) {
			if (o + 1 >= len || ++hops > 16)
				return -1;
			if (!jumped)
				*off = o + 2;
			o = ((c & 0x3f) << 8) | m[o + 1];
			jumped = 1;
			continue;
		}
		if (c & 0xc0)
			return -1;
		if (c == 0) {
			if (!jumped)
				*off = o + 1;
			if (!n)
				strcpy(out, ".");
			return 0;
		}
		if (o + 1 + c > len || n + c + 2 > 255)
			return -1;
		memcpy(out + n, m + o + 1, c);
		n += c;
		out[n++] = '.';
		out[n] = 0;
		o += 1 + c;
	}
}

static inline int dns_read_rr(const uint8_t *m, size_t len, size_t *off, struct dns_rr *rr)
{
	size_t o;

	memset(rr, 0, sizeof(*rr));
	if (dns_read_name(m, len, off, rr->owner) || *off + 10 > len)
		return -1;
	o = *off;
	rr->type = m[o] << 8 | m[o + 1];
	rr->klass = m[o + 2] << 8 | m[o + 3];
	rr->ttl = (uint32_t)m[o + 4] << 24 | m[o + 5] << 16 | m[o + 6] << 8 | m[o + 7];
	rr->rdlen = m[o + 8] << 8 | m[o + 9];
	o += 10;
	if (o + rr->rdlen > len)
		return -1;
	memcpy(rr->rdata, m + o, rr->rdlen < sizeof(rr->rdata) ? rr->rdlen : sizeof(rr->rdata));
	if (rr->type == 33) {	/* SRV */
		size_t t = o + 6;

		if (rr->rdlen < 7)
			return -1;
		rr->srv_port = m[o + 4] << 8 | m[o + 5];
		if (dns_read_name(m, len, &t, rr->target) || t != o + rr->rdlen)
			return -1;
	} else if (rr->type == 2 || rr->type == 6) {	/* NS, SOA */
		size_t t = o;

		if (dns_read_name(m, len, &t, rr->target))
			return -1;
		if (rr->type == 6 && (dns_read_name(m, len, &t, rr->rname) || t + 20 != o + rr->rdlen))
			return -1;
		if (rr->type == 2 && t != o + rr->rdlen)
			return -1;
	}
	*off = o + rr->rdlen;
	return 0;
}

/* The header's four section counts (the message has at least 12 bytes). */
static inline void dns_read_counts(const uint8_t *m, uint16_t *qd, uint16_t *an, uint16_t *ns,
				   uint16_t *ar)
{
	*qd = m[4] << 8 | m[5];
	*an = m[6] << 8 | m[7];
	*ns = m[8] << 8 | m[9];
	*ar = m[10] << 8 | m[11];
}

/* Parses a whole DNS message strictly; returns 0 or -1. */
static inline int dns_parse_reply(const uint8_t *m, size_t len, struct dns_reply *r)
{
	size_t off = 12, i;
	char qn[256];

	memset(r, 0, sizeof(*r));
	if (len < 12)
		return -1;
	r->id = m[0] << 8 | m[1];
	r->qr = m[2] >> 7;
	r->opcode = (m[2] >> 3) & 0xf;
	r->aa = (m[2] >> 2) & 1;
	r->tc = (m[2] >> 1) & 1;
	r->rd = m[2] & 1;
	r->ra = m[3] >> 7;
	r->z = (m[3] >> 6) & 1;
	r->ad = (m[3] >> 5) & 1;
	r->cd = (m[3] >> 4) & 1;
	r->rcode = m[3] & 0xf;
	dns_read_counts(m, &r->qd, &r->an, &r->ns, &r->ar);
	if (r->qd > 1 || r->an > 40 || r->ns > 4 || r->ar > 1)
		return -1;
	if (r->qd) {
		if (dns_read_name(m, len, &off, qn) || off + 4 > len)
			return -1;
		off += 4;
		r->qlen = off - 12;
		memcpy(r->question, m + 12, r->qlen < sizeof(r->question) ? r->qlen : 0);
	}
	for (i = 0; i < r->an; i++)
		if (dns_read_rr(m, len, &off, &r->answer[i]))
			return -1;
	for (i = 0; i < r->ns; i++)
		if (dns_read_rr(m, len, &off, &r->authority[i]))
			return -1;
	if (r->ar) {
		struct dns_rr opt;

		if (dns_read_rr(m, len, &off, &opt) || opt.type != 41 || strcmp(opt.owner, "."))
			return -1;
		r->has_opt = 1;
		r->opt_size = opt.klass;
		r->rcode |= (opt.ttl >> 24) << 4;
		r->opt_version = (opt.ttl >> 16) & 0xff;
		r->opt_do = (opt.ttl >> 15) & 1;
		r->opt_flags_rest = opt.ttl & 0x7fff;
		r->opt_rdlen = opt.rdlen;
	}
	return off == len ? 0 : -1;
}

/* Internet checksum over a buffer, folded (for verifying replies). */
static inline uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

#endif /* ENFORCER_DNSGEN_H */
