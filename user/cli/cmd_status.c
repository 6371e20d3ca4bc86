// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer status [--json] [--check]
 *
 * The node's whole state from the pinned objects alone: program, policy
 * generation and manifest hash, attached interfaces with XDP mode and role,
 * per-reason counters (since load) and per-service counters (since the
 * generation was applied). --check exits 1 when the node is not enforcing:
 * no state, no manifest applied, or a link whose interface is gone or that
 * runs another program.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cli.h"
#include "daemon_info.h"
#include "enforcer_dns.h"
#include "links.h"
#include "log.h"
#include "names.h"
#include "state.h"

/* The link's ifindex is only meaningful in the network namespace the
 * interface lives in; from elsewhere, say so instead of misreading. */
static int same_netns(const struct link_info *l)
{
	char name[IF_NAMESIZE];

	return l->iface.ifindex && if_indextoname(l->iface.ifindex, name) &&
	       !strcmp(name, l->iface.name);
}

static const char *xdp_mode_name(const struct link_info *l)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (!l->iface.ifindex)
		return "gone";
	if (!same_netns(l))
		return "other-netns";
	if (bpf_xdp_query(l->iface.ifindex, 0, &q))
		return "none";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	case XDP_ATTACHED_MULTI:
		return "multi";
	}
	return "none";
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* The link's kind, as the interface is now ("?" when it cannot be read). */
static const char *link_kind_name(const struct link_info *l)
{
	enum link_kind kind;

	if (!same_netns(l) || links_kind(l->iface.name, &kind, NULL))
		return "?";
	return links_kind_name(kind);
}

static const char *dns_mode_name(const char *pin_dir, const struct link_info *l)
{
	enum link_kind kind;

	if (same_netns(l) && !links_kind(l->iface.name, &kind, NULL) && kind == LINK_L3)
		return "n/a (l3)";	/* answers are Ethernet frames */
	return same_netns(l) ? links_dns_mode(pin_dir, l->iface.name, l->iface.ifindex)
			     : xdp_mode_name(l);
}

/* Whether the link's queries are answered in XDP (attach --dns-xdp). */
static bool dns_xdp_on(const struct enf_state *st, const struct link_info *l)
{
	return same_netns(l) && links_dns_xdp(st, l->iface.ifindex);
}

/* For a link answering in XDP: why its replies no longer reach the
 * sender (a veth whose peer dropped its XDP program since attach), or "". */
static void dns_xdp_problem(const struct enf_state *st, const struct link_info *l, char *why,
			    size_t len)
{
	why[0] = 0;
	if (dns_xdp_on(st, l))
		links_xdp_tx_reaches(l->iface.ifindex, !strcmp(xdp_mode_name(l), "generic"), why,
				     len);
}

static const char *egress_mode_name(const char *pin_dir, const struct link_info *l)
{
	return same_netns(l) ? links_egress_mode(pin_dir, l->iface.name, l->iface.ifindex)
			     : xdp_mode_name(l);
}

struct status {
	const char *service_glob;	/* --service: rows whose APP/SERVICE match */
	bool all_services;		/* --services: every row in the text form */
	struct bpf_prog_info prog;
	struct bpf_prog_info l3_prog;	/* the program for layer-3 links */
	uint64_t flows;
	uint64_t frags;
	uint64_t dns[ENF_DNS_REASON_MAX];
	uint64_t dns_xdp[ENF_DNS_XDP_STAT_MAX];	/* enum enf_dns_xdp_stat */
	bool dns_listening[2];		/* a stream server's listener in enf_dns_listen, v4, v6 */
	uint32_t dns_steer_mark;	/* enf_dns_steer: forwarded resolvers steered with it */
	struct enf_active act;
	struct enf_policy pol;
	struct link_info *links;
	size_t nlinks;
	struct enf_counter reasons[ENF_REASON_MAX];
	struct enf_daemon_info daemon;
	bool daemon_running;
	bool flows_full;
	uint64_t heartbeat_age_ms;
	int unhealthy;
	char problem[256];
};

static void problem(struct status *s, const char *fmt, const char *arg)
{
	if (!s->unhealthy)
		snprintf(s->problem, sizeof(s->problem), fmt, arg);
	s->unhealthy = 1;
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static json_object *ju64(uint64_t v)
{
	return json_object_new_uint64(v);
}

void cli_policy_json(json_object *o, const struct enf_policy *p)
{
	json_object_object_add(o, "rack", jstr(p->rack));
	json_object_object_add(o, "networks", ju64(p->networks));
	json_object_object_add(o, "apps", ju64(p->apps));
	json_object_object_add(o, "services", ju64(p->services));
	json_object_object_add(o, "instances", ju64(p->instances));
	json_object_object_add(o, "addresses", ju64(p->dests));
	json_object_object_add(o, "public_ports", ju64(p->ports));
	json_object_object_add(o, "source_prefixes", ju64(p->src_prefixes));
	json_object_object_add(o, "source_classes", ju64(p->src_classes));
	json_object_object_add(o, "admission_entries", ju64(p->admit_entries));
}

/* Per-service rows: calls `row` for every service id of the active slot. */
static int for_each_service(struct enf_state *st, const struct status *s,
			    void (*row)(void *arg, uint32_t id, const struct enf_svc_meta *meta,
					const struct enf_svc_counter *cnt),
			    void *arg)
{
	int meta_fd, stat_fd;
	uint32_t id;

	meta_fd = state_inner_fd(st, SEL_META, s->act.slot);
	stat_fd = state_inner_fd(st, SEL_SVCSTAT, s->act.slot);
	if (meta_fd < 0 || stat_fd < 0) {
		if (meta_fd >= 0)
			close(meta_fd);
		if (stat_fd >= 0)
			close(stat_fd);
		return -EIO;
	}
	for (id = 1; id <= s->pol.services; id++) {
		struct enf_svc_meta meta = {};
		struct enf_svc_counter cnt = {};

		char name[2 * ENF_NAME_LEN + 2];

		if (bpf_map_lookup_elem(meta_fd, &id, &meta))
			break;
		snprintf(name, sizeof(name), "%s/%s", meta.app, meta.service);
		if (s->service_glob && fnmatch(s->service_glob, name, 0))
			continue;
		state_sum_percpu(stat_fd, id, &cnt, sizeof(cnt), 4);
		row(arg, id, &meta, &cnt);
	}
	close(meta_fd);
	close(stat_fd);
	return 0;
}

/* The text form's service rows: collected, the busiest first. */
#define STATUS_TEXT_ROWS	20	/* rows without --services */

struct svc_row {
	struct enf_svc_meta m;
	struct enf_svc_counter c;
};

struct svc_rows {
	struct svc_row *v;
	size_t n, cap;
	bool failed;
};

static void text_service_row(void *arg, uint32_t id, const struct enf_svc_meta *m,
			     const struct enf_svc_counter *c)
{
	struct svc_rows *r = arg;
	struct svc_row *nv;

	(void)id;
	if (r->n == r->cap) {
		nv = realloc(r->v, (r->cap ? 2 * r->cap : 64) * sizeof(*nv));
		if (!nv) {
			r->failed = true;
			return;
		}
		r->v = nv;
		r->cap = r->cap ? 2 * r->cap : 64;
	}
	r->v[r->n].m = *m;
	r->v[r->n++].c = *c;
}

static int busiest_first(const void *a, const void *b)
{
	const struct svc_row *x = a, *y = b;
	uint64_t tx = x->c.pass_packets + x->c.drop_packets;
	uint64_t ty = y->c.pass_packets + y->c.drop_packets;

	if (tx != ty)
		return tx < ty ? 1 : -1;
	return strcmp(x->m.app, y->m.app) ?: strcmp(x->m.service, y->m.service);
}

static void print_services_text(struct enf_state *st, struct status *s)
{
	struct svc_rows r = {};
	char name[2 * ENF_NAME_LEN + 2];
	size_t i, shown;

	for_each_service(st, s, text_service_row, &r);
	if (r.failed)
		pr_warn("status: out of memory listing services\n");
	shown = s->all_services || s->service_glob || r.n <= STATUS_TEXT_ROWS ? r.n
									       : STATUS_TEXT_ROWS;
	if (shown < r.n)
		qsort(r.v, r.n, sizeof(*r.v), busiest_first);
	printf("\nservices (since generation %llu%s):\n  %-32s %-16s %-8s %12s %12s\n",
	       (unsigned long long)s->pol.generation,
	       shown < r.n ? ", the busiest first" : "", "APP/SERVICE", "NETWORK", "KIND",
	       "PASS", "DROP");
	for (i = 0; i < shown; i++) {
		snprintf(name, sizeof(name), "%s/%s", r.v[i].m.app, r.v[i].m.service);
		printf("  %-32s %-16s %-8s %12llu %12llu\n", name, r.v[i].m.network,
		       r.v[i].m.public ? "public" : "internal",
		       (unsigned long long)r.v[i].c.pass_packets,
		       (unsigned long long)r.v[i].c.drop_packets);
	}
	if (shown < r.n)
		printf("  ... and %zu more (--services lists every one, --service 'APP/*' "
		       "filters)\n", r.n - shown);
	else if (!r.n && s->service_glob)
		printf("  (no service matches '%s')\n", s->service_glob);
	free(r.v);
}

/* status --short: what an operator looks at first, in a few lines. */
static void print_short(struct enf_state *st, struct status *s)
{
	uint64_t pass = 0, drop = 0;
	size_t i, up = 0;
	uint32_t r;

	for (r = 0; r < ENF_REASON_MAX; r++) {
		if (r == ENF_REASON_AUDIT_PASS)
			continue;
		if (!strcmp(enf_reason_verdict(r), "drop"))
			drop += s->reasons[r].packets;
		else
			pass += s->reasons[r].packets;
	}
	for (i = 0; i < s->nlinks; i++)
		up += s->links[i].iface.ifindex != 0;
	if (s->pol.generation)
		printf("policy:     generation %llu, %s, rack '%s': %u services, %u instances\n",
		       (unsigned long long)s->pol.generation,
		       s->pol.mode == ENF_MODE_AUDIT ? "audit" : "enforce", s->pol.rack,
		       s->pol.services, s->pol.instances);
	else
		printf("policy:     none applied (all traffic passes)\n");
	printf("interfaces: %zu attached", up);
	for (i = 0, r = 0; i < s->nlinks && r < 8; i++)
		if (s->links[i].iface.ifindex)
			printf("%s%s", r++ ? ", " : " (", s->links[i].iface.name);
	printf("%s\n", r && up > r ? ", ...)" : r ? ")" : "");
	if (s->daemon.state == ENF_DAEMON_RUNNING && s->daemon_running)
		printf("daemon:     pid %u, heartbeat %llu ms ago\n", s->daemon.pid,
		       (unsigned long long)s->heartbeat_age_ms);
	printf("packets:    %llu passed, %llu dropped", (unsigned long long)pass,
	       (unsigned long long)drop);
	for (r = 0, i = 0; r < ENF_REASON_MAX; r++)
		if (!strcmp(enf_reason_verdict(r), "drop") && s->reasons[r].packets)
			printf("%s %s %llu", i++ ? "," : ":", enf_reason_name(r),
			       (unsigned long long)s->reasons[r].packets);
	printf("\nflows:      %llu of %d\n", (unsigned long long)s->flows, ENF_MAX_FLOWS);
	printf("health:     %s%s\n", s->unhealthy ? "NOT enforcing: " : "ok",
	       s->unhealthy ? s->problem : "");
	(void)st;
}

static void json_service_row(void *arg, uint32_t id, const struct enf_svc_meta *m,
			     const struct enf_svc_counter *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", ju64(id));
	json_object_object_add(o, "app", jstr(m->app));
	json_object_object_add(o, "service", jstr(m->service));
	json_object_object_add(o, "network", jstr(m->network));
	json_object_object_add(o, "public", json_object_new_boolean(m->public));
	json_object_object_add(o, "instances", ju64(m->instances));
	json_object_object_add(o, "pass_packets", ju64(c->pass_packets));
	json_object_object_add(o, "pass_bytes", ju64(c->pass_bytes));
	json_object_object_add(o, "drop_packets", ju64(c->drop_packets));
	json_object_object_add(o, "drop_bytes", ju64(c->drop_bytes));
	json_object_array_add(arg, o);
}

/* Nothing is reported as enforcing while its program cannot read the
 * packets: the program attached must be the one for the link's kind. */
static void check_link_program(struct status *s, const struct link_info *l)
{
	enum link_kind kind;
	char msg[160];
	int err;

	err = links_kind(l->iface.name, &kind, NULL);
	if (err) {
		problem(s, "cannot read the link type of interface %s", l->iface.name);
		return;
	}
	if (kind == LINK_UNSUPPORTED) {
		problem(s, "interface %s is of a link type the programs cannot read (detach it)",
			l->iface.name);
	} else if (l->prog_id != (kind == LINK_L3 ? s->l3_prog.id : s->prog.id)) {
		if (l->prog_id == s->prog.id || l->prog_id == s->l3_prog.id) {
			snprintf(msg, sizeof(msg), "interface %%s is a%s link but runs the %s "
				 "program, which cannot read its packets (detach and attach it again)",
				 kind == LINK_L3 ? " layer-3" : "n Ethernet",
				 kind == LINK_L3 ? "Ethernet" : "layer-3");
			problem(s, msg, l->iface.name);
		} else {
			problem(s, "interface %s runs another program than the pinned one",
				l->iface.name);
		}
	}
}

/* Whether `name` is enforced: a pinned link on the interface of that name
 * as it is now. */
static bool enforced(const struct status *s, const char *name, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].iface.ifindex == ifindex && !strcmp(s->links[i].iface.name, name))
			return true;
	return false;
}

/* Every interface the manifest names, and every existing one a glob of it
 * matches, must have its programs. */
static void check_rules(struct status *s)
{
	struct if_nameindex *ifs = if_nameindex(), *it;
	char pat[sizeof(s->pol.ifrules[0].pattern) + 1];
	int r;

	for (r = 0; r < ENF_MAX_IFRULES && s->pol.ifrules[r].pattern[0]; r++) {
		const struct enf_ifrule *rule = &s->pol.ifrules[r];
		uint32_t ifindex;

		if (rule->is_glob)
			continue;
		snprintf(pat, sizeof(pat), "%.*s", (int)sizeof(rule->pattern), rule->pattern);
		ifindex = if_nametoindex(pat);
		if (!ifindex)
			problem(s, "interface %s, which the manifest names, does not exist", pat);
		else if (!enforced(s, pat, ifindex))
			problem(s, "interface %s, which the manifest names, lacks its programs", pat);
	}
	for (it = ifs; it && it->if_index; it++) {
		r = state_rule_for(&s->pol, it->if_name);
		if (r >= 0 && s->pol.ifrules[r].is_glob && !enforced(s, it->if_name, it->if_index))
			problem(s, "interface %s matches the manifest's interfaces but lacks its "
				"programs", it->if_name);
	}
	if (ifs)
		if_freenameindex(ifs);
}

static int collect(struct enf_state *st, struct status *s)
{
	__u32 len = sizeof(s->prog);
	uint32_t r;
	size_t i;
	int err;

	if (bpf_obj_get_info_by_fd(st->prog_fd, &s->prog, &len))
		return -errno;
	len = sizeof(s->l3_prog);
	if (bpf_obj_get_info_by_fd(st->l3_prog_fd, &s->l3_prog, &len))
		return -errno;
	err = state_active(st, &s->act, &s->pol);
	if (err)
		return err;
	for (r = 0; r < ENF_REASON_MAX; r++)
		state_sum_percpu(st->stats_fd, r, &s->reasons[r], sizeof(s->reasons[r]), 2);
	state_dns_stats(st, s->dns);
	state_dns_xdp_stats(st, s->dns_xdp);
	for (r = 0; r < 2; r++) {
		uint32_t key = r ? ENF_DNS_LISTEN_V6 : ENF_DNS_LISTEN_V4, zero = 0;
		uint64_t cookie;

		/* a sockmap lookup from userspace gives the socket's cookie */
		s->dns_listening[r] = st->dns_listen_fd >= 0 &&
				      !bpf_map_lookup_elem(st->dns_listen_fd, &key, &cookie);
		if (!r && st->dns_steer_fd >= 0)
			bpf_map_lookup_elem(st->dns_steer_fd, &zero, &s->dns_steer_mark);
	}
	err = links_list(st->pin_dir, &s->links, &s->nlinks);
	if (err)
		return err;
	s->flows = state_count_entries(st->flows_fd, sizeof(struct enf_flow_key));
	s->frags = state_count_entries(st->frags_fd, sizeof(struct enf_frag_key));

	if (!s->pol.generation)
		problem(s, "no manifest applied%s", "");
	for (i = 0; i < s->nlinks && !s->links[i].iface.ifindex; i++)
		;
	if (i == s->nlinks)
		problem(s, "nothing attached (no interface is enforced)%s", "");
	for (i = 0; i < s->nlinks; i++) {
		/* a deleted interface (a pod's veth gone with its pod) is not a
		 * fault: its link is defunct and enforces nothing anywhere */
		if (!s->links[i].iface.ifindex)
			continue;
		if (!same_netns(&s->links[i]))
			problem(s, "interface %s is in another network namespace: run status there",
				s->links[i].iface.name);
		else
			check_link_program(s, &s->links[i]);
	}
	check_rules(s);
	s->flows_full = s->flows * 10 >= (uint64_t)ENF_MAX_FLOWS * 9;
	if (s->flows_full)
		problem(s, "the flow table is nearly full (%s: new flows evict tracked ones)",
			"over 90%");
	if (s->frags * 10 >= (uint64_t)ENF_MAX_FRAGS * 9)
		problem(s, "the fragment table is nearly full (%s)", "over 90%");
	if (!daemon_info_read(st->pin_dir, &s->daemon)) {
		s->daemon_running = daemon_running(st->pin_dir);
		s->heartbeat_age_ms = daemon_heartbeat_age_ms(&s->daemon);
		/* a daemon that runs (holds its lock) but has not beaten: hung */
		if (s->daemon_running && s->heartbeat_age_ms > ENF_DAEMON_STALE_MS)
			problem(s, "the daemon's heartbeat is stale (%s)", "it hangs");
		if (s->daemon_running && s->daemon.last_apply_at && !s->daemon.last_apply_ok &&
		    !s->daemon.last_errors)
			problem(s, "the daemon's last apply failed in the kernel (%s)",
				"it retries; see its log");
	}
	return 0;
}

static void fmt_age(uint64_t ms, char *buf, size_t len)
{
	if (ms < 60000)
		snprintf(buf, len, "%.1f s", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(ms / 60000),
			 (unsigned long long)(ms / 1000 % 60));
	else
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(ms / 3600000),
			 (unsigned long long)(ms / 60000 % 60));
}

static const char *daemon_state_name(const struct status *s)
{
	if (s->daemon.state == ENF_DAEMON_NONE)
		return "none";
	if (s->daemon.state == ENF_DAEMON_STOPPED)
		return "stopped";
	if (!s->daemon_running)
		return "dead";	/* killed without stopping: its lock went with it */
	return s->heartbeat_age_ms > ENF_DAEMON_STALE_MS ? "hung" : "running";
}

static void print_daemon_text(const struct status *s)
{
	char up[32], beat[32], when[64];
	time_t at = (time_t)s->daemon.last_apply_at;
	struct tm tm;

	if (s->daemon.state == ENF_DAEMON_NONE) {
		printf("daemon:     none (this node is run by hand: `enforcer daemon -f MANIFEST`)\n");
		return;
	}
	fmt_age(((uint64_t)time(NULL) - s->daemon.started_at) * 1000, up, sizeof(up));
	fmt_age(s->heartbeat_age_ms, beat, sizeof(beat));
	gmtime_r(&at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("daemon:     %s, pid %u, up %s, heartbeat %s ago, %u links, %u instances "
	       "failing health\n", daemon_state_name(s), s->daemon.pid, up, beat, s->daemon.links,
	       s->daemon.unhealthy);
	printf("            watches %s; last apply %s: %s (generation %llu); %llu applied, "
	       "%llu rejected\n", s->daemon.manifest, when,
	       s->daemon.last_apply_ok ? "ok" : "rejected",
	       (unsigned long long)s->daemon.last_generation,
	       (unsigned long long)s->daemon.applies, (unsigned long long)s->daemon.rejects);
}

static void print_text(struct enf_state *st, struct status *s)
{
	char sha[65], when[64];
	time_t at = s->pol.applied_at;
	struct tm tm;
	uint32_t r;
	size_t i;

	printf("pin dir:    %s\n", st->pin_dir);
	printf("program:    %s id %u, %u instructions (%u verified), %s\n", s->prog.name,
	       s->prog.id, s->prog.xlated_prog_len / 8, s->prog.verified_insns,
	       s->prog.jited_prog_len ? "JIT-compiled" : "interpreted");
	if (!s->pol.generation) {
		printf("policy:     none applied (all traffic passes)\n");
	} else {
		hex(s->pol.sha256, sizeof(s->pol.sha256), sha);
		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("policy:     generation %llu (slot %u), mode %s, applied %s\n",
		       (unsigned long long)s->pol.generation, s->act.slot,
		       s->pol.mode == ENF_MODE_AUDIT ? "audit" : "enforce", when);
		printf("manifest:   %s sha256:%.16s\n", s->pol.manifest, sha);
		printf("contents:   rack '%s': %u networks, %u apps, %u services, %u instances\n",
		       s->pol.rack, s->pol.networks, s->pol.apps, s->pol.services,
		       s->pol.instances);
		printf("maps:       %u addresses, %u public ports, %u source prefixes "
		       "(%u classes), %u admission entries\n",
		       s->pol.dests, s->pol.ports, s->pol.src_prefixes, s->pol.src_classes,
		       s->pol.admit_entries);
	}

	print_daemon_text(s);

	printf("\ninterfaces: %zu attached\n", s->nlinks);
	if (s->nlinks)
		printf("  %-16s %7s %-11s %-11s %-11s %-7s %-9s %6s %6s\n", "IFACE", "IFINDEX",
		       "XDP", "DNS (TC)", "FLOWS (TC)", "ROLE", "TYPE", "LINK", "PROG");
	for (i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];

		char dns[32], why[200];

		snprintf(dns, sizeof(dns), "%s%s", dns_mode_name(st->pin_dir, l),
			 dns_xdp_on(st, l) ? "+xdp" : "");
		printf("  %-16s %7u %-11s %-11s %-11s %-7s %-9s %6u %6u\n", l->iface.name,
		       l->iface.ifindex, xdp_mode_name(l), dns,
		       egress_mode_name(st->pin_dir, l),
		       enf_role_name(state_role_for(&s->pol, l->iface.name)), link_kind_name(l),
		       l->link_id, l->prog_id);
		dns_xdp_problem(st, l, why, sizeof(why));
		if (why[0])
			printf("  warning: %s: DNS replies sent in XDP do not arrive: %s (attach "
			       "it again without --dns-xdp)\n", l->iface.name, why);
	}

	printf("\ncounters (since load):\n  %-20s %14s %16s\n", "REASON", "PACKETS", "BYTES");
	for (r = 0; r < ENF_REASON_MAX; r++)
		printf("  %-20s %14llu %16llu\n", enf_reason_name(r),
		       (unsigned long long)s->reasons[r].packets,
		       (unsigned long long)s->reasons[r].bytes);

	printf("\nflows:      %llu of %d tracked (replies to flows instances opened), "
	       "%llu of %d first fragments cached\n", (unsigned long long)s->flows, ENF_MAX_FLOWS,
	       (unsigned long long)s->frags, ENF_MAX_FRAGS);
	printf("\nDNS answers (since load):\n");
	for (r = 0; r < ENF_DNS_REASON_MAX; r++)
		printf("  %-20s %14llu\n", enf_dns_reason_name(r), (unsigned long long)s->dns[r]);
	printf("  of these, in XDP:   %14llu (%llu left to TC: no room to grow the frame)\n",
	       (unsigned long long)s->dns_xdp[ENF_DNS_XDP_ANSWERED],
	       (unsigned long long)s->dns_xdp[ENF_DNS_XDP_NO_ROOM]);
	if (!s->dns_listening[0] && !s->dns_listening[1])
		printf("TCP/53:     to the resolver (no stream server listens: daemon or dns serve)\n");
	else if (s->dns_steer_mark)
		printf("TCP/53:     steered to the stream server (%s), forwarded resolver addresses "
		       "too (fwmark 0x%x)\n", s->dns_listening[1] ? s->dns_listening[0] ?
		       "IPv4, IPv6" : "IPv6" : "IPv4", s->dns_steer_mark);
	else
		printf("TCP/53:     steered to the stream server (%s), the node's own resolver "
		       "addresses only\n", s->dns_listening[1] ? s->dns_listening[0] ?
		       "IPv4, IPv6" : "IPv6" : "IPv4");

	if (s->pol.generation && s->pol.services)
		print_services_text(st, s);
	printf("\nhealth:     %s%s\n", s->unhealthy ? "NOT enforcing: " : "ok",
	       s->unhealthy ? s->problem : "");
}

static json_object *daemon_json(const struct status *s)
{
	json_object *o = json_object_new_object(), *la = json_object_new_object();

	json_object_object_add(o, "state", jstr(daemon_state_name(s)));
	json_object_object_add(o, "running",
			       json_object_new_boolean(!strcmp(daemon_state_name(s), "running")));
	json_object_object_add(o, "pid", ju64(s->daemon.pid));
	json_object_object_add(o, "started_at", ju64(s->daemon.started_at));
	json_object_object_add(o, "heartbeat_age_ms",
			       ju64(s->daemon.state ? s->heartbeat_age_ms : 0));
	json_object_object_add(o, "manifest", jstr(s->daemon.manifest));
	json_object_object_add(o, "links", ju64(s->daemon.links));
	json_object_object_add(o, "unhealthy_instances", ju64(s->daemon.unhealthy));
	json_object_object_add(o, "applies", ju64(s->daemon.applies));
	json_object_object_add(o, "rejects", ju64(s->daemon.rejects));
	json_object_object_add(la, "at", ju64(s->daemon.last_apply_at));
	json_object_object_add(la, "ok", json_object_new_boolean(s->daemon.last_apply_ok));
	json_object_object_add(la, "generation", ju64(s->daemon.last_generation));
	json_object_object_add(la, "errors", ju64(s->daemon.last_errors));
	json_object_object_add(o, "last_apply", la);
	return o;
}

static void print_json(struct enf_state *st, struct status *s)
{
	json_object *root = json_object_new_object(), *o, *arr;
	char sha[65];
	uint32_t r;
	size_t i;

	json_object_object_add(root, "pin_dir", jstr(st->pin_dir));
	o = json_object_new_object();
	json_object_object_add(o, "id", ju64(s->prog.id));
	json_object_object_add(o, "name", jstr(s->prog.name));
	json_object_object_add(o, "xlated_insns", ju64(s->prog.xlated_prog_len / 8));
	json_object_object_add(o, "verified_insns", ju64(s->prog.verified_insns));
	json_object_object_add(o, "jited", json_object_new_boolean(s->prog.jited_prog_len > 0));
	json_object_object_add(root, "program", o);

	o = json_object_new_object();
	hex(s->pol.sha256, sizeof(s->pol.sha256), sha);
	json_object_object_add(o, "generation", ju64(s->pol.generation));
	json_object_object_add(o, "slot", ju64(s->act.slot));
	json_object_object_add(o, "mode", jstr(s->pol.mode == ENF_MODE_AUDIT ? "audit" : "enforce"));
	json_object_object_add(o, "applied_at", ju64(s->pol.applied_at));
	json_object_object_add(o, "manifest", jstr(s->pol.manifest));
	json_object_object_add(o, "sha256", jstr(s->pol.generation ? sha : ""));
	cli_policy_json(o, &s->pol);
	json_object_object_add(root, "policy", o);

	arr = json_object_new_array();
	for (i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];
		char why[200];

		o = json_object_new_object();
		json_object_object_add(o, "name", jstr(l->iface.name));
		json_object_object_add(o, "ifindex", ju64(l->iface.ifindex));
		json_object_object_add(o, "link_type", jstr(link_kind_name(l)));
		json_object_object_add(o, "xdp_mode", jstr(xdp_mode_name(l)));
		json_object_object_add(o, "dns_hook", jstr(dns_mode_name(st->pin_dir, l)));
		json_object_object_add(o, "dns_xdp", json_object_new_boolean(dns_xdp_on(st, l)));
		dns_xdp_problem(st, l, why, sizeof(why));
		json_object_object_add(o, "dns_xdp_problem", jstr(why));
		json_object_object_add(o, "egress_hook", jstr(egress_mode_name(st->pin_dir, l)));
		json_object_object_add(o, "role",
				       jstr(enf_role_name(state_role_for(&s->pol, l->iface.name))));
		json_object_object_add(o, "link_id", ju64(l->link_id));
		json_object_object_add(o, "prog_id", ju64(l->prog_id));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "interfaces", arr);

	o = json_object_new_object();
	for (r = 0; r < ENF_REASON_MAX; r++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "packets", ju64(s->reasons[r].packets));
		json_object_object_add(c, "bytes", ju64(s->reasons[r].bytes));
		json_object_object_add(o, enf_reason_name(r), c);
	}
	json_object_object_add(root, "counters", o);

	o = json_object_new_object();
	for (r = 0; r < ENF_DNS_REASON_MAX; r++)
		json_object_object_add(o, enf_dns_reason_name(r), ju64(s->dns[r]));
	json_object_object_add(root, "dns", o);
	o = json_object_new_object();
	json_object_object_add(o, "answered", ju64(s->dns_xdp[ENF_DNS_XDP_ANSWERED]));
	json_object_object_add(o, "no_room", ju64(s->dns_xdp[ENF_DNS_XDP_NO_ROOM]));
	json_object_object_add(root, "dns_xdp", o);
	o = json_object_new_object();
	json_object_object_add(o, "ipv4", json_object_new_boolean(s->dns_listening[0]));
	json_object_object_add(o, "ipv6", json_object_new_boolean(s->dns_listening[1]));
	json_object_object_add(o, "forwarded_mark", ju64(s->dns_steer_mark));
	json_object_object_add(root, "dns_tcp_steering", o);

	o = json_object_new_object();
	json_object_object_add(o, "tracked", ju64(s->flows));
	json_object_object_add(o, "limit", ju64(ENF_MAX_FLOWS));
	json_object_object_add(o, "fragments", ju64(s->frags));
	json_object_object_add(o, "fragments_limit", ju64(ENF_MAX_FRAGS));
	json_object_object_add(root, "flows", o);

	arr = json_object_new_array();
	if (s->pol.generation)
		for_each_service(st, s, json_service_row, arr);
	json_object_object_add(root, "services", arr);

	json_object_object_add(root, "daemon", daemon_json(s));

	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(!s->unhealthy));
	json_object_object_add(o, "problem", jstr(s->unhealthy ? s->problem : ""));
	json_object_object_add(root, "health", o);

	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

int cmd_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct status s = {};
	struct enf_state st;
	int c, json = 0, check = 0, brief = 0, err, code;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		if (c == CLI_DONE)
			return code;
		json |= c == 'j';	/* --json */
		check |= c == 'c';	/* --check */
		brief |= c == 's';	/* --short */
		if (c == 'a')		/* --services */
			s.all_services = true;
		if (c == 'S')		/* --service APP/SVC (a glob) */
			s.service_glob = optarg;
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;

	state_init(&st);
	err = state_open(&st, cli.pin_dir, false, false);
	if (err) {
		state_close(&st);
		if (err == -ENOENT) {
			if (json) {
				json_object *root = json_object_new_object();
				json_object *h = json_object_new_object();

				json_object_object_add(root, "pin_dir", jstr(cli.pin_dir));
				json_object_object_add(root, "loaded", json_object_new_boolean(0));
				json_object_object_add(h, "ok", json_object_new_boolean(0));
				json_object_object_add(h, "problem", jstr("not loaded"));
				json_object_object_add(root, "health", h);
				printf("%s\n", json_object_to_json_string_ext(
						      root, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_NOSLASHESCAPE));
				json_object_put(root);
			} else
				printf("enforcer is not loaded (no state in %s); "
				       "run `enforcer apply -f MANIFEST`\n", cli.pin_dir);
		}
		return EXIT_RUNTIME;
	}
	err = collect(&st, &s);
	if (err) {
		pr_err("cannot read enforcer state in %s: %s\n", cli.pin_dir, strerror(-err));
		free(s.links);
		state_close(&st);
		return EXIT_RUNTIME;
	}
	if (json)
		print_json(&st, &s);
	else if (brief)
		print_short(&st, &s);
	else
		print_text(&st, &s);
	free(s.links);
	state_close(&st);
	return check && s.unhealthy ? EXIT_RUNTIME : 0;
}
