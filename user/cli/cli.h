/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Subcommands (one file each) and the global options main() parsed.
 * Each cmd_*() returns the process exit code: 0 success, 1 runtime
 * failure, 2 bad input (usage or manifest).
 */
#ifndef ENFORCER_CLI_H
#define ENFORCER_CLI_H

#define EXIT_RUNTIME	1
#define EXIT_BADINPUT	2

struct cli_opts {
	const char *pin_dir;
};

extern struct cli_opts cli;

int cmd_apply(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_zone(int argc, char **argv);
int cmd_dns(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif /* ENFORCER_CLI_H */
