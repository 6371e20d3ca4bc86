// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the zone compiler (manifest zone templates -> DNS names,
 * RRsets and zone files). No kernel needed. The acceptance scenarios are
 * read from $ENF_SCENARIOS (default ../shared/scenarios, relative to the
 * repository root); cases that need them are skipped when they are missing.
 *
 * Hidden mode for selftests/zone_nsd_check.sh:
 *   test_zone --export MANIFEST DIR    compile (serial 1) and export to DIR
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforcer_dns.h"
#include "manifest.h"
#include "zone.h"
#include "test.h"

static struct manifest *m;
static struct zone_compiled z;
static char msgs[16384];

/* ------------------------------------------------------------------------ */
/* Helpers */

static const char *scenario_dir(void)
{
	const char *d = getenv("ENF_SCENARIOS");

	return d && d[0] ? d : "../shared/scenarios";
}

static int compile_buf(const char *yaml, uint32_t serial)
{
	FILE *errf = fmemopen(msgs, sizeof(msgs) - 1, "w");
	int err;

	memset(msgs, 0, sizeof(msgs));
	memset(&z, 0, sizeof(z));
	m = NULL;
	err = manifest_load_buf(yaml, strlen(yaml), "t.yml", &m, errf);
	if (!err)
		err = zone_compile(m, serial, &z, errf);
	fclose(errf);
	return err;
}

static bool compile_yaml(const char *yaml)
{
	int err = compile_buf(yaml, 1);

	return CHECK(err == 0, "compile failed (%d): %s", err, msgs);
}

/* Loads and compiles a scenario; false (and the case skipped) if it is missing. */
static bool scenario(const char *name)
{
	char path[1024];
	FILE *errf;
	int err;

	snprintf(path, sizeof(path), "%s/%s", scenario_dir(), name);
	memset(&z, 0, sizeof(z));
	m = NULL;
	if (access(path, R_OK)) {
		SKIP("scenario %.200s not found (set ENF_SCENARIOS)", path);
		return false;
	}
	memset(msgs, 0, sizeof(msgs));
	errf = fmemopen(msgs, sizeof(msgs) - 1, "w");
	err = manifest_load(path, &m, errf);
	if (!err)
		err = zone_compile(m, 1, &z, errf);
	fclose(errf);
	return CHECK(err == 0, "%s: compile failed (%d): %s", name, err, msgs);
}

static void done(void)
{
	zone_free(&z);
	manifest_free(m);
	m = NULL;
}

/* View id of "rack" or a network name; UINT32_MAX if unknown. */
static uint32_t view_of(const char *name)
{
	size_t i;

	if (!strcmp(name, "rack"))
		return 0;
	for (i = 0; m && i < m->nnetworks; i++)
		if (!strcmp(m->networks[i].name, name))
			return (uint32_t)i;
	return UINT32_MAX;
}

static const struct zone_name *find(const char *view, const char *text)
{
	uint8_t wire[ENF_DNS_MAX_NAME];
	uint32_t v = view_of(view);
	size_t len, i;

	if (dns_name_to_wire(text, wire, &len))
		return NULL;
	for (i = 0; i < z.nnames; i++)
		if (z.names[i].key.view == v && z.names[i].key.wire_len == len &&
		    !memcmp(z.names[i].wire, wire, len))
			return &z.names[i];
	return NULL;
}

/* The value of a name; a failed check and impossible values if it is missing. */
static const struct enf_dns_name *val(const char *view, const char *text)
{
	static const struct enf_dns_name missing = {
		.rrset_id = 0xdeadbeef, .network_id = 0xfffffffe, .zone_id = 0xff,
		.flags = 0xff, .n_a = 0xffff, .n_aaaa = 0xffff, .n_srv = 0xffff,
	};
	const struct zone_name *n = find(view, text);

	CHECK(n, "%s missing in view %s", text, view);
	return n ? &n->val : &missing;
}

static int count_names(const char *view, const char *text)
{
	uint8_t wire[ENF_DNS_MAX_NAME];
	uint32_t v = view_of(view);
	size_t len, i;
	int n = 0;

	if (dns_name_to_wire(text, wire, &len))
		return -1;
	for (i = 0; i < z.nnames; i++)
		if (z.names[i].key.view == v && z.names[i].key.wire_len == len &&
		    !memcmp(z.names[i].wire, wire, len))
			n++;
	return n;
}

/* "A A AAAA" addresses of a name as text, in stored order. */
static const char *addrs(const struct zone_name *n)
{
	static char buf[4096];
	char a[INET6_ADDRSTRLEN];
	size_t k, o = 0;

	buf[0] = '\0';
	if (!n)
		return "(no such name)";
	if (!n->val.rrset_id)
		return "";
	if (n->val.rrset_id >= z.nrrsets)
		return "(bad rrset)";
	/* record k: page rrset_id + k / 32, slot k % 32 */
	for (k = 0; k < n->val.n_a && o < sizeof(buf) - 64; k++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? " " : "",
			      inet_ntop(AF_INET, &z.a[n->val.rrset_id + k / 32].addr[k % 32], a,
					sizeof(a)));
	for (k = 0; k < n->val.n_aaaa && o < sizeof(buf) - 64; k++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? " " : "",
			      inet_ntop(AF_INET6, z.aaaa[n->val.rrset_id + k / 32].addr[k % 32], a,
					sizeof(a)));
	return buf;
}

#define CHECK_ADDRS(view, name, want) ({					\
	const char *__got = addrs(find(view, name));				\
	CHECK(!strcmp(__got, want), "%s in view %s: got \"%s\", want \"%s\"",	\
	      name, view, __got, want);						\
})

/* A name that exists with no data, visible only to those admitted to the
 * network of the names below it (never to everyone: that would leak). */
#define CHECK_ENT(view, name) ({						\
	const struct zone_name *__n = find(view, name);				\
	CHECK(__n && !__n->val.rrset_id && !__n->val.n_a && !__n->val.n_aaaa &&	\
	      !__n->val.n_srv && __n->val.network_id != ENF_DNS_ANY_NETWORK &&	\
	      !(__n->val.flags & ENF_DNS_NAME_APEX),				\
	      "%s in view %s is not an empty non-terminal (%s)", name, view,	\
	      __n ? "has data or flags" : "missing");				\
})

#define CHECK_ABSENT(view, name) \
	CHECK(!find(view, name), "%s exists in view %s", name, view)

/* The SRV records of a name as "port:label ..." */
static const char *srvs(const struct zone_name *n)
{
	static char buf[1024];
	size_t k, o = 0;

	buf[0] = '\0';
	if (!n)
		return "(no such name)";
	if (!n->val.rrset_id || n->val.rrset_id >= z.nrrsets)
		return "";
	for (k = 0; k < n->val.n_srv && o < sizeof(buf) - 32; k++) {
		const struct enf_dns_srv_rr *rr = &z.srv[n->val.rrset_id + k / 32].rr[k % 32];

		o += snprintf(buf + o, sizeof(buf) - o, "%s%u/%u/%u:%.*s", o ? " " : "",
			      ntohs(rr->priority), ntohs(rr->weight), ntohs(rr->port),
			      rr->label_len <= 5 ? rr->label_len : 5, rr->label);
	}
	return buf;
}

/* Independent hash: the label's folded wire form as zero-padded
 * little-endian words, each mixed in; the right-to-left combine. */
static uint64_t ref_mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

static uint64_t ref_label(const uint8_t *l)
{
	uint8_t buf[72] = { 0 };
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i, n = (size_t)l[0] + 1;

	for (i = 0; i < n; i++)
		buf[i] = l[i] >= 'A' && l[i] <= 'Z' ? l[i] + 32 : l[i];
	for (i = 0; i < n; i += 8) {
		uint64_t w = 0;
		int k;

		for (k = 7; k >= 0; k--)
			w = w << 8 | buf[i + k];
		h = ref_mix(h, w);
	}
	return h;
}

static uint64_t ref_hash(const uint8_t *wire)
{
	if (!wire[0])
		return 0;
	return enf_dns_combine(ref_hash(wire + 1 + wire[0]), ref_label(wire));
}

static char *export_string(const char *view)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return NULL;
	err = zone_export(&z, m, view, NULL, f);
	fclose(f);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void rm_rf(const char *path)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		printf("    cannot remove %s\n", path);
}

#define SCALINGO_WEB_APP "ap-a71da13f-7c70-4c00-a644-eee8558d8053"
#define SCALINGO_BACKEND "ap-0b5e3c1d-2f4a-4b6c-9d8e-7f6a5b4c3d2e"
#define SCALINGO_PN "pn-ad0fd6a1-d05e-40ea-bf63-c4f8a75a9d8c"
#define SCALINGO_SUFFIX SCALINGO_PN ".private-network.internal"

static const char *const scenarios[] = {
	"convox-classic.yml", "convox-rack.yml", "dot-internal.yml", "heroku-space.yml",
	"scalingo-pn.yml",
};

/* ------------------------------------------------------------------------ */
/* Hash and wire form */

static void test_label_hash_is_words_of_the_wire_form(void)
{
	const uint8_t web[] = { 3, 'w', 'e', 'b', 0 };
	/* 7 characters: the length byte and the label fill one word exactly;
	 * 8: a second word with one byte; 15: two whole words */
	const uint8_t l7[] = { 7, 'a', 'b', 'c', 'd', 'e', 'f', 'g' };
	const uint8_t l8[] = { 8, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'H' };
	const uint8_t l15[] = { 15, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
				'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o' };

	CHECK_EQ(enf_dns_label_hash(web), ref_mix(0xcbf29ce484222325ULL, 0x62657703ULL));
	CHECK_EQ(dns_wire_hash(web, sizeof(web)), enf_dns_combine(0, ref_label(web)));
	CHECK_EQ(enf_dns_label_hash(l7),
		 ref_mix(0xcbf29ce484222325ULL, 0x6766656463626107ULL));
	CHECK_EQ(enf_dns_label_hash(l8),
		 ref_mix(ref_mix(0xcbf29ce484222325ULL, 0x6766656463626108ULL), 0x68));
	CHECK_EQ(enf_dns_label_hash(l15), ref_label(l15));
}

/* Pinned values (docs/dns.md): the BPF side and the responder must agree. */
static void test_hash_test_vectors(void)
{
	uint8_t w[ENF_DNS_MAX_NAME];
	size_t len;

	CHECK_EQ(dns_name_to_wire("internal", w, &len), 0);
	CHECK_EQ(dns_wire_hash(w, len), 0xccd474615538a203ULL);
	CHECK_EQ(dns_name_to_wire("web.myapp.internal", w, &len), 0);
	CHECK_EQ(len, 20);
	CHECK_EQ(dns_wire_hash(w, len), 0x986af169e97caa24ULL);
}

static void test_root_hashes_to_zero(void)
{
	const uint8_t root[] = { 0 };
	uint8_t wire[ENF_DNS_MAX_NAME];
	size_t len = 0;

	CHECK_EQ(dns_wire_hash(root, 1), 0);
	CHECK_EQ(dns_name_to_wire(".", wire, &len), 0);
	CHECK_EQ(len, 1);
	CHECK_EQ(wire[0], 0);
}

static void test_hash_is_case_insensitive(void)
{
	/* raw wire, not through dns_name_to_wire (which lowercases) */
	const uint8_t mixed[] = { 3, 'W', 'e', 'B', 5, 'M', 'y', 'A', 'p', 'p',
				  8, 'I', 'n', 't', 'e', 'r', 'n', 'a', 'l', 0 };
	const uint8_t lower[] = { 3, 'w', 'e', 'b', 5, 'm', 'y', 'a', 'p', 'p',
				  8, 'i', 'n', 't', 'e', 'r', 'n', 'a', 'l', 0 };
	uint8_t wire[ENF_DNS_MAX_NAME];
	size_t len;

	CHECK_EQ(dns_wire_hash(mixed, sizeof(mixed)), dns_wire_hash(lower, sizeof(lower)));
	CHECK_EQ(dns_wire_hash(mixed, sizeof(mixed)), ref_hash(lower));
	CHECK_EQ(dns_name_to_wire("WeB.MyApp.Internal", wire, &len), 0);
	CHECK(len == sizeof(lower) && !memcmp(wire, lower, len), "not lowercased");
}

static void test_only_ascii_letters_fold(void)
{
	const uint8_t c1[] = { 1, 0xc1, 0 }, e1[] = { 1, 0xe1, 0 };
	const uint8_t at[] = { 1, '@', 0 }, bq[] = { 1, '`', 0 };
	const uint8_t br[] = { 1, '[', 0 }, cb[] = { 1, '{', 0 };
	const uint8_t za[] = { 1, 'Z', 0 }, zl[] = { 1, 'z', 0 };

	CHECK(dns_wire_hash(c1, 3) != dns_wire_hash(e1, 3), "0xC1 folded to 0xE1");
	CHECK(dns_wire_hash(at, 3) != dns_wire_hash(bq, 3), "'@' folded to '`'");
	CHECK(dns_wire_hash(br, 3) != dns_wire_hash(cb, 3), "'[' folded to '{'");
	CHECK_EQ(dns_wire_hash(za, 3), dns_wire_hash(zl, 3));
}

static void test_hash_depends_on_label_boundaries(void)
{
	uint8_t a[ENF_DNS_MAX_NAME], b[ENF_DNS_MAX_NAME];
	size_t al, bl;

	CHECK_EQ(dns_name_to_wire("ab.c", a, &al), 0);
	CHECK_EQ(dns_name_to_wire("a.bc", b, &bl), 0);
	CHECK(dns_wire_hash(a, al) != dns_wire_hash(b, bl), "ab.c and a.bc hash alike");
	CHECK_EQ(dns_name_to_wire("web.myapp", a, &al), 0);
	CHECK_EQ(dns_name_to_wire("myapp.web", b, &bl), 0);
	CHECK(dns_wire_hash(a, al) != dns_wire_hash(b, bl), "label order ignored");
}

static void test_suffix_hash_equals_apex_hash(void)
{
	uint8_t wire[ENF_DNS_MAX_NAME], apex[ENF_DNS_MAX_NAME];
	size_t len, alen;
	uint64_t h = 0, lh[8];
	const uint8_t *p;
	int n = 0, i;

	CHECK_EQ(dns_name_to_wire("1.web.api.backend.production.convox", wire, &len), 0);
	CHECK_EQ(dns_name_to_wire("production.convox", apex, &alen), 0);
	/* the data-path walk: label hashes left to right, combined from the right */
	for (p = wire; *p && n < 8; p += 1 + *p)
		lh[n++] = ref_label(p);
	CHECK_EQ(n, 6);
	for (i = n - 1; i >= 0; i--) {
		h = enf_dns_combine(h, lh[i]);
		if (i == n - 2)
			CHECK_EQ(h, dns_wire_hash(apex, alen));
		if (i == n - 3)
			CHECK_EQ(h, dns_wire_hash(wire + len - alen - 8, alen + 8));
	}
	CHECK_EQ(h, dns_wire_hash(wire, len));
	CHECK_EQ(h, ref_hash(wire));
}

static void test_malformed_wire_hashes_to_zero(void)
{
	const uint8_t long_label[] = { 64, 'a', 0 };
	const uint8_t no_root[] = { 1, 'a' };
	const uint8_t pointer[] = { 0xc0, 0x0c };
	const uint8_t ok[] = { 1, 'a', 0 };

	CHECK_EQ(dns_wire_hash(long_label, sizeof(long_label)), 0);
	CHECK_EQ(dns_wire_hash(no_root, sizeof(no_root)), 0);
	CHECK_EQ(dns_wire_hash(pointer, sizeof(pointer)), 0);
	CHECK_EQ(dns_wire_hash(ok, 2), 0);	/* length shorter than the name */
	CHECK_EQ(dns_wire_hash(ok, 0), 0);
	CHECK(dns_wire_hash(ok, 3) != 0, "a valid name hashed to 0");
}

static void test_name_to_wire_accepts_trailing_dot(void)
{
	uint8_t a[ENF_DNS_MAX_NAME], b[ENF_DNS_MAX_NAME];
	size_t al = 0, bl = 0;

	CHECK_EQ(dns_name_to_wire("api.internal", a, &al), 0);
	CHECK_EQ(dns_name_to_wire("api.internal.", b, &bl), 0);
	CHECK_EQ(al, 14);
	CHECK(al == bl && !memcmp(a, b, al), "trailing dot changes the name");
	CHECK(!memcmp(a, "\3api\10internal", 14), "wrong wire form");
}

static void test_name_to_wire_rejects_invalid_names(void)
{
	char label64[80], long_name[300];
	uint8_t w[ENF_DNS_MAX_NAME];
	size_t len, i;

	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".x");
	for (i = 0; i < 128; i++) {	/* 128 "a." = 256 octets with the root */
		long_name[2 * i] = 'a';
		long_name[2 * i + 1] = '.';
	}
	long_name[256] = '\0';
	CHECK_EQ(dns_name_to_wire("", w, &len), -EINVAL);
	CHECK_EQ(dns_name_to_wire("a..b", w, &len), -EINVAL);
	CHECK_EQ(dns_name_to_wire(".a", w, &len), -EINVAL);
	CHECK_EQ(dns_name_to_wire("a.b..", w, &len), -EINVAL);
	CHECK_EQ(dns_name_to_wire(label64, w, &len), -EINVAL);
	CHECK_EQ(dns_name_to_wire(long_name, w, &len), -EINVAL);
	CHECK_EQ(dns_name_to_wire("a\\", w, &len), -EINVAL);
	CHECK_EQ(dns_name_to_wire("a\\256", w, &len), -EINVAL);
	label64[63] = '\0';	/* 63 is fine */
	CHECK_EQ(dns_name_to_wire(label64, w, &len), 0);
	long_name[2] = '\0';	/* "a." */
	CHECK_EQ(dns_name_to_wire(long_name, w, &len), 0);
	/* 127 labels = 255 octets: the largest name */
	memset(long_name, 0, sizeof(long_name));
	for (i = 0; i < 127; i++) {
		long_name[2 * i] = 'a';
		long_name[2 * i + 1] = '.';
	}
	CHECK_EQ(dns_name_to_wire(long_name, w, &len), 0);
	CHECK_EQ(len, 255);
}

static void test_name_to_wire_lowercases_ascii_only(void)
{
	uint8_t w[ENF_DNS_MAX_NAME];
	size_t len;

	CHECK_EQ(dns_name_to_wire("\\193B.X", w, &len), 0);
	CHECK_EQ(len, 6);
	CHECK_EQ(w[1], 0xc1);
	CHECK_EQ(w[2], 'b');
	CHECK_EQ(w[4], 'x');
}

static void test_wire_to_text_escapes_and_round_trips(void)
{
	const uint8_t wire[] = { 4, 'a', '.', 0xc1, ' ', 3, '_', '1', '@', 0 };
	uint8_t back[ENF_DNS_MAX_NAME];
	char text[64], small[4];
	size_t len;

	CHECK(!strcmp(dns_wire_to_text(wire, text, sizeof(text)), "a\\.\\193\\032._1\\@."),
	      "got %s", text);
	CHECK_EQ(dns_name_to_wire(text, back, &len), 0);
	CHECK(len == sizeof(wire) && !memcmp(back, wire, len), "round trip changed the name");
	CHECK(!strcmp(dns_wire_to_text((const uint8_t *)"", text, sizeof(text)), "."),
	      "root is %s", text);
	dns_wire_to_text(wire, small, sizeof(small));
	CHECK_EQ(strlen(small), 3);	/* truncated, terminated */
}

/* ------------------------------------------------------------------------ */
/* Zones and apexes */

static void test_apex_is_static_suffix(void)
{
	if (!scenario("convox-classic.yml"))
		goto out;
	CHECK_EQ(z.nzones, 1);
	CHECK(z.nzones && !strcmp((const char *)z.zones[0].wire, "\6convox\5local"),
	      "apex is not convox.local");
	CHECK_EQ(z.zones[0].val.labels, 2);
	CHECK(find("rack", "convox.local") &&
	      (val("rack", "convox.local")->flags & ENF_DNS_NAME_APEX), "no apex name");
	CHECK_ABSENT("rack", "local");
out:
	done();
}

static void test_apex_fills_rack(void)
{
	const struct zone_name *apex;

	if (!scenario("convox-rack.yml"))
		goto out;
	CHECK_EQ(z.nzones, 1);
	apex = find("rack", "production.convox");
	CHECK(apex && (apex->val.flags & ENF_DNS_NAME_APEX), "production.convox is no apex");
	CHECK_ABSENT("rack", "convox");
	CHECK_EQ(z.zones[0].val.labels, 2);
	CHECK_ENT("rack", "backend.production.convox");
out:
	done();
}

static void test_templates_sharing_an_apex_share_a_zone(void)
{
	size_t i;

	if (!scenario("scalingo-pn.yml"))
		goto out;
	CHECK_EQ(z.nzones, 1);
	for (i = 0; i < z.nnames; i++)
		CHECK_EQ(z.names[i].val.zone_id, 0);
out:
	done();
}

static void test_zone_ids_follow_template_order(void)
{
	const char *y =
		"rack: production\n"
		"zones: [\"{service}.{app}.convox.local\", \"{service}.{app}.{rack}.convox\",\n"
		"        \"{service}.internal\", \"{app}.{rack}.convox\"]\n"
		"dns: { resolvers: [10.96.0.10] }\n"
		"private: [10.0.0.0/16]\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      web: { port: 3000, instances: [10.0.1.10] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_EQ(z.nzones, 3);
	CHECK_EQ(val("rack", "web.myapp.convox.local")->zone_id, 0);
	CHECK_EQ(val("rack", "web.myapp.production.convox")->zone_id, 1);
	CHECK_EQ(val("rack", "myapp.production.convox")->zone_id, 1);
	CHECK_EQ(val("rack", "web.internal")->zone_id, 2);
	CHECK_EQ(val("rack", "internal")->zone_id, 2);
	CHECK_EQ(z.zones[2].val.zone_id, 2);
	CHECK_ADDRS("rack", "myapp.production.convox", "10.0.1.10");
out:
	done();
}

static void test_soa_fields_and_ttl(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\"]\n"
		"dns: { resolvers: [10.96.0.10], ttl: 30 }\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";

	if (CHECK_EQ(compile_buf(y, 2024061501), 0)) {
		const struct enf_dns_zone *v = &z.zones[0].val;

		CHECK_EQ(v->serial, 2024061501);
		CHECK_EQ(v->refresh, 3600);
		CHECK_EQ(v->retry, 600);
		CHECK_EQ(v->expire, 86400);
		CHECK_EQ(v->minimum, 30);
		CHECK_EQ(v->ttl, 30);
		CHECK_EQ(z.ttl, 30);
		CHECK_EQ(v->labels, 1);
		CHECK_EQ(z.zones[0].key.view, 0);
		CHECK_EQ(z.zones[0].key.wire_len, 10);
		CHECK_EQ(z.zones[0].key.hash, dns_wire_hash(z.zones[0].wire, 10));
	}
	done();
}

static void test_apex_is_right_of_last_per_app_label(void)
{
	const char *y =
		"rack: production\n"
		"zones: [\"{service}-{app}.{rack}.x.internal\", \"{service}.{app}-{rack}.y.internal\"]\n"
		"dns: { resolvers: [10.96.0.10] }\n"
		"apps:\n"
		"  shop:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_EQ(z.nzones, 2);
	CHECK(find("rack", "production.x.internal") &&
	      (val("rack", "production.x.internal")->flags & ENF_DNS_NAME_APEX),
	      "{rack} label is not part of the apex");
	CHECK(find("rack", "y.internal") &&
	      (val("rack", "y.internal")->flags & ENF_DNS_NAME_APEX),
	      "a label with {app} and {rack} is part of the apex");
	CHECK_ADDRS("rack", "web-shop.production.x.internal", "10.0.1.10");
	CHECK_ENT("rack", "shop-production.y.internal");
	CHECK_ADDRS("rack", "web.shop-production.y.internal", "10.0.1.10");
out:
	done();
}

static void test_nested_zones_use_deepest_apex(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\", \"{service}.{app}.corp.internal\"]\n"
		"dns: { resolvers: [10.96.0.10] }\n"
		"apps:\n"
		"  hr:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_EQ(z.nzones, 2);
	CHECK_EQ(val("rack", "web.internal")->zone_id, 0);
	CHECK_EQ(val("rack", "web.hr.corp.internal")->zone_id, 1);
	CHECK_EQ(val("rack", "hr.corp.internal")->zone_id, 1);
	CHECK_EQ(val("rack", "corp.internal")->zone_id, 1);
	CHECK(val("rack", "corp.internal")->flags & ENF_DNS_NAME_APEX, "no nested apex");
	CHECK_EQ(count_names("rack", "corp.internal"), 1);
	CHECK_ADDRS("rack", "ns.corp.internal", "10.96.0.10");
	done();
	/* a name from the outer template that falls under the inner apex
	 * belongs to the inner zone, as the data path finds the deepest apex */
	y = "rack: r\n"
	    "zones: [\"{service}.{app}.internal\", \"{app}.hr.internal\"]\n"
	    "apps:\n"
	    "  hr:\n"
	    "    services:\n"
	    "      web: { port: 80, instances: [10.0.1.10] }\n"
	    "  fin:\n"
	    "    services:\n"
	    "      web: { port: 80, instances: [10.0.2.10] }\n";
	if (!compile_yaml(y))
		goto out;
	CHECK_EQ(val("rack", "web.hr.internal")->zone_id, 1);
	CHECK_EQ(val("rack", "_tcp.web.hr.internal")->zone_id, 1);
	CHECK_EQ(val("rack", "hr.internal")->flags, ENF_DNS_NAME_APEX);
	CHECK_EQ(val("rack", "web.fin.internal")->zone_id, 0);
	CHECK_EQ(val("rack", "fin.internal")->zone_id, 0);
	CHECK_ADDRS("rack", "fin.hr.internal", "10.0.2.10");
	CHECK_EQ(val("rack", "fin.hr.internal")->zone_id, 1);
out:
	done();
}

static void test_too_many_zones_is_an_error(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.z0.internal\"]\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";
	struct mf_zone *zs;
	FILE *errf;
	size_t i;
	int err;

	if (!CHECK_EQ(manifest_load_buf(y, strlen(y), "t.yml", &m, stderr), 0))
		return;
	/* beyond what the manifest allows: 65 templates, 65 apexes */
	zs = realloc(m->zones, 65 * sizeof(*zs));
	if (!CHECK(zs, "out of memory"))
		goto out;
	m->zones = zs;
	for (i = 1; i < 65; i++) {
		char t[64];

		snprintf(t, sizeof(t), "{service}.z%zu.internal", i);
		zs[i].tmpl = strdup(t);
		zs[i].pos = (struct mf_pos){ .line = 2, .col = 9 };
		m->nzones = i + 1;
	}
	memset(msgs, 0, sizeof(msgs));
	errf = fmemopen(msgs, sizeof(msgs) - 1, "w");
	err = zone_compile(m, 1, &z, errf);
	fclose(errf);
	CHECK_EQ(err, -EINVAL);
	CHECK_STR_CONTAINS(msgs, "t.yml:2:9: zones[64]: zone apex 'z64.internal'");
	CHECK_STR_CONTAINS(msgs, "at most 64");
	CHECK(!z.names && !z.zones && !z.nnames, "output not freed on error");
out:
	done();
}

static void test_apex_with_too_many_labels_is_an_error(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.a.b.c.d.e.f.g.h.internal\"]\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";

	CHECK_EQ(compile_buf(y, 1), -EINVAL);
	CHECK_STR_CONTAINS(msgs, "t.yml:2:9: zones[0]: zone apex 'a.b.c.d.e.f.g.h.internal' has 9 "
			   "labels (at most 8)");
	done();
	/* 8 labels are fine */
	y = "rack: r\n"
	    "zones: [\"{service}.a.b.c.d.e.f.g.internal\"]\n"
	    "apps:\n"
	    "  a:\n"
	    "    services:\n"
	    "      web: { port: 80, instances: [10.0.1.10] }\n";
	if (compile_yaml(y))
		CHECK_EQ(z.zones[0].val.labels, 8);
	done();
}

static void test_no_templates_no_zones(void)
{
	const char *y =
		"rack: r\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";

	if (compile_yaml(y)) {
		CHECK_EQ(z.nzones, 0);
		CHECK_EQ(z.nnames, 0);
		CHECK(z.nrrsets <= 1, "rrsets without zones");
		CHECK_EQ(z.ttl, 5);
	}
	done();
}

/* ------------------------------------------------------------------------ */
/* The scenarios */

static void test_convox_classic_service_names(void)
{
	if (!scenario("convox-classic.yml"))
		goto out;
	CHECK_ADDRS("rack", "admin.myapp.convox.local", "10.0.2.10");
	CHECK_ADDRS("rack", "web.myapp.convox.local", "10.0.1.10 10.0.1.11");
	CHECK_ADDRS("rack", "worker.myapp.convox.local", "10.0.3.10");
	CHECK_ADDRS("rack", "database.myapp.convox.local", "10.0.4.10");
	CHECK_ADDRS("rack", "cache.myapp.convox.local", "10.0.4.20");
	CHECK_ADDRS("rack", "ADMIN.MyApp.Convox.Local.", "10.0.2.10");
	CHECK_EQ(val("rack", "admin.myapp.convox.local")->network_id, 0);
	CHECK_EQ(val("rack", "admin.myapp.convox.local")->flags, 0);
out:
	done();
}

static void test_convox_classic_app_ent_exists_without_data(void)
{
	if (!scenario("convox-classic.yml"))
		goto out;
	CHECK_ENT("rack", "myapp.convox.local");
	CHECK_ENT("rack", "_tcp.web.myapp.convox.local");
	CHECK_ABSENT("rack", "other.convox.local");
	CHECK_ABSENT("rack", "x.web.myapp.convox.local");
out:
	done();
}

static void test_per_instance_names_in_manifest_order(void)
{
	if (!scenario("convox-classic.yml"))
		goto out;
	CHECK_ADDRS("rack", "1.web.myapp.convox.local", "10.0.1.10");
	CHECK_ADDRS("rack", "2.web.myapp.convox.local", "10.0.1.11");
	CHECK_ABSENT("rack", "3.web.myapp.convox.local");
	CHECK_ABSENT("rack", "0.web.myapp.convox.local");
	CHECK_ADDRS("rack", "1.worker.myapp.convox.local", "10.0.3.10");
out:
	done();
}

/* Health-probed services keep a spare copy of each RRset the daemon may
 * rewrite (zone.h): the service name's and each port's SRV set. */
static void test_health_probed_sets_have_a_spare_copy(void)
{
	const struct enf_dns_name *web, *srv, *pnr;

	if (!compile_yaml("rack: r\nzones: [\"{service}.{app}.internal\"]\napps:\n  a:\n"
			  "    services:\n"
			  "      web:\n        port: 80\n        instances: [10.0.1.1, 10.0.1.2]\n"
			  "        health: { interval: 1 }\n"
			  "      pnr:\n        port: 80\n        instances: [10.0.2.1]\n"
			  "        health: /\n        publish_not_ready: true\n"
			  "      vip:\n        port: 80\n        vip: 10.96.0.9\n"
			  "        instances: [10.0.3.1]\n        health: /\n"))
		return;
	web = val("rack", "web.a.internal");
	srv = val("rack", "_80._tcp.web.a.internal");
	pnr = val("rack", "pnr.a.internal");
	CHECK(zone_follows_health(&z), "health-probed sets are reported");
	CHECK_EQ(z.nsvc_rrset, 3);
	CHECK_EQ(z.svc_rrset[0], web->rrset_id);
	CHECK_EQ(web->n_a, 2);
	CHECK(web->rrset_id + 1 < z.nrrsets &&
	      !memcmp(&z.a[web->rrset_id], &z.a[web->rrset_id + 1], sizeof(z.a[0])),
	      "the spare is a copy of the set");
	CHECK_EQ(z.port_rrset[0], srv->rrset_id);
	CHECK(!memcmp(&z.srv[srv->rrset_id], &z.srv[srv->rrset_id + 1], sizeof(z.srv[0])),
	      "the SRV spare is a copy of the set");
	CHECK_EQ(z.svc_rrset[1], 0);	/* publish_not_ready: answers never change */
	CHECK(pnr->n_a == 1, "pnr answers its instance");
	CHECK_EQ(z.svc_rrset[2], 0);	/* a VIP answers for its service */
	CHECK(z.port_rrset[2] != 0, "a VIP service's SRV set follows health");
	done();
}

/* The layout digest a daemon checks before it adopts a generation: the same
 * manifest gives the same digest, one more instance (one more record, the
 * same names) another. */
static void test_layout_digest_follows_names_and_rrsets(void)
{
	static const char *const yml[] = {
		"rack: r\nzones: [\"{service}.{app}.internal\"]\napps:\n  a:\n    services:\n"
		"      web: { port: 80, instances: [10.0.1.1], health: / }\n",
		"rack: r\nzones: [\"{service}.{app}.internal\"]\napps:\n  a:\n    services:\n"
		"      web: { port: 80, instances: [10.0.1.1, 10.0.1.2], health: / }\n",
	};
	uint64_t d[3];
	int i;

	for (i = 0; i < 3; i++) {
		if (!compile_yaml(yml[i == 2]))
			return;
		d[i] = zone_layout_digest(&z);
		done();
	}
	CHECK(d[0] && d[0] == d[1], "the same manifest, the same digest");
	CHECK(d[2] != d[0], "another layout, another digest");
}

static void test_srv_owners_and_records(void)
{
	const struct zone_name *n;

	if (!scenario("convox-classic.yml"))
		goto out;
	n = find("rack", "_3000._tcp.web.myapp.convox.local");
	CHECK(n && !strcmp(srvs(n), "0/0/3000:1 0/0/3000:2"), "web SRV: %s", srvs(n));
	CHECK(n && !n->val.n_a && !n->val.n_aaaa, "SRV name has addresses");
	CHECK_EQ(n ? n->val.network_id : 99, 0);
	n = find("rack", "_5432._tcp.database.myapp.convox.local");
	CHECK(n && !strcmp(srvs(n), "0/0/5432:1"), "database SRV: %s", srvs(n));
	/* the worker has no port: no SRV, no _tcp */
	CHECK_ABSENT("rack", "_tcp.worker.myapp.convox.local");
	/* SRV only under the service name, not the instance names */
	CHECK_ABSENT("rack", "_3000._tcp.1.web.myapp.convox.local");
out:
	done();
}

static void test_convox_rack_vip_answers_service_name(void)
{
	if (!scenario("convox-rack.yml"))
		goto out;
	CHECK_ADDRS("rack", "api.backend.production.convox", "10.1.200.20");
	CHECK_ADDRS("rack", "1.api.backend.production.convox", "10.1.2.10");
	CHECK_ADDRS("rack", "2.api.backend.production.convox", "10.1.2.11");
	CHECK_ADDRS("rack", "edge.backend.production.convox", "10.1.3.10");
	CHECK_ADDRS("rack", "web.backend.production.convox", "10.1.1.10");
	CHECK(!strcmp(srvs(find("rack", "_4000._tcp.api.backend.production.convox")),
		      "0/0/4000:1 0/0/4000:2"), "api SRV targets the instances");
out:
	done();
}

static void test_dot_internal_split_horizon(void)
{
	uint32_t shop, blog;

	if (!scenario("dot-internal.yml"))
		goto out;
	shop = view_of("shop");
	blog = view_of("blog");
	CHECK_ADDRS("shop", "api.internal", "10.30.1.10");
	CHECK_ADDRS("blog", "api.internal", "10.31.1.10");
	CHECK_ABSENT("rack", "api.internal");
	CHECK_EQ(val("shop", "api.internal")->network_id, shop);
	CHECK_EQ(val("blog", "api.internal")->network_id, blog);
	CHECK(val("shop", "api.internal")->rrset_id !=
	      val("blog", "api.internal")->rrset_id, "two networks share an RRset");
	CHECK_ADDRS("shop", "postgres.internal", "10.30.2.10");
	CHECK_ADDRS("shop", "cache.internal", "10.30.2.20");
	CHECK_ABSENT("blog", "postgres.internal");
	CHECK_ABSENT("blog", "web.internal");
out:
	done();
}

static void test_dot_internal_normalised_service_name(void)
{
	if (!scenario("dot-internal.yml"))
		goto out;
	CHECK_ADDRS("shop", "background-worker.internal", "10.30.3.10");
	CHECK(!strcmp(srvs(find("shop", "_3000._tcp.background-worker.internal")),
		      "0/0/3000:1"), "background-worker SRV");
	CHECK_ABSENT("blog", "background-worker.internal");
out:
	done();
}

static void test_apex_and_ns_in_every_view_with_names(void)
{
	const char *views[] = { "rack", "shop", "blog" };
	size_t i;

	if (!scenario("dot-internal.yml"))
		goto out;
	for (i = 0; i < 3; i++) {
		const struct zone_name *apex = find(views[i], "internal");
		const struct zone_name *ns = find(views[i], "ns.internal");

		CHECK(apex && (apex->val.flags & ENF_DNS_NAME_APEX) && !apex->val.rrset_id &&
		      apex->val.network_id == ENF_DNS_ANY_NETWORK, "apex in view %s", views[i]);
		CHECK(ns && ns->val.network_id == ENF_DNS_ANY_NETWORK && !ns->val.flags,
		      "ns in view %s", views[i]);
		CHECK_ADDRS(views[i], "ns.internal", "10.30.255.2 10.31.255.2");
	}
out:
	done();
}

static void test_heroku_first_dyno_only(void)
{
	uint32_t space;

	if (!scenario("heroku-space.yml"))
		goto out;
	space = view_of("test-space");
	CHECK_ADDRS("test-space", "1.web.ledger-api.app.localspace", "10.10.2.10");
	CHECK_ADDRS("test-space", "web.ledger-api.app.localspace",
		    "10.10.2.10 10.10.2.11 10.10.2.12");
	CHECK_EQ(val("test-space", "1.web.ledger-api.app.localspace")->network_id, space);
	CHECK_ADDRS("test-space", "web.storefront.app.localspace", "10.10.1.10 10.10.1.11");
	CHECK_ADDRS("other", "web.reports.app.localspace", "10.11.2.10");
out:
	done();
}

static void test_heroku_other_space_sees_nothing_of_ledger_api(void)
{
	if (!scenario("heroku-space.yml"))
		goto out;
	CHECK_ABSENT("other", "web.ledger-api.app.localspace");
	CHECK_ABSENT("rack", "web.ledger-api.app.localspace");
	CHECK_ABSENT("rack", "1.web.ledger-api.app.localspace");
	/* not even the empty non-terminal: NXDOMAIN, not NODATA */
	CHECK_ABSENT("rack", "ledger-api.app.localspace");
	CHECK_ABSENT("other", "ledger-api.app.localspace");
	CHECK_ENT("test-space", "ledger-api.app.localspace");
	CHECK_ENT("other", "reports.app.localspace");
	CHECK_ABSENT("test-space", "reports.app.localspace");
	/* the zone itself is in view 0 for everybody */
	CHECK(find("rack", "app.localspace"), "no apex in view 0");
out:
	done();
}

static void test_scalingo_indexed_name_is_first_container(void)
{
	if (!scenario("scalingo-pn.yml"))
		goto out;
	CHECK_ADDRS(SCALINGO_PN, "1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX, "10.240.0.10");
	CHECK_ADDRS(SCALINGO_PN, "2.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX, "10.240.0.11");
	CHECK_ABSENT(SCALINGO_PN, "3.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX);
	CHECK_ABSENT("rack", "1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX);
out:
	done();
}

static void test_scalingo_type_and_app_names_answer_web_containers(void)
{
	if (!scenario("scalingo-pn.yml"))
		goto out;
	CHECK_ADDRS(SCALINGO_PN, "web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX,
		    "10.240.0.10 10.240.0.11");
	CHECK_ADDRS(SCALINGO_PN, SCALINGO_WEB_APP "." SCALINGO_SUFFIX, "10.240.0.10 10.240.0.11");
	CHECK_ADDRS(SCALINGO_PN, "1." SCALINGO_WEB_APP "." SCALINGO_SUFFIX, "10.240.0.10");
	CHECK_ADDRS(SCALINGO_PN, "myappbackend." SCALINGO_BACKEND "." SCALINGO_SUFFIX,
		    "10.240.1.10");
	CHECK_ADDRS(SCALINGO_PN, "worker." SCALINGO_BACKEND "." SCALINGO_SUFFIX, "10.240.1.20");
	CHECK_ENT(SCALINGO_PN, SCALINGO_SUFFIX);
out:
	done();
}

static void test_scalingo_merged_instance_names_exist_once(void)
{
	const struct zone_name *n;

	if (!scenario("scalingo-pn.yml"))
		goto out;
	CHECK_EQ(count_names(SCALINGO_PN, "1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX), 1);
	CHECK_EQ(count_names(SCALINGO_PN, "1.worker." SCALINGO_BACKEND "." SCALINGO_SUFFIX), 1);
	n = find(SCALINGO_PN, "1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX);
	CHECK(n && n->val.n_a == 1, "merged name has %d records", n ? n->val.n_a : -1);
	CHECK(!strstr(msgs, "would name both"), "merge reported as a clash: %s", msgs);
out:
	done();
}

static void test_scalingo_srv_only_from_templates_without_index(void)
{
	if (!scenario("scalingo-pn.yml"))
		goto out;
	CHECK(!strcmp(srvs(find(SCALINGO_PN, "_443._tcp.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)),
		      "0/0/443:1 0/0/443:2"), "type-level SRV");
	CHECK(!strcmp(srvs(find(SCALINGO_PN, "_443._tcp." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)),
		      "0/0/443:1 0/0/443:2"), "app-level SRV");
	CHECK_ABSENT(SCALINGO_PN, "_443._tcp.1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX);
	CHECK_ABSENT(SCALINGO_PN, "_tcp.1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX);
out:
	done();
}

static void test_names_of_one_source_share_an_rrset(void)
{
	const char *web = "web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX;
	const char *app = SCALINGO_WEB_APP "." SCALINGO_SUFFIX;

	if (!scenario("scalingo-pn.yml"))
		goto out;
	CHECK_EQ(val(SCALINGO_PN, web)->rrset_id, val(SCALINGO_PN, app)->rrset_id);
	CHECK_EQ(val(SCALINGO_PN, "1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)->rrset_id,
		 val(SCALINGO_PN, "1." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)->rrset_id);
	CHECK_EQ(val(SCALINGO_PN, "_443._tcp.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)->rrset_id,
		 val(SCALINGO_PN, "_443._tcp." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)->rrset_id);
	CHECK(val(SCALINGO_PN, web)->rrset_id !=
	      val(SCALINGO_PN, "1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)->rrset_id,
	      "a service and its instance share an RRset");
	CHECK(val(SCALINGO_PN, "1.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)->rrset_id !=
	      val(SCALINGO_PN, "2.web." SCALINGO_WEB_APP "." SCALINGO_SUFFIX)->rrset_id,
	      "two instances share an RRset");
out:
	done();
}

static void test_scalingo_app_without_web_has_no_app_name(void)
{
	if (!scenario("scalingo-pn.yml"))
		goto out;
	/* exists as the parent of myappbackend/worker names, with no data */
	CHECK_ENT(SCALINGO_PN, SCALINGO_BACKEND "." SCALINGO_SUFFIX);
	CHECK_ABSENT(SCALINGO_PN, "1." SCALINGO_BACKEND "." SCALINGO_SUFFIX);
out:
	done();
}

/* ------------------------------------------------------------------------ */
/* Rules beyond the scenarios */

static void test_ipv6_instances_answer_aaaa(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.{app}.internal\"]\n"
		"dns: { resolvers: [10.96.0.10, \"fd00::53\"] }\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      web:\n"
		"        port: 3000\n"
		"        instances: [10.0.8.10, \"FD00:10::8:10\", 10.0.8.11]\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_ADDRS("rack", "web.myapp.internal", "10.0.8.10 10.0.8.11 fd00:10::8:10");
	CHECK_EQ(val("rack", "web.myapp.internal")->n_a, 2);
	CHECK_EQ(val("rack", "web.myapp.internal")->n_aaaa, 1);
	CHECK_ADDRS("rack", "2.web.myapp.internal", "fd00:10::8:10");
	CHECK_EQ(val("rack", "2.web.myapp.internal")->n_a, 0);
	CHECK_ADDRS("rack", "3.web.myapp.internal", "10.0.8.11");
	CHECK_ADDRS("rack", "ns.internal", "10.96.0.10 fd00::53");
	CHECK(!strcmp(srvs(find("rack", "_3000._tcp.web.myapp.internal")),
		      "0/0/3000:1 0/0/3000:2 0/0/3000:3"), "SRV over both families");
out:
	done();
}

static void test_ipv6_vip_answers_aaaa_only(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.{app}.internal\"]\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      api:\n"
		"        ports: [3000/tcp, 3001/udp]\n"
		"        vip: \"fd00:96::20\"\n"
		"        instances: [10.0.8.30, 10.0.8.31]\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_ADDRS("rack", "api.myapp.internal", "fd00:96::20");
	CHECK_EQ(val("rack", "api.myapp.internal")->n_a, 0);
	CHECK_ADDRS("rack", "1.api.myapp.internal", "10.0.8.30");
	CHECK(!strcmp(srvs(find("rack", "_3001._udp.api.myapp.internal")),
		      "0/0/3001:1 0/0/3001:2"), "udp SRV");
	CHECK_ENT("rack", "_udp.api.myapp.internal");
	CHECK_ENT("rack", "_tcp.api.myapp.internal");
out:
	done();
}

static void test_index_template_yields_only_instance_names(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{index}.{service}.{app}.internal\"]\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      web: { port: 3000, instances: [10.0.1.10, 10.0.1.11] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_ADDRS("rack", "1.web.myapp.internal", "10.0.1.10");
	CHECK_ADDRS("rack", "2.web.myapp.internal", "10.0.1.11");
	CHECK_ENT("rack", "web.myapp.internal");
	CHECK_ENT("rack", "myapp.internal");
	CHECK_ABSENT("rack", "1.1.web.myapp.internal");
	CHECK_ABSENT("rack", "_3000._tcp.web.myapp.internal");
	CHECK_ABSENT("rack", "_tcp.web.myapp.internal");
out:
	done();
}

static void test_index_inside_a_label(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}-{index}.{app}.internal\"]\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      web: { port: 3000, instances: [10.0.1.10, 10.0.1.11] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_ADDRS("rack", "web-2.myapp.internal", "10.0.1.11");
	CHECK_ABSENT("rack", "web.myapp.internal");
	CHECK_ENT("rack", "myapp.internal");
out:
	done();
}

static void test_template_without_service_names_web_only(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{app}.internal\"]\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      api: { port: 4000, instances: [10.0.2.10] }\n"
		"      web: { port: 3000, instances: [10.0.1.10] }\n"
		"  jobs:\n"
		"    services:\n"
		"      worker: { instances: [10.0.3.10] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_ADDRS("rack", "myapp.internal", "10.0.1.10");
	CHECK_ADDRS("rack", "1.myapp.internal", "10.0.1.10");
	CHECK(!strcmp(srvs(find("rack", "_3000._tcp.myapp.internal")), "0/0/3000:1"),
	      "app-level SRV is web's");
	CHECK_ABSENT("rack", "jobs.internal");
	CHECK_ABSENT("rack", "api.internal");
out:
	done();
}

static void test_network_placeholder_is_rack_for_implicit_network(void)
{
	const char *y =
		"rack: production\n"
		"zones: [\"{service}.{network}.internal\"]\n"
		"networks:\n"
		"  billing: { isolated: true, cidrs: [10.0.8.0/24] }\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      web: { port: 3000, instances: [10.0.1.10] }\n"
		"  pay:\n"
		"    network: billing\n"
		"    services:\n"
		"      api: { port: 3000, instances: [10.0.8.10] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_ADDRS("rack", "web.rack.internal", "10.0.1.10");
	CHECK_ADDRS("billing", "api.billing.internal", "10.0.8.10");
	CHECK_ABSENT("rack", "api.billing.internal");
	CHECK_ENT("rack", "rack.internal");
	CHECK_ENT("billing", "billing.internal");
	CHECK_ABSENT("rack", "billing.internal");
out:
	done();
}

static void test_non_isolated_network_names_in_view_0(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.{app}.internal\"]\n"
		"networks:\n"
		"  batch: { cidrs: [10.0.9.0/24] }\n"
		"apps:\n"
		"  jobs:\n"
		"    network: batch\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.9.10] }\n";
	uint32_t batch;

	if (!compile_yaml(y))
		goto out;
	batch = view_of("batch");
	CHECK(batch != 0 && batch != UINT32_MAX, "no batch network");
	CHECK_ADDRS("rack", "web.jobs.internal", "10.0.9.10");
	CHECK_EQ(val("rack", "web.jobs.internal")->network_id, batch);
	CHECK_ABSENT("batch", "web.jobs.internal");
	CHECK_ABSENT("batch", "internal");
out:
	done();
}

static void test_isolated_ent_shadows_view_0_name(void)
{
	/* rack has service "foo" (foo.internal); isolated app "foo" makes foo.internal
	 * an ENT in its own view; view 0 keeps the data */
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\", \"{service}.{app}.internal\"]\n"
		"networks:\n"
		"  iso: { isolated: true, cidrs: [10.0.8.0/24] }\n"
		"apps:\n"
		"  x:\n"
		"    services:\n"
		"      foo: { instances: [10.0.1.10] }\n"
		"  foo:\n"
		"    network: iso\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.8.10] }\n";

	if (!compile_yaml(y))
		goto out;
	CHECK_ADDRS("rack", "foo.internal", "10.0.1.10");
	CHECK_ENT("iso", "foo.internal");
	CHECK_ADDRS("iso", "web.foo.internal", "10.0.8.10");
	CHECK_ADDRS("iso", "web.internal", "10.0.8.10");
	CHECK_ENT("rack", "x.internal");
	CHECK_ABSENT("iso", "x.internal");
out:
	done();
}

static void test_collision_in_shared_view_is_an_error(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\"]\n"
		"networks:\n"
		"  batch: { cidrs: [10.0.9.0/24] }\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n"
		"  b:\n"
		"    network: batch\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.9.10] }\n";

	CHECK_EQ(compile_buf(y, 1), -EINVAL);
	CHECK_STR_CONTAINS(msgs, "t.yml:12:7: apps.b.services.web: 'web.internal'");
	CHECK_STR_CONTAINS(msgs, "apps.a.services.web (line 8)");
	CHECK_STR_CONTAINS(msgs, "in view rack");
	CHECK_STR_CONTAINS(msgs, "(names must be unique within a view");
	/* one message for the clash, not one per derived name */
	CHECK(!strstr(msgs, "1.web.internal"), "derived clashes reported: %s", msgs);
	CHECK(!z.names && !z.nnames && !z.zones && !z.a, "output not freed");
	done();
}

static void test_same_name_in_two_isolated_networks_is_fine(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\"]\n"
		"networks:\n"
		"  n1: { isolated: true, cidrs: [10.1.0.0/16] }\n"
		"  n2: { isolated: true, cidrs: [10.2.0.0/16] }\n"
		"apps:\n"
		"  a:\n"
		"    network: n1\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.1.0.10] }\n"
		"  b:\n"
		"    network: n2\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.2.0.10] }\n";

	if (compile_yaml(y)) {
		CHECK_ADDRS("n1", "web.internal", "10.1.0.10");
		CHECK_ADDRS("n2", "web.internal", "10.2.0.10");
	}
	done();
}

static void test_service_named_ns_is_an_error(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\"]\n"
		"dns: { resolvers: [10.96.0.10] }\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      ns: { port: 53, instances: [10.0.1.10] }\n";

	CHECK_EQ(compile_buf(y, 1), -EINVAL);
	CHECK_STR_CONTAINS(msgs, "t.yml:7:7: apps.a.services.ns: 'ns.internal'");
	CHECK_STR_CONTAINS(msgs, "name server name of zone internal");
	done();
}

static void test_service_named_like_an_apex_is_an_error(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\", \"{service}.corp.internal\"]\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      corp: { instances: [10.0.1.10] }\n";

	CHECK_EQ(compile_buf(y, 1), -EINVAL);
	CHECK_STR_CONTAINS(msgs, "t.yml:6:7: apps.a.services.corp: 'corp.internal' from "
			   "zones[0] is the apex of zone corp.internal");
	done();
}

/* An RRset over 32 records fills consecutive pages: every instance is
 * answerable (the 33rd instance was once silently dropped). */
static void test_large_rrsets_fill_pages(void)
{
	char y[4096];
	size_t o, i;
	const struct zone_name *n;

	o = (size_t)snprintf(y, sizeof(y),
			     "rack: r\n"
			     "zones: [\"{service}.internal\"]\n"
			     "apps:\n"
			     "  a:\n"
			     "    services:\n"
			     "      web:\n"
			     "        port: 80\n"
			     "        instances: [");
	for (i = 1; i <= 70; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "%s10.0.1.%zu", i > 1 ? ", " : "", i);
	snprintf(y + o, sizeof(y) - o, "]\n");
	if (!compile_yaml(y))
		goto out;
	n = find("rack", "web.internal");
	if (!CHECK(n && n->val.rrset_id + 2 < z.nrrsets, "web.internal missing or short"))
		goto out;
	CHECK_EQ(n->val.n_a, 70);
	CHECK_EQ(z.a[n->val.rrset_id].addr[0], htonl(0x0a000101));
	CHECK_EQ(z.a[n->val.rrset_id].addr[31], htonl(0x0a000120));
	CHECK_EQ(z.a[n->val.rrset_id + 1].addr[0], htonl(0x0a000121));
	CHECK_EQ(z.a[n->val.rrset_id + 2].addr[5], htonl(0x0a000146));
	CHECK_ADDRS("rack", "70.web.internal", "10.0.1.70");
	n = find("rack", "_80._tcp.web.internal");
	if (CHECK(n, "_80._tcp.web.internal missing")) {
		CHECK_EQ(n->val.n_srv, 70);
		CHECK(!strncmp(srvs(n) + strlen(srvs(n)) - 9, "0/0/80:70", 9), "last SRV: %s",
		      srvs(n));
	}
	CHECK(!strstr(msgs, "warning"), "warned: %s", msgs);
out:
	done();
}

/* SRV records carry their target in full: a set whose bytes exceed one TCP
 * message is an error naming the SRV name, below the record limit too. */
static void test_srv_set_over_one_tcp_message_is_an_error(void)
{
	static char y[65536];
	size_t o, i;

	o = (size_t)snprintf(y, sizeof(y),
			     "rack: r\n"
			     "zones: [\"{service}.internal\"]\n"
			     "apps:\n"
			     "  a:\n"
			     "    services:\n"
			     "      web:\n"
			     "        port: 80\n"
			     "        instances: [");
	for (i = 0; i < 2000; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "%s10.0.%zu.%zu", i ? ", " : "",
				      1 + i / 250, 1 + i % 250);
	snprintf(y + o, sizeof(y) - o, "]\n");
	CHECK_EQ(compile_buf(y, 1), -EINVAL);
	CHECK_STR_CONTAINS(msgs, "t.yml:6:7: apps.a.services.web: '_80._tcp.web.internal' from "
			   "zones[0]: 2000 SRV records with targets of this length do not fit one "
			   "TCP message");
	done();
	/* 1,500 of them fit (about 52 KB) */
	o = (size_t)snprintf(y, sizeof(y),
			     "rack: r\n"
			     "zones: [\"{service}.internal\"]\n"
			     "apps:\n"
			     "  a:\n"
			     "    services:\n"
			     "      web:\n"
			     "        port: 80\n"
			     "        instances: [");
	for (i = 0; i < 1500; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "%s10.0.%zu.%zu", i ? ", " : "",
				      1 + i / 250, 1 + i % 250);
	snprintf(y + o, sizeof(y) - o, "]\n");
	if (compile_yaml(y))
		CHECK_EQ(val("rack", "_80._tcp.web.internal")->n_srv, 1500);
	done();
}

/* Past what one TCP message holds, a name cannot answer its whole set:
 * an error that names the service, never a partial answer. */
static void test_rrset_over_the_limit_is_an_error(void)
{
	static char y[65536];
	size_t o, i;

	o = (size_t)snprintf(y, sizeof(y),
			     "rack: r\n"
			     "zones: [\"{service}.internal\"]\n"
			     "apps:\n"
			     "  a:\n"
			     "    services:\n"
			     "      web:\n"
			     "        port: 80\n"
			     "        instances: [");
	for (i = 0; i <= ENF_DNS_MAX_RRSET; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "%s10.0.%zu.%zu", i ? ", " : "",
				      1 + i / 250, 1 + i % 250);
	snprintf(y + o, sizeof(y) - o, "]\n");
	CHECK_EQ(compile_buf(y, 1), -EINVAL);
	CHECK_STR_CONTAINS(msgs, "t.yml:6:7: apps.a.services.web: 2049 IPv4 instances: a DNS "
			   "name answers at most 2048 records");
	CHECK_STR_CONTAINS(msgs, "2049 instances for SRV");
	done();
}

static void test_ns_without_resolvers_has_no_data(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\"]\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n";
	const struct zone_name *ns;

	if (!compile_yaml(y))
		goto out;
	ns = find("rack", "ns.internal");
	CHECK(ns && !ns->val.rrset_id && ns->val.network_id == ENF_DNS_ANY_NETWORK,
	      "ns.internal without resolvers");
out:
	done();
}

static void test_service_without_instances_exists_without_data(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.internal\"]\n"
		"apps:\n"
		"  a:\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.1.10] }\n"
		"      idle: { port: 81 }\n";
	const struct zone_name *n;

	if (!compile_yaml(y))
		goto out;
	n = find("rack", "idle.internal");
	CHECK(n && !n->val.rrset_id && n->val.network_id == 0,
	      "a service without instances is a name without data, of its network");
	CHECK_ABSENT("rack", "_81._tcp.idle.internal");
out:
	done();
}

/* ------------------------------------------------------------------------ */
/* Invariants over every scenario */

static void check_invariants(const char *name)
{
	size_t i, j, data = 0;

	for (i = 0; i < z.nnames; i++) {
		const struct zone_name *n = &z.names[i];
		const struct enf_dns_name *v = &n->val;
		const uint8_t *p;
		const struct zone_apex *za;
		char text[1100];

		dns_wire_to_text(n->wire, text, sizeof(text));
		CHECK(n->key.hash == ref_hash(n->wire) &&
		      n->key.hash == dns_wire_hash(n->wire, n->key.wire_len),
		      "%s: %s: hash", name, text);
		CHECK(v->zone_id < z.nzones, "%s: %s: zone %u", name, text, v->zone_id);
		CHECK(v->rrset_id < z.nrrsets, "%s: %s: rrset %u", name, text, v->rrset_id);
		CHECK(!v->rrset_id == !(v->n_a + v->n_aaaa + v->n_srv),
		      "%s: %s: rrset %u with %u/%u/%u records", name, text, v->rrset_id, v->n_a,
		      v->n_aaaa, v->n_srv);
		CHECK(v->n_a <= ENF_DNS_MAX_RRSET && v->n_aaaa <= ENF_DNS_MAX_RRSET &&
		      v->n_srv <= ENF_DNS_MAX_RRSET, "%s: %s: too many records", name, text);
		CHECK(v->rrset_id + enf_dns_rrset_pages(v->n_a, v->n_aaaa, v->n_srv) <=
		      z.nrrsets, "%s: %s: pages past the end", name, text);
		for (p = n->wire; *p; p += 1 + *p)
			for (j = 1; j <= *p; j++)
				CHECK(!(p[j] >= 'A' && p[j] <= 'Z'), "%s: %s: upper case", name,
				      text);
		if (i)
			CHECK(memcmp(&z.names[i - 1].key, &n->key, sizeof(n->key)) ||
			      memcmp(z.names[i - 1].wire, n->wire, n->key.wire_len),
			      "%s: %s: listed twice", name, text);
		if (i && z.names[i - 1].key.view == n->key.view)
			CHECK(z.names[i - 1].val.zone_id <= v->zone_id, "%s: not sorted", name);
		if (v->zone_id >= z.nzones)
			continue;
		za = &z.zones[v->zone_id];
		/* every name lies in its zone; the parents down to the apex exist
		 * in the same view (RFC 8020) */
		CHECK(n->key.wire_len >= za->key.wire_len &&
		      !memcmp(n->wire + n->key.wire_len - za->key.wire_len, za->wire,
			      za->key.wire_len), "%s: %s: outside its zone", name, text);
		if (v->flags & ENF_DNS_NAME_APEX) {
			CHECK(n->key.wire_len == za->key.wire_len && !v->rrset_id,
			      "%s: %s: bad apex", name, text);
			CHECK(v->network_id == ENF_DNS_ANY_NETWORK, "%s: apex network", name);
			continue;
		}
		if (v->network_id != ENF_DNS_ANY_NETWORK) {
			data++;
			CHECK(v->network_id < m->nnetworks, "%s: %s: network", name, text);
			CHECK(n->key.view == (m->networks[v->network_id].isolated ?
					      v->network_id : 0), "%s: %s: view", name, text);
		}
		for (p = n->wire + 1 + n->wire[0];
		     (size_t)(p - n->wire) + za->key.wire_len <= n->key.wire_len;
		     p += 1 + *p) {
			char pt[1100];

			dns_wire_to_text(p, pt, sizeof(pt));
			CHECK(find(n->key.view ? m->networks[n->key.view].name : "rack", pt),
			      "%s: %s: parent %s missing in view %u", name, text, pt, n->key.view);
			if ((size_t)(p - n->wire) + za->key.wire_len == n->key.wire_len)
				break;
		}
	}
	CHECK(data > 0, "%s: no data names", name);
	for (i = 0; i < z.nzones; i++) {
		CHECK_EQ(z.zones[i].key.view, 0);
		CHECK_EQ(z.zones[i].val.zone_id, i);
		CHECK_EQ(z.zones[i].key.hash, dns_wire_hash(z.zones[i].wire,
							    z.zones[i].key.wire_len));
	}
}

static void test_invariants_hold_in_every_scenario(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (!scenario(scenarios[i])) {
			done();
			return;
		}
		check_invariants(scenarios[i]);
		done();
	}
}

static void test_every_scenario_file_compiles(void)
{
	DIR *d = opendir(scenario_dir());
	struct dirent *e;
	int n = 0;

	if (!d) {
		SKIP("no scenario directory %.200s", scenario_dir());
		return;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".yml"))
			continue;
		if (scenario(e->d_name)) {
			CHECK(z.nzones > 0 && z.nnames > 0, "%s: no names", e->d_name);
			n++;
		}
		done();
	}
	closedir(d);
	CHECK(n >= 5, "only %d scenarios", n);
}

/* ------------------------------------------------------------------------ */
/* Zone files */

static void test_export_is_deterministic(void)
{
	char *a = NULL, *b = NULL, *c = NULL;

	if (!scenario("heroku-space.yml"))
		goto out;
	a = export_string(NULL);
	b = export_string(NULL);
	CHECK(a && b && !strcmp(a, b), "two exports differ");
	zone_free(&z);
	CHECK_EQ(zone_compile(m, 1, &z, NULL), 0);
	c = export_string(NULL);
	CHECK(a && c && !strcmp(a, c), "a recompile exports differently");
	zone_free(&z);
	free(c);
	CHECK_EQ(zone_compile(m, 7, &z, NULL), 0);
	c = export_string(NULL);
	CHECK(c && strstr(c, "@\tIN\tSOA\tns hostmaster 7 3600 600 86400 5\n"), "serial 7");
	CHECK(a && strstr(a, "@\tIN\tSOA\tns hostmaster 1 3600 600 86400 5\n"), "serial 1");
	CHECK(a && c && strlen(a) == strlen(c), "serial changed more than the SOA");
out:
	free(a);
	free(b);
	free(c);
	done();
}

static void test_export_layout(void)
{
	const char *header = "; view rack zone convox.local\n"
			     "$ORIGIN convox.local.\n"
			     "$TTL 5\n"
			     "@\tIN\tSOA\tns hostmaster 1 3600 600 86400 5\n"
			     "@\tIN\tNS\tns\n"
			     "admin.myapp\tIN\tA\t10.0.2.10\n";
	char *s = NULL;

	if (!scenario("convox-classic.yml"))
		goto out;
	s = export_string(NULL);
	CHECK(s && !strncmp(s, header, strlen(header)), "header: %.200s", s ? s : "");
	CHECK_STR_CONTAINS(s, "\nweb.myapp\tIN\tA\t10.0.1.10\nweb.myapp\tIN\tA\t10.0.1.11\n");
	CHECK_STR_CONTAINS(s, "\n_3000._tcp.web.myapp\tIN\tSRV\t0 0 3000 1.web.myapp\n");
	CHECK_STR_CONTAINS(s, "\nns\tIN\tA\t10.96.0.10\n");
	/* canonical order: the service name before its instances and SRV */
	CHECK(s && strstr(s, "\nweb.myapp\t") < strstr(s, "\n1.web.myapp\t") &&
	      strstr(s, "\n1.web.myapp\t") < strstr(s, "\n_3000._tcp.web.myapp\t") &&
	      strstr(s, "\nadmin.myapp\t") < strstr(s, "\nweb.myapp\t"), "order");
	/* ENTs are implicit in a zone file */
	CHECK(s && !strstr(s, "\nmyapp\t"), "ENT written as a record");
out:
	free(s);
	done();
}

/* Every record line of every exported zone names a (view, name) with that data. */
static void roundtrip(const char *scen)
{
	char *s = NULL, *line, *save = NULL, view[128] = "", origin[300] = "";
	int records = 0;

	if (!scenario(scen))
		goto out;
	s = export_string(NULL);
	if (!CHECK(s, "%s: export failed", scen))
		goto out;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char owner[300], type[16], data[300], full[600];
		const struct zone_name *n;
		uint8_t wire[ENF_DNS_MAX_NAME];
		size_t len;

		if (sscanf(line, "; view %127s zone", view) == 1)
			continue;
		if (sscanf(line, "$ORIGIN %299s", origin) == 1) {
			CHECK_EQ(dns_name_to_wire(origin, wire, &len), 0);
			continue;
		}
		if (line[0] == '$' || line[0] == '@' || !line[0])
			continue;
		if (!CHECK(sscanf(line, "%299[^\t]\tIN\t%15[^\t]\t%299[^\n]", owner, type, data) == 3,
			   "%s: bad line %s", scen, line))
			continue;
		snprintf(full, sizeof(full), "%s.%s", owner, origin);
		CHECK_EQ(dns_name_to_wire(full, wire, &len), 0);
		n = find(view, full);
		if (!CHECK(n, "%s: %s in view %s not compiled", scen, full, view))
			continue;
		records++;
		if (!strcmp(type, "A") || !strcmp(type, "AAAA")) {
			char want[310];

			snprintf(want, sizeof(want), " %s ", data);
			snprintf(full, sizeof(full), " %s ", addrs(n));
			CHECK(strstr(full, want), "%s: %s has no %s %s", scen, owner, type, data);
		} else if (!strcmp(type, "SRV")) {
			unsigned int prio, weight, port;
			char target[300], tfull[600];

			CHECK(sscanf(data, "%u %u %u %299s", &prio, &weight, &port, target) == 4,
			      "%s: SRV %s", scen, data);
			snprintf(tfull, sizeof(tfull), "%s.%s", target, origin);
			CHECK(find(view, tfull) && val(view, tfull)->rrset_id,
			      "%s: SRV target %s has no addresses", scen, tfull);
			CHECK(n->val.n_srv > 0, "%s: %s has no SRV", scen, owner);
		} else {
			CHECK(0, "%s: unexpected type %s", scen, type);
		}
	}
	CHECK(records > 0, "%s: no records", scen);
out:
	free(s);
	done();
}

static void test_export_round_trips_through_name_to_wire(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		roundtrip(scenarios[i]);
}

static void test_export_dir_writes_one_file_per_view_and_zone(void)
{
	char dir[] = "/tmp/test_zone.XXXXXX", path[512];
	char *all = NULL, *f = NULL, *shop = NULL;
	struct stat st;

	if (!scenario("dot-internal.yml"))
		goto out;
	if (!CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno)))
		goto out;
	CHECK_EQ(zone_export(&z, m, NULL, dir, NULL), 0);
	snprintf(path, sizeof(path), "%s/rack/internal.zone", dir);
	CHECK(!stat(path, &st) && S_ISREG(st.st_mode), "%s missing", path);
	snprintf(path, sizeof(path), "%s/blog/internal.zone", dir);
	CHECK(!stat(path, &st), "%s missing", path);
	snprintf(path, sizeof(path), "%s/shop/internal.zone", dir);
	f = read_file(path);
	shop = export_string("shop");
	CHECK(f && shop && !strcmp(f, shop), "file and stream export differ");
	CHECK_STR_CONTAINS(f, "\napi\tIN\tA\t10.30.1.10\n");
	all = export_string(NULL);
	CHECK_STR_CONTAINS(all, "; view blog zone internal\n");
	/* exporting again replaces the files */
	CHECK_EQ(zone_export(&z, m, NULL, dir, NULL), 0);
	free(f);
	f = read_file(path);
	CHECK(f && shop && !strcmp(f, shop), "second export differs");
	rm_rf(dir);
out:
	free(all);
	free(f);
	free(shop);
	done();
}

static void test_export_view_filter(void)
{
	char *s = NULL;
	FILE *null;

	if (!scenario("dot-internal.yml"))
		goto out;
	s = export_string("blog");
	CHECK(s && strstr(s, "; view blog zone internal") && !strstr(s, "; view shop") &&
	      !strstr(s, "; view rack"), "blog only: %s", s ? s : "");
	CHECK_STR_CONTAINS(s, "\napi\tIN\tA\t10.31.1.10\n");
	free(s);
	s = export_string("rack");
	CHECK(s && strstr(s, "; view rack zone internal") && !strstr(s, "10.30.1.10"),
	      "rack view leaks isolated names");
	null = fopen("/dev/null", "w");
	CHECK_EQ(zone_export(&z, m, "nosuch", NULL, null), -ENOENT);
	if (null)
		fclose(null);
out:
	free(s);
	done();
}

static void test_export_non_isolated_network_selects_rack_view(void)
{
	const char *y =
		"rack: r\n"
		"zones: [\"{service}.{app}.internal\"]\n"
		"networks:\n"
		"  batch: { cidrs: [10.0.9.0/24] }\n"
		"apps:\n"
		"  jobs:\n"
		"    network: batch\n"
		"    services:\n"
		"      web: { port: 80, instances: [10.0.9.10] }\n";
	char *a = NULL, *b = NULL;

	if (!compile_yaml(y))
		goto out;
	a = export_string("batch");
	b = export_string("rack");
	CHECK(a && b && !strcmp(a, b), "batch and rack exports differ");
	CHECK_STR_CONTAINS(a, "; view rack zone internal\n");
	CHECK_STR_CONTAINS(a, "\nweb.jobs\tIN\tA\t10.0.9.10\n");
out:
	free(a);
	free(b);
	done();
}

static void test_zone_free_is_idempotent(void)
{
	struct zone_compiled empty = {};

	zone_free(&empty);
	zone_free(&empty);
	zone_free(NULL);
	if (scenario("convox-classic.yml")) {
		zone_free(&z);
		CHECK(!z.names && !z.nnames && !z.zones && !z.nrrsets, "not reset");
	}
	done();
}

/* What `services` lists and `env` links to: one name per template that
 * names the service; {index} written as given, or no name at all. */
static void test_service_name_per_template(void)
{
	char name[256];
	int n;

	if (!compile_yaml("rack: prod\n"
			  "zones:\n"
			  "  - \"{index}.{service}.{app}.x.internal\"\n"
			  "  - \"{app}.y.internal\"\n"
			  "  - \"{service}.{app}.{rack}.convox\"\n"
			  "apps:\n"
			  "  shop:\n"
			  "    services:\n"
			  "      web: { port: 80 }\n"
			  "      api: { port: 81 }\n"))
		goto out;
	n = zone_service_name(m, 0, &m->apps[0], &m->apps[0].services[1], "{index}", name,
			      sizeof(name));
	CHECK(n > 0 && !strcmp(name, "{index}.api.shop.x.internal"), "zone 0, {index}: %s", name);
	CHECK_EQ(zone_service_name(m, 0, &m->apps[0], &m->apps[0].services[1], NULL, name,
				   sizeof(name)), -1);
	/* a template without {service} names the web service only */
	CHECK_EQ(zone_service_name(m, 1, &m->apps[0], &m->apps[0].services[1], NULL, name,
				   sizeof(name)), -1);
	n = zone_service_name(m, 1, &m->apps[0], &m->apps[0].services[0], NULL, name,
			      sizeof(name));
	CHECK(n == (int)strlen("shop.y.internal") && !strcmp(name, "shop.y.internal"),
	      "zone 1, web: %s", name);
	n = zone_service_name(m, 2, &m->apps[0], &m->apps[0].services[1], NULL, name,
			      sizeof(name));
	CHECK(n > 0 && !strcmp(name, "api.shop.prod.convox"), "zone 2: %s", name);
	CHECK_EQ(zone_service_name(m, 3, &m->apps[0], &m->apps[0].services[1], NULL, name,
				   sizeof(name)), -1);
	/* too small a buffer is no name, never a cut one */
	CHECK_EQ(zone_service_name(m, 2, &m->apps[0], &m->apps[0].services[1], NULL, name, 8),
		 -1);
out:
	done();
}

static const struct test_case tests[] = {
	TEST(label_hash_is_words_of_the_wire_form),
	TEST(hash_test_vectors),
	TEST(root_hashes_to_zero),
	TEST(hash_is_case_insensitive),
	TEST(only_ascii_letters_fold),
	TEST(hash_depends_on_label_boundaries),
	TEST(suffix_hash_equals_apex_hash),
	TEST(malformed_wire_hashes_to_zero),
	TEST(name_to_wire_accepts_trailing_dot),
	TEST(name_to_wire_rejects_invalid_names),
	TEST(name_to_wire_lowercases_ascii_only),
	TEST(wire_to_text_escapes_and_round_trips),
	TEST(apex_is_static_suffix),
	TEST(apex_fills_rack),
	TEST(templates_sharing_an_apex_share_a_zone),
	TEST(zone_ids_follow_template_order),
	TEST(soa_fields_and_ttl),
	TEST(apex_is_right_of_last_per_app_label),
	TEST(nested_zones_use_deepest_apex),
	TEST(too_many_zones_is_an_error),
	TEST(apex_with_too_many_labels_is_an_error),
	TEST(no_templates_no_zones),
	TEST(convox_classic_service_names),
	TEST(convox_classic_app_ent_exists_without_data),
	TEST(per_instance_names_in_manifest_order),
	TEST(srv_owners_and_records),
	TEST(health_probed_sets_have_a_spare_copy),
	TEST(layout_digest_follows_names_and_rrsets),
	TEST(convox_rack_vip_answers_service_name),
	TEST(dot_internal_split_horizon),
	TEST(dot_internal_normalised_service_name),
	TEST(apex_and_ns_in_every_view_with_names),
	TEST(heroku_first_dyno_only),
	TEST(heroku_other_space_sees_nothing_of_ledger_api),
	TEST(scalingo_indexed_name_is_first_container),
	TEST(scalingo_type_and_app_names_answer_web_containers),
	TEST(scalingo_merged_instance_names_exist_once),
	TEST(scalingo_srv_only_from_templates_without_index),
	TEST(names_of_one_source_share_an_rrset),
	TEST(scalingo_app_without_web_has_no_app_name),
	TEST(ipv6_instances_answer_aaaa),
	TEST(ipv6_vip_answers_aaaa_only),
	TEST(index_template_yields_only_instance_names),
	TEST(index_inside_a_label),
	TEST(template_without_service_names_web_only),
	TEST(network_placeholder_is_rack_for_implicit_network),
	TEST(non_isolated_network_names_in_view_0),
	TEST(isolated_ent_shadows_view_0_name),
	TEST(collision_in_shared_view_is_an_error),
	TEST(same_name_in_two_isolated_networks_is_fine),
	TEST(service_named_ns_is_an_error),
	TEST(service_named_like_an_apex_is_an_error),
	TEST(large_rrsets_fill_pages),
	TEST(rrset_over_the_limit_is_an_error),
	TEST(srv_set_over_one_tcp_message_is_an_error),
	TEST(ns_without_resolvers_has_no_data),
	TEST(service_without_instances_exists_without_data),
	TEST(invariants_hold_in_every_scenario),
	TEST(every_scenario_file_compiles),
	TEST(export_is_deterministic),
	TEST(export_layout),
	TEST(export_round_trips_through_name_to_wire),
	TEST(export_dir_writes_one_file_per_view_and_zone),
	TEST(export_view_filter),
	TEST(export_non_isolated_network_selects_rack_view),
	TEST(zone_free_is_idempotent),
	TEST(service_name_per_template),
};

/* test_zone --export MANIFEST DIR: the files zone_nsd_check.sh checks. */
static int export_main(const char *path, const char *dir)
{
	struct zone_compiled zc;
	struct manifest *mf;
	int err;

	err = manifest_load(path, &mf, stderr);
	if (err)
		return 2;
	err = zone_compile(mf, 1, &zc, stderr);
	if (!err) {
		err = zone_export(&zc, mf, NULL, dir, NULL);
		if (err)
			fprintf(stderr, "%s: cannot export zones to %s: %s\n", path, dir,
				strerror(-err));
		zone_free(&zc);
	}
	manifest_free(mf);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--export"))
		return export_main(argv[2], argv[3]);
	return run_tests(tests, ARRAY_SIZE(tests), argc, argv);
}
