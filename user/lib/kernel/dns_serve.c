// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* One query through the loaded program, and the responder's own replies
 * (see dns_serve.h); the server around them is dns_stream.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "dns_serve.h"
#include "enforcer_dns.h"
#include "log.h"
#include "trace.h"

/* a frame around the longest query the program reads (or its reply) */
#define PKT_MAX		(ENF_DNS_MAX_QUERY + 128)

/* A resolver address of `family` from the generation in force: the
 * synthetic packet must be addressed to one, as a real query would be. */
static int pick_resolver(struct enf_state *st, uint8_t family, struct enf_addr *out)
{
	struct enf_addr res[16];
	int n = state_resolvers(st, res, 16), i;

	for (i = 0; i < n; i++) {
		if (res[i].family == family) {
			*out = res[i];
			return 0;
		}
	}
	return n < 0 ? n : -EADDRNOTAVAIL;
}

/* One run of a DNS program on `pkt`; `first` goes to skb->cb[0] (the
 * stream twin's first record of the part). */
static int run_part(int fd, const uint8_t *pkt, size_t len, uint32_t first, uint8_t *res,
		    uint32_t *res_len, uint32_t *retval)
{
	struct __sk_buff ctx = { .cb = { first } };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = (uint32_t)len,
		.data_out = res,
		.data_size_out = *res_len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	*res_len = opts.data_size_out;
	*retval = opts.retval;
	return 0;
}

/* End of the name at m[off] (labels or a pointer), or 0 past `len`. */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (!m[off])
			return off + 1;
		off += 1 + m[off];
	}
	return 0;
}

/* End of `n` records from m[off], or 0 when they run past `len`. */
static size_t skip_records(const uint8_t *m, size_t len, size_t off, unsigned n)
{
	while (n--) {
		off = skip_name(m, len, off);
		if (!off || off + 10 > len)
			return 0;
		off += 10 + (m[off + 8] << 8 | m[off + 9]);
		if (off > len)
			return 0;
	}
	return off;
}

/*
 * The TCP reply: the stream twin writes what its buffer holds; when an
 * RRset does not fit, the part carries TC and dns serve asks for the rest
 * from the next record on, until a part without TC. The parts' answer
 * records are joined under the first part's header and question, with the
 * OPT of the last; TC stays only if the whole would pass 65,535 bytes or
 * `out_size`.
 */
static int stream_reply(struct enf_state *st, const uint8_t *pkt, size_t dns_off, size_t qlen,
			uint8_t *out, size_t out_size)
{
	uint8_t res[PKT_MAX], tail[PKT_MAX];
	uint32_t first = 0, retval, res_len;
	size_t n = 0, qend = 0, tail_len = 0, cap = out_size < 65535 ? out_size : 65535;
	unsigned an_total = 0, parts;
	int err;

	for (parts = 0; parts < 65535 / 16; parts++) {
		const uint8_t *m;
		size_t len, rec_end;
		unsigned an;

		res_len = sizeof(res);
		err = run_part(st->dns_stream_fd, pkt, dns_off + qlen, first, res, &res_len,
			       &retval);
		if (err)
			return err;
		if (retval != TC_ACT_REDIRECT)
			return parts ? -EPROTO : 0;	/* a later part must be a reply too */
		if (res_len < dns_off + 12)
			return -EPROTO;
		m = res + dns_off;
		len = res_len - dns_off;
		an = m[6] << 8 | m[7];
		if (!parts) {
			if (!(m[2] & 0x02) || (m[3] & 0xf) || !an) {	/* whole: as it is */
				if (len > out_size)
					return -EMSGSIZE;
				memcpy(out, m, len);
				return len;
			}
			qend = skip_name(m, len, 12);
			if (!qend || qend + 4 > len)
				return -EPROTO;
			qend += 4;
			memcpy(out, m, qend);
			n = qend;
		} else if (len < qend || memcmp(m + 12, out + 12, qend - 12)) {
			return -EPROTO;	/* not the same question */
		}
		rec_end = skip_records(m, len, qend, an);
		if (!rec_end)
			return -EPROTO;
		if (n + (rec_end - qend) + (len - rec_end) > cap)
			break;	/* the rest cannot be sent: TC stays */
		memcpy(out + n, m + qend, rec_end - qend);
		n += rec_end - qend;
		an_total += an;
		tail_len = len - rec_end;	/* authority and additional (OPT) */
		memcpy(tail, m + rec_end, tail_len);
		if (!(m[2] & 0x02) || !an) {	/* the last part */
			out[2] &= ~0x02;
			break;
		}
		first += an;
	}
	memcpy(out + n, tail, tail_len);
	n += tail_len;
	out[6] = an_total >> 8;
	out[7] = an_total;
	return n;
}

int dns_serve_query(struct enf_state *st, const struct sockaddr_storage *client, const uint8_t *q,
		    size_t qlen, int stream, uint8_t *out, size_t out_size)
{
	uint8_t pkt[PKT_MAX], res[PKT_MAX];
	int v6 = client->ss_family == AF_INET6;
	size_t l3 = v6 ? 40 : 20, dns_off = 14 + l3 + 8, ulen = 8 + qlen, ans;
	uint32_t res_len = sizeof(res), retval = 0;
	struct enf_addr resolver;
	uint16_t sport, v;
	int err;

	if (qlen < 12)
		return -EMSGSIZE;
	if (qlen > ENF_DNS_MAX_QUERY)
		return 0;	/* longer than the program reads: the resolver's, as on UDP */
	err = pick_resolver(st, v6 ? ENF_AF_INET6 : ENF_AF_INET, &resolver);
	if (err)
		return err;

	memset(pkt, 0, dns_off);
	v = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	memcpy(pkt + 12, &v, 2);
	if (!v6) {
		const struct sockaddr_in *sin = (const void *)client;

		pkt[14] = 0x45;
		v = htons(l3 + ulen);
		memcpy(pkt + 16, &v, 2);
		pkt[22] = 64;
		pkt[23] = IPPROTO_UDP;
		memcpy(pkt + 26, &sin->sin_addr, 4);
		memcpy(pkt + 30, resolver.addr, 4);
		sport = sin->sin_port;
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)client;

		pkt[14] = 0x60;
		v = htons(ulen);
		memcpy(pkt + 18, &v, 2);
		pkt[20] = IPPROTO_UDP;
		pkt[21] = 64;
		memcpy(pkt + 22, &sin6->sin6_addr, 16);
		memcpy(pkt + 38, resolver.addr, 16);
		sport = sin6->sin6_port;
	}
	/* the program ignores port 0 as the source, like the wire path */
	if (!sport)
		sport = htons(1);
	memcpy(pkt + 14 + l3, &sport, 2);
	v = htons(ENF_DNS_PORT);
	memcpy(pkt + 14 + l3 + 2, &v, 2);
	v = htons(ulen);
	memcpy(pkt + 14 + l3 + 4, &v, 2);
	memcpy(pkt + dns_off, q, qlen);

	if (!stream) {	/* the wire program: truncates to the client's size, as on the wire */
		err = run_part(st->dns_prog_fd, pkt, dns_off + qlen, 0, res, &res_len, &retval);
		if (err)
			return err;
		if (retval != TC_ACT_REDIRECT)
			return 0;
		if (res_len < dns_off + 12)
			return -EPROTO;
		ans = res_len - dns_off;
		if (ans > out_size)
			return -EMSGSIZE;
		memcpy(out, res + dns_off, ans);
		return ans;
	}
	/* a generation or a health update between two parts can change the
	 * set under them: the parts then disagree (-EPROTO); asked once more */
	err = stream_reply(st, pkt, dns_off, qlen, out, out_size);
	return err == -EPROTO ? stream_reply(st, pkt, dns_off, qlen, out, out_size) : err;
}

/* The parts of a query the responder's own replies need (dns_own_reply). */
struct own_query {
	size_t qend;		/* end of the question; 0 when it is not one well-formed question */
	int opt;		/* OPT records seen */
	int opt_bad;		/* an OPT that is malformed (owner, options) */
	int trailing;		/* records cut short or bytes after the last one */
	uint8_t version;	/* EDNS version of the OPT */
	uint8_t do_bit;		/* DO of the OPT (RFC 3225: copied) */
};

/* A name at q[*off]: labels of at most 63 octets, at most 255 octets in
 * wire form (RFC 1035 2.3.4), ending in the root or (when `pointers`) a
 * compression pointer. Label types 01 and 10 are malformed (RFC 6891 5). */
static int own_name(const uint8_t *q, size_t qlen, size_t *off, int pointers)
{
	size_t o = *off, wire = 0;

	for (;;) {
		uint8_t b;

		if (o >= qlen)
			return -1;
		b = q[o];
		if (b == 0) {
			*off = o + 1;
			return 0;
		}
		if ((b & 0xc0) == 0xc0 && pointers) {
			if (o + 2 > qlen)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (b & 0xc0)
			return -1;
		wire += 1 + b;
		if (wire + 1 > ENF_DNS_MAX_NAME)
			return -1;
		o += 1 + b;
	}
}

/* Walks the whole message: the questions, the answer and authority
 * records (skipped), the additional records (the OPT); stops at the first
 * thing it cannot read (p->trailing). qend is set only for exactly one
 * well-formed question and no answer or authority records. */
static void own_parse(const uint8_t *q, size_t qlen, struct own_query *p)
{
	unsigned qd = q[4] << 8 | q[5], an = q[6] << 8 | q[7], ns = q[8] << 8 | q[9];
	unsigned ar = q[10] << 8 | q[11], i;
	size_t off = 12;

	memset(p, 0, sizeof(*p));
	/* questions: no compression (a pointer could only point forward) */
	for (i = 0; i < qd; i++) {
		if (own_name(q, qlen, &off, 0) || off + 4 > qlen) {
			p->trailing = 1;
			return;
		}
		off += 4;
	}
	if (qd == 1 && !an && !ns)
		p->qend = off;
	for (i = 0; i < an + ns + ar; i++) {
		size_t owner = off, rd;
		unsigned type, rdlen;

		if (own_name(q, qlen, &off, 1) || off + 10 > qlen) {
			p->trailing = 1;
			return;
		}
		type = q[off] << 8 | q[off + 1];
		rdlen = q[off + 8] << 8 | q[off + 9];
		rd = off + 10;
		if (type == 41) {	/* OPT (RFC 6891 6.1); only in the additional section */
			p->opt++;
			p->version = q[off + 5];
			p->do_bit = q[off + 6] & 0x80;
			if (off - owner != 1 || i < an + ns)
				p->opt_bad = 1;
		}
		if (rd + rdlen > qlen) {	/* an OPT's overrun: FORMERR with an OPT (7) */
			if (type == 41)
				p->opt_bad = 1;
			else
				p->trailing = 1;
			return;
		}
		if (type == 41) {
			size_t o = rd;

			while (o + 4 <= rd + rdlen)
				o += 4 + (q[o + 2] << 8 | q[o + 3]);
			if (o != rd + rdlen)
				p->opt_bad = 1;
		}
		off = rd + rdlen;
	}
	if (off != qlen)
		p->trailing = 1;
}

size_t dns_own_reply(const uint8_t *q, size_t qlen, uint8_t *out, size_t out_size, int *relay)
{
	struct own_query p;
	unsigned opcode, rcode, ext = 0;
	size_t n = 12, qend;

	*relay = 0;
	if (qlen < 12 || out_size < 12 + ENF_DNS_MAX_NAME + 4 + 11 || (q[2] & 0x80))
		return 0;	/* too short to answer, or a response: never answered */
	opcode = (q[2] >> 3) & 0xf;
	own_parse(q, qlen, &p);
	qend = p.qend;
	if (opcode != 0) {
		rcode = 4;	/* NOTIMP (RFC 1035 4.1.1) */
	} else if (!p.qend || p.trailing || p.opt > 1 || p.opt_bad) {
		rcode = 1;	/* FORMERR (RFC 6891 6.1.1 and 7 for the OPT cases) */
		if (p.trailing)
			qend = 0;	/* only what was read whole is echoed */
	} else if (p.opt && p.version) {
		rcode = 0;	/* BADVERS: extended rcode 16 (RFC 6891 6.1.3) */
		ext = 1;
	} else {
		rcode = 5;	/* REFUSED, or the resolver's answer when relayed */
		*relay = 1;
	}
	memset(out, 0, 12);
	out[0] = q[0];
	out[1] = q[1];
	/* QR, the opcode, RD copied except for NOTIMP (NSD; genreport `opcode`);
	 * AA, TC, RA, Z, AD and CD clear. */
	out[2] = 0x80 | (q[2] & 0x78) | (opcode ? 0 : (q[2] & 0x01));
	out[3] = rcode;
	if (qend) {	/* exactly the question, byte for byte (0x20 case kept) */
		memcpy(out + 12, q + 12, qend - 12);
		out[5] = 1;
		n = qend;
	}
	if (p.opt) {	/* OPT in the query, OPT in the reply (RFC 6891 6.1.1, 7) */
		uint8_t opt[11] = { 0, 0, 41, ENF_DNS_EDNS_SIZE >> 8, ENF_DNS_EDNS_SIZE & 0xff,
				    ext, 0, p.do_bit, 0, 0, 0 };

		memcpy(out + n, opt, sizeof(opt));
		out[11] = 1;
		n += sizeof(opt);
	}
	return n;
}

int dns_source_public(struct enf_state *st, const struct sockaddr_storage *ss)
{
	struct enf_src_key key = {};
	struct enf_src_val val;
	uint32_t idx, v16 = 0;
	struct timespec ts;
	int fd, err, v6 = ss->ss_family == AF_INET6;

	if (v6)
		memcpy(key.a.addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else
		memcpy(key.a.addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	key.a.family = v6 ? ENF_AF_INET6 : ENF_AF_INET;
	/* the classifier's two stages, as the data path reads them */
	idx = (v6 ? 65536 : 0) + (key.a.addr[0] << 8 | key.a.addr[1]);
	fd = state_active_map(st, SEL_SRC16);
	if (fd < 0)
		return 1;
	err = bpf_map_lookup_elem(fd, &idx, &v16);
	close(fd);
	if (err || !v16)
		return 1;
	/* the DNS program's test (refusal()): neither rack-private nor a
	 * member of some network; the class alone does not say it */
	if (v16 & ENF_SRC16_DIRECT)
		return !((v16 >> 24) & ENF_SRC16_FLAGS_MAX & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER));
	fd = state_active_map(st, SEL_SRC);
	if (fd < 0)
		return 1;
	key.prefixlen = 32 + (v6 ? 128 : 32);
	err = bpf_map_lookup_elem(fd, &key, &val);
	close(fd);
	if (err)
		return 1;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	if (val.expires_ns && (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec >= val.expires_ns)
		return !(val.flags_after & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER));
	return !(val.flags & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER));
}

size_t dns_reply_for(struct enf_state *st, const struct sockaddr_storage *peer, const uint8_t *q,
		     size_t qlen, int stream, int public, uint8_t *out, size_t out_size,
		     int *relay)
{
	int n;

	*relay = 0;
	if (qlen < 12 || (q[2] & 0x80))	/* too short, or a response: ignore */
		return 0;
	if (!public) {
		n = dns_serve_query(st, peer, q, qlen, stream, out, out_size);
		if (n > 0)
			return n;
		if (n < 0)
			pr_debug("dns serve: query not answered: %s\n", strerror(-n));
	}
	n = dns_own_reply(q, qlen, out, out_size, relay);
	if (public)
		*relay = 0;	/* a public source gets REFUSED, never the resolver */
	return n;
}

void dns_listen_from(const struct enf_addr *a, uint16_t port, struct dns_listen *l)
{
	memset(l, 0, sizeof(*l));
	l->len = addr_to_sockaddr(a, port, &l->addr);
}

int dns_sysctl_int(const char *path, int dflt)
{
	char full[256];
	FILE *f;
	int v;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	f = fopen(full, "re");
	if (!f)
		return dflt;
	if (fscanf(f, "%d", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}
