#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Control-plane benchmark: the real CLI, `enforcer --pin-dir DIR apply -f FILE`,
# on synthetic manifests from `bench_xdp gen` (10 instances per service).
#
#   bench/bench_ctl.sh [--smoke] [--runs R] [--services "10 1000 10000"] OUT.csv
#
# Per service count, medians of R runs (wall clock, ms):
#   check_ms       `enforcer check`: parse, validate, compile; no kernel
#   first_ms       first apply on an empty pin dir: loads and pins the
#                  programs, then fills the maps
#   reapply_ms     apply of the same manifest on the live state
#   change_ms      apply of a manifest that differs in one service's port
#   rss_kb         peak RSS of enforcer during apply (max over the runs, GNU time %M)
#   memlock_bytes  maps' memlock (bpftool): every map pinned in the pin dir
#                  plus the inner maps of both slots, summed
# --smoke: 10 services, one run, checks that each step works; ends with
# "N passed, N failed". Everything it creates (bpffs mount, temp dir) is
# removed on exit.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${OUTPUT:-.output}
ENFORCER=$BIN/enforcer
GEN=$BIN/bench_xdp
smoke=0 runs=5 services="10 1000 10000" out=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 runs=1 services=10 ;;
	--runs) runs=$2; shift ;;
	--services) services=$2; shift ;;
	*) out=$1 ;;
	esac
	shift
done

pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL bench_ctl: $*" >&2; }

tmp=$(mktemp -d /tmp/enf-bench-ctl.XXXXXX)
cleanup() {
	umount "$tmp/bpffs" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$tmp/bpffs"
[ -n "$out" ] || out=$tmp/ctl.csv
if ! mount -t bpf bpf "$tmp/bpffs"; then
	echo "bench_ctl: cannot mount bpffs (root?)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# timed, median, memlock (shared with bench/scale.sh)
. bench/ctl_lib.sh

echo "services,instances,check_ms,first_ms,reapply_ms,change_ms,rss_kb,memlock_bytes" >"$out"
for n in $services; do
	m=$tmp/m$n.yml mc=$tmp/m$n-change.yml
	"$GEN" gen --services "$n" --instances 10 --prefixes 10 >"$m" &&
		"$GEN" gen --services "$n" --instances 10 --prefixes 10 --change >"$mc" || {
		ko "gen $n"
		continue
	}
	checks=() firsts=() reapplies=() changes=() rss=0 mem=0
	# the checks first: the kernel frees a removed state's maps and
	# programs in the background (kworkers), which a check timed right
	# after an `rm -rf "$pin"` shared the CPUs with
	for ((r = 0; r < runs; r++)); do
		if timed t "$tmp/rss" "$ENFORCER" check -f "$m"; then checks+=("$t"); ok; else ko "check $n"; fi
	done
	for ((r = 0; r < runs; r++)); do
		pin=$tmp/bpffs/n$n-r$r
		if timed t "$tmp/rss" "$ENFORCER" --pin-dir "$pin" apply -f "$m"; then
			firsts+=("$t")
			ok
		else
			ko "first apply $n"
			continue
		fi
		rss=$(awk -v a="$rss" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
		if timed t "$tmp/rss" "$ENFORCER" --pin-dir "$pin" apply -f "$m"; then reapplies+=("$t"); ok; else ko "re-apply $n"; fi
		rss=$(awk -v a="$rss" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
		if timed t "$tmp/rss" "$ENFORCER" --pin-dir "$pin" apply -f "$mc"; then changes+=("$t"); ok; else ko "change apply $n"; fi
		rss=$(awk -v a="$rss" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
		[ "$r" -eq 0 ] && mem=$(memlock "$pin")
		rm -rf "$pin"
		sleep 1		# its freeing (~0.25 s of CPU at 10k services) is not the next run's
	done
	if [ "$mem" -gt 0 ]; then ok; else ko "memlock $n"; fi
	printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$n" $((n * 10)) \
		"$(printf '%s\n' "${checks[@]:-0}" | median)" \
		"$(printf '%s\n' "${firsts[@]:-0}" | median)" \
		"$(printf '%s\n' "${reapplies[@]:-0}" | median)" \
		"$(printf '%s\n' "${changes[@]:-0}" | median)" "$rss" "$mem" >>"$out"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
