// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the convox.yml import: any byte string must either
 * fail with error lines and no leak, or make a manifest that the manifest
 * parser loads (`enforcer import` promises a manifest that loads as it is;
 * a crash here is an input that breaks the promise). Build: scripts/fuzz.sh.
 * Seed corpus: selftests/corpus/convox/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "convox.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	out = open_memstream(&text, &len);
	if (!out)
		return 0;
	err = convox_import((const char *)data, size, "fuzz.yml", "app", out, devnull);
	fclose(out);
	/* errors go to stderr here: a crash input shows why it failed */
	if (!err && manifest_load_buf(text, len, "made.yml", NULL, stderr))
		abort();
	free(text);
	return 0;
}
