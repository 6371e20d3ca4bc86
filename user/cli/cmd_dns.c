// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer dns serve [--listen ADDR[:PORT]]... [--udp] [--steer]
 *                    [--upstream ADDR[:PORT]] [--max-connections N] [--per-source N]
 *                    [--idle MS] [--steer-mark MARK]
 *
 * Serves the private zone over TCP (and UDP with --udp) from the pinned
 * maps, through the loaded DNS program (dns_serve.h). Without --listen (or
 * with --steer) it takes TCP/53 to the manifest's resolver addresses from
 * the interfaces the DNS program is attached to (bpf_sk_assign) and relays
 * the names it does not answer to the address the client asked; --listen
 * serves given addresses, relaying to --upstream, or REFUSED without one.
 * Runs until SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "dns_serve.h"
#include "addr.h"
#include "log.h"
#include "state.h"

#define MAX_LISTEN 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The resolver addresses of the generation in force, port 53. */
static int default_listen(struct enf_state *st, struct dns_listen *l, size_t *n)
{
	struct enf_addr res[MAX_LISTEN];
	int got = state_resolvers(st, res, MAX_LISTEN), i;

	*n = 0;
	if (got < 0)
		return got;
	for (i = 0; i < got; i++)
		dns_listen_from(&res[i], ENF_DNS_PORT, &l[(*n)++]);
	return 0;
}

int cmd_dns(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct dns_listen addrs[MAX_LISTEN];
	struct dns_serve_opts o;
	struct endpoint ep;
	unsigned long v;
	char *end;
	struct sigaction sa = { .sa_handler = on_signal };
	struct enf_state st;
	size_t n = 0;
	int c, udp = 0, steer = 0, err, code;

	if (cli_verb(cmd, &argc, &argv, "serve", &code))
		return code;
	dns_serve_defaults(&o);
	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'l':	/* --listen */
			if (n == MAX_LISTEN) {
				pr_err("dns serve: at most %d --listen addresses\n", MAX_LISTEN);
				return EXIT_BADINPUT;
			}
			if (endpoint_parse(optarg, &ep) || ep.proto) {
				pr_err("dns serve: invalid address '%s' (expected ADDR, ADDR:PORT "
				       "or [IPv6]:PORT)\n", optarg);
				return EXIT_BADINPUT;
			}
			dns_listen_from(&ep.addr, ep.port ? ep.port : ENF_DNS_PORT, &addrs[n++]);
			break;
		case 'u':	/* --udp */
			udp = 1;
			break;
		case 't':	/* --steer */
			steer = 1;
			break;
		case 'r':	/* --upstream */
			if (endpoint_parse(optarg, &ep) || ep.proto) {
				pr_err("dns serve: invalid --upstream '%s' (expected ADDR, ADDR:PORT "
				       "or [IPv6]:PORT)\n", optarg);
				return EXIT_BADINPUT;
			}
			dns_listen_from(&ep.addr, ep.port ? ep.port : ENF_DNS_PORT, &o.upstream);
			break;
		case 'm':	/* --max-connections */
		case 's':	/* --per-source */
		case 'i':	/* --idle */
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || !v || v > (c == 'i' ? 600000 : 65536)) {
				pr_err("dns serve: invalid --%s '%s' (expected %s)\n",
				       c == 'm' ? "max-connections" : c == 's' ? "per-source" : "idle",
				       optarg, c == 'i' ? "milliseconds, 1 to 600000" :
				       "a number, 1 to 65536");
				return EXIT_BADINPUT;
			}
			if (c == 'm')
				o.max_conns = v;
			else if (c == 's')
				o.per_source = v;
			else
				o.idle_ms = v;
			break;
		case 'k':	/* --steer-mark */
			errno = 0;
			v = strtoul(optarg, &end, 0);
			if (errno || end == optarg || *end || v > 0xffffffffUL) {
				pr_err("dns serve: invalid --steer-mark '%s' (expected a firewall mark, "
				       "0 to 0xffffffff; 0: no policy rule)\n", optarg);
				return EXIT_BADINPUT;
			}
			o.steer_mark = (uint32_t)v;
			break;
		case CLI_DONE:
			return code;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;

	if (state_open_loaded(&st, cli.pin_dir, "dns serve"))
		return EXIT_RUNTIME;
	if (!n || steer) {
		/* steering takes TCP/53 to the resolver addresses: there must be some */
		struct dns_listen res[MAX_LISTEN];
		size_t nres = 0;

		err = default_listen(&st, res, &nres);
		if (err || !nres) {
			pr_err("dns serve: no resolver addresses in the applied manifest "
			       "(dns.resolvers)%s\n", n ? "" : " and no --listen given");
			state_close(&st);
			return EXIT_BADINPUT;
		}
		steer = 1;
	}
	if (udp && !n) {
		pr_err("dns serve: --udp serves the --listen addresses; UDP to the resolver "
		       "addresses is answered in the kernel\n");
		state_close(&st);
		return EXIT_BADINPUT;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	o.addrs = addrs;
	o.n = n;
	o.udp = udp;
	o.steer = steer;
	err = dns_serve(&st, &o, &stop);
	state_close(&st);
	return err ? EXIT_RUNTIME : 0;
}
