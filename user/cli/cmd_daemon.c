// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer daemon -f MANIFEST [--detach-on-exit] [--generic] [--dns-xdp]
 *                 [--log-format text|json]
 *                 [--metrics ADDR:PORT] [--no-dns-serve]
 *
 * The node agent (DaemonSet or systemd mode): applies the manifest, follows
 * it and the node's links, probes health; see user/lib/agent/agent.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cli.h"
#include "log.h"

int cmd_daemon(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct agent_opts o = { .debounce_ms = 200 };
	int c, code;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'f':
			o.manifest = optarg;
			break;
		case 'n':	/* --no-dns-serve */
			o.no_dns_serve = true;
			break;
		case 'd':	/* --detach-on-exit */
			o.detach_on_exit = true;
			break;
		case 'g':	/* --generic */
			o.generic = true;
			break;
		case 'x':	/* --dns-xdp */
			o.dns_xdp = true;
			break;
		case 'l':	/* --log-format */
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				pr_err("daemon: --log-format %s: expected text or json\n", optarg);
				return EXIT_BADINPUT;
			}
			o.log_json = !strcmp(optarg, "json");
			break;
		case 'm':	/* --metrics ADDR:PORT */
			o.metrics = optarg;
			break;
		case CLI_DONE:
			return code;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (!o.manifest) {
		pr_err("daemon: missing -f MANIFEST\n");
		cli_usage(cmd, stderr);
		return EXIT_BADINPUT;
	}
	if (!strcmp(o.manifest, "-")) {
		pr_err("daemon: -f -: the daemon watches a file; name it\n");
		return EXIT_BADINPUT;
	}
	return agent_run(cli.pin_dir, &o);
}
