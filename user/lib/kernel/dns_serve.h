/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The private zone over TCP (RFC 7766) and plain UDP sockets, for queries
 * the kernel path does not see: a client retrying over TCP after TC, or a
 * resolver forwarding the zone to this responder.
 *
 * There is one implementation of the answers: every query is wrapped in a
 * synthetic UDP packet from the client's address to a resolver address and
 * run through the loaded DNS program (enf_dns_stream, the TCP twin of the
 * TC program) with BPF_PROG_TEST_RUN, against the live pinned maps. Split
 * horizon therefore sees the real client address. What the program leaves
 * (a name outside every zone, a message it does not read) gets the
 * responder's own reply (dns_own_reply), or is relayed to the resolver.
 */
#ifndef ENFORCER_DNS_SERVE_H
#define ENFORCER_DNS_SERVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "state.h"

/*
 * Answer one DNS message `q` from `client` with the loaded program: the
 * stream twin for TCP (`stream`), the wire program for UDP. Returns the
 * reply length (> 0) in `out`, 0 when the program leaves the message alone
 * (not in a private zone, not a message it reads), or -errno.
 */
int dns_serve_query(struct enf_state *st, const struct sockaddr_storage *client, const uint8_t *q,
		    size_t qlen, int stream, uint8_t *out, size_t out_size);

/*
 * The responder's own reply to `q` (checklist items 1-3, 7, 8, 20-22):
 * nothing to a response or a message shorter than a header (returns 0);
 * NOTIMP with RD clear for an opcode other than QUERY; FORMERR for a
 * question that is not exactly one well-formed name (labels over 63
 * octets, label types 01/10, compression, names over 255 octets, cut
 * short), answer or authority records, several or malformed OPTs, or bytes
 * after the last record; BADVERS for EDNS version > 0; otherwise REFUSED,
 * and *relay set: a resolver could answer it. The question is echoed byte
 * for byte when it is well formed, never otherwise; an OPT is in the reply
 * exactly when the query had one. `out_size` must hold at least 282 bytes.
 */
size_t dns_own_reply(const uint8_t *q, size_t qlen, uint8_t *out, size_t out_size, int *relay);

/* 1 when `client` is public under the generation in force (the data
 * path's source classifier, read from userspace, judged as the DNS program
 * judges it: neither rack-private nor a member of any network), 0
 * otherwise. No policy or unreadable maps count as public. */
int dns_source_public(struct enf_state *st, const struct sockaddr_storage *client);

/*
 * The reply to one message: the program's answer, else the responder's own
 * (*relay set when a resolver should answer instead). A `public` source is
 * never run through the program nor relayed: it only ever gets REFUSED (or
 * FORMERR/NOTIMP). Returns the length, 0 to send nothing.
 */
size_t dns_reply_for(struct enf_state *st, const struct sockaddr_storage *client, const uint8_t *q,
		     size_t qlen, int stream, int public, uint8_t *out, size_t out_size,
		     int *relay);

struct dns_listen {
	struct sockaddr_storage addr;
	socklen_t len;
};

/* Limits of the stream server (RFC 7766 6.2.3, 10). */
struct dns_serve_opts {
	const struct dns_listen *addrs;	/* TCP (and UDP) listening addresses */
	size_t n;
	int udp;			/* also serve UDP on them */
	int steer;			/* take TCP/53 to the resolver addresses (enf_dns_listen) */
	uint32_t steer_mark;		/* ... and to those the node forwards to, with this
					 * mark and policy routing (dns_steer.c); 0: not */
	int quiet;			/* no "serving ..." lines on stdout (the daemon logs) */
	struct dns_listen upstream;	/* resolver to relay other names to; family 0: REFUSED,
					 * or for a steered connection the address it was for */
	unsigned max_conns;		/* connections from private sources, in total */
	unsigned per_source;		/* ... from one private source address */
	unsigned public_conns;		/* connections from public sources, in total */
	unsigned public_per_source;	/* ... from one public source address */
	unsigned idle_ms;		/* close a connection with no query started for this long */
	unsigned msg_ms;		/* a query must arrive whole within this of its first byte */
	unsigned write_ms;		/* replies must be read by the client within this */
};

/* Steering to resolver addresses the node forwards to (dns_steer.c): the
 * default mark (every bit of it must be set), the rule's priority and its
 * routing table. */
#define ENF_DNS_STEER_MARK	0x53u
#define ENF_DNS_STEER_PREF	53u
#define ENF_DNS_STEER_TABLE	5353u

/* `a` and `port` as a socket address. */
void dns_listen_from(const struct enf_addr *a, uint16_t port, struct dns_listen *l);

/* An integer sysctl (/proc/sys/PATH), or `dflt` when it cannot be read. */
int dns_sysctl_int(const char *path, int dflt);

/* The policy routing for the mark, both families; replaces what an earlier
 * server left. 0, or -EIO (said). */
int dns_steer_route_add(uint32_t mark);
void dns_steer_route_del(uint32_t mark);

/* The defaults of `enforcer dns serve`. */
void dns_serve_defaults(struct dns_serve_opts *o);

/* Serve until *stop is set: event-driven (epoll), see dns_stream.c.
 * Returns 0, or -errno when a socket cannot listen or register. */
int dns_serve(struct enf_state *st, const struct dns_serve_opts *o, volatile sig_atomic_t *stop);

#endif /* ENFORCER_DNS_SERVE_H */
