#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs the Debian 12 packages that building, testing and the demo need,
# only when something is missing (so repeated runs cost nothing). Root only;
# without root it lists what is missing and fails.
#
#   scripts/install-deps.sh           what build, tests and demo need
#   scripts/install-deps.sh --bench   that, plus the tools `make bench`
#                                     compares against and drives traffic with
#   scripts/install-deps.sh --kernels that, plus what `make check-kernels`
#                                     boots Debian's kernels with
#   (--bench and --kernels combine)
set -euo pipefail

PKGS=(
	make gcc clang llvm pkg-config          # toolchain (clang -target bpf, llvm-strip)
	clang-format                             # make format
	libbpf-dev bpftool libelf-dev zlib1g-dev # libbpf, skeletons, bpftool map dump
	libyaml-dev libjson-c-dev libssl-dev     # manifest, status --json, sha256
	libpcap-dev                              # enforcer trace --pcap
	libnl-3-dev libnl-route-3-dev            # the daemon follows links (netlink)
	libmicrohttpd-dev prometheus             # the daemon's --metrics; promtool checks them
	libclang-rt-14-dev                       # libFuzzer runtime for the fuzz targets
	iproute2 socat netcat-openbsd iputils-ping jq python3-scapy  # e2e tests and demo
	nftables tcpdump                         # NodePort DNAT and captures in flows_e2e
	nsd dnsutils knot-dnsutils               # zone checks (nsd-checkzone), dig, kdig
	python3-dnspython libldns-dev            # DNS differential test, fuzz oracle
	systemd                                  # systemd-analyze verify of deploy/enforcer.service
	mmdebstrap umoci skopeo python3-yaml curl # the image without an engine; the 3-node cluster test
)
# deploy/'s offline validation runs on Node.js (npm kubernetes-models): the
# machine's own when it has one, else Debian's
command -v node >/dev/null && command -v npm >/dev/null || PKGS+=(nodejs npm)
# `make bench` only: the filters and servers it measures the enforcer against,
# and the traffic generators that drive them.
BENCH_PKGS=(
	xdp-tools gnuplot-nox                    # xdp-filter baseline, charts
	netsniff-ng iptables ipset               # trafgen floods; iptables+ipset baseline
	knot dnsperf                             # Knot baseline; dnsperf (kxdpgun: knot-dnsutils)
)
# `make check-kernels` only: qemu (TCG), the initramfs's busybox, depmod and
# modprobe for the unpacked kernel packages (also the guest's module loader).
KERNEL_PKGS=(
	qemu-system-x86 busybox-static kmod xz-utils zstd
)
for arg in "$@"; do
	case "$arg" in
	--bench) PKGS+=("${BENCH_PKGS[@]}") ;;
	--kernels) PKGS+=("${KERNEL_PKGS[@]}") ;;
	*) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packages such as nsd start a daemon on port 53 when installed; tests start
# their own servers inside their namespaces, so forbid service starts while
# installing (policy-rc.d exit 101), unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
	trap '[ $own_policy -eq 1 ] && rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
