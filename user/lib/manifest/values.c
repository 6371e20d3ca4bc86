// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Scalars of the manifest: booleans, integers, names (normalised as the
 * PaaS do), addresses, CIDRs with labels and expiry dates, port specs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "names.h"

#include "internal.h"

/* ------------------------------------------------------------------------ */
/* Scalars */

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/*
 * Decimal without sign or leading zeros (YAML 1.1 reads 010 as octal, so
 * refuse to guess). 0 ok, -1 not a number, -2 out of range.
 */
static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	bool neg = false;
	size_t i = 0;

	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len || (s[i] == '0' && len - i > 1))
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v <= max)	/* past max it stays out of range, without overflow */
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (neg && v)
		return -2;
	if (v > max)
		return -2;
	*out = v;
	return 0;
}

void mf_get_bool(struct ctx *c, yaml_node_t *n, const char *key, bool *out)
{
	size_t old;
	const char *s;

	if (!n)
		return;
	old = mf_path_key(c, key);
	s = mf_want_str(c, n, "true or false");
	if (s && !parse_bool(s, out))
		mf_err_node(c, n, "invalid boolean %s (expected true or false)", mf_show(c, s));
	mf_path_pop(c, old);
}

bool mf_get_uint(struct ctx *c, yaml_node_t *n, unsigned long min, unsigned long max,
		     unsigned long *out)
{
	const char *s = mf_want_str(c, n, "a number");
	unsigned long v;
	int r;

	if (!s)
		return false;
	r = parse_uint(s, strlen(s), max, &v);
	if (r == -1) {
		mf_err_node(c, n, "invalid number %s (expected a decimal integer %lu..%lu)",
			 mf_show(c, s), min, max);
		return false;
	}
	if (r == -2 || v < min) {
		mf_err_node(c, n, "%s is out of range (expected %lu..%lu)", mf_show(c, s), min, max);
		return false;
	}
	*out = v;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Names */

/*
 * Normalise as the PaaS dashboards do (lowercase, space to hyphen) and check
 * the result is an RFC 1123 label. out always gets something printable.
 */
bool mf_norm_name(struct ctx *c, yaml_node_t *n, const char *raw, char out[MF_NAME_MAX])
{
	size_t len = strlen(raw), i;
	char tmp[MF_NAME_MAX];

	for (i = 0; i < len && i < MF_NAME_MAX - 1; i++) {
		unsigned char ch = (unsigned char)raw[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch | 0x20);
		else if (ch == ' ')
			ch = '-';
		tmp[i] = (char)ch;
	}
	tmp[i] = '\0';
	mf_sanitize(out, MF_NAME_MAX, tmp, strlen(tmp));
	if (!len) {
		mf_err_node(c, n, "empty name (expected 1-63 characters a-z, 0-9 and '-')");
		return false;
	}
	if (len > MF_DNS_LABEL_MAX) {
		mf_err_node(c, n, "name %s is %zu characters long (at most 63: names are DNS labels)",
			 mf_show(c, raw), len);
		return false;
	}
	for (i = 0; i < len; i++) {
		char ch = tmp[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) {
			mf_err_node(c, n, "invalid name %s (expected a-z, 0-9 and '-'; letters are "
				 "lowercased and spaces become '-')", mf_show(c, raw));
			return false;
		}
	}
	if (tmp[0] == '-' || tmp[len - 1] == '-') {
		mf_err_node(c, n, "invalid name %s (must not start or end with '-' or a space)",
			 mf_show(c, raw));
		return false;
	}
	return true;
}

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = *(const struct named *const *)a;
	const struct named *y = *(const struct named *const *)b;

	return strcmp(x->name, y->name) ?: mf_cmp(x->i, y->i);
}

/*
 * The entries of a mapping keyed by names (networks, apps, services), with
 * the names normalised and checked, including for two keys that normalise to
 * the same name. Returns a calloc'd array (NULL when empty or on error).
 */
struct named *mf_named_entries(struct ctx *c, yaml_node_t *n, const char *what,
				   size_t *count)
{
	yaml_node_pair_t *pairs;
	struct named *e, **sorted;
	size_t cnt, i, j, nok = 0;

	*count = 0;
	if (!mf_want_map(c, n, what, &pairs, &cnt) || !cnt)
		return NULL;
	e = mf_xcalloc(c, cnt, sizeof(*e));
	if (!e)
		return NULL;
	for (i = 0; i < cnt && !c->stop; i++) {
		e[i].i = i;
		e[i].key = mf_node(c, pairs[i].key);
		e[i].val = mf_node(c, pairs[i].value);
		if (!e[i].key || !e[i].val)
			continue;
		e[i].raw = mf_want_str(c, e[i].key, "a name");
		if (!e[i].raw)
			continue;
		e[i].ok = mf_norm_name(c, e[i].key, e[i].raw, e[i].name);
		nok += e[i].ok;
	}
	*count = cnt;
	if (nok < 2)
		return e;
	sorted = mf_xcalloc(c, nok, sizeof(*sorted));
	if (!sorted)
		return e;
	for (i = 0, nok = 0; i < cnt; i++)
		if (e[i].ok)
			sorted[nok++] = &e[i];
	qsort(sorted, nok, sizeof(*sorted), named_cmp);
	/* sorted by (name, position): the head of each run is the first written */
	for (i = 0; i < nok; i = j) {
		struct named *first = sorted[i];
		struct mf_pos fp = mf_node_pos(c, first->key);

		for (j = i + 1; j < nok && !strcmp(sorted[j]->name, first->name); j++) {
			struct named *dup = sorted[j];
			size_t old = mf_path_key(c, dup->raw);

			if (!strcmp(first->raw, dup->raw))
				mf_err_node(c, dup->key, "duplicate key %s (each name once; first at "
					 "%s)", mf_show(c, dup->raw), mf_line_ref(c, fp));
			else
				mf_err_node(c, dup->key, "%s and %s (%s) are the same name '%s' "
					 "(names are lowercased and spaces become '-')",
					 mf_show(c, dup->raw), mf_show(c, first->raw), mf_line_ref(c, fp),
					 dup->name);
			mf_path_pop(c, old);
		}
	}
	free(sorted);
	return e;
}

/* Push the path component for a named entry: its name once valid. */
size_t mf_path_named(struct ctx *c, const struct named *e)
{
	return mf_path_key(c, e->ok ? e->name : e->raw);
}

/* ------------------------------------------------------------------------ */
/* Addresses, CIDRs, ports */

/* A single host address (instances, vip, resolvers). */
bool mf_get_addr(struct ctx *c, yaml_node_t *n, struct enf_addr *a)
{
	const char *s = mf_want_str(c, n, "an IPv4 or IPv6 address");

	if (!s)
		return false;
	if (strchr(s, '/')) {
		mf_err_node(c, n, "%s is a CIDR (expected a single address without /prefix)",
			 mf_show(c, s));
		return false;
	}
	if (!addr_parse(s, a)) {
		mf_err_node(c, n, "invalid address %s (expected an IPv4 or IPv6 address such as "
			 "10.0.0.5 or fd00::5)", mf_show(c, s));
		return false;
	}
	if (!addr_is_host(a)) {
		mf_err_node(c, n, "%s is not a host address (expected a unicast address, not "
			 "unspecified, broadcast or multicast)", mf_show(c, s));
		return false;
	}
	return true;
}

static bool parse_cidr_str(struct ctx *c, yaml_node_t *n, const char *s, struct mf_cidr *out)
{
	const char *slash = strchr(s, '/');
	char abuf[INET6_ADDRSTRLEN + 1], nbuf[INET6_ADDRSTRLEN];
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	unsigned int max;
	struct enf_addr net;

	if (alen >= sizeof(abuf))
		goto bad;
	memcpy(abuf, s, alen);
	abuf[alen] = '\0';
	if (!addr_parse(abuf, &out->addr))
		goto bad;
	max = out->addr.family == ENF_AF_INET ? 32 : 128;
	plen = max;
	if (slash && parse_uint(slash + 1, strlen(slash + 1), max, &plen)) {
		mf_err_node(c, n, "invalid prefix length in %s (expected /0 to /%u for %s)",
			 mf_show(c, s), max, max == 32 ? "IPv4" : "IPv6");
		return false;
	}
	out->plen = (uint8_t)plen;
	net = out->addr;
	if (!addr_mask(&net, out->plen)) {
		mf_err_node(c, n, "%s has host bits set (did you mean %s/%u?)", s,
			 addr_format(&net, nbuf, sizeof(nbuf)), out->plen);
		return false;
	}
	return true;
bad:
	mf_err_node(c, n, "invalid CIDR %s (expected an IPv4 or IPv6 prefix such as 10.0.0.0/8 or "
		 "fd00::/8, or a single address)", mf_show(c, s));
	return false;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

static bool fixed_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* YYYY-MM-DD (midnight UTC) or RFC 3339 YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static bool parse_expiry(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	size_t len = strlen(s);
	const char *p;
	int64_t t;

	if (len < 10 || !fixed_digits(s, 4, &y) || s[4] != '-' || !fixed_digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !fixed_digits(s + 8, 2, &d))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != 't') || len < 20 || !fixed_digits(s + 11, 2, &h) ||
		    s[13] != ':' || !fixed_digits(s + 14, 2, &mi) || s[16] != ':' ||
		    !fixed_digits(s + 17, 2, &sec))
			return false;
		if (h > 23 || mi > 59 || sec > 60)
			return false;
		p = s + 19;
		if (*p == '.') {
			/* fractions of a second: accepted, truncated */
			if (p[1] < '0' || p[1] > '9')
				return false;
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		}
		if ((*p == 'Z' || *p == 'z') && !p[1]) {
			sign = 0;
		} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
			   fixed_digits(p + 1, 2, &oh) && p[3] == ':' &&
			   fixed_digits(p + 4, 2, &om)) {
			if (oh > 23 || om > 59)
				return false;
			sign = *p == '+' ? 1 : -1;
		} else {
			return false;
		}
	}
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t <= 0)
		return false;
	*out = t;
	return true;
}

static bool label_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static const char *const cidr_keys[] = { "cidr", "label", "expires" };

static bool parse_cidr_entry(struct ctx *c, yaml_node_t *n, struct mf_cidr *out)
{
	yaml_node_t *v[ARRAY_LEN(cidr_keys)];
	const char *s;
	size_t old;
	bool ok = true;

	out->pos = mf_node_pos(c, n);
	if (n->type != YAML_MAPPING_NODE) {
		s = mf_want_str(c, n, "a CIDR or { cidr, label, expires }");
		return s && parse_cidr_str(c, n, s, out);
	}
	if (!mf_get_fields(c, n, "{ cidr, label, expires }", cidr_keys, ARRAY_LEN(cidr_keys), v,
			NULL))
		return false;
	if (!v[0]) {
		mf_err_node(c, n, "missing cidr (expected { cidr: 10.0.0.0/8, label: ..., "
			 "expires: YYYY-MM-DD })");
		ok = false;
	} else {
		old = mf_path_key(c, "cidr");
		s = mf_want_str(c, v[0], "a CIDR such as 10.0.0.0/8");
		ok = s && parse_cidr_str(c, v[0], s, out);
		mf_path_pop(c, old);
	}
	if (v[1]) {
		old = mf_path_key(c, "label");
		s = mf_want_str(c, v[1], "a short text");
		if (s && (strlen(s) >= MF_LABEL_MAX || !label_ok(s))) {
			mf_err_node(c, v[1], "invalid label %s (expected at most %d characters, no "
				 "control characters)", mf_show(c, s), MF_LABEL_MAX - 1);
			ok = false;
		} else if (s) {
			memcpy(out->label, s, strlen(s) + 1);
		} else {
			ok = false;
		}
		mf_path_pop(c, old);
	}
	if (v[2]) {
		old = mf_path_key(c, "expires");
		s = mf_want_str(c, v[2], "a date");
		if (s && !parse_expiry(s, &out->expires)) {
			mf_err_node(c, v[2], "invalid expiry %s (expected YYYY-MM-DD, "
				 "YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS+HH:MM, after 1970)",
				 mf_show(c, s));
			ok = false;
		} else if (!s) {
			ok = false;
		}
		mf_path_pop(c, old);
	}
	return ok;
}

void mf_parse_cidr_list(struct ctx *c, yaml_node_t *n, const char *key,
			    struct mf_cidr_list *l)
{
	yaml_node_item_t *items;
	size_t count, i, old;

	if (!n)
		return;
	old = mf_path_key(c, key);
	if (mf_want_seq(c, n, "a list of CIDRs", &items, &count) && count) {
		l->v = mf_xcalloc(c, count, sizeof(*l->v));
		if (l->v)
			l->n = count;
		for (i = 0; l->v && i < count && !c->stop; i++) {
			yaml_node_t *e = mf_node(c, items[i]);
			size_t o = mf_path_idx(c, i);

			if (e)
				parse_cidr_entry(c, e, &l->v[i]);
			mf_path_pop(c, o);
		}
	}
	mf_path_pop(c, old);
}

/* "N" or "N/tcp|udp|sctp". 0 ok, -1 syntax, -2 range, -3 protocol. */
int mf_parse_port_spec(const char *s, uint16_t *port, uint8_t *proto)
{
	const char *slash = strchr(s, '/');
	size_t nlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v;
	int r = parse_uint(s, nlen, 65535, &v);

	if (r == -1)
		return -1;
	if (r == -2 || v == 0)
		return -2;
	*port = (uint16_t)v;
	*proto = IPPROTO_TCP;
	if (!slash)
		return 0;
	/* ports carry tcp, udp or sctp */
	if (enf_proto_parse(slash + 1, proto) ||
	    (*proto != IPPROTO_TCP && *proto != IPPROTO_UDP && *proto != IPPROTO_SCTP))
		return -3;
	return 0;
}

bool mf_port_spec_error(struct ctx *c, yaml_node_t *n, const char *s, int r)
{
	switch (r) {
	case 0:
		return true;
	case -2:
		mf_err_node(c, n, "port %s is out of range (expected 1..65535)", mf_show(c, s));
		break;
	case -3:
		mf_err_node(c, n, "unknown protocol in %s (expected tcp, udp or sctp)", mf_show(c, s));
		break;
	default:
		mf_err_node(c, n, "invalid port %s (expected N, N/tcp, N/udp or N/sctp with N in "
			 "1..65535)", mf_show(c, s));
		break;
	}
	return false;
}

