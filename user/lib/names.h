/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The names people see for the ABI's enums (include/): verdict reasons and
 * what they mean, interface roles, encapsulations. Each table is generated
 * from the X-macro next to its enum, so a new value brings its name along.
 */
#ifndef ENFORCER_NAMES_H
#define ENFORCER_NAMES_H

#include <stdint.h>

const char *enf_reason_name(unsigned int reason);	/* "drop_spoofed", or "unknown" */
const char *enf_reason_help(unsigned int reason);	/* one line on what it means */
/* "drop" for drop_* reasons, "audit" for audit_pass, else "pass". */
const char *enf_reason_verdict(unsigned int reason);
const char *enf_role_name(unsigned int role);		/* "public", or "unknown" */
const char *enf_encap_name(unsigned int encap);		/* "vxlan", or "unknown" */
const char *enf_dns_reason_name(unsigned int reason);	/* "nxdomain", or "unknown" */

/* "public", "mixed" or "pods" (any letter case) -> *role; -EINVAL otherwise. */
int enf_role_parse(const char *s, uint32_t *role);

/* Transport protocols as people write them: "tcp", "udp", "sctp", "icmp". */
const char *enf_proto_name(uint8_t proto);		/* or "?" */
int enf_proto_parse(const char *s, uint8_t *proto);	/* any letter case; -EINVAL */

#endif /* ENFORCER_NAMES_H */
