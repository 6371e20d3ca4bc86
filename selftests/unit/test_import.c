// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the convox.yml import (user/lib/convox/): what carries over
 * to the manifest (ports in every form, internal, internalAndExternal,
 * health, links from links: and from environment URLs), what is said in a
 * comment instead, every error with its position, and that every manifest
 * made loads with the manifest parser, links resolved. No root, no BPF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convox.h"
#include "manifest.h"
#include "test.h"

static char *out, *errs;	/* what the last import wrote and printed */
static size_t out_len, errs_len;

/* Imports `yaml` as file "c.yml" for app `app`; output in out, errors in errs. */
static int import(const char *yaml, const char *app)
{
	FILE *o, *e;
	int ret;

	free(out);
	free(errs);
	out = errs = NULL;
	o = open_memstream(&out, &out_len);
	e = open_memstream(&errs, &errs_len);
	if (!CHECK(o && e, "open_memstream: %s", strerror(errno)))
		return -ENOMEM;
	ret = convox_import(yaml, strlen(yaml), "c.yml", app, o, e);
	fclose(o);
	fclose(e);
	if (test_verbose)
		printf("%s%s", out, errs);
	return ret;
}

/* The manifest made, loaded (NULL after a failed CHECK). */
static struct manifest *import_ok(const char *yaml, const char *app)
{
	struct manifest *m = NULL;
	FILE *e;
	char *lerrs = NULL;
	size_t lerrs_len = 0;
	int ret = import(yaml, app);

	if (!CHECK(ret == 0, "import failed (%d): %s", ret, errs) ||
	    !CHECK(errs_len == 0, "errors printed on success: %s", errs))
		return NULL;
	e = open_memstream(&lerrs, &lerrs_len);
	ret = manifest_load_buf(out, out_len, "made.yml", &m, e);
	fclose(e);
	CHECK(ret == 0 && m, "the manifest made does not load (%d): %s\n%s", ret, lerrs, out);
	free(lerrs);
	return m;
}

/* The import fails with exactly `want` printed and nothing written. */
static void import_bad(const char *yaml, const char *want)
{
	int ret = import(yaml, "shop");

	CHECK_EQ(ret, -EINVAL);
	CHECK(errs && !strcmp(errs, want), "errors:\n%s\nwant:\n%s", errs ? errs : "", want);
	CHECK(out_len == 0, "written on failure: %s", out);
}

static const struct mf_service *svc(const struct manifest *m, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; m && m->napps == 1 && i < m->apps[0].nservices; i++) {
		if (!strcmp(m->apps[0].services[i].name, name)) {
			if (idx)
				*idx = i;
			return &m->apps[0].services[i];
		}
	}
	CHECK(false, "no service %s", name);
	return NULL;
}

/* The service's first port, 0 if none. */
static unsigned int port_of(const struct manifest *m, const char *name)
{
	const struct mf_service *s = svc(m, name, NULL);

	return s && s->nports ? s->ports[0].port : 0;
}

/* The service's links, as "a,b" in order. */
static const char *links_of(const struct manifest *m, const char *name)
{
	static char buf[256];
	const struct mf_service *s = svc(m, name, NULL);
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; s && i < s->nlinks; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "," : "",
				      m->apps[0].services[s->links[i].svc].name);
	return buf;
}

/* ---------------------------------------------------------------------- */

/* The Convox blog's complete example (seeds/000), whole. */
static const char *seed000 =
	"environment:\n"
	"  - DATABASE_URL\n"
	"  - REDIS_URL\n"
	"  - ADMIN_API_URL=http://admin.myapp.convox.local:4000\n"
	"\n"
	"services:\n"
	"  web:\n"
	"    build: .\n"
	"    command: bin/web\n"
	"    port: 3000\n"
	"    health: /health\n"
	"    scale:\n"
	"      count: 2-10\n"
	"      targets:\n"
	"        cpu: 70\n"
	"\n"
	"  admin:\n"
	"    build: .\n"
	"    command: bin/admin\n"
	"    port: 4000\n"
	"    internal: true\n"
	"    health: /health\n"
	"    environment:\n"
	"      - ADMIN_SECRET\n"
	"\n"
	"  worker:\n"
	"    build: .\n"
	"    command: bin/worker\n"
	"    internal: true\n"
	"    scale:\n"
	"      count: 1-5\n"
	"\n"
	"resources:\n"
	"  database:\n"
	"    type: postgres\n"
	"  cache:\n"
	"    type: redis\n";

static void test_seed_example_becomes_this_manifest(void)
{
	const char *want =
		"# The manifest of app myapp, made by `enforcer import` (docs/convox.md) from\n"
		"# c.yml\n"
		"#\n"
		"# Instances are left to the platform: no service lists instances:, so the\n"
		"# policy names no address until they are added (instances: [ADDR, ...]).\n"
		"#\n"
		"# The rack's private ranges (VPC, peered VPCs, VPN) are the sources admitted\n"
		"# to internal services; set them before applying:\n"
		"# private:\n"
		"#   - 10.0.0.0/16\n"
		"#\n"
		"# Private names as Convox classic gives them; `enforcer env APP SERVICE` makes\n"
		"# link URLs from the first zone. Convox v2's names are\n"
		"# \"{service}.{app}.{rack}.convox\", with rack: NAME.\n"
		"zones:\n"
		"  - \"{service}.{app}.convox.local\"\n"
		"#\n"
		"# Resources (database, cache) are not services here: add each as a service\n"
		"# with its port and instances for the enforcer to keep it internal.\n"
		"apps:\n"
		"  myapp:\n"
		"    services:\n"
		"      web:\n"
		"        port: 3000\n"
		"        health: /health\n"
		"        links:\n"
		"          - admin  # from ADMIN_API_URL in the top-level environment\n"
		"      admin:\n"
		"        port: 4000\n"
		"        internal: true\n"
		"        health: /health\n"
		"      worker:\n"
		"        internal: true\n"
		"        links:\n"
		"          - admin  # from ADMIN_API_URL in the top-level environment\n";
	struct manifest *m = import_ok(seed000, "myapp");

	CHECK(out && !strcmp(out, want), "made:\n%s\nwant:\n%s", out ? out : "", want);
	if (!m)
		return;
	CHECK(svc(m, "web", NULL)->is_public, "web is public");
	CHECK(!svc(m, "admin", NULL)->is_public && svc(m, "admin", NULL)->internal, "admin");
	CHECK(svc(m, "worker", NULL)->nports == 0, "the worker has no port");
	CHECK(svc(m, "web", NULL)->has_health && svc(m, "web", NULL)->health.port == 3000 &&
	      !strcmp(svc(m, "web", NULL)->health.path, "/health"), "web's health");
	CHECK(!strcmp(links_of(m, "web"), "admin"), "web links: %s", links_of(m, "web"));
	CHECK(!strcmp(links_of(m, "admin"), ""), "admin links: %s", links_of(m, "admin"));
	CHECK_EQ(manifest_count_instances(m), 0);
	manifest_free(m);
}

static void test_port_forms_carry_the_number_and_say_the_scheme(void)
{
	struct manifest *m = import_ok("services:\n"
				       "  a: { port: 3000 }\n"
				       "  b: { port: \"3001\" }\n"
				       "  c: { port: https:3002 }\n"
				       "  d: { port: GRPC:3003 }\n"
				       "  e: { port: http:3004 }\n", "shop");

	if (!m)
		return;
	CHECK(port_of(m, "a") == 3000 && port_of(m, "b") == 3001 && port_of(m, "c") == 3002 &&
	      port_of(m, "d") == 3003 && port_of(m, "e") == 3004, "the numbers");
	CHECK_STR_CONTAINS(out, "      c:\n        # port: https:3002: it speaks https, but link "
			   "URLs to it say http:// (docs/convox.md)\n        port: 3002\n");
	CHECK_STR_CONTAINS(out, "# port: grpc:3003: it speaks grpc");
	CHECK(!strstr(out, "http:3004"), "plain http needs no comment:\n%s", out);
	manifest_free(m);
}

static void test_bad_ports_are_errors_at_their_place(void)
{
	import_bad("services:\n"
		   "  a: { port: tcp:80 }\n"
		   "  b: { port: 0 }\n"
		   "  c: { port: 65536 }\n"
		   "  d: { port: \"080\" }\n"
		   "  e: { port: [80] }\n"
		   "  f: { port: \"https:\" }\n",
		   "c.yml:2:14: services.a.port: unknown scheme 'tcp' in port 'tcp:80' (expected "
		   "N, http:N, https:N or grpc:N)\n"
		   "c.yml:3:14: services.b.port: invalid port '0' (expected a port number "
		   "1..65535, such as 3000 or https:3000)\n"
		   "c.yml:4:14: services.c.port: invalid port '65536' (expected a port number "
		   "1..65535, such as 3000 or https:3000)\n"
		   "c.yml:5:14: services.d.port: invalid port '080' (expected a port number "
		   "1..65535, such as 3000 or https:3000)\n"
		   "c.yml:6:14: services.e.port: got a list (expected a port such as 3000 or "
		   "https:3000)\n"
		   "c.yml:7:14: services.f.port: invalid port 'https:' (expected a port number "
		   "1..65535, such as 3000 or https:3000)\n");
}

static void test_internal_and_external_carry_over(void)
{
	struct manifest *m = import_ok("services:\n"
				       "  api: { port: 80, internalAndExternal: true }\n"
				       "  both: { port: 81, internal: yes,\n"
				       "          internalAndExternal: on }\n"
				       "  worker: { internal: true }\n"
				       "  bare: {}\n"
				       "  none:\n", "shop");

	if (!m)
		return;
	CHECK(svc(m, "api", NULL)->internal_and_external && svc(m, "api", NULL)->is_public, "api");
	CHECK(svc(m, "both", NULL)->internal && svc(m, "both", NULL)->internal_and_external,
	      "both");
	CHECK(!svc(m, "bare", NULL)->is_public && !svc(m, "none", NULL)->is_public, "portless");
	CHECK_STR_CONTAINS(out, "      bare: {}\n        # no port: internal, as in convox.yml\n"
			   "      none: {}\n");
	manifest_free(m);
	import_bad("services:\n  a: { port: 80, internal: maybe }\n",
		   "c.yml:2:28: services.a.internal: invalid boolean 'maybe' (expected true or "
		   "false)\n");
}

static void test_internal_and_external_without_a_port_is_left_out(void)
{
	struct manifest *m = import_ok("services:\n  batch: { internalAndExternal: true }\n",
				       "shop");

	CHECK_STR_CONTAINS(out, "# internalAndExternal: true left out: no port to expose\n");
	CHECK(m && !svc(m, "batch", NULL)->internal_and_external, "left out");
	manifest_free(m);
}

static void test_health_forms(void)
{
	size_t i;
	struct manifest *m = import_ok(
		"services:\n"
		"  a: { port: 80, health: /check }\n"
		"  b: { port: 81, health: { path: /h, interval: 10, timeout: 3, grace: 30 } }\n"
		"  c: { port: 82, health: { timeout: 9 } }\n"
		"  d: { port: https:83, health: /h }\n"
		"  e: { health: /h }\n"
		"  f: { port: 84, health: { path: /h, disable: true } }\n"
		"  g: { port: 85, health: check }\n"
		"  h: { port: 86, health: { interval: 5s } }\n"
		"  i: { port: 87, health: \"/a,b\" }\n", "shop");

	if (!m)
		return;
	CHECK_STR_CONTAINS(out, "        health: /check\n");
	CHECK_STR_CONTAINS(out, "      b:\n        # health grace: 30 left out (no such setting "
			   "here)\n        port: 81\n        health: { path: /h, interval: 10, "
			   "timeout: 3 }\n");
	/* Convox's default path is "/"; the timeout must fit in the interval */
	CHECK_STR_CONTAINS(out, "      c:\n        # health timeout: 9 left out (longer than the "
			   "interval, 5 s)\n        port: 82\n        health: { path: / }\n");
	CHECK_STR_CONTAINS(out, "# health: a TCP connect (an HTTP GET of /h would fail: https on "
			   "83)\n        port: 83\n        health: { port: 83 }\n");
	CHECK_STR_CONTAINS(out, "      e: {}\n        # no port: internal, as in convox.yml\n"
			   "        # health: left out (no port to probe)\n");
	CHECK_STR_CONTAINS(out, "# health: disabled in convox.yml, left out\n");
	CHECK_STR_CONTAINS(out, "# health path 'check' left out (expected a path starting with "
			   "'/', no spaces, under 256 characters)\n");
	CHECK_STR_CONTAINS(out, "# health interval: 5s left out (expected seconds 1..3600)\n");
	CHECK_STR_CONTAINS(out, "        health: \"/a,b\"\n");
	CHECK(svc(m, "b", NULL)->has_health && svc(m, "b", NULL)->health.interval == 10 &&
	      svc(m, "b", NULL)->health.timeout == 3, "b's probe");
	CHECK(svc(m, "d", NULL)->has_health && !svc(m, "d", NULL)->health.path &&
	      svc(m, "d", NULL)->health.port == 83, "d: TCP connect");
	for (i = 0; i < 3; i++)
		CHECK(!svc(m, (const char *[]){ "e", "f", "g" }[i], NULL)->has_health, "no health");
	CHECK(!strcmp(svc(m, "i", NULL)->health.path, "/a,b"), "quoted path");
	manifest_free(m);
}

static void test_ports_list_is_left_out_with_a_comment(void)
{
	struct manifest *m = import_ok("services:\n"
				       "  web:\n    port: 80\n    ports: [5001, 5002/udp]\n"
				       "  db:\n    internal: true\n    port: 5432\n"
				       "    ports:\n      - 5001\n      - port: 5002\n"
				       "        protocol: udp\n", "shop");

	CHECK_STR_CONTAINS(out, "# ports 5001, 5002/udp left out: declared here they would face "
			   "the internet (inside the rack every port is open)\n");
	CHECK_STR_CONTAINS(out, "# ports 5001, 5002 left out: inside the rack every port is "
			   "open\n");
	CHECK(m && svc(m, "web", NULL)->nports == 1 && svc(m, "db", NULL)->nports == 1,
	      "only port:");
	manifest_free(m);
}

static void test_links_carry_over_and_are_checked(void)
{
	struct manifest *m = import_ok("services:\n"
				       "  web: { port: 3000, links: [api, db] }\n"
				       "  api: { port: 4000, internal: true }\n"
				       "  db: { port: 5432, internal: true, links: [api] }\n",
				       "backend");

	if (m) {
		CHECK(!strcmp(links_of(m, "web"), "api,db"), "web: %s", links_of(m, "web"));
		CHECK(!strcmp(links_of(m, "db"), "api"), "db: %s", links_of(m, "db"));
	}
	manifest_free(m);
	import_bad("services:\n"
		   "  web:\n"
		   "    port: 3000\n"
		   "    links:\n"
		   "      - apl\n"
		   "      - web\n"
		   "      - worker\n"
		   "      - api\n"
		   "      - api\n"
		   "      - [x]\n"
		   "      - zzzzzz\n"
		   "  api: { port: 4000 }\n"
		   "  worker: { links: api }\n",
		   "c.yml:5:9: services.web.links[0]: unknown service 'apl' (did you mean api? "
		   "services: web, api, worker)\n"
		   "c.yml:6:9: services.web.links[1]: a link to the service itself (a service "
		   "needs no link to reach itself)\n"
		   "c.yml:7:9: services.web.links[2]: cannot make a URL for worker: it has no port "
		   "(a link's URL names the service's port; give it port: N, or remove the link)\n"
		   "c.yml:9:9: services.web.links[4]: 'api' is listed twice (each service once)\n"
		   "c.yml:10:9: services.web.links[5]: got a list (expected a service name such as "
		   "api)\n"
		   "c.yml:11:9: services.web.links[6]: unknown service 'zzzzzz' (services: web, "
		   "api, worker)\n"
		   "c.yml:13:20: services.worker.links: got 'api' (expected a list of service "
		   "names such as [api])\n");
}

/* A URL names a service by its internal name: svc, svc.APP,
 * svc.APP.convox.local, svc.APP.RACK.convox; any scheme, user info, case. */
static void test_environment_urls_naming_a_service_become_links(void)
{
	struct manifest *m = import_ok(
		"environment:\n"
		"  - A_URL=http://a.shop.convox.local:4000\n"
		"  - NOT_OURS=http://n1.other.convox.local:4000\n"
		"  - NO_URL=n2.shop.convox.local\n"
		"  - THREE=http://n3.shop.convox:4000\n"
		"  - FIVE=http://n4.shop.x.y.convox\n"
		"  - NOT_CONVOX=http://n5.shop.example.com\n"
		"  - V6=http://[fd00::1]:80\n"
		"  - BAD_SCHEME=1http://n6\n"
		"  - NO_SCHEME=://n8\n"
		"  - SECRET\n"
		"services:\n"
		"  a: { port: 4000 }\n"
		"  b:\n"
		"    port: 80\n"
		"    environment:\n"
		"      - C_URL=postgres://user:pw@C.SHOP.production.convox:5432/db\n"
		"      - D=redis://d\n"
		"      - E=https://e.shop/x?y=1#z\n"
		"      - NOPORT=http://worker\n"
		"      - AT_IN_PATH=http://n7/x@f\n"
		"  c: { port: 5432 }\n"
		"  d: { port: 6379 }\n"
		"  e: { port: 443 }\n"
		"  f: { port: 1 }\n"
		"  n1: { port: 1 }\n"
		"  n2: { port: 1 }\n"
		"  n3: { port: 1 }\n"
		"  n4: { port: 1 }\n"
		"  n5: { port: 1 }\n"
		"  n6: { port: 1 }\n"
		"  n7: { port: 1 }\n"
		"  n8: { port: 1 }\n"
		"  worker: {}\n", "shop");

	if (!m)
		return;
	CHECK(!strcmp(links_of(m, "a"), ""), "a: %s", links_of(m, "a"));
	/* n7 is the host: "@" after the path does not start one */
	CHECK(!strcmp(links_of(m, "b"), "c,d,e,n7,a"), "b: %s", links_of(m, "b"));
	CHECK(!strcmp(links_of(m, "worker"), "a"), "worker: %s", links_of(m, "worker"));
	CHECK_STR_CONTAINS(out, "          - c  # from C_URL in its environment\n");
	CHECK_STR_CONTAINS(out, "          - a  # from A_URL in the top-level environment\n");
	manifest_free(m);
}

static void test_link_named_twice_is_one_link_from_its_first_source(void)
{
	struct manifest *m = import_ok("environment:\n  - API=http://api\n"
				       "services:\n"
				       "  web:\n"
				       "    port: 80\n"
				       "    links: [api]\n"
				       "    environment: [API_URL=http://api.shop:4000]\n"
				       "  api: { port: 4000 }\n", "shop");

	if (m)
		CHECK(!strcmp(links_of(m, "web"), "api"), "web: %s", links_of(m, "web"));
	CHECK_STR_CONTAINS(out, "        links:\n          - api\n      api:");
	manifest_free(m);
}

static void test_bad_environment_is_an_error(void)
{
	import_bad("environment: FOO=bar\n"
		   "services:\n"
		   "  web:\n"
		   "    environment:\n"
		   "      - =bar\n"
		   "      - { A: b }\n",
		   "c.yml:1:14: environment: got 'FOO=bar' (expected a list of NAME or "
		   "NAME=value)\n"
		   "c.yml:5:9: services.web.environment[0]: invalid variable '=bar' (expected NAME "
		   "or NAME=value)\n"
		   "c.yml:6:9: services.web.environment[1]: got a mapping (expected NAME or "
		   "NAME=value)\n");
}

static void test_not_a_convox_yml_is_an_error_with_its_position(void)
{
	import_bad("services:\n  web:\n    port: 3000\n  - x\n",
		   "c.yml:4:3: yaml: did not find expected key (while parsing a block mapping at "
		   "line 2 column 3)\n");
	import_bad("", "c.yml:1:1: convox.yml: empty file (expected a mapping with services:)\n");
	import_bad("# nothing\n",
		   "c.yml:1:1: convox.yml: empty file (expected a mapping with services:)\n");
	import_bad("- a\n", "c.yml:1:1: convox.yml: got a list (expected a mapping with "
		   "services:)\n");
	import_bad("resources:\n  db: { type: postgres }\n",
		   "c.yml:1:1: convox.yml: no services: (expected services: with at least one "
		   "service, as in a convox.yml)\n");
	import_bad("services:\n", "c.yml:1:10: services: got no value (expected a mapping of "
		   "service names to services)\n");
	import_bad("services: {}\n", "c.yml:1:11: services: got no services (expected a mapping "
		   "of service names to services)\n");
	import_bad("services: { a: {} }\n---\nservices: {}\n",
		   "c.yml:2:1: yaml: a second document (expected one convox.yml)\n");
	import_bad("services: { a: 3 }\n",
		   "c.yml:1:16: services.a: got '3' (expected a service mapping)\n");
}

static void test_service_names_must_be_manifest_names_once(void)
{
	import_bad("services:\n  web_2: {}\n  Web: {}\n  web: {}\n  '': {}\n",
		   "c.yml:2:3: services: invalid service name 'web_2' (expected 1-63 characters "
		   "a-z, 0-9 and '-', as a DNS label)\n"
		   "c.yml:4:3: services: service 'web' is listed twice (first at line 3)\n"
		   "c.yml:5:3: services: invalid service name '' (expected 1-63 characters a-z, "
		   "0-9 and '-', as a DNS label)\n");
	import_bad("services:\n  web: { port: 80 }\n  web: { port: 81 }\n",
		   "c.yml:3:3: services: service 'web' is listed twice (first at line 2)\n");
	import_bad("services:\n  web: { port: 80, port: 81 }\n",
		   "c.yml:2:20: services.web: duplicate key 'port' (each key once; first at line "
		   "2)\n");
}

static void test_merge_keys_share_settings(void)
{
	struct manifest *m = import_ok("x-base: &base\n"
				       "  port: 3000\n"
				       "  internal: true\n"
				       "services:\n"
				       "  a:\n"
				       "    <<: *base\n"
				       "  b:\n"
				       "    <<: [*base]\n"
				       "    port: 4000\n", "shop");

	if (!m)
		return;
	CHECK(port_of(m, "a") == 3000 && svc(m, "a", NULL)->internal, "a");
	CHECK(port_of(m, "b") == 4000 && svc(m, "b", NULL)->internal, "b");
	manifest_free(m);
}

static void test_unknown_keys_are_ignored(void)
{
	struct manifest *m = import_ok("appSettings: { awsLogs: { cwRetention: 31 } }\n"
				       "timers: { t: { schedule: x, command: y, service: web } }\n"
				       "services:\n"
				       "  web: { build: ., image: x, scale: { count: 2 },\n"
				       "         port: 80, domain: x.example.com,\n"
				       "         whitelist: 10.0.0.0/8 }\n",
				       "shop");

	CHECK(m && svc(m, "web", NULL)->is_public, "web");
	manifest_free(m);
}

static void test_app_names_are_normalised_and_checked(void)
{
	char name[CONVOX_NAME_MAX];

	CHECK(!convox_app_name("My Shop", name) && !strcmp(name, "my-shop"), "My Shop: %s", name);
	CHECK_EQ(convox_app_name("my_shop", name), -EINVAL);
	CHECK_EQ(convox_app_name("", name), -EINVAL);
	CHECK_EQ(convox_app_name("-shop", name), -EINVAL);
	CHECK_EQ(convox_app_name("a23456789012345678901234567890123456789012345678901234567890"
				 "1234", name), -EINVAL);
	CHECK_EQ(convox_app_name("a23456789012345678901234567890123456789012345678901234567890"
				 "123", name), 0);
}

static void test_service_named_null_is_quoted(void)
{
	struct manifest *m = import_ok("services:\n  \"null\": { port: 80 }\n"
				       "  web: { port: 81, links: [\"null\"] }\n", "null");

	CHECK_STR_CONTAINS(out, "  \"null\":\n    services:\n      \"null\":\n");
	CHECK_STR_CONTAINS(out, "          - \"null\"\n");
	CHECK(m && !strcmp(links_of(m, "web"), "null"), "web links null");
	manifest_free(m);
}

static void test_deep_nesting_is_refused_before_loading(void)
{
	char *yaml = malloc(70 * 2 + 64);
	size_t i, o = 0;

	if (!CHECK(yaml, "malloc"))
		return;
	o += (size_t)sprintf(yaml, "services:\n  x: ");
	for (i = 0; i < 70; i++)
		yaml[o++] = '[';
	for (i = 0; i < 70; i++)
		yaml[o++] = ']';
	yaml[o++] = '\n';
	yaml[o] = '\0';
	import_bad(yaml, "c.yml:2:68: yaml: nesting deeper than 64 levels\n");
	free(yaml);
}

static void test_errors_stop_after_one_hundred(void)
{
	char *yaml = malloc(200 * 32);
	size_t i, o = 0;

	if (!CHECK(yaml, "malloc"))
		return;
	o += (size_t)sprintf(yaml, "services:\n");
	for (i = 0; i < 200; i++)
		o += (size_t)sprintf(yaml + o, "  s%zu: { port: 0 }\n", i);
	CHECK_EQ(import(yaml, "shop"), -EINVAL);
	CHECK_STR_CONTAINS(errs, "c.yml: too many errors, stopped after 100\n");
	CHECK_STR_CONTAINS(errs, "c.yml:101:16: services.s99.port: invalid port '0'");
	CHECK(!strstr(errs, "s100.port"), "the 101st error is not printed");
	free(yaml);
}

static void test_services_and_links_are_bounded(void)
{
	size_t i, o = 0, cap = 2 * 1024 * 1024;
	char *yaml = malloc(cap);

	if (!CHECK(yaml, "malloc"))
		return;
	o += (size_t)snprintf(yaml, cap, "services:\n");
	for (i = 0; i < 65536; i++)
		o += (size_t)snprintf(yaml + o, cap - o, "  s%zu: {}\n", i);
	import_bad(yaml, "c.yml:2:3: services: 65536 services (at most 65535, as in a "
		   "manifest)\n");
	/* 1000 top-level URLs, each a link of 1100 services: over 2^20 links */
	o = (size_t)snprintf(yaml, cap, "environment:\n");
	for (i = 0; i < 1000; i++)
		o += (size_t)snprintf(yaml + o, cap - o, "  - U%zu=http://s%zu\n", i, i);
	o += (size_t)snprintf(yaml + o, cap - o, "services:\n");
	for (i = 0; i < 1100; i++)
		o += (size_t)snprintf(yaml + o, cap - o, "  s%zu: { port: 80 }\n", i);
	import_bad(yaml, "c.yml:1:1: convox.yml: more than 1048576 links in all (links, and "
		   "environment URLs that name services)\n");
	free(yaml);
}

static const struct test_case tests[] = {
	TEST(seed_example_becomes_this_manifest),
	TEST(port_forms_carry_the_number_and_say_the_scheme),
	TEST(bad_ports_are_errors_at_their_place),
	TEST(internal_and_external_carry_over),
	TEST(internal_and_external_without_a_port_is_left_out),
	TEST(health_forms),
	TEST(ports_list_is_left_out_with_a_comment),
	TEST(links_carry_over_and_are_checked),
	TEST(environment_urls_naming_a_service_become_links),
	TEST(link_named_twice_is_one_link_from_its_first_source),
	TEST(bad_environment_is_an_error),
	TEST(not_a_convox_yml_is_an_error_with_its_position),
	TEST(service_names_must_be_manifest_names_once),
	TEST(merge_keys_share_settings),
	TEST(unknown_keys_are_ignored),
	TEST(app_names_are_normalised_and_checked),
	TEST(service_named_null_is_quoted),
	TEST(deep_nesting_is_refused_before_loading),
	TEST(errors_stop_after_one_hundred),
	TEST(services_and_links_are_bounded),
};

int main(int argc, char **argv)
{
	int ret = run_tests(tests, ARRAY_SIZE(tests), argc, argv);

	free(out);
	free(errs);
	return ret;
}
