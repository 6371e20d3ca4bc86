#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The Prometheus rules and the Grafana dashboard against the code and
# docs/metrics.md: the rules pass `promtool check rules` and their unit tests,
# the dashboard is valid JSON, every enforcer_* metric the rules, their tests
# and the dashboard use is documented in docs/metrics.md and produced by
# user/lib/kernel/metrics.c or user/lib/agent/metrics_http.c (histogram
# suffixes _bucket/_sum/_count stripped), every metric the code produces is
# documented, every enforcer:* recording rule used is defined, and every
# alert has a unit test. Needs no root and no node. Prints ok/FAIL/skip per
# check and "N passed, N failed[, N skipped]".
#
#   selftests/e2e/metrics_rules_check.sh
set -uo pipefail
cd "$(dirname "$0")/../.."

rules=deploy/prometheus/enforcer-rules.yml
tests=deploy/prometheus/enforcer-rules.test.yml
dash=deploy/grafana/enforcer-dashboard.json
doc=docs/metrics.md
code=(user/lib/kernel/metrics.c user/lib/agent/metrics_http.c)
promtool=${PROMTOOL:-promtool}
tmp=$(mktemp -d /tmp/metrics_rules_check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

for f in "$rules" "$tests" "$dash" "$doc" "${code[@]}"; do
	[ -f "$f" ] || fail "$f" "missing"
done

# ---- promtool ----
if command -v "$promtool" >/dev/null 2>&1; then
	if "$promtool" check rules "$rules" >"$tmp/out" 2>&1; then
		ok "promtool check rules ($(grep -o '[0-9]* rules found' "$tmp/out"))"
	else
		fail "promtool check rules" "$(tr '\n' ' ' <"$tmp/out" | head -c 600)"
	fi
	if "$promtool" test rules "$tests" >"$tmp/out" 2>&1; then
		ok "promtool test rules"
	else
		fail "promtool test rules" "$(tr '\n' ' ' <"$tmp/out" | head -c 600)"
	fi
else
	skip "promtool check rules" "promtool missing (Debian package prometheus)"
	skip "promtool test rules" "promtool missing (Debian package prometheus)"
fi

# ---- the dashboard ----
if command -v jq >/dev/null 2>&1; then
	if ! jq . "$dash" >/dev/null 2>"$tmp/err"; then
		fail "dashboard JSON" "$(head -c 300 "$tmp/err")"
	elif ! jq -e '(.panels | length > 0) and
		      ([.panels[].id] | length == (unique | length)) and
		      (.schemaVersion >= 36)' "$dash" >/dev/null; then
		fail "dashboard JSON" "no panels, duplicate panel ids, or schemaVersion below 36"
	else
		ok "dashboard JSON ($(jq '.panels | length' "$dash") panels)"
	fi
else
	skip "dashboard JSON" "jq missing (Debian package jq)"
fi

# ---- metric names ----
# Every enforcer_* name used (recording rules, enforcer:*, are exempt here).
grep -ohE '\benforcer_[a-z_]*[a-z]' "$rules" "$tests" "$dash" |
	sed -E 's/_(bucket|sum|count)$//' | sort -u >"$tmp/used"
[ -s "$tmp/used" ] || fail "metric names" "no enforcer_* name found in the rules and dashboard"
while read -r name; do
	why=''
	grep -qw -- "$name" "$doc" || why="not in $doc"
	grep -qw -- "$name" "${code[@]}" ||
		why="${why:+$why; }not produced by ${code[*]}"
	if [ -z "$why" ]; then
		ok "metric $name"
	else
		fail "metric $name" "$why"
	fi
done <"$tmp/used"

# Every metric the code declares (full quoted names) is documented.
grep -ohE '"enforcer_[a-z_]*[a-z]"' "${code[@]}" | tr -d '"' |
	sed -E 's/_(bucket|sum|count)$//' | sort -u >"$tmp/produced"
missing=$(comm -23 "$tmp/produced" <(grep -ohE '\benforcer_[a-z_]*[a-z]' "$doc" | sort -u) |
	  tr '\n' ' ')
if [ ! -s "$tmp/produced" ]; then
	fail "code metrics documented" "no metric name found in ${code[*]}"
elif [ -n "$missing" ]; then
	fail "code metrics documented" "not in $doc: $missing"
else
	ok "code metrics documented ($(wc -l <"$tmp/produced") names)"
fi

# ---- recording rules ----
sed -nE 's/^[[:space:]]*-?[[:space:]]*record:[[:space:]]*([^[:space:]#]+).*/\1/p' "$rules" |
	sort -u >"$tmp/recorded"
bad=$(grep -v '^enforcer:[a-z0-9_]*:[a-z0-9_:]*$' "$tmp/recorded" | tr '\n' ' ')
if [ -n "$bad" ]; then
	fail "recording rule names" "not enforcer:<metric>:<operations>: $bad"
else
	ok "recording rule names ($(wc -l <"$tmp/recorded") rules)"
fi
grep -ohE '\benforcer:[a-z0-9_:]*[a-z0-9]' "$rules" "$tests" "$dash" | sort -u >"$tmp/rec_used"
undefined=$(comm -23 "$tmp/rec_used" "$tmp/recorded" | tr '\n' ' ')
if [ -n "$undefined" ]; then
	fail "recording rules used are defined" "$undefined"
else
	ok "recording rules used are defined ($(wc -l <"$tmp/rec_used") used)"
fi

# ---- every alert has a unit test, and is documented ----
sed -nE 's/^[[:space:]]*-?[[:space:]]*alert:[[:space:]]*([A-Za-z0-9_]+).*/\1/p' "$rules" |
	sort -u >"$tmp/alerts"
[ -s "$tmp/alerts" ] || fail "alerts" "no alert in $rules"
while read -r alert; do
	why=''
	grep -qE "alertname:[[:space:]]*$alert\$" "$tests" || why="no test in $tests"
	grep -qw -- "$alert" "$doc" || why="${why:+$why; }not in $doc"
	if [ -z "$why" ]; then
		ok "alert $alert"
	else
		fail "alert $alert" "$why"
	fi
done <"$tmp/alerts"

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
