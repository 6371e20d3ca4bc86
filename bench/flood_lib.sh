# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# bench/flood_lib.sh: what bench/flood.sh and bench/reload_flood.sh share.
# Source it after scripts/netns-lib.sh:
#
#	fl_setup enf-flood		# topology, service pod, listener, manifests
#	trap fl_cleanup EXIT
#	fl_flood_cfg udp|syn|mix	# trafgen config file for a flood kind
#	fl_filter_on MODE / fl_filter_off MODE / fl_dropped MODE
#
# Topology (scripts/netns-lib.sh, every name carries the PID):
#
#   inet (flood sender, trafgen)  eth0 203.0.113.7 ---- n-inet  node (router)
#   priv (legitimate client)      eth0 10.0.9.9    ---- n-priv  node
#   svc  (internal service)       eth0 10.0.2.10   ---- p-svc   node   :4000 udp+tcp
#   web  (public service)         eth0 10.0.1.10   ---- p-web   node   (not flooded)
#
# The flood is IPv4 UDP or TCP SYN from public sources (203.0.113.10-250 and
# 198.51.100.10-250, changing source ports) at the internal instance
# 10.0.2.10:4000. The same policy exists in four forms, installed only in the
# node namespace: the enforcer (native XDP on n-inet and n-priv), nftables
# (inet table, prerouting priority raw, interval sets), nftables netdev
# ingress on n-inet (same sets), iptables-legacy + ipset (raw PREROUTING,
# hash:net / hash:ip,port sets).
#
# Safety (contract section 8): everything lives in our namespaces and our
# private bpffs (see scripts/netns-lib.sh); every generator and client runs
# under `timeout` with a bounded count; PIDs are recorded and killed by PID.

FL_SVC4=10.0.2.10		# the internal service's instance (flood target)
FL_WEB4=10.0.1.10		# a public service (policy only)
FL_PORT=4000
FL_IPT=iptables-legacy		# classic xtables; `iptables` is the nft backend here
# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/netns-lib.sh"

# the enforcer binary (absolute), from $OUTPUT as make passes it
FL_ENF=${FL_ENF:-$(nl_enforcer_path "${OUTPUT:+$OUTPUT/enforcer}")}
NL_LISTEN_SECS=${FL_LISTEN_SECS:-1200}	# listener lifetime: longer than any full run
FL_LISTENER_STATS=		# JSON written by the listener every 0.2 s
FL_LISTENER_PID=		# the listener's Python process (not `timeout`)

# fl_harness NAME: the scripts' verdict counting (ok, ko NAME: why, sk
# NAME: why for a measurement skipped because a benchmark peer is refused,
# finish: the "N passed, N failed, N skipped" line and the exit status), the
# root check (failing with that line, not skipping: the benchmarks need
# root to mean anything) and the tools every flood needs.
FL_NAME=${FL_NAME:-flood_lib}
fl_harness()
{
	FL_NAME=$1
	pass=0 fail=0 skip=0
	if [ "$(id -u)" -ne 0 ]; then
		echo "$FL_NAME: needs root (namespaces, XDP, bpffs)" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	for t in jq "$FL_ENF"; do
		command -v "$t" >/dev/null 2>&1 || { ko "missing tool $t"; finish; }
	done
}
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $FL_NAME: $*" >&2; }
sk() { skip=$((skip + 1)); echo "SKIP $FL_NAME: $*" >&2; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit; }

# shellcheck source=bench/peers.sh
. "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

# fl_peers PEER...: the probe's verdicts on PEERs (bench/peers.sh; from
# $BENCH_PEERS when bench/run.sh probed already) into $NL_TMP/peers; a peer
# whose harness broke is a failure here (once). Call after fl_setup.
fl_peers()
{
	local p
	peers_init "$NL_TMP/peers" "$@" || ko "bench/probe.sh did not give a verdict on $*"
	for p in "$@"; do
		[ "$(peer_state "$p")" = broken ] && ko "peer $p: $(peer_why "$p")"
	done
	return 0
}

# fl_peer_ok PEER: true when the probe found PEER available
fl_peer_ok() { [ "$(peer_state "$1")" = available ]; }

# fl_not_measured PEER: "peer PEER: VERDICT" when PEER is not available
# (empty otherwise): the reason a measurement is skipped
fl_not_measured()
{
	fl_peer_ok "$1" || echo "peer $1: $(peer_why "$1")"
}

# fl_setup TAG: namespaces, pods, the listener in svc, manifests A and B.
fl_setup()
{
	nl_init "$1" || return 1
	nl_mount_bpffs || return 1
	nl_topology || return 1
	nl_pod svc "$FL_SVC4" fd00:10::2:10 || return 1
	nl_pod web "$FL_WEB4" fd00:10::1:10 || return 1
	# The routes of the public source ranges lead back to the sender, so
	# SYN-ACKs and ICMP errors of the "none" mode leave the node normally.
	nl_in node ip route add 198.51.100.0/24 via "$NL_INET4" dev "$NL_IF_INET" || return 1
	fl_listener || return 1
	fl_manifest "$NL_TMP/a.yml" 3000
	fl_manifest "$NL_TMP/b.yml" 3001
}

fl_cleanup()
{
	nl_cleanup
}

# fl_manifest FILE WEBPORT: the policy. svc (10.0.2.10) is internal; web is
# public on WEBPORT/tcp (manifests A and B differ only there).
fl_manifest()
{
	cat >"$1" <<EOF
# bench/flood_lib.sh manifest
rack: bench
private:
  - 10.0.0.0/16
  - "fd00:10::/48"
interfaces:
  - { name: $NL_IF_INET, role: public }
  - { name: $NL_IF_PRIV, role: mixed }
apps:
  shop:
    services:
      web:
        port: $2
        instances: [$FL_WEB4, "fd00:10::1:10"]
      svc:
        ports: [$FL_PORT/tcp, $FL_PORT/udp]
        internal: true
        instances: [$FL_SVC4, "fd00:10::2:10"]
EOF
}

# fl_listener: the internal service, one Python process in svc: UDP and TCP
# on [::]:4000. It counts datagrams and accepted connections by source class
# (private = 10.0.0.0/8 or fd00::/8, else public), the distinct sequence
# numbers of "REQ <seq>" datagrams, and public sources; it answers REQ
# datagrams ("OK <seq>") and TCP clients ("svc"). Stats go to a JSON file
# (atomically renamed) every 0.2 s.
fl_listener()
{
	FL_LISTENER_STATS=$NL_TMP/listener.json
	ip netns exec "$(nl_ns svc)" timeout "$NL_LISTEN_SECS" "$NL_PY" -c '
import json, os, selectors, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
def private(a):
    a = a.split("%")[0]
    if a.startswith("::ffff:"):
        a = a[7:]
    return a.startswith("10.") or a.lower().startswith("fd")
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
u.bind(("::", port)); u.setblocking(False)
t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("::", port)); t.listen(128); t.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(u, selectors.EVENT_READ); sel.register(t, selectors.EVENT_READ)
st = {"udp_pub": 0, "udp_priv": 0, "tcp_pub": 0, "tcp_priv": 0, "priv_seqs": 0, "pub_sources": {}}
seqs = set(); last = 0
def dump():
    st["priv_seqs"] = len(seqs)
    with open(out + ".tmp", "w") as f:
        json.dump(st, f)
    os.rename(out + ".tmp", out)
dump()
while True:
    for key, _ in sel.select(0.2):
        if key.fileobj is u:
            for _ in range(256):
                try:
                    data, peer = u.recvfrom(2048)
                except BlockingIOError:
                    break
                if private(peer[0]):
                    st["udp_priv"] += 1
                    if data.startswith(b"REQ "):
                        seqs.add(data[4:20])
                        try:
                            u.sendto(b"OK " + data[4:20], peer)
                        except OSError:
                            pass
                else:
                    st["udp_pub"] += 1
                    ps = st["pub_sources"]
                    if len(ps) < 64 or peer[0] in ps:
                        ps[peer[0]] = ps.get(peer[0], 0) + 1
        else:
            try:
                c, peer = t.accept()
            except BlockingIOError:
                continue
            st["tcp_priv" if private(peer[0]) else "tcp_pub"] += 1
            try:
                c.send(b"svc\n")
            except OSError:
                pass
            c.close()
    now = time.monotonic()
    if now - last >= 0.2:
        dump(); last = now
' "$FL_PORT" "$FL_LISTENER_STATS" </dev/null >/dev/null 2>"$NL_TMP/listener.err" &
	NL_PIDS+=($!)
	nl_wait_listen svc udp "$FL_PORT" && nl_wait_listen svc tcp "$FL_PORT" || return 1
	FL_LISTENER_PID=$(pgrep -P "${NL_PIDS[-1]}" -x python3 | head -n 1)
	for _ in $(seq 1 50); do [ -s "$FL_LISTENER_STATS" ] && return 0; sleep 0.1; done
	return 1
}

# fl_lstat KEY: a number from the listener's stats (after its next dump).
fl_lstat()
{
	jq -r ".$1 // 0" "$FL_LISTENER_STATS" 2>/dev/null || echo 0
}

# fl_client_start OUT SECS UDP_RATE TCP_RATE: the legitimate private client
# in priv, in the background: "REQ <seq>" datagrams at UDP_RATE/s to
# 10.0.2.10:4000 (each answered or lost after 0.5 s), and TCP connects at
# TCP_RATE/s (1 s timeout), for at most SECS; on TERM it stops at once.
# Result JSON in OUT: udp_sent, udp_ok, udp_med_ms, udp_p99_ms, tcp_tried,
# tcp_ok, tcp_med_ms. Its PID is in FL_CLIENT_PID.
FL_CLIENT_PID=
fl_client_start()
{
	rm -f "$1"
	ip netns exec "$(nl_ns priv)" timeout -k 2 $(($2 + 5)) "$NL_PY" -c '
import json, signal, socket, statistics, sys, threading, time
addr, port, out, secs, urate, trate = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
stop = threading.Event()
# Event.set() from a signal handler can deadlock against the main thread
# inside Event.wait() (same lock): the handler hands the set to a thread.
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=stop.set, daemon=True).start())
r = {"udp_sent": 0, "udp_ok": 0, "tcp_tried": 0, "tcp_ok": 0}
tlat = []
def tcp():
    nxt = time.monotonic()
    while not stop.is_set() and trate > 0:
        nxt += 1.0 / trate
        r["tcp_tried"] += 1
        t0 = time.monotonic()
        try:
            c = socket.create_connection((addr, port), timeout=1.0)
            tlat.append((time.monotonic() - t0) * 1000)
            r["tcp_ok"] += 1
            c.close()
        except OSError:
            pass
        stop.wait(max(0, nxt - time.monotonic()))
th = threading.Thread(target=tcp); th.start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((addr, port)); s.setblocking(False)
sent = {}; ulat = []; seq = 0
t_end = time.monotonic() + secs; nxt = time.monotonic()
while not stop.is_set():
    now = time.monotonic()
    if now >= t_end:
        break
    if now >= nxt and urate > 0:
        seq += 1
        try:
            s.send(b"REQ %d" % seq); sent[b"%d" % seq] = now
        except OSError:
            pass
        r["udp_sent"] += 1
        nxt += 1.0 / urate
    try:
        while True:
            d = s.recv(256)
            k = d[3:]
            if k in sent:
                ulat.append((time.monotonic() - sent.pop(k)) * 1000)
    except (BlockingIOError, ConnectionRefusedError):
        pass
    stop.wait(min(0.002, max(0, nxt - time.monotonic())))
# late answers: 0.25 s grace
t1 = time.monotonic() + 0.25
while time.monotonic() < t1 and sent:
    try:
        d = s.recv(256); k = d[3:]
        if k in sent:
            ulat.append((time.monotonic() - sent.pop(k)) * 1000)
    except (BlockingIOError, ConnectionRefusedError):
        time.sleep(0.005)
stop.set(); th.join()
r["udp_ok"] = len(ulat)
r["udp_med_ms"] = round(statistics.median(ulat), 3) if ulat else None
r["udp_p99_ms"] = round(sorted(ulat)[int(len(ulat) * 0.99) - 1], 3) if len(ulat) >= 100 else None
r["tcp_med_ms"] = round(statistics.median(tlat), 3) if tlat else None
json.dump(r, open(out, "w"))
' "$FL_SVC4" "$FL_PORT" "$1" "$2" "$3" "$4" </dev/null >/dev/null 2>"$NL_TMP/client.err" &
	FL_CLIENT_PID=$!
	NL_PIDS+=("$FL_CLIENT_PID")
}

# fl_client_stop OUT: stop the client (TERM through timeout) and wait for OUT.
fl_client_stop()
{
	kill -TERM "$FL_CLIENT_PID" 2>/dev/null
	for _ in $(seq 1 60); do
		[ -s "$1" ] && break
		sleep 0.1
	done
	# timeout -k: a client that ignores TERM gets KILL 2 s later
	wait "$FL_CLIENT_PID" 2>/dev/null
	[ -s "$1" ]
}

# fl_flood_cfg KIND: writes $NL_TMP/KIND.cfg for trafgen and prints its path.
# KIND: udp (60-byte frames, 18 bytes payload), syn (bare SYN), mix (both).
# Two packet blocks, sent round robin: sources from 203.0.113.10-250 and
# 198.51.100.10-250, source ports counting up, random sequence numbers.
fl_flood_cfg()
{
	local f="$NL_TMP/$1.cfg" dmac smac b
	dmac=$(nl_in node cat "/sys/class/net/$NL_IF_INET/address")
	smac=$(nl_in inet cat /sys/class/net/eth0/address)
	: >"$f"
	for b in 203.0.113 198.51.100; do
		case $1 in
		udp | mix)
			echo "{ eth(da=$dmac, sa=$smac), ipv4(sa=$b.0, sa[3]=dinc(10, 250), da=$FL_SVC4, ttl=64), udp(sp=dinc(1024, 65000), dp=$FL_PORT), fill(0x41, 18) }" >>"$f" ;;
		esac
		case $1 in
		syn | mix)
			echo "{ eth(da=$dmac, sa=$smac), ipv4(sa=$b.0, sa[3]=dinc(10, 250), da=$FL_SVC4, ttl=64), tcp(sp=dinc(1024, 65000), dp=$FL_PORT, syn, seq=drnd(), win=64240) }" >>"$f" ;;
		esac
	done
	echo "$f"
}

# fl_sender SECS CMD...: CMD in the sender namespace, stopped by `timeout`
# after SECS whatever happens. A tiny Python parent waits for it and writes
# the CPU time (user + system, ns) of CMD and its children to
# $NL_TMP/sender.cpu: getrusage(RUSAGE_CHILDREN), which the kernel derives
# from the scheduler's exact run time. It includes the softirq work the
# kernel does in the sender's context: on veth, the node's receive path.
# Output in $NL_TMP/sender.out.
fl_sender()
{
	local secs=$1
	shift
	rm -f "$NL_TMP/sender.cpu"
	ip netns exec "$(nl_ns inet)" timeout "$secs" "$NL_PY" -c '
import os, resource, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, st = os.waitpid(pid, 0)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%d\n" % int((ru.ru_utime + ru.ru_stime) * 1e9))
sys.exit(os.waitstatus_to_exitcode(st))
' "$NL_TMP/sender.cpu" "$@" >"$NL_TMP/sender.out" 2>&1
}

# fl_trafgen CFG COUNT SECS: COUNT packets from inet's eth0 as fast as one
# CPU goes (AF_PACKET TX_RING, one process, pinned by trafgen to CPU 0):
# the node receives skbs.
fl_trafgen()
{
	fl_sender "$3" trafgen -o eth0 -i "$1" -n "$2" -P 1
}

# fl_build_livegen: the live-frames sender the Makefile builds
# (.output/flood_gen and its BPF program, `make .output/flood_gen`); status
# 0 when FL_LIVEGEN is usable, else the reason is in $NL_TMP/livegen.err.
FL_LIVEGEN=
FL_LIVEGEN_OBJ=
fl_build_livegen()
{
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	make -s -C "$root" .output/flood_gen .output/flood_gen.bpf.o >"$NL_TMP/livegen.err" 2>&1 ||
		return 1
	FL_LIVEGEN=$root/.output/flood_gen
	FL_LIVEGEN_OBJ=$root/.output/flood_gen.bpf.o
}

# fl_livegen KIND COUNT SECS: COUNT frames (KIND udp or syn) from the live-
# frames sender (bench/flood_gen.c: BPF_PROG_TEST_RUN, XDP_REDIRECT out of
# inet's eth0, CPU 0): the node's veth receives xdp_frames, no skb.
# Prints nothing; "sent N" is in $NL_TMP/sender.out.
fl_livegen()
{
	local dmac
	dmac=$(nl_in node cat "/sys/class/net/$NL_IF_INET/address")
	fl_sender "$3" "$FL_LIVEGEN" "$FL_LIVEGEN_OBJ" eth0 "$dmac" "$FL_SVC4" "$FL_PORT" "$1" "$2"
}

# fl_tx_packets SHORT IF: TX packet counter of IF in namespace SHORT.
fl_tx_packets()
{
	nl_in "$1" cat "/sys/class/net/$2/statistics/tx_packets"
}

# fl_cpu_others_ns: run time (ns, /proc/PID/schedstat: the scheduler's exact
# sum_exec_runtime) of the other tasks that work for the flood: ksoftirqd of
# every CPU (softirq work deferred out of trafgen's context, NAPI polls) and
# the service's listener. Foreign processes on this shared machine are not
# counted, which is the point: /proc/stat would count them.
fl_cpu_others_ns()
{
	local p s=0 v
	for p in $(pgrep -x 'ksoftirqd/[0-9]+') $FL_LISTENER_PID; do
		read -r v _ 2>/dev/null <"/proc/$p/schedstat" || continue
		s=$((s + v))
	done
	echo "$s"
}

# ---- the filters -----------------------------------------------------------

# The nft sets, shared by the inet and the netdev variants.
fl_nft_sets()
{
	cat <<EOF
	set private4 { type ipv4_addr; flags interval; elements = { 10.0.0.0/16 } }
	set private6 { type ipv6_addr; flags interval; elements = { fd00:10::/48 } }
	set inst4 { type ipv4_addr; flags interval; elements = { $FL_SVC4, $FL_WEB4 } }
	set inst6 { type ipv6_addr; flags interval; elements = { fd00:10::2:10, fd00:10::1:10 } }
	set public4 { type ipv4_addr . inet_proto . inet_service; elements = { $FL_WEB4 . tcp . 3000 } }
	set public6 { type ipv6_addr . inet_proto . inet_service; elements = { fd00:10::1:10 . tcp . 3000 } }
	counter dropped { }
EOF
}

# The rules: private sources pass, public ports of public services pass,
# anything else to an instance address is dropped (counted).
fl_nft_rules()
{
	cat <<EOF
		ip saddr @private4 accept
		ip6 saddr @private6 accept
		ip daddr . meta l4proto . th dport @public4 accept
		ip6 daddr . meta l4proto . th dport @public6 accept
		ip daddr @inst4 counter name dropped drop
		ip6 daddr @inst6 counter name dropped drop
EOF
}

# fl_filter_on MODE: install MODE's filter in the node namespace.
# MODE: none | enforcer | nft | nft_ingress | ipt | xdpdrop (floor: an XDP
# program on n-inet that drops every frame: xdp-filter, deny policy).
fl_filter_on()
{
	case $1 in
	none) ;;
	enforcer)
		nl_in node "$FL_ENF" --pin-dir "$NL_PIN" apply -f "$NL_TMP/a.yml" >/dev/null &&
			nl_in node "$FL_ENF" --pin-dir "$NL_PIN" attach "$NL_IF_INET" "$NL_IF_PRIV" >/dev/null
		;;
	nft)
		{
			echo "table inet flood {"
			fl_nft_sets
			echo "	chain pre { type filter hook prerouting priority raw; policy accept;"
			fl_nft_rules
			echo "	}"
			echo "}"
		} >"$NL_TMP/nft.conf" && nl_in node nft -f "$NL_TMP/nft.conf"
		;;
	nft_ingress)
		{
			echo "table netdev flood {"
			fl_nft_sets
			echo "	chain ing { type filter hook ingress device \"$NL_IF_INET\" priority -500; policy accept;"
			fl_nft_rules
			echo "	}"
			echo "}"
		} >"$NL_TMP/nft.conf" && nl_in node nft -f "$NL_TMP/nft.conf"
		;;
	ipt)
		nl_in node ipset create fl_priv4 hash:net &&
			nl_in node ipset add fl_priv4 10.0.0.0/16 &&
			nl_in node ipset create fl_inst4 hash:net &&
			nl_in node ipset add fl_inst4 "$FL_SVC4" &&
			nl_in node ipset add fl_inst4 "$FL_WEB4" &&
			nl_in node ipset create fl_pub4 hash:ip,port &&
			nl_in node ipset add fl_pub4 "$FL_WEB4,tcp:3000" &&
			nl_in node "$FL_IPT" -t raw -A PREROUTING -m set --match-set fl_priv4 src -j ACCEPT &&
			nl_in node "$FL_IPT" -t raw -A PREROUTING -m set --match-set fl_pub4 dst,dst -j ACCEPT &&
			nl_in node "$FL_IPT" -t raw -A PREROUTING -m set --match-set fl_inst4 dst -j DROP
		;;
	xdpdrop)
		LIBXDP_BPFFS=$NL_PIN nl_in node xdp-filter load -m native -p deny -f ethernet \
			"$NL_IF_INET" >/dev/null 2>&1
		;;
	xdppass)
		# not a filter: an XDP program that passes everything, so that the
		# veth accepts redirected xdp_frames (it drops them without one)
		LIBXDP_BPFFS=$NL_PIN nl_in node xdp-filter load -m native -p allow -f ethernet \
			"$NL_IF_INET" >/dev/null 2>&1
		;;
	*) return 1 ;;
	esac
}

fl_filter_off()
{
	case $1 in
	none) ;;
	enforcer) nl_in node "$FL_ENF" --pin-dir "$NL_PIN" detach >/dev/null 2>&1 ;;
	nft) nl_in node nft delete table inet flood 2>/dev/null ;;
	nft_ingress) nl_in node nft delete table netdev flood 2>/dev/null ;;
	ipt)
		nl_in node "$FL_IPT" -t raw -F PREROUTING 2>/dev/null
		nl_in node ipset destroy 2>/dev/null
		;;
	xdpdrop | xdppass)
		LIBXDP_BPFFS=$NL_PIN nl_in node xdp-filter unload "$NL_IF_INET" >"$NL_TMP/xdp-filter.out" 2>&1
		# xdp-filter attaches through netlink; when its unload left the
		# program (seen once under load), netlink removes it, or nothing
		# else could attach to n-inet afterwards
		if nl_in node ip link show dev "$NL_IF_INET" | grep -q 'prog/xdp'; then
			echo "$FL_NAME: xdp-filter unload left its program on $NL_IF_INET ($(head -c 200 "$NL_TMP/xdp-filter.out")); detached through netlink" >&2
			nl_in node ip link set dev "$NL_IF_INET" xdp off
		fi
		;;
	esac
	return 0
}

# fl_dropped MODE: packets the filter itself counted as dropped (since it
# was installed; the enforcer's counters since load, so take deltas).
fl_dropped()
{
	case $1 in
	enforcer)
		nl_in node "$FL_ENF" --pin-dir "$NL_PIN" status --json 2>/dev/null |
			jq '[.counters | to_entries[] | select(.key | startswith("drop_")) | .value.packets] | add // 0'
		;;
	nft) nl_in node nft -j list counter inet flood dropped 2>/dev/null |
		jq '[.nftables[] | select(.counter) | .counter.packets] | add // 0' ;;
	nft_ingress) nl_in node nft -j list counter netdev flood dropped 2>/dev/null |
		jq '[.nftables[] | select(.counter) | .counter.packets] | add // 0' ;;
	ipt) nl_in node "$FL_IPT" -t raw -L PREROUTING -v -x -n 2>/dev/null |
		awk '$3 == "DROP" { s += $1 } END { print s + 0 }' ;;
	xdpdrop)
		# xdp-filter's own per-action counters
		LIBXDP_BPFFS=$NL_PIN nl_in node xdp-filter status 2>/dev/null |
			awk '$1 == "XDP_DROP" { print $2; exit }' ;;
	*) echo 0 ;;
	esac
}

# fl_enf_passed_public: packets the enforcer passed for reasons that can
# apply to a public source (pass_reply, pass_public_port, pass_trusted,
# pass_not_owned, pass_icmp_error, pass_fragment, audit_pass); the flood
# must cause none of them.
fl_enf_passed_public()
{
	nl_in node "$FL_ENF" --pin-dir "$NL_PIN" status --json 2>/dev/null |
		jq '[.counters | to_entries[] | select(.key | IN("pass_reply", "pass_public_port", "pass_trusted", "pass_not_owned", "pass_icmp_error", "pass_fragment", "audit_pass")) | .value.packets] | add // 0'
}

# fl_median: median of numbers on stdin (empty input: empty output).
fl_median()
{
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
