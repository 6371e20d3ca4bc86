#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# selftests/kernels/guest.sh CHECKOUT RESULTS: runs inside a VM booted by
# scripts/check-kernels.sh (chrooted into the host's root, read-only under a
# tmpfs overlay; see selftests/kernels/init). RESULTS is the writable share
# back to the host. It holds
#   env    exported variables for every suite (written by the host)
#   plan   one suite per line: NAME SECONDS COMMAND... (run from CHECKOUT
#          with bash, under `timeout SECONDS`)
# and this writes boot.secs (the kernel's uptime when the suites start),
# for each suite NAME.log (its output), NAME.times (the same lines with
# the seconds since the suite began), NAME.rc (its exit status) and
# NAME.secs (wall-clock seconds), then `done` after the last.
# Nothing here writes anywhere else: the checkout and the rest of the tree
# are the overlay's lower layer, and /tmp is a tmpfs of the guest.
set -u

CHECKOUT=$1 RESULTS=$2

[ -r "$RESULTS/env" ] && . "$RESULTS/env"
cd "$CHECKOUT" || exit 1
ip link set lo up 2>/dev/null
cut -d ' ' -f 1 /proc/uptime >"$RESULTS/boot.secs"

echo "guest: kernel $(uname -r), $(nproc) CPU, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
while read -r name secs cmd; do
	case "$name" in '' | '#'*) continue ;; esac
	echo "guest: === $name ($cmd)"
	t0=$(date +%s)
	# NAME.times: each output line with the seconds since the suite began
	# (which cases dominate under emulation); printf's %T is a builtin
	timeout -k 10 "$secs" bash -c "$cmd" </dev/null 2>&1 |
		while IFS= read -r l; do
			printf -v now '%(%s)T' -1
			printf '%s\n' "$l"
			printf '%5d %s\n' $((now - t0)) "$l" >>"$RESULTS/$name.times"
		done >"$RESULTS/$name.log"
	rc=${PIPESTATUS[0]}
	echo $(($(date +%s) - t0)) >"$RESULTS/$name.secs"
	echo "$rc" >"$RESULTS/$name.rc"
	[ "$rc" = 124 ] && echo "guest: $name: stopped after $secs s" >>"$RESULTS/$name.log"
	echo "guest: $name: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$RESULTS/$name.log" | tail -n 1) (exit $rc, $(cat "$RESULTS/$name.secs") s)"
done <"$RESULTS/plan"
sync
: >"$RESULTS/done"
