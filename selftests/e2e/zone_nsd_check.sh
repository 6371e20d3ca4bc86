#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Exports the private zones of every acceptance scenario as RFC 1035 zone
# files (DIR/<view>/<apex>.zone, the layout of `enforcer zone export --dir`)
# and has NSD's own parser check each one with nsd-checkzone. No server is
# started. Prints ok/FAIL per file and "N passed, N failed".
#
#   selftests/zone_nsd_check.sh [TEST_ZONE_BINARY]
#
# The binary is selftests/test_zone.c built with the library objects; its
# hidden mode `test_zone --export MANIFEST DIR` writes the files. Default:
# .output/test_zone, else it is compiled into a temporary directory.
# Scenarios: $ENF_SCENARIOS (default ../shared/scenarios from the repo root).
set -uo pipefail
cd "$(dirname "$0")/../.."

scen_dir=${ENF_SCENARIOS:-../shared/scenarios}
tmp=$(mktemp -d /tmp/zone_nsd_check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

bin=${1:-}
if [ -z "$bin" ]; then
	if [ -x .output/test_zone ]; then
		bin=.output/test_zone
	else
		bin=$tmp/test_zone
		if ! ${CC:-gcc} -g -O1 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -Iinclude -Iuser \
			-Iselftests selftests/test_zone.c user/zone.c user/manifest.c -lyaml \
			-o "$bin"; then
			echo "FAIL cannot build test_zone"
			echo "0 passed, 1 failed"
			exit 1
		fi
	fi
fi

if ! command -v nsd-checkzone >/dev/null 2>&1; then
	# Debian's nsd package; policy-rc.d or no init keeps the daemon stopped,
	# and nothing here starts it.
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nsd \
			>"$tmp/apt.log" 2>&1 || cat "$tmp/apt.log"
	fi
fi
if ! command -v nsd-checkzone >/dev/null 2>&1; then
	echo "SKIP nsd-checkzone not available (apt-get install nsd)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

shopt -s nullglob
scenarios=("$scen_dir"/*.yml)
if [ ${#scenarios[@]} -eq 0 ]; then
	echo "SKIP no scenarios in $scen_dir (set ENF_SCENARIOS)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

pass=0 fail=0
for yml in "${scenarios[@]}"; do
	name=$(basename "$yml" .yml)
	out=$tmp/$name
	if ! "$bin" --export "$yml" "$out" >"$tmp/export.log" 2>&1; then
		echo "FAIL $name: export failed"
		sed 's/^/    /' "$tmp/export.log"
		fail=$((fail + 1))
		continue
	fi
	files=("$out"/*/*.zone)
	if [ ${#files[@]} -eq 0 ]; then
		echo "FAIL $name: no zone files"
		fail=$((fail + 1))
		continue
	fi
	for f in "${files[@]}"; do
		apex=$(basename "$f" .zone)
		view=$(basename "$(dirname "$f")")
		if nsd-checkzone "$apex" "$f" >"$tmp/check.log" 2>&1; then
			echo "ok   $name $view/$apex.zone"
			pass=$((pass + 1))
		else
			echo "FAIL $name $view/$apex.zone"
			sed 's/^/    /' "$tmp/check.log"
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
