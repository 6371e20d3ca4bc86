// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer zone export [-f MANIFEST] [--view VIEW] [--dir DIR]
 *
 * The private zone(s) as RFC 1035 master files, one per (view, zone), so the
 * same data can be served by NSD or Knot. Without -f, the manifest the
 * generation in force was applied from is used, and only if its SHA-256
 * still matches what was applied (the node's truth, not a newer file).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "cli.h"
#include "log.h"
#include "manifest.h"
#include "state.h"
#include "zone.h"

int cmd_zone(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *file = NULL, *view = NULL, *dir = NULL;
	uint32_t serial = (uint32_t)time(NULL);
	char applied[PATH_MAX], *end;
	struct zone_compiled z = {};
	struct manifest *m = NULL;
	int c, err, code;

	if (cli_verb(cmd, &argc, &argv, "export", &code))
		return code;
	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'f':	/* --file */
			file = optarg;
			break;
		case 'w':	/* --view */
			view = optarg;
			break;
		case 'd':	/* --dir */
			dir = optarg;
			break;
		case 's':	/* --serial */
			errno = 0;
			serial = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				pr_err("zone export: invalid serial '%s' (expected 0..4294967295)\n",
				       optarg);
				return EXIT_BADINPUT;
			}
			break;
		case CLI_DONE:
			return code;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (!file) {
		err = cli_applied_manifest("zone export", applied, sizeof(applied), &serial);
		if (err)
			return err == -ENOENT || err == -ESTALE ? EXIT_BADINPUT : EXIT_RUNTIME;
		file = applied;
	}
	err = manifest_load(file, &m, stderr);
	if (err)
		return err == -EINVAL || err == -ENOENT ? EXIT_BADINPUT : EXIT_RUNTIME;
	err = zone_compile(m, serial, &z, stderr);
	if (!err) {
		err = zone_export(&z, m, view, dir, stdout);
		if (err == -ENOENT)
			pr_err("zone export: unknown view '%s' (rack, or an isolated network)\n",
			       view);
		else if (err)
			pr_err("zone export: cannot write zone files%s%s: %s\n", dir ? " to " : "",
			       dir ? dir : "", strerror(-err));
	}
	zone_free(&z);
	manifest_free(m);
	if (err == -EINVAL || err == -ENOENT)
		return EXIT_BADINPUT;
	return err ? EXIT_RUNTIME : 0;
}
