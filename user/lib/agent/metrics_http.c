// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's Prometheus endpoint (--metrics ADDR:PORT): GET /metrics over
 * libmicrohttpd, from its own thread. Each scrape renders the node's
 * metrics (metrics_node: read-only map reads, with a state of the thread's
 * own) and appends the agent's, which the event loop renders once a second
 * into a text it hands over under a mutex: the thread never touches the
 * agent's structures.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "addr.h"
#include "agent.h"
#include "log.h"
#include "metrics.h"

struct metrics_http {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *agent_text;		/* the agent's part, as last published */
	struct enf_state st;		/* the HTTP thread's own */
	bool st_open;
	char pin_dir[PATH_MAX];
};

/* The agent's part; called by the loop (its own thread). */
void metrics_http_publish(struct agent *a)
{
	static const double le[AGENT_APPLY_BUCKETS] = { 0.005, 0.01, 0.025, 0.05, 0.1,
							0.25,  0.5,  1,	    2.5,  10 };
	static const char *const results[AGENT_RESULTS] = { "applied", "unchanged", "rejected",
							    "failed" };
	const struct agent_stats *s = &a->stats;
	struct metrics_http *h = a->http;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	if (!h)
		return;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	metrics_head(f, "enforcer_daemon_applies_total", "counter",
		     "Manifest reads by the daemon, by result: applied (a new generation), "
		     "unchanged (already in force), rejected (invalid), failed (the kernel "
		     "refused; retried).");
	for (i = 0; i < AGENT_RESULTS; i++)
		fprintf(f, "enforcer_daemon_applies_total{result=\"%s\"} %llu\n", results[i],
			(unsigned long long)s->results[i]);
	metrics_head(f, "enforcer_daemon_apply_duration_seconds", "histogram",
		     "Time from reading a manifest to its generation in force (compile, "
		     "maps, flip), for applies that made a new generation.");
	for (i = 0; i < AGENT_APPLY_BUCKETS; i++)
		fprintf(f, "enforcer_daemon_apply_duration_seconds_bucket{le=\"%g\"} %llu\n", le[i],
			(unsigned long long)s->apply_le[i]);
	fprintf(f, "enforcer_daemon_apply_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		   "enforcer_daemon_apply_duration_seconds_sum %.6f\n"
		   "enforcer_daemon_apply_duration_seconds_count %llu\n",
		(unsigned long long)s->results[AGENT_APPLIED], s->apply_sum_s,
		(unsigned long long)s->results[AGENT_APPLIED]);
	metrics_head(f, "enforcer_daemon_probes_total", "counter",
		     "Health probes that finished, by result (local errors of the node are "
		     "no result).");
	fprintf(f, "enforcer_daemon_probes_total{result=\"pass\"} %llu\n"
		   "enforcer_daemon_probes_total{result=\"fail\"} %llu\n",
		(unsigned long long)s->probes_ok, (unsigned long long)s->probes_failed);
	metrics_head(f, "enforcer_daemon_instances_unhealthy", "gauge",
		     "Instances out of DNS answers because their health probes fail.");
	fprintf(f, "enforcer_daemon_instances_unhealthy %u\n", a->info.unhealthy);
	metrics_head(f, "enforcer_daemon_links", "gauge", "Links the daemon manages.");
	fprintf(f, "enforcer_daemon_links %u\n", a->info.links);
	metrics_head(f, "enforcer_daemon_start_time_seconds", "gauge",
		     "When the daemon started (unix time).");
	fprintf(f, "enforcer_daemon_start_time_seconds %llu\n",
		(unsigned long long)a->info.started_at);
	if (fclose(f)) {
		free(text);
		return;
	}
	pthread_mutex_lock(&h->lock);
	free(h->agent_text);
	h->agent_text = text;
	pthread_mutex_unlock(&h->lock);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned int code, const char *msg)
{
	char *body = strdup(msg);

	return body ? reply(c, code, body, strlen(body), "text/plain; charset=utf-8") : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct metrics_http *h = cls;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size)
		return plain(c, MHD_HTTP_BAD_REQUEST, "no request body here\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return plain(c, MHD_HTTP_NOT_FOUND, "enforcer: the metrics are at /metrics\n");
	if (!h->st_open) {
		state_init(&h->st);
		if (state_open(&h->st, h->pin_dir, false, false)) {
			state_close(&h->st);	/* what it opened before failing */
			return plain(c, MHD_HTTP_SERVICE_UNAVAILABLE, "enforcer: nothing loaded\n");
		}
		h->st_open = true;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return MHD_NO;
	err = metrics_node(&h->st, f);
	pthread_mutex_lock(&h->lock);
	if (h->agent_text)
		fputs(h->agent_text, f);
	pthread_mutex_unlock(&h->lock);
	if (fclose(f) || err) {
		free(text);
		return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "enforcer: cannot read the maps\n");
	}
	return reply(c, MHD_HTTP_OK, text, len, "text/plain; version=0.0.4; charset=utf-8");
}

/* libmicrohttpd's complaints, as the daemon's other warnings */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fprintf(stderr, "enforcer: metrics: ");
	vfprintf(stderr, fmt, ap);
}

int metrics_http_start(struct agent *a, const char *pin_dir, const char *listen)
{
	struct sockaddr_storage ss = {};
	struct metrics_http *h;
	struct endpoint ep;
	/* epoll (MHD_USE_AUTO): no select() limit on fd numbers */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;

	if (endpoint_parse(listen, &ep) || !ep.port || ep.proto) {
		pr_err("daemon: --metrics takes ADDR:PORT or [IPv6]:PORT (0.0.0.0:9465), not "
		       "'%s'\n", listen);
		return -EINVAL;
	}
	if (ep.addr.family == ENF_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep.port);
		memcpy(&sin->sin_addr, ep.addr.addr, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep.port);
		memcpy(&sin6->sin6_addr, ep.addr.addr, 16);
		flags |= MHD_USE_IPv6;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	snprintf(h->pin_dir, sizeof(h->pin_dir), "%s", pin_dir);
	a->http = h;
	metrics_http_publish(a);
	errno = 0;
	h->d = MHD_start_daemon(flags, ep.port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)4,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!h->d) {
		int err = errno ? errno : EADDRNOTAVAIL;

		pr_err("daemon: cannot serve metrics on %s: %s\n", listen, strerror(err));
		metrics_http_stop(a);
		return -err;
	}
	return 0;
}

void metrics_http_stop(struct agent *a)
{
	struct metrics_http *h = a->http;

	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);	/* joins the thread */
	if (h->st_open)
		state_close(&h->st);
	free(h->agent_text);
	pthread_mutex_destroy(&h->lock);
	free(h);
	a->http = NULL;
}
