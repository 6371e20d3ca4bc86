#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Flood absorption end to end (benchmark issue, item 2): a public flood at an
# internal service's instance, through a real veth into the node namespace,
# with the policy enforced by each filter in turn; a legitimate private client
# talks to the same service during every flood.
#
#   bench/flood.sh [--smoke] [--runs R] [--count N] [--modes "..."] [--kinds "..."]
#                  [--gens "trafgen live"] OUTDIR
#
# Defaults: 5 runs of 500000 packets per mode x sender x kind (~5 minutes).
#
# Topology, policy and listener: bench/flood_lib.sh. Modes (node namespace):
#   none         no filter: the flood reaches the service pod
#   enforcer     the enforcer, native XDP on n-inet (role public) and n-priv
#   nft          nftables, inet table, prerouting hook priority raw, interval sets
#   nft_ingress  nftables, netdev table, ingress hook on n-inet, same sets
#   ipt          iptables-legacy raw PREROUTING + ipset (hash:net, hash:ip,port)
#   xdpdrop      floor: xdp-filter (native, deny everything) on n-inet; the
#                cheapest way a frame can die on the node; measures the
#                generator and the veth hand-over, not a policy
# Kinds: udp (UDP, 60-byte frames), syn (TCP SYN, 54 bytes); IPv4; 2 x 241
# public sources, changing source ports. Senders (one process on CPU 0):
#   trafgen      netsniff-ng, AF_PACKET TX_RING: the node's veth gets skbs
#   live         bench/flood_gen.c (built here with clang/cc/libbpf):
#                BPF_PROG_TEST_RUN live frames + XDP_REDIRECT: the node's veth
#                gets xdp_frames, as XDP gets raw buffers from a NIC driver
#
# Per mode x kind x run (OUTDIR/flood.csv):
#   offered       frames the sender put on the wire (its eth0 tx_packets)
#   dropped       the filter's own drop counter (enforcer status --json drop_*,
#                 nft named counter, iptables -v), 0 for none
#   secs          wall time of the flood; drops_per_s = dropped / secs
#   cpu_us_pkt    CPU time of trafgen (with the kernel work done in its
#                 context: on veth the node's whole receive path) + ksoftirqd
#                 of every CPU + the service's listener, from the scheduler's
#                 exact run times, / offered; generator included
#   node_us_pkt   cpu_us_pkt minus that of xdpdrop in the same run and kind:
#                 what the node spends beyond the generator + veth hand-over
#   legit_*       private client (10.0.9.9) during the flood: UDP request/reply
#                 at 100/s (answered, median ms) and TCP connects at 10/s
#   listener_pub  datagrams from public sources the service received
#   sender_tx_dropped, peer_rx_dropped  the veth pair's own drop counters
#                 (frames lost between sender and node, e.g. a full XDP ring)
#   enf_passed_public  flood packets the enforcer passed (pass_reply, pass_
#                 public_port, ...): must be 0; a failure when it is not
# OUTDIR/flood.md: medians, ratios against the better of nft / nft_ingress /
# ipt and against none, the goal; OUTDIR/flood.png (gnuplot).
#
# --smoke: 20k packets per flood, UDP only, modes none enforcer nft ipt, one run; checks
# every step and that the enforcer really drops; ends "N passed, N failed, N skipped".
#
# Peers (bench/probe.sh, or its verdicts in $BENCH_PEERS from bench/run.sh):
# a sender (trafgen, live-frames) or a mode's filter (xdp-filter for xdpdrop
# and for live floods into modes without XDP, nft, iptables) that the kernel
# or the machine refuses is not measured: each flood it would have run
# counts as skipped with the reason, and flood.md says "not measured:
# REASON" where its rows would be. Modes none and enforcer always run.
#
# Safety (contract section 8): namespaces enf-flood-$$-*, a private bpffs in a
# temp dir, every generator under `timeout` with a packet count; the EXIT trap
# removes everything, also on failure.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/flood_lib.sh
. "$ROOT/bench/flood_lib.sh"	# and scripts/netns-lib.sh

runs=5 count=500000 out=
modes="xdpdrop none enforcer nft nft_ingress ipt"
kinds="udp syn"
gens="trafgen live"
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) runs=1 count=20000 modes="none enforcer nft ipt" kinds=udp ;;
	--runs) runs=$2; shift ;;
	--count) count=$2; shift ;;
	--modes) modes=$2; shift ;;
	--kinds) kinds=$2; shift ;;
	--gens) gens=$2; shift ;;
	-h | --help) awk 'NR > 2 && /^#/ { print; next } NR > 2 { exit }' "$0"; exit 0 ;;
	*) out=$1 ;;
	esac
	shift
done

fl_harness flood

nl_on_exit fl_cleanup

fl_setup enf-flood || { ko "cannot build the topology"; finish; }
[ -n "$out" ] || out=$NL_TMP/out
mkdir -p "$out" || { ko "cannot create $out"; finish; }

# The peers each sender and mode needs.
gen_peer() { case $1 in live) echo live-frames ;; *) echo "$1" ;; esac; }
mode_peer()
{
	case $1 in
	xdpdrop) echo xdp-filter ;;
	nft | nft_ingress) echo nft ;;
	ipt) echo iptables ;;
	esac
}
need=()
for gen in $gens; do need+=("$(gen_peer "$gen")"); done
for mode in $modes; do [ -n "$(mode_peer "$mode")" ] && need+=("$(mode_peer "$mode")"); done
[[ " $gens " == *" live "* ]] && need+=(xdp-filter)
# shellcheck disable=SC2046	# one word per peer
fl_peers $(printf '%s\n' "${need[@]}" | sort -u)

# not_measured MODE GEN: why MODE x GEN is not measured here (empty: it is)
not_measured()
{
	local mp
	mp=$(mode_peer "$1")
	[ -n "$mp" ] && ! fl_peer_ok "$mp" && { fl_not_measured "$mp"; return; }
	fl_peer_ok "$(gen_peer "$2")" || { fl_not_measured "$(gen_peer "$2")"; return; }
	# a veth accepts redirected xdp_frames only when it runs an XDP program
	if [ "$2" = live ] && [ "$1" != enforcer ] && [ "$1" != xdpdrop ] && ! fl_peer_ok xdp-filter; then
		echo "live frames into mode $1 need xdp-filter (pass) on the node's veth: $(fl_not_measured xdp-filter)"
	fi
}

if [[ " $gens " == *" live "* ]] && fl_peer_ok live-frames; then
	if fl_build_livegen; then ok; else ko "cannot build bench/flood_gen: $(head -c 300 "$NL_TMP/livegen.err")"; fi
fi
csv=$out/flood.csv
echo "mode,gen,kind,run,offered,dropped,secs,drops_per_s,cpu_us_pkt,node_us_pkt,legit_udp_sent,legit_udp_ok,legit_udp_med_ms,legit_tcp_tried,legit_tcp_ok,legit_tcp_med_ms,listener_pub,sender_tx_dropped,peer_rx_dropped,enf_passed_public" >"$csv"

# Sanity: without a filter the private client is served and a public
# datagram reaches the service (else every figure below is meaningless).
nl_udp inet "$FL_SVC4" "$FL_PORT" 1 >/dev/null 2>&1
sleep 0.3
if [ "$(fl_lstat udp_pub)" -gt 0 ]; then ok; else ko "a public datagram does not reach the service without a filter"; fi

now_ns() { date +%s%N; }
declare -A floor	# gen/kind -> cpu_us_pkt of xdpdrop in the current run

# flood_one MODE GEN KIND RUN: one bounded flood, one CSV row.
flood_one()
{
	local mode=$1 gen=$2 kind=$3 run=$4 cfg d0 d1 l0 l1 tx0 tx1 c0 c1 t0 t1 cj tg
	local offered dropped secs dps cpu node xpass=0 sd0 sd1 rd0 rd1 ep0 ep1
	cj=$NL_TMP/client-$mode-$gen-$kind-$run.json
	# the live-frames sender needs an XDP program on the receiving veth
	if [ "$gen" = live ] && [ "$mode" != enforcer ] && [ "$mode" != xdpdrop ]; then
		fl_filter_on xdppass || { ko "xdp-filter (pass) for $mode live"; return; }
		xpass=1
	fi
	d0=$(fl_dropped "$mode"); l0=$(fl_lstat udp_pub); tx0=$(fl_tx_packets inet eth0)
	sd0=$(nl_in inet cat /sys/class/net/eth0/statistics/tx_dropped)
	rd0=$(nl_in node cat "/sys/class/net/$NL_IF_INET/statistics/rx_dropped")
	ep0=0 ep1=0
	[ "$mode" = enforcer ] && ep0=$(fl_enf_passed_public)
	fl_client_start "$cj" 120 100 10
	sleep 0.2
	c0=$(fl_cpu_others_ns); t0=$(now_ns)
	if [ "$gen" = live ]; then
		fl_livegen "$kind" "$count" 120
	else
		cfg=$(fl_flood_cfg "$kind")
		fl_trafgen "$cfg" "$count" 120
	fi || ko "$gen $mode $kind: $(tail -n 3 "$NL_TMP/sender.out" | tr '\n' ' ')"
	t1=$(now_ns)
	sleep 0.2	# backlogs drain, the listener catches up
	c1=$(fl_cpu_others_ns)
	tg=$(cat "$NL_TMP/sender.cpu" 2>/dev/null || echo 0)
	fl_client_stop "$cj" || ko "legit client $mode $gen $kind: no result ($(head -c 300 "$NL_TMP/client.err"))"
	sleep 0.25	# the listener's next dump
	d1=$(fl_dropped "$mode"); l1=$(fl_lstat udp_pub); tx1=$(fl_tx_packets inet eth0)
	sd1=$(nl_in inet cat /sys/class/net/eth0/statistics/tx_dropped)
	rd1=$(nl_in node cat "/sys/class/net/$NL_IF_INET/statistics/rx_dropped")
	[ "$mode" = enforcer ] && ep1=$(fl_enf_passed_public)
	[ "$xpass" = 1 ] && fl_filter_off xdppass
	if [ "$gen" = live ]; then
		offered=$(awk '$1 == "sent" { print $2 }' "$NL_TMP/sender.out")
		offered=${offered:-0}
	else
		offered=$((tx1 - tx0))
	fi
	dropped=$((d1 - d0))
	[ "$mode" = none ] && dropped=0
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	dps=$(awk -v d="$dropped" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? d / s : 0) }')
	cpu=$(awk -v c=$((tg + c1 - c0)) -v n="$offered" 'BEGIN { printf "%.4f", (n > 0 ? c / 1e3 / n : 0) }')
	node=
	[ "$mode" = xdpdrop ] && floor[$gen/$kind]=$cpu
	[ -n "${floor[$gen/$kind]:-}" ] && node=$(awk -v a="$cpu" -v b="${floor[$gen/$kind]}" 'BEGIN { printf "%.4f", a - b }')
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$mode" "$gen" "$kind" "$run" \
		"$offered" "$dropped" "$secs" "$dps" "$cpu" "$node" \
		"$(jq -r '.udp_sent' "$cj" 2>/dev/null)" "$(jq -r '.udp_ok' "$cj" 2>/dev/null)" \
		"$(jq -r '.udp_med_ms // ""' "$cj" 2>/dev/null)" "$(jq -r '.tcp_tried' "$cj" 2>/dev/null)" \
		"$(jq -r '.tcp_ok' "$cj" 2>/dev/null)" "$(jq -r '.tcp_med_ms // ""' "$cj" 2>/dev/null)" \
		$((l1 - l0)) $((sd1 - sd0)) $((rd1 - rd0)) $((ep1 - ep0)) >>"$csv"
	echo "flood: run $run $mode $gen $kind: offered $offered dropped $dropped in ${secs}s, cpu ${cpu} us/pkt, node ${node:--} us/pkt, legit udp $(jq -r '"\(.udp_ok)/\(.udp_sent)"' "$cj" 2>/dev/null) tcp $(jq -r '"\(.tcp_ok)/\(.tcp_tried)"' "$cj" 2>/dev/null), public at listener $((l1 - l0))" >&2

	# Checks (smoke and full): the flood was offered; a filter drops (nearly)
	# all of it and nothing public reaches the service; the client is served.
	if [ "$offered" -ge $((count * 9 / 10)) ]; then ok; else ko "$mode $gen $kind: offered $offered of $count"; fi
	case $mode in
	enforcer | nft | nft_ingress | ipt | xdpdrop)
		if [ "$dropped" -ge $((offered * 95 / 100)) ]; then ok; else ko "$mode $gen $kind: dropped $dropped of $offered"; fi
		if [ "$kind" != udp ] || [ $((l1 - l0)) -eq 0 ] || [ "$mode" = xdpdrop ]; then ok; else ko "$mode $gen $kind: $((l1 - l0)) public datagrams reached the service"; fi
		;;
	none)
		if [ "$kind" != udp ] || [ $((l1 - l0)) -gt 0 ]; then ok; else ko "none $gen udp: no public datagram reached the service (is the flood going anywhere?)"; fi
		;;
	esac
	if [ "$mode" = enforcer ]; then
		if [ "$(jq -r '.udp_ok' "$cj" 2>/dev/null)" -gt 0 ] 2>/dev/null; then ok; else ko "$mode $gen $kind: the private client got no answer"; fi
		if [ $((ep1 - ep0)) -eq 0 ]; then ok; else ko "$mode $gen $kind: the enforcer passed $((ep1 - ep0)) flood packets (pass_reply etc.): $(nl_in node "$FL_ENF" --pin-dir "$NL_PIN" status --json | jq -c '.counters | with_entries(.value = .value.packets) | with_entries(select(.value > 0))')"; fi
	fi
}

for ((r = 1; r <= runs; r++)); do
	floor=()
	for mode in $modes; do
		mp=$(mode_peer "$mode")
		if [ -n "$mp" ] && ! fl_peer_ok "$mp"; then
			# a broken peer failed above, once; a refused one is skipped
			[ "$(peer_state "$mp")" = broken ] && continue
			for gen in $gens; do
				for kind in $kinds; do sk "run $r $mode $gen $kind not measured: $(fl_not_measured "$mp")"; done
			done
			continue
		fi
		if ! fl_filter_on "$mode"; then
			ko "cannot install filter $mode"
			fl_filter_off "$mode"
			continue
		fi
		ok
		if [ "$mode" = enforcer ]; then
			if nl_in node ip -d link show dev "$NL_IF_INET" | grep -q " xdp "; then ok; else ko "enforcer: no native XDP on $NL_IF_INET"; fi
			# the enforcer drops a public datagram whatever sender this
			# machine accepts (a socket, no benchmark peer): never skipped
			d0=$(fl_dropped enforcer) l0=$(fl_lstat udp_pub)
			nl_udp inet "$FL_SVC4" "$FL_PORT" 1 >/dev/null 2>&1
			sleep 0.3
			d1=$(fl_dropped enforcer) l1=$(fl_lstat udp_pub)
			if [ $((d1 - d0)) -ge 1 ] && [ "$l1" = "$l0" ]; then ok; else
				ko "enforcer: a public datagram: dropped +$((d1 - d0)), read by the service +$((l1 - l0))"
			fi
		fi
		for gen in $gens; do
			why=$(not_measured "$mode" "$gen")
			# a broken peer failed above, once; its floods are not run
			[[ "$why" == *"harness broken"* ]] && continue
			for kind in $kinds; do
				if [ -n "$why" ]; then
					sk "run $r $mode $gen $kind not measured: $why"
				elif [ "$gen" = live ] && [ -z "$FL_LIVEGEN" ]; then
					:	# flood_gen did not build: failed above
				else
					flood_one "$mode" "$gen" "$kind" "$r"
				fi
			done
		done
		fl_filter_off "$mode"
	done
	# the next run starts with another mode: drift of the machine spreads out
	first=${modes%% *}
	modes="${modes#* } $first"
done

# ---- medians, ratios, chart -------------------------------------------------

# med MODE GEN/KIND COLUMN: median of COLUMN (1-based) over the runs.
med()
{
	awk -F, -v m="$1" -v g="${2%/*}" -v k="${2#*/}" -v c="$3" \
		'NR > 1 && $1 == m && $2 == g && $3 == k && $c != "" { print $c }' "$csv" | fl_median
}
col() { head -n 1 "$csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
C_OFF=$(col offered) C_DPS=$(col drops_per_s) C_CPU=$(col cpu_us_pkt) C_NODE=$(col node_us_pkt)
C_USENT=$(col legit_udp_sent) C_UOK=$(col legit_udp_ok) C_UMS=$(col legit_udp_med_ms)
C_TTRY=$(col legit_tcp_tried) C_TOK=$(col legit_tcp_ok) C_LPUB=$(col listener_pub)
C_EPASS=$(col enf_passed_public)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 <= 0 || a + 0 <= 0) print "-"; else printf "%.2f", a / b }'; }

allmodes="xdpdrop none enforcer nft nft_ingress ipt"
gks="" allgks=""
for gen in $gens; do
	for kind in $kinds; do
		allgks="$allgks $gen/$kind"
		fl_peer_ok "$(gen_peer "$gen")" && gks="$gks $gen/$kind"
	done
done
md=$out/flood.md
dat=$out/flood.dat
{
	echo "## Flood absorption end to end (bench/flood.sh)"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPUs; $runs run(s) of $count packets per mode, sender and kind; medians."
	echo "Senders: trafgen = AF_PACKET skbs (netsniff-ng); live = xdp_frames from BPF_PROG_TEST_RUN live frames + XDP_REDIRECT (bench/flood_gen.c)."
	nm=$(for p in $(printf '%s\n' "${need[@]}" | sort -u); do fl_not_measured "$p"; done)
	if [ -n "$nm" ]; then
		echo
		echo "Not measured on this machine (bench/probe.sh: the kernel or the machine refuses these benchmark peers):"
		echo
		# shellcheck disable=SC2001	# a multi-line string
		sed 's/^peer \([^:]*\): /* \1: /' <<<"$nm"
	fi
	echo
	echo "| sender/kind | mode | offered | drops/s | CPU µs/pkt (gen+node) | node µs/pkt (above floor) | legit UDP ok | legit UDP median ms | legit TCP ok | public UDP read by the service | flood pkts the enforcer passed |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for gk in $allgks; do
		if ! fl_peer_ok "$(gen_peer "${gk%/*}")"; then
			printf '| %s | every mode | not measured: %s | | | | | | | | |\n' "$gk" \
				"$(fl_not_measured "$(gen_peer "${gk%/*}")" | sed 's/^peer //')"
			continue
		fi
		for mode in $allmodes; do
			[[ " $modes " == *" $mode "* ]] || continue
			why=$(not_measured "$mode" "${gk%/*}")
			if [ -n "$why" ]; then
				printf '| %s | %s | not measured: %s | | | | | | | | |\n' "$gk" "$mode" "${why#peer }"
				continue
			fi
			[ -n "$(med "$mode" "$gk" "$C_OFF")" ] || continue
			printf '| %s | %s | %s | %s | %s | %s | %s/%s | %s | %s/%s | %s | %s |\n' "$gk" "$mode" \
				"$(med "$mode" "$gk" "$C_OFF")" "$(med "$mode" "$gk" "$C_DPS")" \
				"$(med "$mode" "$gk" "$C_CPU")" "$(med "$mode" "$gk" "$C_NODE")" \
				"$(med "$mode" "$gk" "$C_UOK")" "$(med "$mode" "$gk" "$C_USENT")" \
				"$(med "$mode" "$gk" "$C_UMS")" \
				"$(med "$mode" "$gk" "$C_TOK")" "$(med "$mode" "$gk" "$C_TTRY")" \
				"$(med "$mode" "$gk" "$C_LPUB")" \
				"$([ "$mode" = enforcer ] && med "$mode" "$gk" "$C_EPASS")"
		done
	done
	echo
	echo "Ratios (goal: enforcer ≥ 5× the better of nftables and iptables). The baseline is, per sender and"
	echo "kind, the best of nft (prerouting, priority raw), nft_ingress (netdev ingress) and ipt by CPU per packet."
	echo
	echo "| sender/kind | baseline | drops/s enforcer ÷ baseline | CPU/pkt baseline ÷ enforcer (gen+node) | node CPU/pkt baseline ÷ enforcer | CPU/pkt none ÷ enforcer (gen+node) | goal |"
	echo "|---|---|---:|---:|---:|---:|---|"
	for gk in $allgks; do
		if ! fl_peer_ok "$(gen_peer "${gk%/*}")"; then
			printf '| %s | not measured: %s | | | | | ≥ 5× |\n' "$gk" \
				"$(fl_not_measured "$(gen_peer "${gk%/*}")" | sed 's/^peer //')"
			continue
		fi
		best=
		bcpu=
		for m in nft nft_ingress ipt; do
			c=$(med "$m" "$gk" "$C_CPU")
			[ -n "$c" ] || continue
			if [ -z "$bcpu" ] || awk -v a="$c" -v b="$bcpu" 'BEGIN { exit !(a < b) }'; then best=$m bcpu=$c; fi
		done
		if [ -z "$best" ]; then
			why=$(for m in nft ipt; do [[ " $modes " == *" $m "* ]] && not_measured "$m" "${gk%/*}"; done | sed 's/^peer //' | sort -u | paste -sd ';' -)
			[ -n "$why" ] && printf '| %s | not measured: %s | | | | | ≥ 5× |\n' "$gk" "$why"
			continue
		fi
		ecpu=$(med enforcer "$gk" "$C_CPU")
		printf '| %s | %s | %s | %s | %s | %s | ≥ 5× |\n' "$gk" "$best" \
			"$(ratio "$(med enforcer "$gk" "$C_DPS")" "$(med "$best" "$gk" "$C_DPS")")" \
			"$(ratio "$bcpu" "$ecpu")" \
			"$(ratio "$(med "$best" "$gk" "$C_NODE")" "$(med enforcer "$gk" "$C_NODE")")" \
			"$(ratio "$(med none "$gk" "$C_CPU")" "$ecpu")"
	done
	cat <<'EOF'

Method. Two senders, both in the sender namespace, one process pinned to CPU 0, a fixed
frame count, under `timeout`. trafgen (netsniff-ng, AF_PACKET TX_RING) sends skbs: on veth,
native XDP must first turn each skb into an xdp_buff (copying it when the headroom is
short), so XDP saves little there. The live sender (bench/flood_gen.c, compiled by this
script) runs an XDP program with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES that
rewrites the source address/port of a template frame and redirects it out of the sender's
veth: the node's veth receives xdp_frames, the way a NIC driver hands XDP a raw buffer, and
an skb is built only for a frame XDP passes. A veth accepts redirected frames only when it
runs an XDP program, so for the modes without one (none, nft, nft_ingress, ipt) an
xdp-filter program that passes everything stands in for the driver during live floods.
On veth, the sender's transmit and the node's receive run in the same CPU context (the
frames are processed when the sender re-enables softirqs), so the generator cannot be put on
a CPU of its own. "CPU µs/pkt (gen+node)" is the CPU time of the sender (getrusage of its
process tree, which includes the softirq work done in its context), plus that of ksoftirqd
on every CPU and of the service's listener (/proc/PID/schedstat), divided by the offered
frames. These are the scheduler's exact run times, so foreign load on this shared VM is not
counted (the /proc/stat busy time would count it, and is tick-sampled here). The generator
is included, so ratios on this column are a lower bound. "node µs/pkt" subtracts the same
quantity measured with an XDP program that drops every frame on the node's veth
(xdp-filter, mode xdpdrop) in the same run with the same sender: what remains is what the
node spends beyond the cheapest possible drop, so ratios on it are an upper bound (and
noisy when the enforcer's remainder is near zero). A drop at the sender itself is not
possible with trafgen: TX_RING retries, forever, a frame the qdisc or the veth refuses.
Work the kernel defers to kworkers or to softirqs in other tasks' context is not counted.
drops/s is bounded by the sender (one CPU), not by the filters. Limits: no hardware
counters in this VM (perf: cycles not supported); the VM is shared and noisy (other
benchmarks may run and steal time); frames are 60-byte UDP / 54-byte SYN, IPv4 only.
The legitimate client runs in its own namespace (10.0.9.9) on the private uplink; its UDP
answers time out after 0.5 s, its TCP connects after 1 s. Without a filter, the UDP flood
fills the node's per-CPU backlog and the service's socket, so most of it is lost before
the listener reads it.
EOF
} >"$md"

# chart: CPU µs per packet (gen+node), one cluster per mode, one bar per sender/kind
{
	printf 'mode'
	for gk in $gks; do printf ' %s' "$gk"; done
	echo
	for mode in $allmodes; do
		any=
		for gk in $gks; do [ -n "$(med "$mode" "$gk" "$C_CPU")" ] && any=1; done
		[ -n "$any" ] || continue
		printf '%s' "$mode"
		for gk in $gks; do v=$(med "$mode" "$gk" "$C_CPU"); printf ' %s' "${v:-0}"; done
		echo
	done
} >"$dat"
ncols=$(echo "$gks" | wc -w)
if [ "$ncols" -eq 0 ]; then
	echo "flood: no sender measured, no chart" >&2
elif command -v gnuplot >/dev/null 2>&1; then
	gnuplot <<EOF 2>"$NL_TMP/gnuplot.err" || ko "gnuplot: $(head -c 300 "$NL_TMP/gnuplot.err")"
set terminal pngcairo size 1000,500 noenhanced
set output "$out/flood.png"
set title "Flood absorption: CPU time per flood packet (sender + node), medians; lower is better"
set ylabel "µs per packet"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set yrange [0:*]
plot for [i=2:$((ncols + 1))] "$dat" using i:xtic(1) title columnheader(i)
EOF
	[ -s "$out/flood.png" ] && ok
fi
echo "flood: wrote $csv, $md$([ "$ncols" -gt 0 ] && echo ", $out/flood.png")" >&2
finish
