// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer apply -f MANIFEST [--dry-run]   compile, validate, swap in atomically
 * enforcer check -f MANIFEST               validate only
 *
 * Everything that can fail on bad input (parse, validation, compile limits)
 * happens before the kernel state is opened, so a bad manifest leaves the
 * policy in force untouched.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "pipeline.h"

/* Read, validate and compile; returns an exit code (0 = ok). */
static int load_and_compile(const char *path, struct pipeline *p)
{
	int err = pipeline_compile_file(path, p, stderr);

	if (!err)
		return 0;
	/* unreadable or invalid input is the caller's to fix; the rest is ours */
	return err == -ENOMEM ? EXIT_RUNTIME : EXIT_BADINPUT;
}

static void print_summary(const char *verb, const char *path, const struct compiled *c)
{
	const struct enf_policy *p = &c->policy;

	printf("%s %s: %u apps, %u services, %u instances; maps: %u addresses, %u public ports, "
	       "%u source prefixes in %u classes, %u admission entries; mode %s\n",
	       verb, path, p->apps, p->services, p->instances, p->dests, p->ports,
	       p->src_prefixes, p->src_classes, p->admit_entries,
	       p->mode == ENF_MODE_AUDIT ? "audit" : "enforce");
}

/* -f MANIFEST and, for apply, --dry-run; returns -1 after --help. */
static int parse_file_opts(const struct cli_cmd *cmd, int argc, char **argv, const char **path,
			   int *dry_run)
{
	int c, code;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'f':	/* --file */
			*path = optarg;
			break;
		case 'n':	/* --dry-run */
			if (!dry_run) {
				/* --dry-run is apply's: check never changes anything */
				pr_err("%s: unknown option '--dry-run' (apply --dry-run shows what "
				       "would be applied)\n", cmd->name);
				cli_see_help(cmd->name);
				return EXIT_BADINPUT;
			}
			*dry_run = 1;
			break;
		case CLI_DONE:
			return code ? code : -1;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (*path)
		return cli_manifest_arg(*path);
	pr_err("%s: missing -f MANIFEST\n", cmd->name);
	cli_usage(cmd, stderr);
	return EXIT_BADINPUT;
}

int cmd_check(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *path = NULL;
	struct pipeline p;
	int ret;

	ret = parse_file_opts(cmd, argc, argv, &path, NULL);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load_and_compile(path, &p);
	if (ret)
		return ret;
	print_summary("valid", p.path, &p.c);
	pipeline_free(&p);
	return 0;
}

int cmd_apply(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *path = NULL;
	struct enf_state st;
	struct pipeline p;
	uint64_t gen = 0;
	int dry_run = 0, ret, err;

	ret = parse_file_opts(cmd, argc, argv, &path, &dry_run);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load_and_compile(path, &p);
	if (ret)
		return ret;
	if (dry_run) {
		print_summary("would apply", p.path, &p.c);
		goto out;
	}
	state_init(&st);
	err = state_open(&st, cli.pin_dir, true, true);
	if (!err)
		err = pipeline_apply_node(&st, &p, &gen);
	state_close(&st);
	if (err) {
		pr_err("cannot apply %s: %s (the policy in force is unchanged)\n", p.path,
		       strerror(-err));
		ret = EXIT_RUNTIME;
		goto out;
	}
	print_summary("applied", p.path, &p.c);
	printf("generation %llu is in force (pin dir %s)\n", (unsigned long long)gen, cli.pin_dir);
out:
	pipeline_free(&p);
	return ret;
}
