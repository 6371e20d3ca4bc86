#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck disable=SC2317	# probe_PEER and cleanup are called by name / by trap
#
# bench/probe.sh: which benchmark peers (senders, load generators, the
# filters and servers the enforcer is compared with) this machine accepts.
# Machines of one kind differ in kernel build: on some, BPF_PROG_TEST_RUN
# refuses live frames (EPERM) and kxdpgun's XDP program does not load
# (EINVAL); on others both work. Each peer is tried once, briefly, in a
# throwaway network namespace, and gets one line:
#
#   peer live-frames: available
#   peer kxdpgun: refused by the kernel (failed to load: -22: program of ...)
#   peer dnsperf: not installed (Debian package dnsperf)
#   peer trafgen: harness broken (...)
#
#   bench/probe.sh [--smoke] [--out FILE] [PEER...]     (default: every peer)
#
# Peers and what is tried:
#   live-frames  bench/flood_gen.c (built here): 16 frames with
#                BPF_PROG_TEST_RUN + BPF_F_TEST_XDP_LIVE_FRAMES out of a veth
#   kxdpgun      1 s of DNS queries over AF_XDP from a veth (its own XDP program)
#   trafgen      16 frames over AF_PACKET TX_RING out of a veth
#   xdp-filter   load (native, on a veth) and unload
#   nft          an inet table (prerouting, priority raw) and a netdev
#                ingress table with the interval and concatenated sets the
#                floods use, and a named counter
#   iptables     iptables-legacy raw PREROUTING with ipset matches
#   dnsperf      1 s of queries at 50/s
#   nsd, knot    the server on a one-name zone answers kdig
#
# Verdicts: "available" (used); "refused by the kernel (REASON)", "refused
# by the machine (REASON)", "not installed (REASON)": whatever uses the peer
# skips it and says why (a refusal is a property of the machine, not a
# failure); "harness broken (REASON)": our side failed (flood_gen does not
# build, a config of ours is rejected, a tool ran but did nothing): a
# failure. Only these peers are ever skipped; the enforcer's own functions
# (bench_xdp, bench_dns, apply, attach, drops, DNS answers) never are.
#
# --out FILE  also writes the peer lines to FILE (bench/run.sh passes it to
#             every part in BENCH_PEERS, so the machine is probed once)
# --smoke     closing line "N passed, N failed, N skipped" (available,
#             harness broken, refused or not installed)
# Exit status: non-zero when a harness broke.
#
# BENCH_REFUSE=PEER[,PEER...] (tests of the harness only; "live" stands for
# live-frames): the named peers are not run; the probe is handed the output
# their refusal gave on a machine that refuses them (flood_gen's EPERM,
# kxdpgun's "failed to load: -22", ...) and classifies that, so every skip
# path can be tried on a machine that accepts everything. Their lines say
# "simulated by BENCH_REFUSE".
#
# The parts read the verdicts through bench/peers.sh.
#
# Safety: one namespace enf-probe-$$-a with one veth pair, a private bpffs,
# everything under `timeout`, bounded counts; the EXIT trap removes it all.

PR_PEERS_ALL="live-frames kxdpgun trafgen xdp-filter nft iptables dnsperf nsd knot"
PR_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---- the probe ------------------------------------------------------------

set -uo pipefail
ROOT=$(cd "$PR_HERE/.." && pwd)
# shellcheck source=scripts/netns-lib.sh
. "$ROOT/scripts/netns-lib.sh"

smoke=0 out='' peers=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	--out) out=$2; shift ;;
	-h | --help) awk 'NR > 3 && /^#/ { print; next } NR > 3 { exit }' "$0"; exit 0 ;;
	live) peers+=(live-frames) ;;
	*) peers+=("$1") ;;
	esac
	shift
done
[ ${#peers[@]} -gt 0 ] || read -ra peers <<<"$PR_PEERS_ALL"
[ -n "$out" ] && : >"$out"

pass=0 fail=0 skip=0
# say PEER VERDICT: the peer's line (stdout and --out FILE), counted
say()
{
	local line="peer $1: $2"
	echo "$line"
	[ -n "$out" ] && echo "$line" >>"$out"
	case $2 in
	available) pass=$((pass + 1)) ;;
	"harness broken"*) fail=$((fail + 1)); echo "FAIL probe: $line" >&2 ;;
	*) skip=$((skip + 1)) ;;
	esac
}
finish()
{
	[ "$smoke" = 1 ] && echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	echo "probe: needs root (namespaces, BPF)" >&2
	for p in "${peers[@]}"; do say "$p" "harness broken (not root)"; done
	finish
fi

# refusal simulated for PEER?
SIMULATED=",${BENCH_REFUSE:-},"
SIMULATED=${SIMULATED//,live,/,live-frames,}
simulated() { [[ "$SIMULATED" == *",$1,"* ]]; }
# the reason's suffix when simulated
sim_note() { simulated "$1" && printf '; simulated by BENCH_REFUSE'; }

# run PEER CANNED_STATUS CANNED_OUTPUT CMD...: CMD's stdout and stderr into
# $T/out, its status returned; when PEER's refusal is simulated, CMD does not
# run: the canned output and status (what the refusal looked like on a
# machine that refuses PEER) take their place.
run()
{
	local peer=$1 st=$2 canned=$3
	shift 3
	if simulated "$peer"; then
		printf '%s\n' "$canned" >"$T/out"
		return "$st"
	fi
	"$@" >"$T/out" 2>&1
}
# last N lines of the output, on one line
tail_out() { tail -n "${1:-2}" "$T/out" | tr -s '\n\t' '  ' | sed 's/ *$//' | head -c 300; }

# installed PEER TOOL PACKAGE: true when TOOL exists, else says so
installed()
{
	command -v "$2" >/dev/null 2>&1 && return 0
	say "$1" "not installed ($2: Debian package $3)"
	return 1
}

nl_on_exit nl_cleanup

NL_LISTEN_SECS=30
# One namespace: veth pa (10.78.0.5) <-> pb (10.78.0.1, 10.78.0.2); the
# senders send out of pa to pb.
if ! nl_init enf-probe || ! nl_mount_bpffs || ! nl_netns_add a ||
	! nl_in a ip link add pa type veth peer name pb ||
	! nl_in a ip addr add 10.78.0.5/24 dev pa || ! nl_in a ip addr add 10.78.0.1/24 dev pb ||
	! nl_in a ip addr add 10.78.0.2/24 dev pb ||
	! nl_in a ip link set pa up || ! nl_in a ip link set pb up; then
	for p in "${peers[@]}"; do say "$p" "harness broken (cannot build the probe's namespace)"; done
	finish
fi
T=$NL_TMP
MAC_A=$(nl_in a cat /sys/class/net/pa/address)
MAC_B=$(nl_in a cat /sys/class/net/pb/address)
printf 'probe.test. A\n' >"$T/queries.txt"
cat >"$T/probe.test.zone" <<'EOF'
$ORIGIN probe.test.
$TTL 5
@ IN SOA ns.probe.test. hostmaster.probe.test. 1 3600 600 86400 5
@ IN NS ns.probe.test.
@ IN A 192.0.2.1
ns IN A 192.0.2.53
EOF

# ---- one function per peer ------------------------------------------------

probe_live-frames()
{
	local p=live-frames st sent
	if ! make -s -C "$PR_HERE/.." .output/flood_gen .output/flood_gen.bpf.o >"$T/out" 2>&1; then
		say "$p" "harness broken (bench/flood_gen does not build: $(grep -m 1 -E 'error' "$T/out" | head -c 300 || tail_out 2))"
		return
	fi
	run $p 3 "sent 0
flood_gen: test_run: refused by the kernel: Operation not permitted (EPERM)" \
		nl_in a timeout 20 "$PR_HERE/../.output/flood_gen" "$PR_HERE/../.output/flood_gen.bpf.o" \
		pa "$MAC_B" 10.78.0.1 4000 udp 16
	st=$?
	sent=$(awk '$1 == "sent" { print $2 }' "$T/out")
	case $st in
	0)
		if [ "${sent:-0}" -eq 16 ]; then say "$p" available; else
			say "$p" "harness broken (flood_gen: test_run ran, but sent ${sent:-nothing} of 16 frames)"
		fi
		;;
	3) say "$p" "refused by the kernel ($(sed -n 's/^flood_gen: test_run: refused by the kernel: /test_run with BPF_F_TEST_XDP_LIVE_FRAMES: /p' "$T/out" | head -n 1)$(sim_note "$p"))" ;;
	*) say "$p" "harness broken (flood_gen exit $st: $(tail_out 2))" ;;
	esac
}

probe_kxdpgun()
{
	local p=kxdpgun st q why v
	installed "$p" kxdpgun knot-dnsutils || return
	# kxdpgun exits 0 also when its AF_XDP socket fails: judge by the output
	run $p 0 "libbpf: prog 'xdp_redirect_dns_func': BPF program load failed: Invalid argument
libbpf: prog 'xdp_redirect_dns_func': -- BEGIN PROG LOAD LOG --
29: (85) call bpf_xdp_adjust_meta#54
program of this type cannot use helper bpf_xdp_adjust_meta#54
processed 28 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0
-- END PROG LOAD LOG --
libbpf: prog 'xdp_redirect_dns_func': failed to load: -22
libbpf: failed to load object '7f16321df040-2bf8'
error: failed to initialize XDP socket#0 (program not loaded)" \
		nl_in a timeout 20 kxdpgun -t 1 -Q 50 -b 10 -i "$T/queries.txt" -I pa -l 10.78.0.5 \
		-L "$MAC_A" -R "$MAC_B" 10.78.0.1
	st=$?
	q=$(awk '/^total queries:/ { print $3; exit }' "$T/out")
	if grep -qE 'failed to initialize XDP socket|failed to load' "$T/out"; then
		# the libbpf status, and the verifier's reason when it gave one
		why=$(grep -oE 'failed to load: -?[0-9]+' "$T/out" | head -n 1)
		[ -n "$why" ] || why=$(grep -oE 'failed to initialize XDP socket.*' "$T/out" | head -n 1)
		v=$(sed -n '/-- BEGIN PROG LOAD LOG --/,/-- END PROG LOAD LOG --/p' "$T/out" |
			grep -vE '^(processed|--|libbpf|[0-9]+:|;)' | tail -n 1)
		say "$p" "refused by the kernel (${why}${v:+: $v}$(sim_note "$p"))"
	elif [ "$st" -eq 0 ] && [ "${q:-0}" -gt 0 ] 2>/dev/null; then
		say "$p" available
	else
		say "$p" "harness broken (kxdpgun exit $st, ${q:-no} queries sent: $(tail_out 2))"
	fi
	# kxdpgun leaves its XDP program attached to pa when it exits: the
	# xdp-filter probe after it then met EBUSY, reported as a refusal
	nl_in a ip link set dev pa xdp off 2>/dev/null
}

probe_trafgen()
{
	local p=trafgen st tx0 tx1
	installed "$p" trafgen netsniff-ng || return
	echo "{ eth(da=$MAC_B, sa=$MAC_A), ipv4(sa=10.78.0.5, da=10.78.0.1, ttl=64), udp(sp=1024, dp=4000), fill(0x41, 18) }" >"$T/trafgen.cfg"
	tx0=$(nl_in a cat /sys/class/net/pa/statistics/tx_packets)
	run $p 1 "Cannot setup TX_RING: Operation not permitted" \
		nl_in a timeout 20 trafgen -o pa -i "$T/trafgen.cfg" -n 16 -P 1
	st=$?
	tx1=$(nl_in a cat /sys/class/net/pa/statistics/tx_packets)
	if [ "$st" -ne 0 ] && grep -qiE 'syntax|parse|usage' "$T/out"; then
		say "$p" "harness broken (trafgen rejects our config: $(tail_out 2))"
	elif [ "$st" -ne 0 ]; then
		say "$p" "refused by the kernel ($(tail_out 1)$(sim_note "$p"))"
	elif [ $((tx1 - tx0)) -ge 16 ]; then
		say "$p" available
	else
		say "$p" "harness broken (trafgen ran, pa sent $((tx1 - tx0)) of 16 frames)"
	fi
}

probe_xdp-filter()
{
	local p=xdp-filter st
	installed "$p" xdp-filter xdp-tools || return
	run $p 1 "Couldn't attach XDP program on iface 'pa': Operation not supported(-95)" \
		env LIBXDP_BPFFS="$NL_PIN" ip netns exec "$(nl_ns a)" timeout 20 \
		xdp-filter load -m native -p allow -f ethernet pa
	st=$?
	if [ "$st" -ne 0 ]; then
		say "$p" "refused by the kernel ($(tail_out 1)$(sim_note "$p"))"
		return
	fi
	if nl_in a ip link show pa | grep -q 'prog/xdp'; then say "$p" available; else
		say "$p" "harness broken (xdp-filter load succeeded, no XDP program on pa)"
	fi
	LIBXDP_BPFFS=$NL_PIN nl_in a timeout 20 xdp-filter unload pa >/dev/null 2>&1 ||
		nl_in a ip link set dev pa xdp off 2>/dev/null
}

probe_nft()
{
	local p=nft st
	installed "$p" nft nftables || return
	cat >"$T/nft.conf" <<'EOF'
table inet probe {
	set s4 { type ipv4_addr; flags interval; elements = { 10.0.0.0/16 } }
	set p4 { type ipv4_addr . inet_proto . inet_service; elements = { 10.0.1.10 . tcp . 3000 } }
	counter dropped { }
	chain pre { type filter hook prerouting priority raw; policy accept;
		ip saddr @s4 accept
		ip daddr . meta l4proto . th dport @p4 accept
		ip daddr 10.0.2.10 counter name dropped drop
	}
}
table netdev probe {
	set s4 { type ipv4_addr; flags interval; elements = { 10.0.0.0/16 } }
	chain ing { type filter hook ingress device "pb" priority -500; policy accept;
		ip saddr @s4 accept
	}
}
EOF
	run $p 1 "Error: Could not process rule: Operation not supported" \
		nl_in a timeout 20 nft -f "$T/nft.conf"
	st=$?
	if [ "$st" -eq 0 ]; then say "$p" available
	elif grep -qE 'syntax error|unexpected' "$T/out"; then
		say "$p" "harness broken (nft rejects our rules: $(tail_out 2))"
	else say "$p" "refused by the kernel ($(grep -m 1 -E '^Error' "$T/out" || tail_out 1)$(sim_note "$p"))"
	fi
}

probe_iptables()
{
	local p=iptables st
	installed "$p" iptables-legacy iptables || return
	installed "$p" ipset ipset || return
	run $p 1 "iptables v1.8.9 (legacy): can't initialize iptables table \`raw': Table does not exist (do you need to insmod?)" \
		nl_in a timeout 20 sh -c 'ipset create probe4 hash:net && ipset add probe4 10.0.0.0/16 &&
			ipset create probep hash:ip,port && ipset add probep 10.0.1.10,tcp:3000 &&
			iptables-legacy -t raw -A PREROUTING -m set --match-set probe4 src -j ACCEPT &&
			iptables-legacy -t raw -A PREROUTING -m set --match-set probep dst,dst -j ACCEPT &&
			iptables-legacy -t raw -A PREROUTING -d 10.0.2.10 -j DROP'
	st=$?
	nl_in a iptables-legacy -t raw -F PREROUTING >/dev/null 2>&1
	nl_in a ipset destroy >/dev/null 2>&1
	if [ "$st" -eq 0 ]; then say "$p" available
	elif grep -qE 'Bad argument|Unknown arg|Syntax error|unknown option' "$T/out"; then
		say "$p" "harness broken (our rules are rejected: $(tail_out 2))"
	else say "$p" "refused by the kernel ($(tail_out 1)$(sim_note "$p"))"
	fi
}

probe_dnsperf()
{
	local p=dnsperf st
	installed "$p" dnsperf dnsperf || return
	run $p 1 "Error: socket: Operation not permitted" \
		nl_in a timeout 20 dnsperf -s 10.78.0.1 -d "$T/queries.txt" -l 1 -Q 50 -t 1
	st=$?
	if [ "$st" -eq 0 ] && grep -q 'Queries sent:' "$T/out"; then say "$p" available
	elif grep -qE '^Usage|invalid argument' "$T/out"; then
		say "$p" "harness broken (dnsperf rejects our options: $(tail_out 2))"
	else say "$p" "refused by the machine (dnsperf exit $st: $(tail_out 1)$(sim_note "$p"))"
	fi
}

# answers SERVER_ADDR: kdig gets probe.test's A record from it (3 tries)
answers()
{

	for _ in 1 2 3 4 5 6; do
		[ "$(nl_in a timeout 5 kdig +time=1 +retry=0 +short "@$1" probe.test A 2>/dev/null)" = 192.0.2.1 ] &&
			return 0
		sleep 0.3
	done
	return 1
}

probe_nsd()
{
	local p=nsd st
	installed "$p" nsd nsd || return
	installed "$p" kdig knot-dnsutils || return
	# nl_nsd: config (nsd-checkconf), start under timeout, wait for its socket
	run $p 1 "[probe] nsd[1]: error: can't bind udp socket: Operation not permitted" \
		nl_nsd a probe 10.78.0.1 probe.test="$T/probe.test.zone"
	st=$?
	if [ "$st" -eq 0 ] && answers 10.78.0.1; then say "$p" available
	elif grep -q 'nsd-checkconf' "$T/out"; then
		say "$p" "harness broken (our NSD config is rejected: $(tail_out 2))"
	elif [ "$st" -eq 0 ]; then
		say "$p" "refused by the machine (NSD listens but does not answer: $(tail -n 1 "$T/nsd-probe/nsd.log" 2>/dev/null))"
	else say "$p" "refused by the machine ($(tail_out 1)$(sim_note "$p"))"
	fi
}

probe_knot()
{
	local p=knot st d=$T/knot
	installed "$p" knotd knot || return
	installed "$p" kdig knot-dnsutils || return
	mkdir -p "$d/db"
	cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    pidfile: "$d/knot.pid"
    listen: 10.78.0.2@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$d/db"
log:
  - target: "$d/knot.log"
    any: info
template:
  - id: default
    storage: "$d"
    semantic-checks: off
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: probe.test
    file: "$T/probe.test.zone"
EOF
	if ! knotc -c "$d/knot.conf" conf-check >"$T/out" 2>&1; then
		say "$p" "harness broken (our Knot config is rejected: $(tail_out 2))"
		return
	fi
	ip netns exec "$(nl_ns a)" timeout "$NL_LISTEN_SECS" knotd -c "$d/knot.conf" \
		</dev/null >>"$d/knot.log" 2>&1 &
	NL_PIDS+=($!)
	run $p 1 "error: cannot bind address '10.78.0.2@53' (Operation not permitted)" \
		nl_wait_udp a 10.78.0.2 53
	st=$?
	if [ "$st" -eq 0 ] && answers 10.78.0.2; then say "$p" available
	elif [ "$st" -eq 0 ]; then
		say "$p" "refused by the machine (Knot listens but does not answer: $(tail -n 1 "$d/knot.log"))"
	elif simulated "$p"; then say "$p" "refused by the machine ($(tail_out 1)$(sim_note "$p"))"
	else say "$p" "refused by the machine (Knot does not listen: $(grep -m 1 -iE 'error' "$d/knot.log" || tail -n 1 "$d/knot.log"))"
	fi
}

for p in "${peers[@]}"; do
	if ! declare -F "probe_$p" >/dev/null; then
		say "$p" "harness broken (no such peer; peers: $PR_PEERS_ALL)"
		continue
	fi
	"probe_$p"
done
finish
