# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# bench/ctl_lib.sh: what the control-plane benchmarks (bench/bench_ctl.sh,
# bench/scale.sh) share. Source it after setting $tmp (a directory the caller
# owns and removes: `timed` keeps the command's stderr there):
#
#	timed OUTVAR RSSFILE CMD...	wall ms into OUTVAR; RSSFILE gets
#					"peak_rss_kb elapsed_s user_s sys_s"
#	median				of the numbers on stdin, one a line
#	memlock PINDIR			bytes: every map pinned in PINDIR plus
#					the inner maps both slots point at
#	memlock_ids PINDIR		the ids of those maps, one a line
#	now_ns				CLOCK_REALTIME in ns

now_ns() { date +%s%N; }

# timed OUTVAR_MS RSSFILE CMD...: wall ms into OUTVAR_MS; GNU time's peak RSS
# (kB), elapsed, user and system seconds into RSSFILE, in that order (the
# first field is the RSS, which is all bench_ctl.sh reads). On failure the
# command's stderr is printed and the status is 1.
# shellcheck disable=SC2154 # $tmp is the caller's
timed() {
	local var=$1 rssf=$2 s e
	shift 2
	s=$(now_ns)
	/usr/bin/time -f '%M %e %U %S' -o "$rssf" "$@" >/dev/null 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		return 1
	}
	e=$(now_ns)
	printf -v "$var" '%d.%03d' $(((e - s) / 1000000)) $((((e - s) / 1000) % 1000))
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The ids of every map pinned in $1 plus the inner maps both slots point at
# (each `*_sel` map-of-maps), once each, one a line.
memlock_ids() {
	local dir=$1 f id
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		id=$(bpftool -j map show pinned "$f" 2>/dev/null | jq -r '.id // empty') || continue
		[ -n "$id" ] && echo "$id"
		case $f in
		*_sel)
			bpftool -j map dump pinned "$f" 2>/dev/null |
				jq -r '.[] | .value | map(ltrimstr("0x")) | reverse | join("")' |
				while read -r h; do echo $((16#$h)); done
			;;
		esac
	done | sort -un
}

# memlock of every map pinned in $1 plus the inner maps of both slots.
memlock() {
	local id
	for id in $(memlock_ids "$1"); do
		bpftool -j map show id "$id" 2>/dev/null | jq -r '.bytes_memlock // 0'
	done | awk '{ s += $1 } END { print s + 0 }'
}
