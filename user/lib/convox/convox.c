// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* convox.yml -> manifest (see convox.h): read, then write. */
#include <errno.h>
#include <string.h>

#include "convox_internal.h"

int convox_import(const char *buf, size_t len, const char *file, const char *app, FILE *out,
		  FILE *errf)
{
	struct cx c = { .file = file ? file : "convox.yml", .app = app };
	int err;

	err = cx_read(&c, buf ? buf : "", buf ? len : 0);
	if (err == -ENOMEM) {
		if (errf)
			fprintf(errf, "%s: cannot import: %s\n", c.file, strerror(ENOMEM));
	} else if (err) {
		cx_print_errors(&c, errf);
	} else {
		cx_emit(&c, out);
	}
	cx_free(&c);
	return err;
}
