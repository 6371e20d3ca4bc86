// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer: global options, then one subcommand per file (cmd_*.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "enforcer_common.h"
#include "log.h"

#ifndef ENF_VERSION
#define ENF_VERSION "0.1.0"
#endif

struct cli_opts cli = {
	.pin_dir = ENF_PIN_DIR,
};

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "apply", cmd_apply, "-f MANIFEST [--dry-run]  compile, validate, swap in atomically" },
	{ "check", cmd_check, "-f MANIFEST              validate only; errors as file:line:col" },
	{ "attach", cmd_attach, "[--generic] IFACE...     attach the XDP program (pinned link)" },
	{ "detach", cmd_detach, "[IFACE...]               detach (all interfaces when none named)" },
	{ "status", cmd_status, "[--json] [--check]       the node's whole state" },
	{ "zone", cmd_zone, "export [-f M] [--view V] [--dir D]  the private zone as zone files" },
	{ "dns", cmd_dns, "serve [--listen A]... [--udp]    the zone over TCP (and UDP)" },
	{ "trace", cmd_trace, "--from A --to NAME|A[:P/PROTO] [--iface-role R] | --pcap F\n"
			      "          run packets through the loaded program: verdict and reason" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: enforcer [--pin-dir DIR] [-v] COMMAND [ARGS]\n\n"
		   "Keeps internal services off the internet: compiles a manifest into BPF maps\n"
		   "and drops public ingress to internal services with XDP.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\noptions:\n"
		   "  --pin-dir DIR  bpffs directory holding this node's state (default %s)\n"
		   "  -v, -vv        more output (libbpf info / debug)\n"
		   "  -h, --help     this text;  --version  print the version\n\n"
		   "Attached programs stay attached after enforcer exits (their links are pinned);\n"
		   "`enforcer detach` removes them.\n"
		   "exit codes: 0 success, 1 runtime failure, 2 bad input (usage or manifest)\n",
		ENF_PIN_DIR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	size_t i;
	int c;

	/* '+': stop at the subcommand; its options are its own. */
	while ((c = getopt_long(argc, argv, "+p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			cli.pin_dir = optarg;
			break;
		case 'v':
			log_verbosity++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("enforcer %s (ABI %d)\n", ENF_VERSION, ENF_ABI_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_BADINPUT;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_BADINPUT;
	}
	/* Trailing slashes would make pin paths "dir//name"; strip them. */
	if (strlen(cli.pin_dir) > 1 && cli.pin_dir[strlen(cli.pin_dir) - 1] == '/') {
		char *p = strdup(cli.pin_dir);

		while (p && strlen(p) > 1 && p[strlen(p) - 1] == '/')
			p[strlen(p) - 1] = '\0';
		if (p)
			cli.pin_dir = p;
	}
	log_setup_libbpf();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(argc - optind, argv + optind);
	fprintf(stderr, "enforcer: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_BADINPUT;
}
