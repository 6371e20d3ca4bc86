/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The zone-template language (contract section 3), in one place: what a
 * template may say, what it expands to, which services and instances it
 * names. The manifest's checks and the zone compiler both use it, so a
 * template rule changes here and only here.
 *
 *   placeholders   {service} (alias {type}), {app}, {rack}, {network},
 *                  {index} (1-based instance number)
 *   syntax         labels of a-z 0-9 '-' and placeholders, separated by
 *                  single dots; at least one placeholder; static labels
 *                  after the last one (the zone apex)
 *   names          a template without {service} names only the app's `web`
 *                  service; one without {index} also yields N.<name> for
 *                  each instance N
 */
#ifndef ENFORCER_TEMPLATE_H
#define ENFORCER_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

/* Placeholders, as bits of a template's `used` set. */
enum tmpl_placeholder {
	TMPL_SERVICE = 1 << 0,	/* {service} and its alias {type} */
	TMPL_APP = 1 << 1,
	TMPL_RACK = 1 << 2,
	TMPL_NETWORK = 1 << 3,
	TMPL_INDEX = 1 << 4,
};

/* Placeholders that differ from one app or service to the next: the zone
 * apex is what stands right of the last of them. */
#define TMPL_PER_APP	(TMPL_SERVICE | TMPL_APP | TMPL_NETWORK | TMPL_INDEX)
#define TMPL_ALLOWED	"{service}, {type}, {app}, {rack}, {network} or {index}"
#define TMPL_LABEL_MAX	63
#define TMPL_NAME_MAX	253

/* What is wrong with a template (tmpl_check). */
enum tmpl_fault {
	TMPL_OK = 0,
	TMPL_EMPTY_LABEL,	/* "a..b", leading or trailing dot */
	TMPL_DASH_EDGE,		/* a label starting or ending with '-' */
	TMPL_LONG_LABEL,	/* a static label over 63 characters (detail: its length) */
	TMPL_OPEN_BRACE,	/* '{' without '}' */
	TMPL_UNKNOWN,		/* {something} else (at: the placeholder) */
	TMPL_CLOSE_BRACE,	/* '}' without '{' */
	TMPL_BAD_CHAR,		/* anything but a-z 0-9 '-' '.' (at: the character) */
	TMPL_NO_PLACEHOLDER,
	TMPL_NO_APEX,		/* nothing static after the last placeholder */
};

struct tmpl_check_result {
	enum tmpl_fault fault;
	unsigned int used;	/* TMPL_* set, when TMPL_OK */
	size_t at, len;		/* where the fault is in the template */
	size_t detail;		/* TMPL_LONG_LABEL: the label's length */
};

/* The placeholder named by s[0..len) ("service", ...): its bit, or 0. */
unsigned int tmpl_placeholder(const char *s, size_t len);

/* Checks a lowercased template; fills *r (r->fault == TMPL_OK when fine). */
void tmpl_check(const char *t, struct tmpl_check_result *r);

/* Where the zone apex starts in t (after the last label holding a per-app
 * placeholder) and the TMPL_* set; -1 when a placeholder is unknown or
 * unbalanced (tmpl_check rejects those). */
int tmpl_apex(const char *t, unsigned int *used, size_t *apex_start);

/* What a template is expanded with. {index} is `index` as a number, or
 * `index_text` when that is set (the manifest checks mark the place). */
struct tmpl_fill {
	const char *svc;
	const char *app;
	const char *net;
	const char *rack;
	size_t index;
	const char *index_text;
};

/* Expands t[0..tlen) into out (always terminated); returns the length, or
 * -1 when it does not fit, a placeholder is unknown, or one it uses has no
 * value. */
int tmpl_expand(const char *t, size_t tlen, const struct tmpl_fill *f, char *out, size_t outsz);

/* Does a template with placeholder set `used` name service `svc`? */
bool tmpl_names_service(unsigned int used, const char *svc);

/* Does it also yield N.<name> for each instance N (no {index} of its own)? */
bool tmpl_names_instances_implicitly(unsigned int used);

#endif /* ENFORCER_TEMPLATE_H */
