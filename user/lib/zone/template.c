// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The zone-template language (see template.h). */
#include <stdio.h>
#include <string.h>

#include "template.h"

unsigned int tmpl_placeholder(const char *s, size_t len)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} ph[] = {
		{ "service", TMPL_SERVICE }, { "type", TMPL_SERVICE }, { "app", TMPL_APP },
		{ "rack", TMPL_RACK }, { "network", TMPL_NETWORK }, { "index", TMPL_INDEX },
	};
	size_t i;

	for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
		if (strlen(ph[i].name) == len && !memcmp(ph[i].name, s, len))
			return ph[i].bit;
	return 0;
}

static void fault(struct tmpl_check_result *r, enum tmpl_fault f, size_t at, size_t len)
{
	r->fault = f;
	r->at = at;
	r->len = len;
}

void tmpl_check(const char *t, struct tmpl_check_result *r)
{
	size_t i, label_static = 0, label_items = 0;
	bool label_ph = false, first_dash = false, last_dash = false;

	memset(r, 0, sizeof(*r));
	for (i = 0;; i++) {
		char ch = t[i];

		if (ch == '.' || !ch) {
			if (!label_items)
				return fault(r, TMPL_EMPTY_LABEL, i, 1);
			if (first_dash || last_dash)
				return fault(r, TMPL_DASH_EDGE, i, 1);
			if (!label_ph && label_static > TMPL_LABEL_MAX) {
				r->detail = label_static;
				return fault(r, TMPL_LONG_LABEL, i - label_static, label_static);
			}
			if (!ch)
				break;
			label_static = label_items = 0;
			label_ph = first_dash = last_dash = false;
			continue;
		}
		if (ch == '{') {
			size_t j = i + 1;
			unsigned int bit;

			while (t[j] && t[j] != '}' && t[j] != '{')
				j++;
			if (t[j] != '}')
				return fault(r, TMPL_OPEN_BRACE, i, 1);
			bit = tmpl_placeholder(t + i + 1, j - i - 1);
			if (!bit)
				return fault(r, TMPL_UNKNOWN, i, j - i + 1);
			r->used |= bit;
			label_ph = true;
			label_items++;
			last_dash = false;
			i = j;
			continue;
		}
		if (ch == '}')
			return fault(r, TMPL_CLOSE_BRACE, i, 1);
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return fault(r, TMPL_BAD_CHAR, i, 1);
		if (!label_items)
			first_dash = ch == '-';
		last_dash = ch == '-';
		label_static++;
		label_items++;
	}
	if (!r->used)
		return fault(r, TMPL_NO_PLACEHOLDER, 0, i);
	if (label_ph)
		return fault(r, TMPL_NO_APEX, 0, i);
}

int tmpl_apex(const char *t, unsigned int *used, size_t *apex_start)
{
	bool per_app = false;
	size_t i;

	*used = 0;
	*apex_start = 0;
	for (i = 0;; i++) {
		if (t[i] == '.' || !t[i]) {
			if (per_app)
				*apex_start = t[i] ? i + 1 : i;
			per_app = false;
			if (!t[i])
				break;
			continue;
		}
		if (t[i] == '{') {
			size_t j = i + 1;
			unsigned int bit;

			while (t[j] && t[j] != '}' && t[j] != '.')
				j++;
			if (t[j] != '}')
				return -1;
			bit = tmpl_placeholder(t + i + 1, j - i - 1);
			if (!bit)
				return -1;
			*used |= bit;
			if (bit & TMPL_PER_APP)
				per_app = true;
			i = j;
		}
	}
	return 0;
}

/* What placeholder `bit` stands for (num: room to print {index}); NULL for
 * none. */
static const char *fill_of(const struct tmpl_fill *f, unsigned int bit, char *num, size_t len)
{
	if (bit == TMPL_INDEX) {
		snprintf(num, len, "%zu", f->index);
		return f->index_text ? f->index_text : num;
	}
	return bit == TMPL_SERVICE ? f->svc : bit == TMPL_APP ? f->app :
	       bit == TMPL_RACK ? f->rack : bit == TMPL_NETWORK ? f->net : NULL;
}

int tmpl_expand(const char *t, size_t tlen, const struct tmpl_fill *f, char *out, size_t outsz)
{
	size_t o = 0, i;
	char num[24];

	if (!outsz)
		return -1;
	out[0] = '\0';
	for (i = 0; i < tlen; i++) {
		const char *rep;
		size_t j, k;

		if (t[i] != '{') {
			if (o + 1 >= outsz)
				goto fail;
			out[o++] = t[i];
			continue;
		}
		for (j = i + 1; j < tlen && t[j] != '}'; j++)
			;
		if (j >= tlen)
			goto fail;
		rep = fill_of(f, tmpl_placeholder(t + i + 1, j - i - 1), num, sizeof(num));
		if (!rep)
			goto fail;
		for (k = 0; rep[k]; k++) {
			if (o + 1 >= outsz)
				goto fail;
			out[o++] = rep[k];
		}
		i = j;
	}
	out[o] = '\0';
	return (int)o;
fail:
	out[o] = '\0';
	return -1;
}

bool tmpl_names_service(unsigned int used, const char *svc)
{
	return (used & TMPL_SERVICE) || !strcmp(svc, "web");
}

bool tmpl_names_instances_implicitly(unsigned int used)
{
	return !(used & TMPL_INDEX);
}
