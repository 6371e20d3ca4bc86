/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Applying a manifest held in memory through the product's own pipeline
 * (user/lib/pipeline.c: load, compile, apply), for the in-process suites
 * and benchmarks that load the enforcer themselves.
 */
#ifndef ENFORCER_SELFTEST_APPLY_H
#define ENFORCER_SELFTEST_APPLY_H

#include <stdio.h>

#include "pipeline.h"

/* Parse, compile and apply `len` bytes of YAML (named `name` in errors,
 * which go to `errf`) on the interfaces given. *nnames, when asked, gets
 * the zone's name count. Returns 0 or the first step's error. */
static inline int apply_manifest_text(struct enf_state *st, const char *text, size_t len,
				      const char *name, const struct enf_iface *ifaces,
				      size_t nifaces, FILE *errf, size_t *nnames)
{
	struct pipeline p;
	int err;

	err = pipeline_compile_buf(text, len, name, &p, errf);
	if (err)
		return err;
	if (nnames)
		*nnames = p.c.zone.nnames;
	err = pipeline_apply(st, &p, ifaces, nifaces, NULL);
	pipeline_free(&p);
	return err;
}

#endif /* ENFORCER_SELFTEST_APPLY_H */
