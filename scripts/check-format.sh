#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The C sources against .clang-format (kernel style).
#   scripts/check-format.sh          report files that differ; N passed, N failed
#   scripts/check-format.sh --fix    rewrite them (make format)
set -uo pipefail
cd "$(dirname "$0")/.."

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
fix=0
[ "${1:-}" = "--fix" ] && fix=1
if ! command -v "$CLANG_FORMAT" >/dev/null; then
	echo "check-format: $CLANG_FORMAT not found (Debian package clang-format)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
passed=0 failed=0
for f in $(git ls-files '*.c' '*.h' | grep -v '^\.output/'); do
	if [ $fix = 1 ]; then
		"$CLANG_FORMAT" -i "$f"
		continue
	fi
	if "$CLANG_FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then
		passed=$((passed + 1))
	else
		echo "FAIL $f: not formatted (make format; the first difference:)"
		"$CLANG_FORMAT" "$f" | diff -u "$f" - | sed -n '3,12p'
		failed=$((failed + 1))
	fi
done
[ $fix = 1 ] && exit 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
