// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer services [-f MANIFEST] [--json]
 *
 * Per app and service: its visibility, ports and private names, as
 * `convox services` prints SERVICE DOMAIN PORTS. Without -f, the manifest
 * of the generation in force (while the file still has the applied hash).
 * Names come from the zone-template language, the same expansion the zone
 * compiler uses; per-instance names ({index}, and the implicit N.<name>)
 * are shown as one pattern.
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
#include "names.h"
#include "template.h"
#include "zone.h"

static const char *visibility(const struct mf_service *s)
{
	if (!s->is_public)
		return "internal";
	return s->internal_and_external ? "internal+external" : "public";
}

/* The service's names, one per template that names it ("{index}" stands
 * for the instance number), into `out` (joined by ", "). */
static void domains(const struct manifest *m, const struct mf_app *a, const struct mf_service *s,
		    json_object *arr, char *out, size_t outsz)
{
	char name[TMPL_NAME_MAX + 16];
	size_t i, used_len = 0;

	out[0] = '\0';
	for (i = 0; i < m->nzones; i++) {
		if (zone_service_name(m, i, a, s, "{index}", name, sizeof(name)) < 0)
			continue;
		if (arr)
			json_object_array_add(arr, json_object_new_string(name));
		used_len += (size_t)snprintf(out + used_len, used_len < outsz ? outsz - used_len : 0,
					     "%s%s", used_len ? ", " : "", name);
	}
	if (!used_len)
		snprintf(out, outsz, "-");
}

static void ports(const struct mf_service *s, json_object *arr, char *out, size_t outsz)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < s->nports; i++) {
		char p[16];

		snprintf(p, sizeof(p), "%u/%s", s->ports[i].port, enf_proto_name(s->ports[i].proto));
		if (arr)
			json_object_array_add(arr, json_object_new_string(p));
		len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s",
					len ? " " : "", p);
	}
	if (!len)
		snprintf(out, outsz, "-");
}

int cmd_services(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *file = NULL;
	char applied[PATH_MAX], doms[4096], prts[512], svc[2 * MF_NAME_MAX + 2];
	json_object *root = NULL;
	struct manifest *m = NULL;
	int c, json = 0, err, code;
	size_t i, j;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		if (c == CLI_DONE)
			return code;
		if (c == 'f')
			file = optarg;
		json |= c == 'j';	/* --json */
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (!file) {
		err = cli_applied_manifest("services", applied, sizeof(applied), NULL);
		if (err)
			return err == -ENOENT || err == -ESTALE ? EXIT_BADINPUT : EXIT_RUNTIME;
		file = applied;
	}
	err = manifest_load(file, &m, stderr);
	if (err)
		return err == -EINVAL || err == -ENOENT ? EXIT_BADINPUT : EXIT_RUNTIME;
	if (json)
		root = json_object_new_array();
	else
		printf("%-32s %-17s %-24s %s\n", "SERVICE", "VISIBILITY", "PORTS", "DOMAIN");
	for (i = 0; i < m->napps; i++) {
		const struct mf_app *a = &m->apps[i];

		for (j = 0; j < a->nservices; j++) {
			const struct mf_service *s = &a->services[j];
			json_object *o = NULL, *pa = NULL, *da = NULL;

			if (json) {
				o = json_object_new_object();
				pa = json_object_new_array();
				da = json_object_new_array();
			}
			ports(s, pa, prts, sizeof(prts));
			domains(m, a, s, da, doms, sizeof(doms));
			if (!json) {
				snprintf(svc, sizeof(svc), "%s/%s", a->name, s->name);
				printf("%-32s %-17s %-24s %s\n", svc, visibility(s), prts, doms);
				continue;
			}
			json_object_object_add(o, "app", json_object_new_string(a->name));
			json_object_object_add(o, "service", json_object_new_string(s->name));
			json_object_object_add(o, "network",
					       json_object_new_string(m->networks[a->network].name));
			json_object_object_add(o, "visibility", json_object_new_string(visibility(s)));
			json_object_object_add(o, "ports", pa);
			json_object_object_add(o, "domains", da);
			json_object_object_add(o, "instances", json_object_new_uint64(s->ninstances));
			json_object_array_add(root, o);
		}
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	manifest_free(m);
	return 0;
}
