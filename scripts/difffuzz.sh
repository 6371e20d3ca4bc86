#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Long run of the differential fuzzer of the XDP program (the reference model
# in selftests/fuzz/model.c against the program's trace twin and the attached
# program; see selftests/fuzz/test_difffuzz.c). Needs root (BPF_PROG_TEST_RUN).
#
#   scripts/difffuzz.sh [FRAMES]    at least FRAMES frames (default 1000000)
#
# Environment: SAN=1 uses the ASan/UBSan build; ENF_FUZZ_SEED, ENF_FUZZ_ACCEPT,
# ENF_FUZZ_PCAP (mismatching frames, default /tmp/difffuzz-mismatch.pcap) and
# ENF_FUZZ_MAXFAIL go to the fuzzer. Closing line: N passed, N failed.
set -uo pipefail
cd "$(dirname "$0")/.."

target=${1:-1000000}
if [ "${SAN:-}" = 1 ]; then
	bin=.output/san/test_difffuzz
	make -s SAN=1 "$bin" || { echo "0 passed, 1 failed"; exit 1; }
else
	bin=.output/test_difffuzz
	make -s "$bin" || { echo "0 passed, 1 failed"; exit 1; }
fi

# The default run (ENF_FUZZ_ITERS=1) judges about 490,000 frames.
factor=$(awk -v t="$target" 'BEGIN { f = t / 420000 * 1.05; printf "%.3f", f < 0.01 ? 0.01 : f }')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "# difffuzz: at least $target frames (ENF_FUZZ_ITERS=$factor)"
ENF_FUZZ_ITERS=$factor "$bin" "${@:2}" | tee "$log"
rc=${PIPESTATUS[0]}

frames=$(sed -nE 's/^ +([0-9]+) frames in ([0-9.]+) s: ([0-9]+) frames\/s$/\1/p' "$log" | tail -n 1)
if [ -n "$frames" ] && [ "$frames" -lt "$target" ]; then
	echo "# difffuzz: $frames frames, fewer than $target (a case stops after" \
	     "\${ENF_FUZZ_MAXFAIL:-10} mismatches)"
	if [ "$rc" -eq 0 ]; then
		echo "0 passed, 1 failed"
		rc=1
	fi
fi
exit "$rc"
