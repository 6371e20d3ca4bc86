// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Packets through the loaded XDP program's trace twin (see trace.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

size_t trace_build(const struct endpoint *from, const struct endpoint *to,
		   uint8_t *b, size_t size)
{
	int v6 = to->addr.family == ENF_AF_INET6;
	uint8_t proto = to->proto ? to->proto : to->port ? IPPROTO_TCP : IPPROTO_ICMP;
	size_t l3 = v6 ? 40 : 20, l4 = proto == IPPROTO_TCP ? 20 : 8, off = 14;
	uint16_t v, sport = from->port ? from->port : 40000;

	if (size < 14 + l3 + l4 + 4)
		return 0;
	if (v6 && proto == IPPROTO_ICMP)
		proto = IPPROTO_ICMPV6;
	if (proto == IPPROTO_SCTP)
		l4 = 12;
	memset(b, 0, 14 + l3 + l4);
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	v = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	memcpy(b + 12, &v, 2);
	if (!v6) {
		b[off] = 0x45;
		v = htons(l3 + l4);
		memcpy(b + off + 2, &v, 2);
		b[off + 8] = 64;
		b[off + 9] = proto;
		memcpy(b + off + 12, from->addr.addr, 4);
		memcpy(b + off + 16, to->addr.addr, 4);
	} else {
		b[off] = 0x60;
		v = htons(l4);
		memcpy(b + off + 4, &v, 2);
		b[off + 6] = proto;
		b[off + 7] = 64;
		memcpy(b + off + 8, from->addr.addr, 16);
		memcpy(b + off + 24, to->addr.addr, 16);
	}
	off += l3;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		b[off] = proto == IPPROTO_ICMP ? 8 : 128;	/* echo request */
		b[off + 5] = 1;
	} else {
		v = htons(sport);
		memcpy(b + off, &v, 2);
		v = htons(to->port);
		memcpy(b + off + 2, &v, 2);
		if (proto == IPPROTO_TCP) {
			b[off + 12] = 0x50;
			b[off + 13] = 0x02;	/* SYN */
		} else if (proto == IPPROTO_UDP) {
			v = htons(l4);
			memcpy(b + off + 4, &v, 2);
		}
	}
	return off + l4;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offset of the transport header after the IPv6 header at `off`, and its
 * protocol in *proto; -1 past a later fragment or a cut. */
static long ipv6_l4(const uint8_t *b, size_t len, size_t off, uint8_t *proto)
{
	uint8_t nh = b[off + 6];
	int i;

	off += 40;
	for (i = 0; i < ENF_MAX_EXT_HDRS; i++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 2 > len)
				return -1;
			nh = b[off];
			off += (b[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if (off + 2 > len)
				return -1;
			nh = b[off];
			off += (b[off + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			if (off + 8 > len)
				return -1;
			*proto = b[off];
			if (get16(b + off + 2) & 0xfff8)
				return -1;	/* a later fragment: no transport header */
			nh = b[off];
			off += 8;
			break;
		default:
			*proto = nh;
			return (long)off;
		}
	}
	*proto = nh;
	return -1;
}

void trace_flow_of(const uint8_t *b, size_t len, struct trace_flow *f)
{
	size_t off = 14;
	long l4 = -1;
	int i;

	memset(f, 0, sizeof(*f));
	if (len < 14)
		return;
	f->ethertype = get16(b + 12);
	for (i = 0; i < ENF_MAX_VLAN_DEPTH; i++) {
		if ((f->ethertype != ETH_P_8021Q && f->ethertype != ETH_P_8021AD) ||
		    off + 4 > len)
			break;
		f->ethertype = get16(b + off + 2);
		off += 4;
	}
	if (f->ethertype == ETH_P_IP && off + 20 <= len && b[off] >> 4 == 4) {
		f->src.family = f->dst.family = ENF_AF_INET;
		memcpy(f->src.addr, b + off + 12, 4);
		memcpy(f->dst.addr, b + off + 16, 4);
		f->proto = b[off + 9];
		/* not a later fragment, and a header length that holds one */
		if (!(get16(b + off + 6) & 0x1fff) && (b[off] & 0xf) >= 5)
			l4 = (long)(off + (b[off] & 0xf) * 4);
	} else if (f->ethertype == ETH_P_IPV6 && off + 40 <= len && b[off] >> 4 == 6) {
		f->src.family = f->dst.family = ENF_AF_INET6;
		memcpy(f->src.addr, b + off + 8, 16);
		memcpy(f->dst.addr, b + off + 24, 16);
		l4 = ipv6_l4(b, len, off, &f->proto);
	}
	if (l4 >= 0 && (size_t)l4 + 4 <= len &&
	    (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP || f->proto == IPPROTO_SCTP)) {
		f->sport = get16(b + l4);
		f->dport = get16(b + l4 + 2);
		f->has_ports = 1;
	}
}

int prog_run(int fd, const void *in, size_t len, void *out, uint32_t *out_len, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in,
		.data_size_in = (uint32_t)len,
		.data_out = out,
		.data_size_out = out && out_len ? *out_len : 0,
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	if (out && out_len)
		*out_len = opts.data_size_out;
	if (retval)
		*retval = opts.retval;
	return 0;
}

int trace_run(struct enf_state *st, const uint8_t *frame, size_t len, uint32_t role,
	      struct enf_trace *out)
{
	int ncpu = libbpf_num_possible_cpus(), c, err = 0;
	uint8_t res[4096];
	uint32_t zero = 0, res_len = sizeof(res), retval = 0;
	struct enf_trace *vals;

	if (ncpu <= 0)
		return -EINVAL;
	if (len < 14 || len > sizeof(res))
		return -EMSGSIZE;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	/* ENF_REASON_MAX marks "not written": the CPU that ran it writes */
	for (c = 0; c < ncpu; c++)
		vals[c] = (struct enf_trace){ .role = role, .reason = ENF_REASON_MAX };
	if (bpf_map_update_elem(st->trace_map_fd, &zero, vals, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	err = prog_run(st->trace_fd, frame, len, res, &res_len, &retval);
	if (!err && bpf_map_lookup_elem(st->trace_map_fd, &zero, vals))
		err = -errno;
	if (err)
		goto out;
	err = -ENODATA;
	for (c = 0; c < ncpu; c++) {
		if (vals[c].reason < ENF_REASON_MAX) {
			*out = vals[c];
			out->verdict = retval;
			err = 0;
		}
	}
out:
	free(vals);
	return err;
}
