// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ADDR[:PORT][/PROTO] as the CLI takes it (see endpoint.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

int parse_endpoint(const char *s, struct endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + 2], buf[128];
	const char *port = NULL;
	char *slash, *end;

	memset(ep, 0, sizeof(*ep));
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (!strcasecmp(slash, "tcp"))
			ep->proto = IPPROTO_TCP;
		else if (!strcasecmp(slash, "udp"))
			ep->proto = IPPROTO_UDP;
		else if (!strcasecmp(slash, "sctp"))
			ep->proto = IPPROTO_SCTP;
		else if (!strcasecmp(slash, "icmp"))
			ep->proto = IPPROTO_ICMP;
		else
			return -EINVAL;
	}
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || (size_t)(close - buf - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - buf - 1), buf + 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -EINVAL;
	} else if (strchr(buf, ':') && strchr(buf, ':') == strrchr(buf, ':')) {
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(buf, ':') - buf), buf);
		port = strchr(buf, ':') + 1;
	} else {
		snprintf(host, sizeof(host), "%s", buf);
	}
	if (port) {
		unsigned long p;

		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || !*port || p > 65535)
			return -EINVAL;
		ep->port = p;
	}
	if (inet_pton(AF_INET, host, ep->addr.addr) == 1) {
		ep->addr.family = ENF_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, host, ep->addr.addr) == 1) {
		ep->addr.family = ENF_AF_INET6;
		return 0;
	}
	return -EINVAL;
}
