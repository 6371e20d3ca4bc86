// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Names of the ABI's enums (see names.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "enforcer_common.h"
#include "enforcer_dns.h"
#include "names.h"

static const char *const reason_names[ENF_REASON_MAX] = {
#define REASON_NAME(name, num, str, help) [num] = str,
	ENF_REASONS(REASON_NAME)
#undef REASON_NAME
};

static const char *const reason_help[ENF_REASON_MAX] = {
#define REASON_HELP(name, num, str, help) [num] = help,
	ENF_REASONS(REASON_HELP)
#undef REASON_HELP
};

static const char *const role_names[ENF_ROLE_MAX] = {
#define ROLE_NAME(name, num, str) [num] = str,
	ENF_ROLES(ROLE_NAME)
#undef ROLE_NAME
};

static const char *const encap_names[ENF_ENCAP_MAX] = {
#define ENCAP_NAME(name, num, str) [num] = str,
	ENF_ENCAPS(ENCAP_NAME)
#undef ENCAP_NAME
};

static const char *name_of(const char *const *names, unsigned int n, unsigned int v,
			   const char *unknown)
{
	return v < n && names[v] ? names[v] : unknown;
}

const char *enf_reason_name(unsigned int reason)
{
	return name_of(reason_names, ENF_REASON_MAX, reason, "unknown");
}

const char *enf_reason_help(unsigned int reason)
{
	return name_of(reason_help, ENF_REASON_MAX, reason, "");
}

const char *enf_role_name(unsigned int role)
{
	return name_of(role_names, ENF_ROLE_MAX, role, "unknown");
}

const char *enf_reason_verdict(unsigned int reason)
{
	if (reason == ENF_REASON_AUDIT_PASS)
		return "audit";
	return strncmp(enf_reason_name(reason), "drop_", 5) ? "pass" : "drop";
}

const char *enf_encap_name(unsigned int encap)
{
	return name_of(encap_names, ENF_ENCAP_MAX, encap, "unknown");
}

static const char *const dns_reason_names[ENF_DNS_REASON_MAX] = {
#define DNS_REASON_NAME(name, num, str, help) [num] = str,
	ENF_DNS_REASONS(DNS_REASON_NAME)
#undef DNS_REASON_NAME
};

const char *enf_dns_reason_name(unsigned int reason)
{
	return name_of(dns_reason_names, ENF_DNS_REASON_MAX, reason, "unknown");
}

int enf_role_parse(const char *s, uint32_t *role)
{
	uint32_t r;

	for (r = 0; r < ENF_ROLE_MAX; r++) {
		if (role_names[r] && !strcasecmp(s, role_names[r])) {
			*role = r;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "sctp", IPPROTO_SCTP },
	{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
};

const char *enf_proto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return "?";
}

int enf_proto_parse(const char *s, uint8_t *proto)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcasecmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	return -EINVAL;
}
