// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/flood_gen.c: a bounded flood sender on BPF_PROG_TEST_RUN live frames
 * (the mechanism of xdp-trafficgen, whose own build does not load on 6.18).
 *
 *   flood_gen OBJ IFNAME DST_MAC DST_IPV4 PORT udp|syn COUNT
 *
 * Loads flood_gen.bpf.o (OBJ), builds one template frame from IFNAME's MAC
 * to DST_MAC, DST_IPV4:PORT, and runs the program COUNT times in live-frames
 * mode on CPU 0: every frame is redirected out of IFNAME (a veth), so its
 * peer gets xdp_frames (see bench/flood_gen.bpf.c for the sources). Prints
 * "sent N" (frames the program redirected). Stops early on a signal.
 *
 * Exit status: 0 sent; 3 the kernel refuses live frames (some builds of one
 * kernel version answer the test_run with EPERM, EOPNOTSUPP or EINVAL while
 * the same program runs without BPF_F_TEST_XDP_LIVE_FRAMES): the caller
 * skips this sender; 1 anything else (our harness is broken); 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

#define ENOTSUPP_ 524	/* the kernel's ENOTSUPP, not in the UAPI headers */

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTSUPP_: return "ENOTSUPP";
	case EACCES: return "EACCES";
	case ENOMEM: return "ENOMEM";
	default: return "errno";
	}
}

static int mac(const char *s, unsigned char *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6 ? 0 : -1;
}

static unsigned short csum(const void *p, int len)
{
	const unsigned short *w = p;
	unsigned int s = 0;

	for (; len > 1; len -= 2)
		s += *w++;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

int main(int argc, char **argv)
{
	unsigned char pkt[64] = {}, *ip = pkt + 14, *l4 = pkt + 34, src[6];
	unsigned int ifindex, daddr, saddr = htonl(0xcb00710a), k;
	unsigned long long count, v;
	int len, syn, prog_fd, map_fd, err;
	struct bpf_object *obj;
	char path[128];
	cpu_set_t cpus;
	FILE *f;

	if (argc != 8) {
		fprintf(stderr, "usage: flood_gen OBJ IFNAME DST_MAC DST_IPV4 PORT udp|syn COUNT\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[2]);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", argv[2]);
	f = fopen(path, "r");
	if (!ifindex || !f || !fgets(path, sizeof(path), f) || mac(path, src) || mac(argv[3], pkt) ||
	    inet_pton(AF_INET, argv[4], &daddr) != 1) {
		fprintf(stderr, "flood_gen: bad interface, MAC or address\n");
		return 2;
	}
	fclose(f);
	syn = !strcmp(argv[6], "syn");
	count = strtoull(argv[7], NULL, 10);

	/* the template: Ethernet, IPv4 (TTL 64), UDP with 18 bytes or a bare SYN */
	memcpy(pkt + 6, src, 6);
	pkt[12] = 0x08;
	len = syn ? 54 : 60;
	ip[0] = 0x45;
	ip[2] = (len - 14) >> 8;
	ip[3] = (len - 14) & 0xff;
	ip[8] = 64;
	ip[9] = syn ? 6 : 17;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	*(unsigned short *)(ip + 10) = csum(ip, 20);
	l4[0] = 1024 >> 8;
	l4[2] = atoi(argv[5]) >> 8;
	l4[3] = atoi(argv[5]) & 0xff;
	if (syn) {
		unsigned char ph[12 + 20];

		l4[4] = 0x12;		/* some sequence number */
		l4[12] = 5 << 4;	/* data offset */
		l4[13] = 0x02;		/* SYN */
		l4[14] = 0xfa;		/* window 64240 */
		l4[15] = 0xf0;
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = 6;
		ph[10] = 0;
		ph[11] = 20;
		memcpy(ph + 12, l4, 20);
		*(unsigned short *)(l4 + 16) = csum(ph, sizeof(ph));
	} else {
		l4[5] = len - 34;
		memset(l4 + 8, 0x41, 18);
	}

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "flood_gen: cannot load %s\n", argv[1]);
		return 1;
	}
	prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "flood_gen"));
	map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "cfg"));
	k = 0;
	v = ifindex;
	if (prog_fd < 0 || map_fd < 0 || bpf_map_update_elem(map_fd, &k, &v, 0)) {
		fprintf(stderr, "flood_gen: program or map missing\n");
		return 1;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
		    .repeat = (unsigned int)count, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	err = bpf_prog_test_run_opts(prog_fd, &opts) ? errno : 0;
	k = 1;
	v = 0;
	bpf_map_lookup_elem(map_fd, &k, &v);
	printf("sent %llu\n", v);
	if (err && err != EINTR) {
		/* Refused by the kernel, or a mistake of ours? The same program
		 * on the same frame, once, without live frames: if that runs,
		 * the kernel refuses only the live-frames mode. */
		LIBBPF_OPTS(bpf_test_run_opts, plain, .data_in = pkt, .data_size_in = len,
			    .repeat = 1);
		bool refused = (err == EPERM || err == EOPNOTSUPP || err == ENOTSUPP_ ||
				err == EINVAL) && !bpf_prog_test_run_opts(prog_fd, &plain);

		fprintf(stderr, "flood_gen: test_run: %s%s (%s)\n",
			refused ? "refused by the kernel: " : "", strerror(err), errno_name(err));
		return refused ? 3 : 1;
	}
	bpf_object__close(obj);
	return 0;
}
