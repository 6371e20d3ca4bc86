// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The stream server of `enforcer dns serve`: DNS over TCP (RFC 7766) and,
 * optionally, UDP, around dns_reply_for().
 *
 * It is written to stay available to the pods while someone tries to deny
 * it (RFC 7766 6.2.3 and 10):
 *  - one thread, epoll, non-blocking sockets; nothing waits on a client;
 *  - public sources (the data path's classifier flags them neither private
 *    nor a network member, as the DNS program decides) only ever get
 *    REFUSED: they have their own small pool of connections and a low limit
 *    per address, one query each, and are never run through the program or
 *    relayed, so they cannot take a slot, a relay or CPU from a pod;
 *  - private sources share `max_conns`, at most `per_source` per address;
 *    when the pool is full the connection idle longest makes room;
 *  - deadlines a drip cannot extend: a query must arrive whole within
 *    `msg_ms` of its first byte, a connection with no query started is
 *    closed after `idle_ms` (counted from its last whole query, never
 *    from a partial read), replies must be read within `write_ms`, and at
 *    most OUT_MAX bytes wait for a client that does not read;
 *  - pipelined queries are answered as they complete; relayed ones as the
 *    resolver answers them, so out of order (RFC 7766 6.2.1.1: clients
 *    match replies by ID).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "dns_serve.h"
#include "enforcer_dns.h"
#include "log.h"

#define MAX_LISTEN	16	/* --listen addresses; two more for steering */
#define REPLY_MAX	65535			/* the TCP length field (RFC 7766 8) */
#define OUT_MAX		(256 * 1024)		/* replies a client may leave unread */
#define PUBLIC_MSG_MAX	512			/* longest query a public source may send */
#define CLIENT_READ	4096			/* bytes read from a client per event */
#define UPSTREAM_MS	5000			/* the resolver answers within this */
#define SWEEP_MS	100

enum conn_kind { K_LISTEN, K_UDP, K_CLIENT, K_UPSTREAM };

struct conn {
	enum conn_kind kind;
	int fd;
	bool dead;
	bool public;
	bool last;		/* close once the pending output is written */
	bool want_out;		/* EPOLLOUT registered */
	bool eof;		/* the client sent everything: nothing more to read */
	bool steer;		/* a listener TCP/53 is steered to */
	uint64_t paused_until;	/* a listener out of descriptors: not polled until then */
	struct sockaddr_storage peer;
	struct dns_listen up;	/* where its other names are relayed; family 0: nowhere */
	/* the message being read: its 2-byte length, then its bytes */
	uint8_t len_buf[2];
	size_t len_have;
	uint8_t *msg;
	size_t mlen, have;
	/* what waits to be written */
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	uint64_t idle_at, msg_at, write_at, upstream_at;	/* deadlines, 0 = none */
	unsigned pending;	/* queries relayed and not answered yet */
	struct conn *link;	/* client <-> its upstream connection */
	struct conn *next;	/* every client and upstream connection */
};

struct server {
	struct enf_state *st;
	const struct dns_serve_opts *o;
	int ep;
	struct conn *conns;	/* clients and upstreams */
	struct conn *dead;	/* closed during this batch, freed after it */
	unsigned n_private, n_public;
	uint64_t now;
	uint8_t rbuf[65536];
	uint8_t reply[REPLY_MAX];
	/* what happened, printed at exit */
	uint64_t accepted, refused_full, refused_source, evicted, timed_out, answered, relayed,
		 public_refused;
};

void dns_serve_defaults(struct dns_serve_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_conns = 1024;
	o->per_source = 16;
	o->public_conns = 64;
	o->public_per_source = 4;
	o->idle_ms = 5000;
	o->msg_ms = 2000;
	o->write_ms = 5000;
	o->steer_mark = ENF_DNS_STEER_MARK;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)b)->sin_addr, 4);
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

static int ep_set(struct server *s, struct conn *c, int op)
{
	struct epoll_event ev = {
		.events = (c->eof ? 0 : EPOLLIN | EPOLLRDHUP) | (c->want_out ? EPOLLOUT : 0),
		.data.ptr = c,
	};

	return epoll_ctl(s->ep, op, c->fd, &ev) ? -errno : 0;
}

static void conn_close(struct server *s, struct conn *c)
{
	struct conn **pp;

	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->kind == K_CLIENT) {
		if (c->public)
			s->n_public--;
		else
			s->n_private--;
		if (c->link)	/* its relay has no one to answer */
			conn_close(s, c->link);
	} else if (c->kind == K_UPSTREAM && c->link) {
		struct conn *client = c->link;

		client->link = NULL;
		/* queries the resolver never answered: the client retries them
		 * on a new connection, which it can only know if this one ends */
		if (c->pending || client->pending)
			conn_close(s, client);
	}
	c->next = s->dead;
	s->dead = c;
}

static void free_dead(struct server *s)
{
	while (s->dead) {
		struct conn *c = s->dead;

		s->dead = c->next;
		free(c->msg);
		free(c->out);
		free(c);
	}
}

/* Writes what it can now; keeps the rest (at most OUT_MAX) for EPOLLOUT. */
static void conn_flush(struct server *s, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				conn_close(s, c);
				return;
			}
			break;
		}
		c->out_off += w;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		c->write_at = 0;
		if (c->last) {
			conn_close(s, c);
			return;
		}
	} else if (!c->write_at) {
		c->write_at = s->now + s->o->write_ms;
	}
	if (c->want_out != (c->out_len > 0)) {
		c->want_out = c->out_len > 0;
		if (ep_set(s, c, EPOLL_CTL_MOD))
			conn_close(s, c);
	}
}

/* Queue one length-prefixed message on `c`. */
static void conn_send(struct server *s, struct conn *c, const uint8_t *msg, size_t len)
{
	size_t need = c->out_len + 2 + len;

	if (c->dead)
		return;
	if (need - c->out_off > OUT_MAX) {	/* a client that does not read */
		conn_close(s, c);
		return;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *p;

		if (c->out_off) {	/* reclaim what was written */
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
			need = c->out_len + 2 + len;
		}
		while (cap < need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			conn_close(s, c);
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	c->out[c->out_len] = len >> 8;
	c->out[c->out_len + 1] = len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += 2 + len;
	conn_flush(s, c);
}

static struct conn *conn_new(struct server *s, enum conn_kind kind, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->kind = kind;
	c->fd = fd;
	if (ep_set(s, c, EPOLL_CTL_ADD)) {
		free(c);
		return NULL;
	}
	if (kind == K_CLIENT || kind == K_UPSTREAM) {
		c->next = s->conns;
		s->conns = c;
	}
	return c;
}

/* The client's connection to the resolver, opened on its first relay. */
static struct conn *upstream_for(struct server *s, struct conn *client)
{
	const struct dns_listen *u = &client->up;
	struct conn *up;
	int fd, one = 1;

	if (client->link)
		return client->link;
	fd = socket(u->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&u->addr, u->len) && errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	up = conn_new(s, K_UPSTREAM, fd);
	if (!up) {
		close(fd);
		return NULL;
	}
	up->link = client;
	client->link = up;
	return up;
}

/* One whole message `m` arrived on `c`. */
static void on_message(struct server *s, struct conn *c, const uint8_t *m, size_t len)
{
	if (c->kind == K_UPSTREAM) {	/* the resolver's answer: to its client */
		struct conn *client = c->link;

		if (c->pending)
			c->pending--;
		c->upstream_at = c->pending ? s->now + UPSTREAM_MS : 0;
		if (client) {
			if (client->pending)
				client->pending--;
			client->idle_at = s->now + s->o->idle_ms;
			conn_send(s, client, m, len);
			if (!client->dead && client->eof && !client->pending) {
				client->last = true;	/* its last answer: done */
				conn_flush(s, client);
			}
		}
		return;
	}
	{
		int relay = 0;
		size_t n = dns_reply_for(s->st, &c->peer, m, len, 1, c->public, s->reply,
					 sizeof(s->reply), &relay);

		if (relay && c->up.addr.ss_family) {
			struct conn *up = upstream_for(s, c);

			if (up) {
				c->pending++;
				up->pending++;
				if (!up->upstream_at)
					up->upstream_at = s->now + UPSTREAM_MS;
				s->relayed++;
				conn_send(s, up, m, len);
				return;
			}
			/* no resolver to relay to: REFUSED (already written) */
		}
		if (c->public) {
			s->public_refused++;
			c->last = true;	/* one reply, then the connection ends */
		} else if (n) {
			s->answered++;
		}
		if (n)
			conn_send(s, c, s->reply, n);
		else if (c->public)
			conn_close(s, c);
	}
}

/* Reads what is there and hands every whole message to on_message. */
static void conn_read(struct server *s, struct conn *c)
{
	size_t max = c->public ? PUBLIC_MSG_MAX : REPLY_MAX;
	/* a client gets one small read per event (what is left stays in its
	 * socket: epoll is level-triggered), so no connection holds the loop
	 * for long; the resolver's answers are read in bulk */
	size_t chunk = c->kind == K_CLIENT ? CLIENT_READ : sizeof(s->rbuf);
	int rounds, max_rounds = c->kind == K_CLIENT ? 1 : 16;

	for (rounds = 0; rounds < max_rounds && !c->dead; rounds++) {
		ssize_t r = recv(c->fd, s->rbuf, chunk, MSG_DONTWAIT);
		size_t off = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			/* the peer is done (or gone): a client's relayed queries
			 * may still be answered, and replies still written; once
			 * only (a reset after the FIN reads as 0 again, for ever) */
			if (c->kind == K_CLIENT && (c->pending || c->out_len) && r == 0 &&
			    !c->eof) {
				c->last = !c->pending;
				c->eof = true;
				c->idle_at = 0;
				c->msg_at = 0;
				if (ep_set(s, c, EPOLL_CTL_MOD))
					conn_close(s, c);
				return;
			}
			conn_close(s, c);
			return;
		}
		while (off < (size_t)r && !c->dead) {
			size_t take;

			if (c->len_have < 2) {
				if (c->len_have == 0 && c->kind == K_CLIENT && !c->msg_at)
					c->msg_at = s->now + s->o->msg_ms;	/* set once per message */
				c->len_buf[c->len_have++] = s->rbuf[off++];
				if (c->len_have < 2)
					continue;
				c->mlen = (size_t)c->len_buf[0] << 8 | c->len_buf[1];
				if (c->mlen < 12 || c->mlen > max) {	/* not a DNS message we read */
					conn_close(s, c);
					return;
				}
				c->msg = malloc(c->mlen);
				if (!c->msg) {
					conn_close(s, c);
					return;
				}
				c->have = 0;
			}
			take = c->mlen - c->have;
			if (take > (size_t)r - off)
				take = (size_t)r - off;
			memcpy(c->msg + c->have, s->rbuf + off, take);
			c->have += take;
			off += take;
			if (c->have == c->mlen) {
				uint8_t *m = c->msg;

				c->msg = NULL;
				c->len_have = 0;
				c->msg_at = 0;
				if (c->kind == K_CLIENT)
					c->idle_at = s->now + s->o->idle_ms;
				on_message(s, c, m, c->mlen);
				free(m);
				if (c->kind == K_CLIENT && c->public && !c->dead) {
					/* one query each: nothing more is read */
					c->eof = true;
					if (ep_set(s, c, EPOLL_CTL_MOD))
						conn_close(s, c);
					return;
				}
			}
		}
	}
}

static unsigned from_source(struct server *s, const struct sockaddr_storage *peer)
{
	unsigned n = 0;
	struct conn *c;

	for (c = s->conns; c; c = c->next)
		if (c->kind == K_CLIENT && same_addr(&c->peer, peer))
			n++;
	return n;
}

/* The private connection that has waited longest for its next query and
 * has nothing in flight: the one RFC 7766 6.2.3 lets a busy server close. */
static struct conn *idlest(struct server *s)
{
	struct conn *c, *best = NULL;

	for (c = s->conns; c; c = c->next) {
		if (c->kind != K_CLIENT || c->public || c->len_have || c->pending || c->out_len ||
		    c->last)
			continue;
		if (!best || c->idle_at < best->idle_at)
			best = c;
	}
	return best;
}

static void on_accept(struct server *s, struct conn *l)
{
	int lfd = l->fd;
	int rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int public, one = 1;
		struct conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* out of descriptors: the listener would stay readable
				 * and spin; it rests until the next sweep, and a pending
				 * connection waits in the backlog */
				struct conn *lc = l;

				s->refused_full++;
				lc->paused_until = s->now + SWEEP_MS;
				epoll_ctl(s->ep, EPOLL_CTL_DEL, lc->fd, NULL);
			}
			return;	/* EAGAIN, or an error of that one connection */
		}
		public = dns_source_public(s->st, &peer);
		if (public ? s->n_public >= s->o->public_conns : 0) {
			s->refused_full++;
			close(fd);
			continue;
		}
		if (from_source(s, &peer) >= (public ? s->o->public_per_source : s->o->per_source)) {
			s->refused_source++;
			close(fd);
			continue;
		}
		if (!public && s->n_private >= s->o->max_conns) {
			struct conn *victim = idlest(s);

			if (!victim) {
				s->refused_full++;
				close(fd);
				continue;
			}
			s->evicted++;
			conn_close(s, victim);
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = conn_new(s, K_CLIENT, fd);
		if (!c) {
			close(fd);
			continue;
		}
		c->peer = peer;
		c->public = public;
		if (s->o->upstream.addr.ss_family) {
			c->up = s->o->upstream;
		} else if (l->steer) {
			/* steered: the address the client asked, which the
			 * connection kept (bpf_sk_assign), is the resolver */
			c->up.len = sizeof(c->up.addr);
			if (getsockname(fd, (struct sockaddr *)&c->up.addr, &c->up.len))
				c->up.addr.ss_family = 0;
		}
		/* a public source has msg_ms for its one query, from now */
		c->idle_at = s->now + (public ? s->o->msg_ms : s->o->idle_ms);
		if (public)
			s->n_public++;
		else
			s->n_private++;
		s->accepted++;
	}
}

static void on_datagram(struct server *s, int fd)
{
	int rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t r = recvfrom(fd, s->rbuf, sizeof(s->rbuf), MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &len);
		int relay;
		size_t n;

		if (r < 0)
			return;
		n = dns_reply_for(s->st, &peer, s->rbuf, r, 0, dns_source_public(s->st, &peer),
				  s->reply, ENF_DNS_MAX_MSG, &relay);
		if (n)
			sendto(fd, s->reply, n, MSG_DONTWAIT, (struct sockaddr *)&peer, len);
	}
}

static void sweep(struct server *s)
{
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (c->dead)
			continue;
		if ((c->idle_at && s->now >= c->idle_at && !c->len_have && !c->pending &&
		     !c->out_len) ||
		    (c->msg_at && s->now >= c->msg_at) || (c->write_at && s->now >= c->write_at) ||
		    (c->upstream_at && s->now >= c->upstream_at)) {
			s->timed_out++;
			conn_close(s, c);
		}
	}
}

static int listen_socket(const struct dns_listen *l, int type)
{
	int one = 1, fd;

	fd = socket(l->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* resolver addresses may be VIPs this host does not own (yet) */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (l->addr.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&l->addr, l->len) ||
	    (type == SOCK_STREAM && listen(fd, 4096))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void addr_text(const struct dns_listen *l, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";
	const void *ip = l->addr.ss_family == AF_INET ?
		(const void *)&((const struct sockaddr_in *)&l->addr)->sin_addr :
		(const void *)&((const struct sockaddr_in6 *)&l->addr)->sin6_addr;

	inet_ntop(l->addr.ss_family, ip, a, sizeof(a));
	snprintf(buf, size, l->addr.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 ntohs(((const struct sockaddr_in *)&l->addr)->sin_port));
}

/* Descriptors for every connection the limits allow, each with its relay:
 * the soft limit is raised as far as the hard one lets; what is still
 * short is said (accept then rests while none is free, see on_accept). */
static void fd_budget(const struct dns_serve_opts *o)
{
	rlim_t want = 2 * (rlim_t)o->max_conns + o->public_conns + 2 * MAX_LISTEN + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		pr_warn("dns serve: %llu file descriptors for %u connections and their relays "
			"(raise the hard limit, RLIMIT_NOFILE, to %llu)\n",
			(unsigned long long)rl.rlim_cur, o->max_conns, (unsigned long long)want);
}

/* The resolver addresses of the generation in force that the node does not
 * own (a ClusterIP that kube-proxy forwards, say), up to 8 of them named in
 * `names`. Returns how many there are, or -errno when the resolvers cannot
 * be read. */
static int forwarded_resolvers(struct enf_state *st, char names[8][INET6_ADDRSTRLEN + 2])
{
	struct enf_addr res[64];
	int n = state_resolvers(st, res, 64), i, nf = 0, nonlocal_bind;

	if (n < 0)
		return n;

	/* with ip_nonlocal_bind (IPv4) every bind succeeds: the test cannot
	 * tell, so every resolver address counts as forwarded (the rule then
	 * delivers the node's own as before) */
	nonlocal_bind = dns_sysctl_int("net/ipv4/ip_nonlocal_bind", 0);
	for (i = 0; i < n; i++) {
		struct dns_listen sa;
		int fd, err;

		/* bind without IP_FREEBIND succeeds only for the node's own */
		dns_listen_from(&res[i], 0, &sa);
		fd = socket(sa.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		err = bind(fd, (const struct sockaddr *)&sa.addr, sa.len) ? errno : 0;
		close(fd);
		if (nonlocal_bind && sa.addr.ss_family == AF_INET)
			err = EADDRNOTAVAIL;
		if (err == EADDRNOTAVAIL) {
			if (nf < 8)
				addr_format(&res[i], names[nf], sizeof(names[0]));
			nf++;
		}
	}
	return nf;
}

/* A resolver address the node does not own is steered only with a mark and
 * policy routing (dns_steer.c, steer_tcp in bpf/dns.bpf.c): added here when
 * there is such an address and o->steer_mark is not 0. Without it TCP/53
 * to the address goes on to the resolver, which may not know the private
 * zone, and a client's retry over TCP after TC is answered there: each such
 * address is named. Returns 1 when the routing was added (removed at exit,
 * or when no resolver address needs it any more: steer_follow). */
static int steer_forwarded(struct enf_state *st, const struct dns_serve_opts *o)
{
	char names[8][INET6_ADDRSTRLEN + 2];
	int nf, i;
	uint32_t zero = 0, mark = o->steer_mark;

	/* a mark an earlier server left (killed before it could clear it):
	 * not ours to keep, whatever is decided below */
	if (st->dns_steer_fd >= 0)
		bpf_map_update_elem(st->dns_steer_fd, &zero, &zero, BPF_ANY);
	nf = forwarded_resolvers(st, names);
	if (nf > 8)
		nf = 8;
	if (nf <= 0)
		return 0;
	if (mark && st->dns_steer_fd >= 0 && !dns_steer_route_add(mark)) {
		if (!bpf_map_update_elem(st->dns_steer_fd, &zero, &mark, BPF_ANY)) {
			for (i = 0; i < nf && !o->quiet; i++)
				printf("steering TCP/53 to %s, which the node forwards to: fwmark "
				       "0x%x/0x%x, table %u\n", names[i], mark, mark,
				       ENF_DNS_STEER_TABLE);
			fflush(stdout);
			return 1;
		}
		dns_steer_route_del(mark);
	}
	for (i = 0; i < nf; i++)
		pr_warn("dns serve: resolver %s is not an address of this node and %s: TCP/53 "
			"to it goes to the resolver itself, which may not know the private zone\n",
			names[i], !mark ? "--steer-mark is 0" : st->dns_steer_fd < 0 ?
			"the loaded programs predate forwarded steering (load this version's)" :
			"its policy routing could not be added");
	return 0;
}

/* Takes forwarded steering back: the mark first, so that nothing is
 * steered that the routing no longer delivers. */
static void unsteer_forwarded(struct enf_state *st, uint32_t mark)
{
	uint32_t zero = 0, none = 0;

	bpf_map_update_elem(st->dns_steer_fd, &zero, &none, BPF_ANY);
	dns_steer_route_del(mark);
}

/* The manifest may change the resolver addresses under a running server
 * (an apply, the daemon's reload): once per new generation the decision of
 * steer_forwarded is taken again, the routing added when an address the
 * node forwards to appeared and taken back when none is left. `*gen` is
 * the generation last decided on; returns the new `routed`. */
static int steer_follow(struct enf_state *st, const struct dns_serve_opts *o, int routed,
			uint64_t *gen)
{
	char names[8][INET6_ADDRSTRLEN + 2];
	struct enf_active act;
	int nf;

	if (state_active(st, &act, NULL) || act.generation == *gen)
		return routed;
	if (!routed) {
		*gen = act.generation;
		return steer_forwarded(st, o);
	}
	nf = forwarded_resolvers(st, names);
	if (nf < 0)	/* cannot tell now (an apply under way): the next sweep will */
		return routed;
	*gen = act.generation;
	if (!nf) {
		unsteer_forwarded(st, o->steer_mark);
		if (!o->quiet) {
			printf("no resolver address the node forwards to any more: forwarded "
			       "steering taken back\n");
			fflush(stdout);
		}
		return 0;
	}
	return routed;
}

int dns_serve(struct enf_state *st, const struct dns_serve_opts *o, volatile sig_atomic_t *stop)
{
	struct server *s = calloc(1, sizeof(*s));
	struct conn *lst[2 * MAX_LISTEN + 2];
	size_t i, nl = o->n > MAX_LISTEN ? MAX_LISTEN : o->n, nlst = 0;
	/* steer_gen: no generation decided yet, not even 0 (nothing applied),
	 * so the first steer_follow decides, and clears a mark left behind */
	uint64_t next_sweep = 0, steer_gen = UINT64_MAX;
	int err = 0, routed = 0;

	if (!s)
		return -ENOMEM;
	s->st = st;
	s->o = o;
	fd_budget(o);
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0) {
		err = -errno;
		free(s);
		return err;
	}
	for (i = 0; i < nl && !err; i++) {
		int t, types[2] = { SOCK_STREAM, SOCK_DGRAM };
		char a[64];

		addr_text(&o->addrs[i], a, sizeof(a));
		for (t = 0; t < (o->udp ? 2 : 1) && !err; t++) {
			int fd = listen_socket(&o->addrs[i], types[t]);

			if (fd < 0) {
				err = fd;
				pr_err("dns serve: cannot listen on %s/%s: %s\n", a,
				       t ? "udp" : "tcp", strerror(-err));
				break;
			}
			lst[nlst] = conn_new(s, t ? K_UDP : K_LISTEN, fd);
			if (!lst[nlst]) {
				err = -ENOMEM;
				close(fd);
				break;
			}
			nlst++;
		}
		if (!err && !o->quiet)
			printf("serving the private zone on %s (tcp%s)\n", a, o->udp ? ", udp" : "");
	}
	for (i = 0; i < 2 && !err && o->steer; i++) {
		/* loopback, any port: nothing reaches it but what the TC
		 * program assigns; transparent, for resolver addresses the
		 * node does not own */
		struct dns_listen l = { .len = i ? sizeof(struct sockaddr_in6) :
					  sizeof(struct sockaddr_in) };
		uint32_t key = i ? ENF_DNS_LISTEN_V6 : ENF_DNS_LISTEN_V4;
		uint64_t val;
		int fd, one = 1;

		if (i) {
			struct sockaddr_in6 *a6 = (void *)&l.addr;

			a6->sin6_family = AF_INET6;
			a6->sin6_addr = in6addr_loopback;
		} else {
			struct sockaddr_in *a4 = (void *)&l.addr;

			a4->sin_family = AF_INET;
			a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		}
		fd = listen_socket(&l, SOCK_STREAM);
		if (fd < 0) {
			if (i) {	/* a node without IPv6 steers IPv4 */
				pr_warn("dns serve: no IPv6 listener for steering: %s\n",
					strerror(-fd));
				continue;
			}
			err = fd;
			pr_err("dns serve: cannot listen for steered connections: %s\n",
			       strerror(-err));
			break;
		}
		if (setsockopt(fd, i ? IPPROTO_IPV6 : IPPROTO_IP,
			       i ? IPV6_TRANSPARENT : IP_TRANSPARENT, &one, sizeof(one)))
			pr_warn("dns serve: %s steering listener not transparent (%s): only "
				"resolver addresses the node owns can be steered\n",
				i ? "IPv6" : "IPv4", strerror(errno));
		val = (uint64_t)fd;
		if (st->dns_listen_fd < 0 ||
		    bpf_map_update_elem(st->dns_listen_fd, &key, &val, BPF_ANY)) {
			err = st->dns_listen_fd < 0 ? -ENOENT : -errno;
			pr_err("dns serve: cannot register the steering listener in enf_dns_listen: "
			       "%s%s\n", strerror(-err), err == -ENOENT ?
			       " (the loaded programs predate steering: load this version's)" : "");
			close(fd);
			break;
		}
		lst[nlst] = conn_new(s, K_LISTEN, fd);
		if (!lst[nlst]) {
			err = -ENOMEM;
			close(fd);
			break;
		}
		lst[nlst++]->steer = true;
	}
	if (!err && o->steer)
		routed = steer_follow(st, o, 0, &steer_gen);
	if (!err && o->steer && !o->quiet)
		printf("taking TCP/53 to the resolver addresses (bpf_sk_assign); other names go "
		       "to %s\n", o->upstream.addr.ss_family ? "the upstream" :
		       "the resolver address the client asked");
	if (!err && o->upstream.addr.ss_family && !o->quiet) {
		char a[64];

		addr_text(&o->upstream, a, sizeof(a));
		printf("relaying other names to %s over tcp\n", a);
	}
	fflush(stdout);

	while (!err && !*stop) {
		struct epoll_event ev[64];
		int n, k;

		n = epoll_wait(s->ep, ev, 64, SWEEP_MS);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		s->now = now_ms();
		for (k = 0; k < n; k++) {
			struct conn *c = ev[k].data.ptr;

			if (c->dead)
				continue;
			switch (c->kind) {
			case K_LISTEN:
				on_accept(s, c);
				break;
			case K_UDP:
				on_datagram(s, c->fd);
				break;
			default:
				if (ev[k].events & EPOLLOUT)
					conn_flush(s, c);
				if (!c->dead && (ev[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
								 EPOLLERR)))
					conn_read(s, c);
				break;
			}
		}
		if (s->now >= next_sweep) {
			sweep(s);
			if (o->steer)
				routed = steer_follow(st, o, routed, &steer_gen);
			for (i = 0; i < nlst; i++) {
				if (lst[i]->paused_until && s->now >= lst[i]->paused_until) {
					lst[i]->paused_until = 0;
					if (ep_set(s, lst[i], EPOLL_CTL_ADD))
						lst[i]->paused_until = s->now + SWEEP_MS;
				}
			}
			next_sweep = s->now + SWEEP_MS;
		}
		free_dead(s);
	}
	pr_debug("dns serve: %llu connections accepted, %llu refused (full), %llu refused (per "
		 "source), %llu evicted idle, %llu timed out; %llu answered, %llu relayed, %llu "
		 "public refused\n", (unsigned long long)s->accepted,
		 (unsigned long long)s->refused_full, (unsigned long long)s->refused_source,
		 (unsigned long long)s->evicted, (unsigned long long)s->timed_out,
		 (unsigned long long)s->answered, (unsigned long long)s->relayed,
		 (unsigned long long)s->public_refused);
	/* the connections first: their last segments are still delivered here */
	while (s->conns)
		conn_close(s, s->conns);
	if (routed)
		unsteer_forwarded(st, o->steer_mark);
	for (i = 0; i < nlst; i++) {
		close(lst[i]->fd);
		free(lst[i]);
	}
	free_dead(s);
	close(s->ep);
	free(s);
	return err;
}
