#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# libFuzzer targets (selftests/fuzz/fuzz_*.c), built with clang and ASan/UBSan.
#   scripts/fuzz.sh SECONDS   run each target for SECONDS (make fuzz)
#   scripts/fuzz.sh --smoke   a bounded run per target with a fixed seed
#                             (part of make check); closing line N passed, N failed
# Each target fuzzes one parser; its seed corpus is selftests/corpus/<name>/.
# New inputs go to a scratch copy, so the checked-in corpus stays small.
set -uo pipefail
cd "$(dirname "$0")/.."

CLANG=${CLANG:-clang}
OUT=.output/fuzz
mkdir -p "$OUT"
mode=${1:-60}
passed=0 failed=0

# Sources each target needs besides itself.
declare -A DEPS=(
	[fuzz_manifest]="user/lib/manifest/*.c user/lib/addr.c user/lib/names.c user/lib/suggest.c user/lib/zone/template.c"
	[fuzz_convox]="user/lib/convox/*.c user/lib/manifest/*.c user/lib/addr.c user/lib/names.c user/lib/suggest.c user/lib/zone/template.c"
)
declare -A LIBS=(
	[fuzz_manifest]="-lyaml -lz"
	[fuzz_convox]="-lyaml -lz"
)

for src in selftests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	bin=$OUT/$name
	if ! $CLANG -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -Iinclude -Iuser/lib -Iuser/lib/manifest -Iuser/lib/zone -Iuser/lib/convox \
		"$src" ${DEPS[$name]:-} ${LIBS[$name]:-} -o "$bin"; then
		echo "FAIL $name (build)"
		failed=$((failed + 1))
		continue
	fi
	scratch=$(mktemp -d)
	[ -d "selftests/corpus/${name#fuzz_}" ] && cp -r "selftests/corpus/${name#fuzz_}/." "$scratch/"
	if [ "$mode" = "--smoke" ]; then
		args=(-seed=1 -runs=30000 -max_len=4096)
	else
		args=(-max_total_time="$mode" -max_len=4096)
	fi
	log=$(mktemp)
	if "$bin" "${args[@]}" -artifact_prefix="$OUT/$name-" "$scratch" >"$log" 2>&1; then
		echo "ok   $name ($(grep -Eo 'stat::number_of_executed_units: [0-9]+|Done [0-9]+ runs' "$log" | tail -n1))"
		passed=$((passed + 1))
	else
		tail -n 40 "$log"
		echo "FAIL $name (crash input saved as $OUT/$name-*)"
		failed=$((failed + 1))
	fi
	rm -rf "$scratch" "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
