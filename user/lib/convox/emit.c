// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What `enforcer import` writes: the manifest of one app from what read.c
 * kept of a convox.yml, with comments where something did not carry over.
 * Every value written is one the manifest parser accepts (read.c checked
 * names, ports and health paths), so the result loads as it is.
 */
#include <string.h>

#include "convox_internal.h"

/* Text from the convox.yml in a comment: one line, no control bytes. */
static void put_text(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 200; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], out);
	if (i < len)
		fputs("...", out);
}

/* A name (a DNS label) as a YAML key or list entry: "null" would be null. */
static void put_name(FILE *out, const char *name)
{
	fprintf(out, strcmp(name, "null") ? "%s" : "\"%s\"", name);
}

/* A health path: plain when nothing in it means something to YAML. */
static void put_path(FILE *out, const char *p)
{
	if (strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.~%+-") ==
	    strlen(p)) {
		fputs(p, out);
		return;
	}
	fputc('"', out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

static void put_health(FILE *out, const struct cx_service *s)
{
	const char *sep = " ";

	if (s->health == CX_HEALTH_PATH && !s->hinterval && !s->htimeout) {
		fputs("        health: ", out);
		put_path(out, s->hpath);
		fputc('\n', out);
		return;
	}
	fputs("        health: {", out);
	if (s->hport) {
		fprintf(out, "%sport: %lu", sep, s->hport);
		sep = ", ";
	}
	if (s->hpath) {
		fprintf(out, "%spath: ", sep);
		put_path(out, s->hpath);
		sep = ", ";
	}
	if (s->hinterval) {
		fprintf(out, "%sinterval: %lu", sep, s->hinterval);
		sep = ", ";
	}
	if (s->htimeout)
		fprintf(out, "%stimeout: %lu", sep, s->htimeout);
	fputs(" }\n", out);
}

static void put_service(const struct cx *c, const struct cx_service *s, FILE *out)
{
	bool empty = !s->port && !s->internal && !s->iae && s->health == CX_HEALTH_NONE &&
		     !s->nlinks;
	size_t i;

	fputs("      ", out);
	put_name(out, s->name);
	fputs(empty ? ": {}\n" : ":\n", out);
	if (!s->port && !s->internal)
		fputs("        # no port: internal, as in convox.yml\n", out);
	for (i = 0; i < s->nnotes; i++)
		fprintf(out, "        # %s\n", s->notes[i]);
	if (s->port)
		fprintf(out, "        port: %lu\n", s->port);
	if (s->internal)
		fputs("        internal: true\n", out);
	if (s->iae)
		fputs("        internalAndExternal: true\n", out);
	if (s->health != CX_HEALTH_NONE)
		put_health(out, s);
	if (s->nlinks)
		fputs("        links:\n", out);
	for (i = 0; i < s->nlinks; i++) {
		const struct cx_link *l = &s->links[i];

		fputs("          - ", out);
		put_name(out, c->svcs[l->to].name);
		if (l->var) {
			fputs("  # from ", out);
			put_text(out, l->var, l->var_len);
			fputs(l->top ? " in the top-level environment" : " in its environment",
			      out);
		}
		fputc('\n', out);
	}
}

void cx_emit(const struct cx *c, FILE *out)
{
	size_t i;

	fprintf(out, "# The manifest of app %s, made by `enforcer import` (docs/convox.md) "
		"from\n# ", c->app);
	put_text(out, c->file, strlen(c->file));
	fputs("\n"
	      "#\n"
	      "# Instances are left to the platform: no service lists instances:, so the\n"
	      "# policy names no address until they are added (instances: [ADDR, ...]).\n"
	      "#\n"
	      "# The rack's private ranges (VPC, peered VPCs, VPN) are the sources admitted\n"
	      "# to internal services; set them before applying:\n"
	      "# private:\n"
	      "#   - 10.0.0.0/16\n"
	      "#\n"
	      "# Private names as Convox classic gives them; `enforcer env APP SERVICE` makes\n"
	      "# link URLs from the first zone. Convox v2's names are\n"
	      "# \"{service}.{app}.{rack}.convox\", with rack: NAME.\n"
	      "zones:\n"
	      "  - \"{service}.{app}.convox.local\"\n", out);
	if (c->nresources) {
		fputs("#\n# Resources (", out);
		for (i = 0; i < c->nresources; i++)
			fprintf(out, "%s%s", i ? ", " : "", c->resources[i]);
		fputs(") are not services here: add each as a service\n"
		      "# with its port and instances for the enforcer to keep it internal.\n", out);
	}
	fputs("apps:\n  ", out);
	put_name(out, c->app);
	fputs(":\n    services:\n", out);
	for (i = 0; i < c->nsvcs; i++)
		if (c->svcs[i].name[0])
			put_service(c, &c->svcs[i], out);
}
