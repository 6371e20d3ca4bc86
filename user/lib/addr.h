/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One address type for the whole tree, struct enf_addr of the ABI
 * (include/enforcer_common.h): the manifest, the compiler, the maps and the
 * tools all hold addresses in it. Parsing, formatting and comparing live
 * here and nowhere else; so does the CLI's ADDR[:PORT][/PROTO] endpoint.
 */
#ifndef ENFORCER_ADDR_H
#define ENFORCER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer_common.h"

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */

/* "10.0.0.5" or "fd00::5" (no prefix, no port). */
bool addr_parse(const char *s, struct enf_addr *a);

/* The address as text into buf (ADDR_STRLEN bytes fit any); returns buf. */
const char *addr_format(const struct enf_addr *a, char *buf, size_t len);

/* `a` and `port` as a socket address in *ss (zeroed first); returns its
 * length. */
struct sockaddr_storage;
unsigned int addr_to_sockaddr(const struct enf_addr *a, uint16_t port,
			      struct sockaddr_storage *ss);

/* Total order: family first, then the bytes. */
int addr_cmp(const struct enf_addr *a, const struct enf_addr *b);
bool addr_equal(const struct enf_addr *a, const struct enf_addr *b);

/* Unicast: neither unspecified, nor broadcast, nor multicast. */
bool addr_is_host(const struct enf_addr *a);

/* Clears the bits beyond prefix length plen; true if there were none. */
bool addr_mask(struct enf_addr *a, unsigned int plen);

/* An address with an optional port and protocol, as the CLI takes it:
 * "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT", each with an optional
 * "/tcp", "/udp", "/sctp" or "/icmp". */
struct endpoint {
	struct enf_addr addr;
	uint16_t port;		/* host order, 0 = none given */
	uint8_t proto;		/* IPPROTO_*, 0 = none given */
};

/* Returns 0, or -EINVAL for anything else. */
int endpoint_parse(const char *s, struct endpoint *ep);

/* "10.0.0.5:80", "[fd00::5]:80", or the address alone without a port. */
const char *endpoint_format(const struct enf_addr *a, uint16_t port, char *buf, size_t len);

#endif /* ENFORCER_ADDR_H */
