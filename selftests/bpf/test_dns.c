// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the TC DNS answer program, one per item of the
 * DNS checklist (docs/dns.md). repeat = 1: the program rewrites the packet.
 * Each case loads fresh programs, applies a manifest with zones through the
 * real compiler and state_apply(), sends a query and parses the reply.
 */
#include <errno.h>
#include <linux/pkt_cls.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "compile.h"
#include "dns_serve.h"
#include "dnsgen.h"
#include "pipeline.h"
#include "state.h"
#include "test.h"
#include "trace.h"
#include "zone.h"

static const char manifest[] =
	"rack: test\n"
	"zones:\n"
	"  - \"{service}.{app}.internal\"\n"
	"  - \"{service}.internal\"\n"
	"dns:\n"
	"  resolvers: [10.96.0.10, \"fd00:96::10\"]\n"
	"  ttl: 7\n"
	"private: [10.0.0.0/16, \"fd00:10::/48\"]\n"
	"networks:\n"
	"  shop: { isolated: true, cidrs: [10.30.0.0/16] }\n"
	"  blog: { isolated: true, cidrs: [10.31.0.0/16] }\n"
	"apps:\n"
	"  myapp:\n"
	"    trusted: [198.51.100.0/24]\n"
	"    services:\n"
	DNSGEN_MYAPP_SERVICES
	"  shop:\n"
	"    network: shop\n"
	"    services:\n"
	"      api: { port: 8080, internal: true, instances: [10.30.1.10] }\n"
	"  blog:\n"
	"    network: blog\n"
	"    services:\n"
	"      api: { port: 8080, internal: true, instances: [10.31.1.10] }\n"
	"  scale:\n"
	"    services:\n"
	"      many:\n"
	"        port: 7000\n"
	"        instances: [10.0.40.1, 10.0.40.2, 10.0.40.3, 10.0.40.4, 10.0.40.5, 10.0.40.6, 10.0.40.7, 10.0.40.8,\n"
	"          10.0.40.9, 10.0.40.10, 10.0.40.11, 10.0.40.12, 10.0.40.13, 10.0.40.14, 10.0.40.15, 10.0.40.16,\n"
	"          10.0.40.17, 10.0.40.18, 10.0.40.19, 10.0.40.20, 10.0.40.21, 10.0.40.22, 10.0.40.23, 10.0.40.24,\n"
	"          10.0.40.25, 10.0.40.26, 10.0.40.27, 10.0.40.28, 10.0.40.29, 10.0.40.30, 10.0.40.31, 10.0.40.32,\n"
	"          10.0.40.33, 10.0.40.34, 10.0.40.35, 10.0.40.36, 10.0.40.37, 10.0.40.38, 10.0.40.39, 10.0.40.40]\n";

#define RACK "10.0.5.5"
#define RES "10.96.0.10"

static struct enf_state st;
static bool loaded;
static uint8_t out[DNS_PKT_MAX];
static uint32_t out_len;
static struct dns_reply rep;

static bool setup_yaml(const char *yaml)
{
	struct pipeline p;
	int err;

	state_init(&st);
	if (!CHECK_EQ(state_load(&st), 0))
		return false;
	loaded = true;
	err = pipeline_compile_buf(yaml, strlen(yaml), "dns.yml", &p, stdout);
	if (!CHECK_EQ(err, 0))
		return false;
	err = pipeline_apply(&st, &p, NULL, 0, NULL);
	pipeline_free(&p);
	return CHECK_EQ(err, 0);
}

static bool setup(void)
{
	return setup_yaml(manifest);
}

static void teardown(void)
{
	if (loaded)
		state_close(&st);
	loaded = false;
}

/* Runs the DNS program; returns the TC verdict or -errno. */
static int run_pkt(const uint8_t *pkt, size_t len)
{
	uint32_t retval = 0;
	int err;

	out_len = sizeof(out);
	err = prog_run(st.dns_prog_fd, pkt, len, out, &out_len, &retval);
	return err ? err : (int)retval;
}

static size_t l4_off(const uint8_t *pkt)
{
	return pkt[12] == 0x86 ? 14 + 40 : 14 + 20;
}

/* Sends a query; on an answer (redirect), parses it into `rep`. */
static int ask(const struct dns_query_spec *q)
{
	uint8_t msg[1500], pkt[DNS_PKT_MAX];
	size_t mlen = dns_build_msg(q, msg), plen = dns_wrap(q, msg, mlen, pkt);
	int ret = run_pkt(pkt, plen);

	if (ret == TC_ACT_REDIRECT) {
		size_t d = l4_off(out) + 8;

		if (!CHECK(dns_parse_reply(out + d, out_len - d, &rep) == 0,
			   "reply does not parse (%u bytes)", out_len))
			return -1;
	}
	return ret;
}

static const char *const reason_name[ENF_DNS_REASON_MAX] = {
#define REASON_NAME(name, num, str, help) [num] = str,
	ENF_DNS_REASONS(REASON_NAME)
#undef REASON_NAME
};

/* Every packet counts exactly once, under one reason (include/enforcer_dns.h):
 * since `before`, `reason` grew by one and nothing else moved. */
static bool counted_once(const uint64_t *before, int reason)
{
	uint64_t after[ENF_DNS_REASON_MAX];
	bool ok = true;
	int r;

	state_dns_stats(&st, after);
	for (r = 0; r < ENF_DNS_REASON_MAX; r++)
		ok &= CHECK(after[r] - before[r] == (r == reason),
			    "%s: %llu -> %llu (want the packet counted once, as %s)",
			    reason_name[r], (unsigned long long)before[r],
			    (unsigned long long)after[r], reason_name[reason]);
	return ok;
}

/* run_pkt() and ask() that also check the packet was counted once, as `reason`. */
static int run_counted(const uint8_t *pkt, size_t len, int reason)
{
	uint64_t before[ENF_DNS_REASON_MAX];
	int ret;

	state_dns_stats(&st, before);
	ret = run_pkt(pkt, len);
	counted_once(before, reason);
	return ret;
}

static int ask_counted(const struct dns_query_spec *q, int reason)
{
	uint64_t before[ENF_DNS_REASON_MAX];
	int ret;

	state_dns_stats(&st, before);
	ret = ask(q);
	counted_once(before, reason);
	return ret;
}

static const struct dns_rr *answer_with(uint16_t type, const char *rdata_text)
{
	uint8_t bin[16];
	int i;

	for (i = 0; i < rep.an; i++) {
		if (rep.answer[i].type != type)
			continue;
		if (type == 1 && inet_pton(AF_INET, rdata_text, bin) == 1 &&
		    !memcmp(rep.answer[i].rdata, bin, 4))
			return &rep.answer[i];
		if (type == 28 && inet_pton(AF_INET6, rdata_text, bin) == 1 &&
		    !memcmp(rep.answer[i].rdata, bin, 16))
			return &rep.answer[i];
	}
	return NULL;
}

/* A query from a rack-private client to the resolver; later designated
 * initialisers override the defaults on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define Q(...) ((struct dns_query_spec){ .src = RACK, .dst = RES, __VA_ARGS__ })

static void test_a_query_answers_every_instance(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.qr, 1);
		CHECK_EQ(rep.aa, 1);
		CHECK_EQ(rep.ra, 0);
		CHECK_EQ(rep.rd, 1);
		CHECK_EQ(rep.id, 0x1234);
		CHECK_EQ(rep.an, 2);
		CHECK(answer_with(1, "10.0.1.10") && answer_with(1, "10.0.1.11"), "A records");
		CHECK_EQ(rep.answer[0].ttl, 7);
		CHECK_EQ(rep.answer[1].ttl, 7);
		CHECK(!strcmp(rep.answer[0].owner, "web.myapp.internal."), "owner %s",
		      rep.answer[0].owner);
		CHECK_EQ(rep.has_opt, 0);
	}
	teardown();
}

static void test_aaaa_query_answers_v6_instances(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .qtype = 28)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.an, 1);
		CHECK(answer_with(28, "fd00:10::1:10") != NULL, "AAAA record");
	}
	teardown();
}

static void test_vip_answers_instead_of_instances(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "api.myapp.internal")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.an, 1);
		CHECK(answer_with(1, "10.96.0.20") != NULL, "VIP");
	}
	teardown();
}

static void test_per_instance_name_answers_one_instance(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "2.web.myapp.internal")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.an, 1);
		CHECK(answer_with(1, "10.0.1.11") != NULL, "second instance");
	}
	teardown();
}

static void test_question_echoed_byte_exact_with_0x20_case(void)
{
	uint8_t wire[256];
	int n = dns_wire("wEb.MyApP.iNtErNaL", wire);

	if (setup() && CHECK_EQ(ask(&Q(.name = "wEb.MyApP.iNtErNaL")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.an, 2);
		CHECK_EQ(rep.qlen, n + 4);
		CHECK(!memcmp(rep.question, wire, n), "question bytes changed");
		CHECK(!strcmp(rep.answer[0].owner, "wEb.MyApP.iNtErNaL."), "owner case %s",
		      rep.answer[0].owner);
	}
	teardown();
}

static void test_only_ascii_letters_fold(void)
{
	/* "web" with 0xC5 ('Å' in Latin-1) instead of 'e' must not match "web",
	 * and nothing but A-Z folds. */
	if (setup() && CHECK_EQ(ask(&Q(.name = "w\xc5" "b.myapp.internal")), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 3);
	teardown();
}

static void test_unknown_name_is_nxdomain_with_soa(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "nope.myapp.internal")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 3);
		CHECK_EQ(rep.aa, 1);
		CHECK_EQ(rep.an, 0);
		CHECK_EQ(rep.ns, 1);
		CHECK_EQ(rep.authority[0].type, 6);
		CHECK(!strcmp(rep.authority[0].owner, "internal."), "SOA owner %s",
		      rep.authority[0].owner);
		CHECK(!strcmp(rep.authority[0].target, "ns.internal."), "mname %s",
		      rep.authority[0].target);
		CHECK(!strcmp(rep.authority[0].rname, "hostmaster.internal."), "rname %s",
		      rep.authority[0].rname);
		CHECK_EQ(rep.authority[0].ttl, 7);
	}
	teardown();
}

static void test_missing_type_is_nodata_with_soa(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .qtype = 15)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.aa, 1);
		CHECK_EQ(rep.an, 0);
		CHECK_EQ(rep.ns, 1);
		CHECK_EQ(rep.authority[0].type, 6);
	}
	teardown();
}

static void test_empty_non_terminal_is_nodata_not_nxdomain(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "myapp.internal")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.an, 0);
		CHECK_EQ(rep.ns, 1);
	}
	teardown();
}

static void test_public_source_is_refused(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.src = "203.0.113.7", .name = "web.myapp.internal")),
				TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 5);
		CHECK_EQ(rep.aa, 0);
		CHECK_EQ(rep.an + rep.ns, 0);
	}
	teardown();
}

static void test_trusted_range_is_still_public_for_dns(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.src = "198.51.100.7", .name = "web.myapp.internal")),
				TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 5);
	teardown();
}

static void test_split_horizon_answers_each_network_its_own(void)
{
	if (!setup())
		goto out;
	if (CHECK_EQ(ask(&Q(.src = "10.30.0.5", .name = "api.internal")), TC_ACT_REDIRECT))
		CHECK(rep.an == 1 && answer_with(1, "10.30.1.10"), "shop view");
	if (CHECK_EQ(ask(&Q(.src = "10.31.0.5", .name = "api.internal")), TC_ACT_REDIRECT))
		CHECK(rep.an == 1 && answer_with(1, "10.31.1.10"), "blog view");
	if (CHECK_EQ(ask(&Q(.src = RACK, .name = "api.internal")), TC_ACT_REDIRECT))
		CHECK(rep.an == 1 && answer_with(1, "10.96.0.20"), "rack view (VIP)");
out:
	teardown();
}

static void test_names_of_other_networks_are_nxdomain(void)
{
	if (!setup())
		goto out;
	/* a shop member is not rack-private: rack names are invisible */
	if (CHECK_EQ(ask(&Q(.src = "10.30.0.5", .name = "web.myapp.internal")), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 3);
	/* a blog member does not see shop's app-level name */
	if (CHECK_EQ(ask(&Q(.src = "10.31.0.5", .name = "api.shop.internal")), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 3);
	/* a rack-private source does not see isolated networks' names */
	if (CHECK_EQ(ask(&Q(.name = "api.blog.internal")), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 3);
	/* nor do the rack's empty non-terminals show to an isolated member */
	if (CHECK_EQ(ask(&Q(.src = "10.30.0.5", .name = "myapp.internal")), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 3);
	if (CHECK_EQ(ask(&Q(.src = "10.30.0.5", .name = "_tcp.web.myapp.internal")),
		     TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 3);
out:
	teardown();
}

static void test_name_outside_every_zone_passes_untouched(void)
{
	uint8_t msg[512], pkt[DNS_PKT_MAX];
	struct dns_query_spec q = Q(.name = "example.com");
	size_t plen;

	if (!setup())
		goto out;
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_PASS), TC_ACT_OK);
	CHECK(out_len == plen && !memcmp(out, pkt, plen), "packet was modified");
out:
	teardown();
}

static void test_other_destination_or_port_passes(void)
{
	if (setup()) {
		CHECK_EQ(ask_counted(&Q(.dst = "10.96.0.11", .name = "web.myapp.internal"),
				     ENF_DNS_NOT_QUERY), TC_ACT_OK);
		CHECK_EQ(ask_counted(&Q(.dport = 5353, .name = "web.myapp.internal"),
				     ENF_DNS_NOT_QUERY), TC_ACT_OK);
	}
	teardown();
}

static void test_response_is_never_answered(void)
{
	if (setup())
		CHECK_EQ(ask_counted(&Q(.name = "web.myapp.internal", .flags1 = 0x81),
				     ENF_DNS_NOT_QUERY), TC_ACT_OK);
	teardown();
}

static void test_qdcount_two_is_formerr(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .qdcount = 2)), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 1);
	teardown();
}

static void test_ancount_in_query_is_formerr(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .ancount = 1)), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 1);
	teardown();
}

static void test_opcode_other_than_query_is_notimp(void)
{
	if (!setup())
		goto out;
	if (CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .flags1 = 0x11)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 4);
		CHECK_EQ(rep.opcode, 2);
		CHECK_EQ(rep.aa, 0);
		CHECK_EQ(rep.rd, 0);
		CHECK_EQ(rep.has_opt, 0);
	}
	if (CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .flags1 = 0x11, .edns = 1)),
		     TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 4);
		CHECK_EQ(rep.has_opt, 1);
	}
out:
	teardown();
}

static void test_padded_query_longer_than_an_answer_is_answered(void)
{
	static uint8_t pad[1300];	/* EDNS padding option (12), zeros */

	pad[0] = 0;
	pad[1] = 12;
	pad[2] = (sizeof(pad) - 4) >> 8;
	pad[3] = (sizeof(pad) - 4) & 0xff;
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .edns = 1, .edns_opts = pad,
				       .edns_opts_len = sizeof(pad))), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.an, 2);
	}
	teardown();
}

static void test_edns_opt_is_answered_with_our_size(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .edns = 1, .edns_size = 4096,
				       .edns_do = 1)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.has_opt, 1);
		CHECK_EQ(rep.opt_size, 1232);
		CHECK_EQ(rep.opt_version, 0);
		CHECK_EQ(rep.opt_do, 1);
		CHECK_EQ(rep.opt_flags_rest, 0);
		CHECK_EQ(rep.an, 2);
	}
	teardown();
}

static void test_unknown_edns_options_are_ignored_not_echoed(void)
{
	static const uint8_t opts[] = { 0xfd, 0xe9, 0, 3, 'a', 'b', 'c', 0, 10, 0, 8,
					1, 2, 3, 4, 5, 6, 7, 8 };

	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .edns = 1, .edns_opts = opts,
				       .edns_opts_len = sizeof(opts))), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.an, 2);
		CHECK_EQ(rep.opt_rdlen, 0);
	}
	teardown();
}

static void test_edns_version_one_is_badvers(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .edns = 1, .edns_version = 1)),
				TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 16);
		CHECK_EQ(rep.an, 0);
		CHECK_EQ(rep.aa, 0);
		CHECK_EQ(rep.opt_version, 0);
		CHECK_EQ(rep.qd, 1);
	}
	teardown();
}

static void test_malformed_opt_is_formerr_with_opt(void)
{
	static const uint8_t bad[] = { 0, 10, 0, 9, 1 };	/* option longer than rdata */

	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .edns = 1, .edns_opts = bad,
				       .edns_opts_len = sizeof(bad))), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 1);
		CHECK_EQ(rep.has_opt, 1);
	}
	teardown();
}

static void test_two_opt_records_are_formerr(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .edns = 1, .extra_opt = 1)),
				TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 1);
	teardown();
}

static void test_any_returns_one_rrset(void)
{
	if (!setup())
		goto out;
	if (CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .qtype = 255)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.an, 2);
		CHECK_EQ(rep.answer[0].type, 1);
	}
	/* a name with only SRV records answers its SRV set */
	if (CHECK_EQ(ask(&Q(.name = "_3000._tcp.web.myapp.internal", .qtype = 255)),
		     TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.an, 3);
		CHECK_EQ(rep.answer[0].type, 33);
	}
out:
	teardown();
}

static void test_rrset_rotates_between_queries(void)
{
	char first[2][16];
	int i;

	if (!setup())
		goto out;
	for (i = 0; i < 2; i++) {
		if (!CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .id = 100 + i)), TC_ACT_REDIRECT))
			goto out;
		inet_ntop(AF_INET, rep.answer[0].rdata, first[i], sizeof(first[i]));
	}
	CHECK(strcmp(first[0], first[1]), "both answers start with %s", first[0]);
out:
	teardown();
}

static void test_rrset_too_big_for_512_is_truncated(void)
{
	if (!setup())
		goto out;
	if (CHECK_EQ(ask(&Q(.name = "big.myapp.internal")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.tc, 1);
		CHECK(rep.an > 0 && rep.an < 32, "an = %u", rep.an);
		CHECK(out_len - 42 <= 512, "reply of %u bytes over 512", out_len - 42);
	}
	/* with EDNS 1232 the whole RRset fits */
	if (CHECK_EQ(ask(&Q(.name = "big.myapp.internal", .edns = 1)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.tc, 0);
		CHECK_EQ(rep.an, 32);
	}
	/* a requestor size below 512 counts as 512 */
	if (CHECK_EQ(ask(&Q(.name = "big.myapp.internal", .edns = 1, .edns_size = 100)),
		     TC_ACT_REDIRECT))
		CHECK(rep.tc == 1 && rep.an > 20, "an = %u", rep.an);
out:
	teardown();
}

static void test_srv_records_name_every_instance(void)
{
	int i, seen = 0;

	if (setup() && CHECK_EQ(ask(&Q(.name = "_3000._tcp.web.myapp.internal", .qtype = 33)),
				TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.an, 3);
		for (i = 0; i < rep.an; i++) {
			CHECK_EQ(rep.answer[i].srv_port, 3000);
			/* target written out: no compression pointer (RFC 2782) */
			CHECK_EQ(rep.answer[i].rdlen, 6 + 22);
			if (!strcmp(rep.answer[i].target, "1.web.myapp.internal."))
				seen |= 1;
			if (!strcmp(rep.answer[i].target, "3.web.myapp.internal."))
				seen |= 4;
		}
		CHECK_EQ(seen, 5);
	}
	teardown();
}

static void test_soa_and_ns_at_the_apex(void)
{
	if (!setup())
		goto out;
	if (CHECK_EQ(ask(&Q(.name = "internal", .qtype = 6)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.an, 1);
		CHECK_EQ(rep.answer[0].type, 6);
		CHECK(!strcmp(rep.answer[0].target, "ns.internal."), "mname");
	}
	if (CHECK_EQ(ask(&Q(.name = "Internal", .qtype = 2)), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.an, 1);
		CHECK(!strcmp(rep.answer[0].target, "ns.Internal."), "ns %s", rep.answer[0].target);
	}
	if (CHECK_EQ(ask(&Q(.name = "ns.internal")), TC_ACT_REDIRECT))
		CHECK(rep.an == 1 && answer_with(1, "10.96.0.10"), "ns.<apex> -> resolver");
out:
	teardown();
}

/* Zone apexes at 1, 2 and 8 labels: the program looks a suffix up as an
 * apex only at those depths (enf_policy.dns_apex_labels), and still finds
 * the deepest one; a name under none of them is the resolver's. */
static void test_apex_found_at_every_zone_depth(void)
{
	static const char y[] =
		"rack: r\n"
		"zones: [\"{service}.internal\", \"{service}.{app}.corp.internal\",\n"
		"        \"{service}.{app}.a.b.c.d.e.f.g.internal\"]\n"
		"dns: { resolvers: [10.96.0.10] }\n"
		"private: [10.0.0.0/16]\n"
		"apps:\n"
		"  hr:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";
	static const struct {
		const char *name;
		int rcode;
		const char *soa_owner;	/* NXDOMAIN: the zone it was judged in */
	} cases[] = {
		{ "web.internal", 0, NULL },
		{ "web.hr.corp.internal", 0, NULL },
		{ "WEB.HR.A.B.C.D.E.F.G.INTERNAL", 0, NULL },
		{ "nope.internal", 3, "internal." },
		{ "x.y.corp.internal", 3, "corp.internal." },
		{ "nope.hr.corp.internal", 3, "corp.internal." },
		{ "z.hr.a.b.c.d.e.f.g.internal", 3, "a.b.c.d.e.f.g.internal." },
		{ "b.c.d.e.f.g.internal", 3, "internal." },
	};
	size_t i;

	if (!setup_yaml(y))
		goto out;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!CHECK_EQ(ask(&Q(.name = cases[i].name)), TC_ACT_REDIRECT))
			continue;
		CHECK(rep.rcode == (unsigned int)cases[i].rcode, "%s: rcode %u, want %d",
		      cases[i].name, rep.rcode, cases[i].rcode);
		if (cases[i].rcode == 0) {
			CHECK(rep.an == 1 && answer_with(1, "10.0.1.10"), "%s: no A record",
			      cases[i].name);
		} else if (CHECK_EQ(rep.ns, 1)) {
			CHECK(!strcmp(rep.authority[0].owner, cases[i].soa_owner),
			      "%s: SOA owner %s, want %s", cases[i].name, rep.authority[0].owner,
			      cases[i].soa_owner);
		}
	}
	/* outside every zone: passed on */
	CHECK_EQ(ask(&Q(.name = "web.hr.corp.example")), TC_ACT_OK);
	CHECK_EQ(ask(&Q(.name = "corp")), TC_ACT_OK);
out:
	teardown();
}

static void test_class_other_than_in_is_refused(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "web.myapp.internal", .qclass = 3)), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 5);
	teardown();
}

static void test_axfr_over_udp_is_notimp(void)
{
	if (setup() && CHECK_EQ(ask(&Q(.name = "internal", .qtype = 252)), TC_ACT_REDIRECT))
		CHECK_EQ(rep.rcode, 4);
	teardown();
}

static void test_truncated_question_is_formerr_without_question(void)
{
	uint8_t msg[512], pkt[DNS_PKT_MAX];
	struct dns_query_spec q = Q(.name = "web.myapp.internal");
	size_t mlen, plen;

	if (!setup())
		goto out;
	mlen = dns_build_msg(&q, msg) - 3;	/* cut inside QTYPE/QCLASS */
	plen = dns_wrap(&q, msg, mlen, pkt);
	if (CHECK_EQ(run_pkt(pkt, plen), TC_ACT_REDIRECT)) {
		CHECK_EQ(dns_parse_reply(out + 42, out_len - 42, &rep), 0);
		CHECK_EQ(rep.rcode, 1);
		CHECK_EQ(rep.qd, 0);
	}
out:
	teardown();
}

static void test_unreadable_names_pass_to_the_resolver(void)
{
	uint8_t msg[512], pkt[DNS_PKT_MAX];
	struct dns_query_spec q = Q(.name = "web.myapp.internal");
	size_t mlen, plen;

	if (!setup())
		goto out;
	/* compression pointer in the QNAME */
	mlen = dns_build_msg(&q, msg);
	msg[12] = 0xc0;
	msg[13] = 12;
	plen = dns_wrap(&q, msg, mlen, pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_PASS), TC_ACT_OK);
	/* a 64-byte label */
	mlen = dns_build_msg(&q, msg);
	msg[12] = 64;
	plen = dns_wrap(&q, msg, mlen, pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_PASS), TC_ACT_OK);
	/* a name running past the message */
	mlen = dns_build_msg(&q, msg);
	plen = dns_wrap(&q, msg, 12 + 8, pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_PASS), TC_ACT_OK);
out:
	teardown();
}

static void test_ipv4_reply_headers_are_swapped_and_valid(void)
{
	uint8_t msg[512], pkt[DNS_PKT_MAX];
	struct dns_query_spec q = Q(.name = "web.myapp.internal", .sport = 41234);
	size_t plen;

	if (!setup())
		goto out;
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	if (!CHECK_EQ(run_pkt(pkt, plen), TC_ACT_REDIRECT))
		goto out;
	CHECK(!memcmp(out, pkt + 6, 6) && !memcmp(out + 6, pkt, 6), "MACs not swapped");
	CHECK(!memcmp(out + 26, pkt + 30, 4) && !memcmp(out + 30, pkt + 26, 4), "IPs not swapped");
	CHECK_EQ(out[34] << 8 | out[35], 53);
	CHECK_EQ(out[36] << 8 | out[37], 41234);
	CHECK_EQ(out[16] << 8 | out[17], out_len - 14);		/* IP total length */
	CHECK_EQ(out[38] << 8 | out[39], out_len - 34);		/* UDP length */
	CHECK_EQ(csum_fold(csum_add(0, out + 14, 20)), 0);	/* IP header checksum */
	CHECK_EQ(out[40] << 8 | out[41], 0);			/* UDP checksum off (v4) */
out:
	teardown();
}

static void test_ipv6_reply_has_a_valid_udp_checksum(void)
{
	struct dns_query_spec q = { .src = "fd00:10::99", .dst = "fd00:96::10",
				    .name = "web.myapp.internal", .qtype = 28 };
	uint8_t msg[512], pkt[DNS_PKT_MAX], pseudo[40] = {};
	size_t plen, ulen;
	uint32_t sum;

	if (!setup())
		goto out;
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	if (!CHECK_EQ(run_pkt(pkt, plen), TC_ACT_REDIRECT))
		goto out;
	CHECK_EQ(dns_parse_reply(out + 62, out_len - 62, &rep), 0);
	CHECK(answer_with(28, "fd00:10::1:10") != NULL, "AAAA over IPv6");
	ulen = out_len - 54;
	CHECK_EQ(out[18] << 8 | out[19], ulen);	/* payload length */
	memcpy(pseudo, out + 22, 32);
	pseudo[34] = ulen >> 8;
	pseudo[35] = ulen;
	pseudo[39] = IPPROTO_UDP;
	sum = csum_add(0, pseudo, 40);
	sum = csum_add(sum, out + 54, ulen);
	CHECK_EQ(csum_fold(sum), 0);
	CHECK(out[60] || out[61], "IPv6 UDP checksum is zero");
out:
	teardown();
}

static void test_vlan_options_and_fragments_pass(void)
{
	uint8_t msg[512], pkt[DNS_PKT_MAX];
	struct dns_query_spec q = Q(.name = "web.myapp.internal");
	size_t plen;

	if (!setup())
		goto out;
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	pkt[20] = 0x20;		/* MF: a fragment */
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_NOT_QUERY), TC_ACT_OK);
	pkt[20] = 0;
	pkt[12] = 0x81;		/* 802.1Q ethertype */
	pkt[13] = 0x00;
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_NOT_QUERY), TC_ACT_OK);
out:
	teardown();
}

/* Every exit of the program counts the packet once, under the reason
 * include/enforcer_dns.h gives it: one packet per outcome. */
static void test_each_packet_counts_once_under_its_reason(void)
{
	static uint8_t pad[1850];	/* EDNS padding: longer than the program reads */
	static const struct {
		struct dns_query_spec q;
		int ret, reason;
	} cases[] = {
		{ Q(.name = "web.myapp.internal"), TC_ACT_REDIRECT, ENF_DNS_ANSWER },
		{ Q(.name = "web.myapp.internal", .qtype = 15), TC_ACT_REDIRECT, ENF_DNS_NODATA },
		{ Q(.name = "nope.internal"), TC_ACT_REDIRECT, ENF_DNS_NXDOMAIN },
		{ Q(.src = "203.0.113.9", .name = "web.myapp.internal"), TC_ACT_REDIRECT,
		  ENF_DNS_REFUSED },
		{ Q(.name = "web.myapp.internal", .qdcount = 2), TC_ACT_REDIRECT, ENF_DNS_FORMERR },
		{ Q(.name = "web.myapp.internal", .flags1 = 0x11), TC_ACT_REDIRECT,
		  ENF_DNS_NOTIMP },
		{ Q(.name = "web.myapp.internal", .edns = 1, .edns_version = 1), TC_ACT_REDIRECT,
		  ENF_DNS_BADVERS },
		{ Q(.name = "big.myapp.internal"), TC_ACT_REDIRECT, ENF_DNS_TRUNCATED },
		{ Q(.name = "example.org"), TC_ACT_OK, ENF_DNS_PASS },
		{ Q(.name = "web.myapp.internal", .flags1 = 0x81), TC_ACT_OK, ENF_DNS_NOT_QUERY },
		{ Q(.name = "web.myapp.internal", .dport = 54), TC_ACT_OK, ENF_DNS_NOT_QUERY },
		{ Q(.name = "web.myapp.internal", .dst = "10.96.0.11"), TC_ACT_OK,
		  ENF_DNS_NOT_QUERY },
	};
	struct dns_query_spec q = Q(.name = "web.myapp.internal");
	struct dns_query_spec padded = Q(.name = "web.myapp.internal", .edns = 1, .edns_opts = pad,
					 .edns_opts_len = sizeof(pad));
	uint8_t msg[2048], pkt[DNS_PKT_MAX];
	size_t i, plen;

	if (!setup())
		goto out;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK(ask_counted(&cases[i].q, cases[i].reason) == cases[i].ret,
		      "case %zu (%s): verdict", i, reason_name[cases[i].reason]);
	/* longer than the program reads (MAX_QUERY): the resolver's */
	pad[1] = 12;	/* option 12, its length */
	pad[2] = (sizeof(pad) - 4) >> 8;
	pad[3] = (sizeof(pad) - 4) & 0xff;
	plen = dns_build_msg(&padded, msg);
	if (CHECK(plen > 1800, "padded message of %zu bytes", plen)) {
		plen = dns_wrap(&padded, msg, plen, pkt);
		CHECK_EQ(run_counted(pkt, plen, ENF_DNS_PASS), TC_ACT_OK);
	}
	/* no question (a COOKIE-only query, say): the resolver's */
	plen = dns_build_msg(&q, msg);
	msg[4] = msg[5] = 0;
	plen = dns_wrap(&q, msg, plen, pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_PASS), TC_ACT_OK);
	/* shorter than a DNS header */
	plen = dns_wrap(&q, msg, 11, pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_NOT_QUERY), TC_ACT_OK);
	/* UDP source port 0 (28) */
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	pkt[34] = pkt[35] = 0;
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_NOT_QUERY), TC_ACT_OK);
	/* not IP at all: ARP */
	memset(pkt, 0, 60);
	pkt[12] = 0x08;
	pkt[13] = 0x06;
	CHECK_EQ(run_counted(pkt, 60, ENF_DNS_NOT_QUERY), TC_ACT_OK);
	/* IPv4 options */
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	pkt[14] = 0x46;
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_NOT_QUERY), TC_ACT_OK);
out:
	teardown();
}

/* Before the first `apply` no address is a resolver's: nothing is ours. */
static void test_no_policy_counts_not_query(void)
{
	struct dns_query_spec q = Q(.name = "web.myapp.internal");
	uint8_t msg[512], pkt[DNS_PKT_MAX];
	size_t plen;

	state_init(&st);
	if (!CHECK_EQ(state_load(&st), 0))
		goto out;
	loaded = true;
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_NOT_QUERY), TC_ACT_OK);
out:
	teardown();
}

/* Maps that disagree (a name whose RRset is missing) make an error, not an
 * answer: counted once as ERROR, and the query goes on to the resolver
 * untouched. */
static void test_missing_rrset_counts_one_error_and_passes_untouched(void)
{
	struct dns_query_spec q = Q(.name = "web.myapp.internal");
	uint8_t wire[ENF_DNS_MAX_NAME], msg[512], pkt[DNS_PKT_MAX];
	struct enf_dns_key key = { .view = 0 };
	struct enf_dns_name val;
	struct enf_active act;
	uint32_t zero = 0, id;
	size_t wlen, plen;
	int fd = -1;

	if (!setup() || !CHECK_EQ(dns_name_to_wire("web.myapp.internal", wire, &wlen), 0) ||
	    !CHECK_EQ(bpf_map_lookup_elem(st.active_fd, &zero, &act), 0) ||
	    !CHECK_EQ(bpf_map_lookup_elem(st.sel_fd[SEL_DNS_NAME], &act.slot, &id), 0))
		goto out;
	fd = bpf_map_get_fd_by_id(id);
	key.hash = dns_wire_hash(wire, wlen);
	key.wire_len = wlen;
	if (!CHECK(fd >= 0, "inner name map: %s", strerror(errno)) ||
	    !CHECK_EQ(bpf_map_lookup_elem(fd, &key, &val), 0) || !CHECK(val.n_a > 0, "no A"))
		goto out;
	val.rrset_id = 0x7fffffff;	/* past every RRset array */
	if (!CHECK_EQ(bpf_map_update_elem(fd, &key, &val, BPF_EXIST), 0))
		goto out;
	plen = dns_wrap(&q, msg, dns_build_msg(&q, msg), pkt);
	CHECK_EQ(run_counted(pkt, plen, ENF_DNS_ERROR), TC_ACT_OK);
	CHECK(out_len == plen && !memcmp(out, pkt, plen), "packet was modified");
out:
	if (fd >= 0)
		close(fd);
	teardown();
}

/* `dns serve` path: the TCP twin answers the whole RRset (no TC), the UDP
 * path through dns_serve_query() truncates like the wire, out-of-zone is 0. */
static void test_stream_twin_answers_without_truncation(void)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *sin = (void *)&ss;
	struct dns_query_spec q = Q(.name = "big.myapp.internal");
	uint8_t msg[512], ans[2048];
	size_t mlen;
	int n;

	if (!setup())
		goto out;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, RACK, &sin->sin_addr);
	sin->sin_port = htons(40000);
	mlen = dns_build_msg(&q, msg);
	n = dns_serve_query(&st, &ss, msg, mlen, 1, ans, sizeof(ans));
	if (CHECK(n > 512, "stream answer of %d bytes", n) &&
	    CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.tc, 0);
		CHECK_EQ(rep.an, 32);
	}
	n = dns_serve_query(&st, &ss, msg, mlen, 0, ans, sizeof(ans));
	if (CHECK(n > 0 && n <= 512, "datagram answer of %d bytes", n) &&
	    CHECK_EQ(dns_parse_reply(ans, n, &rep), 0))
		CHECK_EQ(rep.tc, 1);
	q = Q(.name = "example.com");
	mlen = dns_build_msg(&q, msg);
	CHECK_EQ(dns_serve_query(&st, &ss, msg, mlen, 1, ans, sizeof(ans)), 0);
	/* split horizon sees the client address given, here a public one */
	inet_pton(AF_INET, "203.0.113.7", &sin->sin_addr);
	q = Q(.name = "web.myapp.internal");
	mlen = dns_build_msg(&q, msg);
	n = dns_serve_query(&st, &ss, msg, mlen, 1, ans, sizeof(ans));
	if (CHECK(n > 0, "no answer for a public client") &&
	    CHECK_EQ(dns_parse_reply(ans, n, &rep), 0))
		CHECK_EQ(rep.rcode, 5);
out:
	teardown();
}

/* Over TCP an RRset larger than the program's buffer comes back whole:
 * dns serve joins the parts (cb[0] = first record) into one reply, with
 * the OPT once at the end, counted once as an answer. */
static void test_stream_joins_parts_of_a_large_rrset(void)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *sin = (void *)&ss;
	struct dns_query_spec q = Q(.name = "_80._tcp.Big.myapp.internal", .qtype = 33,
				    .edns = 1, .edns_do = 1);
	uint64_t before[ENF_DNS_REASON_MAX], after[ENF_DNS_REASON_MAX];
	uint8_t msg[512], ans[8192];
	size_t mlen;
	int n, i, seen[33] = {};

	if (!setup())
		goto out;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, RACK, &sin->sin_addr);
	sin->sin_port = htons(40000);
	mlen = dns_build_msg(&q, msg);
	state_dns_stats(&st, before);
	n = dns_serve_query(&st, &ss, msg, mlen, 1, ans, sizeof(ans));
	state_dns_stats(&st, after);
	if (CHECK(n > ENF_DNS_MAX_MSG, "stream SRV answer of %d bytes", n) &&
	    CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.tc, 0);
		CHECK_EQ(rep.rcode, 0);
		CHECK_EQ(rep.aa, 1);
		CHECK_EQ(rep.an, 32);
		CHECK_EQ(rep.ar, 1);
		CHECK_EQ(rep.has_opt, 1);
		CHECK_EQ(rep.opt_do, 1);
		CHECK(!memcmp(rep.question, msg + 12, rep.qlen), "question not echoed");
		for (i = 0; i < 32 && i < rep.an; i++) {
			unsigned k = 0;

			CHECK_EQ(rep.answer[i].srv_port, 80);
			sscanf(rep.answer[i].target, "%u.", &k);
			if (k >= 1 && k <= 32)
				seen[k]++;
		}
		for (i = 1; i <= 32; i++)
			CHECK(seen[i] == 1, "instance %d seen %d times (want once): %s", i,
			      seen[i], rep.an ? rep.answer[0].target : "");
	}
	CHECK_EQ(after[ENF_DNS_ANSWER] - before[ENF_DNS_ANSWER], 1u);
	CHECK_EQ(after[ENF_DNS_TRUNCATED] - before[ENF_DNS_TRUNCATED], 0u);
	/* the same over UDP: what fits, TC, counted truncated */
	n = dns_serve_query(&st, &ss, msg, mlen, 0, ans, sizeof(ans));
	if (CHECK(n > 0 && n <= ENF_DNS_EDNS_SIZE, "datagram answer of %d bytes", n) &&
	    CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.tc, 1);
		CHECK(rep.an < 32, "%u records over UDP", rep.an);
	}
out:
	teardown();
}

/* A service scaled past one page (32 records): every instance answerable,
 * rotated over UDP, the whole set over TCP. */
static void test_forty_instances_all_answerable(void)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *sin = (void *)&ss;
	struct dns_query_spec q;
	uint8_t msg[512], ans[8192];
	int seen[41], n, i, first[2];
	size_t mlen;

	if (!setup())
		goto out;
	for (i = 0; i < 2; i++) {
		int k;

		memset(seen, 0, sizeof(seen));
		if (!CHECK_EQ(ask(&Q(.name = "many.scale.internal", .edns = 1, .id = 7 + i)),
			      TC_ACT_REDIRECT))
			goto out;
		CHECK_EQ(rep.tc, 0);
		CHECK_EQ(rep.an, 40);
		for (k = 0; k < rep.an && k < 40; k++) {
			const uint8_t *a = rep.answer[k].rdata;

			if (rep.answer[k].rdlen == 4 && a[0] == 10 && a[1] == 0 && a[2] == 40 &&
			    a[3] >= 1 && a[3] <= 40)
				seen[a[3]]++;
		}
		for (k = 1; k <= 40; k++)
			CHECK(seen[k] == 1, "10.0.40.%d seen %d times", k, seen[k]);
		first[i] = rep.answer[0].rdata[3];
	}
	CHECK(first[0] != first[1], "no rotation: both answers start with 10.0.40.%d", first[0]);
	/* without EDNS: what fits 512 bytes, TC (the client retries over TCP) */
	if (CHECK_EQ(ask(&Q(.name = "many.scale.internal")), TC_ACT_REDIRECT)) {
		CHECK_EQ(rep.tc, 1);
		CHECK(rep.an > 0 && rep.an < 40, "%u records in 512 bytes", rep.an);
	}
	/* over TCP: every record, A and SRV */
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, RACK, &sin->sin_addr);
	sin->sin_port = htons(40000);
	q = Q(.name = "_7000._tcp.many.scale.internal", .qtype = 33);
	mlen = dns_build_msg(&q, msg);
	n = dns_serve_query(&st, &ss, msg, mlen, 1, ans, sizeof(ans));
	if (CHECK(n > ENF_DNS_MAX_MSG, "stream SRV answer of %d bytes", n) &&
	    CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.tc, 0);
		CHECK_EQ(rep.an, 40);
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < rep.an && i < 40; i++) {
			unsigned k = 0;

			sscanf(rep.answer[i].target, "%u.", &k);
			if (k >= 1 && k <= 40)
				seen[k]++;
		}
		for (i = 1; i <= 40; i++)
			CHECK(seen[i] == 1, "SRV target %d seen %d times", i, seen[i]);
	}
	q = Q(.name = "many.scale.internal");
	mlen = dns_build_msg(&q, msg);
	n = dns_serve_query(&st, &ss, msg, mlen, 1, ans, sizeof(ans));
	if (CHECK(n > 512, "stream A answer of %d bytes", n) &&
	    CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.tc, 0);
		CHECK_EQ(rep.an, 40);
	}
out:
	teardown();
}

static size_t own(const uint8_t *msg, size_t mlen, uint8_t *ans, int *relay)
{
	return dns_own_reply(msg, mlen, ans, 512, relay);
}

/* The responder's own replies (dns serve, for what the program leaves). */
static void test_own_refused_echoes_question_and_opt(void)
{
	struct dns_query_spec q = Q(.name = "Example.COM", .id = 0x4242);
	uint8_t msg[512], ans[512];
	size_t mlen = dns_build_msg(&q, msg), n;
	int relay;

	n = own(msg, mlen, ans, &relay);
	if (CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.rcode, 5);
		CHECK_EQ(rep.id, 0x4242);
		CHECK_EQ(rep.qd, 1);
		CHECK_EQ(rep.aa, 0);
		CHECK_EQ(rep.rd, 1);
		CHECK_EQ(rep.has_opt, 0);	/* no OPT asked, none given (RFC 6891 7) */
		CHECK(!memcmp(rep.question, msg + 12, rep.qlen), "question not echoed");
	}
	CHECK_EQ(relay, 1);
	q = Q(.name = "example.com", .edns = 1, .edns_do = 1);
	mlen = dns_build_msg(&q, msg);
	n = own(msg, mlen, ans, &relay);
	if (CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.rcode, 5);
		CHECK_EQ(rep.has_opt, 1);	/* RFC 6891 6.1.1 */
		CHECK_EQ(rep.opt_do, 1);
		CHECK_EQ(rep.opt_version, 0);
		CHECK_EQ(rep.opt_size, ENF_DNS_EDNS_SIZE);
		CHECK_EQ(rep.opt_rdlen, 0);
	}
}

static void test_own_notimp_for_opcodes(void)
{
	struct dns_query_spec q = Q(.name = "example.com", .flags1 = (2 << 3) | 1, .edns = 1);
	uint8_t msg[512], ans[512];
	size_t mlen = dns_build_msg(&q, msg), n;
	int relay;

	n = own(msg, mlen, ans, &relay);
	if (CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.rcode, 4);
		CHECK_EQ(rep.opcode, 2);
		CHECK_EQ(rep.rd, 0);	/* NSD clears it; genreport flags an echoed RD */
		CHECK_EQ(rep.has_opt, 1);
	}
	CHECK_EQ(relay, 0);
}

static void test_own_formerr_for_malformed_names(void)
{
	uint8_t msg[600], ans[512];
	struct dns_query_spec q;
	size_t mlen, n;
	char label[70], name[300];
	int relay, i;

	/* a 64-octet label: its length byte has the type bits 01 */
	memset(label, 'a', 64);
	label[64] = 0;
	snprintf(name, sizeof(name), "%s.com", label);
	q = Q(.name = name);
	mlen = dns_build_msg(&q, msg);
	n = own(msg, mlen, ans, &relay);
	if (CHECK(n >= 12, "no reply to a 64-octet label")) {
		CHECK_EQ(ans[3] & 0xf, 1);
		CHECK_EQ(ans[5], 0);	/* an illegal name is never echoed */
	}
	CHECK_EQ(relay, 0);
	/* 255 octets in wire form is the limit: 4 x 63-octet labels = 257 */
	memset(label, 'b', 63);
	label[63] = 0;
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label, label, label, label);
	q = Q(.name = name);
	mlen = dns_build_msg(&q, msg);
	n = own(msg, mlen, ans, &relay);
	if (CHECK(n >= 12, "no reply to a 257-octet name")) {
		CHECK_EQ(ans[3] & 0xf, 1);
		CHECK_EQ(ans[5], 0);
	}
	/* ... and 255 octets exactly is a name: 3 x (1 + 63) + (1 + 61) + root */
	memset(name, 'c', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[191 + 62] = 0;
	q = Q(.name = name);
	mlen = dns_build_msg(&q, msg);
	CHECK_EQ(mlen, 12u + 255 + 4);
	n = own(msg, mlen, ans, &relay);
	if (CHECK(n == mlen, "255-octet name: reply of %zu bytes", n))
		CHECK_EQ(ans[3] & 0xf, 5);
	/* label types 10 and 11 (a pointer) in the question */
	q = Q(.name = "example.com");
	mlen = dns_build_msg(&q, msg);
	for (i = 0; i < 2; i++) {
		msg[12] = i ? 0xc0 : 0x80;
		n = own(msg, mlen, ans, &relay);
		if (CHECK(n >= 12, "no reply to label type %d", i))
			CHECK_EQ(ans[3] & 0xf, 1);
		msg[12] = 7;
	}
	/* cut short, two questions, an answer record, two OPTs, trailing bytes */
	n = own(msg, mlen - 3, ans, &relay);
	CHECK_EQ(ans[3] & 0xf, 1);
	q = Q(.name = "example.com", .qdcount = 2);
	n = own(msg, dns_build_msg(&q, msg), ans, &relay);
	CHECK_EQ(ans[3] & 0xf, 1);
	q = Q(.name = "example.com", .ancount = 1);
	n = own(msg, dns_build_msg(&q, msg), ans, &relay);
	CHECK_EQ(ans[3] & 0xf, 1);
	q = Q(.name = "example.com", .edns = 1, .extra_opt = 1);
	n = own(msg, dns_build_msg(&q, msg), ans, &relay);
	if (CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.rcode, 1);
		CHECK_EQ(rep.has_opt, 1);	/* FORMERR with an OPT (RFC 6891 7) */
	}
	q = Q(.name = "example.com");
	mlen = dns_build_msg(&q, msg);
	msg[mlen] = 0;
	n = own(msg, mlen + 1, ans, &relay);
	CHECK_EQ(ans[3] & 0xf, 1);
	CHECK_EQ(relay, 0);
}

static void test_own_badvers_and_malformed_opt(void)
{
	static const uint8_t overrun[] = { 0, 10, 0, 9, 1, 2 };	/* COOKIE, 9 bytes claimed */
	struct dns_query_spec q = Q(.name = "example.com", .edns = 1, .edns_version = 1);
	uint8_t msg[512], ans[512];
	size_t n;
	int relay;

	n = own(msg, dns_build_msg(&q, msg), ans, &relay);
	if (CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.rcode, 16);
		CHECK_EQ(rep.opt_version, 0);
		CHECK_EQ(rep.qd, 1);
	}
	q = Q(.name = "example.com", .edns = 1, .edns_opts = overrun,
	      .edns_opts_len = sizeof(overrun));
	n = own(msg, dns_build_msg(&q, msg), ans, &relay);
	if (CHECK_EQ(dns_parse_reply(ans, n, &rep), 0)) {
		CHECK_EQ(rep.rcode, 1);
		CHECK_EQ(rep.has_opt, 1);
	}
}

static void test_own_nothing_for_responses_and_scraps(void)
{
	struct dns_query_spec q = Q(.name = "example.com", .flags1 = 0x81);
	uint8_t msg[512], ans[512];
	int relay;

	CHECK_EQ(own(msg, dns_build_msg(&q, msg), ans, &relay), 0u);
	CHECK_EQ(own(msg, 11, ans, &relay), 0u);
}

/* A valid wire name at m[off] (labels <= 63, <= 255 octets, no pointer)? */
static bool plain_name(const uint8_t *m, size_t len, size_t off, size_t *end)
{
	size_t wire = 0;

	while (off < len && m[off]) {
		if (m[off] > 63)
			return false;
		wire += 1 + m[off];
		off += 1 + m[off];
	}
	if (off >= len || wire + 1 > 255)
		return false;
	*end = off + 1;
	return true;
}

/* Deterministic fuzz of the responder's own replies (the parser every TCP
 * and UDP message of dns serve meets first): mutated queries and random
 * bytes; every reply is a well-formed header the checklist allows. Runs
 * without BPF, under the sanitizers in the -san pass. */
static void test_own_replies_fuzz(void)
{
	static const char *const names[] = { "example.com", "Web.MyApp.internal", "a", "",
					     "x.y.z.w.v.u.t.s.r.q.p.o.n.m.l.k" };
	uint64_t seed = 0x5eed0dd5ULL;
	long i, iters = test_scaled(200000), replies = 0, by_rcode[17] = { 0 };
	uint8_t msg[700], ans[600];

	for (i = 0; i < iters; i++) {
		struct dns_query_spec q = Q(.name = names[i % 5], .id = (uint16_t)i,
					    .edns = (int)(i & 1), .edns_do = (int)(i & 2),
					    .edns_version = (uint8_t)((i & 60) == 60),
					    .flags1 = (uint8_t)((i % 7 == 0 ? (i % 16) << 3 : 0) | 1));
		size_t mlen, n, qend;
		int relay, k, muts;
		unsigned rcode;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		mlen = (seed >> 60) == 0 ? (seed >> 20) % sizeof(msg) : dns_build_msg(&q, msg);
		if ((seed >> 60) == 0)	/* random bytes */
			for (k = 0; k < (int)mlen; k++)
				msg[k] = (uint8_t)((seed >> (k % 56)) ^ (k * 131));
		muts = (int)((seed >> 8) % 4);
		for (k = 0; k < muts && mlen; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			msg[(seed >> 16) % mlen] = (uint8_t)(seed >> 40);
		}
		if ((seed >> 33) % 5 == 0 && mlen)	/* cut short or extended */
			mlen = (seed >> 36) % 2 ? (seed >> 24) % mlen : mlen + (seed >> 28) % 8;
		if (mlen > sizeof(msg))
			mlen = sizeof(msg);
		n = dns_own_reply(msg, mlen, ans, sizeof(ans), &relay);
		if (mlen < 12 || (msg[2] & 0x80)) {
			if (!CHECK_EQ(n, 0u))
				break;
			continue;
		}
		replies++;
		rcode = ans[3] & 0xf;
		if (!CHECK(n >= 12 && n <= sizeof(ans), "iteration %ld: reply of %zu bytes", i, n) ||
		    !CHECK(ans[0] == msg[0] && ans[1] == msg[1], "iteration %ld: ID", i) ||
		    !CHECK((ans[2] & 0xf8) == (0x80 | (msg[2] & 0x78)), "iteration %ld: QR/opcode",
			   i) ||
		    !CHECK(!(ans[2] & 0x06) && !(ans[3] & 0xf0), "iteration %ld: AA/TC/RA/Z/AD/CD", i) ||
		    !CHECK(rcode == 0 || rcode == 1 || rcode == 4 || rcode == 5,
			   "iteration %ld: rcode %u", i, rcode) ||
		    !CHECK(!ans[4] && ans[5] <= 1 && !ans[6] && !ans[7] && !ans[8] && !ans[9] &&
			   !ans[10] && ans[11] <= 1, "iteration %ld: counts", i) ||
		    !CHECK(relay == (rcode == 5), "iteration %ld: relay %d with rcode %u", i, relay,
			   rcode))
			break;
		if (rcode == 4 && !CHECK(!(ans[2] & 1), "iteration %ld: RD on NOTIMP", i))
			break;
		if (ans[5]) {	/* the question: a legal name, byte for byte */
			if (!CHECK(plain_name(ans, n, 12, &qend) && qend + 4 <= n &&
				   !memcmp(ans + 12, msg + 12, qend + 4 - 12),
				   "iteration %ld: question echoed wrong", i))
				break;
		}
		if (ans[11] && !CHECK(n >= 11 && ans[n - 11] == 0 && ans[n - 10] == 0 &&
				      ans[n - 9] == 41 && ans[n - 5] == 0 && ans[n - 2] == 0 &&
				      ans[n - 1] == 0, "iteration %ld: OPT", i))
			break;
		if (!ans[11] && !CHECK(rcode != 0, "iteration %ld: BADVERS without OPT", i))
			break;
		by_rcode[rcode]++;
	}
	printf("    %ld messages, %ld replies: %ld REFUSED, %ld FORMERR, %ld NOTIMP, %ld BADVERS\n",
	       iters, replies, by_rcode[5], by_rcode[1], by_rcode[4], by_rcode[0]);
	CHECK(by_rcode[5] && by_rcode[1] && by_rcode[4] && by_rcode[0],
	      "an outcome never reached");
}

/* ---- answers in XDP (attach --dns-xdp) ---- */

#define XDP_IFINDEX 1	/* lo: BPF_PROG_TEST_RUN binds the frame to it, nothing is sent */

/* Runs `fd` (an XDP program) on pkt as if it came in on XDP_IFINDEX; the
 * frame afterwards in xdp_out. Returns the XDP verdict or -errno. */
static uint8_t xdp_out[DNS_PKT_MAX];
static uint32_t xdp_out_len;

static int run_xdp(int fd, const uint8_t *pkt, size_t len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = XDP_IFINDEX };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
		    .data_out = xdp_out, .data_size_out = sizeof(xdp_out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	xdp_out_len = opts.data_size_out;
	return (int)opts.retval;
}

static bool dns_xdp_on(bool on)
{
	uint32_t key = XDP_IFINDEX, one = 1;

	if (on)
		return CHECK_EQ(bpf_map_update_elem(st.dns_xdp_fd, &key, &one, BPF_ANY), 0);
	bpf_map_delete_elem(st.dns_xdp_fd, &key);
	return true;
}

static uint64_t xdp_stat(int which)
{
	uint64_t v[ENF_DNS_XDP_STAT_MAX];

	state_dns_xdp_stats(&st, v);
	return v[which];
}

/* Queries of every outcome, each answered the same by XDP and TC. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct dns_query_spec xdp_cases[] = {
	Q(.name = "web.myapp.internal"),
	Q(.name = "WeB.MyApP.iNtErNaL", .edns = 1, .id = 77),
	Q(.name = "web.myapp.internal", .qtype = 28, .edns = 1, .edns_do = 1),
	Q(.src = "fd00:10::5", .dst = "fd00:96::10", .name = "web.myapp.internal", .qtype = 28),
	Q(.src = "fd00:10::5", .dst = "fd00:96::10", .name = "nosuch.internal"),
	Q(.name = "nosuch.myapp.internal"),
	Q(.name = "web.myapp.internal", .qtype = 16),
	Q(.name = "internal", .qtype = 6, .edns = 1),
	Q(.name = "_3000._tcp.web.myapp.internal", .qtype = 33),
	Q(.src = "203.0.113.7", .name = "web.myapp.internal"),
	Q(.src = "10.30.0.5", .name = "api.shop.internal"),
	Q(.src = "10.31.0.5", .name = "api.shop.internal"),
	Q(.name = "web.myapp.internal", .flags1 = 0x01 | (4 << 3)),
	Q(.name = "web.myapp.internal", .edns = 1, .edns_version = 1),
	Q(.name = "web.myapp.internal", .qclass = 3),
	Q(.name = "web.myapp.internal", .qdcount = 2),
};
#pragma GCC diagnostic pop

static void test_xdp_replies_equal_tc_replies(void)
{
	uint64_t before[ENF_DNS_REASON_MAX], mid[ENF_DNS_REASON_MAX], after[ENF_DNS_REASON_MAX];
	uint8_t msg[1500], pkt[DNS_PKT_MAX], tc_out[DNS_PKT_MAX];
	uint32_t tc_len;
	size_t i, mlen, plen;
	int tc, xdp, r;

	if (!setup() || !dns_xdp_on(true))
		goto out;
	for (i = 0; i < ARRAY_SIZE(xdp_cases); i++) {
		const struct dns_query_spec *q = &xdp_cases[i];
		uint64_t tx = xdp_stat(ENF_DNS_XDP_ANSWERED);

		mlen = dns_build_msg(q, msg);
		plen = dns_wrap(q, msg, mlen, pkt);
		tc = run_pkt(pkt, plen);
		tc_len = out_len;
		memcpy(tc_out, out, out_len);
		state_dns_stats(&st, before);
		xdp = run_xdp(st.xdp_dns_fd, pkt, plen);
		state_dns_stats(&st, mid);
		if (!CHECK(tc == TC_ACT_REDIRECT, "%s type %u from %s: TC says %d, want an answer",
			   q->name, q->qtype, q->src, tc))
			continue;
		if (!CHECK(xdp == XDP_TX, "%s type %u from %s: XDP says %d, want XDP_TX", q->name,
			   q->qtype, q->src, xdp))
			continue;
		CHECK(xdp_out_len == tc_len && !memcmp(xdp_out, tc_out, tc_len),
		      "%s type %u from %s: the XDP reply (%u bytes) differs from TC's (%u bytes)",
		      q->name, q->qtype, q->src, xdp_out_len, tc_len);
		CHECK_EQ(xdp_stat(ENF_DNS_XDP_ANSWERED), tx + 1);
		/* counted once, under the reason TC counted it */
		run_pkt(pkt, plen);
		state_dns_stats(&st, after);
		for (r = 0; r < ENF_DNS_REASON_MAX; r++)
			CHECK(mid[r] - before[r] == after[r] - mid[r],
			      "%s from %s: %s counted %llu times in XDP, %llu in TC", q->name, q->src,
			      reason_name[r], (unsigned long long)(mid[r] - before[r]),
			      (unsigned long long)(after[r] - mid[r]));
	}
out:
	dns_xdp_on(false);
	teardown();
}

/* What XDP does not answer goes on to TC untouched and uncounted: other
 * traffic, names outside the zones, and replies larger than the frame can
 * grow (counted as no_room); an interface without --dns-xdp is all TC's. */
static void test_xdp_leaves_the_rest_to_tc(void)
{
	uint64_t before[ENF_DNS_REASON_MAX], after[ENF_DNS_REASON_MAX];
	uint8_t msg[1500], pkt[DNS_PKT_MAX];
	const struct {
		struct dns_query_spec q;
		int no_room;
	} cases[] = {
		{ Q(.name = "www.example.com"), 0 },
		{ Q(.name = "web.myapp.internal", .dport = 5353), 0 },
		{ Q(.dst = "10.96.0.11", .name = "web.myapp.internal"), 0 },
		{ Q(.name = "many.scale.internal", .edns = 1), 1 },	/* 40 A records */
		{ Q(.name = "big.myapp.internal", .edns = 1), 1 },	/* 32 */
	};
	size_t i, mlen, plen;
	uint64_t room;
	int ret;

	if (!setup())
		goto out;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dns_query_spec *q = &cases[i].q;

		mlen = dns_build_msg(q, msg);
		plen = dns_wrap(q, msg, mlen, pkt);
		/* off (the default), then on */
		for (int on = 0; on < 2; on++) {
			if (!dns_xdp_on(on))
				goto out;
			room = xdp_stat(ENF_DNS_XDP_NO_ROOM);
			state_dns_stats(&st, before);
			ret = run_xdp(st.xdp_dns_fd, pkt, plen);
			state_dns_stats(&st, after);
			CHECK(ret == XDP_PASS, "%s (%s): XDP says %d, want XDP_PASS", q->name,
			      on ? "on" : "off", ret);
			CHECK(xdp_out_len == plen && !memcmp(xdp_out, pkt, plen),
			      "%s (%s): the frame was changed", q->name, on ? "on" : "off");
			CHECK(!memcmp(before, after, sizeof(before)),
			      "%s (%s): XDP counted a packet it left to TC", q->name,
			      on ? "on" : "off");
			CHECK_EQ(xdp_stat(ENF_DNS_XDP_NO_ROOM), room + (on && cases[i].no_room));
		}
		/* and TC answers what XDP had no room for */
		if (cases[i].no_room)
			CHECK_EQ(run_pkt(pkt, plen), TC_ACT_REDIRECT);
	}
out:
	dns_xdp_on(false);
	teardown();
}

/* The XDP program on the wire reaches the answers by its tail call, for a
 * query it lets pass; the verdict stands for everything else. */
static void test_xdp_ingress_tail_calls_the_answers(void)
{
	uint8_t msg[1500], pkt[DNS_PKT_MAX], tc_out[DNS_PKT_MAX];
	struct dns_query_spec q = Q(.name = "web.myapp.internal", .edns = 1);
	uint32_t tc_len;
	size_t mlen, plen;

	if (!setup() || !dns_xdp_on(true))
		goto out;
	mlen = dns_build_msg(&q, msg);
	plen = dns_wrap(&q, msg, mlen, pkt);
	if (!CHECK_EQ(run_pkt(pkt, plen), TC_ACT_REDIRECT))
		goto out;
	tc_len = out_len;
	memcpy(tc_out, out, out_len);
	if (CHECK_EQ(run_xdp(st.prog_fd, pkt, plen), XDP_TX))
		CHECK(xdp_out_len == tc_len && !memcmp(xdp_out, tc_out, tc_len),
		      "the reply through enf_xdp_ingress differs from TC's");
	/* off: the enforcer's verdict, the frame untouched */
	dns_xdp_on(false);
	CHECK_EQ(run_xdp(st.prog_fd, pkt, plen), XDP_PASS);
	CHECK(xdp_out_len == plen && !memcmp(xdp_out, pkt, plen), "the frame was changed");
out:
	dns_xdp_on(false);
	teardown();
}

/* The enforcer's verdict comes first: a query it drops (a public source at
 * an internal service's address, here also a resolver address) is never
 * answered in XDP, though enf_xdp_dns alone would answer it (REFUSED). */
static void test_xdp_answers_only_what_the_enforcer_passes(void)
{
	static char yaml[sizeof(manifest) + 64];
	const char *from = "resolvers: [10.96.0.10, \"fd00:96::10\"]";
	const char *to = "resolvers: [10.96.0.10, \"fd00:96::10\", 10.0.2.10]";
	struct dns_query_spec pub = Q(.src = "203.0.113.7", .dst = "10.0.2.10",
				      .name = "web.myapp.internal");
	struct dns_query_spec priv = Q(.dst = "10.0.2.10", .name = "web.myapp.internal");
	uint8_t msg[1500], pkt[DNS_PKT_MAX];
	const char *at = strstr(manifest, from);
	size_t mlen, plen;

	if (!CHECK(at != NULL, "the manifest names its resolvers differently"))
		return;
	snprintf(yaml, sizeof(yaml), "%.*s%s%s", (int)(at - manifest), manifest, to,
		 at + strlen(from));
	if (!setup_yaml(yaml) || !dns_xdp_on(true))
		goto out;
	mlen = dns_build_msg(&pub, msg);
	plen = dns_wrap(&pub, msg, mlen, pkt);
	CHECK_EQ(run_xdp(st.xdp_dns_fd, pkt, plen), XDP_TX);	/* what it would say */
	CHECK_EQ(run_xdp(st.prog_fd, pkt, plen), XDP_DROP);	/* what the node does */
	mlen = dns_build_msg(&priv, msg);
	plen = dns_wrap(&priv, msg, mlen, pkt);
	CHECK_EQ(run_xdp(st.prog_fd, pkt, plen), XDP_TX);
out:
	dns_xdp_on(false);
	teardown();
}

static const struct test_case tests[] = {
	TEST(a_query_answers_every_instance),
	TEST(aaaa_query_answers_v6_instances),
	TEST(vip_answers_instead_of_instances),
	TEST(per_instance_name_answers_one_instance),
	TEST(question_echoed_byte_exact_with_0x20_case),
	TEST(only_ascii_letters_fold),
	TEST(unknown_name_is_nxdomain_with_soa),
	TEST(missing_type_is_nodata_with_soa),
	TEST(empty_non_terminal_is_nodata_not_nxdomain),
	TEST(public_source_is_refused),
	TEST(trusted_range_is_still_public_for_dns),
	TEST(split_horizon_answers_each_network_its_own),
	TEST(names_of_other_networks_are_nxdomain),
	TEST(name_outside_every_zone_passes_untouched),
	TEST(other_destination_or_port_passes),
	TEST(response_is_never_answered),
	TEST(qdcount_two_is_formerr),
	TEST(ancount_in_query_is_formerr),
	TEST(opcode_other_than_query_is_notimp),
	TEST(padded_query_longer_than_an_answer_is_answered),
	TEST(edns_opt_is_answered_with_our_size),
	TEST(unknown_edns_options_are_ignored_not_echoed),
	TEST(edns_version_one_is_badvers),
	TEST(malformed_opt_is_formerr_with_opt),
	TEST(two_opt_records_are_formerr),
	TEST(any_returns_one_rrset),
	TEST(rrset_rotates_between_queries),
	TEST(rrset_too_big_for_512_is_truncated),
	TEST(srv_records_name_every_instance),
	TEST(soa_and_ns_at_the_apex),
	TEST(apex_found_at_every_zone_depth),
	TEST(class_other_than_in_is_refused),
	TEST(axfr_over_udp_is_notimp),
	TEST(truncated_question_is_formerr_without_question),
	TEST(unreadable_names_pass_to_the_resolver),
	TEST(ipv4_reply_headers_are_swapped_and_valid),
	TEST(ipv6_reply_has_a_valid_udp_checksum),
	TEST(vlan_options_and_fragments_pass),
	TEST(each_packet_counts_once_under_its_reason),
	TEST(no_policy_counts_not_query),
	TEST(missing_rrset_counts_one_error_and_passes_untouched),
	TEST(stream_twin_answers_without_truncation),
	TEST(stream_joins_parts_of_a_large_rrset),
	TEST(forty_instances_all_answerable),
	TEST(own_refused_echoes_question_and_opt),
	TEST(own_notimp_for_opcodes),
	TEST(own_formerr_for_malformed_names),
	TEST(own_badvers_and_malformed_opt),
	TEST(own_nothing_for_responses_and_scraps),
	TEST(own_replies_fuzz),
	TEST(xdp_replies_equal_tc_replies),
	TEST(xdp_leaves_the_rest_to_tc),
	TEST(xdp_ingress_tail_calls_the_answers),
	TEST(xdp_answers_only_what_the_enforcer_passes),
};

TEST_MAIN_ROOT(tests)
