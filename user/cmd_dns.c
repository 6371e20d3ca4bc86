// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer dns serve [--listen ADDR[:PORT]]... [--udp]
 *
 * Serves the private zone over TCP (and UDP with --udp) from the pinned
 * maps, through the loaded DNS program (dns_serve.h). Without --listen it
 * listens on the manifest's resolver addresses, port 53. Runs until
 * SIGINT/SIGTERM.
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
#include "log.h"
#include "state.h"

#define MAX_LISTEN 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: enforcer [--pin-dir DIR] dns serve [--listen ADDR[:PORT]]... [--udp]\n"
		   "  ADDR is IPv4 or [IPv6]; default: the manifest's resolver addresses, port 53\n");
}

/* "10.0.0.1", "10.0.0.1:5353", "fd00::1", "[fd00::1]:5353" */
static int parse_listen(const char *s, struct dns_listen *l)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	unsigned long p = ENF_DNS_PORT;
	char *end;

	memset(l, 0, sizeof(*l));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (size_t)(close - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -EINVAL;
	} else if (strchr(s, ':') && strchr(s, ':') == strrchr(s, ':')) {
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(s, ':') - s), s);
		port = strchr(s, ':') + 1;
	} else {
		snprintf(host, sizeof(host), "%s", s);
	}
	if (port) {
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || !*port || p < 1 || p > 65535)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&l->addr)->sin_addr) == 1) {
		struct sockaddr_in *sin = (void *)&l->addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		l->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&l->addr)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (void *)&l->addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		l->len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

/* The resolver addresses of the generation in force, port 53. */
static int default_listen(struct enf_state *st, struct dns_listen *l, size_t *n)
{
	struct enf_addr key, next;
	struct enf_active act;
	int fd, err;

	*n = 0;
	err = state_active(st, &act, NULL);
	if (err)
		return err;
	fd = state_inner_fd(st, SEL_DNS_RES, act.slot);
	if (fd < 0)
		return fd;
	for (err = bpf_map_get_next_key(fd, NULL, &next); !err && *n < MAX_LISTEN;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		struct dns_listen *d = &l[(*n)++];

		memset(d, 0, sizeof(*d));
		if (next.family == ENF_AF_INET) {
			struct sockaddr_in *sin = (void *)&d->addr;

			sin->sin_family = AF_INET;
			sin->sin_port = htons(ENF_DNS_PORT);
			memcpy(&sin->sin_addr, next.addr, 4);
			d->len = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (void *)&d->addr;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(ENF_DNS_PORT);
			memcpy(&sin6->sin6_addr, next.addr, 16);
			d->len = sizeof(*sin6);
		}
		key = next;
	}
	close(fd);
	return 0;
}

int cmd_dns(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "udp", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct dns_listen addrs[MAX_LISTEN];
	struct sigaction sa = { .sa_handler = on_signal };
	struct enf_state st;
	size_t n = 0;
	int c, udp = 0, err;

	if (argc < 2 || strcmp(argv[1], "serve")) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return 0;
		}
		pr_err("dns: unknown or missing subcommand (expected: serve)\n");
		usage(stderr);
		return EXIT_BADINPUT;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:uh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (n == MAX_LISTEN) {
				pr_err("dns serve: at most %d --listen addresses\n", MAX_LISTEN);
				return EXIT_BADINPUT;
			}
			if (parse_listen(optarg, &addrs[n])) {
				pr_err("dns serve: invalid address '%s' (expected ADDR, ADDR:PORT "
				       "or [IPv6]:PORT)\n", optarg);
				return EXIT_BADINPUT;
			}
			n++;
			break;
		case 'u':
			udp = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_BADINPUT;
		}
	}
	if (optind != argc) {
		pr_err("dns serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_BADINPUT;
	}

	state_init(&st);
	err = state_open(&st, cli.pin_dir, false, false);
	if (err) {
		if (err == -ENOENT)
			pr_err("dns serve: enforcer is not loaded in %s (apply a manifest first)\n",
			       cli.pin_dir);
		state_close(&st);
		return EXIT_RUNTIME;
	}
	if (!n) {
		err = default_listen(&st, addrs, &n);
		if (err || !n) {
			pr_err("dns serve: no resolver addresses in the applied manifest "
			       "(dns.resolvers) and no --listen given\n");
			state_close(&st);
			return EXIT_BADINPUT;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = dns_serve(&st, addrs, n, udp, &stop);
	state_close(&st);
	return err ? EXIT_RUNTIME : 0;
}
