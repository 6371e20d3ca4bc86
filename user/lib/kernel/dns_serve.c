// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The TCP/UDP responder of the private zone (see dns_serve.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dns_serve.h"
#include "enforcer_dns.h"
#include "log.h"
#include "trace.h"

#define MAX_CLIENTS	64
#define IDLE_SECONDS	10	/* RFC 7766 6.2.3: servers may close idle connections */
#define PKT_MAX		(ENF_DNS_MAX_MSG + 128)

/* A resolver address of `family` from the generation in force: the
 * synthetic packet must be addressed to one, as a real query would be. */
static int pick_resolver(struct enf_state *st, uint8_t family, struct enf_addr *out)
{
	struct enf_addr res[16];
	int n = state_resolvers(st, res, 16), i;

	for (i = 0; i < n; i++) {
		if (res[i].family == family) {
			*out = res[i];
			return 0;
		}
	}
	return n < 0 ? n : -EADDRNOTAVAIL;
}

int dns_serve_query(struct enf_state *st, const struct sockaddr_storage *client, const uint8_t *q,
		    size_t qlen, int stream, uint8_t *out, size_t out_size)
{
	uint8_t pkt[PKT_MAX], res[PKT_MAX];
	int v6 = client->ss_family == AF_INET6;
	size_t l3 = v6 ? 40 : 20, dns_off = 14 + l3 + 8, ulen = 8 + qlen, ans;
	uint32_t res_len = sizeof(res), retval = 0;
	struct enf_addr resolver;
	uint16_t sport, v;
	int err;

	if (qlen < 12 || qlen > ENF_DNS_MAX_MSG)
		return -EMSGSIZE;
	err = pick_resolver(st, v6 ? ENF_AF_INET6 : ENF_AF_INET, &resolver);
	if (err)
		return err;

	memset(pkt, 0, dns_off);
	v = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	memcpy(pkt + 12, &v, 2);
	if (!v6) {
		const struct sockaddr_in *sin = (const void *)client;

		pkt[14] = 0x45;
		v = htons(l3 + ulen);
		memcpy(pkt + 16, &v, 2);
		pkt[22] = 64;
		pkt[23] = IPPROTO_UDP;
		memcpy(pkt + 26, &sin->sin_addr, 4);
		memcpy(pkt + 30, resolver.addr, 4);
		sport = sin->sin_port;
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)client;

		pkt[14] = 0x60;
		v = htons(ulen);
		memcpy(pkt + 18, &v, 2);
		pkt[20] = IPPROTO_UDP;
		pkt[21] = 64;
		memcpy(pkt + 22, &sin6->sin6_addr, 16);
		memcpy(pkt + 38, resolver.addr, 16);
		sport = sin6->sin6_port;
	}
	/* the program ignores port 0 as the source, like the wire path */
	if (!sport)
		sport = htons(1);
	memcpy(pkt + 14 + l3, &sport, 2);
	v = htons(ENF_DNS_PORT);
	memcpy(pkt + 14 + l3 + 2, &v, 2);
	v = htons(ulen);
	memcpy(pkt + 14 + l3 + 4, &v, 2);
	memcpy(pkt + dns_off, q, qlen);

	/* TCP: the stream twin (no size limit, no TC); UDP: the wire program,
	 * which truncates to the client's size exactly as on the wire. */
	err = prog_run(stream ? st->dns_stream_fd : st->dns_prog_fd, pkt, dns_off + qlen, res,
		       &res_len, &retval);
	if (err)
		return err;
	if (retval != TC_ACT_REDIRECT)
		return 0;
	if (res_len < dns_off + 12)
		return -EPROTO;
	ans = res_len - dns_off;
	if (ans > out_size)
		return -EMSGSIZE;
	memcpy(out, res + dns_off, ans);
	return ans;
}

size_t dns_refused(const uint8_t *q, size_t qlen, uint8_t *out, size_t out_size)
{
	size_t off = 12, n = 12;

	if (qlen < 12 || out_size < 12)
		return 0;
	memset(out, 0, 12);
	out[0] = q[0];
	out[1] = q[1];
	out[2] = 0x80 | (q[2] & 0x79);	/* QR, opcode and RD copied */
	out[3] = 5;			/* REFUSED, RA=0 */
	/* Echo a single, plain (uncompressed) question when there is one. */
	if (q[4] != 0 || q[5] != 1)
		return n;
	while (off < qlen && q[off] && q[off] < 64 && off - 12 < 255)
		off += 1 + q[off];
	if (off >= qlen || q[off] || off + 5 > qlen || off + 5 > out_size)
		return n;
	memcpy(out + 12, q + 12, off + 5 - 12);
	out[5] = 1;
	return off + 5;
}

/* Answer or refuse; returns the reply length, 0 to send nothing. */
static size_t reply_for(struct enf_state *st, const struct sockaddr_storage *peer,
			const uint8_t *q, size_t qlen, int stream, uint8_t *out, size_t out_size)
{
	int n;

	if (qlen < 12 || (q[2] & 0x80))	/* too short, or a response: ignore */
		return 0;
	n = dns_serve_query(st, peer, q, qlen, stream, out, out_size);
	if (n > 0)
		return n;
	if (n < 0)
		pr_debug("dns serve: query not answered: %s\n", strerror(-n));
	return dns_refused(q, qlen, out, out_size);
}

struct client {
	int fd;
	struct sockaddr_storage peer;
	uint8_t buf[2 + 65535];
	size_t have;
	time_t last;
};

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
	    (type == SOCK_STREAM && listen(fd, 64))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void drop_client(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->have = 0;
}

/* Reads what is there; answers every complete length-prefixed message
 * (pipelined queries are answered in order). Returns -1 to close. */
static int serve_client(struct enf_state *st, struct client *c)
{
	uint8_t out[2 + PKT_MAX];
	ssize_t r;

	r = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
	if (r <= 0)
		return r < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	c->have += r;
	c->last = time(NULL);
	while (c->have >= 2) {
		size_t mlen = (size_t)c->buf[0] << 8 | c->buf[1], n;

		if (c->have < 2 + mlen)
			break;
		n = reply_for(st, &c->peer, c->buf + 2, mlen, 1, out + 2, sizeof(out) - 2);
		if (n) {
			out[0] = n >> 8;
			out[1] = n;
			if (write(c->fd, out, 2 + n) != (ssize_t)(2 + n))
				return -1;
		}
		memmove(c->buf, c->buf + 2 + mlen, c->have - 2 - mlen);
		c->have -= 2 + mlen;
	}
	return 0;
}

int dns_serve(struct enf_state *st, const struct dns_listen *addrs, size_t n, int udp,
	      volatile sig_atomic_t *stop)
{
	struct pollfd pfd[2 * 16 + MAX_CLIENTS];
	struct client *clients;
	int lfd[16], ufd[16];
	size_t i, nl = n > 16 ? 16 : n;
	int err = 0, k;

	clients = calloc(MAX_CLIENTS, sizeof(*clients));
	if (!clients)
		return -ENOMEM;
	for (k = 0; k < MAX_CLIENTS; k++)
		clients[k].fd = -1;
	for (i = 0; i < nl; i++)
		lfd[i] = ufd[i] = -1;
	for (i = 0; i < nl && !err; i++) {
		char a[INET6_ADDRSTRLEN];
		const void *ip = addrs[i].addr.ss_family == AF_INET ?
			(const void *)&((const struct sockaddr_in *)&addrs[i].addr)->sin_addr :
			(const void *)&((const struct sockaddr_in6 *)&addrs[i].addr)->sin6_addr;
		int port = ntohs(((const struct sockaddr_in *)&addrs[i].addr)->sin_port);

		inet_ntop(addrs[i].addr.ss_family, ip, a, sizeof(a));
		lfd[i] = listen_socket(&addrs[i], SOCK_STREAM);
		if (lfd[i] < 0) {
			err = lfd[i];
			pr_err("cannot listen on %s port %d/tcp: %s\n", a, port, strerror(-err));
			break;
		}
		if (udp) {
			ufd[i] = listen_socket(&addrs[i], SOCK_DGRAM);
			if (ufd[i] < 0) {
				err = ufd[i];
				pr_err("cannot listen on %s port %d/udp: %s\n", a, port,
				       strerror(-err));
				break;
			}
		}
		printf("serving the private zone on %s port %d (tcp%s)\n", a, port,
		       udp ? ", udp" : "");
	}
	fflush(stdout);

	while (!err && !*stop) {
		int np = 0, ready;
		time_t now = time(NULL);

		for (i = 0; i < nl; i++) {
			pfd[np++] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
			pfd[np++] = (struct pollfd){ .fd = ufd[i], .events = POLLIN };
		}
		for (k = 0; k < MAX_CLIENTS; k++) {
			if (clients[k].fd >= 0 && now - clients[k].last > IDLE_SECONDS)
				drop_client(&clients[k]);
			pfd[np++] = (struct pollfd){ .fd = clients[k].fd, .events = POLLIN };
		}
		ready = poll(pfd, np, 1000);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		for (i = 0; i < nl; i++) {
			if (pfd[2 * i].revents & POLLIN) {
				struct sockaddr_storage peer;
				socklen_t len = sizeof(peer);
				int cfd = accept4(lfd[i], (struct sockaddr *)&peer, &len,
						  SOCK_NONBLOCK | SOCK_CLOEXEC);

				for (k = 0; cfd >= 0 && k < MAX_CLIENTS; k++)
					if (clients[k].fd < 0)
						break;
				if (cfd >= 0 && k == MAX_CLIENTS) {
					close(cfd);	/* full: the client retries */
				} else if (cfd >= 0) {
					clients[k].fd = cfd;
					clients[k].peer = peer;
					clients[k].have = 0;
					clients[k].last = now;
				}
			}
			if (pfd[2 * i + 1].revents & POLLIN) {
				uint8_t q[PKT_MAX], out[PKT_MAX];
				struct sockaddr_storage peer;
				socklen_t len = sizeof(peer);
				ssize_t r = recvfrom(ufd[i], q, sizeof(q), 0, (struct sockaddr *)&peer,
						     &len);
				size_t nrep;

				if (r > 0) {
					nrep = reply_for(st, &peer, q, r, 0, out, sizeof(out));
					if (nrep)
						sendto(ufd[i], out, nrep, 0, (struct sockaddr *)&peer,
						       len);
				}
			}
		}
		for (k = 0; k < MAX_CLIENTS; k++) {
			struct pollfd *p = &pfd[2 * nl + k];

			if (clients[k].fd >= 0 && (p->revents & (POLLIN | POLLHUP | POLLERR)) &&
			    serve_client(st, &clients[k]))
				drop_client(&clients[k]);
		}
	}
	for (k = 0; k < MAX_CLIENTS; k++)
		if (clients[k].fd >= 0)
			close(clients[k].fd);
	for (i = 0; i < nl; i++) {
		if (lfd[i] >= 0)
			close(lfd[i]);
		if (ufd[i] >= 0)
			close(ufd[i]);
	}
	free(clients);
	return err;
}
