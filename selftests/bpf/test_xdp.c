// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the XDP program: every verdict rule and reason,
 * IPv4 and IPv6, verdicts and counters. Each case loads a fresh, unpinned
 * program (state_load), applies a manifest through the real compiler and
 * state_apply(), and runs crafted packets. Needs root (CAP_BPF).
 *
 * Packets from BPF_PROG_TEST_RUN arrive on the loopback device, so the
 * interface role is set by naming `lo` in the manifest's interfaces.
 */
#include <errno.h>
#include <sched.h>
#include <linux/pkt_cls.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "manifest.h"
#include "xdp_harness.h"

static const char base_manifest[] =
	"rack: test\n"
	"private: [10.0.0.0/16, \"fd00:10::/48\"]\n"
	"interfaces:\n"
	"  - { %s, role: %s }\n"
	"mode: %s\n"
	"networks:\n"
	"  iso:\n"
	"    isolated: true\n"
	"    cidrs: [10.8.0.0/24, \"fd00:8::/64\"]\n"
	"    peers: [172.20.0.0/16]\n"
	"apps:\n"
	"  shop:\n"
	"    services:\n"
	"      web: { port: 80, instances: [10.0.1.10, \"fd00:10::1:10\"] }\n"
	"      admin: { port: 4000, internal: true, instances: [10.0.2.10, \"fd00:10::2:10\"] }\n"
	"      worker: { instances: [10.0.3.10] }\n"
	"      api:\n"
	"        ports: [3000/tcp, 3001/udp, 3002/sctp]\n"
	"        internalAndExternal: true\n"
	"        vip: 10.96.0.20\n"
	"        frontends: [\"192.0.2.10:30080/tcp\"]\n"
	"        instances: [10.0.4.10]\n"
	"      hidden:\n"
	"        port: 5000\n"
	"        internal: true\n"
	"        frontends: [\"192.0.2.10:30090/tcp\"]\n"
	"        instances: [10.0.5.10]\n"
	"  vault:\n"
	"    network: iso\n"
	"    trusted: [198.51.100.0/24, \"2001:db8:1::/48\"]\n"
	"    services:\n"
	"      ui: { port: 443, instances: [10.8.0.10, \"fd00:8::10\"] }\n"
	"      db: { port: 5432, internal: true, instances: [10.8.0.20],\n"
	"            frontends: [\"192.0.2.10:30100/tcp\"] }\n"
	"      edge: { port: 8443, internal: true, instances: [10.0.7.10] }\n";

static int apply_base(const char *role, const char *mode)
{
	char yaml[sizeof(base_manifest) + 64];

	snprintf(yaml, sizeof(yaml), base_manifest, "name: lo", role, mode);
	return apply_yaml(yaml);
}

/* Fresh program per case, with the base manifest when `role` is given. */
static bool setup(const char *role, const char *mode)
{
	if (!load_fresh())
		return false;
	if (role && !CHECK_EQ(apply_base(role, mode ? mode : "enforce"), 0))
		return false;
	return true;
}

/* ---- rule 1: not ours ---- */

static void test_non_ip_frames_pass(void)
{
	struct pkt_spec arp = { .src = "10.0.0.1", .dst = "10.0.2.10", .ethertype = ETH_P_ARP };

	if (setup("mixed", NULL))
		EXPECT(arp, PASS, ENF_REASON_PASS_NOT_IP);
	teardown();
}

static void test_unowned_destination_passes_v4(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "203.0.113.5", .dport = 22 };

	if (setup("mixed", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_NOT_OWNED);
	teardown();
}

static void test_unowned_destination_passes_v6(void)
{
	struct pkt_spec p = { .src = "2001:db8::7", .dst = "2001:db8::5", .dport = 22 };

	if (setup("mixed", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_NOT_OWNED);
	teardown();
}

static void test_no_policy_passes_everything(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };

	if (setup(NULL, NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_NO_POLICY);
	teardown();
}

/* ---- rule 3: public ports ---- */

static void test_public_source_reaches_public_port_v4(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80 };

	if (setup("mixed", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	teardown();
}

static void test_public_source_reaches_public_port_v6(void)
{
	struct pkt_spec p = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .dport = 80 };

	if (setup("mixed", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	teardown();
}

static void test_public_service_other_port_dropped(void)
{
	struct pkt_spec tcp = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 22 };
	struct pkt_spec udp = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
				.proto = IPPROTO_UDP };

	if (setup("mixed", NULL)) {
		EXPECT(tcp, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(udp, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* 80 is tcp only */
	}
	teardown();
}

static void test_public_source_dropped_at_internal_service_v4(void)
{
	struct pkt_spec tcp = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	struct pkt_spec udp = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000,
				.proto = IPPROTO_UDP };
	struct pkt_spec sctp = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000,
				 .proto = IPPROTO_SCTP, .l4_len = 12 };
	struct pkt_spec icmp = { .src = "203.0.113.7", .dst = "10.0.2.10",
				 .proto = IPPROTO_ICMP };

	if (setup("mixed", NULL)) {
		EXPECT(tcp, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(udp, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(sctp, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(icmp, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_public_source_dropped_at_internal_service_v6(void)
{
	struct pkt_spec tcp = { .src = "2001:db8::7", .dst = "fd00:10::2:10", .dport = 4000 };
	struct pkt_spec icmp6 = { .src = "2001:db8::7", .dst = "fd00:10::2:10",
				  .proto = IPPROTO_ICMPV6 };

	if (setup("mixed", NULL)) {
		EXPECT(tcp, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(icmp6, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_portless_worker_unreachable_from_public(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.3.10", .dport = 3000 };
	struct pkt_spec ping = { .src = "203.0.113.7", .dst = "10.0.3.10",
				 .proto = IPPROTO_ICMP };

	if (setup("mixed", NULL)) {
		EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(ping, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_internal_and_external_ports_face_internet(void)
{
	struct pkt_spec tcp = { .src = "203.0.113.7", .dst = "10.0.4.10", .dport = 3000 };
	struct pkt_spec udp = { .src = "203.0.113.7", .dst = "10.0.4.10", .dport = 3001,
				.proto = IPPROTO_UDP };
	struct pkt_spec sctp = { .src = "203.0.113.7", .dst = "10.0.4.10", .dport = 3002,
				 .proto = IPPROTO_SCTP, .l4_len = 12 };
	struct pkt_spec other = { .src = "203.0.113.7", .dst = "10.0.4.10", .dport = 3003 };

	if (setup("mixed", NULL)) {
		EXPECT(tcp, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(udp, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(sctp, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(other, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_vip_judged_like_its_service(void)
{
	struct pkt_spec pub = { .src = "203.0.113.7", .dst = "10.96.0.20", .dport = 3000 };
	struct pkt_spec other = { .src = "203.0.113.7", .dst = "10.96.0.20", .dport = 22 };
	struct pkt_spec priv = { .src = "10.0.9.9", .dst = "10.96.0.20", .dport = 22 };

	if (setup("mixed", NULL)) {
		EXPECT(pub, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(other, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(priv, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

/* ---- frontends: no side door through the node IP ---- */

static void test_frontend_of_public_service_passes(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 30080 };

	if (setup("mixed", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	teardown();
}

static void test_frontend_of_internal_service_dropped_for_public(void)
{
	struct pkt_spec pub = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 30090 };
	struct pkt_spec priv = { .src = "10.0.9.9", .dst = "192.0.2.10", .dport = 30090 };

	if (setup("mixed", NULL)) {
		EXPECT(pub, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(priv, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

/* The isolated flag of a frontend's service must never read as "public". */
static void test_frontend_of_isolated_internal_service_dropped_for_public(void)
{
	struct pkt_spec pub = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 30100 };
	struct pkt_spec rack = { .src = "10.0.9.9", .dst = "192.0.2.10", .dport = 30100 };
	struct pkt_spec member = { .src = "10.8.0.99", .dst = "192.0.2.10", .dport = 30100 };

	if (setup("mixed", NULL)) {
		EXPECT(pub, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(rack, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(member, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

static void test_frontend_address_other_traffic_not_owned(void)
{
	struct pkt_spec ssh = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 22 };
	struct pkt_spec ping = { .src = "203.0.113.7", .dst = "192.0.2.10",
				 .proto = IPPROTO_ICMP };
	struct pkt_spec udp = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 30090,
				.proto = IPPROTO_UDP };

	if (setup("mixed", NULL)) {
		EXPECT(ssh, PASS, ENF_REASON_PASS_NOT_OWNED);
		EXPECT(ping, PASS, ENF_REASON_PASS_NOT_OWNED);
		EXPECT(udp, PASS, ENF_REASON_PASS_NOT_OWNED);	/* frontend is tcp only */
	}
	teardown();
}

/* A frontend address is a node address: the node reassembles what arrives
 * there (locally, or in conntrack before the DNAT to the service), so the
 * first fragment decides for the whole packet, and a later fragment that
 * arrives before it is left to the reassembly (it never completes without
 * the first fragment). */
static void test_frontend_later_fragment_left_to_reassembly(void)
{
	struct pkt_spec later = { .src = "203.0.113.7", .dst = "192.0.2.10", .frag = 2,
				  .frag_id = 9 };
	struct pkt_spec first = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 30090,
				  .frag = 1, .frag_id = 9 };
	struct pkt_spec pub_first = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 30080,
				      .frag = 1, .frag_id = 10 };
	struct pkt_spec pub_later = { .src = "203.0.113.7", .dst = "192.0.2.10", .frag = 2,
				      .frag_id = 10 };

	if (setup("mixed", NULL)) {
		EXPECT(later, PASS, ENF_REASON_PASS_NOT_OWNED);		/* out of order */
		EXPECT(first, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* internal service */
		EXPECT(pub_first, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(pub_later, PASS, ENF_REASON_PASS_FRAGMENT);
	}
	teardown();
}

/* ---- rule 3: admission ---- */

static void test_private_source_reaches_internal_service_v4(void)
{
	struct pkt_spec tcp = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000 };
	struct pkt_spec udp = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 9999,
				.proto = IPPROTO_UDP };
	struct pkt_spec ping = { .src = "10.0.9.9", .dst = "10.0.3.10", .proto = IPPROTO_ICMP };

	if (setup("mixed", NULL)) {
		EXPECT(tcp, PASS, ENF_REASON_PASS_ADMITTED);
		EXPECT(udp, PASS, ENF_REASON_PASS_ADMITTED);	/* every port */
		EXPECT(ping, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

static void test_private_source_reaches_internal_service_v6(void)
{
	struct pkt_spec p = { .src = "fd00:10::99", .dst = "fd00:10::2:10", .dport = 4000 };

	if (setup("mixed", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_ADMITTED);
	teardown();
}

static void test_isolated_network_refuses_rack_private_source(void)
{
	struct pkt_spec p = { .src = "10.0.9.9", .dst = "10.8.0.20", .dport = 5432 };

	if (setup("mixed", NULL))
		EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	teardown();
}

static void test_isolated_network_admits_members_and_peers(void)
{
	struct pkt_spec member = { .src = "10.8.0.99", .dst = "10.8.0.20", .dport = 5432 };
	struct pkt_spec member6 = { .src = "fd00:8::99", .dst = "fd00:8::10", .dport = 22 };
	struct pkt_spec peer = { .src = "172.20.1.1", .dst = "10.8.0.20", .dport = 5432 };

	if (setup("mixed", NULL)) {
		EXPECT(member, PASS, ENF_REASON_PASS_ADMITTED);
		EXPECT(member6, PASS, ENF_REASON_PASS_ADMITTED);
		EXPECT(peer, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

static void test_instance_address_is_member_of_its_network(void)
{
	/* 10.0.7.10 is an instance of vault (network iso) outside iso's
	 * cidrs; its neighbour 10.0.7.11 is only rack-private. */
	struct pkt_spec inst = { .src = "10.0.7.10", .dst = "10.8.0.20", .dport = 5432 };
	struct pkt_spec other = { .src = "10.0.7.11", .dst = "10.8.0.20", .dport = 5432 };

	if (setup("mixed", NULL)) {
		EXPECT(inst, PASS, ENF_REASON_PASS_ADMITTED);
		EXPECT(other, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_member_of_isolated_network_is_still_rack_private(void)
{
	/* 10.8.0.99 is in iso and in 10.0.0.0/16? No: 10.8/24 is outside the
	 * rack-private 10.0/16, so it must not reach the rack network. */
	struct pkt_spec p = { .src = "10.8.0.99", .dst = "10.0.2.10", .dport = 4000 };

	if (setup("mixed", NULL))
		EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	teardown();
}

static void test_trusted_source_reaches_public_port(void)
{
	struct pkt_spec v4 = { .src = "198.51.100.7", .dst = "10.8.0.10", .dport = 443 };
	struct pkt_spec v6 = { .src = "2001:db8:1::5", .dst = "fd00:8::10", .dport = 443 };

	if (setup("mixed", NULL)) {
		EXPECT(v4, PASS, ENF_REASON_PASS_TRUSTED);
		EXPECT(v6, PASS, ENF_REASON_PASS_TRUSTED);
	}
	teardown();
}

static void test_untrusted_source_dropped_at_public_port(void)
{
	struct pkt_spec v4 = { .src = "203.0.113.7", .dst = "10.8.0.10", .dport = 443 };
	struct pkt_spec v6 = { .src = "2001:db8:2::5", .dst = "fd00:8::10", .dport = 443 };

	if (setup("mixed", NULL)) {
		EXPECT(v4, DROP, ENF_REASON_DROP_UNTRUSTED);
		EXPECT(v6, DROP, ENF_REASON_DROP_UNTRUSTED);
	}
	teardown();
}

static void test_trusted_source_cannot_reach_internal_port(void)
{
	struct pkt_spec p = { .src = "198.51.100.7", .dst = "10.8.0.20", .dport = 5432 };

	if (setup("mixed", NULL))
		EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	teardown();
}

static void test_v4_mapped_ipv6_source_is_not_private(void)
{
	struct pkt_spec p = { .src = "::ffff:10.0.9.9", .dst = "fd00:10::2:10", .dport = 4000 };

	if (setup("mixed", NULL))
		EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	teardown();
}

/* ---- rule 2: spoofing ---- */

static void test_spoofed_private_source_on_public_interface_dropped(void)
{
	struct pkt_spec owned = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000 };
	struct pkt_spec unowned = { .src = "10.0.9.9", .dst = "203.0.113.5", .dport = 22 };
	struct pkt_spec member = { .src = "10.8.0.99", .dst = "10.8.0.20", .dport = 5432 };
	struct pkt_spec v6 = { .src = "fd00:10::99", .dst = "fd00:10::2:10", .dport = 4000 };

	if (setup("public", NULL)) {
		EXPECT(owned, DROP, ENF_REASON_DROP_SPOOFED);
		EXPECT(unowned, DROP, ENF_REASON_DROP_SPOOFED);
		EXPECT(member, DROP, ENF_REASON_DROP_SPOOFED);
		EXPECT(v6, DROP, ENF_REASON_DROP_SPOOFED);
	}
	teardown();
}

static void test_public_interface_still_serves_public_ports(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80 };
	struct pkt_spec other = { .src = "203.0.113.7", .dst = "203.0.113.5", .dport = 80 };

	if (setup("public", NULL)) {
		EXPECT(p, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(other, PASS, ENF_REASON_PASS_NOT_OWNED);
	}
	teardown();
}

static void test_private_source_on_pods_interface_not_spoofed(void)
{
	struct pkt_spec p = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000 };

	if (setup("pods", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_ADMITTED);
	teardown();
}

static void test_interface_glob_gives_role(void)
{
	char yaml[sizeof(base_manifest) + 64];
	struct pkt_spec p = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000 };

	if (!setup(NULL, NULL))
		goto out;
	snprintf(yaml, sizeof(yaml), base_manifest, "match: \"l?\"", "public", "enforce");
	if (CHECK_EQ(apply_yaml(yaml), 0))
		EXPECT(p, DROP, ENF_REASON_DROP_SPOOFED);
out:
	teardown();
}

/* ---- rule 4: fail closed on what cannot be read ---- */

static void test_truncated_ipv4_header_dropped(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	uint8_t b[PKT_MAX];
	uint64_t before;

	if (!setup("mixed", NULL))
		goto out;
	pkt_build(&p, b);
	before = reason_packets(ENF_REASON_DROP_MALFORMED);
	CHECK_EQ(run_buf(b, 14 + 19), DROP);
	CHECK_EQ(run_buf(b, 14), DROP);
	CHECK_EQ(reason_packets(ENF_REASON_DROP_MALFORMED), before + 2);
out:
	teardown();
}

static void test_bad_ipv4_ihl_or_version_dropped(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "203.0.113.5", .dport = 80 };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("mixed", NULL))
		goto out;
	len = pkt_build(&p, b);
	b[14] = 0x44;	/* IHL 4 */
	CHECK_EQ(run_buf(b, len), DROP);
	b[14] = 0x4f;	/* IHL 15: 60 bytes, more than the packet has */
	CHECK_EQ(run_buf(b, 14 + 40), DROP);
	b[14] = 0x65;	/* version 6 in an IPv4 ethertype */
	CHECK_EQ(run_buf(b, len), DROP);
	CHECK_EQ(reason_packets(ENF_REASON_DROP_MALFORMED), 3);
out:
	teardown();
}

static void test_truncated_ipv6_header_dropped(void)
{
	struct pkt_spec p = { .src = "2001:db8::7", .dst = "fd00:10::2:10", .dport = 4000 };
	uint8_t b[PKT_MAX];

	if (!setup("mixed", NULL))
		goto out;
	pkt_build(&p, b);
	CHECK_EQ(run_buf(b, 14 + 39), DROP);
	CHECK_EQ(reason_packets(ENF_REASON_DROP_MALFORMED), 1);
out:
	teardown();
}

static void test_truncated_tcp_to_internal_dropped(void)
{
	/* 8 bytes of TCP: ports readable, but a tiny header is the classic
	 * fragment trick, so it is malformed, not judged on its ports. */
	struct pkt_spec v4 = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
			       .l4_len = 8 };
	struct pkt_spec v6 = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .dport = 80,
			       .l4_len = 8 };
	struct pkt_spec udp = { .src = "203.0.113.7", .dst = "10.0.4.10", .dport = 3001,
				.proto = IPPROTO_UDP, .l4_len = 4 };

	if (setup("mixed", NULL)) {
		EXPECT(v4, DROP, ENF_REASON_DROP_MALFORMED);
		EXPECT(v6, DROP, ENF_REASON_DROP_MALFORMED);
		EXPECT(udp, DROP, ENF_REASON_DROP_MALFORMED);
	}
	teardown();
}

static void test_tiny_first_fragment_dropped(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
			      .frag = 1, .l4_len = 8 };

	if (setup("mixed", NULL))
		EXPECT(p, DROP, ENF_REASON_DROP_MALFORMED);
	teardown();
}

static void test_truncated_l4_from_admitted_source_passes(void)
{
	struct pkt_spec p = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000, .l4_len = 4 };

	if (setup("mixed", NULL))
		EXPECT(p, PASS, ENF_REASON_PASS_ADMITTED);
	teardown();
}

static void test_first_fragment_judged_on_ports(void)
{
	struct pkt_spec pub = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
				.frag = 1 };
	struct pkt_spec internal = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000,
				     .frag = 1 };
	struct pkt_spec v6 = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .dport = 80,
			       .frag = 1 };

	if (setup("mixed", NULL)) {
		EXPECT(pub, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(internal, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(v6, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	}
	teardown();
}

static void test_later_fragment_to_internal_dropped(void)
{
	struct pkt_spec v4 = { .src = "203.0.113.7", .dst = "10.0.2.10", .frag = 2 };
	struct pkt_spec v6 = { .src = "2001:db8::7", .dst = "fd00:10::2:10", .frag = 2 };
	struct pkt_spec admitted = { .src = "10.0.9.9", .dst = "10.0.2.10", .frag = 2 };

	if (setup("mixed", NULL)) {
		EXPECT(v4, DROP, ENF_REASON_DROP_FRAGMENT);
		EXPECT(v6, DROP, ENF_REASON_DROP_FRAGMENT);
		EXPECT(admitted, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

static void test_ipv4_options_are_skipped(void)
{
	struct pkt_spec pub = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
				.ip_opts = 10 };
	struct pkt_spec internal = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 4000,
				     .ip_opts = 3 };

	if (setup("mixed", NULL)) {
		EXPECT(pub, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(internal, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_vlan_tags_are_walked(void)
{
	struct pkt_spec one = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000,
				.vlans = 1 };
	struct pkt_spec qinq = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
				 .vlans = 2 };
	struct pkt_spec qinq6 = { .src = "2001:db8::7", .dst = "fd00:10::2:10", .dport = 4000,
				  .vlans = 2 };

	if (setup("mixed", NULL)) {
		EXPECT(one, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(qinq, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(qinq6, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_vlan_stack_beyond_bound_dropped(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80, .vlans = 3 };

	if (setup("mixed", NULL))
		EXPECT(p, DROP, ENF_REASON_DROP_HDR_CHAIN);
	teardown();
}

static void test_ipv6_extension_headers_are_walked(void)
{
	struct pkt_spec pub = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .dport = 80,
				.ext_hdrs = 3 };
	struct pkt_spec internal = { .src = "2001:db8::7", .dst = "fd00:10::2:10",
				     .dport = 4000, .ext_hdrs = ENF_MAX_EXT_HDRS - 1 };

	if (setup("mixed", NULL)) {
		EXPECT(pub, PASS, ENF_REASON_PASS_PUBLIC_PORT);
		EXPECT(internal, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

static void test_ipv6_extension_chain_beyond_bound_dropped(void)
{
	struct pkt_spec pub = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .dport = 80,
				.ext_hdrs = ENF_MAX_EXT_HDRS + 1 };
	struct pkt_spec admitted = { .src = "fd00:10::99", .dst = "fd00:10::1:10", .dport = 80,
				     .ext_hdrs = ENF_MAX_EXT_HDRS + 1 };

	if (setup("mixed", NULL)) {
		EXPECT(pub, DROP, ENF_REASON_DROP_HDR_CHAIN);
		EXPECT(admitted, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

static void test_truncated_ipv6_extension_header_dropped(void)
{
	struct pkt_spec p = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .dport = 80,
			      .ext_hdrs = 2 };
	uint8_t b[PKT_MAX];

	if (!setup("mixed", NULL))
		goto out;
	pkt_build(&p, b);
	CHECK_EQ(run_buf(b, 14 + 40 + 8 + 4), DROP);	/* cut inside the 2nd header */
	CHECK_EQ(reason_packets(ENF_REASON_DROP_MALFORMED), 1);
out:
	teardown();
}

static void test_unknown_l4_protocol_to_public_service_dropped(void)
{
	struct pkt_spec exp = { .src = "203.0.113.7", .dst = "10.0.1.10", .proto = 253 };
	struct pkt_spec esp6 = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .proto = 50 };

	if (setup("mixed", NULL)) {
		EXPECT(exp, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(esp6, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

/* ---- modes, counters, generations ---- */

static void test_audit_mode_counts_but_passes(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	uint64_t audit;

	if (!setup("mixed", "audit"))
		goto out;
	audit = reason_packets(ENF_REASON_AUDIT_PASS);
	EXPECT(p, PASS, ENF_REASON_DROP_NOT_ADMITTED);
	CHECK_EQ(reason_packets(ENF_REASON_AUDIT_PASS), audit + 1);
out:
	teardown();
}

/* `enforcer monitor`'s kernel side: nothing while nobody reads; a drop
 * as a decoded event; a burst, then the rate, and what was left out
 * counted; passes only when asked; a dead reader's lease stops it all. */
static void test_monitor_events_rate_and_lease(void)
{
	struct pkt_spec drop = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000,
				 .sport = 40000 };
	struct pkt_spec pass = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80 };
	struct enf_mon_cpu c0 = {}, c1 = {}, *zeros, *zeros2;
	struct enf_monitor m = {};
	struct ring_buffer *rb = NULL;
	struct mon_seen seen = {};
	struct enf_addr dst;
	cpu_set_t cpus;
	uint32_t zero = 0;
	int i;

	/* one CPU: the bucket is per CPU */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpus);
	if (!CHECK(!sched_setaffinity(0, sizeof(cpus), &cpus), "cannot pin to a CPU"))
		return;
	if (!setup("mixed", NULL))
		goto out;
	rb = ring_buffer__new(st.events_fd, mon_collect, &seen, NULL);
	if (!CHECK(rb != NULL, "ring_buffer__new: %s", strerror(errno)))
		goto out;
	/* nobody listening: nothing written, nothing counted */
	EXPECT(drop, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	state_sum_percpu(st.mon_cpu_fd, 0, &c0, sizeof(c0), 4);
	CHECK_EQ(c0.emitted + c0.rate_limited + c0.ring_full, 0);

	mon_set(ENF_MON_DROPS, 10LL * 1000000000LL, 2);
	for (i = 0; i < 5; i++)
		EXPECT(drop, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(pass, PASS, ENF_REASON_PASS_PUBLIC_PORT);	/* no passes asked for */
	ring_buffer__consume(rb);
	state_sum_percpu(st.mon_cpu_fd, 0, &c1, sizeof(c1), 4);
	CHECK_EQ(seen.n, 2);				/* the burst */
	CHECK_EQ(c1.emitted, 2);
	CHECK_EQ(c1.rate_limited, 3);			/* the rest, counted */
	CHECK_EQ(c1.ring_full, 0);
	if (seen.n) {
		struct enf_event *e = &seen.ev[0];

		addr_parse("10.0.2.10", &dst);
		CHECK_EQ(e->verdict, ENF_EV_DROP);
		CHECK_EQ(e->reason, ENF_REASON_DROP_NOT_ADMITTED);
		CHECK(addr_equal(&e->dst, &dst), "event destination");
		CHECK_EQ(e->src.family, ENF_AF_INET);
		CHECK_EQ(e->proto, IPPROTO_TCP);
		CHECK_EQ(e->has_ports, 1);
		CHECK_EQ(ntohs(e->dport), 4000);
		CHECK_EQ(ntohs(e->sport), 40000);
		CHECK(e->service_id != 0, "event names no service");
		CHECK(e->generation != 0, "event names no generation");
		CHECK(e->ifindex != 0 && e->bytes > 0, "event interface/length");
	}

	/* passes on request */
	seen.n = 0;
	mon_set(ENF_MON_PASSES, 10LL * 1000000000LL, 2);
	zeros = calloc(libbpf_num_possible_cpus(), sizeof(*zeros));	/* a fresh bucket */
	if (zeros)
		bpf_map_update_elem(st.mon_cpu_fd, &zero, zeros, BPF_ANY);
	free(zeros);
	EXPECT(pass, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT(drop, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* drops not asked for */
	ring_buffer__consume(rb);
	CHECK_EQ(seen.n, 1);
	if (seen.n) {
		CHECK_EQ(seen.ev[0].verdict, ENF_EV_PASS);
		CHECK_EQ(seen.ev[0].reason, ENF_REASON_PASS_PUBLIC_PORT);
	}

	/* a packet cut short: an event with what was parsed, every other
	 * byte zero (nothing of the kernel's leaks into the ring) */
	{
		static const uint8_t cut[14 + 10] = {
			0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,	/* IPv4 */
			0x45, 0, 0, 60, 0, 0, 0, 0, 64, 6,		/* 10 of 20 bytes */
		};
		static const uint8_t zeros[sizeof(struct enf_addr)];

		seen.n = 0;
		mon_set(ENF_MON_DROPS, 10LL * 1000000000LL, 2);
		zeros2 = calloc(libbpf_num_possible_cpus(), sizeof(*zeros2));
		if (zeros2)
			bpf_map_update_elem(st.mon_cpu_fd, &zero, zeros2, BPF_ANY);
		free(zeros2);
		EXPECT_BUF(cut, sizeof(cut), DROP, ENF_REASON_DROP_MALFORMED);
		ring_buffer__consume(rb);
		if (CHECK_EQ(seen.n, 1)) {
			struct enf_event *e = &seen.ev[0];

			CHECK_EQ(e->reason, ENF_REASON_DROP_MALFORMED);
			CHECK_EQ(e->has_ports, 0);
			CHECK_EQ(e->sport | e->dport, 0);
			CHECK_EQ(e->service_id, 0);
			CHECK(!memcmp(e->pad, zeros, sizeof(e->pad)) &&
			      !memcmp(e->pad2, zeros, sizeof(e->pad2)) &&
			      !memcmp(&e->outer_src, zeros, sizeof(e->outer_src)),
			      "padding or the outer source not zero");
			CHECK(!memcmp(&e->src, zeros, sizeof(e->src)) &&
			      !memcmp(&e->dst, zeros, sizeof(e->dst)),
			      "addresses of a header not read");
		}
	}

	/* a reader whose lease ran out: the next packet turns the events off */
	seen.n = 0;
	mon_set(ENF_MON_DROPS, -1, 2);
	EXPECT(drop, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	ring_buffer__consume(rb);
	CHECK_EQ(seen.n, 0);
	bpf_map_lookup_elem(st.monitor_fd, &zero, &m);
	CHECK_EQ(m.flags, 0);
out:
	ring_buffer__free(rb);
	teardown();
	CPU_ZERO(&cpus);
	for (i = 0; i < libbpf_num_possible_cpus(); i++)
		CPU_SET(i, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

/* Sum of a service's drop packets in the generation in force, by name. */
static uint64_t service_drops(const char *app, const char *service)
{
	struct enf_svc_counter c = {};
	struct enf_svc_meta m;
	struct enf_active act;
	struct enf_policy pol;
	int meta_fd, stat_fd;
	uint32_t id;

	if (state_active(&st, &act, &pol))
		return ~0ULL;
	meta_fd = state_inner_fd(&st, SEL_META, act.slot);
	stat_fd = state_inner_fd(&st, SEL_SVCSTAT, act.slot);
	for (id = 1; meta_fd >= 0 && stat_fd >= 0 && id <= pol.services; id++) {
		if (bpf_map_lookup_elem(meta_fd, &id, &m))
			break;
		if (!strcmp(m.app, app) && !strcmp(m.service, service)) {
			state_sum_percpu(stat_fd, id, &c, sizeof(c), 4);
			break;
		}
	}
	if (meta_fd >= 0)
		close(meta_fd);
	if (stat_fd >= 0)
		close(stat_fd);
	return c.drop_packets;
}

/* An apply keeps the counters of the services it does not change (by name
 * and digest, whatever their new ids), and restarts those it changes. */
static void test_per_service_counters_survive_applies(void)
{
	struct pkt_spec admin = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	struct pkt_spec hidden = { .src = "203.0.113.7", .dst = "10.0.5.10", .dport = 5000 };
	char yaml[sizeof(base_manifest) + 128], *at;

	if (!setup("mixed", NULL))
		goto out;
	EXPECT(admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(hidden, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	/* the same manifest again: a new generation, the same counts */
	CHECK_EQ(apply_base("mixed", "enforce"), 0);
	CHECK_EQ(service_drops("shop", "admin"), 2);
	CHECK_EQ(service_drops("shop", "hidden"), 1);
	/* a service added in front (every id moves), hidden's instance moved
	 * (its internal port alone would not count: no map holds it) */
	snprintf(yaml, sizeof(yaml), base_manifest, "name: lo", "mixed", "enforce");
	at = strstr(yaml, "instances: [10.0.5.10]");
	if (!CHECK(at != NULL, "base manifest changed"))
		goto out;
	memcpy(at, "instances: [10.0.5.11]", strlen("instances: [10.0.5.11]"));
	at = strstr(yaml, "    services:\n");
	memmove(at + strlen("    services:\n      aaa: { port: 1, instances: [10.0.9.77] }\n"),
		at + strlen("    services:\n"), strlen(at + strlen("    services:\n")) + 1);
	memcpy(at, "    services:\n      aaa: { port: 1, instances: [10.0.9.77] }\n",
	       strlen("    services:\n      aaa: { port: 1, instances: [10.0.9.77] }\n"));
	CHECK_EQ(apply_yaml(yaml), 0);
	CHECK_EQ(service_drops("shop", "admin"), 2);	/* unchanged: kept */
	CHECK_EQ(service_drops("shop", "hidden"), 0);	/* changed: restarted */
	EXPECT(admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	CHECK_EQ(service_drops("shop", "admin"), 3);
out:
	teardown();
}

static void test_per_service_counters_count_pass_and_drop(void)
{
	struct pkt_spec drop = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	struct pkt_spec pass = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000 };
	struct pkt_spec fe = { .src = "203.0.113.7", .dst = "192.0.2.10", .dport = 30090 };
	struct enf_svc_counter c = {};
	struct enf_active act;
	uint32_t admin_id = 2, hidden_id = 5;
	int fd;

	if (!setup("mixed", NULL))
		goto out;
	EXPECT(drop, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(drop, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(pass, PASS, ENF_REASON_PASS_ADMITTED);
	EXPECT(fe, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	state_active(&st, &act, NULL);
	fd = state_inner_fd(&st, SEL_SVCSTAT, act.slot);
	if (!CHECK(fd >= 0, "no per-service counters"))
		goto out;
	CHECK_EQ(state_sum_percpu(fd, admin_id, &c, sizeof(c), 4), 0);
	CHECK_EQ(c.drop_packets, 2);
	CHECK_EQ(c.pass_packets, 1);
	CHECK_EQ(state_sum_percpu(fd, hidden_id, &c, sizeof(c), 4), 0);
	CHECK_EQ(c.drop_packets, 1);	/* frontend traffic counts for its service */
	close(fd);
out:
	teardown();
}

static void test_second_apply_replaces_policy(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	struct enf_active act;
	struct enf_policy pol;
	char *yaml = NULL;

	if (!setup("mixed", NULL))
		goto out;
	EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	/* admin becomes public */
	if (asprintf(&yaml, base_manifest, "name: lo", "mixed", "enforce") < 0)
		goto out;
	memcpy(strstr(yaml, "internal: true"), "internal: no  ", 14);
	CHECK_EQ(apply_yaml(yaml), 0);
	EXPECT(p, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	CHECK_EQ(state_active(&st, &act, &pol), 0);
	CHECK_EQ(pol.generation, 2);
	CHECK_EQ(act.slot, 0);	/* 1 after the first apply, flipped back */
	CHECK_EQ(apply_base("mixed", "enforce"), 0);
	EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
out:
	free(yaml);
	teardown();
}

static void test_invalid_manifest_leaves_policy_untouched(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	struct enf_policy before, after;
	struct enf_active act;
	FILE *devnull = fopen("/dev/null", "w");
	struct manifest *m = NULL;
	static const char bad[] = "apps:\n  x:\n    services:\n      y: { port: 99999 }\n";

	if (!setup("mixed", NULL))
		goto out;
	state_active(&st, &act, &before);
	CHECK_EQ(manifest_load_buf(bad, strlen(bad), "bad.yml", &m, devnull), -EINVAL);
	CHECK(m == NULL, "a model was returned for an invalid manifest");
	state_active(&st, &act, &after);
	CHECK_EQ(after.generation, before.generation);
	EXPECT(p, DROP, ENF_REASON_DROP_NOT_ADMITTED);
out:
	if (devnull)
		fclose(devnull);
	teardown();
}

static void test_expired_private_range_stops_admitting_in_kernel(void)
{
	/* The entry is alive when compiled, but the compile clock says boot
	 * time was 10 s ahead: in kernel time the expiry has already passed,
	 * so the data path must use the after-expiry class. */
	static const char yaml[] =
		"private:\n"
		"  - { cidr: 10.0.0.0/16, expires: \"2099-01-01\" }\n"
		"  - 10.1.0.0/16\n"
		"apps:\n  a:\n    services:\n"
		"      s: { port: 80, internal: true, instances: [10.0.2.10] }\n";
	struct pkt_spec expired = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 80 };
	struct pkt_spec forever = { .src = "10.1.9.9", .dst = "10.0.2.10", .dport = 80 };
	struct compile_clock clk;
	struct manifest *m = NULL;
	struct compiled c;
	struct timespec ts;

	if (!setup(NULL, NULL))
		goto out;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	clk.wall = 4070908800LL - 1;	/* one second before 2099-01-01 */
	clk.boot_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec - 10000000000ULL;
	if (!CHECK_EQ(manifest_load_buf(yaml, strlen(yaml), "t.yml", &m, stdout), 0))
		goto out;
	if (CHECK_EQ(compile_manifest(m, &clk, &c, stdout), 0)) {
		CHECK_EQ(state_apply(&st, &c, NULL, 0, NULL), 0);
		compiled_free(&c);
		EXPECT(expired, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(forever, PASS, ENF_REASON_PASS_ADMITTED);
	}
	manifest_free(m);
out:
	teardown();
}

static uint32_t inner_id(enum sel sel, uint32_t slot)
{
	uint32_t id = 0;

	bpf_map_lookup_elem(st.sel_fd[sel], &slot, &id);
	return id;
}

/* `apply` rewrites the inactive slot's maps in place when they have room
 * (no outer-map update, hence no synchronize_rcu per map), and the slot
 * keeps nothing of the generation it held before. */
static void test_apply_rewrites_slot_in_place(void)
{
	static const char a[] = "apps:\n  a:\n    services:\n"
				"      s: { port: 80, internal: true, instances: [10.0.2.10] }\n"
				"      t: { port: 81, instances: [10.0.3.10] }\n";
	static const char b[] = "apps:\n  a:\n    services:\n"
				"      u: { port: 82, internal: true, instances: [10.0.4.10] }\n";
	struct pkt_spec gone = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 80 };
	struct pkt_spec port = { .src = "203.0.113.7", .dst = "10.0.3.10", .dport = 81 };
	struct pkt_spec kept = { .src = "203.0.113.7", .dst = "10.0.4.10", .dport = 82 };
	struct enf_active act;
	uint32_t slot_a, ids[SEL_MAX], i;
	char *big = NULL;
	size_t len = 0;
	FILE *f;

	if (!setup(NULL, NULL))
		goto out;
	if (!CHECK_EQ(apply_yaml(a), 0) || !CHECK_EQ(state_active(&st, &act, NULL), 0))
		goto out;
	slot_a = act.slot;
	for (i = 0; i < SEL_MAX; i++)
		ids[i] = inner_id(i, slot_a);
	EXPECT(gone, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	CHECK_EQ(apply_yaml(b), 0);
	CHECK_EQ(apply_yaml(b), 0);	/* back in A's slot */
	CHECK_EQ(state_active(&st, &act, NULL), 0);
	CHECK_EQ(act.slot, slot_a);
	for (i = 0; i < SEL_MAX; i++)
		CHECK(inner_id(i, slot_a) == ids[i], "map %s of the slot was replaced, not rewritten",
		      state_inner_name(i));
	EXPECT(gone, PASS, ENF_REASON_PASS_NOT_OWNED);	/* no stale address */
	EXPECT(port, PASS, ENF_REASON_PASS_NOT_OWNED);	/* no stale port */
	EXPECT(kept, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	/* the other slot already holds b: its unchanged maps are kept as
	 * they are, the policy is still b's */
	CHECK_EQ(apply_yaml(b), 0);
	EXPECT(gone, PASS, ENF_REASON_PASS_NOT_OWNED);
	EXPECT(kept, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	CHECK_EQ(apply_yaml(a), 0);
	EXPECT(gone, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	CHECK_EQ(apply_yaml(b), 0);
	CHECK_EQ(apply_yaml(b), 0);	/* b in force from slot_a again */
	CHECK_EQ(state_active(&st, &act, NULL), 0);
	CHECK_EQ(act.slot, slot_a);

	/* Outgrowing the maps replaces them, in the inactive slot only. */
	f = open_memstream(&big, &len);
	if (!f)
		goto out;
	fputs("apps:\n  a:\n    services:\n", f);
	for (i = 0; i < 1100; i++)	/* more than a slot's first maps hold */
		fprintf(f, "      s%u: { port: 80, internal: true, instances: [10.1.%u.%u] }\n", i,
			i / 200, i % 200 + 1);
	fclose(f);
	CHECK_EQ(apply_yaml(big), 0);
	CHECK_EQ(state_active(&st, &act, NULL), 0);
	CHECK(act.slot != slot_a, "the big policy went to the active slot");
	CHECK(inner_id(SEL_DST, act.slot) != 0, "no destination map");
	CHECK(inner_id(SEL_DST, slot_a) == ids[SEL_DST], "the active slot's map was replaced");
	EXPECT(kept, PASS, ENF_REASON_PASS_NOT_OWNED);
	gone.dst = "10.1.1.100";
	EXPECT(gone, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	CHECK_EQ(apply_yaml(big), 0);	/* and A's old slot grows too */
	CHECK(inner_id(SEL_DST, slot_a) != ids[SEL_DST], "outgrown map not replaced");
	EXPECT(gone, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(port, PASS, ENF_REASON_PASS_NOT_OWNED);
out:
	free(big);
	teardown();
}

/* Policy A puts D in network n1 and admits S to n1; policy B puts D in n2
 * and admits S to n2. Any mix of the two generations within one packet
 * (destination from one, admission from the other) drops the packet, so
 * a single drop while applying A and B alternately is a torn swap. */
static const char flip_a[] =
	"networks:\n  n1: { isolated: true, cidrs: [10.1.0.0/16] }\n"
	"  n2: { isolated: true, cidrs: [10.2.0.0/16] }\n"
	"apps:\n  a:\n    network: n1\n    services:\n"
	"      s: { port: 80, internal: true, instances: [10.9.0.1] }\n"
	"  b:\n    network: n2\n    services:\n"
	"      s: { port: 80, internal: true, instances: [10.9.0.2] }\n";

static volatile int flip_stop;
static uint8_t flip_pkt[PKT_MAX];
static size_t flip_len;

static void *flip_traffic(void *arg)
{
	long *drops = arg;

	while (!flip_stop)
		if (run_buf(flip_pkt, flip_len) != XDP_PASS)
			(*drops)++;
	return NULL;
}

static void test_policy_swap_never_mixes_generations(void)
{
	struct pkt_spec p = { .src = "10.1.0.5", .dst = "10.9.0.1", .dport = 80 };
	char flip_b[sizeof(flip_a)];
	pthread_t thr;
	long drops = 0;
	int i, n = (int)test_scaled(200), err = 0;

	if (!setup(NULL, NULL))
		goto out;
	/* B: the same text with 10.9.0.1 and 10.9.0.2 swapped between apps,
	 * and the source moved into n2's range. */
	memcpy(flip_b, flip_a, sizeof(flip_a));
	memcpy(strstr(flip_b, "[10.9.0.1]"), "[10.9.0.3]", 10);
	memcpy(strstr(flip_b, "[10.9.0.2]"), "[10.9.0.1]", 10);
	memcpy(strstr(flip_b, "n1: { isolated: true, cidrs: [10.1"), "n1: { isolated: true, cidrs: [10.3",
	       strlen("n1: { isolated: true, cidrs: [10.3"));
	memcpy(strstr(flip_b, "n2: { isolated: true, cidrs: [10.2"), "n2: { isolated: true, cidrs: [10.1",
	       strlen("n2: { isolated: true, cidrs: [10.1"));
	if (!CHECK_EQ(apply_yaml(flip_a), 0))
		goto out;
	flip_len = pkt_build(&p, flip_pkt);
	if (!CHECK_EQ(run_buf(flip_pkt, flip_len), XDP_PASS))
		goto out;
	flip_stop = 0;
	pthread_create(&thr, NULL, flip_traffic, &drops);
	for (i = 0; i < n && !err; i++)
		err = apply_yaml(i % 2 ? flip_a : flip_b);
	flip_stop = 1;
	pthread_join(thr, NULL);
	CHECK_EQ(err, 0);
	CHECK_EQ(drops, 0);
out:
	teardown();
}


/* ---- issue 4: replies, ICMP errors, fragments, tunnels, NDP, trace ---- */

/* Runs the TC egress program (the flow recorder) over a packet. */
static int run_egress(const struct pkt_spec *spec)
{
	uint8_t b[PKT_MAX];

	return run_prog(st.egress_fd, b, pkt_build(spec, b));
}

static int flow_count(void)
{
	struct enf_flow_key k, next;
	int n = 0, err;

	for (err = bpf_map_get_next_key(st.flows_fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(st.flows_fd, &k, &next)) {
		k = next;
		n++;
	}
	return n;
}

static void test_reply_to_flow_opened_by_internal_instance_passes(void)
{
	struct pkt_spec out = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				.dport = 443 };
	struct pkt_spec reply = { .src = "203.0.113.9", .dst = "10.0.2.10", .sport = 443,
				  .dport = 40000, .tcp_flags = 0x12 };
	struct pkt_spec other = { .src = "203.0.113.9", .dst = "10.0.2.10", .sport = 443,
				  .dport = 40001, .tcp_flags = 0x12 };
	struct pkt_spec stranger = { .src = "203.0.113.10", .dst = "10.0.2.10", .sport = 443,
				     .dport = 40000, .tcp_flags = 0x12 };

	if (!setup("mixed", NULL))
		goto out;
	EXPECT(reply, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* nothing opened yet */
	CHECK_EQ(run_egress(&out), TC_ACT_OK);
	CHECK_EQ(flow_count(), 1);
	EXPECT(reply, PASS, ENF_REASON_PASS_REPLY);
	EXPECT(other, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(stranger, DROP, ENF_REASON_DROP_NOT_ADMITTED);
out:
	teardown();
}

/* An instance answering a SYN (SYN-ACK) or refusing one (RST) opens no
 * flow: else a public client whose SYN reached the instance before it was
 * internal (or before attach) could come back in as a "reply". And a bare
 * SYN is never a reply, whatever flow its ports match. */
static void test_answering_a_syn_opens_no_flow(void)
{
	struct pkt_spec synack = { .src = "10.0.2.10", .dst = "198.51.100.10", .sport = 4000,
				   .dport = 40000, .tcp_flags = 0x12 };
	struct pkt_spec rst = { .src = "10.0.2.10", .dst = "198.51.100.10", .sport = 4000,
				.dport = 40001, .tcp_flags = 0x14 };
	struct pkt_spec syn = { .src = "198.51.100.10", .dst = "10.0.2.10", .sport = 40000,
				.dport = 4000 };
	struct pkt_spec ack = { .src = "198.51.100.10", .dst = "10.0.2.10", .sport = 40000,
				.dport = 4000, .tcp_flags = 0x10 };
	struct pkt_spec out = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				.dport = 443 };
	struct pkt_spec bare = { .src = "203.0.113.9", .dst = "10.0.2.10", .sport = 443,
				 .dport = 40000 };
	struct pkt_spec data = { .src = "10.0.2.10", .dst = "203.0.113.11", .sport = 40002,
				 .dport = 443, .tcp_flags = 0x18 };
	struct pkt_spec data_reply = { .src = "203.0.113.11", .dst = "10.0.2.10", .sport = 443,
				       .dport = 40002, .tcp_flags = 0x10 };

	if (!setup("mixed", NULL))
		goto out;
	CHECK_EQ(run_egress(&synack), TC_ACT_OK);
	CHECK_EQ(run_egress(&rst), TC_ACT_OK);
	CHECK_EQ(flow_count(), 0);
	EXPECT(syn, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(ack, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	/* the instance's own connection: its reply passes, a bare SYN on
	 * the same ports does not */
	CHECK_EQ(run_egress(&out), TC_ACT_OK);
	EXPECT(bare, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	/* a connection older than the enforcer keeps working */
	CHECK_EQ(run_egress(&data), TC_ACT_OK);
	EXPECT(data_reply, PASS, ENF_REASON_PASS_REPLY);
out:
	teardown();
}

static void test_udp_and_v6_replies_pass(void)
{
	struct pkt_spec out = { .src = "10.0.3.10", .dst = "198.51.100.53", .sport = 5353,
				.dport = 53, .proto = IPPROTO_UDP };
	struct pkt_spec reply = { .src = "198.51.100.53", .dst = "10.0.3.10", .sport = 53,
				  .dport = 5353, .proto = IPPROTO_UDP };
	struct pkt_spec out6 = { .src = "fd00:10::2:10", .dst = "2001:db8::99", .sport = 41000,
				 .dport = 443 };
	struct pkt_spec reply6 = { .src = "2001:db8::99", .dst = "fd00:10::2:10", .sport = 443,
				   .dport = 41000, .tcp_flags = 0x12 };

	if (!setup("mixed", NULL))
		goto out;
	CHECK_EQ(run_egress(&out), TC_ACT_OK);
	CHECK_EQ(run_egress(&out6), TC_ACT_OK);
	EXPECT(reply, PASS, ENF_REASON_PASS_REPLY);
	EXPECT(reply6, PASS, ENF_REASON_PASS_REPLY);
out:
	teardown();
}

static void test_flows_expire_and_close(void)
{
	char yaml[sizeof(base_manifest) + 128];
	struct pkt_spec udp_out = { .src = "10.0.3.10", .dst = "198.51.100.53", .sport = 5353,
				    .dport = 53, .proto = IPPROTO_UDP };
	struct pkt_spec udp_reply = { .src = "198.51.100.53", .dst = "10.0.3.10", .sport = 53,
				      .dport = 5353, .proto = IPPROTO_UDP };
	struct pkt_spec rst = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				.dport = 443, .tcp_flags = 0x04 };
	struct pkt_spec syn = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				.dport = 443 };
	struct pkt_spec reply = { .src = "203.0.113.9", .dst = "10.0.2.10", .sport = 443,
				  .dport = 40000, .tcp_flags = 0x10 };

	if (!setup(NULL, NULL))
		goto out;
	snprintf(yaml, sizeof(yaml), base_manifest, "name: lo", "mixed", "enforce");
	strcat(yaml, "flows: { udp: 1, tcp_closing: 1 }\n");
	if (!CHECK_EQ(apply_yaml(yaml), 0))
		goto out;
	CHECK_EQ(run_egress(&udp_out), TC_ACT_OK);
	CHECK_EQ(run_egress(&syn), TC_ACT_OK);
	CHECK_EQ(run_egress(&rst), TC_ACT_OK);	/* the instance closes it */
	EXPECT(udp_reply, PASS, ENF_REASON_PASS_REPLY);
	EXPECT(reply, PASS, ENF_REASON_PASS_REPLY);
	usleep(1200 * 1000);
	EXPECT(udp_reply, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT(reply, DROP, ENF_REASON_DROP_NOT_ADMITTED);
out:
	teardown();
}

static void test_echo_reply_to_instance_ping_passes(void)
{
	struct pkt_spec ping = { .src = "10.0.2.10", .dst = "203.0.113.9", .proto = IPPROTO_ICMP,
				 .icmp_type = 8, .icmp_id = 77 };
	struct pkt_spec pong = { .src = "203.0.113.9", .dst = "10.0.2.10", .proto = IPPROTO_ICMP,
				 .echo_reply = 1, .icmp_id = 77 };
	struct pkt_spec other = { .src = "203.0.113.9", .dst = "10.0.2.10", .proto = IPPROTO_ICMP,
				  .echo_reply = 1, .icmp_id = 78 };

	if (!setup("mixed", NULL))
		goto out;
	CHECK_EQ(run_egress(&ping), TC_ACT_OK);
	CHECK_EQ(flow_count(), 1);
	EXPECT(pong, PASS, ENF_REASON_PASS_REPLY);
	EXPECT(other, DROP, ENF_REASON_DROP_NOT_ADMITTED);
out:
	teardown();
}

static void test_no_flow_for_public_replies_or_admitted_peers(void)
{
	struct pkt_spec pub = { .src = "10.0.1.10", .dst = "203.0.113.9", .sport = 80,
				.dport = 50000, .tcp_flags = 0x12 };
	struct pkt_spec peer = { .src = "10.0.2.10", .dst = "10.0.9.9", .sport = 40000,
				 .dport = 5432 };
	struct pkt_spec node = { .src = "192.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				 .dport = 443 };

	if (!setup("mixed", NULL))
		goto out;
	CHECK_EQ(run_egress(&pub), TC_ACT_OK);
	CHECK_EQ(run_egress(&peer), TC_ACT_OK);
	CHECK_EQ(run_egress(&node), TC_ACT_OK);
	CHECK_EQ(flow_count(), 0);
out:
	teardown();
}

/* An ICMP error quoting `inner` (its IP header and first 8 L4 bytes). */
static size_t icmp_error(uint8_t *b, const char *from, const char *to, int v6, uint8_t type,
			 uint8_t code, const struct pkt_spec *inner)
{
	uint8_t in[PKT_MAX];
	size_t ilen = pkt_build(inner, in), ihl = v6 ? 40 : (in[14] & 0xf) * 4;
	struct pkt_spec e = { .src = from, .dst = to, .proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
			      .icmp_type = type, .icmp_code = code, .payload = in + 14,
			      .payload_len = ihl + 8 };

	(void)ilen;
	return pkt_build(&e, b);
}


static void test_packet_too_big_for_public_flow_passes(void)
{
	/* web (10.0.1.10:80) answered a client; a router says "too big" */
	struct pkt_spec answer = { .src = "10.0.1.10", .dst = "203.0.113.9", .sport = 80,
				   .dport = 50000 };
	struct pkt_spec answer6 = { .src = "fd00:10::1:10", .dst = "2001:db8::9", .sport = 80,
				    .dport = 50000 };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("mixed", NULL))
		goto out;
	len = icmp_error(b, "203.0.113.1", "10.0.1.10", 0, 3, 4, &answer);
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_ICMP_ERROR);
	len = icmp_error(b, "2001:db8::1", "fd00:10::1:10", 1, 2, 0, &answer6);
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_ICMP_ERROR);
out:
	teardown();
}

static void test_icmp_error_for_opened_flow_passes(void)
{
	struct pkt_spec out = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				.dport = 443 };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("mixed", NULL))
		goto out;
	len = icmp_error(b, "203.0.113.1", "10.0.2.10", 0, 3, 1, &out);
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_ICMP_ERROR);	/* no flow yet: forged */
	CHECK_EQ(run_egress(&out), TC_ACT_OK);
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_ICMP_ERROR);
out:
	teardown();
}

static void test_forged_icmp_errors_to_internal_instances_dropped(void)
{
	/* quoting an internal port, quoting another address, quoting garbage */
	struct pkt_spec internal = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 4000,
				     .dport = 50000 };
	struct pkt_spec elsewhere = { .src = "10.0.1.11", .dst = "203.0.113.9", .sport = 80,
				      .dport = 50000 };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("mixed", NULL))
		goto out;
	len = icmp_error(b, "203.0.113.1", "10.0.2.10", 0, 3, 4, &internal);
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_ICMP_ERROR);
	len = icmp_error(b, "203.0.113.1", "10.0.1.10", 0, 11, 0, &elsewhere);
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_ICMP_ERROR);
	len = icmp_error(b, "203.0.113.1", "10.0.2.10", 0, 3, 4, &internal);
	len = 14 + 20 + 8 + 10;	/* quote cut inside its IP header */
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_ICMP_ERROR);
out:
	teardown();
}

static void test_later_fragment_of_passed_first_fragment_passes(void)
{
	struct pkt_spec first = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
				  .frag = 1, .frag_id = 4242 };
	struct pkt_spec later = { .src = "203.0.113.7", .dst = "10.0.1.10", .frag = 2,
				  .frag_id = 4242 };
	struct pkt_spec stranger = { .src = "203.0.113.7", .dst = "10.0.1.10", .frag = 2,
				     .frag_id = 4243 };
	struct pkt_spec first6 = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .dport = 80,
				   .frag = 1, .frag_id = 99 };
	struct pkt_spec later6 = { .src = "2001:db8::7", .dst = "fd00:10::1:10", .frag = 2,
				   .frag_id = 99 };

	if (!setup("mixed", NULL))
		goto out;
	EXPECT(later, DROP, ENF_REASON_DROP_FRAGMENT);	/* orphan */
	EXPECT(first, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT(later, PASS, ENF_REASON_PASS_FRAGMENT);
	EXPECT(stranger, DROP, ENF_REASON_DROP_FRAGMENT);
	EXPECT(first6, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT(later6, PASS, ENF_REASON_PASS_FRAGMENT);
out:
	teardown();
}

static void test_fragments_of_dropped_first_fragment_dropped(void)
{
	struct pkt_spec first = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000,
				  .frag = 1, .frag_id = 7 };
	struct pkt_spec later = { .src = "203.0.113.7", .dst = "10.0.2.10", .frag = 2,
				  .frag_id = 7 };

	if (setup("mixed", NULL)) {
		EXPECT(first, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(later, DROP, ENF_REASON_DROP_FRAGMENT);
	}
	teardown();
}

static void test_tunnels_to_enforced_destinations_dropped(void)
{
	struct pkt_spec ipip = { .src = "203.0.113.7", .dst = "10.0.2.10", .proto = 4 };
	struct pkt_spec sixin4 = { .src = "203.0.113.7", .dst = "10.0.1.10", .proto = 41 };
	struct pkt_spec gre6 = { .src = "2001:db8::7", .dst = "fd00:10::2:10", .proto = 47 };
	struct pkt_spec vxlan = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4789,
				  .proto = IPPROTO_UDP };
	struct pkt_spec admitted = { .src = "10.0.9.9", .dst = "10.0.2.10", .proto = 47 };

	if (setup("mixed", NULL)) {
		EXPECT(ipip, DROP, ENF_REASON_DROP_TUNNEL);
		EXPECT(sixin4, DROP, ENF_REASON_DROP_TUNNEL);
		EXPECT(gre6, DROP, ENF_REASON_DROP_TUNNEL);
		EXPECT(vxlan, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* not a public port */
		EXPECT(admitted, PASS, ENF_REASON_PASS_ADMITTED);
	}
	teardown();
}

static void test_neighbour_discovery_passes_only_from_the_link(void)
{
	struct pkt_spec ns = { .src = "fe80::1", .dst = "fd00:10::2:10", .proto = IPPROTO_ICMPV6,
			       .icmp_type = 135, .hop_limit = 255, .l4_len = 24 };
	struct pkt_spec routed = { .src = "fe80::1", .dst = "fd00:10::2:10",
				   .proto = IPPROTO_ICMPV6, .icmp_type = 135, .hop_limit = 64,
				   .l4_len = 24 };

	/* a global source with hop limit 255 would be forwarded to the pod */
	struct pkt_spec global = { .src = "2001:db8::7", .dst = "fd00:10::2:10",
				   .proto = IPPROTO_ICMPV6, .icmp_type = 135, .hop_limit = 255,
				   .l4_len = 24 };

	if (setup("mixed", NULL)) {
		EXPECT(ns, PASS, ENF_REASON_PASS_NDP);
		EXPECT(routed, DROP, ENF_REASON_DROP_NOT_ADMITTED);
		EXPECT(global, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	}
	teardown();
}

/* The trace twin decides like the attached program, reports why, and
 * changes nothing. */
static int trace(const struct pkt_spec *spec, uint32_t role, struct enf_trace *out)
{
	uint8_t b[PKT_MAX];

	return trace_frame(b, pkt_build(spec, b), role, out);
}

static void test_trace_twin_reports_without_side_effects(void)
{
	struct pkt_spec spoof = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000 };
	struct pkt_spec pub = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80,
				.frag = 1, .frag_id = 5 };
	struct pkt_spec later = { .src = "203.0.113.7", .dst = "10.0.1.10", .frag = 2,
				  .frag_id = 5 };
	struct enf_trace t = {};
	uint64_t spoofed, public_port;

	if (!setup("mixed", NULL))
		goto out;
	spoofed = reason_packets(ENF_REASON_DROP_SPOOFED);
	public_port = reason_packets(ENF_REASON_PASS_PUBLIC_PORT);
	if (CHECK_EQ(trace(&spoof, ENF_ROLE_PUBLIC, &t), XDP_DROP))
		CHECK_EQ(t.reason, ENF_REASON_DROP_SPOOFED);
	if (CHECK_EQ(trace(&spoof, ENF_ROLE_MAX, &t), XDP_PASS)) {	/* lo is mixed */
		CHECK_EQ(t.reason, ENF_REASON_PASS_ADMITTED);
		CHECK_EQ(t.service_id, 2);
		CHECK(t.src_flags & ENF_SRC_PRIVATE, "source flags %u", t.src_flags);
	}
	if (CHECK_EQ(trace(&pub, ENF_ROLE_MAX, &t), XDP_PASS))
		CHECK_EQ(t.reason, ENF_REASON_PASS_PUBLIC_PORT);
	/* no counters moved, no fragment remembered */
	CHECK_EQ(reason_packets(ENF_REASON_DROP_SPOOFED), spoofed);
	CHECK_EQ(reason_packets(ENF_REASON_PASS_PUBLIC_PORT), public_port);
	EXPECT(later, DROP, ENF_REASON_DROP_FRAGMENT);
out:
	teardown();
}

static const struct test_case tests[] = {
	TEST(non_ip_frames_pass),
	TEST(unowned_destination_passes_v4),
	TEST(unowned_destination_passes_v6),
	TEST(no_policy_passes_everything),
	TEST(public_source_reaches_public_port_v4),
	TEST(public_source_reaches_public_port_v6),
	TEST(public_service_other_port_dropped),
	TEST(public_source_dropped_at_internal_service_v4),
	TEST(public_source_dropped_at_internal_service_v6),
	TEST(portless_worker_unreachable_from_public),
	TEST(internal_and_external_ports_face_internet),
	TEST(vip_judged_like_its_service),
	TEST(frontend_of_public_service_passes),
	TEST(frontend_of_internal_service_dropped_for_public),
	TEST(frontend_of_isolated_internal_service_dropped_for_public),
	TEST(frontend_address_other_traffic_not_owned),
	TEST(frontend_later_fragment_left_to_reassembly),
	TEST(private_source_reaches_internal_service_v4),
	TEST(private_source_reaches_internal_service_v6),
	TEST(isolated_network_refuses_rack_private_source),
	TEST(isolated_network_admits_members_and_peers),
	TEST(instance_address_is_member_of_its_network),
	TEST(member_of_isolated_network_is_still_rack_private),
	TEST(trusted_source_reaches_public_port),
	TEST(untrusted_source_dropped_at_public_port),
	TEST(trusted_source_cannot_reach_internal_port),
	TEST(v4_mapped_ipv6_source_is_not_private),
	TEST(spoofed_private_source_on_public_interface_dropped),
	TEST(public_interface_still_serves_public_ports),
	TEST(private_source_on_pods_interface_not_spoofed),
	TEST(interface_glob_gives_role),
	TEST(truncated_ipv4_header_dropped),
	TEST(bad_ipv4_ihl_or_version_dropped),
	TEST(truncated_ipv6_header_dropped),
	TEST(truncated_tcp_to_internal_dropped),
	TEST(tiny_first_fragment_dropped),
	TEST(truncated_l4_from_admitted_source_passes),
	TEST(first_fragment_judged_on_ports),
	TEST(later_fragment_to_internal_dropped),
	TEST(ipv4_options_are_skipped),
	TEST(vlan_tags_are_walked),
	TEST(vlan_stack_beyond_bound_dropped),
	TEST(ipv6_extension_headers_are_walked),
	TEST(ipv6_extension_chain_beyond_bound_dropped),
	TEST(truncated_ipv6_extension_header_dropped),
	TEST(unknown_l4_protocol_to_public_service_dropped),
	TEST(audit_mode_counts_but_passes),
	TEST(monitor_events_rate_and_lease),
	TEST(per_service_counters_count_pass_and_drop),
	TEST(per_service_counters_survive_applies),
	TEST(second_apply_replaces_policy),
	TEST(invalid_manifest_leaves_policy_untouched),
	TEST(expired_private_range_stops_admitting_in_kernel),
	TEST(apply_rewrites_slot_in_place),
	TEST(policy_swap_never_mixes_generations),
	TEST(reply_to_flow_opened_by_internal_instance_passes),
	TEST(answering_a_syn_opens_no_flow),
	TEST(udp_and_v6_replies_pass),
	TEST(flows_expire_and_close),
	TEST(echo_reply_to_instance_ping_passes),
	TEST(no_flow_for_public_replies_or_admitted_peers),
	TEST(packet_too_big_for_public_flow_passes),
	TEST(icmp_error_for_opened_flow_passes),
	TEST(forged_icmp_errors_to_internal_instances_dropped),
	TEST(later_fragment_of_passed_first_fragment_passes),
	TEST(fragments_of_dropped_first_fragment_dropped),
	TEST(tunnels_to_enforced_destinations_dropped),
	TEST(neighbour_discovery_passes_only_from_the_link),
	TEST(trace_twin_reports_without_side_effects),
};

TEST_MAIN_ROOT(tests)
