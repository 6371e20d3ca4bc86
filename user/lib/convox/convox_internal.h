/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the files of the convox.yml import share (not for use outside
 * user/lib/convox/):
 *
 *   read.c     the YAML read, errors, the walk of convox.yml into struct cx
 *   emit.c     struct cx as a manifest
 */
#ifndef ENFORCER_CONVOX_INTERNAL_H
#define ENFORCER_CONVOX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

#include "convox.h"

#define CX_MAX_ERRORS	100
#define CX_MAX_NODES	(1u << 20)	/* walked nodes, alias re-visits included */
#define CX_MAX_DEPTH	64		/* YAML nesting; convox.yml needs a few */
#define CX_PATH_MAX	512
#define CX_SHOW_MAX	72		/* user text quoted in a message */
#define CX_HEALTH_MAX	256		/* a health path, as the manifest's */
#define CX_MAX_NOTES	8		/* comments on one service */
#define CX_MAX_SERVICES	65535		/* as the manifest (service ids are 16 bits) */
#define CX_MAX_LINKS	(1u << 20)	/* in all: a top-level variable links every service */

struct cx_err {
	int line;
	int col;
	unsigned int seq;
	char *msg;		/* "field: text" */
};

/* A link of a service: from `links:`, or from a variable of an
 * `environment:` whose value is a URL naming the service. */
struct cx_link {
	size_t to;		/* index into cx.svcs */
	const char *var;	/* NULL: links:; else the variable's name */
	size_t var_len;
	bool top;		/* the variable is in the top-level environment */
};

enum cx_health { CX_HEALTH_NONE, CX_HEALTH_PATH, CX_HEALTH_MAP };

struct cx_service {
	char name[CONVOX_NAME_MAX];	/* normalised; "" when the key is unusable */
	yaml_node_t *key;
	yaml_node_t *val;
	unsigned long port;	/* 0: none */
	char scheme[8];		/* "", "http", "https" or "grpc" */
	bool internal;
	bool iae;		/* internalAndExternal */
	enum cx_health health;
	const char *hpath;	/* CX_HEALTH_PATH, or the mapping's path (NULL: none) */
	unsigned long hport;	/* CX_HEALTH_MAP: probe this port (TCP connect) */
	unsigned long hinterval, htimeout;	/* 0: not given */
	struct cx_link *links;
	size_t nlinks, clinks;
	char *notes[CX_MAX_NOTES];	/* comment lines: what did not carry over */
	size_t nnotes;
};

struct cx {
	const char *file;
	const char *app;
	yaml_document_t *doc;
	struct cx_err errs[CX_MAX_ERRORS];
	unsigned int nerr;
	bool too_many;
	bool oom;
	bool stop;		/* too many errors or nodes, or out of memory */
	size_t visits;
	char path[CX_PATH_MAX];	/* dotted field of the node being walked */
	size_t plen;
	char shown[4][CX_SHOW_MAX + 4];
	unsigned int shown_i;
	struct cx_service *svcs;
	size_t nsvcs;
	size_t *by_name;	/* indexes of the usable services, sorted by name */
	size_t nnamed;
	size_t *stamp;		/* per service: the pass that last linked to it */
	size_t nlinks;		/* over all services */
	const char **resources;	/* names under resources:, for a comment */
	size_t nresources;
};

/* read.c */
int cx_read(struct cx *c, const char *buf, size_t len);
void cx_print_errors(struct cx *c, FILE *errf);
void cx_free(struct cx *c);
bool cx_name_ok(const char *s);
/* emit.c */
void cx_emit(const struct cx *c, FILE *out);

#endif /* ENFORCER_CONVOX_INTERNAL_H */
