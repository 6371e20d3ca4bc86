// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the compiler (manifest -> map entries). No kernel needed:
 * the compiled arrays are checked directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <unistd.h>

#include "compile.h"
#include "manifest.h"
#include "test.h"

static struct manifest *m;
static struct compiled c;
static char warnings[4096];

static const struct compile_clock now = { .wall = 1800000000, .boot_ns = 5000000000ULL };

static bool compile_yaml(const char *yaml)
{
	FILE *errf = fmemopen(warnings, sizeof(warnings), "w");
	int err;

	memset(warnings, 0, sizeof(warnings));
	m = NULL;
	memset(&c, 0, sizeof(c));
	err = manifest_load_buf(yaml, strlen(yaml), "t.yml", &m, errf);
	if (!err)
		err = compile_manifest(m, &now, &c, errf);
	fclose(errf);
	return CHECK(err == 0, "compile failed (%d): %s", err, warnings);
}

static void done(void)
{
	compiled_free(&c);
	manifest_free(m);
	m = NULL;
}

static struct enf_addr addr(const char *s)
{
	struct enf_addr a = {};

	if (strchr(s, ':')) {
		a.family = ENF_AF_INET6;
		inet_pton(AF_INET6, s, a.addr);
	} else {
		a.family = ENF_AF_INET;
		inet_pton(AF_INET, s, a.addr);
	}
	return a;
}

static const struct enf_src_val *src(const char *ip, int plen)
{
	struct enf_addr a = addr(ip);
	size_t i;

	for (i = 0; i < c.nsrc; i++)
		if (c.src[i].key.prefixlen == 32u + plen && !memcmp(&c.src[i].key.a, &a, sizeof(a)))
			return &c.src[i].val;
	return NULL;
}

static const struct enf_dst_val *dst(const char *ip)
{
	struct enf_addr a = addr(ip);
	size_t i;

	for (i = 0; i < c.ndst; i++)
		if (!memcmp(&c.dst[i].key, &a, sizeof(a)))
			return &c.dst[i].val;
	return NULL;
}

static const struct enf_port_val *port(const char *ip, int proto, int p)
{
	struct enf_port_key k = { .a = addr(ip), .port = htons(p), .proto = proto };
	size_t i;

	for (i = 0; i < c.nports; i++)
		if (!memcmp(&c.ports[i].key, &k, sizeof(k)))
			return &c.ports[i].val;
	return NULL;
}

static bool admit(uint32_t class_id, uint32_t target)
{
	size_t i;

	for (i = 0; i < c.nadmit; i++)
		if (c.admit[i].class_id == class_id && c.admit[i].target == target)
			return true;
	return false;
}

static void test_nested_prefix_inherits_enclosing_properties(void)
{
	const struct enf_src_val *outer, *inner;

	if (!compile_yaml("private: [10.0.0.0/8]\n"
			  "networks:\n  shop: { isolated: true, cidrs: [10.30.0.0/16] }\n"))
		return;
	outer = src("10.0.0.0", 8);
	inner = src("10.30.0.0", 16);
	if (CHECK(outer && inner, "missing trie entries")) {
		CHECK_EQ(outer->flags, ENF_SRC_PRIVATE);
		CHECK_EQ(outer->class_id, 0);	/* private only: no admission entries needed */
		CHECK_EQ(inner->flags, ENF_SRC_PRIVATE | ENF_SRC_MEMBER);
		CHECK(inner->class_id != 0, "member prefix got the public class");
		CHECK(admit(inner->class_id, 1), "shop member not admitted to network 1");
	}
	CHECK_EQ(c.nsrc, 2);
	done();
}

static void test_duplicate_prefix_is_merged_into_one_entry(void)
{
	const struct enf_src_val *v;

	if (!compile_yaml("private: [10.1.0.0/16]\n"
			  "networks:\n  a: { cidrs: [10.1.0.0/16] }\n  b: { peers: [10.1.0.0/16] }\n"))
		return;
	CHECK_EQ(c.nsrc, 1);
	v = src("10.1.0.0", 16);
	if (CHECK(v != NULL, "entry missing")) {
		CHECK(admit(v->class_id, 1) && admit(v->class_id, 2), "not admitted to a and b");
		CHECK_EQ(v->flags, ENF_SRC_PRIVATE | ENF_SRC_MEMBER);
	}
	done();
}

static void test_sibling_prefixes_do_not_leak_into_each_other(void)
{
	const struct enf_src_val *a, *b;

	if (!compile_yaml("networks:\n  a: { cidrs: [10.1.0.0/16] }\n  b: { cidrs: [10.2.0.0/16] }\n"
			  "  c: { cidrs: [10.1.5.0/24] }\n"))
		return;
	a = src("10.1.5.0", 24);
	b = src("10.2.0.0", 16);
	if (CHECK(a && b, "missing entries")) {
		CHECK(admit(a->class_id, 1) && admit(a->class_id, 3), "10.1.5/24 must be in a and c");
		CHECK(!admit(a->class_id, 2), "10.1.5/24 leaked into b");
		CHECK(!admit(b->class_id, 1) && !admit(b->class_id, 3), "b leaked into a or c");
		CHECK(a->class_id != b->class_id, "different sets share a class");
	}
	done();
}

static void test_equal_sets_share_one_class(void)
{
	if (!compile_yaml("networks:\n  a: { cidrs: [10.1.0.0/16, 10.9.0.0/16] }\n"))
		return;
	CHECK_EQ(src("10.1.0.0", 16)->class_id, src("10.9.0.0", 16)->class_id);
	CHECK_EQ(c.nclasses, 2);	/* public + one */
	CHECK_EQ(c.nadmit, 1);
	done();
}

static void test_ipv6_prefixes_are_keyed_with_their_family(void)
{
	const struct enf_src_val *v;
	size_t i;

	if (!compile_yaml("private: [\"fd00:10::/48\", 10.0.0.0/16]\n"))
		return;
	v = src("fd00:10::", 48);
	CHECK(v != NULL && v->flags == ENF_SRC_PRIVATE, "fd00:10::/48 missing");
	for (i = 0; i < c.nsrc; i++)
		CHECK(c.src[i].key.a.family == ENF_AF_INET || c.src[i].key.a.family == ENF_AF_INET6,
		      "entry %zu has family %u", i, c.src[i].key.a.family);
	done();
}

static void test_instance_addresses_are_members_of_their_network(void)
{
	const struct enf_src_val *v;

	if (!compile_yaml("networks:\n  iso: { isolated: true }\n"
			  "apps:\n  a:\n    network: iso\n    services:\n"
			  "      s: { instances: [10.5.0.1, \"fd00::5\"] }\n"))
		return;
	v = src("10.5.0.1", 32);
	CHECK(v && admit(v->class_id, 1), "instance not a member of iso");
	v = src("fd00::5", 128);
	CHECK(v && admit(v->class_id, 1), "v6 instance not a member of iso");
	done();
}

static void test_destinations_carry_service_network_and_isolation(void)
{
	const struct enf_dst_val *d;

	if (!compile_yaml("networks:\n  iso: { isolated: true }\n"
			  "apps:\n  a:\n    services:\n"
			  "      web: { port: 80, instances: [10.0.1.1], vip: 10.96.0.1 }\n"
			  "  b:\n    network: iso\n    services:\n"
			  "      db: { instances: [10.0.2.1] }\n"))
		return;
	d = dst("10.0.1.1");
	if (CHECK(d != NULL, "web instance missing")) {
		CHECK_EQ(d->service_id, 1);
		CHECK_EQ(d->network_id, 0);
		CHECK_EQ(d->flags, ENF_DST_PORTS);	/* public: rule 3b looks ports up */
	}
	d = dst("10.96.0.1");
	CHECK(d && d->flags == (ENF_DST_VIP | ENF_DST_PORTS) && d->service_id == 1,
	      "VIP entry wrong");
	d = dst("10.0.2.1");
	CHECK(d && d->service_id == 2 && d->network_id == 1 && d->flags == ENF_DST_ISOLATED,
	      "isolated db entry wrong");
	CHECK_EQ(c.ndst, 3);
	done();
}

static void test_only_public_services_get_port_entries(void)
{
	if (!compile_yaml("apps:\n  a:\n    services:\n"
			  "      web: { ports: [80, 53/udp], instances: [10.0.1.1, 10.0.1.2], vip: 10.96.0.1 }\n"
			  "      admin: { port: 4000, internal: true, instances: [10.0.2.1] }\n"
			  "      both: { port: 5000, internalAndExternal: true, instances: [10.0.3.1] }\n"))
		return;
	CHECK(port("10.0.1.1", IPPROTO_TCP, 80) != NULL, "web tcp/80 missing");
	CHECK(port("10.0.1.2", IPPROTO_UDP, 53) != NULL, "web udp/53 missing");
	CHECK(port("10.96.0.1", IPPROTO_TCP, 80) != NULL, "VIP tcp/80 missing");
	CHECK(port("10.0.1.1", IPPROTO_UDP, 80) == NULL, "udp/80 must not be public");
	CHECK(port("10.0.2.1", IPPROTO_TCP, 4000) == NULL, "internal port listed as public");
	CHECK(port("10.0.3.1", IPPROTO_TCP, 5000) != NULL, "internalAndExternal port missing");
	CHECK_EQ(c.nports, 3 * 2 + 1);
	done();
}

static void test_frontends_are_judged_like_their_service(void)
{
	const struct enf_port_val *pub, *priv;
	const struct enf_dst_val *d;

	if (!compile_yaml("networks:\n  iso: { isolated: true }\n"
			  "apps:\n  a:\n    trusted: [198.51.100.0/24]\n    services:\n"
			  "      web: { port: 80, frontends: [\"192.0.2.10:30080/tcp\"], instances: [10.0.1.1] }\n"
			  "  b:\n    network: iso\n    services:\n"
			  "      admin: { port: 4000, internal: true, frontends: [\"192.0.2.10:30090\"], instances: [10.0.2.1] }\n"))
		return;
	d = dst("192.0.2.10");
	CHECK(d && d->flags == (ENF_DST_FRONTEND | ENF_DST_PORTS) && d->service_id == 0,
	      "frontend dst wrong");
	pub = port("192.0.2.10", IPPROTO_TCP, 30080);
	priv = port("192.0.2.10", IPPROTO_TCP, 30090);
	if (CHECK(pub && priv, "frontend ports missing")) {
		CHECK_EQ(pub->flags, ENF_PORT_PUBLIC);
		CHECK_EQ(pub->service_id, 1);
		CHECK_EQ(pub->trust_group, 1);
		CHECK_EQ(priv->flags, ENF_PORT_ISOLATED);
		CHECK_EQ(priv->service_id, 2);
		CHECK_EQ(priv->network_id, 1);
		CHECK_EQ(priv->trust_group, 0);
	}
	done();
}

static void test_trusted_ranges_become_trust_groups(void)
{
	const struct enf_src_val *v;
	const struct enf_port_val *p;

	if (!compile_yaml("apps:\n  open:\n    services:\n"
			  "      web: { port: 80, instances: [10.0.1.1] }\n"
			  "  closed:\n    trusted: [198.51.100.0/24]\n    services:\n"
			  "      web: { port: 443, instances: [10.0.2.1] }\n"))
		return;
	CHECK_EQ(port("10.0.1.1", IPPROTO_TCP, 80)->trust_group, 0);
	p = port("10.0.2.1", IPPROTO_TCP, 443);
	CHECK(p && p->trust_group == 1, "closed app has no trust group");
	v = src("198.51.100.0", 24);
	if (CHECK(v != NULL, "trusted range missing")) {
		CHECK_EQ(v->flags, 0);	/* trusted is not private, not a member */
		CHECK(admit(v->class_id, ENF_TARGET_TRUST | 1), "trust admission missing");
	}
	done();
}

static void test_shared_address_in_one_network_keeps_first_service(void)
{
	if (!compile_yaml("apps:\n  a:\n    services:\n"
			  "      s1: { port: 80, instances: [10.0.1.1] }\n"
			  "      s2: { port: 81, instances: [10.0.1.1] }\n"))
		return;
	CHECK_EQ(c.ndst, 1);
	CHECK_EQ(dst("10.0.1.1")->service_id, 1);
	CHECK_EQ(port("10.0.1.1", IPPROTO_TCP, 81)->service_id, 2);
	done();
}

static void test_future_expiry_precomputes_the_state_after(void)
{
	const struct enf_src_val *outer, *inner;

	/* `now` is 2027-01-15T08:00:00Z; the private range expires 2027-02-01. */
	if (!compile_yaml("private:\n  - { cidr: 10.0.0.0/8, expires: \"2027-02-01\" }\n"
			  "networks:\n  a: { cidrs: [10.1.0.0/16] }\n"))
		return;
	outer = src("10.0.0.0", 8);
	inner = src("10.1.0.0", 16);
	if (CHECK(outer && inner, "entries missing")) {
		uint64_t want = now.boot_ns + (uint64_t)(1801440000 - now.wall) * 1000000000ULL;

		CHECK_EQ(outer->expires_ns, want);
		CHECK_EQ(outer->flags, ENF_SRC_PRIVATE);
		CHECK_EQ(outer->flags_after, 0);
		CHECK_EQ(outer->class_after, 0);
		CHECK_EQ(inner->expires_ns, want);	/* inherits the outer expiry */
		CHECK_EQ(inner->flags, ENF_SRC_PRIVATE | ENF_SRC_MEMBER);
		CHECK_EQ(inner->flags_after, ENF_SRC_MEMBER);
		CHECK(admit(inner->class_after, 1), "member lost its network after expiry");
	}
	done();
}

static void test_expired_entry_is_left_out_with_a_warning(void)
{
	if (!compile_yaml("private:\n  - { cidr: 10.0.0.0/8, expires: \"2020-01-01\" }\n"
			  "  - 10.2.0.0/16\n"))
		return;
	CHECK(src("10.0.0.0", 8) == NULL, "expired entry compiled");
	CHECK(src("10.2.0.0", 16) != NULL, "live entry missing");
	CHECK_STR_CONTAINS(warnings, "expired");
	CHECK_STR_CONTAINS(warnings, "t.yml:2:");
	done();
}

static void test_service_ids_follow_manifest_order_with_names(void)
{
	if (!compile_yaml("networks:\n  n: {}\n"
			  "apps:\n  a:\n    services:\n      x: { port: 1, instances: [10.0.0.1] }\n"
			  "      y: { instances: [10.0.0.2, 10.0.0.3] }\n"
			  "  b:\n    network: n\n    services:\n      z: { instances: [10.0.0.4] }\n"))
		return;
	CHECK_EQ(c.nmeta, 4);
	CHECK(!strcmp(c.meta[1].app, "a") && !strcmp(c.meta[1].service, "x"), "id 1 is not a/x");
	CHECK_EQ(c.meta[1].public, 1);
	CHECK(!strcmp(c.meta[2].service, "y"), "id 2 is not y");
	CHECK_EQ(c.meta[2].instances, 2);
	CHECK_EQ(c.meta[2].public, 0);
	CHECK(!strcmp(c.meta[3].network, "n") && c.meta[3].network_id == 1, "id 3 network");
	CHECK(!strcmp(c.meta[1].network, "rack"), "implicit network not named rack");
	done();
}

static void test_policy_summary_counts_everything(void)
{
	if (!compile_yaml("rack: prod\nmode: audit\nprivate: [10.0.0.0/16]\n"
			  "interfaces:\n  - { name: eth0, role: public }\n  - { match: \"veth*\", role: pods }\n"
			  "apps:\n  a:\n    services:\n      w: { port: 80, instances: [10.0.1.1, 10.0.1.2] }\n"))
		return;
	CHECK_EQ(c.policy.mode, ENF_MODE_AUDIT);
	CHECK_EQ(c.policy.services, 1);
	CHECK_EQ(c.policy.instances, 2);
	CHECK_EQ(c.policy.dests, 2);
	CHECK_EQ(c.policy.ports, 2);
	CHECK_EQ(c.policy.apps, 1);
	CHECK_EQ(c.policy.networks, 1);
	CHECK_EQ(c.policy.src_prefixes, 3);
	CHECK(!strcmp(c.policy.rack, "prod"), "rack name");
	CHECK(!strcmp(c.policy.ifrules[0].pattern, "eth0") && !c.policy.ifrules[0].is_glob &&
	      c.policy.ifrules[0].role == ENF_ROLE_PUBLIC, "ifrule 0");
	CHECK(!strcmp(c.policy.ifrules[1].pattern, "veth*") && c.policy.ifrules[1].is_glob &&
	      c.policy.ifrules[1].role == ENF_ROLE_PODS, "ifrule 1");
	CHECK_EQ(c.policy.ifrules[2].pattern[0], 0);
	CHECK_EQ(c.policy.dns_apex_labels, 0);	/* no zones */
	done();
	/* a bit per apex depth: internal (1), corp.internal (2) */
	if (!compile_yaml("rack: r\nzones: [\"{service}.internal\", \"{service}.{app}.corp.internal\"]\n"
			  "apps:\n  a:\n    services:\n      w: { port: 80, instances: [10.0.1.1] }\n"))
		return;
	CHECK_EQ(c.policy.dns_apex_labels, 0x3);
	done();
}

/* Longest match over the compiled trie entries, by brute force. */
static const struct enf_src_val *longest_match(const struct enf_addr *a)
{
	const struct enf_src_val *best = NULL;
	uint32_t best_len = 0, i, b;

	for (i = 0; i < c.nsrc; i++) {
		const struct src_entry *e = &c.src[i];
		uint32_t plen = e->key.prefixlen - 32;
		bool in = e->key.a.family == a->family;

		for (b = 0; in && b < plen; b++)
			in = ((e->key.a.addr[b / 8] ^ a->addr[b / 8]) & (0x80 >> (b % 8))) == 0;
		if (in && (!best || plen >= best_len)) {
			best = &e->val;
			best_len = plen;
		}
	}
	return best;
}

/* The /16 stage answers exactly what the trie would, for every address of
 * every /16 it answers for; the rest it sends to the trie. */
static void test_src16_table_agrees_with_the_trie(void)
{
	static const uint8_t probes[][2] = { { 0, 0 }, { 0, 1 }, { 128, 7 }, { 255, 255 } };
	uint32_t i, k, direct = 0, lpm = 0;

	if (!compile_yaml("private:\n  - 10.0.0.0/8\n  - 172.16.0.0/12\n  - fd00::/8\n"
			  "  - { cidr: 192.168.0.0/16, expires: \"2099-01-01\" }\n"
			  "networks:\n  iso: { isolated: true, cidrs: [10.1.2.0/24, 10.3.0.0/16] }\n"
			  "apps:\n  a:\n    trusted: [198.51.100.0/24, 2001:db8::/32]\n    services:\n"
			  "      web: { port: 80, instances: [10.9.0.1] }\n"
			  "  b:\n    network: iso\n    services:\n"
			  "      db: { instances: [10.1.2.5, \"fd00:1::5\"] }\n"))
		return;
	if (!CHECK(c.src16 != NULL, "no /16 table"))
		goto out;
	for (i = 0; i < ENF_SRC16_ENTRIES; i++) {
		uint32_t v = c.src16[i];

		if (v == ENF_SRC16_LPM) {
			lpm++;
			continue;
		}
		direct++;
		for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
			struct enf_addr a = { .family = i >> 16 ? ENF_AF_INET6 : ENF_AF_INET };
			const struct enf_src_val *want;

			a.addr[0] = i >> 8 & 0xff;
			a.addr[1] = i & 0xff;
			a.addr[2] = probes[k][0];
			a.addr[3] = probes[k][1];
			want = longest_match(&a);
			if (!CHECK((v & ENF_SRC16_CLASS_MASK) == (want ? want->class_id : 0) &&
					   (v >> 24 & ENF_SRC16_FLAGS_MAX) == (want ? want->flags : 0),
				   "bucket %u says class %u flags %u, the trie %u/%u", i,
				   v & ENF_SRC16_CLASS_MASK, v >> 24 & ENF_SRC16_FLAGS_MAX,
				   want ? want->class_id : 0, want ? want->flags : 0))
				goto out;
		}
	}
	/* 10.1/16 and 10.9/16 hold longer prefixes; 192.168/16 expires;
	 * 198.51/16 and 2001:db8 hold /24 and /32; fd00::/8's 256 buckets
	 * are direct except fd00 itself (fd00:1::5/128 inside). */
	CHECK_EQ(c.src16[10 << 8 | 1], ENF_SRC16_LPM);
	CHECK_EQ(c.src16[10 << 8 | 9], ENF_SRC16_LPM);
	CHECK_EQ(c.src16[192 << 8 | 168], ENF_SRC16_LPM);
	CHECK_EQ(c.src16[198 << 8 | 51], ENF_SRC16_LPM);
	CHECK_EQ(c.src16[65536 | 0x2001], ENF_SRC16_LPM);
	CHECK_EQ(c.src16[65536 | 0xfd00], ENF_SRC16_LPM);
	CHECK(c.src16[10 << 8 | 3] & ENF_SRC16_DIRECT, "10.3/16 is one network: direct");
	CHECK(c.src16[65536 | 0xfd42] & ENF_SRC16_DIRECT, "fd42::/16 is private: direct");
	CHECK_EQ(c.src16[203 << 8 | 0], 0);	/* public */
	CHECK_EQ(lpm, 6);
	CHECK_EQ(direct, ENF_SRC16_ENTRIES - 6);
out:
	done();
}

static void test_empty_manifest_compiles_to_empty_maps(void)
{
	if (!compile_yaml("rack: empty\n"))
		return;
	CHECK_EQ(c.nsrc + c.ndst + c.nports + c.nadmit, 0);
	CHECK_EQ(c.nmeta, 1);
	done();
}

static void test_every_scenario_compiles(void)
{
	static const char *names[] = { "convox-classic.yml", "convox-rack.yml", "heroku-space.yml",
				       "dot-internal.yml", "scalingo-pn.yml" };
	const char *dir = getenv("ENF_SCENARIOS") ? getenv("ENF_SCENARIOS") : "../shared/scenarios";
	char path[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct compiled cc;
		struct manifest *mm = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (access(path, R_OK)) {
			SKIP("scenarios not found in %s (set ENF_SCENARIOS)", dir);
			return;
		}
		if (!CHECK_EQ(manifest_load(path, &mm, stdout), 0))
			continue;
		if (CHECK_EQ(compile_manifest(mm, &now, &cc, stdout), 0))
			compiled_free(&cc);
		manifest_free(mm);
	}
}

static const struct test_case tests[] = {
	TEST(nested_prefix_inherits_enclosing_properties),
	TEST(duplicate_prefix_is_merged_into_one_entry),
	TEST(sibling_prefixes_do_not_leak_into_each_other),
	TEST(equal_sets_share_one_class),
	TEST(ipv6_prefixes_are_keyed_with_their_family),
	TEST(instance_addresses_are_members_of_their_network),
	TEST(destinations_carry_service_network_and_isolation),
	TEST(only_public_services_get_port_entries),
	TEST(frontends_are_judged_like_their_service),
	TEST(trusted_ranges_become_trust_groups),
	TEST(shared_address_in_one_network_keeps_first_service),
	TEST(future_expiry_precomputes_the_state_after),
	TEST(expired_entry_is_left_out_with_a_warning),
	TEST(service_ids_follow_manifest_order_with_names),
	TEST(policy_summary_counts_everything),
	TEST(src16_table_agrees_with_the_trie),
	TEST(empty_manifest_compiles_to_empty_maps),
	TEST(every_scenario_compiles),
};

int main(int argc, char **argv)
{
	return run_tests(tests, ARRAY_SIZE(tests), argc, argv);
}
