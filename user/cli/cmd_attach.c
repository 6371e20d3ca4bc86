// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer attach [--generic] [--dns-xdp] IFACE...
 *                                        native XDP through a pinned bpf_link
 * enforcer detach [IFACE...]             remove the links (all when none named)
 *
 * Links are pinned, so the enforcer keeps enforcing after this process
 * exits and across daemon restarts; only `detach` removes them.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "links.h"
#include "log.h"
#include "names.h"
#include "state.h"

int cmd_attach(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct enf_policy pol = {};
	struct enf_active act;
	struct enf_state st;
	int c, i, generic = 0, dns_xdp = 0, failed = 0, err, code;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		if (c == CLI_DONE)
			return code;
		generic |= c == 'g';	/* --generic */
		dns_xdp |= c == 'x';	/* --dns-xdp */
	}
	if (optind == argc) {
		pr_err("attach: name at least one interface\n");
		cli_usage(cmd, stderr);
		return EXIT_BADINPUT;
	}

	state_init(&st);
	err = state_open(&st, cli.pin_dir, true, true);
	if (err) {
		state_close(&st);
		return EXIT_RUNTIME;
	}
	for (i = optind; i < argc; i++) {
		err = links_attach(&st, argv[i], generic, dns_xdp);
		if (err == -EALREADY) {
			printf("%s: already attached%s\n", argv[i],
			       !dns_xdp ? "" : links_dns_xdp(&st, if_nametoindex(argv[i])) ?
			       " (DNS answers in XDP)" : " (DNS answers in TC)");
		} else if (err) {
			failed++;
		} else {
			state_active(&st, &act, &pol);
			printf("%s: attached (%s XDP, role %s%s)\n", argv[i],
			       generic ? "generic" : "native",
			       enf_role_name(state_role_for(&pol, argv[i])),
			       links_dns_xdp(&st, if_nametoindex(argv[i])) ? ", DNS answers in XDP" : "");
		}
	}
	if (!state_active(&st, &act, &pol) && !pol.generation)
		printf("note: no manifest applied yet; all traffic passes until `enforcer apply`\n");
	state_close(&st);
	return failed ? EXIT_RUNTIME : 0;
}

int cmd_detach(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct link_info *links = NULL;
	struct enf_state st;
	size_t n = 0, i;
	int failed = 0, err, a, code;

	if (cli_next_opt(cmd, argc, argv, &code) == CLI_DONE)
		return code;
	/* The interfaces named, shifted to argv[1..]. */
	argc -= optind - 1;
	argv += optind - 1;
	state_init(&st);
	err = state_open(&st, cli.pin_dir, false, true);
	if (err == -ENOENT) {
		printf("nothing attached (no enforcer state in %s)\n", cli.pin_dir);
		state_close(&st);
		return argc > 1 ? EXIT_RUNTIME : 0;
	}
	if (err) {
		state_close(&st);
		return EXIT_RUNTIME;
	}
	if (argc > 1) {
		for (a = 1; a < argc; a++) {
			err = links_detach(&st, argv[a]);
			if (err == -ENOENT) {
				pr_err("cannot detach '%s': not attached\n", argv[a]);
				failed++;
			} else if (err) {
				failed++;
			} else {
				printf("%s: detached\n", argv[a]);
			}
		}
	} else {
		err = links_list(cli.pin_dir, &links, &n);
		if (err)
			pr_err("cannot list links in %s: %s\n", cli.pin_dir, strerror(-err));
		for (i = 0; i < n; i++) {
			if (links_detach(&st, links[i].iface.name))
				failed++;
			else
				printf("%s: detached\n", links[i].iface.name);
		}
		if (!err && !n)
			printf("nothing attached\n");
		free(links);
	}
	state_close(&st);
	return failed ? EXIT_RUNTIME : 0;
}
