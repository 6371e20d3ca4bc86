// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The node agent's event lines (see events.h). */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <json-c/json.h>

#include "events.h"

bool ev_json;

/* A value for people: as it is, or quoted when it holds spaces or quotes. */
static void put_text(const char *s)
{
	if (*s && !strpbrk(s, " \t\n\r\"=\\")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
	}
	putchar('"');
}

void ev_emit(const char *event, const struct ev_field *f, size_t n)
{
	char when[32], stamp[64];
	struct timeval tv;
	struct tm tm;
	size_t i;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp, sizeof(stamp), "%s.%03ldZ", when, (long)(tv.tv_usec / 1000));
	if (ev_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "time", json_object_new_string(stamp));
		json_object_object_add(o, "event", json_object_new_string(event));
		for (i = 0; i < n; i++) {
			json_object *v = f[i].type == EV_STR ? json_object_new_string(f[i].s ? f[i].s : "")
					: f[i].type == EV_BOOL ? json_object_new_boolean(f[i].u)
					: json_object_new_uint64(f[i].u);

			json_object_object_add(o, f[i].key, v);
		}
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%s %s", stamp, event);
		for (i = 0; i < n; i++) {
			printf(" %s=", f[i].key);
			if (f[i].type == EV_STR)
				put_text(f[i].s ? f[i].s : "");
			else if (f[i].type == EV_BOOL)
				fputs(f[i].u ? "true" : "false", stdout);
			else
				printf("%llu", (unsigned long long)f[i].u);
		}
		putchar('\n');
	}
	fflush(stdout);
}
