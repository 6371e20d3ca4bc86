#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The C sources against .clang-format (kernel style).
#   scripts/check-format.sh [FILE...]        report files that differ; N passed, N failed
#   scripts/check-format.sh --fix [FILE...]  rewrite them (make format)
# Without FILE: every C source and header git tracks.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
STYLE="--style=file:$PWD/.clang-format"	# also for files outside the tree
fix=0
[ "${1:-}" = "--fix" ] && { fix=1; shift; }
if ! command -v "$CLANG_FORMAT" >/dev/null; then
	echo "check-format: $CLANG_FORMAT not found (Debian package clang-format)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
passed=0 failed=0
if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^\.output/')
fi
for f in "${files[@]}"; do
	[ -f "$f" ] || { echo "check-format: no file $f" >&2; failed=$((failed + 1)); continue; }
	if [ $fix = 1 ]; then
		"$CLANG_FORMAT" "$STYLE" -i "$f"
		continue
	fi
	if "$CLANG_FORMAT" "$STYLE" --dry-run --Werror "$f" >/dev/null 2>&1; then
		passed=$((passed + 1))
	else
		echo "FAIL $f: not formatted (make format; the first difference:)"
		"$CLANG_FORMAT" "$STYLE" "$f" | diff -u "$f" - | sed -n '3,12p'
		failed=$((failed + 1))
	fi
done
[ $fix = 1 ] && exit $((failed > 0))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
