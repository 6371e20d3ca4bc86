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
 * horizon therefore sees the real client address.
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
 * reply length (> 0) in `out`, 0 when the name is not in the private zone
 * (the caller decides: REFUSED), or -errno.
 */
int dns_serve_query(struct enf_state *st, const struct sockaddr_storage *client, const uint8_t *q,
		    size_t qlen, int stream, uint8_t *out, size_t out_size);

/* Header-only REFUSED reply to `q` (for names outside the zone). */
size_t dns_refused(const uint8_t *q, size_t qlen, uint8_t *out, size_t out_size);

struct dns_listen {
	struct sockaddr_storage addr;
	socklen_t len;
};

/* Serve TCP (and UDP when `udp`) on every address until *stop is set. */
int dns_serve(struct enf_state *st, const struct dns_listen *addrs, size_t n, int udp,
	      volatile sig_atomic_t *stop);

#endif /* ENFORCER_DNS_SERVE_H */
