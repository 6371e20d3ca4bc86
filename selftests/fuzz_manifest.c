// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the manifest parser: any byte string must either load
 * into a model that manifest_free() releases, or fail with error lines and
 * no leak. Build (see `make fuzz`):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iuser/lib \
 *         -Iuser/lib/manifest -Iuser/lib/zone selftests/fuzz_manifest.c \
 *         user/lib/manifest/*.c user/lib/addr.c user/lib/zone/template.c -lyaml -o fuzz_manifest
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
