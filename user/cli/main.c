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
#include "suggest.h"

#ifndef ENF_VERSION
#define ENF_VERSION "0.1.0"
#endif

struct cli_opts cli = {
	.pin_dir = ENF_PIN_DIR,
};

static const struct option file_opts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'j' },
	CLI_OPT_HELP,
	{},
};

static const struct cli_cmd commands[] = {
	{ "apply", cmd_apply, "apply -f MANIFEST [--dry-run] [--json]",
	  "compile, validate, swap in atomically",
	  "  MANIFEST: a file, - (standard input), or a directory of manifests\n"
	  "            (*.yaml, *.yml, merged: networks and apps from every file,\n"
	  "            each other key in one); any of them gzip-compressed\n"
	  "  --dry-run: change nothing; list what would change against the generation\n"
	  "             in force (services, addresses, ports, settings), then a summary\n"
	  "  --json: one object, the manifest's errors in it (fields: docs/json.md)\n",
	  "f:njh", file_opts },
	{ "check", cmd_check, "check -f MANIFEST [--json]",
	  "validate only; errors as file:line:col",
	  "  MANIFEST: a file, - (standard input), or a directory of manifests\n"
	  "            (*.yaml, *.yml, merged: networks and apps from every file,\n"
	  "            each other key in one); any of them gzip-compressed\n"
	  "  --json: one object, the errors in it (fields: docs/json.md)\n",
	  "f:jh", file_opts },
	{ "attach", cmd_attach, "attach [--generic] [--dns-xdp] IFACE...",
	  "attach the programs (pinned links)",
	  "  --generic: generic (skb) XDP instead of native\n"
	  "  --dns-xdp: answer the private zone's UDP queries in XDP (XDP_TX), before\n"
	  "             the kernel makes an skb. A veth whose peer runs no native XDP\n"
	  "             program would drop the answers: there TC answers, with a\n"
	  "             warning (docs/dns.md, \"Answering in XDP\"). Attaching again\n"
	  "             without it turns it off\n", "gxh",
	  (const struct option[]){ { "generic", no_argument, NULL, 'g' },
				   { "dns-xdp", no_argument, NULL, 'x' }, CLI_OPT_HELP, {} } },
	{ "detach", cmd_detach, "detach [IFACE...]",
	  "detach (all interfaces when none named)", NULL, "h",
	  (const struct option[]){ CLI_OPT_HELP, {} } },
	{ "status", cmd_status,
	  "status [--json] [--check] [--short] [--services] [--service APP/SVC]",
	  "the node's whole state; --check: exit 1 unless it enforces",
	  "  --short: a few lines (policy, interfaces, daemon, drops by reason, health)\n"
	  "  services: the 20 busiest unless --services (all) or --service APP/SVC, a\n"
	  "  glob such as 'shop/*' (also filters --json)\n",
	  "jcsaS:h",
	  (const struct option[]){ { "json", no_argument, NULL, 'j' },
				   { "check", no_argument, NULL, 'c' },
				   { "short", no_argument, NULL, 's' },
				   { "services", no_argument, NULL, 'a' },
				   { "service", required_argument, NULL, 'S' }, CLI_OPT_HELP, {} } },
	{ "maps", cmd_maps, "maps [MAP] [--json] [--limit N] [-f MANIFEST]",
	  "the pinned maps, decoded (addresses, host-order ports, CIDRs, flags, names)",
	  "  without MAP: every map pinned (kind, entries, limit, what it holds); MAP is a\n"
	  "  view (or the pinned map it decodes, e.g. enf_dst):\n"
	  "    dst     service addresses: service, network, flags\n"
	  "    ports   ADDR:PORT/PROTO: service, network, public/isolated, trust group\n"
	  "    src     source prefixes as CIDRs: class, flags, expiry, admitted to\n"
	  "    admit   source class -> network or trusted ranges admitted\n"
	  "    ifrole  interfaces: role, counter row, attached\n"
	  "    flows   flows instances opened: endpoints, open/closing, idle, time left\n"
	  "    frags   first fragments that passed: reason, age\n"
	  "    dns     DNS names (their hashes named from the manifest) and records\n"
	  "    stats   packets and bytes per reason, in all and per interface\n"
	  "  --json: an array of objects (fields: docs/maps.md)\n"
	  "  --limit N: at most N rows (default 1000 in text, all in JSON; 0: all)\n"
	  "  -f MANIFEST: dns: names from this manifest (default: the one in force,\n"
	  "               while the file is unchanged)\n",
	  "jl:f:h",
	  (const struct option[]){ { "json", no_argument, NULL, 'j' },
				   { "limit", required_argument, NULL, 'l' },
				   { "file", required_argument, NULL, 'f' }, CLI_OPT_HELP, {} } },
	{ "services", cmd_services, "services [-f MANIFEST] [--json]",
	  "per app and service: visibility, ports and private names",
	  "  without -f: the manifest of the generation in force (must be unchanged)\n"
	  "  names: one per zone template that names the service; {index} stands for\n"
	  "  the instance number (every name also has N.<name> per instance)\n",
	  "f:jh",
	  (const struct option[]){ { "file", required_argument, NULL, 'f' },
				   { "json", no_argument, NULL, 'j' }, CLI_OPT_HELP, {} } },
	{ "env", cmd_env, "env [-f MANIFEST] [--json] APP SERVICE",
	  "the environment SERVICE's links give it: <NAME>_URL=http://<name>:<port>",
	  "  one NAME=value a line, sorted by name: for each link, the linked service's\n"
	  "  name uppercased ('-' as '_') and _URL, set to its first private name (the\n"
	  "  first zone template that names it) and its first TCP port (docs/convox.md)\n"
	  "  without -f: the manifest of the generation in force (must be unchanged)\n"
	  "  --json: one object, NAME -> value\n",
	  "f:jh",
	  (const struct option[]){ { "file", required_argument, NULL, 'f' },
				   { "json", no_argument, NULL, 'j' }, CLI_OPT_HELP, {} } },
	{ "import", cmd_import, "import CONVOX_YML --app NAME [-o FILE]",
	  "a manifest skeleton from a convox.yml (services, ports, internal, links)",
	  "  CONVOX_YML: a convox.yml, or - (standard input)\n"
	  "  --app NAME: the app's name in Convox (it names the app in the manifest,\n"
	  "              and environment URLs such as http://svc.NAME.convox.local:N\n"
	  "              become links)\n"
	  "  -o FILE: write the manifest there (default: standard output)\n"
	  "  carries port, internal, internalAndExternal, health and links; leaves\n"
	  "  instances to the platform; what does not carry over is a comment. The\n"
	  "  manifest loads as it is: `enforcer check -f -` (docs/convox.md)\n",
	  "a:o:h",
	  (const struct option[]){ { "app", required_argument, NULL, 'a' },
				   { "output", required_argument, NULL, 'o' }, CLI_OPT_HELP, {} } },
	{ "monitor", cmd_monitor,
	  "monitor [--json] [--reason R[,R]] [--service APP/SVC] [--addr A[/LEN]]\n"
	  "                 [--verdict drop|pass|audit] [--passes[=N]] [--rate N] [--burst N]\n"
	  "                 [--count N] [--duration S]",
	  "verdicts as they happen (drops; passes on request), decoded",
	  "  the kernel writes at most --rate events a second per CPU (default 1000,\n"
	  "  bursts of --burst, default 100) and counts what it leaves out, said once a\n"
	  "  second; one reader per pin dir. --passes: passes too, one in N (default 1)\n"
	  "  --reason, --service, --addr (source or destination): filters, applied here\n"
	  "  --count N / --duration S: stop after N events shown / S seconds\n"
	  "  --json: one object per line (fields: docs/monitor.md)\n",
	  "jr:s:a:V:p::R:b:c:d:h",
	  (const struct option[]){ { "json", no_argument, NULL, 'j' },
				   { "reason", required_argument, NULL, 'r' },
				   { "service", required_argument, NULL, 's' },
				   { "addr", required_argument, NULL, 'a' },
				   { "verdict", required_argument, NULL, 'V' },
				   { "passes", optional_argument, NULL, 'p' },
				   { "rate", required_argument, NULL, 'R' },
				   { "burst", required_argument, NULL, 'b' },
				   { "count", required_argument, NULL, 'c' },
				   { "duration", required_argument, NULL, 'd' },
				   CLI_OPT_HELP, {} } },
	{ "daemon", cmd_daemon,
	  "daemon -f MANIFEST [--detach-on-exit] [--generic] [--log-format text|json]\n"
	  "                [--metrics ADDR:PORT] [--no-dns-serve] [--dns-xdp]",
	  "the node agent: apply, watch the manifest, follow links, probe health, metrics",
	  "  applies MANIFEST (a file or a directory of manifests, gzip or not), then\n"
	  "  re-applies it whenever it changes (a ConfigMap's ..data swap, an editor's\n"
	  "  rename or rewrite; SIGHUP re-reads it); attaches\n"
	  "  every link that matches `interfaces:` as it appears, forgets links that go;\n"
	  "  probes `health:` and keeps failing instances out of DNS answers.\n"
	  "  Adopts what is pinned; exiting (SIGTERM) leaves enforcement in place.\n"
	  "  --detach-on-exit: detach every link when it exits\n"
	  "  --generic: attach generic (skb) XDP instead of native\n"
	  "  --dns-xdp: answer DNS in XDP on the links it attaches (see attach --help)\n"
	  "  --log-format json: one JSON object per event line\n"
	  "  --metrics ADDR:PORT: Prometheus metrics at http://ADDR:PORT/metrics\n"
	  "                       ([IPv6]:PORT; names: docs/metrics.md)\n"
	  "  --no-dns-serve: leave TCP/53 to the resolver (by default the daemon takes\n"
	  "                  it, as `enforcer dns serve` does: private names answered\n"
	  "                  whole over TCP, others relayed; a resolver address the\n"
	  "                  node forwards to, a ClusterIP, with a policy rule:\n"
	  "                  fwmark 0x53/0x53 lookup 5353, see docs/dns.md)\n",
	  "f:dgxl:m:nh",
	  (const struct option[]){ { "file", required_argument, NULL, 'f' },
				   { "detach-on-exit", no_argument, NULL, 'd' },
				   { "generic", no_argument, NULL, 'g' },
				   { "dns-xdp", no_argument, NULL, 'x' },
				   { "log-format", required_argument, NULL, 'l' },
				   { "metrics", required_argument, NULL, 'm' },
				   { "no-dns-serve", no_argument, NULL, 'n' }, CLI_OPT_HELP, {} } },
	{ "metrics", cmd_metrics, "metrics",
	  "the node's Prometheus metrics, printed once (the daemon serves them)",
	  "  the kernel's side of what `daemon --metrics` serves: for a textfile\n"
	  "  collector, or a look (names: docs/metrics.md)\n",
	  "h", (const struct option[]){ CLI_OPT_HELP, {} } },
	{ "zone", cmd_zone, "zone export [-f MANIFEST] [--view VIEW] [--dir DIR] [--serial N]",
	  "the private zone as zone files",
	  "  without -f: the manifest of the generation in force (must be unchanged),\n"
	  "              with the SOA serial the node serves; with -f: serial = now\n"
	  "  --view VIEW: rack (non-isolated networks) or an isolated network's name\n"
	  "  --dir DIR: one file per view and zone, DIR/<view>/<apex>.zone\n",
	  "f:w:d:s:h",
	  (const struct option[]){ { "file", required_argument, NULL, 'f' },
				   { "view", required_argument, NULL, 'w' },
				   { "dir", required_argument, NULL, 'd' },
				   { "serial", required_argument, NULL, 's' }, CLI_OPT_HELP, {} } },
	{ "dns", cmd_dns,
	  "dns serve [--listen ADDR[:PORT]]... [--udp] [--steer] [--upstream ADDR[:PORT]]\n"
	  "       [--max-connections N] [--per-source N] [--idle MS] [--steer-mark MARK]",
	  "the zone over TCP (and UDP), answered by the loaded program",
	  "  default (no --listen): take TCP/53 to the manifest's resolver addresses on the\n"
	  "              interfaces the DNS program is attached to (bpf_sk_assign): the\n"
	  "              client keeps its address, private names are answered, others\n"
	  "              relayed to the address the client asked; a resolver address the\n"
	  "              node forwards to (a ClusterIP) is taken with a policy rule (pref 53:\n"
	  "              fwmark MARK/MARK ipproto tcp lookup 5353, table 5353: local default\n"
	  "              dev lo), added at start and removed at exit\n"
	  "  --listen: serve ADDR (IPv4 or [IPv6], port 53 unless given) instead\n"
	  "  --steer: with --listen, also take TCP/53 as above\n"
	  "  --udp: UDP on the --listen addresses too\n"
	  "  --upstream: relay names outside the private zones there over TCP (default:\n"
	  "              REFUSED on --listen addresses); public sources are never relayed\n"
	  "  --max-connections: from private sources, in total (default 1024); the\n"
	  "              connection idle longest makes room for a new one\n"
	  "  --per-source: connections from one private address (default 16); a public\n"
	  "              address gets 4, one query each, 64 in total, only REFUSED\n"
	  "  --idle: close a connection with no query started for MS ms (default 5000);\n"
	  "              a query must arrive whole within 2 s of its first byte\n"
	  "  --steer-mark: the rule's firewall mark (default 0x53; every bit of it must be\n"
	  "              set); 0: no rule, forwarded resolver addresses keep their TCP\n",
	  "l:utr:m:s:i:k:h",
	  (const struct option[]){ { "listen", required_argument, NULL, 'l' },
				   { "udp", no_argument, NULL, 'u' },
				   { "steer", no_argument, NULL, 't' },
				   { "upstream", required_argument, NULL, 'r' },
				   { "max-connections", required_argument, NULL, 'm' },
				   { "per-source", required_argument, NULL, 's' },
				   { "idle", required_argument, NULL, 'i' },
				   { "steer-mark", required_argument, NULL, 'k' }, CLI_OPT_HELP, {} } },
	{ "trace", cmd_trace,
	  "trace --from ADDR[:PORT] --to NAME|ADDR[:PORT[/PROTO]] [--iface-role ROLE] [--json]\n"
	  "       enforcer [--pin-dir DIR] trace --pcap FILE [--iface-role ROLE] [--json]",
	  "run packets through the loaded program: verdict and reason",
	  "  NAME: app/service or a private DNS name; PROTO: tcp (default with a port),\n"
	  "  udp, sctp, icmp (default without); ROLE: public, mixed or pods\n"
	  "  exit status: 0 when every packet passes (an audit-mode would-drop too),\n"
	  "  3 when one is dropped; 1 runtime failure, 2 bad input\n"
	  "  --json: one object; with --pcap one per packet, a line each\n"
	  "          (fields: docs/json.md)\n",
	  "f:t:r:p:jh",
	  (const struct option[]){ { "from", required_argument, NULL, 'f' },
				   { "to", required_argument, NULL, 't' },
				   { "iface-role", required_argument, NULL, 'r' },
				   { "pcap", required_argument, NULL, 'p' },
				   { "json", no_argument, NULL, 'j' }, CLI_OPT_HELP, {} } },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: enforcer [--pin-dir DIR] [-v] COMMAND [ARGS]\n\n"
		   "Keeps internal services off the internet: compiles a manifest into BPF maps\n"
		   "and drops public ingress to internal services with XDP.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n        %s\n", commands[i].synopsis, commands[i].help);
	fprintf(f, "\noptions:\n"
		   "  --pin-dir DIR  bpffs directory holding this node's state (default %s)\n"
		   "  -v, -vv        more output (libbpf info / debug)\n"
		   "  -h, --help     this text;  --version  print the version\n\n"
		   "Attached programs stay attached after enforcer exits (their links are pinned);\n"
		   "`enforcer detach` removes them.\n"
		   "exit codes: 0 success, 1 runtime failure, 2 bad input (usage or manifest),\n"
		   "            3 (trace) a packet traced was dropped\n",
		ENF_PIN_DIR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'p' }, { "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' }, CLI_OPT_HELP, {},
	};
	struct suggest s;
	size_t i;
	int c;

	/* '+': stop at the subcommand; its options are its own. */
	opterr = 0;	/* cli_bad_option() says what was wrong */
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
			cli_bad_option(NULL, "+p:vh", opts, argc, argv);
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
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		int at = optind;

		if (strcmp(argv[at], commands[i].name))
			continue;
		/* the command parses its own argv from its first option */
		optind = 1;
		return commands[i].run(&commands[i], argc - at, argv + at);
	}
	/* the closest command and where the list is, not the whole usage */
	suggest_init(&s, argv[optind]);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		suggest_add(&s, commands[i].name);
	if (s.best)
		pr_err("unknown command '%s'; did you mean '%s'?\n", argv[optind], s.best);
	else
		pr_err("unknown command '%s'\n", argv[optind]);
	cli_see_help(NULL);
	return EXIT_BADINPUT;
}
