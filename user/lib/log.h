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

#define pr_err(fmt, ...)	fprintf(stderr, "enforcer: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	fprintf(stderr, "enforcer: warning: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)						\
	do {								\
		if (log_verbosity > 0)					\
			fprintf(stderr, "enforcer: " fmt, ##__VA_ARGS__); \
	} while (0)

#endif /* ENFORCER_LOG_H */
