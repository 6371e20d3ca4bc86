// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer env [-f MANIFEST] [--json] APP SERVICE
 *
 * The environment a service's links give it, as Convox sets it: for each
 * link, <NAME>_URL (the linked service's name uppercased, '-' as '_') =
 * http://<its private name>:<its first TCP port>, one NAME=value a line,
 * sorted by name. The private name is the first zone template's name for
 * the linked service, the one `enforcer services` lists first (a template
 * with {index} names instances, not the service, and is passed over).
 *
 * The scheme is http: the enforcer keeps internal traffic on the private
 * network, it does not terminate TLS, so the URL names the instances' own
 * port (Convox classic's http://admin.myapp.convox.local:4000). Convox
 * v2's internal load balancer would give https://NAME on 443.
 *
 * Without -f, the manifest of the generation in force (while the file
 * still has the applied hash), as `services`.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "log.h"
#include "manifest.h"
#include "suggest.h"
#include "template.h"
#include "zone.h"

struct env_var {
	char name[MF_LINK_VAR_MAX];
	char value[TMPL_NAME_MAX + 32];
};

/* Lowercase, spaces to '-': names as the manifest normalises them. */
static void norm(const char *in, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < outsz; i++)
		out[i] = in[i] == ' ' ? '-' : (in[i] >= 'A' && in[i] <= 'Z') ? in[i] | 0x20 : in[i];
	out[i] = '\0';
}

static const struct mf_app *find_app(const struct manifest *m, const char *raw, const char *file)
{
	char name[MF_NAME_MAX + 1];
	struct suggest s;
	size_t i;

	norm(raw, name, sizeof(name));
	for (i = 0; i < m->napps; i++)
		if (!strcmp(m->apps[i].name, name))
			return &m->apps[i];
	suggest_init(&s, name);
	for (i = 0; i < m->napps; i++)
		suggest_add(&s, m->apps[i].name);
	if (s.best)
		pr_err("env: unknown app '%s'; did you mean '%s'?\n", raw, s.best);
	else
		pr_err("env: unknown app '%s' ('enforcer services%s%s' lists them)\n", raw,
		       file ? " -f " : "", file ? file : "");
	return NULL;
}

static const struct mf_service *find_service(const struct mf_app *a, const char *raw,
					     const char *file)
{
	char name[MF_NAME_MAX + 1];
	struct suggest s;
	size_t i;

	norm(raw, name, sizeof(name));
	for (i = 0; i < a->nservices; i++)
		if (!strcmp(a->services[i].name, name))
			return &a->services[i];
	suggest_init(&s, name);
	for (i = 0; i < a->nservices; i++)
		suggest_add(&s, a->services[i].name);
	if (s.best)
		pr_err("env: unknown service '%s' in app %s; did you mean '%s'?\n", raw, a->name,
		       s.best);
	else
		pr_err("env: unknown service '%s' in app %s ('enforcer services%s%s' lists "
		       "them)\n", raw, a->name, file ? " -f " : "", file ? file : "");
	return NULL;
}

static int var_cmp(const void *a, const void *b)
{
	return strcmp(((const struct env_var *)a)->name, ((const struct env_var *)b)->name);
}

/* Each link's variable into vars[] (s->nlinks of them), sorted; 0, or
 * EXIT_BADINPUT after saying which link has no name to point at. */
static int link_vars(const struct manifest *m, const struct mf_service *s, struct env_var *vars)
{
	char name[TMPL_NAME_MAX + 1];
	size_t i, zi;

	for (i = 0; i < s->nlinks; i++) {
		const struct mf_app *ta = &m->apps[s->links[i].app];
		const struct mf_service *ts = &ta->services[s->links[i].svc];

		for (zi = 0; zi < m->nzones; zi++)
			if (zone_service_name(m, zi, ta, ts, NULL, name, sizeof(name)) >= 0)
				break;
		if (zi == m->nzones) {
			pr_err("env: no zone template gives %s/%s a name of its own, so its link "
			       "has no URL (a template with {index} names instances; one without "
			       "{service} names only an app's web service)\n", ta->name, ts->name);
			return EXIT_BADINPUT;
		}
		manifest_link_var(ts->name, vars[i].name);
		snprintf(vars[i].value, sizeof(vars[i].value), "http://%s:%u", name,
			 manifest_first_tcp_port(ts));
	}
	qsort(vars, s->nlinks, sizeof(*vars), var_cmp);
	return 0;
}

static void print_vars(const struct env_var *vars, size_t n, bool json)
{
	json_object *o;
	size_t i;

	if (!json) {
		for (i = 0; i < n; i++)
			printf("%s=%s\n", vars[i].name, vars[i].value);
		return;
	}
	o = json_object_new_object();
	for (i = 0; o && i < n; i++)
		json_object_object_add(o, vars[i].name, json_object_new_string(vars[i].value));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_env(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *file = NULL;
	char applied[PATH_MAX];
	const struct mf_service *s;
	const struct mf_app *a;
	struct env_var *vars = NULL;
	struct manifest *m = NULL;
	int c, err, code, ret;
	bool json = false;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		if (c == CLI_DONE)
			return code;
		if (c == 'f')
			file = optarg;
		json |= c == 'j';	/* --json */
	}
	if (argc - optind != 2) {
		pr_err("env: %s (expected APP SERVICE)\n",
		       argc - optind < 2 ? "missing operands" : "too many operands");
		cli_usage(cmd, stderr);
		return EXIT_BADINPUT;
	}
	if (!file) {
		err = cli_applied_manifest("env", applied, sizeof(applied), NULL);
		if (err)
			return err == -ENOENT || err == -ESTALE ? EXIT_BADINPUT : EXIT_RUNTIME;
	}
	err = manifest_load(file ? file : applied, &m, stderr);
	if (err)
		return err == -EINVAL || err == -ENOENT ? EXIT_BADINPUT : EXIT_RUNTIME;
	ret = EXIT_BADINPUT;
	a = find_app(m, argv[optind], file);
	s = a ? find_service(a, argv[optind + 1], file) : NULL;
	if (!s)
		goto out;
	if (s->nlinks && !m->nzones) {
		pr_err("env: %s has no zones: a link's URL needs the private name of the service "
		       "it links to (add zones:, such as \"{service}.{app}.convox.local\")\n",
		       file ? file : applied);
		goto out;
	}
	vars = calloc(s->nlinks ? s->nlinks : 1, sizeof(*vars));
	if (!vars) {
		pr_err("env: cannot make the environment: %s\n", strerror(ENOMEM));
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = link_vars(m, s, vars);
	if (!ret)
		print_vars(vars, s->nlinks, json);
out:
	free(vars);
	manifest_free(m);
	return ret;
}
