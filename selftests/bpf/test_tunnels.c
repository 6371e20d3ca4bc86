// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the side doors around the verdict (contract
 * section 4, rules 5 and 6, and the sentence after them): packets the node
 * hands on to an instance although their destination address is no
 * service's — tunnels it decapsulates, source routes it follows, headers
 * that hide either — judged by where they really go, with the outer
 * source's standing; the layer-3 link program; rule 2 before every pass;
 * ICMP quotes walked like packets. Needs root (CAP_BPF).
 *
 * 192.0.2.1 and 2001:db8::1 are the node's own addresses (no service's);
 * 192.0.2.10 is a frontend address (node IP + NodePorts).
 */
#include <linux/pkt_cls.h>
#include <sched.h>
#include <unistd.h>

#include "capture.h"
#include "manifest.h"
#include "xdp_harness.h"

static const char manifest_fmt[] =
	"rack: test\n"
	"private: [10.0.0.0/16, \"fd00:10::/48\"]\n"
	"interfaces:\n"
	"  - { name: lo, role: %s }\n"
	"%s"
	"apps:\n"
	"  shop:\n"
	"    services:\n"
	"      web: { port: 80, instances: [10.0.1.10, \"fd00:10::1:10\"] }\n"
	"      admin: { port: 4000, internal: true, instances: [10.0.2.10, \"fd00:10::2:10\"] }\n"
	"      api:\n"
	"        port: 3000\n"
	"        internal: true\n"
	"        frontends: [\"192.0.2.10:30090/tcp\"]\n"
	"        instances: [10.0.4.10]\n";

static bool setup_with(const char *role, const char *extra)
{
	char yaml[sizeof(manifest_fmt) + 256];

	if (!load_fresh())
		return false;
	snprintf(yaml, sizeof(yaml), manifest_fmt, role, extra);
	return CHECK_EQ(apply_yaml(yaml), 0);
}

static bool setup(const char *role)
{
	return setup_with(role, "");
}

/* The inner packets the tunnels below carry. */
static const struct pkt_spec to_admin = { .src = "203.0.113.7", .dst = "10.0.2.10",
					  .dport = 4000 };
static const struct pkt_spec to_web = { .src = "203.0.113.7", .dst = "10.0.1.10", .dport = 80 };
static const struct pkt_spec spoofed_admin = { .src = "10.0.9.9", .dst = "10.0.2.10",
					       .dport = 4000 };
static const struct pkt_spec elsewhere = { .src = "203.0.113.7", .dst = "198.51.100.3",
					   .dport = 22 };
static const struct pkt_spec to_admin6 = { .src = "2001:db8::7", .dst = "fd00:10::2:10",
					   .dport = 4000 };
static const struct pkt_spec to_web6 = { .src = "2001:db8::7", .dst = "fd00:10::1:10",
					 .dport = 80 };

/* Wraps `inner` per `e` and checks the verdict and reason. */
#define EXPECT_ENCAP(e, inner, verdict, reason) ({					\
	uint8_t __i[PKT_MAX], __b[PKT_MAX];						\
	size_t __il = pkt_build(&(inner), __i);						\
	size_t __l = pkt_encap(&(e), __i, __il, __b);					\
	EXPECT_BUF(__b, __l, verdict, reason);						\
})

/* ---- rule 5: a tunnel to the node is judged by what it carries ---- */

static void test_vxlan_from_internet_judged_by_inner_packet(void)
{
	struct encap_spec vx = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_VXLAN };
	struct encap_spec flannel = { .src = "203.0.113.7", .dst = "192.0.2.1",
				      .kind = ENC_VXLAN, .dport = 8472 };
	/* a frontend address, on a port that is no NodePort */
	struct encap_spec fe = { .src = "203.0.113.7", .dst = "192.0.2.10", .kind = ENC_VXLAN };

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(vx, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(vx, to_web, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	/* a public outer source makes it a public interface: spoofed */
	EXPECT_ENCAP(vx, spoofed_admin, DROP, ENF_REASON_DROP_SPOOFED);
	EXPECT_ENCAP(vx, elsewhere, PASS, ENF_REASON_PASS_NOT_OWNED);
	EXPECT_ENCAP(flannel, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(fe, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(fe, spoofed_admin, DROP, ENF_REASON_DROP_SPOOFED);
out:
	teardown();
}

static void test_geneve_with_options_judged_by_inner_packet(void)
{
	struct encap_spec gnv = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_GENEVE,
				  .geneve_opt_words = 5 };
	struct encap_spec gnv_ip = { .src = "2001:db8::7", .dst = "2001:db8::1",
				     .kind = ENC_GENEVE, .geneve_ip = 1 };
	struct encap_spec gnv_v1 = { .src = "203.0.113.7", .dst = "192.0.2.1",
				     .kind = ENC_GENEVE, .geneve_version = 1 };

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(gnv, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(gnv, to_web, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT_ENCAP(gnv_ip, to_admin6, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(gnv_ip, to_web6, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	/* a version it cannot read, from the internet */
	EXPECT_ENCAP(gnv_v1, to_web, DROP, ENF_REASON_DROP_TUNNEL);
out:
	teardown();
}

static void test_ip_in_ip_tunnels_judged_by_inner_packet(void)
{
	struct encap_spec ipip = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_IPIP };
	struct encap_spec ip6ip6 = { .src = "2001:db8::7", .dst = "2001:db8::1",
				     .kind = ENC_IPIP };
	struct encap_spec srv6 = { .src = "2001:db8::7", .dst = "2001:db8::1", .kind = ENC_SRV6 };
	struct encap_spec eth6 = { .src = "2001:db8::7", .dst = "2001:db8::1", .kind = ENC_ETH };

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(ipip, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* IPIP */
	EXPECT_ENCAP(ipip, to_web, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT_ENCAP(ipip, to_admin6, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* 6in4 */
	EXPECT_ENCAP(ip6ip6, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* 4in6 */
	EXPECT_ENCAP(ip6ip6, to_admin6, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* 6in6 */
	EXPECT_ENCAP(ip6ip6, to_web6, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT_ENCAP(srv6, to_admin6, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(srv6, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(srv6, to_web6, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT_ENCAP(eth6, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
out:
	teardown();
}

static void test_gre_variants_judged_by_inner_packet(void)
{
	struct encap_spec gre = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_GRE };
	struct encap_spec keyed = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_GRE,
				    .gre_flags = 0x80 | 0x20 | 0x10 };
	struct encap_spec gretap = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_GRE,
				     .gre_teb = 1, .gre_flags = 0x20 };
	struct encap_spec gre6 = { .src = "2001:db8::7", .dst = "2001:db8::1", .kind = ENC_GRE };

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(gre, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(gre, to_web, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT_ENCAP(keyed, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(keyed, to_web, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	EXPECT_ENCAP(gretap, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(gre6, to_admin6, DROP, ENF_REASON_DROP_NOT_ADMITTED);
out:
	teardown();
}

/* From a private outer source (another node of the overlay) the inner
 * packet is judged as on a mixed interface: its own source decides. */
static void test_tunnel_from_private_source_judged_as_mixed(void)
{
	struct encap_spec node = { .src = "10.0.0.2", .dst = "10.0.0.1", .kind = ENC_VXLAN };
	struct pkt_spec pod = { .src = "10.0.9.9", .dst = "10.0.2.10", .dport = 4000 };

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(node, pod, PASS, ENF_REASON_PASS_ADMITTED);
	EXPECT_ENCAP(node, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(node, to_web, PASS, ENF_REASON_PASS_PUBLIC_PORT);
out:
	teardown();
}

/* Rule 2 at the outer layer: a private outer source on the uplink. */
static void test_private_outer_source_on_public_interface_spoofed(void)
{
	struct encap_spec node = { .src = "10.0.0.2", .dst = "192.0.2.1", .kind = ENC_VXLAN };

	if (!setup("public"))
		goto out;
	EXPECT_ENCAP(node, to_web, DROP, ENF_REASON_DROP_SPOOFED);
out:
	teardown();
}

static void test_unreadable_tunnel_dropped_unless_private(void)
{
	struct encap_spec mpls = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_GRE,
				   .gre_proto = 0x8847 };
	struct encap_spec mpls_priv = { .src = "10.0.0.2", .dst = "10.0.0.1", .kind = ENC_GRE,
					.gre_proto = 0x8847 };
	struct encap_spec cut = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_VXLAN,
				  .cut = 16 + 14 + 10 };	/* inner IP header cut */
	struct encap_spec cut_priv = { .src = "10.0.0.2", .dst = "10.0.0.1", .kind = ENC_VXLAN,
				       .cut = 16 + 14 + 10 };

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(mpls, to_web, DROP, ENF_REASON_DROP_TUNNEL);
	EXPECT_ENCAP(mpls_priv, to_web, PASS, ENF_REASON_PASS_TUNNEL);
	EXPECT_ENCAP(cut, to_web, DROP, ENF_REASON_DROP_TUNNEL);
	EXPECT_ENCAP(cut_priv, to_web, PASS, ENF_REASON_PASS_TUNNEL);
out:
	teardown();
}

/* Two tunnels deep is walked; a third is not read, so it is dropped from
 * a source that is not private. */
static void test_nested_tunnels_walked_to_the_bound(void)
{
	struct encap_spec vx = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_VXLAN };
	struct encap_spec ipip = { .src = "203.0.113.8", .dst = "192.0.2.1", .kind = ENC_IPIP };
	struct encap_spec gre = { .src = "203.0.113.9", .dst = "192.0.2.1", .kind = ENC_GRE };
	uint8_t a[PKT_MAX], b[PKT_MAX], c[PKT_MAX], d[PKT_MAX];
	size_t la, lb, lc, ld;

	if (!setup("mixed"))
		goto out;
	la = pkt_build(&to_admin, a);
	lb = pkt_encap(&vx, a, la, b);		/* VXLAN(admin) */
	lc = pkt_encap(&ipip, b, lb, c);	/* IPIP(VXLAN(admin)) */
	EXPECT_BUF(c, lc, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	la = pkt_build(&to_web, a);
	lb = pkt_encap(&vx, a, la, b);
	lc = pkt_encap(&ipip, b, lb, c);
	EXPECT_BUF(c, lc, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	ld = pkt_encap(&gre, c, lc, d);		/* GRE(IPIP(VXLAN(web))): too deep */
	EXPECT_BUF(d, ld, DROP, ENF_REASON_DROP_TUNNEL);
out:
	teardown();
}

/* A tunnel packet to an instance itself is that instance's traffic. */
static void test_tunnel_to_service_address_judged_as_itself(void)
{
	struct encap_spec vx = { .src = "203.0.113.7", .dst = "10.0.2.10", .kind = ENC_VXLAN };
	struct encap_spec ipip = { .src = "203.0.113.7", .dst = "10.0.2.10", .kind = ENC_IPIP };
	struct encap_spec peer = { .src = "10.0.9.9", .dst = "10.0.2.10", .kind = ENC_IPIP };

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(vx, to_web, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(ipip, to_web, DROP, ENF_REASON_DROP_TUNNEL);
	EXPECT_ENCAP(peer, to_web, PASS, ENF_REASON_PASS_ADMITTED);
out:
	teardown();
}

/* `tunnels:` sets the UDP ports; a port it no longer names is plain UDP. */
static void test_tunnel_ports_from_the_manifest(void)
{
	struct encap_spec std = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_VXLAN };
	struct encap_spec gpe = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_VXLAN,
				  .dport = 4790 };
	struct encap_spec gnv = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_GENEVE };

	if (!setup_with("mixed", "tunnels: { vxlan: [4790], geneve: [] }\n"))
		goto out;
	EXPECT_ENCAP(gpe, to_admin, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_ENCAP(std, to_admin, PASS, ENF_REASON_PASS_NOT_OWNED);
	EXPECT_ENCAP(gnv, to_admin, PASS, ENF_REASON_PASS_NOT_OWNED);
out:
	teardown();
}

/* TC egress records the flow inside the node's own tunnel packet, so the
 * reply, which comes back through the overlay, passes. */
static void test_flows_leaving_through_a_tunnel_recorded(void)
{
	struct pkt_spec out_syn = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				    .dport = 443 };
	struct pkt_spec reply = { .src = "203.0.113.9", .dst = "10.0.2.10", .sport = 443,
				  .dport = 40000, .tcp_flags = 0x12 };
	struct encap_spec egress = { .src = "192.0.2.1", .dst = "203.0.113.50",
				     .kind = ENC_VXLAN };
	struct encap_spec back = { .src = "203.0.113.50", .dst = "192.0.2.1", .kind = ENC_VXLAN };
	uint8_t i[PKT_MAX], b[PKT_MAX];
	size_t il, l;

	if (!setup("mixed"))
		goto out;
	EXPECT_ENCAP(back, reply, DROP, ENF_REASON_DROP_NOT_ADMITTED);	/* no flow yet */
	il = pkt_build(&out_syn, i);
	l = pkt_encap(&egress, i, il, b);
	CHECK_EQ(run_prog(st.egress_fd, b, l), TC_ACT_OK);
	EXPECT_ENCAP(back, reply, PASS, ENF_REASON_PASS_REPLY);
out:
	teardown();
}

/* ---- SRv6 and source routes: the node sends the packet on ---- */

/* An SRv6 header with segments left: Linux (seg6_enabled) rewrites the
 * destination to the next segment and forwards; that segment is judged. */
static void test_srv6_next_segment_judged(void)
{
	struct pkt_spec p = { .src = "2001:db8::7", .dst = "2001:db8::1", .dport = 4000 };
	uint8_t b[PKT_MAX], srh[40] = { 0 };
	size_t len, off = 14 + 40;

	if (!setup("mixed"))
		goto out;
	/* five 8-byte destination options headers make room for a 40-byte
	 * SRH (two segments), patched in over them */
	p.ext_hdrs = 5;
	len = pkt_build(&p, b);
	srh[0] = IPPROTO_TCP;
	srh[1] = 4;				/* (4 + 1) * 8 = 40 bytes */
	srh[2] = 4;				/* type: segment routing */
	srh[3] = 1;				/* segments left: next is [0] */
	srh[4] = 1;				/* last entry */
	inet_pton(AF_INET6, "fd00:10::2:10", srh + 8);		/* [0]: the instance */
	inet_pton(AF_INET6, "2001:db8::1", srh + 24);		/* [1]: the node */
	memcpy(b + off, srh, sizeof(srh));
	b[14 + 6] = 43;				/* IPv6 next header: routing */
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	p.dport = 80;
	len = pkt_build(&p, b);
	memcpy(b + off, srh, sizeof(srh));
	b[14 + 6] = 43;
	inet_pton(AF_INET6, "fd00:10::1:10", b + off + 8);	/* web */
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	inet_pton(AF_INET6, "2001:db8::99", b + off + 8);	/* nobody's */
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_NOT_OWNED);
out:
	teardown();
}

/* IPv4 loose/strict source routes are not followed: to a node address from
 * the internet they are dropped. */
static void test_ipv4_source_route_not_followed(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "192.0.2.1", .dport = 4000,
			      .ip_opts = 2 };
	struct pkt_spec priv = { .src = "10.0.9.9", .dst = "192.0.2.1", .dport = 4000,
				 .ip_opts = 2 };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("mixed"))
		goto out;
	len = pkt_build(&p, b);
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_NOT_OWNED);	/* NOP options */
	b[14 + 20] = 131;	/* LSRR, length 7, pointer 4, one hop */
	b[14 + 21] = 7;
	b[14 + 22] = 4;
	inet_pton(AF_INET, "10.0.2.10", b + 14 + 23);
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_HDR_CHAIN);
	b[14 + 20] = 137;	/* SSRR */
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_HDR_CHAIN);
	len = pkt_build(&priv, b);
	b[14 + 20] = 131;
	b[14 + 21] = 7;
	b[14 + 22] = 4;
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_NOT_OWNED);
	/* 40 bytes of no-ops: more options than walked (an LSRR could
	 * follow them) */
	p.ip_opts = 10;
	len = pkt_build(&p, b);
	EXPECT_BUF(b, len, DROP, ENF_REASON_DROP_HDR_CHAIN);
	p.ip_opts = 2;
	len = pkt_build(&p, b);
	EXPECT_BUF(b, len, PASS, ENF_REASON_PASS_NOT_OWNED);
out:
	teardown();
}

/* ---- headers that could hide a tunnel ---- */

static void test_tiny_first_fragment_to_node_dropped(void)
{
	/* 4 bytes of UDP: ports, but not the length; the rest (VXLAN and
	 * what it carries) follows in later fragments */
	struct pkt_spec tiny = { .src = "203.0.113.7", .dst = "192.0.2.1", .dport = 4789,
				 .proto = IPPROTO_UDP, .frag = 1, .l4_len = 4 };
	struct pkt_spec priv = { .src = "10.0.9.9", .dst = "192.0.2.1", .dport = 4789,
				 .proto = IPPROTO_UDP, .frag = 1, .l4_len = 4 };
	struct pkt_spec later = { .src = "203.0.113.7", .dst = "192.0.2.1", .frag = 2,
				  .proto = IPPROTO_UDP };

	if (setup("mixed")) {
		EXPECT(tiny, DROP, ENF_REASON_DROP_MALFORMED);
		EXPECT(priv, PASS, ENF_REASON_PASS_NOT_OWNED);
		/* later fragments to the node: its reassembly needs the first */
		EXPECT(later, PASS, ENF_REASON_PASS_NOT_OWNED);
	}
	teardown();
}

static void test_long_extension_chain_to_node_dropped(void)
{
	struct pkt_spec p = { .src = "2001:db8::7", .dst = "2001:db8::1", .dport = 4789,
			      .proto = IPPROTO_UDP, .ext_hdrs = ENF_MAX_EXT_HDRS + 1 };
	struct pkt_spec ok = { .src = "2001:db8::7", .dst = "2001:db8::1", .dport = 4789,
			       .proto = IPPROTO_UDP, .ext_hdrs = ENF_MAX_EXT_HDRS };
	struct pkt_spec priv = { .src = "fd00:10::9", .dst = "2001:db8::1", .dport = 4789,
				 .proto = IPPROTO_UDP, .ext_hdrs = ENF_MAX_EXT_HDRS + 1 };

	if (setup("mixed")) {
		EXPECT(p, DROP, ENF_REASON_DROP_HDR_CHAIN);
		/* within the walk, UDP/4789 with a (zero) VXLAN header: a
		 * tunnel whose inside cannot be read */
		EXPECT(ok, DROP, ENF_REASON_DROP_TUNNEL);
		EXPECT(priv, PASS, ENF_REASON_PASS_NOT_OWNED);
	}
	teardown();
}

/* ---- rule 2 before every pass, neighbour discovery included ---- */

static void test_ndp_from_private_source_on_public_interface_spoofed(void)
{
	struct pkt_spec spoof = { .src = "fd00:10::99", .dst = "ff02::1:ff00:10",
				  .proto = IPPROTO_ICMPV6, .icmp_type = 135, .hop_limit = 255,
				  .l4_len = 24 };
	struct pkt_spec link = { .src = "fe80::1", .dst = "ff02::1:ff00:10",
				 .proto = IPPROTO_ICMPV6, .icmp_type = 135, .hop_limit = 255,
				 .l4_len = 24 };

	if (setup("public")) {
		EXPECT(spoof, DROP, ENF_REASON_DROP_SPOOFED);
		EXPECT(link, PASS, ENF_REASON_PASS_NDP);
	}
	teardown();
	if (setup("mixed"))
		EXPECT(spoof, PASS, ENF_REASON_PASS_NDP);
	teardown();
}

/* ---- ICMP quotes are walked like packets ---- */

static void test_packet_too_big_quoting_extension_headers_passes(void)
{
	/* web answered from its public port with a destination options
	 * header (IPv4: with options); a router on the way says "too big" */
	struct pkt_spec answer = { .src = "fd00:10::1:10", .dst = "2001:db8::9", .sport = 80,
				   .dport = 50000, .ext_hdrs = 1 };
	struct pkt_spec answer4 = { .src = "10.0.1.10", .dst = "203.0.113.9", .sport = 80,
				    .dport = 50000, .ip_opts = 2 };
	struct pkt_spec internal = { .src = "fd00:10::2:10", .dst = "2001:db8::9", .sport = 4000,
				     .dport = 50000, .ext_hdrs = 1 };
	uint8_t q[PKT_MAX];
	struct pkt_spec e = { .src = "2001:db8::1", .dst = "fd00:10::1:10",
			      .proto = IPPROTO_ICMPV6, .icmp_type = 2, .payload = q + 14,
			      .payload_len = 40 + 8 + 8 };
	struct pkt_spec e4 = { .src = "203.0.113.1", .dst = "10.0.1.10", .proto = IPPROTO_ICMP,
			       .icmp_type = 3, .icmp_code = 4, .payload = q + 14,
			       .payload_len = 28 + 8 };

	if (!setup("mixed"))
		goto out;
	pkt_build(&answer, q);
	EXPECT(e, PASS, ENF_REASON_PASS_ICMP_ERROR);
	/* the quote cut inside its extension header: nothing to tie it to */
	e.payload_len = 40 + 4;
	EXPECT(e, DROP, ENF_REASON_DROP_ICMP_ERROR);
	pkt_build(&internal, q);
	e.dst = "fd00:10::2:10";
	e.payload_len = 40 + 8 + 8;
	EXPECT(e, DROP, ENF_REASON_DROP_ICMP_ERROR);
	pkt_build(&answer4, q);
	EXPECT(e4, PASS, ENF_REASON_PASS_ICMP_ERROR);
out:
	teardown();
}

/* ---- rule 4: an IPv4 header longer than the frame ---- */

static void test_ipv4_header_beyond_frame_dropped(void)
{
	struct pkt_spec p = { .src = "203.0.113.7", .dst = "10.0.2.10", .dport = 4000 };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("mixed"))
		goto out;
	len = pkt_build(&p, b);
	b[14] = 0x4f;			/* IHL 15: 60 bytes */
	EXPECT_BUF(b, 14 + 40, DROP, ENF_REASON_DROP_MALFORMED);
	EXPECT_BUF(b, 14 + 20, DROP, ENF_REASON_DROP_MALFORMED);
	(void)len;
out:
	teardown();
}

/* ---- rule 6: layer-3 links ---- */

/* The layer-3 program reads the IP header first; the frames it sees carry
 * no Ethernet header. */
static void test_layer3_program_reads_from_the_ip_header(void)
{
	struct pkt_spec arp = { .src = "10.0.0.1", .dst = "10.0.2.10", .ethertype = ETH_P_ARP };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("public"))
		goto out;
	len = pkt_build(&to_admin, b);
	EXPECT_PROG(st.l3_prog_fd, b + 14, len - 14, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	len = pkt_build(&to_web, b);
	EXPECT_PROG(st.l3_prog_fd, b + 14, len - 14, PASS, ENF_REASON_PASS_PUBLIC_PORT);
	len = pkt_build(&to_admin6, b);
	EXPECT_PROG(st.l3_prog_fd, b + 14, len - 14, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	len = pkt_build(&spoofed_admin, b);
	EXPECT_PROG(st.l3_prog_fd, b + 14, len - 14, DROP, ENF_REASON_DROP_SPOOFED);
	/* what is not IP on a link that carries only IP cannot be read */
	len = pkt_build(&arp, b);
	EXPECT_PROG(st.l3_prog_fd, b + 14, len - 14, DROP, ENF_REASON_DROP_MALFORMED);
	/* and the reason attach must choose by link type: the Ethernet
	 * program misreads an IP packet's bytes as an Ethernet header */
	len = pkt_build(&to_admin, b);
	CHECK(run_prog(st.prog_fd, b + 14, len - 14) == XDP_PASS,
	      "the Ethernet program was expected to misread a bare IP packet");
out:
	teardown();
}

static void test_layer3_egress_records_flows(void)
{
	struct pkt_spec out_syn = { .src = "10.0.2.10", .dst = "203.0.113.9", .sport = 40000,
				    .dport = 443 };
	struct pkt_spec reply = { .src = "203.0.113.9", .dst = "10.0.2.10", .sport = 443,
				  .dport = 40000, .tcp_flags = 0x12 };
	uint8_t b[PKT_MAX];
	size_t len;

	if (!setup("mixed"))
		goto out;
	len = pkt_build(&out_syn, b);
	CHECK_EQ(run_prog(st.l3_egress_fd, b + 14, len - 14), TC_ACT_OK);
	len = pkt_build(&reply, b);
	EXPECT_PROG(st.l3_prog_fd, b + 14, len - 14, PASS, ENF_REASON_PASS_REPLY);
out:
	teardown();
}

/* ---- trace reports the encapsulation ---- */

static void test_trace_reports_the_tunnel(void)
{
	struct encap_spec vx = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_VXLAN };
	struct encap_spec ipip = { .src = "203.0.113.8", .dst = "192.0.2.1", .kind = ENC_IPIP };
	uint8_t a[PKT_MAX], b[PKT_MAX], c[PKT_MAX];
	struct enf_trace t = {};
	size_t la, lb, lc;

	if (!setup("mixed"))
		goto out;
	la = pkt_build(&to_admin, a);
	lb = pkt_encap(&vx, a, la, b);
	lc = pkt_encap(&ipip, b, lb, c);
	if (CHECK_EQ(trace_frame(c, lc, ENF_ROLE_MAX, &t), XDP_DROP)) {
		CHECK_EQ(t.reason, ENF_REASON_DROP_NOT_ADMITTED);
		CHECK_EQ(t.encap, ENF_ENCAP_IP);
		CHECK_EQ(t.encap_depth, 2);
		CHECK_EQ(t.outer_public, 1);
		CHECK_EQ(t.service_id, 2);
	}
	if (CHECK_EQ(trace_frame(a, la, ENF_ROLE_MAX, &t), XDP_DROP)) {
		CHECK_EQ(t.encap, ENF_ENCAP_NONE);
		CHECK_EQ(t.encap_depth, 0);
	}
out:
	teardown();
}

/* A monitor event names the tunnel a packet came in (outermost kind, how
 * deep, the outermost source); the next packet, not a tunnel, names none:
 * the walk's state lives in the per-CPU packet slot and starts afresh. */
static void test_monitor_event_names_the_tunnel(void)
{
	struct encap_spec vx = { .src = "203.0.113.7", .dst = "192.0.2.1", .kind = ENC_VXLAN };
	struct encap_spec ipip = { .src = "203.0.113.8", .dst = "192.0.2.1", .kind = ENC_IPIP };
	uint8_t a[PKT_MAX], b[PKT_MAX], c[PKT_MAX];
	struct ring_buffer *rb = NULL;
	struct mon_seen seen = {};
	struct enf_addr outer;
	cpu_set_t cpus, all;
	size_t la, lb, lc;

	/* one CPU: the event bucket is per CPU */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpus);
	if (sched_getaffinity(0, sizeof(all), &all) ||
	    !CHECK(!sched_setaffinity(0, sizeof(cpus), &cpus), "cannot pin to a CPU"))
		return;
	if (!setup("mixed"))
		goto out;
	rb = ring_buffer__new(st.events_fd, mon_collect, &seen, NULL);
	if (!CHECK(rb != NULL, "ring_buffer__new: %s", strerror(errno)))
		goto out;
	la = pkt_build(&to_admin, a);
	lb = pkt_encap(&vx, a, la, b);
	lc = pkt_encap(&ipip, b, lb, c);
	mon_set(ENF_MON_DROPS, 10LL * 1000000000LL, 4);
	EXPECT_BUF(c, lc, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	EXPECT_BUF(a, la, DROP, ENF_REASON_DROP_NOT_ADMITTED);
	ring_buffer__consume(rb);
	if (!CHECK_EQ(seen.n, 2))
		goto out;
	addr_parse("203.0.113.8", &outer);
	CHECK_EQ(seen.ev[0].encap, ENF_ENCAP_IP);
	CHECK_EQ(seen.ev[0].depth, 2);
	CHECK(addr_equal(&seen.ev[0].outer_src, &outer), "event's outer source");
	CHECK_EQ(seen.ev[1].encap, ENF_ENCAP_NONE);
	CHECK_EQ(seen.ev[1].depth, 0);
	CHECK_EQ(seen.ev[1].outer_src.family, 0);
out:
	mon_set(0, -1, 0);
	ring_buffer__free(rb);
	teardown();
	sched_setaffinity(0, sizeof(all), &all);
}

/* ---- the tunnel corpus (selftests/corpus/tunnels, `trace --pcap` form) ---- */

#define CORPUS_DIR "selftests/corpus/tunnels"

struct corpus_run {
	char expected[64][96];	/* "VERDICT reason" per frame */
	int nexpected, frames;
};

static int corpus_frame(void *arg, unsigned long idx, const uint8_t *data, size_t len)
{
	struct corpus_run *cr = arg;
	struct enf_trace t = {};
	char got[96];
	int v;

	cr->frames++;
	if (idx > (unsigned long)cr->nexpected) {
		CHECK(0, "frame %lu has no expected verdict (rerun make-corpus.py)", idx);
		return 0;
	}
	v = trace_frame(data, len, ENF_ROLE_MAX, &t);
	snprintf(got, sizeof(got), "%s %s", v == XDP_PASS ? "PASS" : v == XDP_DROP ? "DROP" : "?",
		 enf_reason_name(t.reason));
	CHECK(!strcmp(got, cr->expected[idx - 1]), "frame %lu: got %s, want %s", idx, got,
	      cr->expected[idx - 1]);
	return 0;
}

/* Every frame of tunnels.pcap gets the verdict and reason tunnels.expected
 * gives it, through the trace twin (what `enforcer trace --pcap` runs). */
static void test_tunnel_corpus_verdicts(void)
{
	static struct corpus_run cr;
	char line[256], verdict[16], reason[64], err[256];
	FILE *f = NULL, *m = NULL;
	static char yaml[4096];
	size_t n;
	int idx;

	memset(&cr, 0, sizeof(cr));
	if (!load_fresh())
		goto out;
	m = fopen(CORPUS_DIR "/manifest.yml", "r");
	f = fopen(CORPUS_DIR "/tunnels.expected", "r");
	if (!CHECK(m && f, "cannot open %s (run from the repository root)", CORPUS_DIR))
		goto out;
	n = fread(yaml, 1, sizeof(yaml) - 1, m);
	yaml[n] = '\0';
	if (!CHECK_EQ(apply_yaml(yaml), 0))
		goto out;
	while (fgets(line, sizeof(line), f) && cr.nexpected < 64) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%d %15s %63s", &idx, verdict, reason) != 3 ||
		    !CHECK_EQ(idx, cr.nexpected + 1))
			goto out;
		snprintf(cr.expected[cr.nexpected++], sizeof(cr.expected[0]), "%s %s", verdict,
			 reason);
	}
	CHECK_EQ(capture_foreach(CORPUS_DIR "/tunnels.pcap", corpus_frame, &cr, err, sizeof(err)),
		 0);
	CHECK_EQ(cr.frames, cr.nexpected);
out:
	if (m)
		fclose(m);
	if (f)
		fclose(f);
	teardown();
}

static const struct test_case tests[] = {
	TEST(vxlan_from_internet_judged_by_inner_packet),
	TEST(geneve_with_options_judged_by_inner_packet),
	TEST(ip_in_ip_tunnels_judged_by_inner_packet),
	TEST(gre_variants_judged_by_inner_packet),
	TEST(tunnel_from_private_source_judged_as_mixed),
	TEST(private_outer_source_on_public_interface_spoofed),
	TEST(unreadable_tunnel_dropped_unless_private),
	TEST(nested_tunnels_walked_to_the_bound),
	TEST(tunnel_to_service_address_judged_as_itself),
	TEST(tunnel_ports_from_the_manifest),
	TEST(flows_leaving_through_a_tunnel_recorded),
	TEST(srv6_next_segment_judged),
	TEST(ipv4_source_route_not_followed),
	TEST(tiny_first_fragment_to_node_dropped),
	TEST(long_extension_chain_to_node_dropped),
	TEST(ndp_from_private_source_on_public_interface_spoofed),
	TEST(packet_too_big_quoting_extension_headers_passes),
	TEST(ipv4_header_beyond_frame_dropped),
	TEST(layer3_program_reads_from_the_ip_header),
	TEST(layer3_egress_records_flows),
	TEST(trace_reports_the_tunnel),
	TEST(monitor_event_names_the_tunnel),
	TEST(tunnel_corpus_verdicts),
};

TEST_MAIN_ROOT(tests)
