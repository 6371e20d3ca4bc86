#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `make bench`: the data-plane and control-plane benchmarks, then
# bench/results.md (tables) and one PNG chart per table (bench/results/).
#
#   bench/run.sh            full run (~25 minutes; needs root): data plane,
#                           control plane, DNS (dns_qps.sh), floods
#                           (flood.sh), applies under a flood (reload_flood.sh)
#   bench/run.sh --smoke    the harness in seconds, for `make check`: smallest
#                           scale, verdicts checked; ends "N passed, N failed,
#                           N skipped"
#
# Both start with bench/probe.sh: each benchmark peer (live-frames sender,
# kxdpgun, trafgen, xdp-filter, nftables, iptables+ipset, dnsperf, NSD,
# Knot) is tried once; one the kernel or the machine refuses is skipped
# with its reason (smoke: counted as skipped; full run: "not measured:
# REASON" in the report), never a failure. The enforcer's own parts
# (bench_xdp, bench_dns, apply, attach, drops, DNS answers) are never
# skipped. The verdicts reach every part in BENCH_PEERS (a file).
#
# Environment: OUTPUT (binaries, default .output), SERVICES, PREFIXES,
# CTL_SERVICES, RUNS, REPEAT override the scale points. BENCH_REFUSE=
# live,kxdpgun,... simulates refusals at the probe (tests of the harness).
#
# Everything created (network namespace, veth, bpffs mounts, temp dirs,
# xdp-filter's program) is removed on exit, also on failure.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${OUTPUT:-.output}
SERVICES=${SERVICES:-10,1000,10000,65535}
PREFIXES=${PREFIXES:-10,1000,100000}
CTL_SERVICES=${CTL_SERVICES:-10 1000 10000}
RUNS=${RUNS:-5}
REPEAT=${REPEAT:-1000000}
RES=bench/results

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (BPF_PROG_TEST_RUN, bpffs)" >&2
	[ "${1:-}" = "--smoke" ] && echo "0 passed, 1 failed"
	exit 1
fi
for b in "$BIN/bench_xdp" "$BIN/bench_dns" "$BIN/enforcer"; do
	if [ ! -x "$b" ]; then
		echo "bench: $b missing (make bench builds it)" >&2
		[ "${1:-}" = "--smoke" ] && echo "0 passed, 1 failed"
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/enf-bench.XXXXXX)

if [ "${1:-}" = "--smoke" ]; then
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
	export BENCH_PEERS=$tmp/peers
	p=0 f=0 s=0
	for cmd in "timeout 120 bench/probe.sh --smoke --out $BENCH_PEERS" \
		"timeout 60 $BIN/bench_xdp smoke" "timeout 60 bench/bench_ctl.sh --smoke" \
		"timeout 120 bench/scale.sh --smoke" \
		"timeout 180 bench/dns_qps.sh --smoke" "timeout 180 bench/flood.sh --smoke" \
		"timeout 120 bench/reload_flood.sh --smoke"; do
		echo "=== bench smoke: ${cmd#timeout * }"
		$cmd 2>&1 | tee "$tmp/step.log"
		rc=${PIPESTATUS[0]}
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/step.log" | tail -n 1)
		if [ -z "$line" ]; then
			echo "FAIL bench smoke: ${cmd#timeout * }: no closing line (exit $rc)"
			f=$((f + 1))
			continue
		fi
		n=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
		s=$((s + ${n:-0}))
		p=$((p + ${line%% passed*}))
		line=${line#* passed, }
		line=${line%% failed*}
		if [ "$rc" -ne 0 ] && [ "$line" -eq 0 ]; then
			echo "FAIL bench smoke: ${cmd#timeout * }: exit $rc"
			line=1
		fi
		f=$((f + line))
	done >&2
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
	exit
fi

ns=enfbench$$
cleanup() {
	if ip netns list 2>/dev/null | grep -qw "$ns"; then
		LIBXDP_BPFFS=$tmp/bpffs ip netns exec "$ns" xdp-filter unload xfa >/dev/null 2>&1
		ip netns del "$ns" 2>/dev/null
	fi
	umount "$tmp/bpffs" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$RES" "$tmp/bpffs"

# ---- the peers: probed once, the verdicts for every part and the report ----
echo "bench: probing the benchmark peers (bench/probe.sh)" >&2
export BENCH_PEERS=$RES/peers.txt
bench/probe.sh --out "$BENCH_PEERS" >&2 ||
	echo "bench: the probe found a broken harness (above); those parts will fail" >&2
# shellcheck source=bench/peers.sh
. bench/peers.sh
PEERS_FILE=$BENCH_PEERS

# ---- xdp-filter: loaded on a veth in a namespace of ours, run with test_run ----
xf_args=()
if [ "$(peer_state xdp-filter)" = available ] && mount -t bpf bpf "$tmp/bpffs" &&
	ip netns add "$ns" &&
	ip -n "$ns" link add xfa type veth peer name xfb &&
	ip -n "$ns" link set xfa up && ip -n "$ns" link set xfb up &&
	LIBXDP_BPFFS=$tmp/bpffs ip netns exec "$ns" xdp-filter load -m native -p allow \
		-f ipv4,ipv6,tcp,udp xfa; then
	xf_id=$(ip -n "$ns" -j link show xfa | jq -r '.[0].xdp.prog.id // empty')
	[ -n "$xf_id" ] && xf_args=(--xdp-filter-prog "$xf_id")
fi
[ ${#xf_args[@]} -eq 0 ] && echo "bench: xdp-filter not measured: $(peer_why xdp-filter), its columns stay empty" >&2

echo "bench: data plane: services $SERVICES x prefixes $PREFIXES, $RUNS runs of $REPEAT" >&2
timeout 1800 "$BIN/bench_xdp" run --services "$SERVICES" --prefixes "$PREFIXES" \
	--runs "$RUNS" --repeat "$REPEAT" "${xf_args[@]}" --monitor 1000 >"$RES/xdp.csv" || {
	echo "bench: bench_xdp failed" >&2
	exit 1
}
echo "bench: control plane: services $CTL_SERVICES" >&2
timeout 1800 bench/bench_ctl.sh --runs "$RUNS" --services "$CTL_SERVICES" "$RES/ctl.csv" >&2 || {
	echo "bench: bench_ctl failed" >&2
	exit 1
}
echo "bench: DNS: enforcer vs NSD vs Knot, per-query cost" >&2
timeout 1800 bench/dns_qps.sh "$RES" >&2 || {
	echo "bench: dns_qps failed" >&2
	exit 1
}
echo "bench: floods: enforcer vs nftables vs iptables+ipset" >&2
timeout 1800 bench/flood.sh "$RES" >&2 || {
	echo "bench: flood failed" >&2
	exit 1
}
echo "bench: 1000 applies under a flood" >&2
timeout 1800 bench/reload_flood.sh "$RES" >&2 || {
	echo "bench: reload_flood failed" >&2
	exit 1
}
bench/report.sh "$RES" >bench/results.md
echo "bench: wrote bench/results.md and $RES/*.png" >&2
