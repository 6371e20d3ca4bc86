// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the manifest parser (user/manifest.c): every scenario of
 * /work/shared/scenarios and the contract's example load, and every
 * validation rule answers with "file:line:col: field: ..." at the right
 * place. No root, no BPF. The scenario directory comes from $ENF_SCENARIOS
 * (default ../shared/scenarios, relative to the repository root, which is
 * the working directory); without it those cases SKIP.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <zlib.h>

#include "manifest.h"
#include "test.h"

/* Values of enforcer_common.h that the model uses (kept out: libc only here). */
#define ENF_AF_INET		4
#define ENF_AF_INET6		6
#define ENF_MODE_ENFORCE	0
#define ENF_MODE_AUDIT		1

static char *errs;		/* what the last load printed */
static size_t errs_len;

/* A stream into errs, emptied; NULL (said) when none can be made. */
static FILE *errs_open(void)
{
	FILE *f;

	free(errs);
	errs = NULL;
	errs_len = 0;
	f = open_memstream(&errs, &errs_len);
	CHECK(f, "open_memstream: %s", strerror(errno));
	return f;
}

/* Ends what errs_open() began: errs holds what was printed. */
static void errs_close(FILE *f)
{
	fclose(f);
	if (test_verbose && errs && *errs)
		printf("%s", errs);
}

/* Load YAML from a string as file "t.yml"; errors are kept in errs. */
static int load(const char *yaml, struct manifest **m)
{
	FILE *f = errs_open();
	int ret;

	if (!f)
		return -ENOMEM;
	ret = manifest_load_buf(yaml, strlen(yaml), "t.yml", m, f);
	errs_close(f);
	return ret;
}

/* Load and expect success; prints the errors otherwise. */
static struct manifest *load_ok(const char *yaml)
{
	struct manifest *m = NULL;
	int ret = load(yaml, &m);

	if (!CHECK(ret == 0 && m, "load failed (%d):\n%s", ret, errs ? errs : ""))
		return NULL;
	CHECK(errs_len == 0, "errors printed on success: %s", errs);
	return m;
}

/* Load and expect -EINVAL with no model; returns the error text. */
static const char *load_bad(const char *yaml)
{
	struct manifest *m = (struct manifest *)1;
	int ret = load(yaml, &m);

	CHECK_EQ(ret, -EINVAL);
	CHECK(m == NULL, "model returned on failure");
	if (ret == 0)
		manifest_free(m);
	return errs ? errs : "";
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static const struct mf_service *find_svc(const struct manifest *m, const char *app,
					 const char *svc)
{
	size_t i, j;

	for (i = 0; m && i < m->napps; i++) {
		if (strcmp(m->apps[i].name, app))
			continue;
		for (j = 0; j < m->apps[i].nservices; j++)
			if (!strcmp(m->apps[i].services[j].name, svc))
				return &m->apps[i].services[j];
	}
	return NULL;
}

static bool addr_is(const struct enf_addr *a, int family, const char *text)
{
	uint8_t want[16] = { 0 };

	if (inet_pton(family == ENF_AF_INET ? AF_INET : AF_INET6, text, want) != 1)
		return false;
	return a->family == family && !memcmp(a->addr, want, 16);
}

/* A one-service manifest: `body` is the service's mapping, indented 8. */
static const char *svc(const char *body)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "rack: test\n"
		 "apps:\n"
		 "  myapp:\n"
		 "    services:\n"
		 "      web:\n"
		 "%s",
		 body);
	return buf;
}

/* ---------------------------------------------------------------------- */
/* Scenarios and the contract's example */

static const char *scenario_dir(void)
{
	const char *d = getenv("ENF_SCENARIOS");

	return d && *d ? d : "../shared/scenarios";
}

/* Reads a scenario into a malloc'd string, or SKIPs and returns NULL. */
static char *read_scenario(const char *name, char *path, size_t pathsz)
{
	FILE *f;
	char *buf;
	long len;

	snprintf(path, pathsz, "%s/%s", scenario_dir(), name);
	f = fopen(path, "r");
	if (!f) {
		SKIP("%.160s: %s (set ENF_SCENARIOS)", path, strerror(errno));
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	CHECK(buf != NULL, "cannot read %s", path);
	return buf;
}

static struct manifest *load_scenario(const char *name)
{
	char path[512];
	struct manifest *m = NULL;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", scenario_dir(), name);
	if (access(path, R_OK)) {
		SKIP("%.160s: %s (set ENF_SCENARIOS)", path, strerror(errno));
		return NULL;
	}
	f = open_memstream(&errs, &errs_len);
	ret = manifest_load(path, &m, f);
	fclose(f);
	CHECK(ret == 0, "%s: %d\n%s", path, ret, errs);
	free(errs);
	errs = NULL;
	if (m)
		CHECK_STR_CONTAINS(m->path, name);
	return m;
}

static void test_convox_classic_scenario_loads(void)
{
	struct manifest *m = load_scenario("convox-classic.yml");
	const struct mf_service *s;

	if (!m)
		return;
	CHECK_STR_CONTAINS(m->rack, "production");
	CHECK_EQ(m->napps, 1);
	CHECK_EQ(m->apps[0].nservices, 5);
	CHECK((s = find_svc(m, "myapp", "web")) && s->is_public, "web is public");
	CHECK((s = find_svc(m, "myapp", "admin")) && !s->is_public, "admin is internal");
	CHECK((s = find_svc(m, "myapp", "worker")) && !s->is_public && !s->nports,
	      "worker has no port and is internal");
	CHECK((s = find_svc(m, "myapp", "database")) && !s->is_public, "database is internal");
	CHECK_EQ(manifest_count_instances(m), 6);
	CHECK_EQ(m->nifaces, 2);
	manifest_free(m);
}

static void test_convox_rack_scenario_loads(void)
{
	struct manifest *m = load_scenario("convox-rack.yml");
	const struct mf_service *s;

	if (!m)
		return;
	CHECK(!m->internal_only, "internal_only false");
	s = find_svc(m, "backend", "api");
	if (CHECK(s != NULL, "api present")) {
		CHECK(s->has_vip && addr_is(&s->vip, ENF_AF_INET, "10.1.200.20"), "api vip");
		CHECK(!s->is_public, "api internal");
	}
	s = find_svc(m, "backend", "edge");
	CHECK(s && s->is_public && s->internal_and_external, "edge public via iae");
	CHECK_EQ(m->ifaces[0].role, MF_ROLE_PUBLIC);
	manifest_free(m);
}

static void test_dot_internal_scenario_loads(void)
{
	struct manifest *m = load_scenario("dot-internal.yml");

	if (!m)
		return;
	CHECK_EQ(m->nnetworks, 3);
	CHECK(find_svc(m, "shop", "background-worker") != NULL,
	      "\"Background Worker\" normalised to background-worker");
	CHECK_EQ(m->apps[0].network, 1);
	CHECK_EQ(m->apps[1].network, 2);
	CHECK(m->networks[1].isolated && m->networks[2].isolated, "projects isolated");
	manifest_free(m);
}

static void test_heroku_space_scenario_loads(void)
{
	struct manifest *m = load_scenario("heroku-space.yml");

	if (!m)
		return;
	CHECK_EQ(m->networks[1].peers.n, 2);
	if (m->networks[1].peers.n == 2)
		CHECK_STR_CONTAINS(m->networks[1].peers.v[1].label, "office-vpn");
	CHECK_EQ(m->apps[0].trusted.n, 1);
	CHECK_EQ(manifest_count_instances(m), 6);
	manifest_free(m);
}

static void test_scalingo_scenario_loads(void)
{
	struct manifest *m = load_scenario("scalingo-pn.yml");

	if (!m)
		return;
	CHECK_EQ(m->nzones, 3);
	CHECK_EQ(m->private_cidrs.n, 0);
	CHECK_EQ(m->napps, 2);
	manifest_free(m);
}

static void test_convox_rack_with_internal_only_is_rejected_naming_web_and_edge(void)
{
	char path[512], *buf, *p;
	const char *e;

	buf = read_scenario("convox-rack.yml", path, sizeof(path));
	if (!buf)
		return;
	p = strstr(buf, "internal_only: false");
	if (CHECK(p != NULL, "scenario has internal_only: false")) {
		memcpy(p, "internal_only: true ", 20);
		e = load_bad(buf);
		CHECK_STR_CONTAINS(e, "t.yml:23:7: apps.backend.services.web: public service not "
				   "allowed when internal_only is true (set internal: true)");
		CHECK_STR_CONTAINS(e, "apps.backend.services.edge: public service not allowed");
		CHECK(!strstr(e, "services.api"), "api is internal: %s", e);
		CHECK_EQ(count_lines(e), 2);
	}
	free(buf);
}

static const char spec_example[] =
	"rack: production\n"
	"zones:                                   # one or more name templates\n"
	"  - \"{service}.{app}.convox.local\"       # Convox classic\n"
	"  - \"{service}.{app}.{rack}.convox\"      # Convox v2\n"
	"  - \"{service}.internal\"                 # project-scoped .internal\n"
	"dns:\n"
	"  resolvers: [10.96.0.10]\n"
	"  ttl: 5\n"
	"private:\n"
	"  - 10.0.0.0/16\n"
	"  - { cidr: \"fd00:10::/48\", label: vpn }\n"
	"internal_only: false\n"
	"mode: enforce\n"
	"interfaces:\n"
	"  - { name: eth0, role: public }\n"
	"  - { match: \"veth*\", role: pods }\n"
	"networks:\n"
	"  billing:\n"
	"    isolated: true\n"
	"    cidrs: [10.0.8.0/24]\n"
	"    peers: [10.50.0.0/16]\n"
	"apps:\n"
	"  myapp:\n"
	"    network: billing\n"
	"    trusted: [198.51.100.0/24]\n"
	"    services:\n"
	"      web:\n"
	"        port: 3000\n"
	"        instances: [10.0.8.10, 10.0.8.11, \"fd00:10::8:10\"]\n"
	"      admin:\n"
	"        port: 4000\n"
	"        internal: true\n"
	"        instances: [10.0.8.20]\n"
	"      api:\n"
	"        ports: [3000/tcp, 3001/udp]\n"
	"        internalAndExternal: true\n"
	"        vip: 10.96.0.20\n"
	"        frontends: [\"192.0.2.10:30080/tcp\"]\n"
	"        instances: [10.0.8.30]\n"
	"        health: { port: 3000, path: /health }\n"
	"      worker:\n"
	"        instances: [10.0.8.40]\n";

static void test_spec_example_loads_with_every_field(void)
{
	struct manifest *m = load_ok(spec_example);
	const struct mf_service *s;

	if (!m)
		return;
	CHECK_EQ(m->nzones, 3);
	CHECK_STR_CONTAINS(m->zones[1].tmpl, "{service}.{app}.{rack}.convox");
	CHECK_EQ(m->nresolvers, 1);
	CHECK_EQ(m->dns_ttl, 5);
	CHECK_EQ(m->private_cidrs.n, 2);
	CHECK_EQ(m->private_cidrs.v[1].addr.family, ENF_AF_INET6);
	CHECK_EQ(m->private_cidrs.v[1].plen, 48);
	CHECK_STR_CONTAINS(m->private_cidrs.v[1].label, "vpn");
	CHECK_EQ(m->mode, ENF_MODE_ENFORCE);
	CHECK_EQ(m->nifaces, 2);
	CHECK_EQ(m->nnetworks, 2);
	CHECK_STR_CONTAINS(m->networks[1].name, "billing");
	CHECK_EQ(m->apps[0].network, 1);
	s = find_svc(m, "myapp", "web");
	CHECK(s && s->ninstances == 3 && s->instances[2].addr.family == ENF_AF_INET6,
	      "web has a v6 instance");
	s = find_svc(m, "myapp", "api");
	if (CHECK(s != NULL, "api")) {
		CHECK_EQ(s->nports, 2);
		CHECK_EQ(s->ports[1].proto, IPPROTO_UDP);
		CHECK(s->is_public, "api public via internalAndExternal");
		CHECK_EQ(s->nfrontends, 1);
		CHECK_EQ(s->frontends[0].port, 30080);
		CHECK(s->has_health && s->health.port == 3000, "api health port");
		CHECK_STR_CONTAINS(s->health.path, "/health");
	}
	CHECK(s && s->instances[0].pos.line == 39, "instance position line %d",
	      s ? s->instances[0].pos.line : 0);
	manifest_free(m);
}

/* ---------------------------------------------------------------------- */
/* Defaults and the model */

static void test_defaults_are_applied_when_keys_are_absent(void)
{
	struct manifest *m = load_ok("apps: {}\n");

	if (!m)
		return;
	CHECK_EQ(m->rack[0], '\0');
	CHECK_EQ(m->dns_ttl, 5);
	CHECK_EQ(m->mode, ENF_MODE_ENFORCE);
	CHECK(!m->internal_only, "internal_only defaults to false");
	CHECK_EQ(m->nnetworks, 1);
	CHECK_STR_CONTAINS(m->networks[0].name, "rack");
	CHECK(!m->networks[0].isolated && !m->networks[0].cidrs.n, "implicit rack network");
	CHECK_EQ(m->napps, 0);
	CHECK_EQ(manifest_count_instances(m), 0);
	manifest_free(m);
}

static void test_networks_follow_the_implicit_rack_network_in_manifest_order(void)
{
	struct manifest *m = load_ok("networks:\n  zeta: {}\n  alpha: { isolated: yes }\n"
				     "apps:\n  a: { network: alpha }\n  b: {}\n");

	if (!m)
		return;
	CHECK_EQ(m->nnetworks, 3);
	CHECK_STR_CONTAINS(m->networks[1].name, "zeta");
	CHECK_STR_CONTAINS(m->networks[2].name, "alpha");
	CHECK(m->networks[2].isolated, "alpha isolated");
	CHECK_EQ(m->apps[0].network, 2);
	CHECK_EQ(m->apps[1].network, 0);
	manifest_free(m);
}

static void test_null_values_of_lists_and_mappings_are_empty(void)
{
	struct manifest *m = load_ok("private:\nzones:\nnetworks:\napps:\n  a:\n");

	if (!m)
		return;
	CHECK_EQ(m->private_cidrs.n, 0);
	CHECK_EQ(m->napps, 1);
	CHECK_EQ(m->apps[0].nservices, 0);
	manifest_free(m);
}

static void test_mode_audit_is_accepted(void)
{
	struct manifest *m = load_ok("mode: audit\n");

	if (m)
		CHECK_EQ(m->mode, ENF_MODE_AUDIT);
	manifest_free(m);
}

static void test_unknown_mode_is_rejected(void)
{
	const char *e = load_bad("mode: strict\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:7: mode: unknown mode 'strict' (expected enforce or audit)");
}

static void test_yaml_1_1_booleans_are_accepted_in_any_case(void)
{
	struct manifest *m = load_ok(svc("        port: 80\n        internal: YES\n"
					 "        publish_not_ready: on\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	CHECK(s && s->internal && s->publish_not_ready && !s->is_public, "yes/on are true");
	manifest_free(m);
	m = load_ok("internal_only: Off\n");
	CHECK(m && !m->internal_only, "Off is false");
	manifest_free(m);
}

static void test_invalid_boolean_is_rejected(void)
{
	const char *e = load_bad("internal_only: maybe\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:16: internal_only: invalid boolean 'maybe' "
			   "(expected true or false)");
}

static void test_dns_ttl_range_and_trailing_garbage_are_checked(void)
{
	struct manifest *m = load_ok("dns: { ttl: 0 }\n");

	if (m)
		CHECK_EQ(m->dns_ttl, 0);
	manifest_free(m);
	CHECK_STR_CONTAINS(load_bad("dns: { ttl: 86401 }\n"),
			   "dns.ttl: '86401' is out of range (expected 0..86400)");
	CHECK_STR_CONTAINS(load_bad("dns: { ttl: 5s }\n"), "dns.ttl: invalid number '5s'");
	CHECK_STR_CONTAINS(load_bad("dns: { ttl: 0x10 }\n"), "dns.ttl: invalid number '0x10'");
	CHECK_STR_CONTAINS(load_bad("dns: { ttl: -1 }\n"), "dns.ttl: '-1' is out of range");
}

static void test_resolvers_accept_v4_and_v6_and_reject_cidrs(void)
{
	struct manifest *m = load_ok("dns: { resolvers: [10.96.0.10, \"fd00::53\"] }\n");

	if (m && CHECK_EQ(m->nresolvers, 2))
		CHECK(addr_is(&m->resolvers[1], ENF_AF_INET6, "fd00::53"), "v6 resolver");
	manifest_free(m);
	CHECK_STR_CONTAINS(load_bad("dns:\n  resolvers: [10.96.0.0/12]\n"),
			   "t.yml:2:15: dns.resolvers[0]: '10.96.0.0/12' is a CIDR");
}

/* ---------------------------------------------------------------------- */
/* tunnels: the UDP ports the node decapsulates on */

static bool has_tunnel(const struct manifest *m, uint16_t port, uint8_t kind)
{
	for (size_t i = 0; i < m->ntunnels; i++)
		if (m->tunnels[i].port == port && m->tunnels[i].kind == kind)
			return true;
	return false;
}

static void test_tunnel_ports_default_to_vxlan_and_geneve(void)
{
	struct manifest *m = load_ok("rack: a\n");

	if (m && CHECK_EQ(m->ntunnels, 3)) {
		CHECK(has_tunnel(m, 4789, ENF_ENCAP_VXLAN), "vxlan 4789");
		CHECK(has_tunnel(m, 8472, ENF_ENCAP_VXLAN), "vxlan 8472 (Linux, Flannel)");
		CHECK(has_tunnel(m, 6081, ENF_ENCAP_GENEVE), "geneve 6081");
	}
	manifest_free(m);
}

static void test_tunnel_kind_given_replaces_its_defaults(void)
{
	struct manifest *m = load_ok("tunnels: { vxlan: [4790, 8472] }\n");

	if (m && CHECK_EQ(m->ntunnels, 3)) {
		CHECK(has_tunnel(m, 4790, ENF_ENCAP_VXLAN), "vxlan 4790");
		CHECK(!has_tunnel(m, 4789, ENF_ENCAP_VXLAN), "4789 replaced");
		CHECK(has_tunnel(m, 6081, ENF_ENCAP_GENEVE), "geneve default kept");
	}
	manifest_free(m);
	m = load_ok("tunnels: { vxlan: [], geneve: [] }\n");
	if (m)
		CHECK_EQ(m->ntunnels, 0);
	manifest_free(m);
}

static void test_bad_tunnel_ports_are_rejected(void)
{
	CHECK_STR_CONTAINS(load_bad("tunnels: { vxlan: [0] }\n"), "t.yml:1:20: tunnels.vxlan[0]:");
	CHECK_STR_CONTAINS(load_bad("tunnels: { vxlan: [70000] }\n"), "tunnels.vxlan[0]:");
	CHECK_STR_CONTAINS(load_bad("tunnels: { vxlan: [6081] }\n"),
			   "tunnels.vxlan[0]: UDP port 6081 is a geneve port by default (give "
			   "geneve: its own list to move it)");
	CHECK_STR_CONTAINS(load_bad("tunnels:\n  vxlan: [5000]\n  geneve: [5000]\n"),
			   "t.yml:3:12: tunnels.geneve[0]: UDP port 5000 is already a vxlan port "
			   "(line 2; expected each port once)");
	CHECK_STR_CONTAINS(load_bad("tunnels: { vxlan: [1, 2, 3, 4, 5, 6, 7, 8] }\n"),
			   "more than 8 tunnel ports");
	CHECK_STR_CONTAINS(load_bad("tunnels: { gre: [47] }\n"),
			   "unknown key 'gre' (allowed: vxlan, geneve)");
	CHECK_STR_CONTAINS(load_bad("tunnels: [4789]\n"), "tunnels:");
}

/* ---------------------------------------------------------------------- */
/* Keys and node kinds */

static void test_unknown_top_level_key_is_rejected_with_allowed_keys(void)
{
	const char *e = load_bad("rack: a\npolicy: [10.0.0.0/8]\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:1: manifest: unknown key 'policy' (allowed: rack, zones, "
			   "dns, private, internal_only, mode, interfaces, networks, apps, flows, "
			   "tunnels)");
}

static void test_unknown_key_typo_suggests_the_closest_key(void)
{
	const char *e = load_bad("rack: a\nprivates: [10.0.0.0/8]\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:1: manifest: unknown key 'privates' (did you mean private? "
			   "allowed: rack, zones,");
	e = load_bad(svc("        port: 80\n        instnaces: [10.0.1.10]\n"));
	CHECK_STR_CONTAINS(e, "unknown key 'instnaces' (did you mean instances? allowed: ");
	/* too far from every key to be a typo of one */
	e = load_bad(svc("        port: 80\n        replicas: 2\n"));
	CHECK_STR_CONTAINS(e, "unknown key 'replicas' (allowed: ");
}

static void test_unknown_service_key_is_rejected_with_a_suggestion(void)
{
	const char *e = load_bad(svc("        port: 80\n        internal_and_external: true\n"));

	CHECK_STR_CONTAINS(e, "t.yml:7:9: apps.myapp.services.web: unknown key "
			   "'internal_and_external' (did you mean internalAndExternal? allowed: "
			   "port, ports, internal, internalAndExternal, vip, frontends, instances, "
			   "health, publish_not_ready, links)");
}

static void test_unknown_key_in_cidr_mapping_is_rejected(void)
{
	const char *e = load_bad("private:\n  - { cidr: 10.0.0.0/8, lable: vpn }\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:25: private[0]: unknown key 'lable' (did you mean label? "
			   "allowed: cidr, label, expires)");
}

static void test_duplicate_key_is_rejected(void)
{
	const char *e = load_bad("rack: a\nmode: audit\nrack: b\n");

	CHECK_STR_CONTAINS(e, "t.yml:3:1: manifest: duplicate key 'rack' (each key once; first at "
			   "line 1)");
}

static void test_duplicate_service_name_is_rejected(void)
{
	const char *e = load_bad(svc("        port: 80\n      web:\n        port: 81\n"));

	CHECK_STR_CONTAINS(e, "t.yml:7:7: apps.myapp.services.web: duplicate key 'web'");
}

static void test_list_where_a_mapping_is_expected_is_rejected(void)
{
	const char *e = load_bad("dns: [10.0.0.1]\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:6: dns: got a list (expected a mapping (resolvers, ttl))");
	e = load_bad("apps:\n  a:\n    services: [web]\n");
	CHECK_STR_CONTAINS(e, "t.yml:3:15: apps.a.services: got a list (expected a mapping of "
			   "service names");
}

static void test_scalar_where_a_list_is_expected_is_rejected(void)
{
	const char *e = load_bad("private: 10.0.0.0/8\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:10: private: got '10.0.0.0/8' (expected a list of CIDRs)");
}

static void test_top_level_must_be_a_mapping(void)
{
	const char *e = load_bad("- rack\n- apps\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:1: manifest: got a list (expected a mapping with rack,");
}

static void test_non_string_key_is_rejected(void)
{
	const char *e = load_bad("? [a, b]\n: 1\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:3: manifest: got a list (expected a key name)");
}

static void test_nul_character_in_a_string_is_rejected(void)
{
	const char *e = load_bad("rack: \"ab\\0cd\"\n");

	CHECK_STR_CONTAINS(e, "rack: 'ab?cd' contains a NUL character");
}

/* ---------------------------------------------------------------------- */
/* Addresses and CIDRs */

static void test_cidr_with_host_bits_is_rejected_with_the_network_address(void)
{
	const char *e = load_bad("private:\n  - 10.0.0.1/16\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:5: private[0]: 10.0.0.1/16 has host bits set (did you mean "
			   "10.0.0.0/16?)");
	e = load_bad("private: [\"fd00::1/64\"]\n");
	CHECK_STR_CONTAINS(e, "private[0]: fd00::1/64 has host bits set (did you mean fd00::/64?)");
}

static void test_bad_ipv4_cidr_is_rejected(void)
{
	const char *e = load_bad("private: [10.0.0.300/8]\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:11: private[0]: invalid CIDR '10.0.0.300/8' (expected an "
			   "IPv4 or IPv6 prefix");
	CHECK_STR_CONTAINS(load_bad("private: [10.0.0.0/33]\n"),
			   "private[0]: invalid prefix length in '10.0.0.0/33' (expected /0 to /32 "
			   "for IPv4)");
	CHECK_STR_CONTAINS(load_bad("private: [010.0.0.0/8]\n"), "invalid CIDR '010.0.0.0/8'");
}

static void test_bad_ipv6_address_is_rejected(void)
{
	const char *e = load_bad(svc("        instances: [\"fd00::1::2\", \"fe80::1%eth0\"]\n"));

	CHECK_STR_CONTAINS(e, "t.yml:6:21: apps.myapp.services.web.instances[0]: invalid address "
			   "'fd00::1::2'");
	CHECK_STR_CONTAINS(e, "apps.myapp.services.web.instances[1]: invalid address "
			   "'fe80::1%eth0'");
	CHECK_STR_CONTAINS(load_bad("private: [\"fd00::/129\"]\n"),
			   "invalid prefix length in 'fd00::/129' (expected /0 to /128 for IPv6)");
}

static void test_bare_address_in_a_cidr_list_is_a_host_prefix(void)
{
	struct manifest *m = load_ok("private: [10.1.2.3, \"fd00::7\"]\n");

	if (m && CHECK_EQ(m->private_cidrs.n, 2)) {
		CHECK_EQ(m->private_cidrs.v[0].plen, 32);
		CHECK_EQ(m->private_cidrs.v[1].plen, 128);
		CHECK(addr_is(&m->private_cidrs.v[0].addr, ENF_AF_INET, "10.1.2.3"), "addr");
		CHECK_EQ(m->private_cidrs.v[0].pos.line, 1);
		CHECK_EQ(m->private_cidrs.v[0].pos.col, 11);
	}
	manifest_free(m);
}

static void test_unspecified_and_multicast_instances_are_rejected(void)
{
	const char *e = load_bad(svc("        instances: [0.0.0.0, 224.0.0.1, \"ff02::1\"]\n"));

	CHECK_STR_CONTAINS(e, "instances[0]: '0.0.0.0' is not a host address");
	CHECK_STR_CONTAINS(e, "instances[1]: '224.0.0.1' is not a host address");
	CHECK_STR_CONTAINS(e, "instances[2]: 'ff02::1' is not a host address");
}

static void test_expires_accepts_a_date_as_midnight_utc(void)
{
	struct manifest *m = load_ok("private:\n  - { cidr: 10.0.0.0/8, expires: 2030-01-01 }\n");

	if (m)
		CHECK_EQ(m->private_cidrs.v[0].expires, 1893456000LL);
	manifest_free(m);
}

static void test_expires_accepts_rfc3339_with_z_and_offsets(void)
{
	struct manifest *m = load_ok("private:\n"
		"  - { cidr: 10.0.0.0/8, expires: \"2030-01-01T12:30:00Z\" }\n"
		"  - { cidr: 10.1.0.0/16, expires: \"2030-01-01T12:30:00+02:00\" }\n"
		"  - { cidr: 10.2.0.0/16, expires: \"2024-02-29T00:00:00.5-01:30\" }\n"
		"  - { cidr: 10.3.0.0/16 }\n");

	if (m && CHECK_EQ(m->private_cidrs.n, 4)) {
		CHECK_EQ(m->private_cidrs.v[0].expires, 1893456000LL + 12 * 3600 + 30 * 60);
		CHECK_EQ(m->private_cidrs.v[1].expires, 1893456000LL + 10 * 3600 + 30 * 60);
		CHECK_EQ(m->private_cidrs.v[2].expires, 1709164800LL + 90 * 60);
		CHECK_EQ(m->private_cidrs.v[3].expires, 0);
	}
	manifest_free(m);
}

static void test_invalid_expiry_is_rejected(void)
{
	const char *e = load_bad("private:\n"
				 "  - { cidr: 10.0.0.0/8, expires: 2030-02-30 }\n"
				 "  - { cidr: 10.1.0.0/16, expires: \"2030-01-01T25:00:00Z\" }\n"
				 "  - { cidr: 10.2.0.0/16, expires: \"2030-01-01T10:00:00\" }\n"
				 "  - { cidr: 10.3.0.0/16, expires: 1969-12-31 }\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:34: private[0].expires: invalid expiry '2030-02-30' "
			   "(expected YYYY-MM-DD,");
	CHECK_STR_CONTAINS(e, "private[1].expires: invalid expiry '2030-01-01T25:00:00Z'");
	CHECK_STR_CONTAINS(e, "private[2].expires: invalid expiry '2030-01-01T10:00:00'");
	CHECK_STR_CONTAINS(e, "private[3].expires: invalid expiry '1969-12-31'");
	CHECK_EQ(count_lines(e), 4);
}

static void test_cidr_mapping_needs_cidr_and_a_short_label(void)
{
	const char *e = load_bad("private:\n  - { label: vpn }\n  - { cidr: 10.0.0.0/8, label: \""
		"0123456789012345678901234567890123456789012345678901234567890123\" }\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:5: private[0]: missing cidr");
	CHECK_STR_CONTAINS(e, "private[1].label: invalid label");
}

static void test_trusted_ranges_are_parsed_per_app(void)
{
	struct manifest *m = load_ok("apps:\n  shop:\n    trusted:\n      - 198.51.100.0/24\n"
				     "      - { cidr: \"2001:db8::/32\", label: office }\n");

	if (m && CHECK_EQ(m->apps[0].trusted.n, 2)) {
		CHECK_EQ(m->apps[0].trusted.v[0].plen, 24);
		CHECK_EQ(m->apps[0].trusted.v[1].addr.family, ENF_AF_INET6);
		CHECK_STR_CONTAINS(m->apps[0].trusted.v[1].label, "office");
	}
	manifest_free(m);
	CHECK_STR_CONTAINS(load_bad("apps:\n  shop:\n    trusted: [198.51.100.1/24]\n"),
			   "t.yml:3:15: apps.shop.trusted[0]: 198.51.100.1/24 has host bits set");
}

/* ---------------------------------------------------------------------- */
/* Ports and visibility */

static void test_port_zero_is_rejected(void)
{
	const char *e = load_bad(svc("        port: 0\n"));

	CHECK_STR_CONTAINS(e, "t.yml:6:15: apps.myapp.services.web.port: '0' is out of range "
			   "(expected 1..65535)");
}

static void test_port_65536_is_rejected(void)
{
	const char *e = load_bad(svc("        ports: [80/tcp, 65536/udp]\n"));

	CHECK_STR_CONTAINS(e, "t.yml:6:25: apps.myapp.services.web.ports[1]: port '65536/udp' is "
			   "out of range (expected 1..65535)");
}

static void test_unknown_protocol_is_rejected(void)
{
	const char *e = load_bad(svc("        ports: [53/icmp]\n"));

	CHECK_STR_CONTAINS(e, "apps.myapp.services.web.ports[0]: unknown protocol in '53/icmp' "
			   "(expected tcp, udp or sctp)");
	CHECK_STR_CONTAINS(load_bad(svc("        ports: [\"80 /tcp\"]\n")),
			   "ports[0]: invalid port '80 /tcp'");
}

static void test_bare_port_in_ports_means_tcp(void)
{
	struct manifest *m = load_ok(svc("        ports: [8080, 53/UDP, 9/sctp]\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	if (s && CHECK_EQ(s->nports, 3)) {
		CHECK_EQ(s->ports[0].port, 8080);
		CHECK_EQ(s->ports[0].proto, IPPROTO_TCP);
		CHECK_EQ(s->ports[1].proto, IPPROTO_UDP);
		CHECK_EQ(s->ports[2].proto, IPPROTO_SCTP);
	}
	manifest_free(m);
}

static void test_port_key_means_tcp_and_makes_the_service_public(void)
{
	struct manifest *m = load_ok(svc("        port: 3000\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	if (CHECK(s != NULL, "web") && CHECK_EQ(s->nports, 1)) {
		CHECK_EQ(s->ports[0].port, 3000);
		CHECK_EQ(s->ports[0].proto, IPPROTO_TCP);
		CHECK(s->is_public, "public by default");
	}
	manifest_free(m);
	CHECK_STR_CONTAINS(load_bad(svc("        port: 53/udp\n")),
			   "port: invalid port '53/udp' (expected a TCP port number 1..65535; use "
			   "ports: for N/udp or N/sctp)");
}

static void test_port_and_ports_are_merged_and_duplicates_rejected(void)
{
	struct manifest *m = load_ok(svc("        port: 80\n        ports: [443, 80/udp]\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");
	const char *e;

	CHECK(s && s->nports == 3 && s->ports[0].port == 80 && s->ports[1].port == 443,
	      "port first, then ports");
	manifest_free(m);
	e = load_bad(svc("        port: 80\n        ports: [443, 80/tcp]\n"));
	CHECK_STR_CONTAINS(e, "t.yml:7:22: apps.myapp.services.web.ports[1]: port 80/tcp is listed "
			   "twice");
}

static void test_service_without_port_is_internal(void)
{
	struct manifest *m = load_ok(svc("        instances: [10.0.0.1]\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	CHECK(s && !s->is_public && s->nports == 0, "no port: internal");
	manifest_free(m);
}

static void test_internal_true_keeps_a_ported_service_private(void)
{
	struct manifest *m = load_ok(svc("        port: 80\n        internal: true\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	CHECK(s && s->internal && !s->is_public, "internal");
	manifest_free(m);
}

static void test_internal_and_external_is_public_even_when_internal(void)
{
	struct manifest *m = load_ok(svc("        port: 80\n        internal: true\n"
					 "        internalAndExternal: true\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	CHECK(s && s->internal && s->internal_and_external && s->is_public, "iae wins");
	manifest_free(m);
}

static void test_internal_and_external_without_port_is_rejected(void)
{
	const char *e = load_bad(svc("        internalAndExternal: true\n"));

	CHECK_STR_CONTAINS(e, "t.yml:6:9: apps.myapp.services.web.internalAndExternal: nothing to "
			   "expose: the service has no port");
}

static void test_internal_only_accepts_a_manifest_without_public_services(void)
{
	struct manifest *m = load_ok("internal_only: true\n"
				     "apps:\n  a:\n    services:\n"
				     "      api: { port: 80, internal: true }\n"
				     "      worker: {}\n");

	CHECK(m && m->internal_only, "loads");
	manifest_free(m);
}

/* ---------------------------------------------------------------------- */
/* Names */

static void test_names_are_lowercased_and_spaces_become_hyphens(void)
{
	struct manifest *m = load_ok("rack: Prod EU\napps:\n  My Shop:\n    services:\n"
				     "      \"Background Worker\": {}\n");

	if (!m)
		return;
	CHECK_STR_CONTAINS(m->rack, "prod-eu");
	CHECK_STR_CONTAINS(m->apps[0].name, "my-shop");
	CHECK(find_svc(m, "my-shop", "background-worker") != NULL, "service normalised");
	manifest_free(m);
}

static void test_name_of_64_characters_is_rejected_and_63_accepted(void)
{
	char yaml[512];
	struct manifest *m;
	const char *e;

	snprintf(yaml, sizeof(yaml), "apps:\n  %.63s: {}\n",
		 "a123456789012345678901234567890123456789012345678901234567890123");
	m = load_ok(yaml);
	CHECK(m && strlen(m->apps[0].name) == 63, "63 accepted");
	manifest_free(m);
	snprintf(yaml, sizeof(yaml), "apps:\n  %s: {}\n",
		 "a123456789012345678901234567890123456789012345678901234567890123");
	e = load_bad(yaml);
	CHECK_STR_CONTAINS(e, "t.yml:2:3: apps: name 'a1234567890123456789012345678901234567890123"
			   "45678901234567890123' is 64 characters long (at most 63");
}

static void test_names_with_invalid_characters_are_rejected(void)
{
	const char *e = load_bad("rack: my_rack\napps:\n  -api: {}\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:7: rack: invalid name 'my_rack' (expected a-z, 0-9 and '-'");
	CHECK_STR_CONTAINS(e, "t.yml:3:3: apps: invalid name '-api' (must not start or end with "
			   "'-'");
}

static void test_two_names_that_normalise_alike_are_rejected(void)
{
	const char *e = load_bad(svc("        port: 80\n      \"Web\": {}\n"));

	CHECK_STR_CONTAINS(e, "t.yml:7:7: apps.myapp.services.Web: 'Web' and 'web' (line 5) are "
			   "the same name 'web'");
}

static void test_network_named_rack_is_reserved(void)
{
	const char *e = load_bad("networks:\n  Rack: {}\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:3: networks.rack: the network name 'rack' is reserved");
}

static void test_app_in_unknown_network_is_rejected(void)
{
	const char *e = load_bad("networks:\n  shop: {}\napps:\n  a:\n    network: shopp\n");

	CHECK_STR_CONTAINS(e, "t.yml:5:14: apps.a.network: unknown network 'shopp' (declared under "
			   "networks: rack, shop)");
}

static void test_app_network_rack_names_the_implicit_network(void)
{
	struct manifest *m = load_ok("networks:\n  shop: {}\napps:\n  a: { network: rack }\n"
				     "  b: { network: Shop }\n");

	if (m) {
		CHECK_EQ(m->apps[0].network, 0);
		CHECK_EQ(m->apps[1].network, 1);
	}
	manifest_free(m);
}

/* ---------------------------------------------------------------------- */
/* Cross-service rules */

static void test_same_address_in_two_networks_is_rejected_naming_both(void)
{
	const char *e = load_bad("networks:\n  n1: {}\napps:\n"
				 "  a:\n    network: n1\n    services:\n"
				 "      api: { instances: [10.0.0.5] }\n"
				 "  b:\n    services:\n      db: { vip: 10.0.0.5 }\n");

	CHECK_STR_CONTAINS(e, "t.yml:10:18: apps.b.services.db.vip: 10.0.0.5 is also used by "
			   "apps.a.services.api (line 7) in network n1");
}

static void test_same_address_in_one_network_is_allowed(void)
{
	struct manifest *m = load_ok("apps:\n  a:\n    services:\n"
				     "      x: { instances: [10.0.0.5] }\n"
				     "      y: { vip: 10.0.0.5 }\n  b:\n    services:\n"
				     "      z: { instances: [10.0.0.5] }\n");

	CHECK(m != NULL, "loads");
	manifest_free(m);
}

static void test_instance_listed_twice_in_a_service_is_rejected(void)
{
	const char *e = load_bad(svc("        instances: [10.0.0.1, 10.0.0.1]\n"));

	CHECK_STR_CONTAINS(e, "instances[1]: 10.0.0.1 is listed twice (first at line 6)");
}

static void test_frontends_accept_ipv4_and_bracketed_ipv6(void)
{
	struct manifest *m = load_ok(svc("        port: 80\n        frontends:\n"
					 "          - \"192.0.2.10:30080/tcp\"\n"
					 "          - \"[2001:db8::10]:443\"\n"
					 "          - \"192.0.2.10:30053/udp\"\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	if (s && CHECK_EQ(s->nfrontends, 3)) {
		CHECK(addr_is(&s->frontends[0].addr, ENF_AF_INET, "192.0.2.10"), "v4 addr");
		CHECK_EQ(s->frontends[0].port, 30080);
		CHECK(addr_is(&s->frontends[1].addr, ENF_AF_INET6, "2001:db8::10"), "v6 addr");
		CHECK_EQ(s->frontends[1].port, 443);
		CHECK_EQ(s->frontends[1].proto, IPPROTO_TCP);
		CHECK_EQ(s->frontends[2].proto, IPPROTO_UDP);
		CHECK_EQ(s->frontends[1].pos.line, 9);
	}
	manifest_free(m);
}

static void test_bad_frontends_are_rejected(void)
{
	const char *e = load_bad(svc("        frontends: [\"2001:db8::10:443\", \"192.0.2.1\", "
				     "\"[192.0.2.1]:80\", \"192.0.2.1:0\"]\n"));

	CHECK_STR_CONTAINS(e, "frontends[0]: invalid frontend '2001:db8::10:443' (write an IPv6 "
			   "frontend as [ADDR]:PORT/PROTO)");
	CHECK_STR_CONTAINS(e, "frontends[1]: invalid frontend '192.0.2.1'");
	CHECK_STR_CONTAINS(e, "frontends[2]: invalid frontend '[192.0.2.1]:80'");
	CHECK_STR_CONTAINS(e, "frontends[3]: port '192.0.2.1:0' is out of range");
}

static void test_frontend_equal_to_an_instance_or_vip_is_rejected(void)
{
	const char *e = load_bad("apps:\n  a:\n    services:\n"
				 "      x: { port: 80, instances: [10.0.0.5], vip: 10.96.0.1 }\n"
				 "      y: { port: 80, frontends: [\"10.0.0.5:80\", "
				 "\"10.96.0.1:80\"] }\n");

	CHECK_STR_CONTAINS(e, "t.yml:5:34: apps.a.services.y.frontends[0]: 10.0.0.5 is an instance "
			   "address of apps.a.services.x (line 4;");
	CHECK_STR_CONTAINS(e, "apps.a.services.y.frontends[1]: 10.96.0.1 is the VIP of "
			   "apps.a.services.x");
}

static void test_same_frontend_twice_is_rejected(void)
{
	const char *e = load_bad("apps:\n  a:\n    services:\n"
				 "      x: { port: 80, frontends: [\"192.0.2.1:80/tcp\"] }\n"
				 "      y: { port: 80, frontends: [\"192.0.2.1:80\", "
				 "\"192.0.2.1:80/udp\"] }\n");

	CHECK_STR_CONTAINS(e, "t.yml:5:34: apps.a.services.y.frontends[0]: 192.0.2.1:80/tcp is "
			   "already a frontend of apps.a.services.x (line 4;");
	CHECK_EQ(count_lines(e), 1);
}

/* ---------------------------------------------------------------------- */
/* Health */

static void test_health_string_probes_the_first_tcp_port(void)
{
	struct manifest *m = load_ok(svc("        ports: [53/udp, 8080, 9090]\n"
					 "        health: /health\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	if (CHECK(s && s->has_health, "has health")) {
		CHECK_EQ(s->health.port, 8080);
		CHECK_STR_CONTAINS(s->health.path, "/health");
	}
	manifest_free(m);
}

static void test_health_mapping_gives_port_and_path(void)
{
	struct manifest *m = load_ok(svc("        port: 80\n"
					 "        health: { port: 9000, path: /ready }\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	if (CHECK(s && s->has_health, "has health")) {
		CHECK_EQ(s->health.port, 9000);
		CHECK(!strcmp(s->health.path, "/ready"), "path %s", s->health.path);
	}
	manifest_free(m);
	m = load_ok(svc("        port: 80\n        health: { path: /z }\n"));
	s = find_svc(m, "myapp", "web");
	CHECK(s && s->health.port == 80, "mapping without port uses the service port");
	manifest_free(m);
}

static void test_health_defaults_are_convox_s_and_a_mapping_without_path_connects(void)
{
	struct manifest *m = load_ok(svc("        port: 80\n        health: { port: 81 }\n"));
	const struct mf_service *s = find_svc(m, "myapp", "web");

	if (CHECK(s && s->has_health, "has health")) {
		CHECK(s->health.path == NULL, "no path: a TCP connect probe");
		CHECK_EQ(s->health.interval, 5);
		CHECK_EQ(s->health.timeout, 2);
		CHECK_EQ(s->health.healthy, 2);
		CHECK_EQ(s->health.unhealthy, 2);
	}
	manifest_free(m);
	m = load_ok(svc("        port: 80\n        health: { interval: 1, unhealthy: 3, "
			"healthy: 1 }\n        publish_not_ready: true\n"));
	s = find_svc(m, "myapp", "web");
	if (CHECK(s && s->has_health, "has health")) {
		CHECK_EQ(s->health.interval, 1);
		CHECK_EQ(s->health.timeout, 1);	/* the default, capped at the interval */
		CHECK_EQ(s->health.unhealthy, 3);
		CHECK_EQ(s->health.healthy, 1);
		CHECK(s->publish_not_ready, "publish_not_ready");
	}
	manifest_free(m);
	CHECK_STR_CONTAINS(load_bad(svc("        port: 80\n        health: { interval: 2, "
					"timeout: 3 }\n")),
			   "health.timeout: timeout 3 s is longer than the interval 2 s");
	CHECK_STR_CONTAINS(load_bad(svc("        port: 80\n        health: { interval: 0 }\n")),
			   "health.interval:");
}

static void test_health_without_any_port_is_rejected(void)
{
	const char *e = load_bad(svc("        health: /health\n"));

	CHECK_STR_CONTAINS(e, "t.yml:6:17: apps.myapp.services.web.health: no TCP port to probe");
}

static void test_health_path_must_start_with_a_slash(void)
{
	const char *e = load_bad(svc("        port: 80\n        health: { path: health }\n"));

	CHECK_STR_CONTAINS(e, "apps.myapp.services.web.health.path: invalid health path 'health' "
			   "(expected an HTTP path starting with '/'");
	CHECK_STR_CONTAINS(load_bad(svc("        port: 80\n        health: { grace: 5 }\n")),
			   "health: unknown key 'grace' (allowed: port, path, interval, timeout, healthy, "
			   "unhealthy)");
}

/* ---------------------------------------------------------------------- */
/* Interfaces */

static void test_interfaces_take_a_name_or_a_match_glob(void)
{
	struct manifest *m = load_ok("interfaces:\n  - { name: eth0, role: public }\n"
				     "  - { match: \"veth*\", role: pods }\n  - { name: eth1 }\n");

	if (m && CHECK_EQ(m->nifaces, 3)) {
		CHECK(!m->ifaces[0].is_glob && !strcmp(m->ifaces[0].pattern, "eth0"), "name");
		CHECK_EQ(m->ifaces[0].role, MF_ROLE_PUBLIC);
		CHECK(m->ifaces[1].is_glob && !strcmp(m->ifaces[1].pattern, "veth*"), "match");
		CHECK_EQ(m->ifaces[1].role, MF_ROLE_PODS);
		CHECK_EQ(m->ifaces[2].role, MF_ROLE_MIXED);
	}
	manifest_free(m);
}

static void test_interface_rules_are_validated(void)
{
	const char *e = load_bad("interfaces:\n"
				 "  - { name: eth0, match: \"eth*\" }\n"
				 "  - { role: public }\n"
				 "  - { name: \"veth*\" }\n"
				 "  - { name: eth2, role: uplink }\n"
				 "  - { match: \"0123456789012345678901234567890123\" }\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:5: interfaces[0]: both name and match given");
	CHECK_STR_CONTAINS(e, "t.yml:3:5: interfaces[1]: missing name or match");
	CHECK_STR_CONTAINS(e, "interfaces[2].name: 'veth*' is a pattern (name: is matched "
			   "literally; use match: for globs)");
	CHECK_STR_CONTAINS(e, "interfaces[3].role: unknown role 'uplink' (expected public, mixed "
			   "or pods)");
	CHECK_STR_CONTAINS(e, "interfaces[4].match: invalid interface pattern");
}

/* ---------------------------------------------------------------------- */
/* Zones */

static void test_zone_templates_are_lowercased_and_type_is_an_alias(void)
{
	struct manifest *m = load_ok("zones: [\"{Type}.{APP}.Internal\", \"{index}.{service}.x\"]\n"
				     "apps:\n  a:\n    services:\n"
				     "      web: { instances: [10.0.0.1] }\n");

	if (m && CHECK_EQ(m->nzones, 2)) {
		CHECK(!strcmp(m->zones[0].tmpl, "{type}.{app}.internal"), "%s", m->zones[0].tmpl);
		CHECK_EQ(m->zones[1].pos.line, 1);
	}
	manifest_free(m);
}

static void test_zone_with_unknown_placeholder_is_rejected(void)
{
	const char *e = load_bad("zones:\n  - \"{host}.internal\"\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:5: zones[0]: unknown placeholder '{host}' in template "
			   "'{host}.internal' (expected {service}, {type}, {app}, {rack}, "
			   "{network} or {index})");
}

static void test_zone_with_unbalanced_brace_is_rejected(void)
{
	CHECK_STR_CONTAINS(load_bad("zones: [\"{service.internal\"]\n"),
			   "zones[0]: unbalanced '{' in template '{service.internal'");
	CHECK_STR_CONTAINS(load_bad("zones: [\"service}.internal\"]\n"),
			   "zones[0]: unbalanced '}' in template");
}

static void test_zone_needs_a_placeholder_and_a_fixed_apex(void)
{
	CHECK_STR_CONTAINS(load_bad("zones: [internal]\n"),
			   "zones[0]: template 'internal' has no placeholder");
	CHECK_STR_CONTAINS(load_bad("zones: [\"{service}.{app}\"]\n"),
			   "zones[0]: template '{service}.{app}' does not end in a fixed zone");
	CHECK_STR_CONTAINS(load_bad("zones: [\"{service}..internal\"]\n"),
			   "zones[0]: template '{service}..internal' has an empty label");
	CHECK_STR_CONTAINS(load_bad("zones: [\"{service}.in_ternal\"]\n"),
			   "zones[0]: invalid character '_' in template");
	CHECK_STR_CONTAINS(load_bad("zones: [\"{service}-.internal\"]\n"),
			   "starts or ends with '-'");
}

static void test_zone_with_rack_placeholder_needs_rack(void)
{
	const char *e = load_bad("zones:\n  - \"{service}.{app}.{rack}.convox\"\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:5: zones[0]: cannot fill {rack}: rack is not set");
}

static void test_zone_network_placeholder_fills_rack_for_the_implicit_network(void)
{
	struct manifest *m = load_ok("zones: [\"{service}.{network}.internal\"]\n"
				     "apps:\n  a:\n    services:\n      web: {}\n");

	CHECK(m != NULL, "loads");
	manifest_free(m);
}

static void test_zone_expansion_longer_than_dns_allows_is_rejected(void)
{
	char yaml[2048], name[64];
	const char *e;

	memset(name, 'a', 63);
	name[63] = '\0';
	/* label: two 63-char names in one label */
	snprintf(yaml, sizeof(yaml), "zones: [\"{service}{app}.internal\"]\napps:\n  %s:\n"
		 "    services:\n      %s: {}\n", name, name);
	e = load_bad(yaml);
	CHECK_STR_CONTAINS(e, "t.yml:1:9: zones[0]: the name");
	CHECK_STR_CONTAINS(e, "has a label of 126 characters (at most 63)");
	/* whole name: 4 x 63 + dots + apex > 253 */
	snprintf(yaml, sizeof(yaml), "rack: %s\nnetworks:\n  %s: {}\n"
		 "zones: [\"{service}.{app}.{network}.{rack}.internal\"]\n"
		 "apps:\n  %s:\n    network: %s\n    services:\n      %s: {}\n", name, name, name,
		 name, name);
	e = load_bad(yaml);
	CHECK_STR_CONTAINS(e, "t.yml:4:9: zones[0]: names for apps.");
	CHECK_STR_CONTAINS(e, "are up to 264 characters long");
}

static void test_zone_index_prefix_counts_towards_the_name_length(void)
{
	char yaml[2048], name[64];

	memset(name, 'b', 63);
	name[63] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 59 = 251 fits; "1." makes 253 */
	snprintf(yaml, sizeof(yaml), "zones: [\"{service}.{app}.{network}.%.59s\"]\n"
		 "networks:\n  %s: {}\napps:\n  %s:\n    network: %s\n    services:\n"
		 "      %s: { instances: [10.0.0.1] }\n", name, name, name, name, name);
	{
		struct manifest *m = load_ok(yaml);

		manifest_free(m);
	}
	/* ten instances: "10." makes 254 */
	snprintf(yaml, sizeof(yaml), "zones: [\"{service}.{app}.{network}.%.59s\"]\n"
		 "networks:\n  %s: {}\napps:\n  %s:\n    network: %s\n    services:\n"
		 "      %s: { instances: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, "
		 "10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9, 10.0.0.10] }\n", name, name, name, name,
		 name);
	CHECK_STR_CONTAINS(load_bad(yaml), "are up to 254 characters long");
}

static void test_zone_name_for_two_services_of_one_network_is_rejected(void)
{
	const char *e = load_bad("zones: [\"{service}.internal\"]\napps:\n"
				 "  a:\n    services:\n      web: {}\n"
				 "  b:\n    services:\n      web: {}\n");

	CHECK_STR_CONTAINS(e, "t.yml:1:9: zones[0]: 'web.internal' would name both "
			   "apps.a.services.web and apps.b.services.web in network rack");
}

/* ---------------------------------------------------------------------- */
/* Error reporting */

static void test_yaml_syntax_error_is_reported_with_its_position(void)
{
	const char *e = load_bad("rack: a\napps:\n  a: [b\n");

	CHECK(!strncmp(e, "t.yml:4:1: yaml: ", 17), "yaml error prefix: %s", e);
	CHECK_EQ(count_lines(e), 1);
	e = load_bad("rack: a\n  bad: indent\n");
	CHECK_STR_CONTAINS(e, "t.yml:2:6: yaml: mapping values are not allowed in this context");
}

static void test_empty_file_is_an_error(void)
{
	const char *e = load_bad("");

	CHECK_STR_CONTAINS(e, "t.yml:1:1: manifest: empty file");
	e = load_bad("# just a comment\n");
	CHECK_STR_CONTAINS(e, "t.yml:1:1: manifest: empty file");
	e = load_bad("---\n");
	CHECK_STR_CONTAINS(e, "t.yml:2:1: manifest: got no value (expected a mapping");
}

static void test_second_document_is_rejected(void)
{
	const char *e = load_bad("rack: a\n---\nrack: b\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:1: yaml: a second document");
}

static void test_invalid_utf8_is_reported_with_its_line(void)
{
	const char *e = load_bad("rack: a\nmode: \xff\n");

	CHECK_STR_CONTAINS(e, "t.yml:2:7: yaml: ");
}

static void test_undefined_alias_is_a_yaml_error(void)
{
	CHECK_STR_CONTAINS(load_bad("rack: *nope\n"), "t.yml:1:7: yaml: found undefined alias");
}

static void test_aliases_are_expanded(void)
{
	struct manifest *m;
	const struct mf_service *s;

	m = load_ok("private: &p [10.0.0.0/8]\napps:\n  a:\n    trusted: *p\n");
	CHECK(m && m->apps[0].trusted.n == 1, "alias expanded");
	manifest_free(m);
	m = load_ok("apps:\n  a:\n    services:\n"
		    "      web: &w { port: 80, instances: [10.0.0.1] }\n"
		    "      www: *w\n");
	s = find_svc(m, "a", "www");
	CHECK(s && s->nports == 1 && s->ninstances == 1, "service alias");
	manifest_free(m);
}

static void test_alias_expansion_beyond_the_node_budget_is_rejected(void)
{
	size_t cap = 1 << 16, o = 0, i;
	char *y = malloc(cap);

	if (!CHECK(y != NULL, "malloc"))
		return;
	o += (size_t)snprintf(y + o, cap - o, "apps:\n  a:\n    services:\n      s0: &s { "
			      "instances: &i [");
	for (i = 0; i < 1000; i++)
		o += (size_t)snprintf(y + o, cap - o, "%s10.0.%zu.%zu", i ? "," : "", i / 250,
				      i % 250 + 1);
	o += (size_t)snprintf(y + o, cap - o, "] }\n");
	for (i = 1; i < 1100; i++)
		o += (size_t)snprintf(y + o, cap - o, "      s%zu: *s\n", i);
	CHECK(o < cap, "buffer");
	CHECK_STR_CONTAINS(load_bad(y), "manifest too large: more than 1048576 values");
	free(y);
}

static void test_more_services_than_the_data_plane_holds_are_rejected(void)
{
	size_t cap = 1 << 14, o = 0, i;
	char *y = malloc(cap);

	if (!CHECK(y != NULL, "malloc"))
		return;
	/* 257 apps x 255 services = 65535 + 0: fits; a 258th app does not */
	o += (size_t)snprintf(y + o, cap - o, "apps:\n  a0: &a\n    services: {");
	for (i = 0; i < 255; i++)
		o += (size_t)snprintf(y + o, cap - o, "%ss%zu: {}", i ? ", " : "", i);
	o += (size_t)snprintf(y + o, cap - o, "}\n");
	for (i = 1; i < 257; i++)
		o += (size_t)snprintf(y + o, cap - o, "  a%zu: *a\n", i);
	{
		struct manifest *m = load_ok(y);

		CHECK(m && m->napps == 257, "65535 services load");
		manifest_free(m);
	}
	o += (size_t)snprintf(y + o, cap - o, "  a257: *a\n");
	CHECK(o < cap, "buffer");
	CHECK_STR_CONTAINS(load_bad(y), "services: more than 65535 services in the manifest");
	free(y);
}

static void test_more_than_32_zone_templates_are_rejected(void)
{
	char y[2048];
	size_t o = 0, i;

	o += (size_t)snprintf(y, sizeof(y), "zones:\n");
	for (i = 0; i < 33; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "  - \"{service}.z%zu.internal\"\n", i);
	CHECK_STR_CONTAINS(load_bad(y), "t.yml:2:3: zones: 33 templates (at most 32)");
}

/* `depth` flow lists, one inside the other, then `tail` and their ends. */
static size_t nest(char *y, size_t depth, const char *tail)
{
	size_t o = 0, i;

	for (i = 0; i < depth; i++)
		y[o++] = '[';
	o += (size_t)sprintf(y + o, "%s", tail);
	for (i = 0; i < depth; i++)
		y[o++] = ']';
	y[o] = '\0';
	return o;
}

static void test_deep_nesting_is_rejected(void)
{
	char y[512];

	nest(y, 65, "");
	CHECK_STR_CONTAINS(load_bad(y), "t.yml:1:65: yaml: nesting deeper than 64 levels");
	/* the first too deep one in the text is named, not a later one */
	nest(y, 70, "");
	CHECK_STR_CONTAINS(load_bad(y), "t.yml:1:65: yaml: nesting deeper than 64 levels");
	nest(y, 64, "");
	CHECK(!strstr(load_bad(y), "nesting"), "64 levels rejected: %s", errs);
	/* the depth is the nesting as written: an alias of a deep list, used
	 * deep, is not deeper */
	strcpy(y, "a: &x ");
	nest(y + 6, 40, "");
	strcat(y, "\nb: ");
	nest(y + strlen(y), 40, "*x");
	CHECK(!strstr(load_bad(y), "nesting"), "alias counted as nested: %s", errs);
	/* the depth is reported before what follows the document, as it
	 * comes first in the text: a second document, a stray '}' */
	strcat(y + nest(y, 65, ""), "\n---\nb: 1\n");
	CHECK_STR_CONTAINS(load_bad(y), "t.yml:1:65: yaml: nesting deeper than 64 levels");
	CHECK(!strstr(errs, "second document"), "second document reported too: %s", errs);
	strcat(y + nest(y, 65, ""), "\n}\n");
	CHECK_STR_CONTAINS(load_bad(y), "t.yml:1:65: yaml: nesting deeper than 64 levels");
	/* a syntax error with no document loaded is the error reported */
	memset(y, '[', 200);
	y[200] = '\0';
	CHECK_STR_CONTAINS(load_bad(y), "t.yml:2:1: yaml: did not find expected node content");
}

static void test_every_error_is_reported_in_file_order(void)
{
	const char *e = load_bad("zones: [\"{nope}.x\"]\n"
				 "mode: bogus\n"
				 "private: [10.0.0.1/8]\n"
				 "rack: Bad_Name\n");
	const char *a = strstr(e, "t.yml:1:"), *b = strstr(e, "t.yml:2:");
	const char *c = strstr(e, "t.yml:3:"), *d = strstr(e, "t.yml:4:");

	CHECK_EQ(count_lines(e), 4);
	CHECK(a && b && c && d && a < b && b < c && c < d, "sorted by line: %s", e);
}

static void test_errors_stop_after_one_hundred(void)
{
	char y[8192];
	size_t o = 0, i;
	const char *e;

	o += (size_t)snprintf(y, sizeof(y), "private:\n");
	for (i = 0; i < 150; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "  - 10.0.0.%zu/8\n", i + 1);
	e = load_bad(y);
	CHECK_EQ(count_lines(e), 101);
	CHECK_STR_CONTAINS(e, "t.yml: too many errors, stopped after 100");
}

static void test_no_model_is_returned_on_error(void)
{
	struct manifest *m = (struct manifest *)&m;

	CHECK_EQ(manifest_load_buf("mode: x\n", 8, "t.yml", &m, NULL), -EINVAL);
	CHECK(m == NULL, "out cleared on error");
	m = (struct manifest *)&m;
	CHECK_EQ(manifest_load_buf("[", 1, "t.yml", &m, NULL), -EINVAL);
	CHECK(m == NULL, "out cleared on yaml error");
	manifest_free(NULL);
}

static void test_missing_file_returns_errno_and_one_line(void)
{
	struct manifest *m = (struct manifest *)&m;
	FILE *f;
	int ret;

	free(errs);
	errs = NULL;
	f = open_memstream(&errs, &errs_len);
	ret = manifest_load("/nonexistent/enforcer.yml", &m, f);
	fclose(f);
	CHECK_EQ(ret, -ENOENT);
	CHECK(m == NULL, "no model");
	CHECK(errs && !strcmp(errs, "/nonexistent/enforcer.yml: cannot read manifest: No such file "
			      "or directory\n"), "message: %s", errs);
}

static void test_load_from_file_records_the_path(void)
{
	char path[] = "/tmp/test_manifest_XXXXXX";
	struct manifest *m = NULL;
	int fd = mkstemp(path);
	FILE *f;

	if (!CHECK(fd >= 0, "mkstemp: %s", strerror(errno)))
		return;
	f = fdopen(fd, "w");
	fputs("rack: Files\n", f);
	fclose(f);
	CHECK_EQ(manifest_load(path, &m, stderr), 0);
	CHECK(m && !strcmp(m->path, path) && !strcmp(m->rack, "files"), "path and rack");
	manifest_free(m);
	unlink(path);
}

/* ------------------------------------------------------------------------ */
/* A directory of manifests, gzip */

static char set_dir[64];

static bool set_make(void)
{
	snprintf(set_dir, sizeof(set_dir), "/tmp/test_manifest_set_XXXXXX");
	return CHECK(mkdtemp(set_dir), "mkdtemp: %s", strerror(errno));
}

/* Writes `text` to set_dir/name, gzip-compressed when `gz`. */
static void set_put(const char *name, const char *text, bool gz)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", set_dir, name);
	if (gz) {
		gzFile g = gzopen(path, "wb");

		CHECK(g && gzwrite(g, text, (unsigned int)strlen(text)) == (int)strlen(text) &&
		      gzclose(g) == Z_OK, "gzip %s", path);
	} else {
		FILE *f = fopen(path, "w");

		CHECK(f && fputs(text, f) >= 0 && !fclose(f), "write %s", path);
	}
}

static void set_rm(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", set_dir);
	CHECK(!system(cmd), "%s", cmd);
}

/* manifest_load(path) with the errors kept in errs. */
static int load_path(const char *path, struct manifest **m)
{
	FILE *f = errs_open();
	int ret;

	if (!f)
		return -ENOMEM;
	ret = manifest_load(path, m, f);
	errs_close(f);
	return ret;
}

/* Does errs hold exactly this line, with set_dir/ before it? */
static bool has_line(const char *file_line)
{
	char want[512];

	snprintf(want, sizeof(want), "%s/%s\n", set_dir, file_line);
	return errs && strstr(errs, want);
}

static const char set_rack[] =
	"rack: fleet\n"
	"zones: [\"{service}.{app}.internal\"]\n"
	"private: [10.0.0.0/8]\n";
static const char set_shop[] =
	"networks:\n"
	"  shop: { isolated: true, cidrs: [10.20.0.0/16] }\n"
	"apps:\n"
	"  cart:\n"
	"    network: shop\n"
	"    services:\n"
	"      api: { port: 80, internal: true, instances: [10.20.0.1] }\n";
static const char set_web[] =
	"apps:\n"
	"  site:\n"
	"    services:\n"
	"      web: { port: 443, instances: [10.1.0.1, 10.1.0.2] }\n";

static void test_directory_of_manifests_is_merged_in_name_order(void)
{
	struct manifest *m = NULL;

	if (!set_make())
		return;
	set_put("00-rack.yaml", set_rack, false);
	set_put("shop.yaml.gz", set_shop, true);	/* gzip, by its magic */
	set_put("site.yml", set_web, false);
	set_put("README.md", "not: [a manifest\n", false);	/* not *.yaml: skipped */
	set_put(".site.yaml.swp", "{{{", false);		/* hidden: skipped */
	if (CHECK_EQ(load_path(set_dir, &m), 0) && CHECK(m, "model")) {
		CHECK(!strcmp(m->rack, "fleet") && m->nzones == 1 && m->private_cidrs.n == 1,
		      "the settings of 00-rack.yaml");
		CHECK_EQ(m->nnetworks, 2);
		CHECK(m->napps == 2 && !strcmp(m->apps[0].name, "cart") &&
		      !strcmp(m->apps[1].name, "site"), "apps in file order");
		CHECK(m->napps == 2 && m->apps[0].network == 1 && m->apps[1].network == 0,
		      "cart in network shop, which another file... the same file declares");
		CHECK(!strcmp(m->path, set_dir), "path is the directory");
		CHECK(m->nfiles == 3 && strstr(m->files[1], "/shop.yaml.gz"),
		      "three files, named");
		CHECK(find_svc(m, "site", "web") && find_svc(m, "site", "web")->ninstances == 2,
		      "site/web");
	}
	manifest_free(m);
	set_rm();
}

static void test_app_in_one_file_may_use_a_network_of_another(void)
{
	struct manifest *m = NULL;

	if (!set_make())
		return;
	set_put("a.yaml", "networks:\n  shop: { cidrs: [10.20.0.0/16] }\n", false);
	set_put("b.yaml", "apps:\n  cart:\n    network: shop\n    services:\n"
			  "      api: { port: 80, instances: [10.20.0.1] }\n", false);
	if (CHECK_EQ(load_path(set_dir, &m), 0) && m)
		CHECK(m->napps == 1 && m->apps[0].network == 1, "network from a.yaml");
	manifest_free(m);
	set_rm();
}

static void test_directory_errors_name_each_file_line_and_column(void)
{
	struct manifest *m = (struct manifest *)&m;

	if (!set_make())
		return;
	set_put("a.yaml", set_rack, false);
	set_put("b.yaml", "apps:\n  site:\n    services:\n      web: { port: 99999 }\n", false);
	set_put("c.yaml.gz", "apps:\n  Site: {}\nrack: other\n", true);
	CHECK_EQ(load_path(set_dir, &m), -EINVAL);
	CHECK(m == NULL, "no model");
	CHECK(has_line("b.yaml:4:20: apps.site.services.web.port: '99999' is out of range "
		       "(expected 1..65535)"), "b.yaml's port: %s", errs);
	CHECK(has_line("c.yaml.gz:3:1: manifest: duplicate key 'rack' (each key once; first "
		       "at line 1 of a.yaml)"), "rack twice: %s", errs);
	CHECK(errs && strstr(errs, "/c.yaml.gz:2:3: apps.Site: 'Site' and 'site' (line 2 of "
			     "b.yaml) are the same name"), "app twice: %s", errs);
	/* in file order, then position */
	CHECK(errs && strstr(errs, "/b.yaml:") < strstr(errs, "/c.yaml.gz:"), "order: %s", errs);
	/* a file that is not a mapping, or whose apps are not */
	set_put("c.yaml.gz", "[1, 2]\n", true);
	set_put("b.yaml", "apps: [x]\n", false);
	CHECK_EQ(load_path(set_dir, &m), -EINVAL);
	CHECK(has_line("b.yaml:1:7: apps: got a list (expected a mapping of app names to apps)") &&
	      has_line("c.yaml.gz:1:1: manifest: got a list (expected a mapping with rack, zones, "
		       "dns, private, internal_only, mode, interfaces, networks, apps, flows, "
		       "tunnels)"), "kinds: %s", errs);
	/* a syntax error stops the merge, but every file's is told */
	set_put("d.yaml", "apps: [\n", false);
	set_put("e.yaml", "rack: 'open\n", false);
	CHECK_EQ(load_path(set_dir, &m), -EINVAL);
	CHECK(errs && strstr(errs, "/d.yaml:2:1: yaml: ") && strstr(errs, "/e.yaml:") &&
	      count_lines(errs) == 2, "both files' syntax: %s", errs);
	set_rm();
}

static void test_directory_without_manifests_is_an_error(void)
{
	struct manifest *m = (struct manifest *)&m;
	char want[256];

	if (!set_make())
		return;
	set_put("notes.txt", "rack: x\n", false);
	CHECK_EQ(load_path(set_dir, &m), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot read manifests: no manifest in this directory "
		 "(expected files named *.yaml or *.yml, or those gzip-compressed as *.yaml.gz "
		 "or *.yml.gz)\n", set_dir);
	CHECK(errs && !strcmp(errs, want), "message: %s", errs);
	set_put("empty.yaml", "", false);
	CHECK_EQ(load_path(set_dir, &m), -EINVAL);
	CHECK(has_line("empty.yaml:1:1: manifest: empty file (expected a mapping with rack, "
		       "zones, dns, private, interfaces, networks, apps)"), "empty: %s", errs);
	set_rm();
}

/*
 * A Kubernetes volume: kubelet writes each version into its own directory
 * and swaps ..data to it; the top-level names are symlinks through ..data,
 * added and removed after the swap. The set is the one version ..data
 * names, whatever the top level shows at that moment.
 */
static void test_kubernetes_volume_is_read_through_its_data_link(void)
{
	struct manifest *m = NULL;
	char a[256], b[256];

	if (!set_make())
		return;
	snprintf(a, sizeof(a), "%s/..v1", set_dir);
	CHECK(!mkdir(a, 0700), "mkdir ..v1");
	set_put("..v1/rack.yaml", set_rack, false);
	set_put("..v1/site.yaml", set_web, false);
	snprintf(a, sizeof(a), "%s/..data", set_dir);
	CHECK(!symlink("..v1", a), "..data");
	snprintf(a, sizeof(a), "%s/rack.yaml", set_dir);
	CHECK(!symlink("..data/rack.yaml", a), "rack.yaml");
	/* a name left over from an older version, or one not linked yet */
	set_put("stale.yaml", "rack: [bad\n", false);
	if (CHECK_EQ(load_path(set_dir, &m), 0) && m)
		CHECK(m->napps == 1 && m->nfiles == 2, "version 1: the files of ..v1");
	manifest_free(m);
	m = NULL;
	/* the swap: a new version, then ..data renamed over */
	snprintf(a, sizeof(a), "%s/..v2", set_dir);
	CHECK(!mkdir(a, 0700), "mkdir ..v2");
	set_put("..v2/rack.yaml", set_rack, false);
	set_put("..v2/shop.yaml", set_shop, false);
	set_put("..v2/site.yaml", set_web, false);
	snprintf(a, sizeof(a), "%s/..data_tmp", set_dir);
	snprintf(b, sizeof(b), "%s/..data", set_dir);
	CHECK(!symlink("..v2", a) && !rename(a, b), "swap");
	if (CHECK_EQ(load_path(set_dir, &m), 0) && m)
		CHECK(m->napps == 2 && m->nfiles == 3, "version 2, whole");
	manifest_free(m);
	set_rm();
}

static void test_gzip_manifest_file_loads_and_a_bad_one_says_why(void)
{
	struct manifest *m = NULL;
	char path[256], want[512];
	FILE *f;

	if (!set_make())
		return;
	set_put("one.gz", set_web, true);	/* any name: gzip is known by its bytes */
	snprintf(path, sizeof(path), "%s/one.gz", set_dir);
	if (CHECK_EQ(load_path(path, &m), 0) && m)
		CHECK(m->napps == 1 && m->nfiles == 1 && !strcmp(m->files[0], path), "loaded");
	manifest_free(m);
	m = NULL;
	/* cut short */
	CHECK(!truncate(path, 20), "truncate");
	CHECK_EQ(load_path(path, &m), -EINVAL);
	snprintf(want, sizeof(want), "%s: cannot read manifest: the gzip stream ends early (a "
		 "truncated file?)\n", path);
	CHECK(errs && !strcmp(errs, want), "truncated: %s", errs);
	/* the magic, then garbage */
	f = fopen(path, "w");
	CHECK(f && fputs("\x1f\x8bgarbage garbage", f) >= 0 && !fclose(f), "write");
	CHECK_EQ(load_path(path, &m), -EINVAL);
	CHECK(errs && strstr(errs, ": cannot read manifest: ") && m == NULL, "garbage: %s", errs);
	set_rm();
}

/* 17 MiB of blanks compress to a few KiB: the inflated text is capped. */
static void test_gzip_bomb_is_refused_at_sixteen_mib(void)
{
	struct manifest *m = NULL;
	char path[256], want[512];
	size_t n = 17u << 20, i;
	char *blank = malloc(65536);
	gzFile g;

	if (!CHECK(blank, "malloc") || !set_make()) {
		free(blank);
		return;
	}
	memset(blank, ' ', 65536);
	snprintf(path, sizeof(path), "%s/bomb.yaml.gz", set_dir);
	g = gzopen(path, "wb9");
	for (i = 0; g && i < n / 65536; i++)
		gzwrite(g, blank, 65536);
	CHECK(g && gzclose(g) == Z_OK, "gzip");
	free(blank);
	CHECK_EQ(load_path(path, &m), -EFBIG);
	snprintf(want, sizeof(want), "%s: cannot read manifest: File too large (at most 16 MiB, "
		 "also once decompressed)\n", path);
	CHECK(errs && !strcmp(errs, want), "message: %s", errs);
	/* in a directory, the file is named the same way */
	CHECK_EQ(load_path(set_dir, &m), -EFBIG);
	CHECK(errs && !strcmp(errs, want), "message: %s", errs);
	set_rm();
}

/* A manifest set is also what a fuzzer or a hand may give: checked, not trusted. */
static void test_malformed_manifest_set_is_an_error(void)
{
	static const char bad[][64] = {
		"\0enforcer manifest set 1\n",				/* no file */
		"\0enforcer manifest set 1\n3 4\nabc",			/* text cut */
		"\0enforcer manifest set 1\n3 x\nabcrack",		/* length */
		"\0enforcer manifest set 1\n3 2\na/bab",		/* a slash */
	};
	static const size_t len[] = { 25, 33, 32, 33 };
	struct manifest *m = (struct manifest *)&m;
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		f = errs_open();
		if (!f)
			return;
		CHECK_EQ(manifest_load_buf(bad[i], len[i], "d", &m, f), -EINVAL);
		errs_close(f);
		CHECK(m == NULL && errs && !strcmp(errs, "d:1:1: manifest: not a manifest (a "
			"manifest set that is not well formed; give the directory instead)\n"),
		      "case %zu: %s", i, errs);
	}
	/* and a good one, by hand */
	f = NULL;
	m = NULL;
	CHECK_EQ(manifest_load_buf("\0enforcer manifest set 1\n6 11\nr.yamlrack: Hand\n", 47,
				   "d", &m, stderr), 0);
	CHECK(m && !strcmp(m->rack, "hand") && m->nfiles == 1 && !strcmp(m->files[0], "d/r.yaml"),
	      "by hand");
	manifest_free(m);
}

/* ---------------------------------------------------------------------- */
/* links: */

/* Apps myapp (web, admin, worker without a port, dns with only UDP),
 * backend (api) and other (api); `links` is web's links: block, each entry
 * on its own line from line 8, the value at column 13. */
static const char *links_yaml(const char *links)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "apps:\n"
		 "  myapp:\n"
		 "    services:\n"
		 "      web:\n"
		 "        port: 3000\n"
		 "        instances: [10.0.1.10]\n"
		 "        links:\n"
		 "%s"
		 "      admin:\n"
		 "        port: 4000\n"
		 "        internal: true\n"
		 "      worker:\n"
		 "        instances: [10.0.3.10]\n"
		 "      dns:\n"
		 "        ports: [53/udp, 8053/tcp]\n"
		 "  backend:\n"
		 "    services:\n"
		 "      api:\n"
		 "        port: 5000\n"
		 "  other:\n"
		 "    services:\n"
		 "      api:\n"
		 "        ports: [6000/udp]\n",
		 links);
	return buf;
}

/* The whole error output is exactly `want`. */
static bool errs_are(const char *want)
{
	return CHECK(errs && !strcmp(errs, want), "errors:\n%s\nwant:\n%s", errs ? errs : "",
		     want);
}

static void test_links_resolve_to_the_services_they_name_in_order(void)
{
	struct manifest *m = load_ok(links_yaml("          - Admin\n"
						"          - backend/api\n"
						"          - dns\n"));
	const struct mf_service *web = find_svc(m, "myapp", "web");

	if (!CHECK(web, "web") || !CHECK_EQ(web->nlinks, 3))
		goto out;
	CHECK(web->links[0].app == 0 && web->links[0].svc == 1, "links[0] is myapp/admin");
	CHECK(web->links[1].app == 1 && web->links[1].svc == 0, "links[1] is backend/api");
	/* dns's first TCP port is its second port */
	CHECK(web->links[2].app == 0 && web->links[2].svc == 3, "links[2] is myapp/dns");
	CHECK(web->links[1].pos.line == 9 && web->links[1].pos.col == 13, "links[1] at 9:13");
	CHECK_EQ(manifest_first_tcp_port(&m->apps[0].services[3]), 8053);
	CHECK_EQ(find_svc(m, "myapp", "admin")->nlinks, 0);
out:
	manifest_free(m);
}

static void test_link_may_name_a_service_written_later(void)
{
	struct manifest *m = load_ok("apps:\n"
				     "  a:\n"
				     "    services:\n"
				     "      web: { port: 80, links: [api, z/db] }\n"
				     "      api: { port: 81 }\n"
				     "  z:\n"
				     "    services:\n"
				     "      db: { port: 5432 }\n");
	const struct mf_service *web = find_svc(m, "a", "web");

	if (CHECK(web && web->nlinks == 2, "two links"))
		CHECK(web->links[0].app == 0 && web->links[0].svc == 1 && web->links[1].app == 1 &&
		      web->links[1].svc == 0, "a/api, z/db");
	manifest_free(m);
}

static void test_links_null_is_no_links(void)
{
	struct manifest *m = load_ok(links_yaml(""));
	const struct mf_service *web = find_svc(m, "myapp", "web");

	CHECK(web && web->nlinks == 0 && !web->links, "no links");
	manifest_free(m);
}

static void test_link_variable_is_the_name_uppercased_with_underscores(void)
{
	char var[MF_LINK_VAR_MAX];

	manifest_link_var("api", var);
	CHECK(!strcmp(var, "API_URL"), "api: %s", var);
	manifest_link_var("background-worker2", var);
	CHECK(!strcmp(var, "BACKGROUND_WORKER2_URL"), "background-worker2: %s", var);
	manifest_link_var("a23456789012345678901234567890123456789012345678901234567890123", var);
	CHECK(strlen(var) == 67 && !strcmp(var + 63, "_URL"), "63 characters: %s", var);
}

static void test_link_to_unknown_service_suggests_the_closest(void)
{
	load_bad(links_yaml("          - admn\n"));
	errs_are("t.yml:8:13: apps.myapp.services.web.links[0]: unknown service 'admn' in app "
		 "myapp (did you mean admin? services: web, admin, worker, dns)\n");
	load_bad(links_yaml("          - backend/apl\n"));
	errs_are("t.yml:8:13: apps.myapp.services.web.links[0]: unknown service 'apl' in app "
		 "backend (did you mean api? services: api)\n");
}

static void test_link_to_unknown_service_far_from_all_lists_them(void)
{
	load_bad(links_yaml("          - database\n"));
	errs_are("t.yml:8:13: apps.myapp.services.web.links[0]: unknown service 'database' in "
		 "app myapp (services: web, admin, worker, dns)\n");
}

static void test_link_to_unknown_app_suggests_the_closest(void)
{
	load_bad(links_yaml("          - backnd/api\n          - zzz/api\n"));
	errs_are("t.yml:8:13: apps.myapp.services.web.links[0]: unknown app 'backnd' (did you "
		 "mean backend? apps: myapp, backend, other)\n"
		 "t.yml:9:13: apps.myapp.services.web.links[1]: unknown app 'zzz' (apps: myapp, "
		 "backend, other)\n");
}

static void test_link_to_the_service_itself_is_rejected(void)
{
	load_bad(links_yaml("          - web\n          - myapp/web\n"));
	errs_are("t.yml:8:13: apps.myapp.services.web.links[0]: a link to the service itself (a "
		 "service needs no link to reach itself)\n"
		 "t.yml:9:13: apps.myapp.services.web.links[1]: a link to the service itself (a "
		 "service needs no link to reach itself)\n");
}

static void test_link_listed_twice_is_rejected(void)
{
	/* the same service, written three ways */
	load_bad(links_yaml("          - admin\n          - myapp/admin\n          - ADMIN\n"));
	errs_are("t.yml:9:13: apps.myapp.services.web.links[1]: link to myapp/admin is listed "
		 "twice (first at line 8; each service once)\n"
		 "t.yml:10:13: apps.myapp.services.web.links[2]: link to myapp/admin is listed "
		 "twice (first at line 8; each service once)\n");
}

static void test_link_to_a_service_without_tcp_port_cannot_make_a_url(void)
{
	load_bad(links_yaml("          - worker\n          - other/api\n"));
	errs_are("t.yml:8:13: apps.myapp.services.web.links[0]: cannot make a URL for "
		 "myapp/worker: it has no TCP port (a link's URL names the first TCP port; give "
		 "it port: N, or remove the link)\n"
		 "t.yml:9:13: apps.myapp.services.web.links[1]: cannot make a URL for other/api: "
		 "it has no TCP port (a link's URL names the first TCP port; give it port: N, or "
		 "remove the link)\n");
}

static void test_links_that_set_one_variable_are_rejected(void)
{
	const char *yaml = "apps:\n"
			   "  a:\n"
			   "    services:\n"
			   "      web:\n"
			   "        port: 80\n"
			   "        links:\n"
			   "          - b/api\n"
			   "          - c/api\n"
			   "  b: { services: { api: { port: 81 } } }\n"
			   "  c: { services: { api: { port: 82 } } }\n";

	load_bad(yaml);
	errs_are("t.yml:8:13: apps.a.services.web.links[1]: link to c/api would set API_URL, as "
		 "the link to b/api does (line 7; each variable once)\n");
}

static void test_invalid_link_forms_are_rejected(void)
{
	load_bad(links_yaml("          - /api\n          - backend/\n          - a/b/c\n"
			    "          - api_v2\n          - { name: api }\n"));
	errs_are("t.yml:8:13: apps.myapp.services.web.links[0]: invalid link '/api' (expected "
		 "SERVICE or APP/SERVICE)\n"
		 "t.yml:9:13: apps.myapp.services.web.links[1]: invalid link 'backend/' (expected "
		 "SERVICE or APP/SERVICE)\n"
		 "t.yml:10:13: apps.myapp.services.web.links[2]: invalid link 'a/b/c' (expected "
		 "SERVICE or APP/SERVICE)\n"
		 "t.yml:11:13: apps.myapp.services.web.links[3]: invalid name 'api_v2' (expected "
		 "a-z, 0-9 and '-'; letters are lowercased and spaces become '-')\n"
		 "t.yml:12:13: apps.myapp.services.web.links[4]: got a mapping (expected a service "
		 "name such as api or APP/SERVICE)\n");
	load_bad(svc("        port: 80\n        links: api\n"));
	errs_are("t.yml:7:16: apps.myapp.services.web.links: got 'api' (expected a list of "
		 "services such as [api, backend/db])\n");
}

/* An isolated network admits its cidrs, peers and instances: a link into
 * it from another network works only for instances inside those. */
static const char *isolated_yaml(const char *web_instances)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "networks:\n"
		 "  billing: { isolated: true, cidrs: [10.0.8.0/24], peers: [10.50.0.0/17] }\n"
		 "  open: { cidrs: [10.0.9.0/24] }\n"
		 "apps:\n"
		 "  shop:\n"
		 "    services:\n"
		 "      web:\n"
		 "        port: 80\n"
		 "%s"
		 "        links: [pay/db, public/api]\n"
		 "  pay:\n"
		 "    network: billing\n"
		 "    services: { db: { port: 5432, instances: [10.0.8.5] } }\n"
		 "  public:\n"
		 "    network: open\n"
		 "    services: { api: { port: 8080 } }\n",
		 web_instances);
	return buf;
}

static void test_link_into_an_isolated_network_needs_its_instances_admitted(void)
{
	struct manifest *m;

	/* in billing's peers: admitted; `open` is not isolated */
	m = load_ok(isolated_yaml("        instances: [10.50.1.2, 10.50.127.255]\n"));
	CHECK(m && find_svc(m, "shop", "web")->nlinks == 2, "both links");
	manifest_free(m);
	/* the second instance is outside 10.50.0.0/17 */
	load_bad(isolated_yaml("        instances: [10.50.1.2, 10.50.128.1]\n"));
	errs_are("t.yml:10:17: apps.shop.services.web.links[0]: pay/db is in isolated network "
		 "billing, which does not admit 10.50.128.1 (an instance of this service; add it "
		 "to networks.billing cidrs or peers, or remove the link)\n");
	load_bad(isolated_yaml(""));
	errs_are("t.yml:9:17: apps.shop.services.web.links[0]: pay/db is in isolated network "
		 "billing, which admits no source of this service (it lists no instances; list "
		 "them, inside networks.billing cidrs or peers, or remove the link)\n");
}

static void test_links_are_freed_with_the_model(void)
{
	/* under SAN=1 a leak of the links arrays fails this case */
	struct manifest *m = load_ok(links_yaml("          - admin\n          - backend/api\n"));

	CHECK(m && find_svc(m, "myapp", "web")->links, "links allocated");
	manifest_free(m);
	/* and on failure, the half-made model with its links is freed too */
	load_bad(links_yaml("          - admin\n          - nope\n"));
}

static void test_link_to_an_app_of_another_file_of_a_directory(void)
{
	struct manifest *m = NULL;

	if (!set_make())
		return;
	set_put("a.yaml", "zones: [\"{service}.{app}.internal\"]\n"
			  "apps:\n  a:\n    services:\n      web: { port: 80, links: [b/api] }\n",
		false);
	set_put("b.yaml", "apps:\n  b:\n    services:\n      api: { port: 81 }\n", false);
	if (CHECK_EQ(load_path(set_dir, &m), 0) && CHECK(m, "model")) {
		const struct mf_service *web = find_svc(m, "a", "web");

		CHECK(web && web->nlinks == 1 && web->links[0].app == 1 && web->links[0].svc == 0 &&
		      web->links[0].pos.file == 0, "a/web links b/api");
	}
	manifest_free(m);
	set_put("b.yaml", "apps:\n  b:\n    services:\n      apl: { port: 81 }\n", false);
	CHECK_EQ(load_path(set_dir, &m), -EINVAL);
	CHECK(has_line("a.yaml:5:32: apps.a.services.web.links[0]: unknown service 'api' in app "
		       "b (did you mean apl? services: apl)"), "errors: %s", errs);
	set_rm();
}

static const struct test_case tests[] = {
	TEST(convox_classic_scenario_loads),
	TEST(convox_rack_scenario_loads),
	TEST(dot_internal_scenario_loads),
	TEST(heroku_space_scenario_loads),
	TEST(scalingo_scenario_loads),
	TEST(convox_rack_with_internal_only_is_rejected_naming_web_and_edge),
	TEST(spec_example_loads_with_every_field),
	TEST(defaults_are_applied_when_keys_are_absent),
	TEST(networks_follow_the_implicit_rack_network_in_manifest_order),
	TEST(null_values_of_lists_and_mappings_are_empty),
	TEST(mode_audit_is_accepted),
	TEST(unknown_mode_is_rejected),
	TEST(yaml_1_1_booleans_are_accepted_in_any_case),
	TEST(invalid_boolean_is_rejected),
	TEST(dns_ttl_range_and_trailing_garbage_are_checked),
	TEST(resolvers_accept_v4_and_v6_and_reject_cidrs),
	TEST(tunnel_ports_default_to_vxlan_and_geneve),
	TEST(tunnel_kind_given_replaces_its_defaults),
	TEST(bad_tunnel_ports_are_rejected),
	TEST(unknown_top_level_key_is_rejected_with_allowed_keys),
	TEST(unknown_key_typo_suggests_the_closest_key),
	TEST(unknown_service_key_is_rejected_with_a_suggestion),
	TEST(unknown_key_in_cidr_mapping_is_rejected),
	TEST(duplicate_key_is_rejected),
	TEST(duplicate_service_name_is_rejected),
	TEST(list_where_a_mapping_is_expected_is_rejected),
	TEST(scalar_where_a_list_is_expected_is_rejected),
	TEST(top_level_must_be_a_mapping),
	TEST(non_string_key_is_rejected),
	TEST(nul_character_in_a_string_is_rejected),
	TEST(cidr_with_host_bits_is_rejected_with_the_network_address),
	TEST(bad_ipv4_cidr_is_rejected),
	TEST(bad_ipv6_address_is_rejected),
	TEST(bare_address_in_a_cidr_list_is_a_host_prefix),
	TEST(unspecified_and_multicast_instances_are_rejected),
	TEST(expires_accepts_a_date_as_midnight_utc),
	TEST(expires_accepts_rfc3339_with_z_and_offsets),
	TEST(invalid_expiry_is_rejected),
	TEST(cidr_mapping_needs_cidr_and_a_short_label),
	TEST(trusted_ranges_are_parsed_per_app),
	TEST(port_zero_is_rejected),
	TEST(port_65536_is_rejected),
	TEST(unknown_protocol_is_rejected),
	TEST(bare_port_in_ports_means_tcp),
	TEST(port_key_means_tcp_and_makes_the_service_public),
	TEST(port_and_ports_are_merged_and_duplicates_rejected),
	TEST(service_without_port_is_internal),
	TEST(internal_true_keeps_a_ported_service_private),
	TEST(internal_and_external_is_public_even_when_internal),
	TEST(internal_and_external_without_port_is_rejected),
	TEST(internal_only_accepts_a_manifest_without_public_services),
	TEST(names_are_lowercased_and_spaces_become_hyphens),
	TEST(name_of_64_characters_is_rejected_and_63_accepted),
	TEST(names_with_invalid_characters_are_rejected),
	TEST(two_names_that_normalise_alike_are_rejected),
	TEST(network_named_rack_is_reserved),
	TEST(app_in_unknown_network_is_rejected),
	TEST(app_network_rack_names_the_implicit_network),
	TEST(same_address_in_two_networks_is_rejected_naming_both),
	TEST(same_address_in_one_network_is_allowed),
	TEST(instance_listed_twice_in_a_service_is_rejected),
	TEST(frontends_accept_ipv4_and_bracketed_ipv6),
	TEST(bad_frontends_are_rejected),
	TEST(frontend_equal_to_an_instance_or_vip_is_rejected),
	TEST(same_frontend_twice_is_rejected),
	TEST(health_string_probes_the_first_tcp_port),
	TEST(health_mapping_gives_port_and_path),
	TEST(health_without_any_port_is_rejected),
	TEST(health_path_must_start_with_a_slash),
	TEST(health_defaults_are_convox_s_and_a_mapping_without_path_connects),
	TEST(interfaces_take_a_name_or_a_match_glob),
	TEST(interface_rules_are_validated),
	TEST(zone_templates_are_lowercased_and_type_is_an_alias),
	TEST(zone_with_unknown_placeholder_is_rejected),
	TEST(zone_with_unbalanced_brace_is_rejected),
	TEST(zone_needs_a_placeholder_and_a_fixed_apex),
	TEST(zone_with_rack_placeholder_needs_rack),
	TEST(zone_network_placeholder_fills_rack_for_the_implicit_network),
	TEST(zone_expansion_longer_than_dns_allows_is_rejected),
	TEST(zone_index_prefix_counts_towards_the_name_length),
	TEST(zone_name_for_two_services_of_one_network_is_rejected),
	TEST(yaml_syntax_error_is_reported_with_its_position),
	TEST(empty_file_is_an_error),
	TEST(second_document_is_rejected),
	TEST(invalid_utf8_is_reported_with_its_line),
	TEST(undefined_alias_is_a_yaml_error),
	TEST(aliases_are_expanded),
	TEST(alias_expansion_beyond_the_node_budget_is_rejected),
	TEST(more_services_than_the_data_plane_holds_are_rejected),
	TEST(more_than_32_zone_templates_are_rejected),
	TEST(deep_nesting_is_rejected),
	TEST(every_error_is_reported_in_file_order),
	TEST(errors_stop_after_one_hundred),
	TEST(no_model_is_returned_on_error),
	TEST(missing_file_returns_errno_and_one_line),
	TEST(load_from_file_records_the_path),
	TEST(directory_of_manifests_is_merged_in_name_order),
	TEST(app_in_one_file_may_use_a_network_of_another),
	TEST(directory_errors_name_each_file_line_and_column),
	TEST(directory_without_manifests_is_an_error),
	TEST(kubernetes_volume_is_read_through_its_data_link),
	TEST(gzip_manifest_file_loads_and_a_bad_one_says_why),
	TEST(gzip_bomb_is_refused_at_sixteen_mib),
	TEST(malformed_manifest_set_is_an_error),
	TEST(links_resolve_to_the_services_they_name_in_order),
	TEST(link_may_name_a_service_written_later),
	TEST(links_null_is_no_links),
	TEST(link_variable_is_the_name_uppercased_with_underscores),
	TEST(link_to_unknown_service_suggests_the_closest),
	TEST(link_to_unknown_service_far_from_all_lists_them),
	TEST(link_to_unknown_app_suggests_the_closest),
	TEST(link_to_the_service_itself_is_rejected),
	TEST(link_listed_twice_is_rejected),
	TEST(link_to_a_service_without_tcp_port_cannot_make_a_url),
	TEST(links_that_set_one_variable_are_rejected),
	TEST(invalid_link_forms_are_rejected),
	TEST(link_into_an_isolated_network_needs_its_instances_admitted),
	TEST(links_are_freed_with_the_model),
	TEST(link_to_an_app_of_another_file_of_a_directory),
};

int main(int argc, char **argv)
{
	int ret = run_tests(tests, ARRAY_SIZE(tests), argc, argv);

	free(errs);
	return ret;
}
