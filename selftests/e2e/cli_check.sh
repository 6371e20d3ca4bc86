#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# What the command line says to an operator (issue 13, item 5): "did you
# mean" for a mistyped command, option or manifest key; a directory with no
# manifest given to -f; `trace` endpoints as [v6]:port, its capture rows with source,
# destination and protocol, its exit status by verdict (0 pass, 3 drop);
# a quiet `detach`; "permission denied", not "not loaded", for a user who
# may not read the pin dir.
#
# The first cases need no root. The others run in a network namespace of
# their own with a veth pair inside it, on a private bpffs (the pin dir a
# 0700 directory in it, as /sys/fs/bpf/enforcer is), and are skipped with
# a reason without root. The EXIT trap removes all of it (netns-lib.sh).
# Prints ok/FAIL/skip per case and "N passed, N failed[, N skipped]".
#
#   selftests/e2e/cli_check.sh [ENFORCER_BINARY]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. scripts/netns-lib.sh

enf=$(nl_enforcer_path "${1:-}")
tmp=$(mktemp -d /tmp/cli_check.XXXXXX) || exit 1
cleanup() { nl_cleanup; rm -rf "$tmp"; }
nl_on_exit cleanup
passed=0 failed=0 skipped=0
why=''

# because TEXT: one more reason the current case fails.
because() { why="${why:+$why; }$*"; }

# verdict NAME: ok, or FAIL with the reasons given since the last verdict.
verdict()
{
	if [ -z "$why" ]; then
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1: $why"
		failed=$((failed + 1))
	fi
	why=''
}

skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

summary()
{
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
}

oneline() { tr '\n' ' ' <<<"$1" | tr -s ' \t' ' ' | cut -c 1-300; }

# run CMD...: its stdout in $out, stderr in $err, status in $rc.
run()
{
	out=$("$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
}

# want_rc N: the last run exited N.
want_rc() { [ "$rc" = "$1" ] || because "exit $rc, want $1 (stderr: $(oneline "$err"))"; }

# want_err_line LINE: the last run's stderr has LINE, whole.
want_err_line() { grep -qxF -- "$1" <<<"$err" || because "no line '$1' in stderr: $(oneline "$err")"; }

if [ ! -x "$enf" ]; then
	echo "FAIL setup: no enforcer binary at $enf (make .output/enforcer)"
	echo "0 passed, 1 failed"
	exit 1
fi

# A pin dir that does not exist: no case below reads the machine's own.
nopin="$tmp/no-pin-dir"

# ---- no root needed --------------------------------------------------------

run "$enf" --pin-dir "$nopin" stauts
want_rc 2
want_err_line "enforcer: unknown command 'stauts'; did you mean 'status'?"
want_err_line "enforcer: 'enforcer --help' lists the commands and options"
[ "$(grep -c . <<<"$err")" = 2 ] || because "want 2 lines (not the whole usage), got $(grep -c . <<<"$err")"
verdict unknown_command_suggests_the_closest

run "$enf" --pin-dir "$nopin" frobnicate
want_rc 2
want_err_line "enforcer: unknown command 'frobnicate'"
grep -q 'did you mean' <<<"$err" && because "suggests something for a word like no command: $(oneline "$err")"
verdict unknown_command_far_from_all_suggests_nothing

run "$enf" --pin-dir "$nopin" status --jsno
want_rc 2
want_err_line "enforcer: status: unknown option '--jsno'; did you mean '--json'?"
want_err_line "enforcer: 'enforcer status --help' shows its usage"
[ "$(grep -c . <<<"$err")" = 2 ] || because "want 2 lines (not the usage), got $(grep -c . <<<"$err")"
verdict unknown_option_suggests_the_closest

run "$enf" --pin-dri "$nopin" status
want_rc 2
want_err_line "enforcer: unknown option '--pin-dri'; did you mean '--pin-dir'?"
verdict unknown_global_option_suggests_the_closest

# a directory is a set of manifests (docs/manifest.md); one with none says
# what it looks for
mkdir -p "$tmp/manifests.d"
echo 'rack: x' >"$tmp/manifests.d/notes.txt"
for cmd in check apply services "zone export"; do
	# shellcheck disable=SC2086 # "zone export" is two words
	run timeout 20 "$enf" --pin-dir "$nopin" $cmd -f "$tmp/manifests.d"
	want_rc 2
	want_err_line "$tmp/manifests.d: cannot read manifests: no manifest in this directory (expected files named *.yaml or *.yml, or those gzip-compressed as *.yaml.gz or *.yml.gz)"
	[ -z "$why" ] || why="$cmd: $why"
	verdict "${cmd// /_}_f_directory_without_manifests_says_what_it_wants"
done

# Modelled on ../shared/scenarios/convox-rack.yml, with a typo on line 9.
cat >"$tmp/typo.yml" <<'EOF'
rack: production
zones:
  - "{service}.{app}.{rack}.convox"
private:
  - 10.1.0.0/16
apps:
  backend:
    services:
      web: { port: 3000, instnaces: [10.1.1.10] }
EOF
run "$enf" --pin-dir "$nopin" check -f "$tmp/typo.yml"
want_rc 2
grep -qF "$tmp/typo.yml:9:26: apps.backend.services.web: unknown key 'instnaces' (did you mean instances? allowed: " <<<"$err" ||
	because "no file:line:col error suggesting 'instances': $(oneline "$err")"
verdict manifest_unknown_key_suggests_the_closest

# ---- root: a namespace, a veth pair, a private bpffs -----------------------

ROOT_CASES=(trace_v6_source_as_bracketed_endpoint trace_pass_exits_0 trace_drop_exits_3
	    trace_pcap_rows_show_endpoints_and_protocol trace_pcap_exit_by_verdict
	    nonroot_status_says_permission_denied detach_is_quiet detach_verbose_has_no_kernel_error
	    bad_manifest_first_apply_leaves_nothing apply_blames_a_pin_dir_it_cannot_create)

if [ "$(id -u)" -ne 0 ]; then
	for c in "${ROOT_CASES[@]}"; do skip "$c" "needs root"; done
	summary
	[ "$failed" = 0 ]
	exit
fi

# setup_failed WHY: every root case fails with WHY.
setup_failed()
{
	local c
	for c in "${ROOT_CASES[@]}"; do
		why="setup: $1"
		verdict "$c"
	done
	summary
	exit 1
}

nl_init enf-cli || setup_failed "cannot create a temp dir"
# searchable by everyone, as /sys/fs/bpf is: the non-root case must meet
# the pin dir's own mode, not a closed temp dir above it
chmod 755 "$NL_TMP" || setup_failed "chmod $NL_TMP"
nl_netns_add node || setup_failed "cannot create a network namespace"
nl_mount_bpffs || setup_failed "cannot mount a private bpffs under $NL_TMP"
PIN="$NL_PIN/enforcer"
if ! { nl_in node ip link add v0 type veth peer name v1 &&
	nl_in node ip link set v0 up && nl_in node ip link set v1 up; }; then
	setup_failed "cannot create a veth pair in $(nl_ns node)"
fi

enf_ns() { nl_in node "$enf" --pin-dir "$PIN" "$@"; }

cat >"$NL_TMP/m.yml" <<'EOF'
rack: cli
zones: ["{service}.{app}.internal"]
private:
  - 10.0.0.0/16
  - "fd00:10::/48"
interfaces:
  - { name: v0, role: public }
  - { name: v1, role: mixed }
apps:
  shop:
    services:
      web:
        port: 3000
        instances: [10.0.1.10, "fd00:10::1:10"]
      admin:
        port: 4000
        internal: true
        instances: [10.0.2.10, "fd00:10::2:10"]
EOF
run enf_ns apply -f "$NL_TMP/m.yml"
[ "$rc" = 0 ] || setup_failed "apply: exit $rc: $(oneline "$err")"
run enf_ns attach v0 v1
[ "$rc" = 0 ] || setup_failed "attach: exit $rc: $(oneline "$err")"

run enf_ns trace --from '[2001:db8::7]:1234' --to shop/web:3000
grep -q '^packet: *\[2001:db8::7\]:1234 -> fd00:10::1:10 (shop/web) port 3000/tcp' <<<"$out" ||
	because "no 'packet: [2001:db8::7]:1234 -> ...' line: $(oneline "$out")"
verdict trace_v6_source_as_bracketed_endpoint

grep -q '^verdict: *PASS' <<<"$out" || because "want PASS: $(oneline "$out")"
want_rc 0
verdict trace_pass_exits_0

run enf_ns trace --from 203.0.113.7:40000 --to shop/admin:4000
grep -q '^packet: *203\.0\.113\.7:40000 -> 10\.0\.2\.10 ' <<<"$out" ||
	because "no 'packet: 203.0.113.7:40000 -> 10.0.2.10' line: $(oneline "$out")"
grep -q '^verdict: *DROP' <<<"$out" || because "want DROP: $(oneline "$out")"
want_rc 3
verdict trace_drop_exits_3

# mkpcap FILE pass|both: TCP SYNs as a pcap file; the IPv6 one to web's
# public port (passes), with "both" also an IPv4 one to the internal admin
# (dropped). Checksums are left zero: XDP does not read them.
mkpcap()
{
	"$NL_PY" - "$1" "$2" <<'PY'
import socket, struct, sys
def eth(t): return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01" + struct.pack(">H", t)
def syn(sp, dp): return struct.pack(">HHIIBBHHH", sp, dp, 1, 0, 0x50, 0x02, 65535, 0, 0)
def v4(s, d, l4):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, 6, 0,
                       socket.inet_pton(socket.AF_INET, s), socket.inet_pton(socket.AF_INET, d)) + l4
def v6(s, d, l4):
    return struct.pack(">IHBB16s16s", 0x60000000, len(l4), 6, 64, socket.inet_pton(socket.AF_INET6, s),
                       socket.inet_pton(socket.AF_INET6, d)) + l4
frames = [eth(0x86dd) + v6("2001:db8::7", "fd00:10::1:10", syn(1234, 3000))]
if sys.argv[2] == "both":
    frames.append(eth(0x0800) + v4("203.0.113.7", "10.0.2.10", syn(40000, 4000)))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))	# Ethernet
    for fr in frames:
        f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
PY
}

if mkpcap "$NL_TMP/both.pcap" both && mkpcap "$NL_TMP/pass.pcap" pass; then
	run enf_ns trace --pcap "$NL_TMP/both.pcap"
	grep -Eq '^1 +PASS +pass_public_port +tcp +\[2001:db8::7\]:1234 +\[fd00:10::1:10\]:3000 +shop/web' <<<"$out" ||
		because "row 1: want 'PASS pass_public_port tcp [2001:db8::7]:1234 [fd00:10::1:10]:3000 shop/web': $(oneline "$(grep '^1 ' <<<"$out")")"
	grep -Eq '^2 +DROP +drop_not_admitted +tcp +203\.0\.113\.7:40000 +10\.0\.2\.10:4000 +shop/admin' <<<"$out" ||
		because "row 2: want 'DROP drop_not_admitted tcp 203.0.113.7:40000 10.0.2.10:4000 shop/admin': $(oneline "$(grep '^2 ' <<<"$out")")"
	verdict trace_pcap_rows_show_endpoints_and_protocol

	want_rc 3
	[ -z "$why" ] || why="with a drop: $why"
	run enf_ns trace --pcap "$NL_TMP/pass.pcap"
	want_rc 0
	verdict trace_pcap_exit_by_verdict
else
	because "cannot write a pcap file with $NL_PY"
	verdict trace_pcap_rows_show_endpoints_and_protocol
	because "cannot write a pcap file with $NL_PY"
	verdict trace_pcap_exit_by_verdict
fi

# An unprivileged user: nobody (65534), no groups, no capabilities.
if command -v setpriv >/dev/null 2>&1; then
	asnobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	asnobody=(runuser -u nobody --)
fi
if ! "${asnobody[@]}" test -x "$enf" 2>/dev/null; then
	skip nonroot_status_says_permission_denied "user nobody cannot run $enf"
else
	run "${asnobody[@]}" "$enf" --pin-dir "$PIN" status
	want_rc 1
	want_err_line "enforcer: cannot read $PIN: permission denied (run as root, or with CAP_BPF and CAP_DAC_OVERRIDE)"
	grep -q 'not loaded' <<<"$out$err" && because "says 'not loaded': $(oneline "$out$err")"
	verdict nonroot_status_says_permission_denied
fi

run enf_ns detach
want_rc 0
[ -z "$err" ] || because "stderr not empty: $(oneline "$err")"
if ! grep -qx 'v0: detached' <<<"$out" || ! grep -qx 'v1: detached' <<<"$out"; then
	because "want 'v0: detached' and 'v1: detached': $(oneline "$out")"
fi
nl_in node ip link show dev v0 | grep -q ' xdp' && because "v0 still has an XDP program"
verdict detach_is_quiet

# -v shows libbpf's info messages: the detach asks nothing that fails
run enf_ns attach v0
if [ "$rc" != 0 ]; then
	because "attach again: exit $rc: $(oneline "$err")"
else
	run enf_ns -v detach v0
	want_rc 0
	grep -q 'Kernel error message' <<<"$err" && because "the kernel refused something: $(oneline "$err")"
fi
verdict detach_verbose_has_no_kernel_error

# A first apply loads the programs while the manifest compiles: a manifest
# that does not compile must leave no pin dir, and say only what is wrong
# with it, nothing of the load it did not need (libbpf's messages at -vv
# included).
fresh="$NL_PIN/fresh"
run nl_in node "$enf" -vv --pin-dir "$fresh" apply -f "$tmp/typo.yml"
want_rc 2
grep -qF "$tmp/typo.yml:9:26: apps.backend.services.web: unknown key 'instnaces'" <<<"$err" ||
	because "no manifest error: $(oneline "$err")"
[ "$(grep -c . <<<"$err")" = 1 ] || because "more than the manifest's error: $(oneline "$err")"
[ -e "$fresh" ] && because "$fresh exists: $(ls -A "$fresh" | tr '\n' ' ')"
verdict bad_manifest_first_apply_leaves_nothing

# A pin dir whose parent is missing: the error is about the pin dir, not
# the manifest (whose path used to stand before "No such file or directory").
run nl_in node "$enf" --pin-dir "$NL_PIN/no/such" apply -f "$NL_TMP/m.yml"
want_rc 1
grep -qF "cannot create pin directory $NL_PIN/no/such: No such file or directory" <<<"$err" ||
	because "no pin dir error: $(oneline "$err")"
grep -qF "the state in $NL_PIN/no/such cannot be opened or loaded" <<<"$err" ||
	because "the closing error does not name the state: $(oneline "$err")"
grep -qF "policy in force is unchanged" <<<"$err" &&
	because "speaks of a policy in force there is none of: $(oneline "$err")"
[ -e "$NL_PIN/no" ] && because "$NL_PIN/no was created"
verdict apply_blames_a_pin_dir_it_cannot_create

summary
[ "$failed" = 0 ]
