// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/flood_gen.bpf.c: the XDP half of bench/flood_gen.c, a flood sender
 * built on BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES. Each run of
 * this program gets the template frame (UDP or TCP SYN, IPv4), gives it the
 * next public source address (203.0.113.10-250 and 198.51.100.10-250, in
 * turn) and source port, fixes the checksums incrementally, and redirects it
 * out of cfg[0] (the sender's veth): the peer receives an xdp_frame, so no
 * skb exists unless the receiver's XDP program passes the frame.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);		/* [0] ifindex to send from, [1] frames sent */
	__type(key, __u32);
	__type(value, __u64);
} cfg SEC(".maps");

/* RFC 1624: HC' = ~(~HC + ~m + m'), 16-bit words as stored (byte order
 * does not matter to a one's complement sum). */
static __always_inline __u16 csum_upd(__u16 csum, __u32 from, __u32 to)
{
	__u32 s = (__u16)~csum;

	s += (__u16)~(from & 0xffff) + (__u16)~(from >> 16);
	s += (to & 0xffff) + (to >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int flood_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u32 k0 = 0, k1 = 1, saddr;
	__u64 *ifi, *sent, n;
	__u16 sport;

	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	ifi = bpf_map_lookup_elem(&cfg, &k0);
	sent = bpf_map_lookup_elem(&cfg, &k1);
	if (!ifi || !sent)
		return XDP_ABORTED;
	n = (*sent)++;		/* one sender, one CPU */
	saddr = ((n / 241) & 1) ? 0xc6336400 : 0xcb007100;	/* 198.51.100.0, 203.0.113.0 */
	saddr = bpf_htonl(saddr | (10 + n % 241));
	sport = bpf_htons(1024 + n % 64000);
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(ip + 1);

		if ((void *)(th + 1) > end)
			return XDP_ABORTED;
		th->check = csum_upd(th->check, ip->saddr, saddr);
		th->check = csum_upd(th->check, th->source, sport);
		th->source = sport;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)(ip + 1);

		if ((void *)(uh + 1) > end)
			return XDP_ABORTED;
		uh->check = 0;		/* IPv4: no UDP checksum */
		uh->source = sport;
	}
	ip->check = csum_upd(ip->check, ip->saddr, saddr);
	ip->saddr = saddr;
	return bpf_redirect(*ifi, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
