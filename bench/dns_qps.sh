#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# DNS benchmark: answered queries per second of the enforcer's in-kernel DNS
# path against NSD and Knot serving the same zone on the same topology, and
# the per-query cost in BPF_PROG_TEST_RUN (.output/bench_dns).
#
#   bench/dns_qps.sh [--smoke] [--seconds S] [--runs R] [--names N] [--no-pin] OUTDIR
#
#   cli 10.79.0.5/24 (eth0) ---- p-cli 10.79.0.1/24  node
#                                          lo: 10.96.0.10  the enforcer's resolver address
#                                              10.96.0.11  NSD  (rrl-ratelimit: 0, server-count 2)
#                                              10.96.0.12  Knot (no rrl module, 2 UDP workers)
#
# The zone is `bench_dns gen --names N` (Scalingo style: an isolated private
# network, short `s<k>.internal` names and 110-character
# `1.s<k>.ap-....pn-....private-network.internal` ones), applied with
# `enforcer apply` and exported with `enforcer zone export` for NSD and Knot
# (the view of the client's network). The query file holds every A name of
# the exported zone. Per run and server, each generator runs S seconds:
#
#   dnsperf   UDP sockets from the client namespace (-l S, 2 threads, 2
#             clients, 256 outstanding, 1 s timeout); answered qps =
#             "Queries completed" / S, lost = "Queries lost"
#   dnsperf-xp  dnsperf as above, with a pass-through XDP program
#             (.output/xdp_pass.bpf.o) on the client's eth0 for every
#             server: the setting in which answers sent in XDP reach it
#   kxdpgun   AF_XDP on the client's eth0 (-t S, -Q target rate, its own
#             XDP program on eth0 receives the answers); answered qps =
#             replies / S
#
# Servers: the enforcer answering in TC (`enforcer`), the enforcer answering
# in XDP (`enforcer-xdp`, p-cli's entry of enf_dns_xdp written with bpftool:
# what `attach --dns-xdp` writes; only with dnsperf-xp and kxdpgun, whose
# end of the veth takes XDP_TX frames), NSD, Knot.
#
# Every run is done in two CPU modes (only `free` with --no-pin or fewer than
# 2 CPUs). pin: the generator runs on CPU 0 (taskset; kxdpgun -F 0), NSD and
# Knot on CPU 1 (taskset -a -p), and RPS on p-cli and eth0 moves the kernel's
# receive path there too, so the enforcer's TC program, NSD's and Knot's
# sockets and the replies' delivery all run on CPU 1: each server gets one
# CPU, the generator the other. (The enforcer's XDP program still runs on
# CPU 0, in the veth's NAPI before RPS.) free: no pinning, no RPS.
#
# During every dnsperf run, tcpdump samples the first 2000 replies on the
# client's eth0; each must parse (dnspython), be NOERROR + AA and carry
# exactly its name's A RRset from the zone file (check_replies).
#
# The enforcer is attached to p-cli (XDP + TC DNS) only for its own runs and
# detached for NSD's and Knot's, which also use other addresses, so it can
# neither answer for them nor tax them. Its answer counter (`enforcer status
# --json` .dns.answer) must grow by at least the answers a generator counted
# during an enforcer run, and by nothing during an NSD or Knot run.
#
# Output in OUTDIR: dns_qps.csv (every run), dns_cost.csv (bench_dns run),
# dns.md (medians, ratios, goal, method and limits), dns_qps.png,
# dns_cost.png, logs/ (each generator's output, status --json at the end).
# --smoke: one 1-second run per server, generator and CPU mode at the
# smallest zone, then bench_dns smoke; every check above, no report (~40 s);
# ends "N passed, N failed, N skipped".
#
# Peers (bench/probe.sh, or its verdicts in $BENCH_PEERS from bench/run.sh):
# a generator (dnsperf, kxdpgun) or a server (NSD, Knot) that the kernel or
# the machine refuses is not run: each run it would have done counts as
# skipped with the reason, and dns.md says "not measured: REASON" in its
# place. The enforcer's own checks (kdig answers, bench_dns) always run.
#
# Safety: namespaces enf-dnsq-$$-*, NSD's and Knot's config, zone, pid and
# database files under a mktemp dir, a private bpffs there; every server
# and generator runs under `timeout` and is killed by PID. The EXIT trap
# removes all of it, also on failure and ^C. Nothing touches the machine's
# own interfaces, /etc/nsd, /etc/knot or /sys/fs/bpf.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/scripts/netns-lib.sh"

BIN=${OUTPUT:-$ROOT/.output}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
ENFORCER=$BIN/enforcer
BENCH_DNS=$BIN/bench_dns
smoke=0 seconds=4 runs=3 names=1000 outdir= pin=1
KXDP_QPS=${KXDP_QPS:-2000000}	# kxdpgun's target rate: above what anything here answers
KXDP_BATCH=${KXDP_BATCH:-10}	# kxdpgun -b
QUEUES=${QUEUES:-1}		# veth queues: kxdpgun's AF_XDP socket sits on queue 0 only
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	--seconds) seconds=$2; shift ;;
	--runs) runs=$2; shift ;;
	--names) names=$2; shift ;;
	--no-pin) pin=0 ;;
	-h | --help) sed -n '4,9p' "$0" >&2; exit 2 ;;
	*) outdir=$1 ;;
	esac
	shift
done
if [ "$smoke" = 1 ]; then
	seconds=1 runs=1 names=10
fi

# shellcheck source=bench/peers.sh
. "$ROOT/bench/peers.sh"

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL dns_qps: $*" >&2; }
sk() { skip=$((skip + 1)); echo "SKIP dns_qps: $*" >&2; }
finish()
{
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	echo "dns_qps: needs root (network namespaces, XDP, bpffs)" >&2
	ko "not root"
	finish
fi
for t in "$ENFORCER" "$BENCH_DNS"; do
	[ -x "$t" ] || { ko "$t missing (make $t)"; finish; }
done
# the enforcer's own checks need these; the peers (dnsperf, kxdpgun, NSD,
# Knot) are probed below
for t in kdig:knot-dnsutils jq:jq gnuplot:gnuplot-nox; do
	command -v "${t%%:*}" >/dev/null 2>&1 || { ko "${t%%:*} missing (Debian package ${t#*:})"; finish; }
done

# bound on the servers' lives: 2 modes x 6 runs of (S + overhead) per round
NL_LISTEN_SECS=$((runs * 12 * (seconds + 8) + 300))
# cleanup runs once, whatever signal comes next
nl_on_exit nl_cleanup
nl_init enf-dnsq || { ko "cannot create a temp dir"; finish; }
[ -n "$outdir" ] || outdir=$NL_TMP/out
mkdir -p "$outdir/logs" || { ko "cannot create $outdir"; finish; }
T=$NL_TMP

# The peers: available ones run; a refused one is skipped with its reason;
# one whose harness broke is a failure (once) and does not run.
peers_init "$T/peers" dnsperf kxdpgun nsd knot || ko "bench/probe.sh did not give a verdict"
cp "$T/peers" "$outdir/dns_peers.txt"
for p in dnsperf kxdpgun nsd knot; do
	[ "$(peer_state "$p")" = broken ] && ko "peer $p: $(peer_why "$p")"
done
servers=enforcer
for p in nsd knot; do [ "$(peer_state "$p")" = available ] && servers="$servers $p"; done
# not_measured TOOL SERVER: why that pair does not run (empty: it does)
not_measured()
{
	local p
	for p in "$1" "$2"; do
		{ [ -z "$p" ] || [[ "$p" == enforcer* ]]; } && continue
		[ "$(peer_state "$p")" = available ] || { echo "peer $p: $(peer_why "$p")"; return; }
	done
}

RES=10.96.0.10 NSD_ADDR=10.96.0.11 KNOT_ADDR=10.96.0.12
CLI4=10.79.0.5 GW4=10.79.0.1

# ---- topology, zone, servers ----------------------------------------------

enf() { nl_in node "$ENFORCER" --pin-dir "$NL_PIN" "$@"; }

{
	nl_mount_bpffs &&
	nl_netns_add node && nl_netns_add cli &&
	ip -n "$(nl_ns node)" link add p-cli numtxqueues "$QUEUES" numrxqueues "$QUEUES" type veth \
		peer name eth0 netns "$(nl_ns cli)" numtxqueues "$QUEUES" numrxqueues "$QUEUES" &&
	nl_in node ip addr add "$GW4/24" dev p-cli && nl_in cli ip addr add "$CLI4/24" dev eth0 &&
	nl_in node ip link set p-cli up && nl_in cli ip link set eth0 up &&
	nl_in cli ip route add default via "$GW4" &&
	nl_lo_addr node "$RES/32" "$NSD_ADDR/32" "$KNOT_ADDR/32"
} || { ko "cannot build the topology"; finish; }

"$BENCH_DNS" gen --names "$names" >"$T/m.yml" &&
	enf apply -f "$T/m.yml" >"$T/apply.out" 2>&1 &&
	enf zone export -f "$T/m.yml" --dir "$T/zones" >/dev/null 2>"$T/export.err" ||
	{ cat "$T/apply.out" "$T/export.err" >&2; ko "apply or zone export"; finish; }
view=$(sed -n 's/^networks:$//; s/^  \(pn-[^:]*\):$/\1/p' "$T/m.yml" | head -n 1)
zfiles=("$T/zones/$view"/*.zone)
[ -r "${zfiles[0]}" ] || { ko "no zone files in $T/zones/$view"; finish; }

# every A owner of the exported view, absolute
for z in "${zfiles[@]}"; do
	awk '$1 == "$ORIGIN" { o = $2 } $3 == "A" && $2 == "IN" {
		print ($1 == "@" ? o : $1 "." o) " A" }' "$z"
done | sort -u >"$T/queries.txt"
nq=$(wc -l <"$T/queries.txt")
[ "$nq" -gt 0 ] || { ko "no A names in the zone"; finish; }
long_share=$(awk -v n="$nq" 'length($1) > 100 { l++ } END { printf "%.2f", l / n }' "$T/queries.txt")
sample_short=$(awk '$1 ~ /^s[0-9]+\.internal\.$/ { print $1; exit }' "$T/queries.txt")
sample_long=$(awk 'length($1) > 100 { print $1; exit }' "$T/queries.txt")

# NSD: every file in $T/nsd; two server processes (one per CPU) on one
# SO_REUSEPORT address; no response rate limiting.
mkdir -p "$T/nsd"
{
	cat <<EOF
server:
	ip-address: $NSD_ADDR
	port: 53
	server-count: 2
	reuseport: yes
	username: ""
	chroot: ""
	zonesdir: "$T/nsd"
	database: ""
	zonelistfile: "$T/nsd/zone.list"
	xfrdfile: "$T/nsd/xfrd.state"
	xfrdir: "$T/nsd"
	pidfile: "$T/nsd/nsd.pid"
	logfile: "$T/nsd/nsd.log"
	verbosity: 0
	hide-version: yes
	minimal-responses: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
EOF
	for z in "${zfiles[@]}"; do
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$(basename "$z" .zone)" "$z"
	done
} >"$T/nsd/nsd.conf"
# Knot: every file in $T/knot; rate limiting is the rrl module, not loaded.
mkdir -p "$T/knot/db"
{
	cat <<EOF
server:
    rundir: "$T/knot"
    pidfile: "$T/knot/knot.pid"
    listen: $KNOT_ADDR@53
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$T/knot/db"
log:
  - target: "$T/knot/knot.log"
    any: warning
template:
  - id: default
    storage: "$T/knot"
    semantic-checks: off
    journal-content: none
    zonefile-sync: -1
zone:
EOF
	for z in "${zfiles[@]}"; do
		printf '  - domain: "%s"\n    file: "%s"\n' "$(basename "$z" .zone)" "$z"
	done
} >"$T/knot/knot.conf"

modes="pin free"
[ "$pin" = 0 ] && modes=free
[ "$(nproc)" -ge 2 ] || modes=free

# set_mode pin|free: where the generator, the servers and the receive path run
set_mode()
{
	local rps=0 cpus=0-$(($(nproc) - 1)) p
	GEN_CPU= KXDP_CPU=()
	if [ "$1" = pin ]; then
		rps=2 cpus=1 GEN_CPU="taskset -c 0" KXDP_CPU=(-F 0)
	fi
	# RPS: the receive path of both veth ends on CPU 1 (mask 2), or off
	nl_in node sh -c "echo $rps >/sys/class/net/p-cli/queues/rx-0/rps_cpus" &&
		nl_in cli sh -c "echo $rps >/sys/class/net/eth0/queues/rx-0/rps_cpus" || return 1
	for p in $(pgrep -f -- "$T/nsd/nsd.conf") $(pgrep -f -- "$T/knot/knot.conf"); do
		taskset -a -p -c "$cpus" "$p" >/dev/null || return 1
	done
}

if [[ " $servers " == *" nsd "* ]]; then
	if ! nsd-checkconf "$T/nsd/nsd.conf" >"$T/nsd/check.out" 2>&1; then
		cat "$T/nsd/check.out" >&2
		ko "nsd-checkconf"
		finish
	fi
	ip netns exec "$(nl_ns node)" timeout "$NL_LISTEN_SECS" \
		nsd -d -c "$T/nsd/nsd.conf" </dev/null >>"$T/nsd/nsd.log" 2>&1 &
	NL_PIDS+=($!)
	nl_wait_udp node "$NSD_ADDR" 53 || { cat "$T/nsd/nsd.log" >&2; ko "NSD did not start"; finish; }
fi
if [[ " $servers " == *" knot "* ]]; then
	if ! knotc -c "$T/knot/knot.conf" conf-check >"$T/knot/check.out" 2>&1; then
		cat "$T/knot/check.out" >&2
		ko "knotc conf-check"
		finish
	fi
	ip netns exec "$(nl_ns node)" timeout "$NL_LISTEN_SECS" \
		knotd -c "$T/knot/knot.conf" </dev/null >>"$T/knot/knot.log" 2>&1 &
	NL_PIDS+=($!)
	nl_wait_udp node "$KNOT_ADDR" 53 || { cat "$T/knot/knot.log" >&2; ko "Knot did not start"; finish; }
fi

answers() { jq -r '.dns.answer // empty' <<<"$(enf status --json 2>/dev/null)"; }
# dns_other: every DNS counter but answer, passed and not_query (what is no
# query to a resolver: ARP, NDP, ...), summed (must not move
# under load: NXDOMAIN, NODATA, errors, ... would mean wrong answers)
dns_other()
{
	jq -r '[.dns | to_entries[] |
		select(.key != "answer" and .key != "passed" and .key != "not_query") |
		.value | numbers] | add // 0' <<<"$(enf status --json 2>/dev/null)"
}
attach() { enf attach p-cli >"$T/attach.out" 2>&1 || { cat "$T/attach.out" >&2; return 1; }; }
detach() { enf detach p-cli >/dev/null 2>&1; }
# attach_xdp: attached, and p-cli's queries answered in XDP. `attach
# --dns-xdp` would refuse: kxdpgun's XDP program, which takes the XDP_TX
# frames on the client's end, comes only with each run. So the entry of
# enf_dns_xdp that --dns-xdp writes is written here (bpftool, our pin dir).
attach_xdp()
{
	local ifindex
	attach || return 1
	ifindex=$(nl_in node cat /sys/class/net/p-cli/ifindex) || return 1
	bpftool map update pinned "$NL_PIN/enf_dns_xdp" key $(le32 "$ifindex") value 1 0 0 0
}
# le32 N: N as four little-endian bytes for bpftool
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# xdp_answers: replies sent in XDP (status --json .dns_xdp.answered)
xdp_answers() { jq -r '.dns_xdp.answered // 0' <<<"$(enf status --json 2>/dev/null)"; }

# kq SERVER NAME: the A records kdig gets (sorted, one line), bounded.
kq()
{
	nl_in cli timeout 5 kdig +time=2 +retry=0 +norec +short "@$1" "$2" A 2>/dev/null |
		sort | tr '\n' ' '
}

# ---- the three servers give the same answers ------------------------------

attach || { ko "attach"; finish; }
for n in "$sample_short" "$sample_long"; do
	want=$(awk -v n="$n" '$1 == "$ORIGIN" { o = $2 } $3 == "A" {
		if (($1 == "@" ? o : $1 "." o) == n) print $4 }' "${zfiles[@]}" | sort | tr '\n' ' ')
	a0=$(answers)
	got=$(kq "$RES" "$n")
	a1=$(answers)
	if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$((a1 - a0))" -eq 1 ]; then ok; else
		ko "enforcer: $n A = [$got] (answer counter +$((a1 - a0))), want [$want] and +1"
	fi
done
detach
for s in "NSD $NSD_ADDR" "Knot $KNOT_ADDR"; do
	sv=$(tr '[:upper:]' '[:lower:]' <<<"${s% *}")
	if [[ " $servers " != *" $sv "* ]]; then
		[ "$(peer_state "$sv")" = broken ] || sk "${s% *} answers not checked: $(not_measured "" "$sv")"
		continue
	fi
	for n in "$sample_short" "$sample_long"; do
		want=$(awk -v n="$n" '$1 == "$ORIGIN" { o = $2 } $3 == "A" {
			if (($1 == "@" ? o : $1 "." o) == n) print $4 }' "${zfiles[@]}" | sort | tr '\n' ' ')
		# NSD and Knot load their zones after binding their sockets
		# (Knot asynchronously, one zone at a time): a few tries
		for _ in 1 2 3 4 5 6; do
			got=$(kq "${s#* }" "$n")
			[ "$got" = "$want" ] && break
			sleep 0.5
		done
		if [ -n "$want" ] && [ "$got" = "$want" ]; then ok; else
			ko "${s% *}: $n A = [$got], want [$want]"
		fi
	done
done

# ---- load ---------------------------------------------------------------

cli_mac=$(nl_in cli cat /sys/class/net/eth0/address)
gw_mac=$(nl_in node cat /sys/class/net/p-cli/address)

# run_dnsperf ADDR LOG: prints "answered_qps lost noerror_pct"
run_dnsperf()
{
	nl_in cli timeout $((seconds + 15)) $GEN_CPU dnsperf -s "$1" -d "$T/queries.txt" -l "$seconds" \
		-T 2 -c 2 -q 256 -t 1 >"$2" 2>&1
	awk -v s="$seconds" '
		/Queries completed:/ { c = $3 } /Queries lost:/ { l = $3 }
		/Run time \(s\):/ { t = $4 }
		/NOERROR/ { for (i = 1; i <= NF; i++) if ($i == "NOERROR") { p = $(i + 2); gsub(/[()%]/, "", p) } }
		END { if (t == "") t = s; printf "%.0f %d %s\n", c / t, l, (p == "" ? 0 : p) }' "$2"
}

# run_dnsperf-xp ADDR LOG: dnsperf as above, the client's eth0 running an
# XDP program that passes everything (xdp_pass.bpf.o) for every server: a
# veth hands XDP_TX frames only to a peer with one, so this is the setting
# in which answers in XDP reach a socket client, the same for all servers
run_dnsperf-xp() { run_dnsperf "$@"; }
# xp_off: no XDP program on the client's eth0, in any mode: kxdpgun may
# leave its own behind when its timeout ends it (seen where this kernel
# build lets kxdpgun run), and the next xp_on would then be refused
xp_off()
{
	local m
	for m in xdpdrv xdpgeneric xdp; do
		nl_in cli ip link set dev eth0 "$m" off 2>/dev/null
	done
	return 0
}
xp_on() { xp_off; nl_in cli ip link set dev eth0 xdpdrv obj "$XDP_PASS_OBJ" sec xdp; }
XDP_PASS_OBJ=$ROOT/.output/xdp_pass.bpf.o

# run_kxdpgun ADDR LOG: prints "answered_qps lost noerror_pct" (lost = sent - replies)
run_kxdpgun()
{
	nl_in cli timeout $((seconds + 15)) kxdpgun "${KXDP_CPU[@]}" -t "$seconds" -Q "$KXDP_QPS" -b "$KXDP_BATCH" -i "$T/queries.txt" \
		-I eth0 -l "$CLI4" -L "$cli_mac" -R "$gw_mac" "$1" >"$2" 2>&1
	awk -v s="$seconds" '
		/^total queries:/ { q = $3 } /^total replies:/ { r = $3 }
		/^responded NOERROR:/ { n = $3 }
		END { if (q == "" || r == "") { print "0 0 0"; exit }
		      printf "%.0f %d %.2f\n", r / s, q - r, (r > 0 ? 100 * n / r : 0) }' "$2"
}

# cpu_ticks CONF: user + system clock ticks of every process whose command
# line holds CONF (our unique config path: NSD's forked servers and xfrd,
# knotd with all its threads). Read-only: nothing is signalled by pattern.
cpu_ticks()
{
	local t=0 p v
	for p in $(pgrep -f -- "$1"); do
		# after the last ')' (comm may hold spaces: "nsd: server 1"),
		# utime and stime are fields 12 and 13
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') &&
			[ -n "$v" ] && t=$((t + v))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# backlog_drops: packets the kernel dropped for a full per-CPU backlog (RPS
# target queue), all CPUs (/proc/net/softnet_stat column 2, hex; machine-wide)
backlog_drops()
{
	local t=0 d
	for d in $(awk '{ print $2 }' /proc/net/softnet_stat); do
		t=$((t + 16#$d))
	done
	echo "$t"
}

# cpu_jiffies N: "busy total" jiffies of CPU N since boot (/proc/stat;
# machine-wide: other work on the machine counts too)
cpu_jiffies()
{
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i
		print t - $5 - $6, t }' /proc/stat
}

# check_replies PCAP SERVER_ADDR: every DNS reply in PCAP (from SERVER_ADDR,
# captured on the client's eth0 under load) parses strictly (dnspython),
# is NOERROR + AA, echoes its question, and carries exactly the A RRset of
# the zone files for its name. Prints "checked N wrong M" and the first
# wrong ones; exit status non-zero when M > 0 or nothing was checked.
check_replies()
{
	"$NL_PY" - "$1" "$2" "${zfiles[@]}" <<'PY'
import struct, sys
import dns.message, dns.rcode, dns.flags, dns.rdatatype
pcap, server, zones = sys.argv[1], sys.argv[2], sys.argv[3:]
want = {}
for z in zones:
    origin = ""
    for line in open(z):
        f = line.split()
        if len(f) >= 2 and f[0] == "$ORIGIN":
            origin = f[1]
        elif len(f) >= 4 and f[1] == "IN" and f[2] == "A":
            name = origin if f[0] == "@" else f[0] + "." + origin
            want.setdefault(name.lower(), set()).add(f[3])
data = open(pcap, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
off, n, bad = 24, 0, []
srv = bytes(int(x) for x in server.split("."))
while off + 16 <= len(data):
    incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(pkt) < 42 or pkt[12:14] != b"\x08\x00" or pkt[23] != 17 or pkt[26:30] != srv:
        continue
    ihl = (pkt[14] & 15) * 4
    msg = pkt[14 + ihl + 8:]
    n += 1
    try:
        m = dns.message.from_wire(msg)
        q = m.question[0]
        name = q.name.to_text().lower()
        got = set()
        for rrset in m.answer:
            if rrset.rdtype != dns.rdatatype.A or rrset.name != q.name or rrset.ttl != 5:
                raise ValueError("unexpected answer RRset %s" % rrset)
            got |= {r.address for r in rrset}
        if m.rcode() != dns.rcode.NOERROR or not m.flags & dns.flags.AA or not m.flags & dns.flags.QR:
            raise ValueError("rcode %s flags %s" % (dns.rcode.to_text(m.rcode()), dns.flags.to_text(m.flags)))
        if got != want.get(name):
            raise ValueError("%s: got %s, want %s" % (name, sorted(got), sorted(want.get(name, []))))
    except Exception as e:
        bad.append(str(e))
print("checked %d wrong %d" % (n, len(bad)))
for b in bad[:5]:
    print("  " + b)
sys.exit(1 if bad or not n else 0)
PY
}
have_dnspython=0
"$NL_PY" -c 'import dns.message' 2>/dev/null && have_dnspython=1
[ "$have_dnspython" = 1 ] || echo "dns_qps: python3-dnspython missing: replies under load are not checked" >&2

echo "run,tool,server,seconds,answered_qps,lost,noerror_pct,enforcer_answers,server_cpu_s,answers_per_cpu_s,cpu0_busy_pct,cpu1_busy_pct,backlog_drops,mode" >"$outdir/dns_qps.csv"
kxdp_ok=1
for mode in $modes; do
set_mode "$mode" || { ko "cannot set CPU mode $mode"; continue; }
for ((r = 1; r <= runs; r++)); do
	for tool in dnsperf dnsperf-xp kxdpgun; do
		[ "$tool" = kxdpgun ] && [ "$kxdp_ok" = 0 ] && continue
		if [ "$tool" = dnsperf-xp ]; then
			[ "$(peer_state dnsperf)" = available ] || continue
			xp_on || { ko "cannot put xdp_pass on the client's eth0"; continue; }
		fi
		for srv in enforcer enforcer-xdp nsd knot; do
			# answers in XDP reach a client whose end runs an XDP
			# program: kxdpgun's does; dnsperf's sockets have none
			[ "$srv" = enforcer-xdp ] && [ "$tool" = dnsperf ] && continue
			why=$(not_measured "${tool%-xp}" "$srv")
			if [ -n "$why" ]; then
				# a broken peer failed above, once; a refused one is skipped
				[[ "$why" == *"harness broken"* ]] || sk "$mode run $r $tool $srv not measured: $why"
				continue
			fi
			case $srv in
			enforcer | enforcer-xdp) addr=$RES ;;
			nsd) addr=$NSD_ADDR ;;
			knot) addr=$KNOT_ADDR ;;
			esac
			if [ "$srv" = enforcer ]; then attach || { ko "attach"; continue; }; fi
			if [ "$srv" = enforcer-xdp ]; then attach_xdp || { ko "attach (XDP answers)"; detach; continue; }; fi
			x0=$(xdp_answers)
			log=$outdir/logs/$mode-$tool-$srv-$r.log
			conf=
			[ "$srv" = nsd ] && conf=$T/nsd/nsd.conf
			[ "$srv" = knot ] && conf=$T/knot/knot.conf
			c0=0 c1=0
			[ -n "$conf" ] && c0=$(cpu_ticks "$conf")
			a0=$(answers) o0=$(dns_other)
			read -r b00 t00 < <(cpu_jiffies 0)
			read -r b10 t10 < <(cpu_jiffies 1)
			d0=$(backlog_drops)
			cap_pid=
			if [ "$have_dnspython" = 1 ] && [ "${tool%-xp}" = dnsperf ]; then
				# a sample of the replies under load: the first 2000
				rm -f "$T/cap.pcap"
				ip netns exec "$(nl_ns cli)" timeout $((seconds + 5)) tcpdump -Z root -i eth0 -p -n -q \
					-c 2000 -w "$T/cap.pcap" "udp and src host $addr and src port 53" \
					>/dev/null 2>&1 &
				cap_pid=$!
				NL_PIDS+=("$cap_pid")
				sleep 0.5	# tcpdump needs a moment to open its socket
			fi
			read -r qps lost pct < <("run_$tool" "$addr" "$log")
			read -r b01 t01 < <(cpu_jiffies 0)
			read -r b11 t11 < <(cpu_jiffies 1)
			dd=$(($(backlog_drops) - d0))
			a1=$(answers) o1=$(dns_other)
			busy0=$(awk -v b=$((b01 - b00)) -v t=$((t01 - t00)) 'BEGIN { if (t > 0) printf "%.0f", 100 * b / t }')
			busy1=$(awk -v b=$((b11 - b10)) -v t=$((t11 - t10)) 'BEGIN { if (t > 0) printf "%.0f", 100 * b / t }')
			[ -n "$conf" ] && c1=$(cpu_ticks "$conf")
			x1=$(xdp_answers)
			[[ "$srv" == enforcer* ]] && detach
			da=$((a1 - a0))
			cpu= per=
			if [ -n "$conf" ]; then
				cpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
				per=$(awk -v q="$qps" -v s="$seconds" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", q * s / c }')
			fi
			echo "$r,$tool,$srv,$seconds,$qps,$lost,$pct,$da,$cpu,$per,$busy0,$busy1,$dd,$mode" >>"$outdir/dns_qps.csv"
			echo "# $mode run $r $tool $srv: $qps answered/s, $lost lost, NOERROR $pct %, enforcer answers +$da${cpu:+, server CPU $cpu s}, CPU0/1 busy $busy0/$busy1 %, backlog drops $dd" >&2
			if [ "${qps:-0}" -gt 0 ]; then ok; else
				ko "$tool $srv run $r: nothing answered ($(tail -n 3 "$log" | tr '\n' ' '))"
				[ "$tool" = kxdpgun ] && [ "$srv" = enforcer ] && kxdp_ok=0
				continue
			fi
			# every query names an A record: anything but NOERROR is a wrong answer
			if awk -v p="$pct" 'BEGIN { exit !(p >= 99.99) }'; then ok; else
				ko "$tool $srv run $r: only $pct % NOERROR"
			fi
			if [ -n "$cap_pid" ]; then
				wait "$cap_pid" 2>/dev/null
				if out=$(check_replies "$T/cap.pcap" "$addr" 2>&1); then ok; else
					ko "$tool $srv run $r: replies under load: $out"
				fi
				echo "# $mode run $r $tool $srv: replies under load: ${out%%$'\n'*}" >&2
			fi
			if [ "$o1" = "$o0" ]; then ok; else
				ko "$tool $srv run $r: enforcer counters other than answer moved by $((o1 - o0))"
			fi
			if [[ "$srv" == enforcer* ]]; then
				if [ "$da" -ge $((qps * seconds * 99 / 100)) ]; then ok; else
					ko "$tool $srv run $r: answer counter +$da < answers seen ($qps/s x $seconds s)"
				fi
				# in XDP: every answer sent there; in TC: none
				if { [ "$srv" = enforcer-xdp ] && [ $((x1 - x0)) -eq "$da" ]; } ||
					{ [ "$srv" = enforcer ] && [ "$x1" = "$x0" ]; }; then ok; else
					ko "$tool $srv run $r: $((x1 - x0)) of $da answers sent in XDP"
				fi
			elif [ "$da" -eq 0 ]; then ok; else
				ko "$tool $srv run $r: the enforcer answered $da of its queries"
			fi
		done
		[ "$tool" != dnsperf ] && xp_off	# kxdpgun's program too
	done
done
done

enf status --json >"$outdir/logs/status.json" 2>&1

if [ "$smoke" = 1 ]; then
	line=$(timeout 60 "$BENCH_DNS" smoke 2>&1 | tee /dev/stderr | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -n "$line" ]; then
		pass=$((pass + ${line%% passed*}))
		line=${line#* passed, }
		fail=$((fail + ${line%% failed*}))
	else
		ko "bench_dns smoke"
	fi
	finish
fi

# ---- per-query cost, then the report --------------------------------------

echo "# bench_dns run (per-query cost, BPF_PROG_TEST_RUN)" >&2
if timeout 600 "$BENCH_DNS" run --runs 5 --repeat 1000000 >"$outdir/dns_cost.csv" 2>"$T/cost.err"; then
	ok
else
	cat "$T/cost.err" >&2
	ko "bench_dns run"
fi
cat "$T/cost.err" >&2
"$ROOT/bench/dns_report.sh" "$outdir" "$names" "$nq" "$long_share" >"$outdir/dns.md" || ko "dns_report.sh"
[ "$skip" -gt 0 ] && echo "# not measured: $skip runs (see the SKIP lines and dns.md)" >&2
echo "# wrote $outdir/dns.md" >&2
finish
