/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Prometheus text exposition (format 0.0.4) of what the kernel side of one
 * node holds: verdicts per interface and reason, per service, DNS answers,
 * map fill, the policy in force, the monitor's events. The daemon serves
 * it with its own metrics on --metrics; `enforcer metrics` prints it (for
 * a textfile collector, or a look). Names and labels: docs/metrics.md.
 */
#ifndef ENFORCER_METRICS_H
#define ENFORCER_METRICS_H

#include <stdio.h>

struct enf_state;

/* Writes the node's metrics to f; 0 or -errno (the output is then
 * incomplete and should not be served). */
int metrics_node(struct enf_state *st, FILE *f);

/* A label value as the exposition format wants it: \\, \" and \n escaped
 * (into buf, returned). */
const char *metrics_label(const char *s, char *buf, size_t len);

/* "# HELP name help\n# TYPE name type\n" */
void metrics_head(FILE *f, const char *name, const char *type, const char *help);

#endif /* ENFORCER_METRICS_H */
