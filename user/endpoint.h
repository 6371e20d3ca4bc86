/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An address with an optional port and protocol, as the CLI takes it:
 * "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT", each with an optional
 * "/tcp", "/udp", "/sctp" or "/icmp".
 */
#ifndef ENFORCER_ENDPOINT_H
#define ENFORCER_ENDPOINT_H

#include <stdint.h>

#include "enforcer_common.h"

struct endpoint {
	struct enf_addr addr;
	uint16_t port;		/* host order, 0 = none given */
	uint8_t proto;		/* IPPROTO_*, 0 = none given */
};

/* Returns 0, or -EINVAL for anything else. */
int parse_endpoint(const char *s, struct endpoint *ep);

#endif /* ENFORCER_ENDPOINT_H */
