/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Applying a manifest held in memory through the product's own path
 * (manifest_load_buf, compile_manifest, state_apply), for the in-process
 * suites and benchmarks that load the enforcer themselves.
 */
#ifndef ENFORCER_SELFTEST_APPLY_H
#define ENFORCER_SELFTEST_APPLY_H

#include <stdio.h>
#include <time.h>

#include "compile.h"
#include "manifest.h"
#include "state.h"

/* Parse, compile and apply `len` bytes of YAML (named `name` in errors,
 * which go to `errf`) on the interfaces given. *nnames, when asked, gets
 * the zone's name count. Returns 0 or the first step's error. */
static inline int apply_manifest_text(struct enf_state *st, const char *text, size_t len,
				      const char *name, const struct enf_iface *ifaces,
				      size_t nifaces, FILE *errf, size_t *nnames)
{
	struct compile_clock clk = { .wall = time(NULL) };
	struct manifest *m = NULL;
	struct compiled c;
	struct timespec ts;
	int err;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	clk.boot_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	err = manifest_load_buf(text, len, name, &m, errf);
	if (err)
		return err;
	err = compile_manifest(m, &clk, &c, errf);
	manifest_free(m);
	if (err)
		return err;
	if (nnames)
		*nnames = c.zone.nnames;
	err = state_apply(st, &c, ifaces, nifaces, NULL);
	compiled_free(&c);
	return err;
}

#endif /* ENFORCER_SELFTEST_APPLY_H */
