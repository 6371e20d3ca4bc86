/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one path a manifest takes to the kernel, for every front end (the
 * CLI, the tests, the benchmarks):
 *
 *   read (one size cap) -> hash -> load and validate -> compile -> apply
 *
 * Everything that can fail on input happens before the kernel state is
 * touched; `apply` then swaps the policy in atomically or changes nothing.
 */
#ifndef ENFORCER_PIPELINE_H
#define ENFORCER_PIPELINE_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "compile.h"
#include "manifest.h"
#include "state.h"

/* A manifest on its way: the validated model and what it compiles to. */
struct pipeline {
	struct manifest *m;
	struct compiled c;	/* c.policy carries the sha256 and the path */
	char path[PATH_MAX];	/* absolute and resolved ("-": standard input) */
};

/*
 * Read, hash, load and compile the manifest at `path` ("-" reads standard
 * input). Every problem is printed on `errf` (each manifest error as
 * file:line:col). Returns 0; -EINVAL for an invalid manifest (or one over a
 * compile limit); another -errno when it cannot be read or compiled.
 */
int pipeline_compile_file(const char *path, struct pipeline *p, FILE *errf);

/* The manifest's identity: the SHA-256 of its bytes (enf_policy.sha256). */
void pipeline_sha256(const char *buf, size_t len, uint8_t out[32]);

/* The same for `len` bytes in memory; `name` stands in for the path. */
int pipeline_compile_buf(const char *buf, size_t len, const char *name, struct pipeline *p,
			 FILE *errf);

/*
 * Apply a compiled manifest to `st` (opened with state_open or loaded with
 * state_load); `ifaces` (n of them, may be none) are the interfaces the
 * programs are attached to, which get their roles from the new rules. On
 * failure the policy in force is unchanged.
 */
int pipeline_apply(struct enf_state *st, struct pipeline *p, const struct enf_iface *ifaces,
		   size_t n, uint64_t *generation);

/* The same on a node: the interfaces are those attached through the links
 * pinned in the state's pin dir. */
int pipeline_apply_node(struct enf_state *st, struct pipeline *p, uint64_t *generation);

void pipeline_free(struct pipeline *p);

#endif /* ENFORCER_PIPELINE_H */
