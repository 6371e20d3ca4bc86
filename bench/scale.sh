#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Scale benchmark (docs/scale.md): what a large rack costs as ConfigMaps and
# on one node, with the real CLI and the real agent.
#
#   bench/scale.sh [--smoke] [--runs R] [--services "1000 10000"] [--files F]
#                  [--no-daemon] [--no-limits] [OUTDIR]
#
# For each service count N, a realistic rack (10 instances per service; the
# generator is the awk program below): apps of 1 to 9 services (5 on
# average: web public on 3000 with a health path, api internalAndExternal on
# two ports with a VIP and an LB frontend, admin/grpc/metrics/cache internal
# on their ports, worker/scheduler/consumer without ports), app names such
# as `payments-gateway-0417`, one app in 8 in one of 6 isolated networks,
# one in 20 with trusted ranges, one in 10 on IPv6 pod addresses, pod
# addresses scattered over 1,000+ node /24s, two zone templates. The rack
# is written three ways: one file; a directory of F files (00-rack.yaml
# with the rack-wide keys, then the apps dealt in order into apps-NNN.yaml,
# default F = 100); a directory with one file per app.
#
# Writes into OUTDIR (default: a temp dir, removed):
#   sizes.csv   bytes: YAML, gzip -9, per 1k services, the splits, the
#               largest file, and the 1 MiB ConfigMaps each form needs
#               (first-fit decreasing over the files; the API server counts
#               data and binaryData values, binaryData decoded; the _b64
#               column budgets binaryData as its base64 text instead)
#   check.csv   `enforcer check -f` per form: median wall ms, median CPU s
#               (user + sys), peak RSS (max over the runs, GNU time %M)
#   apply.csv   `enforcer --pin-dir DIR apply` on a private bpffs, from the
#               gzip'd F-file directory: first apply (loads the programs),
#               re-apply (fills the other slot), a one-service change in one
#               file of the directory, the same kind of change from the
#               single file; peak RSS; maps' memlock (bpftool, both slots)
#   maps.csv    memlock per map name (both slots), largest first
#   daemon.csv  `enforcer daemon -f VOLUME` (private network and mount
#               namespaces, health checks left out): a Kubernetes-style
#               `..data` swap changing one service, time from the swap to
#               the agent's `applied` log line and the agent's own apply
#               duration (medians), the agent's VmHWM / VmRSS
#   limits.txt  where this mix meets the parser's limits: the least service
#               count (bisected to 1,000, up to 65,535) at which `check`
#               fails, with the zone templates and without, and the error
#   summary.txt date, machine, command
# --smoke: 100 services, one run, F = 10, one daemon swap, no limits; checks
# that each step works; ends with "N passed, N failed". The script runs in
# a private mount namespace of its own (it re-executes itself under
# `unshare -m`); everything it creates (bpffs mount, temp dir, the agent
# and its network namespace) is removed on exit, also on failure.
set -uo pipefail
self=$(readlink -f "$0")
cd "$(dirname "$self")/.." || exit 1

usage() { awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$self"; }
case " $* " in *" -h "* | *" --help "*) usage; exit 0 ;; esac

if [ -z "${ENF_SCALE_PRIVATE:-}" ]; then
	ENF_SCALE_PRIVATE=1 exec unshare -m --propagation private "$self" "$@"
fi

BIN=${OUTPUT:-.output}
ENFORCER=$BIN/enforcer
runs=5 services="1000 10000" files=100 daemon=1 limits=1 out=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) runs=1 services=100 files=10 limits=0 ;;
	--runs) runs=$2; shift ;;
	--services) services=$2; shift ;;
	--files) files=$2; shift ;;
	--no-daemon) daemon=0 ;;
	--no-limits) limits=0 ;;
	-*) usage >&2; exit 2 ;;
	*) out=$1 ;;
	esac
	shift
done

pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL scale: $*" >&2; }

tmp=$(mktemp -d /tmp/enf-scale.XXXXXX)
dpid=
cleanup() {
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		kill -TERM "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
	fi
	umount "$tmp/bpffs" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -n "$out" ] || out=$tmp/out
mkdir -p "$out" "$tmp/bpffs"
if ! mount -t bpf bpf "$tmp/bpffs"; then
	echo "scale: cannot mount bpffs (root?)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# timed, median, memlock, memlock_ids (shared with bench/bench_ctl.sh)
# shellcheck source=bench/ctl_lib.sh
. bench/ctl_lib.sh

# ---- the rack ------------------------------------------------------------

# awk -v services=N -v instances=K -v files=F -v splits=0|1 -v out=DIR:
# DIR/one.yaml, and with splits=1 DIR/dir/{00-rack,apps-NNN}.yaml,
# DIR/app/{00-rack,NNNN}.yaml and DIR/mid-app (the first app of the middle
# file: the one the changes touch).
# A fixed-seed Park-Miller generator, so every awk writes the same bytes.
GEN_AWK='
function rnd() { seed = (seed * 16807) % 2147483647; return seed }
function pick(n) { return rnd() % n }
function emit(s) { printf "%s", s > one; printf "%s", s > grp; printf "%s", s > appf }
function v4addr(   n) {
	n = pick(nodes)
	while (used[n] >= 250) n = (n + 1) % nodes
	used[n]++
	return sprintf("10.%d.%d.%d", 64 + int(n / 256), n % 256, used[n] + 1)
}
function v6addr(   n) {
	n = pick(nodes)
	while (used6[n] >= 250) n = (n + 1) % nodes
	used6[n]++
	return sprintf("\"fd00:64:0:%x::%x\"", n, used6[n] + 1)
}
function vipaddr() { vip++; return sprintf("10.%d.%d.%d", 96 + int(vip / 65536), int(vip / 256) % 256, vip % 256) }
BEGIN {
	seed = 42
	one = out "/one.yaml"
	# pod addresses: one /24 per node out of 10.64.0.0/12, 100 pods a node
	nodes = int(services * instances / 100)
	if (nodes < 1000) nodes = 1000
	if (nodes > 4096) nodes = 4096
	split("billing payments search catalog checkout identity notifications analytics logistics inventory pricing reviews recommendations messaging media accounts", team, " ")
	split("api service backend frontend gateway processor sync importer exporter portal engine ledger", word, " ")
	split("web worker api admin scheduler grpc metrics cache consumer", svc, " ")
	split("5 3 7 4 6 2 8 5 9 1", size, " ")
	split("pci partners internal-tools data-platform payments-core edge-labs", net, " ")
	hdr = "rack: prod-eu-west-1\n" \
	    "zones:\n  - \"{service}.{app}.{rack}.convox\"\n  - \"{service}.{app}.internal\"\n" \
	    "dns:\n  resolvers: [10.96.0.10, \"fd00:96::a\"]\n  ttl: 5\n" \
	    "private:\n  - { cidr: 10.0.0.0/16, label: vpc }\n  - { cidr: 10.64.0.0/12, label: pods }\n" \
	    "  - { cidr: 10.96.0.0/12, label: cluster-ips }\n  - { cidr: \"fd00:64::/32\", label: pods-v6 }\n" \
	    "  - { cidr: 172.20.0.0/16, label: peer-analytics-vpc }\n" \
	    "  - { cidr: 192.168.100.0/24, label: office-vpn, expires: 2030-06-30 }\n" \
	    "interfaces:\n  - { name: eth0, role: mixed }\n  - { match: \"veth*\", role: pods }\n" \
	    "networks:\n"
	for (i = 1; i <= 6; i++)
		hdr = hdr sprintf("  %s:\n    isolated: true\n    cidrs: [172.%d.0.0/16]\n    peers: [\"fd00:%x::/48\"]\n", net[i], 30 + i, 0x100 + i)
	printf "%s", hdr > one
	if (splits) {
		printf "%s", hdr > (out "/dir/00-rack.yaml")
		printf "%s", hdr > (out "/app/00-rack.yaml")
		close(out "/dir/00-rack.yaml"); close(out "/app/00-rack.yaml")
	}
	printf "apps:\n" > one
	napps = 0
	for (s = 0; s < services; s += k) {
		k = size[napps % 10 + 1] + 0
		if (k > services - s) k = services - s
		app[++napps] = k
	}
	grp = ""; fe = 0; vip = 0
	for (a = 1; a <= napps; a++) {
		f = int((a - 1) * files / napps)
		g = splits ? sprintf("%s/dir/apps-%03d.yaml", out, f) : "/dev/null"
		if (g != grp) {
			if (grp != "") close(grp)
			grp = g
			printf "apps:\n" > grp
			if (f == int(files / 2)) mid = 1
		}
		appf = splits ? sprintf("%s/app/%04d.yaml", out, a) : "/dev/null"
		printf "apps:\n" > appf
		name = sprintf("%s-%s-%04d", team[pick(16) + 1], word[pick(12) + 1], a)
		if (mid == 1 && splits) { print name > (out "/mid-app"); mid = 2 }
		v6 = (a % 10 == 3)
		emit(sprintf("  %s:\n", name))
		if (a % 8 == 5) emit(sprintf("    network: %s\n", net[pick(6) + 1]))
		if (a % 20 == 7) emit("    trusted: [198.51.100.0/24, { cidr: 203.0.113.0/24, label: partner-acme }]\n")
		emit("    services:\n")
		for (j = 1; j <= app[a]; j++) {
			sv = svc[j]
			emit(sprintf("      %s:\n", sv))
			if (sv == "web")
				emit("        port: 3000\n        health: /health\n")
			else if (sv == "api") {
				fe++
				emit(sprintf("        ports: [8080/tcp, 8443/tcp]\n        internalAndExternal: true\n        vip: %s\n", vipaddr()))
				emit(sprintf("        frontends: [\"198.51.100.%d:%d/tcp\"]\n", fe % 250 + 1, 30000 + int(fe / 250)))
			} else if (sv == "admin")
				emit("        port: 4000\n        internal: true\n")
			else if (sv == "grpc")
				emit(sprintf("        ports: [50051/tcp]\n        internal: true\n        vip: %s\n", vipaddr()))
			else if (sv == "metrics")
				emit("        ports: [9090/tcp, 9091/udp]\n        internal: true\n")
			else if (sv == "cache")
				emit("        port: 6379\n        internal: true\n")
			line = "        instances: ["
			for (i = 1; i <= instances; i++)
				line = line (i > 1 ? ", " : "") (v6 ? v6addr() : v4addr())
			emit(line "]\n")
		}
		close(appf)
	}
}'

# gen_rack N DIR [ZONES [SPLITS]]: the rack of N services in DIR (one.yaml,
# and unless SPLITS=0 dir/, app/, mid-app); ZONES=0 leaves the zone
# templates out (no DNS).
gen_rack() {
	local n=$1 d=$2 zones=${3:-1} splits=${4:-1} f
	rm -rf "$d"
	mkdir -p "$d/dir" "$d/app"
	awk -v services="$n" -v instances=10 -v files="$files" -v splits="$splits" -v out="$d" \
		"$GEN_AWK" || return 1
	if [ "$zones" = 0 ]; then
		for f in "$d/one.yaml" "$d/dir/00-rack.yaml" "$d/app/00-rack.yaml"; do
			[ -f "$f" ] && sed -i '/^zones:/,/^dns:/{/^dns:/!d}' "$f"
		done
	fi
	return 0
}

# bump FILE APP PORT: the first `port:` line after APP's line (its web
# service's) becomes PORT: a one-service change. Plain or gzip'd files.
bump() {
	local f=$1 app=$2 port=$3 gz=0
	if [ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then gz=1; fi
	{ if [ $gz = 1 ]; then gzip -dc "$f"; else cat "$f"; fi; } |
		awk -v app="  $app:" -v port="$port" '
			$0 == app { hit = 1 }
			hit == 1 && /^        port: [0-9]+$/ { $0 = "        port: " port; hit = 2 }
			{ print }' >"$f.new" || return 1
	if [ $gz = 1 ]; then gzip -9 -c "$f.new" >"$f"; else cat "$f.new" >"$f"; fi
	rm -f "$f.new"
}

# gzip_dir SRC DST: every file of SRC gzip -9'd into DST, same names + .gz.
gzip_dir() {
	local f
	rm -rf "$2"
	mkdir -p "$2"
	for f in "$1"/*; do gzip -9 -c "$f" >"$2/$(basename "$f").gz" || return 1; done
}

# configmaps CAP SIZE...: 1 MiB ConfigMaps needed for files of these sizes,
# first-fit decreasing; "-" when one file alone is larger than CAP.
configmaps() {
	local cap=$1
	shift
	printf '%s\n' "$@" | sort -rn | awk -v cap="$cap" '
		$1 > cap { over = 1 }
		{ for (i = 1; i <= n && free[i] < $1; i++) ;
		  if (i > n) { n++; free[n] = cap }
		  free[i] -= $1 }
		END { if (over) print "-"; else print n }'
}

sizes_of() { local f; for f in "$@"; do stat -c %s "$f"; done; }
b64_sizes_of() { local f s; for f in "$@"; do s=$(stat -c %s "$f"); echo $((4 * ((s + 2) / 3))); done; }
sum() { awk '{ s += $1 } END { print s + 0 }'; }
maxof() { awk '$1 > m { m = $1 } END { print m + 0 }'; }

# ---- measurements ----------------------------------------------------------

MIB=1048576
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "services,instances,apps,yaml_bytes,gzip9_bytes,yaml_bytes_per_1k_services,gzip9_bytes_per_1k_services,split_files,split_bytes,split_gzip9_bytes,split_largest_bytes,split_largest_gzip9_bytes,per_app_files,per_app_gzip9_bytes,configmaps_one_gzip9,configmaps_split_plain,configmaps_split_gzip9,configmaps_split_gzip9_b64" >"$out/sizes.csv"
echo "services,form,files,input_bytes,ms,cpu_s,rss_kb" >"$out/check.csv"
echo "services,first_ms,reapply_ms,change_dir_ms,change_file_ms,change_cpu_s,rss_kb,memlock_bytes" >"$out/apply.csv"
echo "services,map,memlock_bytes" >"$out/maps.csv"
echo "services,swaps,swap_to_applied_ms,agent_apply_ms,vmhwm_kb,vmrss_kb" >"$out/daemon.csv"
: >"$out/limits.txt"

# check_forms N FORM PATH [FORM PATH]...: `enforcer check -f PATH` for each
# form, the forms interleaved within each of the R runs (so that the
# machine's other work falls on every form alike), into check.csv
check_forms() {
	local n=$1 r i t nfiles bytes
	local -a forms=() paths=() peak=()
	local -A walls=() cpus=()
	shift
	while [ $# -ge 2 ]; do forms+=("$1") paths+=("$2") peak+=(0); shift 2; done
	for ((r = 0; r < runs; r++)); do
		for i in "${!forms[@]}"; do
			if timed t "$tmp/rss" timeout 300 "$ENFORCER" check -f "${paths[$i]}"; then
				walls[$i]+="$t "
				cpus[$i]+="$(awk '{ print $3 + $4 }' "$tmp/rss") "
				peak[i]=$(awk -v a="${peak[i]}" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
				ok
			else
				ko "check $n ${forms[$i]}"
			fi
		done
	done
	for i in "${!forms[@]}"; do
		if [ -d "${paths[$i]}" ]; then
			nfiles=$(find "${paths[$i]}" -maxdepth 1 -type f | wc -l)
			bytes=$(sizes_of "${paths[$i]}"/* | sum)
		else
			nfiles=1 bytes=$(stat -c %s "${paths[$i]}")
		fi
		printf '%s,%s,%s,%s,%s,%s,%s\n' "$n" "${forms[$i]}" "$nfiles" "$bytes" \
			"$(tr ' ' '\n' <<<"${walls[$i]:-0}" | grep . | median)" \
			"$(tr ' ' '\n' <<<"${cpus[$i]:-0}" | grep . | median)" "${peak[i]}" >>"$out/check.csv"
	done
}

# wait_gen LOG GEN SECONDS: until the agent logs `applied` for generation GEN
wait_gen() {
	local log=$1 gen=$2 i
	for ((i = 0; i < $3 * 100; i++)); do
		grep -q "\"event\":\"applied\",\"generation\":$gen," "$log" 2>/dev/null && return 0
		[ -n "$dpid" ] && ! kill -0 "$dpid" 2>/dev/null && return 1
		sleep 0.01
	done
	return 1
}

# daemon_run N RACKDIR: the agent on a Kubernetes-style volume of the gzip'd
# F-file directory; `runs` one-service changes, each a `..data` swap.
daemon_run() {
	local n=$1 rd=$2 vol=$tmp/vol log=$tmp/daemon.log app k v f t0 line at swaps=() applies=() hwm rssnow apid
	app=$(cat "$rd/mid-app")
	rm -rf "$vol" "$tmp/bpffs/agent"
	mkdir -p "$vol/..v0"
	# health checks left out: in a namespace without routes every probe
	# would fail at once and the agent would spend the run re-publishing DNS
	for f in "$rd"/dir/*.yaml; do
		sed '/^        health:/d' "$f" | gzip -9 >"$vol/..v0/$(basename "$f").gz"
	done
	ln -s ..v0 "$vol/..data"
	for f in "$vol"/..v0/*; do ln -s "..data/$(basename "$f")" "$vol/$(basename "$f")"; done
	# a network namespace of its own (only `lo`, which no rule names): the
	# agent follows links there, never the machine's own
	timeout -s TERM 900 unshare -n "$ENFORCER" --pin-dir "$tmp/bpffs/agent" daemon -f "$vol" \
		--no-dns-serve --log-format json >"$log" 2>"$tmp/daemon.err" &
	dpid=$!
	if ! wait_gen "$log" 1 240; then
		ko "daemon $n: no first apply"
		head -n 20 "$tmp/daemon.err" >&2
	else
		ok
		for ((k = 1; k <= runs; k++)); do
			v=..v$k
			mkdir "$vol/$v"
			cp "$vol/..v$((k - 1))"/* "$vol/$v/"
			f=$(for x in "$vol/$v"/*.gz; do gzip -dc "$x" | grep -q "^  $app:" && echo "$x"; done | head -n 1)
			bump "$f" "$app" $((5000 + k))
			sleep 0.5
			ln -s "$v" "$vol/..data_tmp"
			t0=$(now_ns)
			mv -T "$vol/..data_tmp" "$vol/..data"
			if wait_gen "$log" $((k + 1)) 120; then
				line=$(grep "\"event\":\"applied\",\"generation\":$((k + 1))," "$log")
				at=$(date -d "$(jq -r .time <<<"$line")" +%s%N)
				swaps+=($(((at - t0) / 1000000)))
				applies+=("$(jq -r .duration_ms <<<"$line")")
				ok
			else
				ko "daemon $n: swap $k not applied"
			fi
			rm -rf "$vol/..v$((k - 1))"
		done
	fi
	apid=$(jq -r 'select(.event == "started") | .pid' "$log" 2>/dev/null | head -n 1)
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$apid/status" 2>/dev/null)
	rssnow=$(awk '/^VmRSS/ { print $2 }' "/proc/$apid/status" 2>/dev/null)
	kill -TERM "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=
	if grep -q '"event":"stopping"' "$log"; then ok; else ko "daemon $n: did not stop on SIGTERM"; fi
	printf '%s,%s,%s,%s,%s,%s\n' "$n" "${#swaps[@]}" "$(printf '%s\n' "${swaps[@]:-0}" | median)" \
		"$(printf '%s\n' "${applies[@]:-0}" | median)" "${hwm:-0}" "${rssnow:-0}" >>"$out/daemon.csv"
}

# limit_at LO HI ZONES: the least multiple of 1,000 services in (LO, HI] at
# which `check` of the one-file rack (ZONES=0: without zone templates) fails,
# bisecting (LO passes, HI fails), and the first error line; empty when HI
# passes.
limit_at() {
	local lo=$1 hi=$2 zones=$3 mid d=$tmp/lim
	check_fails() {
		gen_rack "$1" "$d" "$zones" 0 >/dev/null || return 2
		timeout 300 "$ENFORCER" check -f "$d/one.yaml" >/dev/null 2>"$tmp/lim.err"
		[ $? -eq 2 ]
	}
	check_fails "$hi" || return 0
	cp "$tmp/lim.err" "$tmp/lim.hi"
	while [ $((hi - lo)) -gt 1000 ]; do
		# shellcheck disable=SC2017 # rounded down to a multiple of 1,000 on purpose
		mid=$(((lo + hi) / 2000 * 1000))
		[ "$mid" -le "$lo" ] && mid=$((lo + 1000))
		if check_fails "$mid"; then hi=$mid; cp "$tmp/lim.err" "$tmp/lim.hi"; else lo=$mid; fi
	done
	echo "$hi $(head -n 1 "$tmp/lim.hi" | sed "s|$d/||")"
	rm -rf "$d"
}

for n in $services; do
	rd=$tmp/rack$n
	if ! gen_rack "$n" "$rd" || ! gzip_dir "$rd/dir" "$rd/dirgz" || ! gzip_dir "$rd/app" "$rd/appgz"; then
		ko "gen $n"
		continue
	fi
	gzip -9 -c "$rd/one.yaml" >"$rd/one.yaml.gz"
	app=$(cat "$rd/mid-app")
	apps=$(($(find "$rd/app" -type f | wc -l) - 1))
	ok

	# sizes, and the ConfigMaps each form needs
	y=$(stat -c %s "$rd/one.yaml") z=$(stat -c %s "$rd/one.yaml.gz")
	mapfile -t plain < <(sizes_of "$rd"/dir/*)
	mapfile -t gz < <(sizes_of "$rd"/dirgz/*)
	mapfile -t gz64 < <(b64_sizes_of "$rd"/dirgz/*)
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$n" $((n * 10)) "$apps" "$y" "$z" \
		$((y * 1000 / n)) $((z * 1000 / n)) "${#plain[@]}" \
		"$(printf '%s\n' "${plain[@]}" | sum)" "$(printf '%s\n' "${gz[@]}" | sum)" \
		"$(printf '%s\n' "${plain[@]}" | maxof)" "$(printf '%s\n' "${gz[@]}" | maxof)" \
		"$(find "$rd/app" -type f | wc -l)" "$(sizes_of "$rd"/appgz/* | sum)" \
		"$(configmaps $MIB "$z")" "$(configmaps $MIB "${plain[@]}")" \
		"$(configmaps $MIB "${gz[@]}")" "$(configmaps $MIB "${gz64[@]}")" >>"$out/sizes.csv"

	# check: one file, gzip'd, the F-file split plain and gzip'd, one file per
	# app, and one file without zone templates (what DNS costs)
	gen_rack "$n" "$tmp/nozone$n" 0 0 || ko "gen $n without zones"
	check_forms "$n" file "$rd/one.yaml" file.gz "$rd/one.yaml.gz" split "$rd/dir" \
		split.gz "$rd/dirgz" per-app "$rd/app" file-no-zones "$tmp/nozone$n/one.yaml"
	rm -rf "$tmp/nozone$n"

	# apply on the private bpffs, as bench_ctl.sh does
	cp -r "$rd/dirgz" "$rd/dirgz-c"
	cp "$rd/one.yaml" "$rd/one-c.yaml"
	firsts=() reapplies=() cdirs=() cfiles=() cpu=() rss=0 mem=0
	for ((r = 0; r < runs; r++)); do
		pin=$tmp/bpffs/n$n-r$r
		# a change each time: the slot an apply writes holds the policy of
		# two applies ago, so alternating two manifests would rewrite nothing
		mf=$(for x in "$rd"/dirgz-c/*.gz; do gzip -dc "$x" | grep -q "^  $app:" && echo "$x"; done | head -n 1)
		if timed t "$tmp/rss" timeout 300 "$ENFORCER" --pin-dir "$pin" apply -f "$rd/dirgz"; then
			firsts+=("$t")
			ok
		else
			ko "first apply $n"
			continue
		fi
		rss=$(awk -v a="$rss" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
		if timed t "$tmp/rss" timeout 300 "$ENFORCER" --pin-dir "$pin" apply -f "$rd/dirgz"; then reapplies+=("$t"); ok; else ko "re-apply $n"; fi
		rss=$(awk -v a="$rss" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
		bump "$mf" "$app" $((6000 + r))
		if timed t "$tmp/rss" timeout 300 "$ENFORCER" --pin-dir "$pin" apply -f "$rd/dirgz-c"; then
			cdirs+=("$t")
			cpu+=("$(awk '{ print $3 + $4 }' "$tmp/rss")")
			ok
		else
			ko "change apply (directory) $n"
		fi
		rss=$(awk -v a="$rss" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
		cp "$rd/one.yaml" "$rd/one-c.yaml"
		bump "$rd/one-c.yaml" "$app" $((7000 + r))
		if timed t "$tmp/rss" timeout 300 "$ENFORCER" --pin-dir "$pin" apply -f "$rd/one-c.yaml"; then
			cfiles+=("$t")
			cpu+=("$(awk '{ print $3 + $4 }' "$tmp/rss")")
			ok
		else
			ko "change apply (file) $n"
		fi
		rss=$(awk -v a="$rss" '{ print ($1 > a) ? $1 : a }' "$tmp/rss")
		if [ "$r" -eq 0 ]; then
			mem=$(memlock "$pin")
			for id in $(memlock_ids "$pin"); do
				bpftool -j map show id "$id" 2>/dev/null | jq -r '"\(.name) \(.bytes_memlock // 0)"'
			done | awk '{ s[$1] += $2 } END { for (m in s) print s[m], m }' | sort -rn |
				awk -v n="$n" '{ print n "," $2 "," $1 }' >>"$out/maps.csv"
		fi
		rm -rf "$pin"
	done
	if [ "$mem" -gt 0 ]; then ok; else ko "memlock $n"; fi
	printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$n" \
		"$(printf '%s\n' "${firsts[@]:-0}" | median)" "$(printf '%s\n' "${reapplies[@]:-0}" | median)" \
		"$(printf '%s\n' "${cdirs[@]:-0}" | median)" "$(printf '%s\n' "${cfiles[@]:-0}" | median)" \
		"$(printf '%s\n' "${cpu[@]:-0}" | median)" "$rss" "$mem" >>"$out/apply.csv"

	[ "$daemon" = 1 ] && daemon_run "$n" "$rd"
	rm -rf "$rd"
done

if [ "$limits" = 1 ]; then
	# the first limit this mix meets, with and without its two zone
	# templates, from 10,000 services (which passes) up to the 65,535
	# service ids
	l=$(limit_at 10000 65535 1)
	echo "with_zones ${l:-no error up to 65535 services}" >>"$out/limits.txt"
	l=$(limit_at 10000 65535 0)
	echo "without_zones ${l:-no error up to 65535 services}" >>"$out/limits.txt"
	[ -s "$out/limits.txt" ] && ok
fi

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs, kernel $(uname -r)"
	echo "command: bench/scale.sh --runs $runs --services \"$services\" --files $files"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null)"
	echo "load average (1, 5, 15 min) at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/summary.txt"
for f in summary.txt sizes.csv check.csv apply.csv maps.csv daemon.csv limits.txt; do
	echo "== $f"
	if [ "$f" = maps.csv ]; then head -n 12 "$out/$f"; else cat "$out/$f"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
