/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * convox.yml -> an enforcer manifest skeleton (`enforcer import`,
 * docs/convox.md).
 *
 * What carries over, per service: `port` (N, "N", or SCHEME:N with scheme
 * http, https or grpc; the scheme becomes a comment), `internal`,
 * `internalAndExternal`, `health` (a path, or { path, interval, timeout }:
 * grace and disable have no counterpart), `links`, and links found in
 * `environment` (the service's and the top-level one): a NAME=value whose
 * value is a URL naming a service of this app by its internal name
 * (svc, svc.app, svc.app.convox.local, svc.app.RACK.convox). `ports:` and
 * every other key (build, scale, resources, timers, ...) are left out;
 * what is left out that touches the network is said in a comment.
 *
 * No instances: they are the platform's. The manifest made loads as it is
 * (`enforcer check`); zones: holds Convox classic's names, private: is a
 * commented placeholder.
 */
#ifndef ENFORCER_CONVOX_H
#define ENFORCER_CONVOX_H

#include <stddef.h>
#include <stdio.h>

#define CONVOX_MAX_FILE	(16u << 20)	/* a convox.yml is text people write */
#define CONVOX_NAME_MAX	64		/* a DNS label and its NUL */

/* The app's name as the manifest normalises it (lowercase, spaces to '-')
 * into out; 0, or -EINVAL when it is not a DNS label of 1..63 characters
 * a-z, 0-9 and '-'. */
int convox_app_name(const char *raw, char out[CONVOX_NAME_MAX]);

/*
 * Reads convox.yml text buf[0..len) (`file` names it in errors) and writes
 * the manifest of app `app` (a name convox_app_name() accepted) to `out`.
 * Returns 0; -EINVAL after printing every error, sorted by position, to
 * errf as "FILE:LINE:COL: field: what is wrong (what is allowed)"; -ENOMEM.
 * Nothing is written to `out` unless it returns 0.
 */
int convox_import(const char *buf, size_t len, const char *file, const char *app, FILE *out,
		  FILE *errf);

#endif /* ENFORCER_CONVOX_H */
