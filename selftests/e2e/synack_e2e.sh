#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Regression test for a finding of bench/flood.sh: the TC egress flow
# tracker (enf_tc_egress) used to record a flow for any TCP segment an
# internal instance sent to a non-admitted address, a SYN-ACK included. A
# SYN-ACK is the instance answering, not opening; yet after it, a public SYN
# on the same 4-tuple passed as pass_reply and reached the internal service.
#
#   selftests/synack_e2e.sh     prints the steps, then `N passed, N failed`;
#                               fails when the public SYN passed
#
# Steps: (1) no enforcer: one public SYN 198.51.100.10:40000 -> 10.0.2.10:4000,
# the service answers SYN-ACK and retransmits it at 1 s, 3 s; (2) apply a
# manifest where the service is internal, attach; (3) after the retransmitted
# SYN-ACK went out through n-inet, the same SYN again: expected drop_not_admitted.
# Safety: bench/flood_lib.sh (own namespaces and bpffs, bounded senders, trap).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/flood_lib.sh
. "$ROOT/bench/flood_lib.sh"	# and scripts/netns-lib.sh
nl_on_exit fl_cleanup
[ "$(id -u)" -eq 0 ] || { echo "needs root"; echo "0 passed, 1 failed"; exit 2; }
fl_setup enf-synack || { echo "cannot build the topology"; echo "0 passed, 1 failed"; exit 2; }
dmac=$(nl_in node cat "/sys/class/net/$NL_IF_INET/address")
smac=$(nl_in inet cat /sys/class/net/eth0/address)
echo "{ eth(da=$dmac, sa=$smac), ipv4(sa=198.51.100.10, da=$FL_SVC4, ttl=64), tcp(sp=40000, dp=$FL_PORT, syn, seq=1000, win=64240) }" >"$NL_TMP/syn.cfg"
counters() { nl_in node "$FL_ENF" --pin-dir "$NL_PIN" status --json | jq -c '.counters | with_entries(.value = .value.packets) | with_entries(select(.value > 0))'; }

echo "1) no enforcer: one public SYN 198.51.100.10:40000 -> $FL_SVC4:$FL_PORT (the service answers SYN-ACK)"
fl_trafgen "$NL_TMP/syn.cfg" 1 5
sleep 0.2
echo "2) apply (service internal) and attach"
fl_filter_on enforcer || { echo "apply/attach failed"; echo "0 passed, 1 failed"; exit 2; }
sleep 2.5
echo "3) after the SYN-ACK retransmissions, the same public SYN again"
fl_trafgen "$NL_TMP/syn.cfg" 1 5
sleep 0.3
c=$(counters)
echo "   counters: $c"
if jq -e '(.pass_reply // 0) > 0' >/dev/null <<<"$c"; then
	echo "FAIL synack: the public SYN passed as pass_reply (flow entry created by the service's SYN-ACK)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! jq -e '(.drop_not_admitted // 0) > 0' >/dev/null <<<"$c"; then
	echo "FAIL synack: the public SYN was not dropped as not admitted"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "ok   synack: a public SYN after the service's SYN-ACKs is dropped"
echo "1 passed, 0 failed"
