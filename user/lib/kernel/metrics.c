// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The node's metrics in the Prometheus text format (see metrics.h). */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforcer_dns.h"
#include "links.h"
#include "metrics.h"
#include "monitor.h"
#include "names.h"
#include "state.h"

const char *metrics_label(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 2 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : *s;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

void metrics_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The interfaces holding rows of enf_if_stats in the generation in force. */
struct row_owner {
	uint32_t row;
	char name[IF_NAMESIZE];
};

static int cmp_owner(const void *a, const void *b)
{
	return strcmp(((const struct row_owner *)a)->name, ((const struct row_owner *)b)->name);
}

static size_t row_owners(struct enf_state *st, struct row_owner *o, size_t max)
{
	uint32_t key, cur, *prev = NULL;
	struct enf_iface_val v;
	size_t n = 0;
	int fd = state_active_map(st, SEL_IFROLE);

	/* row 0: interfaces beyond the rows, and packets before a policy;
	 * labelled "" (no interface), which no interface can be called */
	o[n].row = 0;
	o[n++].name[0] = '\0';
	while (fd >= 0 && n < max && !bpf_map_get_next_key(fd, prev, &key)) {
		cur = key;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &key, &v) || !v.stats_row || v.stats_row >= ENF_IF_ROWS)
			continue;
		if (!if_indextoname(key, o[n].name))
			continue;	/* gone: its row is handed out again */
		o[n++].row = v.stats_row;
	}
	if (fd >= 0)
		close(fd);
	qsort(o + 1, n - 1, sizeof(*o), cmp_owner);
	return n;
}

static void interface_counters(struct enf_state *st, FILE *f)
{
	static struct row_owner owners[ENF_IF_ROWS + 1];
	struct enf_counter c[ENF_REASON_MAX];
	size_t n = row_owners(st, owners, ENF_IF_ROWS + 1), i;
	char lbl[2 * IF_NAMESIZE];
	int pass;
	uint32_t r;

	for (pass = 0; pass < 2; pass++) {
		if (!pass)
			metrics_head(f, "enforcer_packets_total", "counter",
				     "Packets the XDP program judged, by receiving interface, reason "
				     "and verdict (audit: would have been dropped, counted besides "
				     "its drop_ reason).");
		else
			metrics_head(f, "enforcer_bytes_total", "counter",
				     "Bytes (frame length) the XDP program judged, by receiving "
				     "interface, reason and verdict.");
		for (i = 0; i < n; i++) {
			uint64_t any = 0;

			for (r = 0; r < ENF_REASON_MAX; r++) {
				if (state_sum_percpu(st->if_stats_fd,
						     owners[i].row * ENF_REASON_SLOTS + r, &c[r],
						     sizeof(c[r]), 2))
					memset(&c[r], 0, sizeof(c[r]));
				any |= c[r].packets;
			}
			if (!owners[i].row && !any)
				continue;	/* row 0 only when it counted something */
			metrics_label(owners[i].name, lbl, sizeof(lbl));
			for (r = 0; r < ENF_REASON_MAX; r++)
				fprintf(f, "enforcer_%s_total{interface=\"%s\",reason=\"%s\","
					   "verdict=\"%s\"} %llu\n", pass ? "bytes" : "packets", lbl,
					enf_reason_name(r), enf_reason_verdict(r),
					(unsigned long long)(pass ? c[r].bytes : c[r].packets));
		}
	}
}

static void service_counters(struct enf_state *st, const struct enf_policy *pol, uint32_t slot,
			     FILE *f)
{
	static const char *const names[2] = { "enforcer_service_packets_total",
					      "enforcer_service_bytes_total" };
	int meta_fd = state_inner_fd(st, SEL_META, slot);
	int stat_fd = state_inner_fd(st, SEL_SVCSTAT, slot);
	char app[2 * ENF_NAME_LEN], svc[2 * ENF_NAME_LEN], net[2 * ENF_NAME_LEN];
	struct enf_svc_counter *cnt = NULL;
	struct enf_svc_meta *meta = NULL;
	uint32_t id, n = 0;
	int k;

	if (meta_fd >= 0 && stat_fd >= 0 && pol->services) {
		meta = calloc(pol->services + 1, sizeof(*meta));
		cnt = calloc(pol->services + 1, sizeof(*cnt));
	}
	for (id = 1; meta && cnt && id <= pol->services; id++, n++) {
		if (bpf_map_lookup_elem(meta_fd, &id, &meta[id]))
			break;
		state_sum_percpu(stat_fd, id, &cnt[id], sizeof(cnt[id]), 4);
	}
	for (k = 0; k < 2; k++) {
		metrics_head(f, names[k], "counter",
			     k ? "Bytes to a service's addresses and ports, by verdict (kept "
				 "across applies while the service does not change)."
			       : "Packets to a service's addresses and ports, by verdict (kept "
				 "across applies while the service does not change).");
		for (id = 1; id <= n; id++) {
			metrics_label(meta[id].app, app, sizeof(app));
			metrics_label(meta[id].service, svc, sizeof(svc));
			metrics_label(meta[id].network, net, sizeof(net));
			fprintf(f, "%s{app=\"%s\",service=\"%s\",network=\"%s\",verdict=\"pass\"} %llu\n"
				   "%s{app=\"%s\",service=\"%s\",network=\"%s\",verdict=\"drop\"} %llu\n",
				names[k], app, svc, net,
				(unsigned long long)(k ? cnt[id].pass_bytes : cnt[id].pass_packets),
				names[k], app, svc, net,
				(unsigned long long)(k ? cnt[id].drop_bytes : cnt[id].drop_packets));
		}
	}
	free(meta);
	free(cnt);
	if (meta_fd >= 0)
		close(meta_fd);
	if (stat_fd >= 0)
		close(stat_fd);
}

/* DNS reasons that are answers, with the RCODE they carry. */
static const char *dns_rcode(unsigned int r)
{
	switch (r) {
	case ENF_DNS_ANSWER:
	case ENF_DNS_NODATA:
	case ENF_DNS_TRUNCATED:
		return "NOERROR";
	case ENF_DNS_NXDOMAIN:
		return "NXDOMAIN";
	case ENF_DNS_REFUSED:
		return "REFUSED";
	case ENF_DNS_FORMERR:
		return "FORMERR";
	case ENF_DNS_NOTIMP:
		return "NOTIMP";
	case ENF_DNS_BADVERS:
		return "BADVERS";
	}
	return NULL;
}

static void dns_counters(struct enf_state *st, FILE *f)
{
	uint64_t v[ENF_DNS_REASON_MAX];
	unsigned int r;

	state_dns_stats(st, v);
	metrics_head(f, "enforcer_dns_answers_total", "counter",
		     "DNS answers the TC program wrote, by RCODE and reason (nodata and "
		     "truncated are NOERROR).");
	for (r = 0; r < ENF_DNS_REASON_MAX; r++)
		if (dns_rcode(r))
			fprintf(f, "enforcer_dns_answers_total{rcode=\"%s\",reason=\"%s\"} %llu\n",
				dns_rcode(r), enf_dns_reason_name(r), (unsigned long long)v[r]);
	metrics_head(f, "enforcer_dns_unanswered_total", "counter",
		     "Packets the DNS program left alone (passed to the resolver, not a query "
		     "to us) or could not answer (error), by reason.");
	for (r = 0; r < ENF_DNS_REASON_MAX; r++)
		if (!dns_rcode(r))
			fprintf(f, "enforcer_dns_unanswered_total{reason=\"%s\"} %llu\n",
				enf_dns_reason_name(r), (unsigned long long)v[r]);
}

static void fill(FILE *f, const struct enf_policy *pol, struct enf_state *st)
{
	const struct {
		const char *map;
		uint64_t entries, max;
	} m[] = {
		{ "enf_flows", state_count_entries(st->flows_fd, sizeof(struct enf_flow_key)),
		  ENF_MAX_FLOWS },
		{ "enf_frags", state_count_entries(st->frags_fd, sizeof(struct enf_frag_key)),
		  ENF_MAX_FRAGS },
		{ "enf_dst", pol->dests, ENF_MAX_DESTS },
		{ "enf_ports", pol->ports, ENF_MAX_PORTS },
		{ "enf_src", pol->src_prefixes, ENF_MAX_SRC_PREFIXES },
		{ "enf_admit", pol->admit_entries, ENF_MAX_ADMIT },
		{ "enf_svc_meta", pol->services, ENF_MAX_SERVICES - 1 },
	};
	size_t i;

	metrics_head(f, "enforcer_map_entries", "gauge",
		     "Entries in a map: flows and first fragments tracked, and what the "
		     "generation in force holds.");
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		fprintf(f, "enforcer_map_entries{map=\"%s\"} %llu\n", m[i].map,
			(unsigned long long)m[i].entries);
	metrics_head(f, "enforcer_map_max_entries", "gauge",
		     "The most entries a map takes (a full flow table evicts the least "
		     "recently used flow).");
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		fprintf(f, "enforcer_map_max_entries{map=\"%s\"} %llu\n", m[i].map,
			(unsigned long long)m[i].max);
}

static void policy(FILE *f, const struct enf_policy *pol)
{
	char sha[65], rack[2 * ENF_NAME_LEN], manifest[2 * sizeof(pol->manifest)];
	int i;

	for (i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", pol->sha256[i]);
	metrics_head(f, "enforcer_policy_generation", "gauge",
		     "Generation of the policy in force (0: none applied, everything passes).");
	fprintf(f, "enforcer_policy_generation %llu\n", (unsigned long long)pol->generation);
	metrics_head(f, "enforcer_policy_applied_timestamp_seconds", "gauge",
		     "When the policy in force was applied (unix time).");
	fprintf(f, "enforcer_policy_applied_timestamp_seconds %llu\n",
		(unsigned long long)pol->applied_at);
	metrics_head(f, "enforcer_policy_info", "gauge",
		     "The policy in force: manifest SHA-256, path, rack and mode (value 1).");
	if (pol->generation)
		fprintf(f, "enforcer_policy_info{sha256=\"%s\",manifest=\"%s\",rack=\"%s\","
			   "mode=\"%s\"} 1\n", sha,
			metrics_label(pol->manifest, manifest, sizeof(manifest)),
			metrics_label(pol->rack, rack, sizeof(rack)),
			pol->mode == ENF_MODE_AUDIT ? "audit" : "enforce");
}

int metrics_node(struct enf_state *st, FILE *f)
{
	struct enf_mon_cpu mon;
	struct link_info *links = NULL;
	struct enf_active act;
	struct enf_policy pol;
	size_t nlinks = 0, i, up = 0;
	int err;

	err = state_active(st, &act, &pol);
	if (err)
		return err;
	policy(f, &pol);
	interface_counters(st, f);
	service_counters(st, &pol, act.slot, f);
	dns_counters(st, f);
	fill(f, &pol, st);
	if (!links_list(st->pin_dir, &links, &nlinks))
		for (i = 0; i < nlinks; i++)
			up += links[i].iface.ifindex != 0;
	free(links);
	metrics_head(f, "enforcer_interfaces_attached", "gauge",
		     "Interfaces with the enforcer's programs attached (pinned links whose "
		     "interface exists).");
	fprintf(f, "enforcer_interfaces_attached %zu\n", up);
	monitor_counts(st, &mon);
	metrics_head(f, "enforcer_monitor_events_total", "counter",
		     "Monitor events: written to the ring buffer, or left out by the rate "
		     "limit or because the reader fell behind (ring_full).");
	fprintf(f, "enforcer_monitor_events_total{outcome=\"written\"} %llu\n"
		   "enforcer_monitor_events_total{outcome=\"rate_limited\"} %llu\n"
		   "enforcer_monitor_events_total{outcome=\"ring_full\"} %llu\n",
		(unsigned long long)mon.emitted, (unsigned long long)mon.rate_limited,
		(unsigned long long)mon.ring_full);
	return ferror(f) ? -EIO : 0;
}
