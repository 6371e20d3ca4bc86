/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Subcommands (one file each) and the global options main() parsed.
 * Each cmd_*() returns the process exit code: 0 success, 1 runtime
 * failure, 2 bad input (usage or manifest); `trace` also 3, a packet it
 * traced was dropped.
 */
#ifndef ENFORCER_CLI_H
#define ENFORCER_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_RUNTIME	1
#define EXIT_BADINPUT	2
#define EXIT_DROPPED	3	/* trace: the program dropped a packet traced */

/*
 * A subcommand: its name, its function and its command line. All of them
 * stand in one table in main.c, which `enforcer --help` prints; each
 * cmd_*() handles the option characters its row declares.
 */
struct cli_cmd {
	const char *name;
	int (*run)(const struct cli_cmd *cmd, int argc, char **argv);
	const char *synopsis;	/* after "enforcer [--pin-dir DIR] " */
	const char *help;	/* one line for `enforcer --help` */
	const char *details;	/* more lines for the command's own --help, or NULL */
	const char *shortopts;	/* each holds h: -h/--help is answered for them */
	const struct option *longopts;
};

#define CLI_OPT_HELP	{ "help", no_argument, NULL, 'h' }

/* cli_next_opt() returns this when the command is to end with *exit_code:
 * 0 after --help, EXIT_BADINPUT after an unknown or incomplete option. */
#define CLI_DONE	(-2)

/* The next of the command's own options, -1 after the last (main() has
 * set optind to 1 for the command), or CLI_DONE. */
int cli_next_opt(const struct cli_cmd *cmd, int argc, char **argv, int *exit_code);
/* 0 when no operand follows the options, else EXIT_BADINPUT, said. */
int cli_no_operands(const struct cli_cmd *cmd, int argc, char **argv);
void cli_usage(const struct cli_cmd *cmd, FILE *f);
/* After a mistake on the command line: one line naming the --help that
 * lists what is valid (`who` a command's name; NULL: the global one). */
void cli_see_help(const char *who);
/* Says which option getopt_long (with opterr = 0) just refused and why,
 * with the closest long option for an unknown one, then cli_see_help(). */
void cli_bad_option(const char *who, const char *shortopts, const struct option *longopts,
		    int argc, char **argv);
/* A command with one verb (`dns serve`, `zone export`): 0 with argv
 * shifted onto the verb when argv[1] is `verb`, else CLI_DONE. */
int cli_verb(const struct cli_cmd *cmd, int *argc, char ***argv, const char *verb,
	     int *exit_code);

/* The path of the manifest the generation in force was applied from, when
 * the file still has the applied SHA-256, and the SOA serial its zones are
 * served with (serial may be NULL). Says why not (`who` names the command):
 * -ENOENT nothing applied or no file, -ESTALE the file changed. */
int cli_applied_manifest(const char *who, char *path, size_t len, uint32_t *serial);

struct json_object;
struct enf_policy;
/* What a policy holds (rack, networks, apps, services, ..., admission
 * entries) into a JSON object: `status --json` and `apply/check --json`. */
void cli_policy_json(struct json_object *o, const struct enf_policy *p);

struct cli_opts {
	const char *pin_dir;
};

extern struct cli_opts cli;

int cmd_apply(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_check(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_attach(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_detach(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_status(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_maps(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_zone(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_dns(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_trace(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_daemon(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_services(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_env(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_import(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_monitor(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_metrics(const struct cli_cmd *cmd, int argc, char **argv);

#endif /* ENFORCER_CLI_H */
