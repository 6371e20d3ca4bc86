# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# bench/peers.sh: the verdicts of bench/probe.sh on the benchmark peers, for
# the parts that use them (bench/run.sh, flood.sh, reload_flood.sh,
# dns_qps.sh). Source it:
#
#	peers_init "$TMP/peers" trafgen nft	# verdicts: $BENCH_PEERS or probed now
#	[ "$(peer_state trafgen)" = available ] || echo "not measured: $(peer_why trafgen)"
#
# peer_state: available (use it) | skip (refused by the kernel or the
# machine, not installed: skip what needs it, with the reason) | broken (our
# harness failed: a failure) | unknown (never probed).

PEERS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS_FILE=

# peers_init FILE PEER...: FILE gets the verdict lines of every PEER: taken
# from $BENCH_PEERS (bench/run.sh probed already) where it has them, probed
# now otherwise (the probe's lines go to stderr too). Status non-zero when
# the probe itself could not run.
peers_init()
{
	local file=$1 p need=()
	shift
	PEERS_FILE=$file
	: >"$file" || return 1
	for p in "$@"; do
		if [ -n "${BENCH_PEERS:-}" ] && [ -r "$BENCH_PEERS" ] &&
			grep -m 1 "^peer $p: " "$BENCH_PEERS" >>"$file"; then
			continue
		fi
		need+=("$p")
	done
	[ ${#need[@]} -eq 0 ] && return 0
	"$PEERS_HERE/probe.sh" "${need[@]}" >>"$file" 2>"$file.err"
	cat "$file.err" >&2
	rm -f "$file.err"
	sed 's/^/probe: /' "$file" >&2
	for p in "${need[@]}"; do
		grep -q "^peer $p: " "$file" || return 1
	done
}

# peer_why PEER: the verdict text ("available", "refused by the kernel (...)")
peer_why()
{
	sed -n "s/^peer $1: //p" "$PEERS_FILE" 2>/dev/null | head -n 1
}

# peer_state PEER: available | skip (refused, not installed) | broken |
# unknown (never probed)
peer_state()
{
	case $(peer_why "$1") in
	available) echo available ;;
	"harness broken"*) echo broken ;;
	"") echo unknown ;;
	*) echo skip ;;
	esac
}
