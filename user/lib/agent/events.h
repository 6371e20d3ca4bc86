/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The node agent's log: one line per event on stdout, for people
 *
 *   2026-12-05T13:00:00.123Z applied generation=3 sha256=9f2c... manifest=/etc/...
 *
 * or, with --log-format json, one JSON object per line for collectors
 *
 *   {"time":"2026-12-05T13:00:00.123Z","event":"applied","generation":3,...}
 */
#ifndef ENFORCER_EVENTS_H
#define ENFORCER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ev_type { EV_STR, EV_U64, EV_BOOL };

struct ev_field {
	const char *key;
	enum ev_type type;
	const char *s;
	uint64_t u;
};

#define EV_S(k, v)	{ .key = (k), .type = EV_STR, .s = (v) }
#define EV_U(k, v)	{ .key = (k), .type = EV_U64, .u = (uint64_t)(v) }
#define EV_B(k, v)	{ .key = (k), .type = EV_BOOL, .u = !!(v) }

extern bool ev_json;	/* --log-format json */

void ev_emit(const char *event, const struct ev_field *f, size_t n);

/* EV("applied", EV_U("generation", g), EV_S("sha256", sha)) */
#define EV(event, ...)							\
	do {								\
		const struct ev_field ev_f_[] = { __VA_ARGS__ };	\
		ev_emit((event), ev_f_, sizeof(ev_f_) / sizeof(ev_f_[0])); \
	} while (0)

#endif /* ENFORCER_EVENTS_H */
