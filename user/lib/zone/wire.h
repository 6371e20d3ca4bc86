/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS names in wire form (RFC 1035 labels, lower-cased) and the name hash
 * the DNS program looks names up by (include/enforcer_dns.h): shared by the
 * zone compiler, the zone files, `trace` and the tests.
 */
#ifndef ENFORCER_WIRE_H
#define ENFORCER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "enforcer_dns.h"

/* Text of a wire name: every byte as \DDD at worst, plus the dot. */
#define DNS_TEXT_MAX	(4 * ENF_DNS_MAX_NAME + 2)

/* Text name ("Web.MyApp.internal" or with trailing dot) -> lower-cased wire form. */
int dns_name_to_wire(const char *text, uint8_t *wire, size_t *wire_len);

/* Hash and wire length of a wire name, per enforcer_dns.h (case-folding). */
uint64_t dns_wire_hash(const uint8_t *wire, size_t wire_len);

/* Wire -> text with a trailing dot; returns buf. */
const char *dns_wire_to_text(const uint8_t *wire, char *buf, size_t len);

/* The same without the trailing dot (messages, zone files); returns buf. */
const char *dns_wire_show(const uint8_t *wire, char *buf, size_t len);

/* Offsets of the labels of a wire name; -EINVAL when it is not one. */
int dns_wire_labels(const uint8_t *wire, size_t wire_len, uint16_t *offs, size_t *nlabels);

/* The suffix hash of every label position (sh[i]: labels i.. to the root). */
void dns_suffix_hashes(const uint8_t *wire, const uint16_t *offs, size_t nlabels, uint64_t *sh);

/* DNSSEC canonical order (RFC 4034 section 6.1). */
int dns_wire_canon_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif /* ENFORCER_WIRE_H */
