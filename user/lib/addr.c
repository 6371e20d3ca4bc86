// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Addresses and endpoints (see addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "names.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

bool addr_parse(const char *s, struct enf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a->addr) != 1)
			return false;
		a->family = ENF_AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, a->addr) != 1)
			return false;
		a->family = ENF_AF_INET;
	}
	return true;
}

unsigned int addr_to_sockaddr(const struct enf_addr *a, uint16_t port,
			      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == ENF_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->addr, 16);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->addr, 4);
		return sizeof(*s4);
	}
}

const char *addr_format(const struct enf_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == ENF_AF_INET ? AF_INET : AF_INET6, a->addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

int addr_cmp(const struct enf_addr *a, const struct enf_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

bool addr_equal(const struct enf_addr *a, const struct enf_addr *b)
{
	return !addr_cmp(a, b);
}

bool addr_is_host(const struct enf_addr *a)
{
	static const uint8_t zero[16];

	if (!memcmp(a->addr, zero, 16))
		return false;
	if (a->family == ENF_AF_INET)
		return (a->addr[0] & 0xf0) != 0xe0 &&
		       !(a->addr[0] == 255 && a->addr[1] == 255 && a->addr[2] == 255 &&
			 a->addr[3] == 255);
	return a->addr[0] != 0xff;
}

bool addr_mask(struct enf_addr *a, unsigned int plen)
{
	bool clean = true;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		unsigned int keep = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xffu << (8 - keep));

		if (a->addr[i] & ~mask)
			clean = false;
		a->addr[i] &= mask;
	}
	return clean;
}

const char *endpoint_format(const struct enf_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[ADDR_STRLEN];

	addr_format(a, s, sizeof(s));
	if (!port)
		snprintf(buf, len, "%s", s);
	else if (a->family == ENF_AF_INET6)
		snprintf(buf, len, "[%s]:%u", s, port);
	else
		snprintf(buf, len, "%s:%u", s, port);
	return buf;
}

int endpoint_parse(const char *s, struct endpoint *ep)
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
		if (enf_proto_parse(slash, &ep->proto) || ep->proto == IPPROTO_ICMPV6)
			return -EINVAL;	/* icmp stands for both families */
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
	return addr_parse(host, &ep->addr) ? 0 : -EINVAL;
}
