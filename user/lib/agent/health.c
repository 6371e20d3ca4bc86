// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Health probes of the manifest's `health:` services, and DNS answers that
 * follow them.
 *
 * Every instance of such a service is probed from the node: a TCP connect,
 * or an HTTP/1.0 GET of the path expecting a 2xx or 3xx status. Probes are
 * non-blocking sockets in the agent's epoll, at most MAX_INFLIGHT at once,
 * each instance on its own schedule with jitter, so that ten thousand
 * instances neither storm the network nor wait in one queue.
 *
 * `unhealthy` failures in a row take an instance out of the service name's
 * A/AAAA answers and its SRV sets; `healthy` passes put it back. The packet
 * path is untouched (health is not policy): only the answer maps of the
 * generation in force change, and atomically, through the spare RRset the
 * zone compiler keeps for every such set (zone.h): the healthy subset is
 * written into the copy no name points at, then each name is repointed with
 * one hash-map update. `publish_not_ready: true` services are probed and
 * logged, but keep every instance in their answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "agent.h"
#include "events.h"
#include "log.h"

#define MAX_INFLIGHT	64
#define REPUBLISH_MS	100	/* between two flips of one service: far longer than
				 * any program run that may still read the old set */

enum phase { IDLE, CONNECTING, READING };

struct probe {
	char app[MF_NAME_MAX];
	char service[MF_NAME_MAX];
	size_t gsvc;			/* global service number (zone.h) */
	size_t inst;			/* instance index in the service */
	struct enf_addr addr;
	uint16_t port;
	char *path;			/* NULL: TCP connect */
	struct mf_health h;		/* thresholds and timings (h.path unused) */
	bool healthy;
	bool known;			/* state carried over from the last generation */
	unsigned int passes, fails;	/* in a row */
	uint64_t due_ms;
	uint64_t deadline_ms;
	int fd;
	enum phase phase;
	char resp[16];
	size_t got;
};

struct svc_state {
	bool spare;		/* the names point at R + 1 */
	bool dirty;		/* healthy set changed, not yet published */
	uint64_t published_ms;
};

struct health {
	struct probe *v;
	size_t n;
	struct svc_state *svc;	/* per global service number */
	size_t nsvc;
	uint32_t inflight;
	uint32_t unhealthy;
};

int health_init(struct agent *a)
{
	a->health = calloc(1, sizeof(*a->health));
	return a->health ? 0 : -ENOMEM;
}

static void close_probe(struct agent *a, struct probe *p)
{
	if (p->fd >= 0) {
		agent_unwatch_fd(a, p->fd);
		close(p->fd);
		a->health->inflight--;
	}
	p->fd = -1;
	p->phase = IDLE;
}

static void free_probes(struct agent *a, struct probe *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		close_probe(a, &v[i]);
		free(v[i].path);
	}
	free(v);
}

void health_free(struct agent *a)
{
	struct health *h = a->health;

	if (!h)
		return;
	free_probes(a, h->v, h->n);
	free(h->svc);
	free(h);
	a->health = NULL;
}

uint32_t health_unhealthy(struct agent *a)
{
	return a->health ? a->health->unhealthy : 0;
}

bool health_owns(struct agent *a, void *ptr)
{
	struct health *h = a->health;

	return h && h->n && (struct probe *)ptr >= h->v && (struct probe *)ptr < h->v + h->n;
}

/* A random share of `ms` in [0, ms) (jitter; not security). */
static uint64_t jitter(uint64_t ms)
{
	return ms ? (uint64_t)random() % ms : 0;
}

static const struct probe *find_old(const struct probe *old, size_t n, const struct probe *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(old[i].app, p->app) && !strcmp(old[i].service, p->service) &&
		    addr_equal(&old[i].addr, &p->addr) && old[i].port == p->port)
			return &old[i];
	return NULL;
}

/* The first port number of global service `gsvc` among all ports. */
static size_t port_base(const struct manifest *m, size_t gsvc)
{
	size_t g = 0, base = 0, i, j;

	for (i = 0; i < m->napps; i++)
		for (j = 0; j < m->apps[i].nservices; j++, g++) {
			if (g == gsvc)
				return base;
			base += m->apps[i].services[j].nports;
		}
	return base;
}

static const struct mf_service *service_of(const struct manifest *m, size_t gsvc,
					   const char **app)
{
	size_t i;

	for (i = 0; i < m->napps; i++) {
		if (gsvc < m->apps[i].nservices) {
			*app = m->apps[i].name;
			return &m->apps[i].services[gsvc];
		}
		gsvc -= m->apps[i].nservices;
	}
	return NULL;
}

/* The answer maps of the generation in force, under the pin dir lock, and
 * only while that generation is the agent's own: its numbering of names and
 * RRsets is the agent's compile, and nothing else may be written by it. */
struct answer_maps {
	int a, aaaa, srv, names;
};

static int open_answers(struct agent *a, struct answer_maps *m)
{
	struct enf_policy pol = {};
	struct enf_active act;
	int err;

	m->a = m->aaaa = m->srv = m->names = -1;
	err = state_lock(&a->st);
	if (err)
		return err;
	err = state_active(&a->st, &act, &pol);
	if (!err && pol.generation != a->generation)
		err = -ESTALE;
	if (!err) {
		m->a = state_inner_fd(&a->st, SEL_DNS_A, act.slot);
		m->aaaa = state_inner_fd(&a->st, SEL_DNS_AAAA, act.slot);
		m->srv = state_inner_fd(&a->st, SEL_DNS_SRV, act.slot);
		m->names = state_inner_fd(&a->st, SEL_DNS_NAME, act.slot);
		if (m->a < 0 || m->aaaa < 0 || m->srv < 0 || m->names < 0)
			err = -EIO;
	}
	if (err)
		state_unlock(&a->st);
	return err;
}

static void close_answers(struct agent *a, struct answer_maps *m)
{
	int *fds[] = { &m->a, &m->aaaa, &m->srv, &m->names };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	state_unlock(&a->st);
}

/*
 * An agent that starts on answers an earlier one narrowed (the names point
 * at the spare) takes the instances missing from them as failing, so that
 * they come back when they pass rather than never: from its own start it
 * would see no change to publish. An instance beyond the 32 records a set
 * holds is missing without failing: it is counted only while the set is
 * short of that cap.
 */
static void recall(struct agent *a, const struct answer_maps *m, size_t g,
		   const struct mf_service *s, const struct enf_dns_name *v)
{
	size_t i, k, n4 = 0, n6 = 0;

	if (!s)
		return;
	for (i = 0; i < s->ninstances; i++) {
		if (s->instances[i].addr.family == ENF_AF_INET6)
			n6++;
		else
			n4++;
	}
	for (i = 0; i < a->health->n; i++) {
		struct probe *p = &a->health->v[i];
		bool v6 = p->addr.family == ENF_AF_INET6, present = false;
		size_t n = v6 ? v->n_aaaa : v->n_a;
		struct enf_dns_aaaa rec_aaaa;
		struct enf_dns_a rec_a;

		if (p->gsvc != g || p->known)
			continue;
		/* record k is in page rrset_id + k / 32, slot k % 32 */
		for (k = 0; k < n && !present; k++) {
			uint32_t page = v->rrset_id + (uint32_t)(k / ENF_DNS_MAX_RR);

			if (k % ENF_DNS_MAX_RR == 0 &&
			    bpf_map_lookup_elem(v6 ? m->aaaa : m->a, &page,
						v6 ? (void *)&rec_aaaa : (void *)&rec_a))
				return;
			present = v6 ? !memcmp(rec_aaaa.addr[k % ENF_DNS_MAX_RR], p->addr.addr, 16)
				     : !memcmp(&rec_a.addr[k % ENF_DNS_MAX_RR], p->addr.addr, 4);
		}
		if (present || n >= (v6 ? n6 : n4))
			continue;
		p->healthy = false;
		p->fails = p->h.unhealthy;
		a->health->unhealthy++;
	}
}

/* Pages of the compiled RRset `r` (its spare is r + that), from the
 * counts of a name that has it. */
static uint32_t rrset_pages(const struct zone_compiled *z, uint32_t r)
{
	size_t i;

	for (i = 0; i < z->nnames; i++) {
		const struct enf_dns_name *v = &z->names[i].val;

		if (v->rrset_id == r)
			return enf_dns_rrset_pages(v->n_a, v->n_aaaa, v->n_srv);
	}
	return 1;
}

/* Which copy of each service's RRsets its names point at now: a fresh
 * generation points at the first, but one adopted from an earlier daemon
 * may point at the spare, which must then not be written in place. */
static void note_spares(struct agent *a)
{
	const struct zone_compiled *z = &a->cur.c.zone;
	struct answer_maps m;
	const char *app;
	size_t g, i;

	if (open_answers(a, &m))
		return;
	for (g = 0; g < a->health->nsvc && g < z->nsvc_rrset; g++) {
		const struct mf_service *s = service_of(a->cur.m, g, &app);
		uint32_t r = z->svc_rrset[g];
		size_t p, pb = port_base(a->cur.m, g);
		bool by_name = r != 0;

		/* a service with a VIP has only its SRV sets to follow */
		for (p = 0; !r && s && p < s->nports && pb + p < z->nport_rrset; p++)
			r = z->port_rrset[pb + p];
		for (i = 0; r && i < z->nnames; i++) {
			struct enf_dns_name v;

			if (z->names[i].val.rrset_id != r)
				continue;
			if (!bpf_map_lookup_elem(m.names, &z->names[i].key, &v)) {
				a->health->svc[g].spare =
					v.rrset_id == r + enf_dns_rrset_pages(z->names[i].val.n_a,
									      z->names[i].val.n_aaaa,
									      z->names[i].val.n_srv);
				if (by_name && a->health->svc[g].spare)
					recall(a, &m, g, s, &v);
				else if (a->health->svc[g].spare)
					a->health->svc[g].dirty = true;	/* SRV only: restart from all */
			}
			break;
		}
	}
	close_answers(a, &m);
}

/* Repoint every name of RRset `from` at `to` with the given counts. */
static int repoint(const struct zone_compiled *z, int names_fd, uint32_t from, uint32_t to,
		   uint16_t n_a, uint16_t n_aaaa, uint16_t n_srv, bool srv)
{
	size_t i;

	for (i = 0; i < z->nnames; i++) {
		struct enf_dns_name v = z->names[i].val;

		if (v.rrset_id != from)
			continue;
		v.rrset_id = to;
		if (srv) {
			v.n_srv = n_srv;
		} else {
			v.n_a = n_a;
			v.n_aaaa = n_aaaa;
		}
		if (bpf_map_update_elem(names_fd, &z->names[i].key, &v, BPF_EXIST))
			return -errno;
	}
	return 0;
}

/* Write service `gsvc`'s healthy instances into its spare RRsets and
 * repoint its names there. */
static int publish(struct agent *a, size_t gsvc)
{
	const struct zone_compiled *z = &a->cur.c.zone;
	const struct manifest *m = a->cur.m;
	struct svc_state *ss = &a->health->svc[gsvc];
	const struct mf_service *s;
	struct enf_dns_a *rec_a = NULL;
	struct enf_dns_aaaa *rec_aaaa = NULL;
	struct enf_dns_srv *srv = NULL;
	const char *app = "";
	bool *up = NULL;
	uint16_t n4 = 0, n6 = 0;
	uint32_t r, answered = 0, pages, pages_srv, pg;
	struct answer_maps mp;
	size_t i, p, pb;
	int err;

	s = service_of(m, gsvc, &app);
	if (!s)
		return -ENOENT;
	r = gsvc < z->nsvc_rrset ? z->svc_rrset[gsvc] : 0;
	pages = r ? rrset_pages(z, r) : 1;
	pages_srv = enf_dns_rrset_pages(0, 0, (uint32_t)s->ninstances);
	up = calloc(s->ninstances ? s->ninstances : 1, sizeof(*up));
	rec_a = calloc(pages, sizeof(*rec_a));
	rec_aaaa = calloc(pages, sizeof(*rec_aaaa));
	srv = calloc(pages_srv, sizeof(*srv));
	if (!up || !rec_a || !rec_aaaa || !srv) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < s->ninstances; i++)
		up[i] = true;
	for (i = 0; i < a->health->n; i++)
		if (a->health->v[i].gsvc == gsvc && a->health->v[i].inst < s->ninstances)
			up[a->health->v[i].inst] = a->health->v[i].healthy;
	for (i = 0; i < s->ninstances; i++) {
		const struct enf_addr *ad = &s->instances[i].addr;

		if (!up[i])
			continue;
		answered++;
		/* the compiled set holds every instance: the healthy ones fit */
		if (ad->family == ENF_AF_INET6 && n6 < pages * ENF_DNS_MAX_RR) {
			memcpy(rec_aaaa[n6 / ENF_DNS_MAX_RR].addr[n6 % ENF_DNS_MAX_RR], ad->addr, 16);
			n6++;
		} else if (ad->family != ENF_AF_INET6 && n4 < pages * ENF_DNS_MAX_RR) {
			memcpy(&rec_a[n4 / ENF_DNS_MAX_RR].addr[n4 % ENF_DNS_MAX_RR], ad->addr, 4);
			n4++;
		}
	}

	err = open_answers(a, &mp);
	if (err == -ESTALE) {
		/* another generation is in force: the agent's next one
		 * publishes what it knows */
		goto out_quiet;
	}
	if (err)
		goto out;
	/* first every set, then the names: no name ever points at a set
	 * being written. The target is the copy no name points at: the
	 * compiled set R, or its spare R + pages. */
	for (pg = 0; r && pg < pages; pg++) {
		uint32_t t = r + (ss->spare ? 0 : pages) + pg;

		if (bpf_map_update_elem(mp.a, &t, &rec_a[pg], BPF_ANY) ||
		    bpf_map_update_elem(mp.aaaa, &t, &rec_aaaa[pg], BPF_ANY)) {
			err = -errno;
			goto unlock;
		}
	}
	pb = port_base(m, gsvc);
	for (p = 0; p < s->nports && pb + p < z->nport_rrset; p++) {
		uint32_t rp = z->port_rrset[pb + p], t = rp + (ss->spare ? 0 : pages_srv);
		uint16_t ns = 0;

		if (!rp)
			continue;
		memset(srv, 0, pages_srv * sizeof(*srv));
		for (i = 0; i < s->ninstances && ns < pages_srv * ENF_DNS_MAX_RR; i++) {
			struct enf_dns_srv_rr *rr;
			char num[8];
			int l;

			if (!up[i])
				continue;
			rr = &srv[ns / ENF_DNS_MAX_RR].rr[ns % ENF_DNS_MAX_RR];
			ns++;
			l = snprintf(num, sizeof(num), "%zu", i + 1);
			rr->label_len = (uint8_t)l;
			memcpy(rr->label, num, (size_t)l);
			rr->port = htons(s->ports[p].port);
		}
		for (pg = 0; pg < pages_srv; pg++) {
			uint32_t tp = t + pg;

			if (bpf_map_update_elem(mp.srv, &tp, &srv[pg], BPF_ANY)) {
				err = -errno;
				goto unlock;
			}
		}
		err = repoint(z, mp.names, rp, t, 0, 0, ns, true);
		if (err)
			goto unlock;
	}
	if (r)
		err = repoint(z, mp.names, r, r + (ss->spare ? 0 : pages), n4, n6, 0, false);
	if (!err) {
		ss->spare = !ss->spare;
		EV("dns_updated", EV_S("app", app), EV_S("service", s->name),
		   EV_U("answered", answered), EV_U("instances", s->ninstances));
	}
unlock:
	close_answers(a, &mp);
out:
	if (err)
		pr_warn("daemon: cannot update the DNS answers of %s/%s: %s\n", app, s->name,
			strerror(-err));
out_quiet:
	free(up);
	free(rec_a);
	free(rec_aaaa);
	free(srv);
	return err;
}

/* A service whose answers follow health: `health:` and no publish_not_ready. */
static bool follows_health(const struct mf_service *s)
{
	return s->has_health && !s->publish_not_ready;
}

void health_rebuild(struct agent *a)
{
	struct health *h = a->health;
	const struct manifest *m = a->cur.m;
	struct probe *v = NULL;
	size_t n = 0, cap = 0, nsvc = 0, i, j, k;
	uint64_t now = agent_now_ms();

	if (!h)
		return;
	for (i = 0; i < m->napps; i++)
		nsvc += m->apps[i].nservices;
	for (i = 0; i < m->napps; i++)
		for (j = 0; j < m->apps[i].nservices; j++)
			if (m->apps[i].services[j].has_health)
				cap += m->apps[i].services[j].ninstances;
	v = calloc(cap ? cap : 1, sizeof(*v));
	free(h->svc);
	h->svc = calloc(nsvc ? nsvc : 1, sizeof(*h->svc));
	if (!v || !h->svc) {
		free(v);
		pr_warn("daemon: out of memory for health probes: none run\n");
		free_probes(a, h->v, h->n);
		h->v = NULL;
		h->n = h->nsvc = h->unhealthy = 0;
		return;
	}
	h->nsvc = nsvc;
	h->unhealthy = 0;
	for (i = 0, nsvc = 0; i < m->napps; i++) {
		for (j = 0; j < m->apps[i].nservices; j++, nsvc++) {
			const struct mf_service *s = &m->apps[i].services[j];

			if (!s->has_health)
				continue;
			for (k = 0; k < s->ninstances; k++) {
				struct probe *p = &v[n++];
				const struct probe *o;

				snprintf(p->app, sizeof(p->app), "%s", m->apps[i].name);
				snprintf(p->service, sizeof(p->service), "%s", s->name);
				p->gsvc = nsvc;
				p->inst = k;
				p->addr = s->instances[k].addr;
				p->port = s->health.port;
				p->path = s->health.path ? strdup(s->health.path) : NULL;
				p->h = s->health;
				p->h.path = NULL;
				p->fd = -1;
				p->healthy = true;
				p->due_ms = now + jitter((uint64_t)p->h.interval * 1000);
				o = find_old(h->v, h->n, p);
				if (o) {
					/* an instance that stays keeps what is known of it */
					p->healthy = o->healthy;
					p->passes = o->passes;
					p->fails = o->fails;
					p->due_ms = o->due_ms;
					p->known = true;
				}
				if (!p->healthy) {
					h->unhealthy++;
					if (follows_health(s))
						h->svc[nsvc].dirty = true;
				}
			}
		}
	}
	free_probes(a, h->v, h->n);
	h->v = v;
	h->n = n;
	h->inflight = 0;
	note_spares(a);
	/* the new generation answers with every instance: publish the
	 * services that have failing ones now, not at their next change */
	for (i = 0; i < h->nsvc; i++)
		if (h->svc[i].dirty) {
			h->svc[i].dirty = false;
			publish(a, i);
			h->svc[i].published_ms = now;
		}
}

static void finish(struct agent *a, struct probe *p, bool ok, const char *why)
{
	struct health *h = a->health;
	const struct mf_service *s;
	const char *app;
	char addr[64];
	bool was = p->healthy;

	close_probe(a, p);
	if (ok)
		a->stats.probes_ok++;
	else
		a->stats.probes_failed++;
	if (ok) {
		p->passes++;
		p->fails = 0;
		if (!p->healthy && p->passes >= p->h.healthy)
			p->healthy = true;
	} else {
		p->fails++;
		p->passes = 0;
		if (p->healthy && p->fails >= p->h.unhealthy)
			p->healthy = false;
	}
	if (p->healthy == was)
		return;
	h->unhealthy += p->healthy ? -1u : 1u;
	addr_format(&p->addr, addr, sizeof(addr));
	EV("health", EV_S("app", p->app), EV_S("service", p->service), EV_S("instance", addr),
	   EV_U("port", p->port), EV_B("healthy", p->healthy), EV_S("reason", why));
	s = service_of(a->cur.m, p->gsvc, &app);
	if (s && follows_health(s))
		h->svc[p->gsvc].dirty = true;
}

/* Errors of this node, not of the instance (out of fds, memory, ports): no
 * result, so that pressure on the node never empties the answers. */
static bool is_local(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM || e == EADDRNOTAVAIL ||
	       e == EAGAIN;
}

static void local_failure(int e)
{
	static uint64_t said_ms;
	uint64_t now = agent_now_ms();

	if (now - said_ms > 60000) {
		pr_warn("daemon: cannot probe (%s): probes skipped, their instances unchanged\n",
			strerror(e));
		said_ms = now;
	}
}

static void start(struct agent *a, struct probe *p, uint64_t now)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd;

	/* the next one is due one interval on, give or take a tenth */
	p->due_ms = now + (uint64_t)p->h.interval * 900 + jitter((uint64_t)p->h.interval * 200);
	len = addr_to_sockaddr(&p->addr, p->port, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		local_failure(errno);
		return;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		if (is_local(e))
			local_failure(e);
		else
			finish(a, p, false, strerror(e));
		return;
	}
	if (agent_watch_fd(a, fd, EPOLLOUT, p)) {
		close(fd);
		finish(a, p, false, "cannot poll");
		return;
	}
	p->fd = fd;
	p->phase = CONNECTING;
	p->got = 0;
	p->deadline_ms = now + (uint64_t)p->h.timeout * 1000;
	a->health->inflight++;
}

static void connected(struct agent *a, struct probe *p)
{
	char req[MF_HEALTH_MAX + 256], host[64];
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };
	int n;

	if (!p->path) {
		finish(a, p, true, "connected");
		return;
	}
	addr_format(&p->addr, host, sizeof(host));
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s%s%s:%u\r\n"
		     "User-Agent: enforcer-health\r\nConnection: close\r\n\r\n", p->path,
		     p->addr.family == ENF_AF_INET6 ? "[" : "", host,
		     p->addr.family == ENF_AF_INET6 ? "]" : "", p->port);
	/* a fresh socket's buffer takes a request this small at once */
	if (n <= 0 || (size_t)n >= sizeof(req) || send(p->fd, req, (size_t)n, MSG_NOSIGNAL) != n ||
	    epoll_ctl(a->epoll_fd, EPOLL_CTL_MOD, p->fd, &ev)) {
		finish(a, p, false, "cannot send the request");
		return;
	}
	p->phase = READING;
}

/* "HTTP/1.x NNN": 2xx and 3xx pass. */
static void response(struct agent *a, struct probe *p)
{
	ssize_t n = recv(p->fd, p->resp + p->got, sizeof(p->resp) - 1 - p->got, 0);
	char why[32];
	int code;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		p->got += (size_t)n;
	p->resp[p->got] = '\0';
	if (p->got >= 12 || n <= 0) {
		if (sscanf(p->resp, "HTTP/%*d.%*d %3d", &code) != 1) {
			finish(a, p, false, n < 0 ? strerror(errno) : "no HTTP status line");
			return;
		}
		snprintf(why, sizeof(why), "HTTP %d", code);
		finish(a, p, code >= 200 && code < 400, why);
	}
}

void health_event(struct agent *a, void *ptr, uint32_t events)
{
	struct probe *p = ptr;
	socklen_t len = sizeof(int);
	int soerr = 0;

	if (p->fd < 0)
		return;
	if (p->phase == CONNECTING) {
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) || soerr) {
			finish(a, p, false, strerror(soerr ? soerr : errno));
			return;
		}
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connected(a, p);
	} else if (p->phase == READING) {
		response(a, p);
	}
}

int health_tick(struct agent *a)
{
	struct health *h = a->health;
	uint64_t now = agent_now_ms(), next = now + 1000;
	size_t i;

	if (!h)
		return 1000;
	for (i = 0; i < h->n; i++) {
		struct probe *p = &h->v[i];

		if (p->fd >= 0 && p->deadline_ms <= now)
			finish(a, p, false, "timeout");
		if (p->fd < 0 && p->due_ms <= now && h->inflight < MAX_INFLIGHT)
			start(a, p, now);
		if (p->fd >= 0 && p->deadline_ms < next)
			next = p->deadline_ms;
		else if (p->fd < 0 && p->due_ms < next && h->inflight < MAX_INFLIGHT)
			next = p->due_ms;	/* when all slots are busy, an end frees one */
	}
	for (i = 0; i < h->nsvc; i++) {
		struct svc_state *ss = &h->svc[i];

		if (!ss->dirty)
			continue;
		if (now - ss->published_ms < REPUBLISH_MS) {
			if (ss->published_ms + REPUBLISH_MS < next)
				next = ss->published_ms + REPUBLISH_MS;
			continue;
		}
		ss->dirty = false;
		ss->published_ms = now;
		publish(a, i);
	}
	return next > now ? (int)(next - now) : 0;
}
