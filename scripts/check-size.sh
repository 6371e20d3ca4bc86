#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# scripts/check-size.sh: the product's code stays readable in pieces — no
# file over 1,200 lines, no function over 200 (user/, bpf/, include/,
# bench/*.c). Part of `make check`; closing line N passed, N failed.
set -uo pipefail
cd "$(dirname "$0")/.."

MAX_FILE=${MAX_FILE:-1200}
MAX_FUNC=${MAX_FUNC:-200}
passed=0 failed=0

files=$(git ls-files 'user/*.[ch]' 'bpf/*.[ch]' 'include/*.h' 'bench/*.c' 2>/dev/null ||
	find user bpf include bench -name '*.[ch]')
for f in $files; do
	n=$(wc -l <"$f")
	if [ "$n" -gt "$MAX_FILE" ]; then
		echo "FAIL $f: $n lines (at most $MAX_FILE)"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
	# A function: a line at column 0 naming it, its body from the next "{"
	# at column 0 to the "}" at column 0 that closes it (kernel style).
	long=$(awk -v max="$MAX_FUNC" -v file="$f" '
		/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { name = $0 }
		/^\{/ { start = NR; fn = name }
		/^\}/ && start { len = NR - start + 1
			if (len > max) { sub(/\(.*/, "", fn); print file ": " fn " is " len " lines" }
			start = 0 }' "$f")
	if [ -n "$long" ]; then
		while IFS= read -r l; do echo "FAIL $l (at most $MAX_FUNC)"; done <<<"$long"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
