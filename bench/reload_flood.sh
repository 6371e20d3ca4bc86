#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Reload under flood (benchmark issue, item 5): while a public flood hits an
# internal service and a private client sends sequence-numbered UDP to the
# same service, `enforcer apply` runs N times, alternating between two
# manifests that both keep the service internal (they differ in another
# service's public port). Goal: no public packet reaches the service, no
# private packet is lost.
#
#   bench/reload_flood.sh [--smoke] [--applies N] [--batch P] [--max-secs S] OUTDIR
#
# Topology, manifests and listener: bench/flood_lib.sh. The enforcer is
# applied (manifest A) and attached (native XDP on n-inet, role public, and
# n-priv) before anything starts. Then, at once:
#   flood    trafgen in the sender namespace, UDP and TCP SYN round robin from
#            2 x 241 public sources at 10.0.2.10:4000, in batches of P packets
#            (default 200000) as fast as one CPU goes, until the applies are
#            done or S seconds (default 330) have passed; every batch under
#            `timeout`. Independent of how long an apply takes.
#   client   the private host 10.0.9.9 sends "REQ <seq>" datagrams at 200/s
#            (and a TCP connect at 5/s) to the service
#   applies  N (default 1000) `enforcer apply`, B, A, B, ...
# Counted (OUTDIR/reload.csv, OUTDIR/reload.md):
#   public_at_service   packets from non-private sources that arrived in the
#                       service's namespace (nft counter at prerouting there,
#                       priority -400: before anything else) -- goal 0
#   public_at_listener  datagrams from public sources the listener read
#   private_lost        REQ datagrams sent minus distinct ones the listener read
#   private_unanswered  REQ datagrams sent minus answers the client got
#   tcp_failed          failed private TCP connects
#   flood_offered, enforcer_drops, applies_ok, generation advance, apply ms
# --smoke: 20 applies, batches of 20000; checks every step, that the enforcer
# drops, that nothing public arrives and nothing private is lost; ends with
# "N passed, N failed, N skipped".
#
# Peers (bench/probe.sh, or its verdicts in $BENCH_PEERS from bench/run.sh):
# when the kernel or the machine refuses trafgen, the applies and the private
# client still run (and are checked), the flood and its checks are skipped
# with the reason; when it refuses nftables, the witness is skipped and the
# listener alone says whether public packets arrived. reload.md shows
# "not measured: REASON" in those rows.
#
# Safety (contract section 8): namespaces enf-reload-$$-*, a private bpffs in
# a temp dir, the flood bounded per batch (count and `timeout`) and in total
# (S seconds); the EXIT trap stops the flood loop by PID and removes
# everything, also on failure.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/flood_lib.sh
. "$ROOT/bench/flood_lib.sh"	# and scripts/netns-lib.sh

applies=1000 batch=200000 maxsecs=330 out=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) applies=20 batch=20000 maxsecs=25 ;;
	--applies) applies=$2; shift ;;
	--batch) batch=$2; shift ;;
	--max-secs) maxsecs=$2; shift ;;
	-h | --help) awk 'NR > 2 && /^#/ { print; next } NR > 2 { exit }' "$0"; exit 0 ;;
	*) out=$1 ;;
	esac
	shift
done

fl_harness reload_flood

flood_pid=
# shellcheck disable=SC2317	# called by the EXIT trap
cleanup()
{
	local p
	if [ -n "$flood_pid" ]; then
		[ -n "${NL_TMP:-}" ] && touch "$NL_TMP/stop" 2>/dev/null
		# the loop's current batch (`ip netns exec ... timeout`), then the loop
		for p in $(pgrep -P "$flood_pid"); do kill -TERM "$p" 2>/dev/null; done
		kill -TERM "$flood_pid" 2>/dev/null
		wait "$flood_pid" 2>/dev/null
	fi
	fl_cleanup
}
nl_on_exit cleanup

fl_setup enf-reload || { ko "cannot build the topology"; finish; }
[ -n "$out" ] || out=$NL_TMP/out
mkdir -p "$out" || { ko "cannot create $out"; finish; }
fl_peers trafgen nft
# why the flood / the witness is not measured (empty: it is)
no_flood=$(fl_not_measured trafgen)
no_witness=$(fl_not_measured nft)

enf() { nl_in node "$FL_ENF" --pin-dir "$NL_PIN" "$@"; }
counter() { enf status --json 2>/dev/null | jq "[.counters | to_entries[] | select(.key | startswith(\"$1\")) | .value.packets] | add // 0"; }

if fl_filter_on enforcer; then ok; else ko "enforcer apply/attach"; finish; fi
gen0=$(enf status --json | jq .policy.generation)

# The witness in the service's namespace: every packet from a non-private
# source that arrives there, before any other hook (nftables; without it,
# the count stays empty and the listener alone counts).
cat >"$NL_TMP/witness.nft" <<'EOF'
table inet witness {
	counter public { }
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		meta nfproto ipv4 ip saddr != 10.0.0.0/8 counter name public
		meta nfproto ipv6 ip6 saddr != fd00::/8 ip6 saddr != fe80::/10 counter name public
	}
}
EOF
if [ -n "$no_witness" ]; then
	sk "witness in the service namespace not measured: $no_witness"
	witness() { echo 0; }
else
	if nl_in svc nft -f "$NL_TMP/witness.nft"; then ok; else ko "witness nft table in the service namespace"; finish; fi
	witness() { nl_in svc nft -j list counter inet witness public | jq '[.nftables[] | select(.counter) | .counter.packets] | add // 0'; }
fi

# The witness works: one public datagram, with the enforcer detached, must be
# counted (else a 0 below would prove nothing); the listener reads it too.
# Then attach again.
enf detach "$NL_IF_INET" >/dev/null 2>&1
lpub0=$(fl_lstat udp_pub)
nl_udp inet "$FL_SVC4" "$FL_PORT" 1 >/dev/null 2>&1
if [ -n "$no_witness" ]; then :; elif [ "$(witness)" -ge 1 ]; then ok; else ko "the witness does not see public packets"; fi
sleep 0.3
if [ "$(fl_lstat udp_pub)" -gt "$lpub0" ]; then ok; else ko "the listener does not see public datagrams"; fi
wit0=$(witness) lpub0=$(fl_lstat udp_pub)
enf attach "$NL_IF_INET" >/dev/null 2>&1 || { ko "re-attach $NL_IF_INET"; finish; }

cfg=$(fl_flood_cfg mix)
drops0=$(counter drop_) tx0=$(fl_tx_packets inet eth0)
lpriv0=$(fl_lstat priv_seqs)
cj=$NL_TMP/client.json
fl_client_start "$cj" $((maxsecs + 30)) 200 5

# the flood loop: bounded batches until told to stop or out of time
if [ -n "$no_flood" ]; then
	sk "the flood during the applies not measured: $no_flood"
	echo 0 >"$NL_TMP/batches"
else
	(
		end=$((SECONDS + maxsecs)) n=0
		while [ ! -e "$NL_TMP/stop" ] && [ "$SECONDS" -lt "$end" ]; do
			fl_trafgen "$cfg" "$batch" 60 || break
			n=$((n + 1))
		done
		echo "$n" >"$NL_TMP/batches"
	) &
	flood_pid=$!
fi
sleep 0.5

# the applies: B, A, B, A, ...
ms=() fails=0 t_start=$SECONDS
for ((i = 1; i <= applies; i++)); do
	if [ $((i % 2)) -eq 1 ]; then m=$NL_TMP/b.yml; else m=$NL_TMP/a.yml; fi
	s=$(date +%s%N)
	if ! enf apply -f "$m" >"$NL_TMP/apply.out" 2>&1; then
		fails=$((fails + 1))
		[ "$fails" -le 3 ] && echo "reload_flood: apply $i failed: $(head -c 300 "$NL_TMP/apply.out")" >&2
	fi
	e=$(date +%s%N)
	ms+=("$(((e - s) / 1000))")
	[ $((i % 100)) -eq 0 ] && echo "reload_flood: $i applies" >&2
	if [ $((SECONDS - t_start)) -ge "$maxsecs" ]; then
		echo "reload_flood: stopped after $i applies ($maxsecs s)" >&2
		break
	fi
done
done_applies=$((i > applies ? applies : i))
touch "$NL_TMP/stop"
[ -n "$flood_pid" ] && wait "$flood_pid"
flood_pid=
batches=$(cat "$NL_TMP/batches" 2>/dev/null || echo 0)
sleep 0.5
fl_client_stop "$cj" || ko "private client: no result ($(head -c 300 "$NL_TMP/client.err"))"
sleep 0.5

gen1=$(enf status --json | jq .policy.generation)
offered=$(($(fl_tx_packets inet eth0) - tx0))
drops=$(($(counter drop_) - drops0))
wit=$(($(witness) - wit0))
lpub=$(($(fl_lstat udp_pub) - lpub0))
lpriv=$(($(fl_lstat priv_seqs) - lpriv0))
usent=$(jq -r .udp_sent "$cj") uok=$(jq -r .udp_ok "$cj")
ttry=$(jq -r .tcp_tried "$cj") tok=$(jq -r .tcp_ok "$cj")
plost=$((usent - lpriv)) punans=$((usent - uok)) tfail=$((ttry - tok))
apply_med=$(printf '%s\n' "${ms[@]}" | fl_median | awk '{ printf "%.1f", $1 / 1000 }')
apply_max=$(printf '%s\n' "${ms[@]}" | sort -n | tail -n 1 | awk '{ printf "%.1f", $1 / 1000 }')
secs=$((SECONDS - t_start))

echo "applies,applies_failed,generation_advance,apply_med_ms,apply_max_ms,secs,flood_batches,flood_offered,enforcer_drops,public_at_service,public_at_listener,private_sent,private_lost,private_unanswered,tcp_tried,tcp_failed" >"$out/reload.csv"
# not measured: empty fields
cwit=$wit cflood="$offered,$drops"
[ -n "$no_witness" ] && cwit=
[ -n "$no_flood" ] && cflood=, cwit=
echo "$done_applies,$fails,$((gen1 - gen0)),$apply_med,$apply_max,$secs,$batches,$cflood,$cwit,$lpub,$usent,$plost,$punans,$ttry,$tfail" >>"$out/reload.csv"
echo "reload_flood: $done_applies applies ($fails failed, generation +$((gen1 - gen0)), median ${apply_med} ms) in ${secs}s under $offered flood packets ($drops dropped); public at service $wit, at listener $lpub; private $usent sent, $plost lost, $punans unanswered; tcp $tok/$ttry" >&2

if [ "$fails" -eq 0 ]; then ok; else ko "$fails applies failed"; fi
if [ $((gen1 - gen0)) -eq "$done_applies" ]; then ok; else ko "generation advanced by $((gen1 - gen0)), want $done_applies"; fi
# not a failure: the time bound is the harness's, the figures above hold for
# the applies that ran (and apply is getting faster)
[ "$done_applies" -eq "$applies" ] || echo "reload_flood: note: only $done_applies of $applies applies within $maxsecs s" >&2
if [ -n "$no_flood" ]; then
	sk "flood offered / dropped / reached the service during reloads: not measured: $no_flood"
else
	if [ "$offered" -ge "$batch" ] && [ "$drops" -ge $((offered * 95 / 100)) ]; then ok; else ko "flood: offered $offered, enforcer dropped $drops"; fi
	if [ -n "$no_witness" ]; then :; elif [ "$wit" -eq 0 ]; then ok; else ko "$wit public packets reached the service namespace during reloads"; fi
	if [ "$lpub" -eq 0 ]; then ok; else ko "$lpub public datagrams reached the listener during reloads: $(jq -c .pub_sources "$FL_LISTENER_STATS" | head -c 300)"; fi
fi
if [ "$usent" -gt 0 ] && [ "$plost" -eq 0 ]; then ok; else ko "private datagrams: $usent sent, $plost lost"; fi

{
	echo "## Reload under flood (bench/reload_flood.sh)"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPUs; one run."
	echo
	echo "| measure | value | goal |"
	echo "|---|---:|---|"
	echo "| applies (alternating manifests, service stays internal) | $done_applies ($fails failed) | $applies, 0 failed |"
	echo "| policy generation advance | $((gen1 - gen0)) | $applies |"
	echo "| apply wall time, median / max | $apply_med / $apply_max ms | (information) |"
	echo "| duration | $secs s | |"
	if [ -n "$no_flood" ]; then
		echo "| public flood (UDP + TCP SYN, 482 sources) | not measured: ${no_flood#peer } | |"
	else
		echo "| public flood offered (UDP + TCP SYN, 482 sources) | $offered | |"
		echo "| dropped by the enforcer | $drops | all |"
		if [ -n "$no_witness" ]; then
			echo "| public packets that reached the service's namespace | not measured: ${no_witness#peer } | 0 |"
		else
			echo "| **public packets that reached the service's namespace** | **$wit** | **0** |"
		fi
		echo "| public datagrams read by the listener | $lpub | 0 |"
	fi
	echo "| private datagrams sent (200/s) / lost before the listener | $usent / $plost | lost 0 |"
	echo "| private datagrams unanswered | $punans | 0 |"
	echo "| private TCP connects tried / failed | $ttry / $tfail | failed 0 |"
	cat <<'EOF'

Method. The enforcer is attached (native XDP on the node's internet veth, role public, and on
its private veth) and manifest A is in force. A flood of UDP and TCP SYN from public
sources at the internal instance 10.0.2.10:4000 runs in bounded trafgen batches as fast as
one CPU goes, while the private host sends numbered UDP requests at 200/s and a TCP connect
at 5/s to the same instance, and `enforcer apply` runs back to back, alternating manifests
B and A (they differ only in the public port of another service). The flood stops when the
applies are done (or at the time bound), so the figures do not depend on how long one apply
takes. "Reached the service's namespace" is an nftables counter at prerouting priority -400
in the service pod's namespace, for any source outside 10.0.0.0/8 and fd00::/8; it is
checked to count a public datagram before the flood starts. Private loss is counted at the
listener (distinct sequence numbers read), so it includes loss anywhere on the path.
EOF
} >"$out/reload.md"
echo "reload_flood: wrote $out/reload.csv, $out/reload.md" >&2
finish
