// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A subcommand's options: getopt_long with --help, unknown options and
 * stray operands answered in one place, so that each command's switch
 * holds only the options that are its own.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

void cli_usage(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: enforcer [--pin-dir DIR] %s\n%s", cmd->synopsis,
		cmd->details ? cmd->details : "");
}

int cli_next_opt(const struct cli_cmd *cmd, int argc, char **argv, int *exit_code)
{
	int c = getopt_long(argc, argv, cmd->shortopts, cmd->longopts, NULL);

	switch (c) {
	case 'h':
		cli_usage(cmd, stdout);
		*exit_code = 0;
		return CLI_DONE;
	case '?':
	case ':':
		/* getopt_long has said which option was wrong. */
		cli_usage(cmd, stderr);
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
	if (word)
		pr_err("%s: unknown subcommand '%s' (expected: %s)\n", (*argv)[0], word, verb);
	else
		pr_err("%s: missing subcommand (expected: %s)\n", (*argv)[0], verb);
	cli_usage(cmd, stderr);
	*exit_code = EXIT_BADINPUT;
	return CLI_DONE;
}
