#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `enforcer services` against the zone the node serves, for every acceptance
# scenario: each private name `services --json` lists is an owner with
# addresses in `zone export`, and every service name with addresses in the
# export (the owner of the service's A/AAAA records, not a per-instance
# N.<name>, SRV, apex or ns) is listed by `services`. Needs no root: both
# read the manifest (-f). Prints ok/FAIL per scenario and "N passed, N failed".
#
#   selftests/e2e/services_check.sh [ENFORCER_BINARY]
set -uo pipefail
cd "$(dirname "$0")/../.."

scen_dir=${ENF_SCENARIOS:-../shared/scenarios}
enf=${1:-.output/enforcer}
tmp=$(mktemp -d /tmp/services_check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0

for f in "$scen_dir"/*.yml; do
	[ -e "$f" ] || { echo "skip no scenarios in $scen_dir (set ENF_SCENARIOS)"; skipped=1; break; }
	name=$(basename "$f" .yml)
	bad=''
	if ! "$enf" services -f "$f" --json >"$tmp/s.json" 2>"$tmp/err" ||
	   ! "$enf" zone export -f "$f" >"$tmp/zone" 2>>"$tmp/err"; then
		bad="services or zone export failed: $(head -c 300 "$tmp/err")"
	else
		# owners of A/AAAA records (relative to $ORIGIN as exported),
		# absolute, lower case, without the trailing dot
		awk '$1 == "$ORIGIN" { origin = $2; next }
		     $0 !~ /^;/ && $2 == "IN" && ($3 == "A" || $3 == "AAAA") {
			o = $1 == "@" ? origin : $1 "." origin
			sub(/\.$/, "", o); print tolower(o) }' "$tmp/zone" | sort -u >"$tmp/owners"
		jq -r '.[].domains[] | select(test("[{]") | not)' "$tmp/s.json" | sort -u >"$tmp/listed"
		missing=$(comm -23 "$tmp/listed" "$tmp/owners" | head -n 3)
		[ -z "$missing" ] || bad="listed but not in the zone: $missing"
		# service names in the zone: owners that are not ns.<apex>, N.<name>
		# (a numeric first label) or _port._proto names
		grep -Ev '^(ns\.|[0-9]+\.|_)' "$tmp/owners" >"$tmp/svc_owners"
		unlisted=$(comm -13 "$tmp/listed" "$tmp/svc_owners" | head -n 3)
		[ -z "$unlisted" ] || bad="${bad:+$bad; }in the zone but not listed: $unlisted"
		[ -s "$tmp/listed" ] || bad="${bad:+$bad; }services lists no names"
	fi
	if [ -z "$bad" ]; then
		echo "ok   $name ($(wc -l <"$tmp/listed") names)"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $bad"
		failed=$((failed + 1))
	fi
done
if [ "$skipped" = 1 ]; then
	echo "$passed passed, $failed failed, 1 skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
