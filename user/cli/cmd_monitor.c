// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer monitor [--json] [--reason R]... [--service APP/SVC] [--addr A[/LEN]]
 *                  [--verdict drop|pass|audit] [--passes[=N]] [--rate N] [--burst N]
 *                  [--count N] [--duration S]
 *
 * Verdicts as they happen, like `cilium monitor --type drop`: the data path
 * writes events into a ring buffer at a bounded rate per CPU while this
 * reads; what the kernel left out is counted and said once a second.
 * Filters other than --verdict/--passes apply here, after the rate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "addr.h"
#include "cli.h"
#include "log.h"
#include "monitor.h"
#include "names.h"
#include "state.h"
#include "suggest.h"

struct filter {
	uint32_t reasons;		/* bit per reason; 0 = every one */
	char app[ENF_NAME_LEN], service[ENF_NAME_LEN];	/* "" = any */
	struct enf_addr net;		/* --addr, masked to plen */
	unsigned int plen;
	int has_addr;
	int verdict;			/* ENF_EV_*, -1 = any */
};

struct monitor_run {
	struct filter f;
	int json;
	uint64_t limit;			/* --count; 0 = none */
	uint64_t shown, filtered;
	int out_failed;			/* stdout is gone (a closed pipe) */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static const char *verdict_name(unsigned int v)
{
	return v == ENF_EV_DROP ? "drop" : v == ENF_EV_AUDIT ? "audit" : "pass";
}

static int parse_reasons(const char *arg, uint32_t *mask)
{
	char buf[256], *tok, *save = NULL;
	unsigned int r;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct suggest s;

		suggest_init(&s, tok);
		for (r = 0; r < ENF_REASON_MAX; r++) {
			if (!strcmp(tok, enf_reason_name(r)))
				break;
			suggest_add(&s, enf_reason_name(r));
		}
		if (r == ENF_REASON_MAX) {
			if (s.best)
				pr_err("monitor: unknown reason '%s'; did you mean '%s'?\n", tok,
				       s.best);
			else
				pr_err("monitor: unknown reason '%s' (`enforcer status` lists "
				       "them)\n", tok);
			return -EINVAL;
		}
		*mask |= 1U << r;
	}
	return 0;
}

static int parse_addr_filter(const char *arg, struct filter *f)
{
	char buf[ADDR_STRLEN + 8], *slash, *end;
	unsigned long plen;

	snprintf(buf, sizeof(buf), "%s", arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (!addr_parse(buf, &f->net))
		return -EINVAL;
	plen = f->net.family == ENF_AF_INET ? 32 : 128;
	if (slash) {
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno || *end || !*slash || plen > (f->net.family == ENF_AF_INET ? 32 : 128))
			return -EINVAL;
	}
	f->plen = plen;
	f->has_addr = 1;
	addr_mask(&f->net, plen);
	return 0;
}

static int parse_u32(const char *arg, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || !*arg || *arg == '-' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int addr_in(const struct enf_addr *a, const struct filter *f)
{
	struct enf_addr m = *a;

	if (a->family != f->net.family)
		return 0;
	addr_mask(&m, f->plen);
	return addr_equal(&m, &f->net);
}

static int wanted(const struct filter *f, const struct monitor_event *ev)
{
	const struct enf_event *e = ev->raw;

	if (f->reasons && (e->reason >= 32 || !(f->reasons & 1U << e->reason)))
		return 0;
	if (f->verdict >= 0 && e->verdict != f->verdict)
		return 0;
	if (f->app[0] && (!ev->svc || strcmp(ev->svc->app, f->app) ||
			  strcmp(ev->svc->service, f->service)))
		return 0;
	if (f->has_addr && !addr_in(&e->src, f) && !addr_in(&e->dst, f))
		return 0;
	return 1;
}

static const char *endpoint_text(const struct enf_addr *a, __be16 port, int has_port, char *buf,
				 size_t len)
{
	if (!a->family)
		return "-";
	return endpoint_format(a, has_port ? ntohs(port) : 0, buf, len);
}

/* "tcp", "udp", "sctp", "icmp", "icmpv6" or "proto-N". */
static const char *proto_name(const struct enf_event *e, char *buf, size_t len)
{
	if (e->proto == 58)
		return "icmpv6";
	if (strcmp(enf_proto_name(e->proto), "?"))
		return enf_proto_name(e->proto);
	snprintf(buf, len, "proto-%u", e->proto);
	return buf;
}

static const char *proto_text(const struct enf_event *e, char *buf, size_t len)
{
	char name[16];

	if (!e->src.family)
		return "-";
	if (e->proto == 1 || e->proto == 58)
		snprintf(buf, len, "%s %u/%u", proto_name(e, name, sizeof(name)), e->icmp_type,
			 e->icmp_code);
	else
		snprintf(buf, len, "%s", proto_name(e, name, sizeof(name)));
	return buf;
}

static void print_text(const struct monitor_event *ev)
{
	const struct enf_event *e = ev->raw;
	char src[ADDR_STRLEN + 8], dst[ADDR_STRLEN + 8], proto[32], when[32];
	struct tm tm;

	localtime_r(&ev->wall.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s.%06ld %-12s %-5s %-18s %-10s %s -> %s", when, ev->wall.tv_nsec / 1000,
	       ev->ifname, e->verdict == ENF_EV_DROP ? "DROP" : e->verdict == ENF_EV_AUDIT ? "AUDIT"
											  : "PASS",
	       enf_reason_name(e->reason), proto_text(e, proto, sizeof(proto)),
	       endpoint_text(&e->src, e->sport, e->has_ports, src, sizeof(src)),
	       endpoint_text(&e->dst, e->dport, e->has_ports, dst, sizeof(dst)));
	if (ev->svc)
		printf(" %s/%s network=%s", ev->svc->app, ev->svc->service, ev->svc->network);
	if (e->encap)
		printf(" in=%s", enf_encap_name(e->encap));
	if (e->depth && e->outer_src.family)
		printf(" outer=%s", addr_format(&e->outer_src, src, sizeof(src)));
	printf(" %uB\n", e->bytes);
}

static void iso_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char secs[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%06uZ", secs, (unsigned int)(ts->tv_nsec / 1000 % 1000000));
}

/* One JSON object per line; field names are documented in docs/monitor.md. */
static void print_json(const struct monitor_event *ev)
{
	const struct enf_event *e = ev->raw;
	json_object *o = json_object_new_object();
	char buf[ADDR_STRLEN + 8], proto[32];

	iso_time(&ev->wall, buf, sizeof(buf));
	json_object_object_add(o, "event", json_object_new_string("verdict"));
	json_object_object_add(o, "time", json_object_new_string(buf));
	json_object_object_add(o, "iface", json_object_new_string(ev->ifname));
	json_object_object_add(o, "ifindex", json_object_new_int64(e->ifindex));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_name(e->verdict)));
	json_object_object_add(o, "reason", json_object_new_string(enf_reason_name(e->reason)));
	json_object_object_add(o, "proto", e->src.family ? json_object_new_string(proto_name(
						   e, proto, sizeof(proto))) : NULL);
	json_object_object_add(o, "src", e->src.family ? json_object_new_string(
						 addr_format(&e->src, buf, sizeof(buf))) : NULL);
	json_object_object_add(o, "dst", e->dst.family ? json_object_new_string(
						 addr_format(&e->dst, buf, sizeof(buf))) : NULL);
	if (e->has_ports) {
		json_object_object_add(o, "src_port", json_object_new_int(ntohs(e->sport)));
		json_object_object_add(o, "dst_port", json_object_new_int(ntohs(e->dport)));
	}
	if (e->src.family && (e->proto == 1 || e->proto == 58)) {
		json_object_object_add(o, "icmp_type", json_object_new_int(e->icmp_type));
		json_object_object_add(o, "icmp_code", json_object_new_int(e->icmp_code));
	}
	json_object_object_add(o, "app", ev->svc ? json_object_new_string(ev->svc->app) : NULL);
	json_object_object_add(o, "service",
			       ev->svc ? json_object_new_string(ev->svc->service) : NULL);
	json_object_object_add(o, "network",
			       ev->svc ? json_object_new_string(ev->svc->network) : NULL);
	json_object_object_add(o, "encap", json_object_new_string(enf_encap_name(e->encap)));
	if (e->depth)
		json_object_object_add(o, "outer_src", e->outer_src.family ? json_object_new_string(
						   addr_format(&e->outer_src, buf, sizeof(buf))) : NULL);
	json_object_object_add(o, "bytes", json_object_new_int64(e->bytes));
	json_object_object_add(o, "generation", json_object_new_uint64(e->generation));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static int on_event(void *ctx, const struct monitor_event *ev)
{
	struct monitor_run *r = ctx;

	if (r->out_failed || (r->limit && r->shown >= r->limit))
		return -ECANCELED;	/* libbpf stops the poll only on a negative value */
	if (!wanted(&r->f, ev)) {
		r->filtered++;
		return 0;
	}
	if (r->json)
		print_json(ev);
	else
		print_text(ev);
	if (ferror(stdout)) {
		r->out_failed = 1;
		return -ECANCELED;
	}
	r->shown++;
	return r->limit && r->shown >= r->limit ? -ECANCELED : 0;
}

/* What the kernel left out since the last report, said when it is not 0. */
static void report_left_out(struct monitor_run *r, const struct enf_mon_cpu *now,
			    struct enf_mon_cpu *last)
{
	uint64_t rate = now->rate_limited - last->rate_limited;
	uint64_t full = now->ring_full - last->ring_full;
	struct timespec ts;
	char when[40];

	*last = *now;
	if (!rate && !full)
		return;
	if (r->json) {
		json_object *o = json_object_new_object();

		clock_gettime(CLOCK_REALTIME, &ts);
		iso_time(&ts, when, sizeof(when));
		json_object_object_add(o, "event", json_object_new_string("left_out"));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "rate_limited", json_object_new_uint64(rate));
		json_object_object_add(o, "ring_full", json_object_new_uint64(full));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		fflush(stdout);
	} else {
		pr_err("monitor: %llu events left out by the kernel (rate limit: %llu, reader "
		       "behind: %llu)\n", (unsigned long long)(rate + full),
		       (unsigned long long)rate, (unsigned long long)full);
	}
}

int cmd_monitor(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct monitor_run r = { .f.verdict = -1 };
	struct monitor_opts mo = { .flags = ENF_MON_DROPS };
	struct enf_mon_cpu start = {}, last = {}, now = {};
	uint32_t duration = 0, count = 0;
	struct timespec t0, t;
	time_t reported;
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor *m = NULL;
	struct enf_state st;
	int c, code = 0, ret;
	char *slash;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'j':
			r.json = 1;
			break;
		case 'r':
			if (parse_reasons(optarg, &r.f.reasons))
				return EXIT_BADINPUT;
			break;
		case 's':
			slash = strchr(optarg, '/');
			if (!slash || slash == optarg || !slash[1] ||
			    (size_t)(slash - optarg) >= ENF_NAME_LEN ||
			    strlen(slash + 1) >= ENF_NAME_LEN) {
				pr_err("monitor: --service takes APP/SERVICE, not '%s'\n", optarg);
				return EXIT_BADINPUT;
			}
			snprintf(r.f.app, sizeof(r.f.app), "%.*s", (int)(slash - optarg), optarg);
			snprintf(r.f.service, sizeof(r.f.service), "%s", slash + 1);
			break;
		case 'a':
			if (parse_addr_filter(optarg, &r.f)) {
				pr_err("monitor: --addr takes an address or ADDR/LEN, not '%s'\n",
				       optarg);
				return EXIT_BADINPUT;
			}
			break;
		case 'V':
			if (!strcmp(optarg, "drop"))
				r.f.verdict = ENF_EV_DROP;
			else if (!strcmp(optarg, "pass"))
				r.f.verdict = ENF_EV_PASS;
			else if (!strcmp(optarg, "audit"))
				r.f.verdict = ENF_EV_AUDIT;
			else {
				pr_err("monitor: --verdict takes drop, pass or audit, not '%s'\n",
				       optarg);
				return EXIT_BADINPUT;
			}
			break;
		case 'p':
			mo.flags |= ENF_MON_PASSES;
			if (optarg && parse_u32(optarg, 1, 1000000, &mo.pass_sample)) {
				pr_err("monitor: --passes=N takes 1..1000000 (one pass in N), not "
				       "'%s'\n", optarg);
				return EXIT_BADINPUT;
			}
			break;
		case 'R':
			if (parse_u32(optarg, 1, 1000000, &mo.rate)) {
				pr_err("monitor: --rate takes 1..1000000 events a second per CPU, "
				       "not '%s'\n", optarg);
				return EXIT_BADINPUT;
			}
			break;
		case 'b':
			if (parse_u32(optarg, 1, 1000000, &mo.burst)) {
				pr_err("monitor: --burst takes 1..1000000, not '%s'\n", optarg);
				return EXIT_BADINPUT;
			}
			break;
		case 'c':
			if (parse_u32(optarg, 1, UINT32_MAX, &count)) {
				pr_err("monitor: --count takes a positive number, not '%s'\n", optarg);
				return EXIT_BADINPUT;
			}
			break;
		case 'd':
			if (parse_u32(optarg, 1, 31536000, &duration)) {
				pr_err("monitor: --duration takes seconds (1..31536000), not '%s'\n",
				       optarg);
				return EXIT_BADINPUT;
			}
			break;
		case CLI_DONE:
			return code;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	/* --verdict pass: only passes written (and the rate spent on them) */
	if (r.f.verdict == ENF_EV_PASS)
		mo.flags = ENF_MON_PASSES;
	else if (r.f.verdict >= 0)
		mo.flags = ENF_MON_DROPS;
	r.limit = count;

	if (state_open_loaded(&st, cli.pin_dir, "monitor"))
		return EXIT_RUNTIME;
	if (monitor_open(&st, &mo, on_event, &r, &m)) {
		state_close(&st);
		return EXIT_RUNTIME;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pr_err("monitor: reading %s%s events of %s (at most %u/s per CPU); Ctrl-C ends\n",
			mo.flags & ENF_MON_DROPS ? "drop" : "",
			mo.flags & ENF_MON_PASSES ? (mo.flags & ENF_MON_DROPS ? " and pass" : "pass")
						  : "",
			cli.pin_dir, mo.rate ? mo.rate : ENF_MON_RATE);
	monitor_counts(&st, &start);
	last = start;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	reported = t0.tv_sec;
	while (!stop_signal) {
		ret = monitor_poll(m, 250);
		/* written as a batch: what one poll brought, then flushed */
		if (fflush(stdout) || ferror(stdout))
			r.out_failed = 1;
		if (ret < 0 && ret != -EINTR && ret != -ECANCELED) {
			pr_err("monitor: reading events failed: %s\n", strerror(-ret));
			code = EXIT_RUNTIME;
			break;
		}
		if (r.out_failed || (r.limit && r.shown >= r.limit))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec > reported) {	/* at most once a second */
			reported = t.tv_sec;
			monitor_counts(&st, &now);
			report_left_out(&r, &now, &last);
		}
		if (duration && t.tv_sec - t0.tv_sec >= (time_t)duration)
			break;
	}
	monitor_close(m);
	monitor_counts(&st, &now);
	report_left_out(&r, &now, &last);
	pr_err("monitor: %llu shown, %llu filtered out here, %llu left out by the kernel\n",
			(unsigned long long)r.shown, (unsigned long long)r.filtered,
			(unsigned long long)(now.rate_limited + now.ring_full - start.rate_limited -
					     start.ring_full));
	state_close(&st);
	return code;
}
