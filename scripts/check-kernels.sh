#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `make check-kernels`: the test suites on the kernels users run, each booted
# under qemu (software emulation, TCG; never KVM) with this machine's root
# shared read-only over 9p, so the binaries built here run unchanged.
#
#   scripts/check-kernels.sh [--full] [--suites A,B,...] [--run CMD] [LABEL...]
#
#     LABEL       only these kernels (labels of the table below; default all)
#     --full      every suite that makes sense on a kernel (also FULL=1):
#                 adds the sanitizer builds, e2e with the sanitizer build,
#                 cluster_e2e (the image built here first), synack_e2e and
#                 dns_diff to the bounded CI subset
#     --suites    only the named suites (debugging), e.g. --suites flows_e2e
#     --run CMD   instead of the suites, CMD (bash, from the checkout) as the
#                 one suite "run" (debugging: its output is printed whole)
#
# Per kernel it
#   1. resolves the table's meta package to the concrete image package
#      (apt-cache depends), downloads it once with `apt-get download` into
#      $ENF_KERNEL_CACHE (default /var/cache/enforcer-kernels, outside the
#      clone), unpacks it with `dpkg -x` and runs depmod on the copy;
#      a later run, or a CI re-run on the same machine, downloads nothing;
#   2. builds a busybox initramfs (selftests/kernels/init) holding the
#      package's virtio, 9p and overlay modules in dependency order;
#   3. boots it: -accel tcg, -nographic, no network device, one 9p share of
#      / (read-only, tmpfs overlay in the guest) and one writable results
#      share (a temp dir here); selftests/kernels/guest.sh runs the suites
#      from this checkout, each under its own timeout, the VM under a hard
#      timeout ($ENF_KERNEL_TIMEOUT seconds);
#   4. prints each suite's closing line and one "N passed, N failed[, N
#      skipped]" line per kernel; the last line is the total. Exit status
#      non-zero iff a suite failed or a kernel did not boot or finish.
#
# Kernels run in parallel, $ENF_KERNEL_JOBS at a time (default: the CPU
# count), one vCPU each. Everything built or started here (temp dir, qemu
# processes, by PID) is removed by the EXIT trap, also on failure and ^C.
# ENF_KERNEL_KEEP=DIR keeps each kernel's console log and suite logs there.
#
# Environment: ENF_KERNEL_CACHE, ENF_KERNEL_JOBS, ENF_KERNEL_MEM (MiB, 3072),
# ENF_KERNEL_TIMEOUT (s, per kernel), ENF_KERNEL_KEEP; ENF_TEST_SCALE and
# ENF_SCENARIOS are passed on to the suites in the guest. The suites run
# unscaled by default: their time under emulation goes to loading and
# verifying the BPF programs (test_xdp and test_dns do it per case), not
# to the loops ENF_TEST_SCALE scales (selftests/lib/test.h).
set -uo pipefail
cd "$(dirname "$0")/.."
CHECKOUT=$PWD

# ---- the kernels (the only list) --------------------------------------------
# label, Debian meta package, and the TC hook `attach` must choose there
# (tcx from 6.6 on, the cls_bpf fallback before; e2e.sh checks `status`).
# A 6.18-class kernel is one more line once Debian ships its package to this
# machine's sources (e.g. "6.18 linux-image-6.18-amd64 tcx").
KERNELS=(
	"6.1	linux-image-amd64	cls_bpf"	# Debian 12's own kernel (LTS)
	"6.12	linux-image-6.12-amd64	tcx"		# bookworm-security's 6.12 LTS
)

CACHE=${ENF_KERNEL_CACHE:-/var/cache/enforcer-kernels}
JOBS=${ENF_KERNEL_JOBS:-$(nproc 2>/dev/null || echo 1)}
MEM=${ENF_KERNEL_MEM:-3072}
KEEP=${ENF_KERNEL_KEEP:-}
FULL=${FULL:-0}
ONLY_SUITES=''
RUN_CMD=''
LABELS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--full) FULL=1 ;;
	--suites) ONLY_SUITES=",$2,"; shift ;;
	--suites=*) ONLY_SUITES=",${1#*=},"; ;;
	--run) RUN_CMD=$2; shift ;;
	-h | --help) sed -n '3,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "check-kernels: unknown option $1" >&2; exit 2 ;;
	*) LABELS+=("$1") ;;
	esac
	shift
done
[ "$FULL" = 1 ] || FULL=0
if [ "$FULL" = 1 ]; then
	TIMEOUT=${ENF_KERNEL_TIMEOUT:-10800}
else
	TIMEOUT=${ENF_KERNEL_TIMEOUT:-3600}
fi

# ---- the suites: NAME SECONDS COMMAND (run in the guest from the checkout) ---
# SECONDS bounds one suite under emulation; a suite that runs out counts as
# failed. The CI subset: every C suite and the netns e2e suites (tunnel_e2e:
# the Geneve device case runs where the kernel has Geneve, as Debian's do;
# daemon_e2e: libnl, tcx or cls_bpf on links that appear, adoption;
# monitor_e2e: the ring buffer and the data path's events on each kernel;
# dns_forwarded_e2e: bpf_sk_assign with a mark through policy routing and a DNAT;
# dns_e2e_xdp: the tail call into the XDP DNS answers, XDP_TX on a veth).
C_SUITES=$(basename -a -s .c selftests/*/test_*.c)
PLAN=()
for t in $C_SUITES; do
	PLAN+=("$t 2400 .output/$t")
done
PLAN+=("e2e 1800 selftests/e2e/e2e.sh .output/enforcer"
       "dns_e2e 1800 selftests/e2e/dns_e2e.sh .output/enforcer"
       "dns_e2e_xdp 1800 selftests/e2e/dns_e2e.sh --xdp .output/enforcer"
       "dns_forwarded_e2e 900 selftests/e2e/dns_forwarded_e2e.sh .output/enforcer"
       "flows_e2e 2400 selftests/e2e/flows_e2e.sh .output/enforcer"
       "tunnel_e2e 1800 selftests/e2e/tunnel_e2e.sh .output/enforcer"
       "daemon_e2e 1800 selftests/e2e/daemon_e2e.sh .output/enforcer"
       "monitor_e2e 1200 selftests/e2e/monitor_e2e.sh .output/enforcer")
if [ "$FULL" = 1 ]; then
	for t in $C_SUITES; do
		PLAN+=("$t-san 3600 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 .output/san/$t")
	done
	PLAN+=("e2e-san 2400 ASAN_OPTIONS=detect_leaks=1 selftests/e2e/e2e.sh .output/san/enforcer"
	       "cluster_e2e 1800 ENF_IMAGE_READY=1 ENF_TIME_FACTOR=10 selftests/e2e/cluster_e2e.sh .output/enforcer"
	       "synack_e2e 900 selftests/e2e/synack_e2e.sh"
	       "dns_diff 2400 selftests/e2e/dns_diff.sh .output/enforcer")
fi
if [ -n "$ONLY_SUITES" ]; then
	sel=()
	for s in "${PLAN[@]}"; do
		case "$ONLY_SUITES" in *",${s%% *},"*) sel+=("$s") ;; esac
	done
	PLAN=("${sel[@]}")
	[ ${#PLAN[@]} -gt 0 ] || { echo "check-kernels: no suite matches --suites ${ONLY_SUITES//,/ }" >&2; exit 2; }
fi
[ -n "$RUN_CMD" ] && PLAN=("run 3600 $RUN_CMD")

# ---- cleanup ----------------------------------------------------------------
WORK=''
QEMU_PIDS=()
cleanup()
{
	local pid
	for pid in "${QEMU_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	QEMU_PIDS=()
	[ -n "$WORK" ] && [ -d "$WORK" ] && rm -rf "$WORK"
	WORK=''
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s; }
log() { printf 'check-kernels: %s\n' "$*"; }
die() { log "$*"; echo "0 passed, 1 failed"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (qemu's 9p share of /, apt-get, /var/cache)"
T_ALL=$(now)

# ---- 0. packages and the build (on the host, before any boot) ---------------
t=$(now)
deps=(--kernels)
[ "$FULL" = 1 ] && deps+=(--bench)
scripts/install-deps.sh "${deps[@]}" || die "installing packages failed"
make -s -j"$(nproc 2>/dev/null || echo 2)" all || die "make failed"
if [ "$FULL" = 1 ]; then
	make -s -j"$(nproc 2>/dev/null || echo 2)" SAN=1 all || die "make SAN=1 failed"
	# cluster_e2e runs the agent from the image root; the guests have no
	# Debian mirror to build it from
	case "$ONLY_SUITES" in ""|*,cluster_e2e,*)
		scripts/build-image.sh >/dev/null || die "scripts/build-image.sh failed" ;;
	esac
fi
log "packages and build: $(($(now) - t)) s"
[ -e /dev/kvm ] && log "not using /dev/kvm: TCG only (KVM hangs on these machines)"

# ---- 1. kernel packages ----------------------------------------------------
WORK=$(mktemp -d /tmp/enf-kernels.XXXXXX) || die "cannot make a temp dir"
mkdir -p "$CACHE/debs" || die "cannot create $CACHE"

# resolve META: "PACKAGE VERSION" of the image package META depends on.
resolve()
{
	local pkg ver
	pkg=$(apt-cache depends --no-pre-depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }')
	[ -n "$ver" ] || return 1
	echo "$pkg $ver"
}

# fetch LABEL META: sets KDIR (unpacked package, depmod done), KVER, KPKG.
KDIR='' KVER='' KPKG=''
updated=0
fetch()
{
	local label=$1 meta=$2 r pkg ver deb dir tmp
	if ! r=$(resolve "$meta"); then
		if [ $updated = 0 ]; then
			log "$meta unknown to apt; apt-get update"
			apt-get update -qq >/dev/null 2>&1
			updated=1
		fi
		r=$(resolve "$meta") || r=$(cat "$CACHE/$label.resolved" 2>/dev/null) ||
			{ log "cannot resolve $meta (apt-cache depends)"; return 1; }
	fi
	pkg=${r% *} ver=${r#* }
	echo "$r" >"$CACHE/$label.resolved"
	dir="$CACHE/${pkg}_$ver"
	if [ ! -e "$dir/.complete" ]; then
		deb=$(ls "$CACHE/debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
		if [ -z "$deb" ]; then
			tmp=$(mktemp -d "$CACHE/debs/.dl.XXXXXX") || return 1
			log "$label: downloading $pkg $ver"
			if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null); then
				rm -rf "$tmp"
				log "apt-get download $pkg=$ver failed"
				return 1
			fi
			mv "$tmp"/*.deb "$CACHE/debs/" && rmdir "$tmp" || return 1
			deb=$(ls "$CACHE/debs/${pkg}_${ver//:/%3a}_"*.deb | head -n 1)
		fi
		rm -rf "$dir.tmp"
		dpkg -x "$deb" "$dir.tmp" || { log "dpkg -x $deb failed"; rm -rf "$dir.tmp"; return 1; }
		KVER=$(ls "$dir.tmp/lib/modules" | head -n 1)
		depmod -b "$dir.tmp" "$KVER" || { log "depmod for $KVER failed"; rm -rf "$dir.tmp"; return 1; }
		rm -rf "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.complete" || return 1
	fi
	KDIR=$dir KPKG="$pkg $ver"
	KVER=$(ls "$dir/lib/modules" | head -n 1)
	[ -r "$dir/boot/vmlinuz-$KVER" ] || { log "no vmlinuz-$KVER in $dir"; return 1; }
}

# initramfs LABEL: $WORK/LABEL/initramfs.cpio for KDIR/KVER.
initramfs()
{
	local d="$WORK/$1/initramfs" line m base
	mkdir -p "$d/bin" "$d/modules" || return 1
	cp /bin/busybox "$d/bin/busybox" && cp selftests/kernels/init "$d/init" && chmod 0755 "$d/init" ||
		return 1
	printf 'KVER=%q\nMODDIR=%q\nCHECKOUT=%q\n' "$KVER" "$KDIR" "$CHECKOUT" >"$d/enf.conf"
	: >"$d/modules.list"
	# insmod lines in dependency order; builtins need nothing
	modprobe -d "$KDIR" -S "$KVER" --show-depends -a virtio_pci 9pnet_virtio 9p overlay \
		>"$WORK/$1/deps" 2>&1 || { log "modprobe --show-depends: $(cat "$WORK/$1/deps")"; return 1; }
	while read -r line; do
		case "$line" in insmod\ *) ;; *) continue ;; esac
		m=$(awk '{ print $2 }' <<<"$line")
		base=$(basename "$m")
		base=${base%.xz} base=${base%.zst} base=${base%.gz}
		grep -qx "$base" "$d/modules.list" && continue
		case "$m" in
		*.xz) xz -dc "$m" >"$d/modules/$base" ;;
		*.zst) zstd -qdc "$m" >"$d/modules/$base" ;;
		*.gz) gzip -dc "$m" >"$d/modules/$base" ;;
		*) cp "$m" "$d/modules/$base" ;;
		esac || return 1
		echo "$base" >>"$d/modules.list"
	done <"$WORK/$1/deps"
	(cd "$d" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) >"$WORK/$1/initramfs.cpio"
}

t=$(now)
SEL=()
for k in "${KERNELS[@]}"; do
	read -r label meta tc _ <<<"$k"
	if [ ${#LABELS[@]} -gt 0 ]; then
		case " ${LABELS[*]} " in *" $label "*) ;; *) continue ;; esac
	fi
	fetch "$label" "$meta" || die "$label: cannot get the kernel package of $meta"
	echo "$KDIR $KVER $KPKG" >"$WORK/$label.kernel"
	echo "$tc" >"$WORK/$label.tc"
	SEL+=("$label")
done
[ ${#SEL[@]} -gt 0 ] || die "no kernel matches ${LABELS[*]} (table: $(printf '%s ' "${KERNELS[@]%%	*}"))"

# The cache keeps what the table's labels resolve to now (LABEL.resolved,
# also for labels not run this time); a kernel Debian has replaced goes.
keep=$(cat "$CACHE"/*.resolved 2>/dev/null | tr ' ' '_')
for f in "$CACHE"/linux-image-* "$CACHE"/debs/linux-image-*.deb; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .deb)
	b=${b%_amd64} b=${b//%3a/:}
	grep -qxF "$b" <<<"$keep" && continue
	log "removing $f from the cache (no label resolves to it any more)"
	rm -rf "$f"
done
log "kernel packages (cache $CACHE): $(($(now) - t)) s"

t=$(now)
for label in "${SEL[@]}"; do
	read -r KDIR KVER _ <"$WORK/$label.kernel"
	initramfs "$label" || die "$label: cannot build the initramfs"
	res="$WORK/$label/results"
	mkdir -p "$res"
	{
		[ -n "${ENF_TEST_SCALE:-}" ] && printf 'export ENF_TEST_SCALE=%q\n' "$ENF_TEST_SCALE"
		printf 'export ENF_EXPECT_TC=%q\n' "$(cat "$WORK/$label.tc")"
		[ -n "${ENF_SCENARIOS:-}" ] && printf 'export ENF_SCENARIOS=%q\n' "$ENF_SCENARIOS"
	} >"$res/env"
	printf '%s\n' "${PLAN[@]}" >"$res/plan"
done
log "initramfs: $(($(now) - t)) s"

# ---- 2. boot, in parallel --------------------------------------------------
# boot LABEL: starts qemu in the background; its PID goes to QEMU_PIDS.
declare -A PID_OF START_OF END_OF
boot()
{
	local label=$1 kdir kver
	read -r kdir kver _ <"$WORK/$label.kernel"
	qemu-system-x86_64 -accel tcg -cpu max -m "$MEM" -smp 1 \
		-nographic -no-reboot -nic none \
		-kernel "$kdir/boot/vmlinuz-$kver" -initrd "$WORK/$label/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$WORK/$label/results,mount_tag=results,security_model=none" \
		</dev/null >"$WORK/$label/console.log" 2>&1 &
	PID_OF[$label]=$!
	START_OF[$label]=$(now)
	QEMU_PIDS+=($!)
	log "$label: booting $kver (qemu PID $!)"
}

pending=("${SEL[@]}")
running=()
while [ ${#pending[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
	while [ ${#pending[@]} -gt 0 ] && [ ${#running[@]} -lt "$JOBS" ]; do
		boot "${pending[0]}"
		running+=("${pending[0]}")
		pending=("${pending[@]:1}")
	done
	sleep 2
	still=()
	for label in "${running[@]}"; do
		pid=${PID_OF[$label]}
		if kill -0 "$pid" 2>/dev/null; then
			if [ $(($(now) - START_OF[$label])) -ge "$TIMEOUT" ]; then
				log "$label: no result after $TIMEOUT s; stopping qemu (PID $pid)"
				echo "check-kernels: stopped after $TIMEOUT s" >>"$WORK/$label/console.log"
				kill -TERM "$pid" 2>/dev/null
				for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
				kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
			else
				still+=("$label")
				continue
			fi
		fi
		wait "$pid" 2>/dev/null
		END_OF[$label]=$(now)
		log "$label: VM ended after $((END_OF[$label] - START_OF[$label])) s"
	done
	running=("${still[@]}")
done

# ---- 3. results --------------------------------------------------------------
total_pass=0 total_fail=0 total_skip=0
KLINES=()
for label in "${SEL[@]}"; do
	read -r _ kver kpkg kv <"$WORK/$label.kernel"
	res="$WORK/$label/results"
	kp=0 kf=0 ks=0
	echo
	echo "=== kernel $label: $kpkg $kv ($kver); VM $((END_OF[$label] - START_OF[$label])) s, boot $(cat "$res/boot.secs" 2>/dev/null || echo ?) s"
	for s in "${PLAN[@]}"; do
		name=${s%% *}
		log_f="$res/$name.log"
		if [ ! -e "$res/$name.rc" ]; then
			printf '  %-18s did not run to its end (VM stopped or crashed)\n' "$name"
			[ -s "$log_f" ] && tail -n 20 "$log_f" | sed 's/^/      | /'
			kf=$((kf + 1))
			continue
		fi
		rc=$(cat "$res/$name.rc") secs=$(cat "$res/$name.secs" 2>/dev/null || echo ?)
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log_f" | tail -n 1)
		if [ -n "$RUN_CMD" ]; then
			printf '  %-18s exit %s (%s s)\n' "$name" "$rc" "$secs"
			sed 's/^/      | /' "$log_f"
			[ "$rc" = 0 ] && kp=$((kp + 1)) || kf=$((kf + 1))
			continue
		elif [ -z "$line" ]; then
			printf '  %-18s no closing line (exit %s, %s s)\n' "$name" "$rc" "$secs"
			kf=$((kf + 1))
		else
			p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
			f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
			sk=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
			sk=${sk:-0}
			[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1 line="$line (but exit $rc)"
			kp=$((kp + p)) kf=$((kf + f)) ks=$((ks + sk))
			printf '  %-18s %s (%s s)\n' "$name" "$line" "$secs"
			[ "$f" = 0 ] && [ "$rc" = 0 ] && continue
		fi
		# what failed, without the cases that passed
		grep -vE '^ok ' "$log_f" 2>/dev/null | tail -n 40 | sed 's/^/      | /'
	done
	if [ ! -e "$res/done" ]; then
		echo "  the VM did not finish; console tail:"
		# without the firmware's terminal escapes
		sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//' "$WORK/$label/console.log" |
			tail -n 30 | sed 's/^/      | /'
		kf=$((kf + 1))
	fi
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP/$label" && cp -r "$res/." "$WORK/$label/console.log" "$KEEP/$label/"
	fi
	kl="$kp passed, $kf failed"
	[ "$ks" -gt 0 ] && kl="$kl, $ks skipped"
	KLINES+=("$(printf 'kernel %-5s %-28s %s' "$label" "$kver" "$kl")")
	total_pass=$((total_pass + kp)) total_fail=$((total_fail + kf)) total_skip=$((total_skip + ks))
done

echo
echo "=== kernels ($(($(now) - T_ALL)) s in all)"
for l in "${KLINES[@]}"; do echo "  $l"; done
if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
