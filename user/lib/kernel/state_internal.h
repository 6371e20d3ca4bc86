/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What state.c (load, pin, open) lends apply.c (the swap); not for others. */
#ifndef ENFORCER_STATE_INTERNAL_H
#define ENFORCER_STATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* Entries of a map whose size never changes, or 0. */
size_t state_fixed_entries(enum sel sel);

/* Room in a slot's first maps, so that small policies never replace them. */
size_t state_initial_entries(enum sel sel);

/* A fresh inner map of `sel` with named BTF fields; its fd, or -errno. */
int state_create_inner(struct enf_state *st, enum sel sel, size_t entries);

/* Installs inner map `inner_fd` in `slot` of the outer map of `sel`. */
int state_put_inner(struct enf_state *st, enum sel sel, uint32_t slot, int inner_fd);

/* fn(job) for each of the n jobs (`size` bytes apart in `jobs`), each in a
 * thread of its own (in this one when none can be made); returns when all
 * are done. For kernel calls that wait (grace periods) or that are work
 * on different maps, which the kernel does in parallel. */
void state_run_at_once(void *(*fn)(void *), void *jobs, size_t size, size_t n);

/* fds[sel] into `slot` for every sel with put[sel] set, all at once (their
 * grace periods overlap); 0 or the first error. */
int state_put_inners(struct enf_state *st, uint32_t slot, const int *fds, const int *put);

/* "<dir>/<name>", or -ENAMETOOLONG. */
int state_pin_path(char *buf, size_t len, const char *dir, const char *name);

/* An exclusive flock on the directory <dir>/<name> (made when missing),
 * for one holder of a role per pin dir (the daemon, the monitor's reader):
 * its fd, -EWOULDBLOCK while another holds it, or -errno. Dies with the
 * process. */
int state_claim(const char *pin_dir, const char *name);

#endif /* ENFORCER_STATE_INTERNAL_H */
