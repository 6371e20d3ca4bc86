#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The test runner behind `make check`: builds the plain and the
# sanitizer (ASan + UBSan) variants, runs every suite, and sums the suites'
# "N passed, N failed[, N skipped]" lines into one closing line.
#
#   scripts/run-tests.sh           everything (what CI runs)
#   scripts/run-tests.sh --quick   plain build only: unit + BPF suites, no e2e
#
# Suites:
#   test_manifest   manifest parser and validation (no root)
#   test_compile    manifest -> map entries (no root)
#   test_zone       zone compiler: names, views, hashes, export (no root)
#   test_import     convox.yml -> manifest skeleton (no root)
#   test_xdp        BPF_PROG_TEST_RUN: enforcement verdicts and counters (root)
#   test_dns        BPF_PROG_TEST_RUN: DNS answers, the RFC checklist (root)
#   test_tunnels    BPF_PROG_TEST_RUN: tunnels, routes, layer-3 links (root)
#   test_difffuzz   the XDP program against a reference model (root)
#   *-san           every suite above built with -fsanitize=address,undefined
#   size            no product file over 1,200 lines, no function over 200
#   fuzz            bounded libFuzzer smoke of every parser, fixed seed
#   zone_nsd        exported zone files accepted by nsd-checkzone
#   services        `enforcer services` lists every service name the zone has
#   cli             what the CLI says: "did you mean", -f DIR, trace's [v6]:port,
#                   capture rows and exit status, quiet detach, permission
#                   denied (root for the netns cases)
#   convox          links: on services, `enforcer env` (their <LINK>_URL), `enforcer import`
#                   of a convox.yml into a manifest that loads (no root); convox-san: sanitizer
#   json            --json of apply, check and trace; apply --dry-run's diff (root for
#                   the netns cases)
#   maps            enforcer maps: every view decodes what the manifest says (root)
#   maps-san        the same with the sanitizer build
#   metrics_rules   alert rules and their unit tests (promtool), the Grafana dashboard,
#                   every metric they use documented and produced by the code
#   deploy          deploy/ offline: the DaemonSet and ConfigMaps against the Kubernetes
#                   schemas (npm kubernetes-models), what the agent needs from them, the
#                   systemd unit (systemd-analyze verify), the image's runtime libraries
#   bench_smoke     the benchmark harness at its smallest scale (no figures)
#   e2e             network namespaces, real listeners, attach/apply/detach (root)
#   flows_e2e       replies to flows instances open, NodePort frontends, PMTU,
#                   fragments, tunnels, trace --pcap (root)
#   tunnel_e2e      VXLAN (and Geneve) devices decapsulating on the node, a tun
#                   link with role public: no side door to internal services (root)
#   daemon_e2e      enforcer daemon: ConfigMap swaps, live links, health in DNS, kill -9 (root)
#   cluster_e2e     three nodes running the DaemonSet's agent from the image's root filesystem
#                   (mmdebstrap, umoci): isolation and DNS across nodes, a rolling manifest
#                   change, kill -9 under a flood (root)
#   monitor_e2e     enforcer monitor: drop events decoded, filters, a flood at the rate
#                   and every drop accounted for, dead readers, per-interface rows (root)
#   monitor_e2e-san the same with the sanitizer build
#   dns_e2e         dig, kdig, getent through the kernel DNS path; NSD as the resolver;
#                   TCP/53 steered to dns serve (private answers whole, relay, TC retry)
#   dns_e2e_xdp     the same with attach --dns-xdp: UDP answers sent from XDP (XDP_TX),
#                   refused where the veth peer would drop them (root)
#   dns_serve_e2e   enforcer dns serve over TCP: private answers, the relay to NSD, public
#                   sources refused, pipelining, 200 hostile connections, drips, idle,
#                   per-source and pool limits, own replies (root)
#   dns_serve_e2e-san the same with the sanitizer build
#   dns_forwarded_e2e TCP/53 to resolver addresses the node forwards to (routed, and
#                   DNATed as kube-proxy does): steered with dns serve's policy rule;
#                   named when it is off; nothing left after (root)
#   dns_forwarded_e2e-san the same with the sanitizer build
#   dns_diff        the kernel DNS path and dns serve against NSD over UDP and TCP,
#                   ~3700 queries, 0 mismatches
set -uo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1
JOBS=$(nproc 2>/dev/null || echo 2)

total_pass=0 total_fail=0 total_skip=0
summary=()
failures=()	# each failed case with its reasons, repeated before the summary

# run_suite NAME CMD...: runs, echoes output, adds its closing line.
run_suite() {
	local name=$1 out line p f s rc
	shift
	echo "=== $name: $*"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	# A failed case's reasons are the indented lines just before its FAIL
	# line (the last 8 kept, each cut at 400 characters): repeated at the
	# end, as CI's log may show only the tail of the run.
	while IFS= read -r l; do
		failures+=("$name: $l")
	done < <(awk '/^    / { b[n++ % 8] = substr($0, 1, 400); next }
		/^FAIL / { for (i = (n > 8 ? n - 8 : 0); i < n; i++) print b[i % 8]; print; }
		{ n = 0 }' "$out")
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "FAIL $name: no closing line (exit code $rc)"
		failures+=("$name: no closing line (exit code $rc)")
		total_fail=$((total_fail + 1))
		summary+=("$(printf '%-16s crashed (exit %d)' "$name" "$rc")")
		return
	fi
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
	s=${s:-0}
	# A suite that claims success but exits non-zero still failed.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exit code $rc"
		failures+=("$name: passed its cases but exited with $rc")
		f=1
	fi
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
	summary+=("$(printf '%-16s %s' "$name" "$line")")
}

build() {
	echo "=== build $*"
	if ! make -s -j"$JOBS" "$@" all; then
		echo "FAIL build $*"
		total_fail=$((total_fail + 1))
		summary+=("build $* failed")
		return 1
	fi
}

# Every selftests/*/test_*.c is one suite binary.
SUITES=$(basename -a -s .c selftests/*/test_*.c)

if build; then
	for t in $SUITES; do
		run_suite "$t" ".output/$t"
	done
fi

if [ $quick -eq 0 ]; then
	if build SAN=1; then
		# Leak checks on: every path frees what it allocates.
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		for t in $SUITES; do
			run_suite "$t-san" ".output/san/$t"
		done
		unset ASAN_OPTIONS UBSAN_OPTIONS
	fi
	run_suite size scripts/check-size.sh
	run_suite fuzz scripts/fuzz.sh --smoke
	run_suite zone_nsd selftests/e2e/zone_nsd_check.sh .output/test_zone
	run_suite services selftests/e2e/services_check.sh .output/enforcer
	run_suite cli selftests/e2e/cli_check.sh .output/enforcer
	run_suite convox selftests/e2e/convox_check.sh .output/enforcer
	ASAN_OPTIONS=detect_leaks=1 run_suite convox-san selftests/e2e/convox_check.sh .output/san/enforcer
	run_suite metrics_rules selftests/e2e/metrics_rules_check.sh
	run_suite deploy selftests/e2e/deploy_check.sh .output/enforcer
	run_suite json selftests/e2e/json_check.sh .output/enforcer
	run_suite maps selftests/e2e/maps_check.sh .output/enforcer
	ASAN_OPTIONS=detect_leaks=1 run_suite maps-san selftests/e2e/maps_check.sh .output/san/enforcer
	run_suite bench_smoke bash -c 'scripts/install-deps.sh --bench && make -s .output/bench_xdp .output/bench_dns .output/flood_gen .output/flood_gen.bpf.o && bench/run.sh --smoke'
	run_suite e2e selftests/e2e/e2e.sh .output/enforcer
	ASAN_OPTIONS=detect_leaks=1 run_suite e2e-san selftests/e2e/e2e.sh .output/san/enforcer
	run_suite flows_e2e selftests/e2e/flows_e2e.sh .output/enforcer
	run_suite synack_e2e bash -c 'scripts/install-deps.sh --bench && selftests/e2e/synack_e2e.sh'
	run_suite tunnel_e2e selftests/e2e/tunnel_e2e.sh .output/enforcer
	run_suite daemon_e2e selftests/e2e/daemon_e2e.sh .output/enforcer
	run_suite cluster_e2e selftests/e2e/cluster_e2e.sh .output/enforcer
	run_suite monitor_e2e selftests/e2e/monitor_e2e.sh .output/enforcer
	ASAN_OPTIONS=detect_leaks=1 run_suite monitor_e2e-san selftests/e2e/monitor_e2e.sh .output/san/enforcer
	run_suite dns_e2e selftests/e2e/dns_e2e.sh .output/enforcer
	run_suite dns_e2e_xdp selftests/e2e/dns_e2e.sh --xdp .output/enforcer
	run_suite dns_serve_e2e selftests/e2e/dns_serve_e2e.sh .output/enforcer
	ASAN_OPTIONS=detect_leaks=1 run_suite dns_serve_e2e-san selftests/e2e/dns_serve_e2e.sh .output/san/enforcer
	run_suite dns_forwarded_e2e selftests/e2e/dns_forwarded_e2e.sh .output/enforcer
	ASAN_OPTIONS=detect_leaks=1 run_suite dns_forwarded_e2e-san selftests/e2e/dns_forwarded_e2e.sh \
		.output/san/enforcer
	run_suite dns_diff selftests/e2e/dns_diff.sh .output/enforcer
fi

echo
if [ "${#failures[@]}" -gt 0 ]; then
	echo "=== failures"
	for l in "${failures[@]}"; do echo "  $l"; done
fi
echo "=== summary"
for l in "${summary[@]}"; do echo "  $l"; done
if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
