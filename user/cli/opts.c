// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A subcommand's options: getopt_long with --help, unknown options and
 * stray operands answered in one place, so that each command's switch
 * holds only the options that are its own.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "log.h"
#include "suggest.h"

void cli_usage(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: enforcer [--pin-dir DIR] %s\n%s", cmd->synopsis,
		cmd->details ? cmd->details : "");
}

void cli_see_help(const char *who)
{
	if (who)
		pr_err("'enforcer %s --help' shows its usage\n", who);
	else
		pr_err("'enforcer --help' lists the commands and options\n");
}

static const struct option *long_opt_of(const struct option *longopts, int val)
{
	for (; longopts->name; longopts++)
		if (longopts->val == val)
			return longopts;
	return NULL;
}

/* "--name" or "--name=value" that getopt_long did not take (optopt 0):
 * unknown, or a prefix of several options. `pfx` is "" or "CMD: ". */
static void bad_long_option(const char *pfx, const struct option *longopts, const char *arg)
{
	const char *name = arg + 2;
	int len = (int)strcspn(name, "=");
	const struct option *o;
	char word[64];
	struct suggest s;
	int n = 0;

	for (o = longopts; o->name; o++)
		n += !strncmp(o->name, name, len);
	if (n > 1) {
		pr_err("%soption '--%.*s' is ambiguous (", pfx, len, name);
		for (o = longopts; o->name; o++)
			if (!strncmp(o->name, name, len))
				fprintf(stderr, "--%s%s", o->name, --n ? ", " : ")\n");
		return;
	}
	snprintf(word, sizeof(word), "%.*s", len, name);
	suggest_init(&s, word);
	for (o = longopts; o->name; o++)
		suggest_add(&s, o->name);
	if (s.best)
		pr_err("%sunknown option '--%.*s'; did you mean '--%s'?\n", pfx, len, name, s.best);
	else
		pr_err("%sunknown option '--%.*s'\n", pfx, len, name);
}

void cli_bad_option(const char *who, const char *shortopts, const struct option *longopts, int argc,
		    char **argv)
{
	/* getopt_long has moved optind past a long option it refused; a
	 * short one may stand inside a cluster ("-jx"): optopt names it */
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const struct option *o = optopt ? long_opt_of(longopts, optopt) : NULL;
	char pfx[64] = "";

	if (who)
		snprintf(pfx, sizeof(pfx), "%s: ", who);
	if (!optopt && !strncmp(arg, "--", 2))
		bad_long_option(pfx, longopts, arg);
	else if (o && !strncmp(arg, "--", 2))
		pr_err("%soption '--%s' %s\n", pfx, o->name,
		       o->has_arg == no_argument ? "takes no value" : "needs a value");
	else if (optopt && strchr(shortopts, optopt))
		/* a known short option is refused only without its value */
		pr_err("%soption '-%c' needs a value\n", pfx, optopt);
	else if (optopt)
		pr_err("%sunknown option '-%c'\n", pfx, optopt);
	else
		pr_err("%sinvalid option '%s'\n", pfx, arg);
	cli_see_help(who);
}

int cli_next_opt(const struct cli_cmd *cmd, int argc, char **argv, int *exit_code)
{
	int c;

	opterr = 0;	/* cli_bad_option() says what was wrong, with a suggestion */
	c = getopt_long(argc, argv, cmd->shortopts, cmd->longopts, NULL);
	switch (c) {
	case 'h':
		cli_usage(cmd, stdout);
		*exit_code = 0;
		return CLI_DONE;
	case '?':
	case ':':
		cli_bad_option(cmd->name, cmd->shortopts, cmd->longopts, argc, argv);
		*exit_code = EXIT_BADINPUT;
		return CLI_DONE;
	default:
		return c;
	}
}

int cli_no_operands(const struct cli_cmd *cmd, int argc, char **argv)
{
	if (optind == argc)
		return 0;
	pr_err("%s: unexpected argument '%s'\n", cmd->name, argv[optind]);
	cli_usage(cmd, stderr);
	return EXIT_BADINPUT;
}

int cli_verb(const struct cli_cmd *cmd, int *argc, char ***argv, const char *verb, int *exit_code)
{
	const char *word = *argc >= 2 ? (*argv)[1] : NULL;
	struct suggest s;

	if (word && !strcmp(word, verb)) {
		/* the verb's options follow it: it stands where argv[0] was */
		(*argc)--;
		(*argv)++;
		return 0;
	}
	if (word && (!strcmp(word, "-h") || !strcmp(word, "--help"))) {
		cli_usage(cmd, stdout);
		*exit_code = 0;
		return CLI_DONE;
	}
	*exit_code = EXIT_BADINPUT;
	if (!word) {
		pr_err("%s: missing subcommand (expected: %s)\n", (*argv)[0], verb);
		cli_usage(cmd, stderr);
		return CLI_DONE;
	}
	suggest_init(&s, word);
	suggest_add(&s, verb);
	if (s.best)
		pr_err("%s: unknown subcommand '%s'; did you mean '%s'?\n", (*argv)[0], word, verb);
	else
		pr_err("%s: unknown subcommand '%s' (expected: %s)\n", (*argv)[0], word, verb);
	cli_see_help(cmd->name);
	return CLI_DONE;
}
