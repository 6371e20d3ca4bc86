/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Messages: pr_err() always (stderr, "enforcer: ..."), pr_info() unless
 * quiet, pr_debug() at -v. libbpf output goes through one callback:
 * WARN always (it carries the verifier log), INFO at -v, DEBUG at -vv.
 */
#ifndef ENFORCER_LOG_H
#define ENFORCER_LOG_H

#include <stdbool.h>

extern int log_verbosity;	/* 0 default, 1 = -v, 2 = -vv */

void log_setup_libbpf(void);

/*
 * Around a call whose failure is expected and handled (probing for tcx,
 * removing a cls_bpf filter that may not exist), libbpf's warnings are
 * debug messages: log_libbpf_expect(true) before, (false) after.
 */
void log_libbpf_expect(bool expected);

/*
 * Set in a thread whose work is tried ahead and done again when it fails
 * (state_preload_start(): a first apply's programs load while the manifest
 * compiles): its messages, libbpf's included, are not printed; the second
 * try says what is wrong.
 */
extern _Thread_local bool log_muted;

#define pr_err(fmt, ...)						\
	do {								\
		if (!log_muted)						\
			fprintf(stderr, "enforcer: " fmt, ##__VA_ARGS__); \
	} while (0)
#define pr_warn(fmt, ...)						\
	do {								\
		if (!log_muted)						\
			fprintf(stderr, "enforcer: warning: " fmt, ##__VA_ARGS__); \
	} while (0)
#define pr_debug(fmt, ...)						\
	do {								\
		if (log_verbosity > 0 && !log_muted)			\
			fprintf(stderr, "enforcer: " fmt, ##__VA_ARGS__); \
	} while (0)

#endif /* ENFORCER_LOG_H */
