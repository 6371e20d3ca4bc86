// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* DNS names in wire form and the name hash of enforcer_dns.h (see wire.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer_dns.h"
#include "wire.h"

/* ------------------------------------------------------------------------ */
/* Wire names and the hash of enforcer_dns.h */

/* Offsets of a wire name's labels (not the root); -EINVAL if malformed. */
int dns_wire_labels(const uint8_t *wire, size_t wire_len, uint16_t *offs, size_t *nlabels)
{
	size_t off = 0, n = 0;

	if (!wire_len || wire_len > ENF_DNS_MAX_NAME)
		return -EINVAL;
	while (off < wire_len) {
		uint8_t len = wire[off];

		if (!len) {
			if (off + 1 != wire_len)
				return -EINVAL;
			*nlabels = n;
			return 0;
		}
		if (len > 63 || off + 1 + len >= wire_len || n >= ENF_DNS_MAX_LABELS)
			return -EINVAL;
		offs[n++] = (uint16_t)off;
		off += 1 + len;
	}
	return -EINVAL;
}

/* sh[i] = S(suffix starting at label i), sh[nlabels] = S(root) = 0. */
void dns_suffix_hashes(const uint8_t *wire, const uint16_t *offs, size_t nlabels,
			  uint64_t *sh)
{
	size_t i = nlabels;

	sh[nlabels] = 0;
	while (i--)
		sh[i] = enf_dns_combine(sh[i + 1], enf_dns_label_hash(wire + offs[i]));
}

/* Malformed wire names hash to 0, like the root: they match nothing stored. */
uint64_t dns_wire_hash(const uint8_t *wire, size_t wire_len)
{
	uint16_t offs[ENF_DNS_MAX_LABELS];
	uint64_t sh[ENF_DNS_MAX_LABELS + 1];
	size_t n;

	if (dns_wire_labels(wire, wire_len, offs, &n))
		return 0;
	dns_suffix_hashes(wire, offs, n, sh);
	return sh[0];
}

/*
 * Master-file text (RFC 1035 5.1: "\X" and "\DDD" escapes) -> wire form,
 * A-Z lowercased. `wire` must hold ENF_DNS_MAX_NAME bytes; *wire_len is
 * output only. "." is the root; a trailing dot is optional.
 */
int dns_name_to_wire(const char *text, uint8_t *wire, size_t *wire_len)
{
	size_t o = 0, lstart = 0, i = 0;

	if (!text || !text[0])
		return -EINVAL;
	if (!strcmp(text, ".")) {
		wire[0] = 0;
		*wire_len = 1;
		return 0;
	}
	wire[0] = 0;
	o = 1;
	for (;;) {
		unsigned char c = (unsigned char)text[i];

		if (c == '.' || !c) {
			size_t llen = o - lstart - 1;

			if (!llen)
				return -EINVAL;	/* empty label: "a..b", ".a" */
			wire[lstart] = (uint8_t)llen;
			if (!c || !text[i + 1])
				break;
			if (o >= ENF_DNS_MAX_NAME - 1)
				return -EINVAL;
			lstart = o;
			wire[o++] = 0;
			i++;
			continue;
		}
		if (c == '\\') {
			if (text[i + 1] >= '0' && text[i + 1] <= '9') {
				unsigned int v = 0, k;

				for (k = 1; k <= 3; k++) {
					if (text[i + k] < '0' || text[i + k] > '9')
						return -EINVAL;
					v = v * 10 + (unsigned int)(text[i + k] - '0');
				}
				if (v > 255)
					return -EINVAL;
				c = (unsigned char)v;
				i += 4;
			} else if (text[i + 1]) {
				c = (unsigned char)text[i + 1];
				i += 2;
			} else {
				return -EINVAL;
			}
		} else {
			i++;
		}
		if (o - lstart - 1 >= 63 || o >= ENF_DNS_MAX_NAME - 1)
			return -EINVAL;
		wire[o++] = (uint8_t)enf_dns_fold(c);
	}
	if (o >= ENF_DNS_MAX_NAME)
		return -EINVAL;
	wire[o++] = 0;
	*wire_len = o;
	return 0;
}

static size_t put_label_text(const uint8_t *label, char *buf, size_t len, size_t o)
{
	size_t i;

	for (i = 1; i <= label[0]; i++) {
		uint8_t c = label[i];
		char tmp[5];
		size_t tl, k;

		if (c <= 0x20 || c >= 0x7f)
			tl = (size_t)snprintf(tmp, sizeof(tmp), "\\%03u", c);
		else if (strchr(".\\()\";@$", c))
			tl = (size_t)snprintf(tmp, sizeof(tmp), "\\%c", c);
		else
			tmp[0] = (char)c, tl = 1;
		for (k = 0; k < tl && o + 1 < len; k++)
			buf[o++] = tmp[k];
	}
	return o;
}

/* Wire -> text with a trailing dot (root: "."), escaped as in master files;
 * a malformed name ends in "?"; always NUL-terminated when len > 0. */
const char *dns_wire_to_text(const uint8_t *wire, char *buf, size_t len)
{
	size_t off = 0, o = 0;

	if (!len)
		return buf;
	if (!wire[0]) {
		snprintf(buf, len, ".");
		return buf;
	}
	while (wire[off]) {
		if (wire[off] > 63 || off + 1 + wire[off] >= ENF_DNS_MAX_NAME) {
			if (o + 1 < len)
				buf[o++] = '?';
			break;
		}
		o = put_label_text(wire + off, buf, len, o);
		if (o + 1 < len)
			buf[o++] = '.';
		off += 1 + wire[off];
	}
	buf[o] = '\0';
	return buf;
}

/* RFC 4034 6.1 canonical order of two lower-cased wire names. */
int dns_wire_canon_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint16_t ao[ENF_DNS_MAX_LABELS], bo[ENF_DNS_MAX_LABELS];
	size_t an = 0, bn = 0;

	if (dns_wire_labels(a, alen, ao, &an) || dns_wire_labels(b, blen, bo, &bn))
		return alen < blen ? -1 : alen > blen;
	while (an && bn) {
		const uint8_t *x = a + ao[--an], *y = b + bo[--bn];
		size_t l = x[0] < y[0] ? x[0] : y[0];
		int r = memcmp(x + 1, y + 1, l);

		if (r)
			return r;
		if (x[0] != y[0])
			return x[0] < y[0] ? -1 : 1;
	}
	return an < bn ? -1 : an > bn;
}


/* Text without the trailing dot, for messages and zone files. */
const char *dns_wire_show(const uint8_t *wire, char *buf, size_t len)
{
	size_t n;

	dns_wire_to_text(wire, buf, len);
	n = strlen(buf);
	if (n > 1 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return buf;
}
