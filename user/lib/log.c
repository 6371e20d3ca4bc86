// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The one libbpf print callback (see log.h for the levels). */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

#include "log.h"

int log_verbosity;
_Thread_local bool log_muted;
static int libbpf_expected;	/* nesting depth of log_libbpf_expect(true) */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	/* an expected refusal the caller handles: what the kernel said is
	 * detail for -v, not an error for the operator */
	if (log_muted)
		return 0;
	if (level == LIBBPF_WARN && libbpf_expected)
		level = LIBBPF_INFO;
	if (level == LIBBPF_DEBUG && log_verbosity < 2)
		return 0;
	if (level == LIBBPF_INFO && log_verbosity < 1)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

void log_libbpf_expect(bool expected)
{
	libbpf_expected += expected ? 1 : -1;
	if (libbpf_expected < 0)
		libbpf_expected = 0;
}
