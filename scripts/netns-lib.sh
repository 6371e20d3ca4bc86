# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# scripts/netns-lib.sh: a throwaway network for selftests/e2e/*.sh and
# scripts/demo.sh. Source it from bash, then
#
#	nl_init enf-e2e			# names, temp dir; call before anything else
#	trap nl_cleanup EXIT		# removes everything nl_* created, always
#	nl_mount_bpffs			# private bpffs in the temp dir -> $NL_PIN
#	nl_topology			# node, internet host, private host
#	nl_pod web 10.0.1.10 fd00:10::1:10
#	nl_serve_tcp web 3000 web	# socat listener answering "web"
#
# Topology (every namespace name carries $NL_ID, which carries the PID):
#
#   inet  eth0 203.0.113.7/24 2001:db8::7/64 ----- n-inet  203.0.113.1 2001:db8::1
#   priv  eth0 10.0.9.9/24 fd00:10::99/120   ----- n-priv  10.0.9.1 fd00:10::1    node
#   <pod> eth0 10.0.N.10/24 fd00:10::N:10/120 ---- p-<pod> 10.0.N.1 fd00:10::N:1  (routes)
#
# The node forwards between all of them (forwarding is switched on in the
# node namespace only); the enforcer is attached to n-inet and n-priv.
#
# Safety (contract section 8): nothing here touches the machine's own
# interfaces, routes or /sys/fs/bpf. Veth pairs are created inside the node
# namespace with their peer moved straight into another of our namespaces,
# so no interface ever exists in the caller's namespace. Addresses are
# private (10.x, fd00::/8) or TEST-NET and exist only inside our namespaces.
# Every listener runs under `timeout`, is recorded by PID and killed by PID.
# Every probe is bounded by `timeout`.

NL_IF_INET=n-inet		# node side of the internet uplink
NL_IF_PRIV=n-priv		# node side of the private (VPC/VPN) link
NL_INET4=203.0.113.7		# "internet" host
NL_INET6=2001:db8::7
NL_PRIV4=10.0.9.9		# private host
NL_PRIV6=fd00:10::99
# Upper bound on every listener's life: a suite's EXIT trap kills them by
# PID; this only bounds what a killed suite leaves behind, so it is longer
# than any suite runs, also under emulation.
NL_LISTEN_SECS=${NL_LISTEN_SECS:-1800}
# Upper bound of every wait for a listener to come up, and the slack every
# probe's outer `timeout` gives a process to start (its own SECS decide
# "no answer"): generous, so that a slow machine (qemu's software
# emulation under `make check-kernels`) is never mistaken for a failure;
# they cost nothing where things are fast.
NL_READY_SECS=${NL_READY_SECS:-60}
NL_SLACK=${NL_SLACK:-20}
NL_PY=/usr/bin/python3		# Debian's python3 (not a pyenv shim)

NL_ID=
NL_TMP=
NL_PIN=
NL_NETNS=()
NL_PIDS=()
NL_MOUNTED=0

# nl_init NAME: unique names and a temp dir. NAME is a short tag (enf-e2e).
nl_init()
{
	NL_ID="$1-$$"
	NL_TMP=$(mktemp -d "/tmp/$1.$$.XXXXXX") || return 1
}

# nl_ns SHORT: the full name of one of our namespaces (node, inet, priv, <pod>).
nl_ns()
{
	printf '%s-%s' "$NL_ID" "$1"
}

# nl_in SHORT CMD...: run CMD inside namespace SHORT.
nl_in()
{
	local ns
	ns=$(nl_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# nl_missing_tools: prints the tools (and their Debian packages) that are
# missing; prints nothing when all are there.
nl_missing_tools()
{
	local t pkg
	for t in ip:iproute2 ss:iproute2 socat:socat ping:iputils-ping jq:jq \
		 bpftool:bpftool timeout:coreutils mountpoint:util-linux "$NL_PY":python3; do
		pkg=${t##*:}
		t=${t%:*}
		command -v "$t" >/dev/null 2>&1 || printf '%s (Debian package %s)\n' "$t" "$pkg"
	done
}

# nl_mount_bpffs: a private bpffs under the temp dir, so the enforcer's pins
# never meet /sys/fs/bpf. `ip netns exec` remounts /sys but leaves /tmp, so
# every namespace sees the same pins.
nl_mount_bpffs()
{
	NL_PIN="$NL_TMP/bpffs"
	mkdir -p "$NL_PIN" || return 1
	mount -t bpf bpf "$NL_PIN" || return 1
	NL_MOUNTED=1
}

# nl_sysctl SHORT KEY VALUE: KEY in dotted form, written through /proc in
# that namespace (no dependency on procps).
nl_sysctl()
{
	nl_in "$1" sh -c "echo $3 > /proc/sys/${2//.//}"
}

# nl_netns_add SHORT: a namespace with lo up and IPv6 DAD off, so that
# addresses are usable at once (no tentative state to race against).
nl_netns_add()
{
	local ns
	ns=$(nl_ns "$1")
	ip netns add "$ns" || return 1
	NL_NETNS+=("$ns")
	nl_sysctl "$1" net.ipv6.conf.all.accept_dad 0 &&
	nl_sysctl "$1" net.ipv6.conf.default.accept_dad 0 &&
	ip -n "$ns" link set lo up
}

# nl_link NODE_IF SHORT GW4/LEN GW6/LEN ADDR4/LEN ADDR6/LEN: a veth pair
# from the node (NODE_IF) to namespace SHORT (eth0), addresses on both ends
# and SHORT's default routes through the node.
nl_link()
{
	local node far
	node=$(nl_ns node)
	far=$(nl_ns "$2")
	ip -n "$node" link add "$1" type veth peer name eth0 netns "$far" &&
	ip -n "$node" addr add "$3" dev "$1" &&
	ip -n "$node" addr add "$4" dev "$1" nodad &&
	ip -n "$far" addr add "$5" dev eth0 &&
	ip -n "$far" addr add "$6" dev eth0 nodad &&
	ip -n "$node" link set "$1" up &&
	ip -n "$far" link set eth0 up &&
	ip -n "$far" route add default via "${3%/*}" &&
	ip -n "$far" -6 route add default via "${4%/*}"
}

# nl_topology: node (router; made here unless the caller made it already,
# e.g. to find out whether namespaces work at all), internet host, private host.
nl_topology()
{
	if ! ip netns list | grep -q "^$(nl_ns node)\( \|$\)"; then
		nl_netns_add node || return 1
	fi
	nl_netns_add inet && nl_netns_add priv || return 1
	nl_sysctl node net.ipv4.ip_forward 1 &&
	nl_sysctl node net.ipv6.conf.all.forwarding 1 || return 1
	nl_link "$NL_IF_INET" inet 203.0.113.1/24 2001:db8::1/64 \
		"$NL_INET4/24" "$NL_INET6/64" &&
	nl_link "$NL_IF_PRIV" priv 10.0.9.1/24 fd00:10::1/120 \
		"$NL_PRIV4/24" "$NL_PRIV6/120"
}

# nl_pod SHORT ADDR4 ADDR6: a pod namespace holding one service instance at
# ADDR4 (a.b.c.X, its /24 gets gateway a.b.c.1) and ADDR6 (...:X, its /120
# gets gateway ...:1), linked to the node by p-SHORT.
nl_pod()
{
	nl_netns_add "$1" || return 1
	nl_link "p-$1" "$1" "${2%.*}.1/24" "${3%:*}:1/120" "$2/24" "$3/120"
}

# nl_spoof_route ADDR4 ADDR6: ADDR4/ADDR6 (inside the private ranges) are
# given to the internet host and routed there by the node, so a host on the
# internet side can hold a full conversation with a forged private source
# (probes pick it with BIND). The IPv6 one is deprecated (preferred_lft 0):
# source selection would otherwise prefer it for every fd00::/8 destination
# (RFC 6724 rule 6, matching label), and the host's genuine traffic would
# go out forged too. nl_unspoof_route undoes it.
nl_spoof_route()
{
	nl_in inet ip addr add "$1/32" dev eth0 &&
	nl_in inet ip addr add "$2/128" dev eth0 nodad preferred_lft 0 &&
	nl_in node ip route add "$1/32" via "$NL_INET4" dev "$NL_IF_INET" &&
	nl_in node ip -6 route add "$2/128" via "$NL_INET6" dev "$NL_IF_INET"
}

nl_unspoof_route()
{
	nl_in node ip route del "$1/32" 2>/dev/null
	nl_in node ip -6 route del "$2/128" 2>/dev/null
	nl_in inet ip addr del "$1/32" dev eth0 2>/dev/null
	nl_in inet ip addr del "$2/128" dev eth0 2>/dev/null
	return 0
}

# nl_wait_listen SHORT tcp|udp PORT: until the port is bound in SHORT, at
# most NL_READY_SECS. Probing before the listener is up would be a flaky test.
nl_wait_listen()
{
	local flag=-Hltn end=$((SECONDS + NL_READY_SECS))
	[ "$2" = udp ] && flag=-Hlun
	while [ "$SECONDS" -le "$end" ]; do
		[ -n "$(nl_in "$1" ss $flag "sport = :$3" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	echo "netns-lib: no $2 listener on port $3 in $(nl_ns "$1") after $NL_READY_SECS s" >&2
	return 1
}

# nl_serve_tcp SHORT PORT TEXT: a dual-stack TCP listener in SHORT that sends
# TEXT to every client and closes. The text comes from a file (-U: file to
# socket only), not from SYSTEM:echo, whose grandchildren outlive their
# parent and linger as zombies of init.
nl_serve_tcp()
{
	local reply="$NL_TMP/reply-$1-$2"
	echo "$3" >"$reply" || return 1
	# Not through nl_in: a backgrounded function is a subshell, and $!
	# must be the PID of `timeout` itself (ip netns exec execs it).
	ip netns exec "$(nl_ns "$1")" timeout "$NL_LISTEN_SECS" \
		socat -U "TCP6-LISTEN:$2,ipv6only=0,reuseaddr,fork" "OPEN:$reply,rdonly" \
		</dev/null >/dev/null 2>&1 &
	NL_PIDS+=($!)
	nl_wait_listen "$1" tcp "$2"
}

# nl_serve_udp SHORT PORT TEXT [LOG]: a dual-stack UDP responder in SHORT
# that answers every datagram with TEXT (nothing when TEXT is empty) and,
# with LOG, appends "LENGTH PEER DATA" to it per datagram (PEER as IPv4 for
# mapped addresses; DATA: the first 64 characters, printable). Not socat:
# `socat UDP-RECVFROM,fork` hands the shared socket to a child per
# datagram, and while that child lives (its -t closing phase) it swallows
# datagrams from other peers; two probes in quick succession then lose
# one. One process, one loop.
nl_serve_udp()
{
	[ -z "${4:-}" ] || : >"$4"
	ip netns exec "$(nl_ns "$1")" timeout "$NL_LISTEN_SECS" "$NL_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
reply = (sys.argv[2] + "\n").encode() if sys.argv[2] else None
log = open(sys.argv[3], "a") if sys.argv[3] else None
while True:
    data, peer = s.recvfrom(65535)
    if log:
        text = data[:64].decode("ascii", "replace").strip()
        log.write("%d %s %s\n" % (len(data), peer[0].removeprefix("::ffff:"), text))
        log.flush()
    if reply:
        s.sendto(reply, peer)
' "$2" "$3" "${4:-}" </dev/null >/dev/null 2>&1 &
	NL_PIDS+=($!)
	nl_wait_listen "$1" udp "$2"
}

# nl_udp_sink SHORT PORT FILE: a UDP listener that answers nothing and
# logs every datagram to FILE (see nl_serve_udp).
nl_udp_sink() { nl_serve_udp "$1" "$2" "" "$3"; }

# Probes. nl_tcp and nl_udp print what the server sent and exit
#   0  answered;
#   2  no answer at all within SECS: the packet was silently dropped;
#   1  anything else (refused, unreachable, ...), reason in $NL_TMP/probe.err.
# "Blocked" in a test means 2: a refusal proves the packet got through.

# nl_tcp SHORT ADDR PORT SECS [BIND]: connect from SHORT (optionally from
# source address BIND).
nl_tcp()
{
	local target rc
	case "$2" in
	*:*) target="TCP6:[$2]:$3,connect-timeout=$4${5:+,bind=[$5]}" ;;
	*) target="TCP4:$2:$3,connect-timeout=$4${5:+,bind=$5}" ;;
	esac
	nl_in "$1" timeout $(($4 + NL_SLACK)) socat -u "$target" STDOUT 2>"$NL_TMP/probe.err"
	rc=$?
	case "$rc" in
	0) return 0 ;;
	124) return 2 ;;		# timeout(1) had to stop it
	esac
	grep -q 'timed out' "$NL_TMP/probe.err" && return 2
	return 1
}

# nl_udp SHORT ADDR PORT SECS [BIND]: one datagram from SHORT. Python rather
# than socat: socat waits out its whole timeout after the answer, this
# returns as soon as the answer is in; and its connected socket reports an
# ICMP port unreachable as "refused" instead of as silence.
nl_udp()
{
	nl_in "$1" timeout $(($4 + NL_SLACK)) "$NL_PY" -c '
import socket, sys
addr, port, secs, bind = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
if bind:
    s.bind((bind, 0))
s.settimeout(secs)
try:
    s.connect((addr, port))
    s.send(b"ping\n")
    data = s.recv(2048)
except socket.timeout:
    sys.exit(2)
except OSError as e:
    sys.stderr.write("%s\n" % e.strerror)
    sys.exit(1)
sys.stdout.write(data.decode("ascii", "replace"))
' "$2" "$3" "$4" "${5:-}" 2>"$NL_TMP/probe.err"
	case "$?" in
	0) return 0 ;;
	2 | 124) return 2 ;;
	esac
	return 1
}

# nl_ping SHORT ADDR SECS: one echo request; status 0 when answered.
nl_ping()
{
	nl_in "$1" timeout $(($3 + NL_SLACK)) ping -n -q -c 1 -W "$3" "$2" >/dev/null 2>&1
}

# nl_term PID: SIGTERM to what PID runs. When PID is a `timeout` (started
# as `ip netns exec NS timeout SECS CMD`, which execs it), to CMD itself:
# `timeout`, told itself, passes TERM on and then sends SIGCONT, and a
# SIGCONT that arrives while a sanitizer build stops itself for the leak
# check at exit cancels that stop, so the check waits forever
# (LeakSanitizer's StopTheWorld). `timeout` then exits with CMD's status.
nl_term()
{
	local pid=$1 kids=''
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = timeout ]; then
		kids=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)
	fi
	if [ -n "$kids" ]; then
		# shellcheck disable=SC2086 # one PID or several, each a word
		kill -TERM $kids 2>/dev/null
	else
		kill -TERM "$pid" 2>/dev/null
	fi
}

# nl_started PID: when PID started (clock ticks since boot; empty when it
# is gone): a PID with the same start time is still the same process.
nl_started() { sed -E 's/.*\) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $20 }'; }

# nl_cleanup: kill our listeners (by PID), delete our namespaces, unmount
# our bpffs, remove the temp dir. Idempotent; safe on a half-built setup.
nl_cleanup()
{
	local pid ns kid kids=()
	for pid in "${NL_PIDS[@]}"; do
		# what a `timeout` runs, with its start time: ours to KILL below
		# if it outlives the wait
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = timeout ]; then
			for kid in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
				kids+=("$kid:$(nl_started "$kid")")
			done
		fi
		nl_term "$pid"
	done
	for pid in "${NL_PIDS[@]}"; do
		# Bounded wait (~2 s); KILL only what is still ours and alive
		# after it.
		for _ in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for kid in "${kids[@]}"; do
		pid=${kid%%:*}
		[ "$(nl_started "$pid")" = "${kid#*:}" ] && kill -KILL "$pid" 2>/dev/null
	done
	NL_PIDS=()
	for ns in "${NL_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	NL_NETNS=()
	if [ "$NL_MOUNTED" = 1 ]; then
		umount "$NL_PIN" 2>/dev/null || umount -l "$NL_PIN" 2>/dev/null
		NL_MOUNTED=0
	fi
	if [ -n "$NL_TMP" ] && [ -d "$NL_TMP" ]; then
		mountpoint -q "$NL_PIN" 2>/dev/null ||
			rm -rf "$NL_TMP"
	fi
	NL_TMP=
	return 0
}

# ---- DNS helpers (selftests/e2e/dns_e2e.sh, dns_diff.sh) ------------------
#
#	trap nl_dns_cleanup EXIT	# instead of nl_cleanup: also removes the
#					# /etc/netns entries made by nl_resolv_conf
#	nl_lo_addr node 10.96.0.10/32 fd00:96::10/128
#	nl_nsd node rack "10.0.254.1 fd00:10:254::1" internal=/path/internal.zone
#	nl_resolv_conf rack "nameserver 10.96.0.10"
#
# NSD runs in the foreground (-d) under `timeout`, as root without chroot,
# with every file (config, pid, database, xfrd state, log) in its own
# directory under $NL_TMP, so it never meets the system's NSD; its PID (that
# of `timeout`) goes to NL_PIDS and nl_cleanup stops it by PID. Response
# rate limiting is off (Debian's build rate-limits by default).

NL_ETC_NETNS=()		# /etc/netns/<ns> directories nl_resolv_conf made
NL_ETC_NETNS_MADE=0	# 1 when nl_resolv_conf made /etc/netns itself
NL_NSD_OPTS=${NL_NSD_OPTS:-}	# extra `server:` lines for nl_nsd (one per line)

# nl_lo_addr SHORT ADDR/LEN...: addresses on lo in SHORT (IPv6 without DAD).
nl_lo_addr()
{
	local short=$1 a
	shift
	for a in "$@"; do
		case "$a" in
		*:*) nl_in "$short" ip -6 addr add "$a" dev lo nodad || return 1 ;;
		*) nl_in "$short" ip addr add "$a" dev lo || return 1 ;;
		esac
	done
}

# nl_wait_udp SHORT ADDR PORT: until a UDP socket is bound to ADDR:PORT in
# SHORT, at most NL_READY_SECS.
nl_wait_udp()
{
	local src=$2 end=$((SECONDS + NL_READY_SECS))
	case "$src" in *:*) src="[$src]" ;; esac
	while [ "$SECONDS" -le "$end" ]; do
		[ -n "$(nl_in "$1" ss -Hlun "src $src:$3" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	echo "netns-lib: nothing listens on udp $src:$3 in $(nl_ns "$1") after $NL_READY_SECS s" >&2
	return 1
}

# nl_nsd SHORT TAG "ADDR..." APEX=ZONEFILE...: an NSD in SHORT on port 53
# of every ADDR (UDP and TCP), authoritative for each APEX from ZONEFILE.
# Its directory is $NL_TMP/nsd-TAG; the log is $NL_TMP/nsd-TAG/nsd.log.
# Returns when it answers the first APEX's SOA on every address (at most
# NL_READY_SECS each): NSD binds its sockets before its server process
# serves them, and on a slow machine the gap outlasts a client's timeout.
nl_nsd()
{
	local short=$1 addrs=$3 dir="$NL_TMP/nsd-$2" a z end apex=${4%%=*}
	shift 3
	mkdir -p "$dir" || return 1
	{
		echo "server:"
		for a in $addrs; do echo "	ip-address: $a"; done
		cat <<NSDCONF
	port: 53
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$dir"
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	xfrdir: "$dir"
	pidfile: "$dir/nsd.pid"
	logfile: "$dir/nsd.log"
	verbosity: 1
	hide-version: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
$NL_NSD_OPTS
remote-control:
	control-enable: no
NSDCONF
		for z in "$@"; do
			printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "${z%%=*}" "${z#*=}"
		done
	} >"$dir/nsd.conf" || return 1
	if ! nsd-checkconf "$dir/nsd.conf" >"$dir/checkconf.out" 2>&1; then
		echo "netns-lib: nsd-checkconf $dir/nsd.conf: $(cat "$dir/checkconf.out")" >&2
		return 1
	fi
	ip netns exec "$(nl_ns "$short")" timeout "$NL_LISTEN_SECS" \
		nsd -d -c "$dir/nsd.conf" </dev/null >>"$dir/nsd.log" 2>&1 &
	NL_PIDS+=($!)
	for a in $addrs; do
		nl_wait_udp "$short" "$a" 53 || { cat "$dir/nsd.log" >&2; return 1; }
		end=$((SECONDS + NL_READY_SECS))
		until nl_in "$short" timeout $((1 + NL_SLACK)) dig +time=1 +tries=1 +norec "@$a" "$apex" SOA 2>/dev/null |
			grep -q 'status: NOERROR'; do
			if [ "$SECONDS" -gt "$end" ]; then
				echo "netns-lib: NSD does not answer for $apex on $a after $NL_READY_SECS s" >&2
				cat "$dir/nsd.log" >&2
				return 1
			fi
			sleep 0.1
		done
	done
}

# nl_resolv_conf SHORT TEXT: TEXT becomes /etc/resolv.conf for programs run
# with `ip netns exec` in SHORT (which bind-mounts /etc/netns/<ns>/*). The
# directory is ours (the namespace name carries $$); nl_dns_cleanup removes
# it, and /etc/netns too when we made it and it is empty.
nl_resolv_conf()
{
	local d
	d="/etc/netns/$(nl_ns "$1")"
	if [ ! -d /etc/netns ]; then
		mkdir /etc/netns 2>/dev/null && NL_ETC_NETNS_MADE=1
	fi
	if [ ! -d "$d" ]; then
		mkdir "$d" || return 1
		NL_ETC_NETNS+=("$d")
	fi
	printf '%s\n' "$2" >"$d/resolv.conf"
}

# nl_dns_cleanup: nl_cleanup, then the /etc/netns entries we made.
nl_dns_cleanup()
{
	local d
	nl_cleanup
	for d in "${NL_ETC_NETNS[@]}"; do
		rm -f "$d/resolv.conf"
		rmdir "$d" 2>/dev/null
	done
	NL_ETC_NETNS=()
	if [ "$NL_ETC_NETNS_MADE" = 1 ]; then
		rmdir /etc/netns 2>/dev/null
		NL_ETC_NETNS_MADE=0
	fi
	return 0
}

# ---- test harness (selftests/e2e/*.sh) ----------------------------------
#
#	NL_CASES=(a b c)		# every case the script runs, in order
#	nl_begin a; ...; nl_why "reason"; ...; nl_end
#	nl_summary			# the closing "N passed, N failed[, N skipped]"
#	nl_skip_all / nl_setup_failed / nl_abort "reason"	# end early, exit
#	nl_case_ok			# status 0 while the case gave no reason
#
# A case fails when it gave at least one reason (nl_why).

NL_CASES=()
NL_PASSED=0 NL_FAILED=0 NL_SKIPPED=0 NL_CASE='' NL_CASE_BAD=0

nl_begin() { NL_CASE=$1; NL_CASE_BAD=0; }
nl_case_ok() { [ "$NL_CASE_BAD" = 0 ]; }
nl_why() { printf '    %s\n' "$*"; NL_CASE_BAD=1; }

nl_end()
{
	if [ "$NL_CASE_BAD" = 0 ]; then
		printf 'ok   %s\n' "$NL_CASE"
		NL_PASSED=$((NL_PASSED + 1))
	else
		printf 'FAIL %s\n' "$NL_CASE"
		NL_FAILED=$((NL_FAILED + 1))
	fi
}

# nl_skip CASE REASON: a case this machine cannot run, with why.
nl_skip()
{
	printf 'SKIP %s (%s)\n' "$1" "$2"
	NL_SKIPPED=$((NL_SKIPPED + 1))
}

nl_summary()
{
	if [ "$NL_SKIPPED" -gt 0 ]; then
		echo "$NL_PASSED passed, $NL_FAILED failed, $NL_SKIPPED skipped"
	else
		echo "$NL_PASSED passed, $NL_FAILED failed"
	fi
}

nl_skip_all()
{
	echo "SKIP all cases: $*"
	NL_SKIPPED=${#NL_CASES[@]}
	nl_summary
	exit 0
}

# nl_abort REASON: nothing after this can mean anything: say why, count
# every case not run as skipped, stop (non-zero: a failure got us here).
nl_abort()
{
	echo "$*"
	NL_SKIPPED=$((${#NL_CASES[@]} - NL_PASSED - NL_FAILED))
	nl_summary
	exit 1
}

# nl_setup_failed REASON: the setup itself broke: a failure (case `setup`).
nl_setup_failed()
{
	printf 'FAIL setup: %s\n' "$*"
	NL_FAILED=$((NL_FAILED + 1))
	NL_SKIPPED=$((${#NL_CASES[@]} - NL_PASSED - NL_FAILED + 1))
	[ "$NL_SKIPPED" -lt 0 ] && NL_SKIPPED=0
	nl_summary
	exit 1
}

# nl_on_exit FN: FN runs on exit, once, whatever signal comes next; ^C and
# TERM end the script with 130 and 143.
nl_on_exit()
{
	NL_EXIT_FN=$1
	trap 'trap "" INT TERM; "$NL_EXIT_FN"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# nl_enforcer_path [PATH]: the enforcer binary a suite tests, absolute
# (default: the build's).
nl_enforcer_path()
{
	local root e
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	e=${1:-$root/.output/enforcer}
	case "$e" in /*) ;; *) e="$PWD/$e" ;; esac
	printf '%s' "$e"
}

# nl_e2e_start TAG ENFORCER [CLEANUP] [TOOL:PACKAGE...]: what every
# end-to-end suite does first, with the enforcer binary it tests (empty:
# the build's; nl_enf runs it). The EXIT trap runs CLEANUP (default
# nl_cleanup) once, ^C and TERM exit 130 and 143; then root, a temp dir and
# the node namespace (else every case is skipped, with why), the tools
# (nl_missing_tools, plus each TOOL:PACKAGE; "scapy:python3-scapy" checks
# the Python module), the enforcer binary and a private bpffs (else the
# setup failed).
nl_e2e_start()
{
	local tag=$1 enforcer missing t
	enforcer=$(nl_enforcer_path "$2")
	nl_on_exit "${3:-nl_cleanup}"
	shift 3 2>/dev/null || shift $#
	[ "$(id -u)" -eq 0 ] || nl_skip_all "needs root (network namespaces, XDP, TC, bpffs)"
	nl_init "$tag" || nl_setup_failed "cannot create a temp dir"
	nl_netns_add node || nl_skip_all "cannot create a network namespace"
	missing=$(nl_missing_tools)
	for t in "$@"; do
		if [ "${t%:*}" = scapy ]; then
			"$NL_PY" -c 'import scapy.all' >/dev/null 2>&1 && continue
			missing+="${missing:+$'\n'}scapy for $NL_PY (Debian package ${t#*:})"
		else
			command -v "${t%:*}" >/dev/null 2>&1 && continue
			missing+="${missing:+$'\n'}${t%:*} (Debian package ${t#*:})"
		fi
	done
	[ -z "$missing" ] || nl_setup_failed "missing tools (scripts/install-deps.sh installs them):
$missing"
	[ -x "$enforcer" ] || nl_setup_failed "no enforcer binary at $enforcer (make .output/enforcer)"
	NL_ENFORCER=$enforcer
	nl_mount_bpffs || nl_setup_failed "cannot mount a private bpffs under $NL_TMP"
}

# ---- the enforcer and probes in end-to-end cases ---------------------------

NL_ENFORCER=''		# set by nl_e2e_start

# nl_enf ARGS...: the enforcer inside the node namespace, on our pin dir.
nl_enf() { nl_in node "$NL_ENFORCER" --pin-dir "$NL_PIN" "$@"; }

# nl_oneline TEXT: TEXT on one line, spaces squeezed, shortened: for a reason.
nl_oneline() { tr '\n' ' ' <<<"$1" | tr -s ' \t' ' ' | cut -c 1-400; }

# nl_run VAR WANT_EXIT ARGS...: enforcer ARGS in the node namespace; its
# output (stdout and stderr) into VAR; a wrong exit status is a reason.
nl_run()
{
	local __var=$1 want=$2 __out rc
	shift 2
	__out=$(nl_enf "$@" 2>&1)
	rc=$?
	printf -v "$__var" '%s' "$__out"
	[ "$rc" = "$want" ] ||
		nl_why "enforcer $*: exit $rc, want $want; output: $(nl_oneline "$__out")"
}

# nl_ep ADDR PORT/PROTO: how a probe target is printed.
nl_ep()
{
	case "$2" in
	*/icmp) printf '%s ping' "$1" ;;
	*) case "$1" in *:*) printf '[%s]:%s' "$1" "$2" ;; *) printf '%s:%s' "$1" "$2" ;; esac ;;
	esac
}

# nl_probe_err RC: what a failed probe said (nl_tcp/nl_udp keep it in
# $NL_TMP/probe.err), for a reason line.
nl_probe_err()
{
	if [ "$1" = 1 ] && [ -s "$NL_TMP/probe.err" ]; then
		printf ' (%s)' "$(nl_oneline "$(cat "$NL_TMP/probe.err")")"
	fi
}

# nl_reach FROM ADDR PORT/PROTO WANT [BIND]: FROM must get WANT back. For
# icmp, PORT is ignored and an echo reply is the answer.
nl_reach()
{
	local port=${3%/*} proto=${3#*/} got='' rc
	case "$proto" in
	tcp) got=$(nl_tcp "$1" "$2" "$port" 2 "${5:-}"); rc=$? ;;
	udp) got=$(nl_udp "$1" "$2" "$port" 2 "${5:-}"); rc=$? ;;
	icmp) nl_ping "$1" "$2" 2 && got=$4; rc=$? ;;
	esac
	if [ "$rc" != 0 ] || [ "$got" != "$4" ]; then
		nl_why "$1${5:+ (from $5)} -> $(nl_ep "$2" "$3"): expected '$4', got '${got:-no answer}'$(nl_probe_err "$rc")"
	fi
}

# nl_blocked FROM ADDR PORT/PROTO [BIND]: FROM must get no answer at all
# within 1 s (a refusal would mean the packet got through).
nl_blocked()
{
	local port=${3%/*} proto=${3#*/} got='' rc
	case "$proto" in
	tcp) got=$(nl_tcp "$1" "$2" "$port" 1 "${4:-}"); rc=$? ;;
	udp) got=$(nl_udp "$1" "$2" "$port" 1 "${4:-}"); rc=$? ;;
	icmp)
		nl_ping "$1" "$2" 1
		case "$?" in 0) rc=0 ;; 1 | 124) rc=2 ;; *) rc=1 ;; esac ;;	# ping: 1 = no reply
	esac
	case "$rc" in
	0) nl_why "$1${4:+ (from $4)} -> $(nl_ep "$2" "$3"): answered '${got:-echo reply}', expected no answer" ;;
	1) nl_why "$1${4:+ (from $4)} -> $(nl_ep "$2" "$3"): not silently dropped$(nl_probe_err 1)" ;;
	esac
}

# nl_until SECS CMD...: CMD until it succeeds, at most SECS seconds (polls
# every 50 ms). Waits by condition, never by a fixed sleep.
nl_until()
{
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}
