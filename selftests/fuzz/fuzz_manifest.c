// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the manifest parser: any byte string must either load
 * into a model that manifest_free() releases, or fail with error lines and
 * no leak. Build (see `make fuzz`):
 *   scripts/fuzz.sh (clang -fsanitize=fuzzer,address,undefined over this file,
 *   the manifest parser in user/lib/manifest/ and what it uses)
 * Seed corpus: selftests/corpus/manifest/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct manifest *m = NULL;

	/* error lines are formatted for real, then thrown away */
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!manifest_load_buf((const char *)data, size, "fuzz.yml", &m, devnull)) {
		(void)manifest_count_instances(m);
		manifest_free(m);
	}
	return 0;
}
