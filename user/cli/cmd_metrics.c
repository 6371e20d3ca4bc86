// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer metrics: the node's metrics in the Prometheus text format, once
 * (metrics_node; the daemon serves the same with its own on --metrics).
 */
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "metrics.h"
#include "state.h"

int cmd_metrics(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct enf_state st;
	int c, code = 0;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1)
		if (c == CLI_DONE)
			return code;
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (state_open_loaded(&st, cli.pin_dir, "metrics"))
		return EXIT_RUNTIME;
	if (metrics_node(&st, stdout) || fflush(stdout)) {
		pr_err("metrics: cannot read the maps of %s\n", cli.pin_dir);
		code = EXIT_RUNTIME;
	}
	state_close(&st);
	return code;
}
