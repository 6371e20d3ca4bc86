#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# --json where a script wants it (issue 13, item 4): `check --json` (errors
# with file, line, column), `apply --json` (what was applied and what
# changed), `apply --dry-run` as a difference against the generation in
# force (text and JSON; bounded text for a big manifest, complete JSON),
# `trace --json` (pass and drop, exit 0 and 3) and `trace --pcap --json`
# (one object per packet, a line each). Every JSON output goes through jq.
# The dry run also shows what only the flags of records that stay say: a
# network's isolation toggled, an app's trusted ranges added, changed or
# removed.
#
# The first cases need no root and, run as root, are run as user nobody to
# show it. The others apply to a private bpffs in a network namespace of
# their own and are skipped with a reason without root; no interface is
# needed (trace runs the program with BPF_PROG_TEST_RUN). The EXIT trap
# removes all of it (netns-lib.sh).
# Prints ok/FAIL (with indented reasons)/SKIP per case and
# "N passed, N failed[, N skipped]".
#
#   selftests/e2e/json_check.sh [ENFORCER_BINARY]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. scripts/netns-lib.sh

enf=$(nl_enforcer_path "${1:-}")
tmp=$(mktemp -d /tmp/json_check.XXXXXX) || exit 1
cleanup() { nl_cleanup; rm -rf "$tmp"; }
nl_on_exit cleanup

NOROOT_CASES=(check_json_valid check_json_errors_have_positions check_text_errors_unchanged
	      check_json_unreadable_file check_json_directory_errors_name_each_file
	      check_json_warning_is_no_error apply_json_manifest_error_exit_2
	      dry_run_without_state_adds_everything dry_run_json_without_state
	      dry_run_big_manifest_text_bounded_json_complete)
ROOT_CASES=(apply_json_applies apply_json_same_manifest_no_change
	    dry_run_shows_exactly_the_changes dry_run_changes_nothing_in_the_kernel
	    dry_run_visibility_and_mode dry_run_matches_services_by_name
	    dry_run_as_nobody_permission_denied trace_json_pass_exits_0 trace_json_drop_exits_3
	    trace_json_errors_stay_on_stderr trace_pcap_json_lines
	    dry_run_isolation_toggled dry_run_trusted_ranges_added dry_run_trusted_ranges_changed_or_removed)
NL_CASES=("${NOROOT_CASES[@]}" "${ROOT_CASES[@]}")

# run CMD...: stdout in $out, stderr in $err, status in $rc.
run()
{
	out=$("$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
}

want_rc() { [ "$rc" = "$1" ] || nl_why "exit $rc, want $1 (stderr: $(nl_oneline "$err"))"; }

# is_json: the last run's stdout is one JSON value (jq parses it).
is_json()
{
	jq -e . >/dev/null 2>"$tmp/jq.err" <<<"$out" ||
		nl_why "stdout is not JSON: $(nl_oneline "$(cat "$tmp/jq.err")"): $(nl_oneline "$out")"
}

# want_jq FILTER [WHAT]: FILTER (jq -e) holds on the last run's stdout.
# A failure shows what FILTER compares (".changes.ports == ..." shows
# .changes.ports), else the whole output.
want_jq()
{
	local focus=.
	[[ "$1" =~ ^(\.[a-z_.]+)\ == ]] && focus=${BASH_REMATCH[1]}
	jq -e "$1" >/dev/null 2>&1 <<<"$out" ||
		nl_why "${2:-want $1}; got: $(jq -c "$focus" <<<"$out" 2>/dev/null || nl_oneline "$out")"
}

# want_frame N FILTER: the last run's stdout (JSON lines) has one object
# with "frame": N, and FILTER holds on it.
want_frame()
{
	jq -e -s "(map(select(.frame == $1)) | length) == 1 and (map(select(.frame == $1))[0] | $2)" \
		>/dev/null 2>&1 <<<"$out" ||
		nl_why "frame $1: want $2; got: $(nl_oneline "$(jq -c "select(.frame == $1)" <<<"$out" 2>/dev/null)")"
}

# want_line LINE: the last run's stdout has LINE, whole.
want_line() { grep -qxF -- "$1" <<<"$out" || nl_why "no line '$1' in: $(nl_oneline "$out")"; }

if [ ! -x "$enf" ]; then
	echo "FAIL setup: no enforcer binary at $enf (make .output/enforcer)"
	echo "0 passed, 1 failed"
	exit 1
fi
command -v jq >/dev/null 2>&1 || nl_skip_all "needs jq (Debian package jq)"

# Run as root, the no-root cases run as nobody: they must not need more.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		as_user=(runuser -u nobody --)
	fi
	chmod 755 "$tmp" || exit 1
	if ! "${as_user[@]}" test -x "$enf" 2>/dev/null; then
		echo "(user nobody cannot run $enf: the no-root cases run as root)" >&2
		as_user=()
	fi
fi
user_enf() { "${as_user[@]}" "$enf" "$@"; }

# Modelled on cli_check.sh's manifest, with a VIP and a frontend.
cat >"$tmp/m.yml" <<'EOF'
rack: json
zones: ["{service}.{app}.internal"]
private:
  - 10.0.0.0/16
  - "fd00:10::/48"
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
      api:
        ports: [3000/tcp, 3001/udp]
        internalAndExternal: true
        vip: 10.96.0.20
        frontends: ["192.0.2.10:30080/tcp"]
        instances: [10.0.8.30]
EOF
# A typo on line 9, host bits on line 5.
cat >"$tmp/bad.yml" <<'EOF'
rack: production
zones:
  - "{service}.{app}.{rack}.convox"
private:
  - 10.1.0.1/16
apps:
  backend:
    services:
      web: { port: 3000, instnaces: [10.1.1.10] }
EOF
chmod 644 "$tmp"/*.yml
nopin="$tmp/no-pin-dir"	# never created: nothing is applied there

# ---- no root needed --------------------------------------------------------

nl_begin check_json_valid
run user_enf --pin-dir "$nopin" check --json -f "$tmp/m.yml"
want_rc 0
is_json
want_jq '.valid == true and .errors == [] and .warnings == []'
want_jq ".manifest == \"$tmp/m.yml\""
want_jq '.services == 3 and .apps == 1 and .instances == 5 and .addresses == 7 and .public_ports == 7'
want_jq '.mode == "enforce" and .rack == "json" and (.sha256 | test("^[0-9a-f]{64}$"))'
[ -z "$err" ] || nl_why "stderr not empty: $(nl_oneline "$err")"
nl_end

nl_begin check_json_errors_have_positions
run user_enf --pin-dir "$nopin" check --json -f "$tmp/bad.yml"
want_rc 2
is_json
want_jq '.valid == false and (.errors | length) == 2'
want_jq ".errors[0] == {file: \"$tmp/bad.yml\", line: 5, column: 5, field: \"private[0]\",
	  message: \"private[0]: 10.1.0.1/16 has host bits set (did you mean 10.1.0.0/16?)\"}"
want_jq '.errors[1] | .line == 9 and .column == 26 and .field == "apps.backend.services.web" and
	 (.message | startswith("apps.backend.services.web: unknown key '"'"'instnaces'"'"' (did you mean instances?"))'
want_jq 'has("services") | not' "no summary counts for an invalid manifest"
[ -z "$err" ] || nl_why "--json: the errors belong in the object, stderr has: $(nl_oneline "$err")"
nl_end

nl_begin check_text_errors_unchanged
run user_enf --pin-dir "$nopin" check -f "$tmp/bad.yml"
want_rc 2
[ -z "$out" ] || nl_why "stdout not empty: $(nl_oneline "$out")"
grep -qxF "$tmp/bad.yml:5:5: private[0]: 10.1.0.1/16 has host bits set (did you mean 10.1.0.0/16?)" <<<"$err" ||
	nl_why "no text error line 5:5 on stderr: $(nl_oneline "$err")"
grep -qF "$tmp/bad.yml:9:26: apps.backend.services.web: unknown key 'instnaces'" <<<"$err" ||
	nl_why "no text error line 9:26 on stderr: $(nl_oneline "$err")"
nl_end

nl_begin check_json_unreadable_file
run user_enf --pin-dir "$nopin" check --json -f "$tmp/missing.yml"
want_rc 2
is_json
want_jq ".valid == false and .errors == [{file: \"$tmp/missing.yml\", line: 0, column: 0, field: \"\",
	  message: \"cannot read manifest: No such file or directory\"}]"
nl_end

nl_begin check_json_directory_errors_name_each_file
# a directory of manifests (one of them gzip'd): each error's file is the one
# it is in, the directory's path joined with the file's name
mkdir -p "$tmp/set.d"
printf 'rack: json\nprivate: [10.0.0.0/16]\n' >"$tmp/set.d/00-rack.yaml"
printf 'apps:\n  shop:\n    services:\n      web: { port: 80, instances: [10.0.0.5] }\n' |
	gzip >"$tmp/set.d/shop.yaml.gz"
printf 'apps:\n  Shop: {}\nrack: again\n' >"$tmp/set.d/zz.yaml"
chmod -R a+rX "$tmp/set.d"
run user_enf --pin-dir "$nopin" check --json -f "$tmp/set.d"
want_rc 2
is_json
want_jq ".valid == false and .manifest == \"$tmp/set.d\" and (.errors | length) == 2"
want_jq ".errors[0] == {file: \"$tmp/set.d/zz.yaml\", line: 2, column: 3, field: \"apps.Shop\",
	  message: \"apps.Shop: 'Shop' and 'shop' (line 2 of shop.yaml.gz) are the same name 'shop' (names are lowercased and spaces become '-')\"}"
want_jq ".errors[1] | .file == \"$tmp/set.d/zz.yaml\" and .line == 3 and .column == 1 and .field == \"manifest\""
rm "$tmp/set.d/zz.yaml"
run user_enf --pin-dir "$nopin" check --json -f "$tmp/set.d"
want_rc 0
want_jq '.valid == true and .services == 1'
nl_end

nl_begin check_json_warning_is_no_error
sed 's|^  - 10.0.0.0/16$|  - 10.0.0.0/16\n  - { cidr: 10.5.0.0/16, label: old, expires: 2020-01-01 }|' "$tmp/m.yml" >"$tmp/w.yml"
chmod 644 "$tmp/w.yml"
run user_enf --pin-dir "$nopin" check --json -f "$tmp/w.yml"
want_rc 0
is_json
want_jq ".valid == true and .errors == [] and .warnings == [{file: \"$tmp/w.yml\", line: 5, column: 5,
	  field: \"private[1]\", message: \"private[1]: warning: expired, not admitting\"}]"
[ -z "$err" ] || nl_why "--json: the warning belongs in the object, stderr has: $(nl_oneline "$err")"
nl_end

nl_begin apply_json_manifest_error_exit_2
run user_enf --pin-dir "$nopin" apply --json -f "$tmp/bad.yml"
want_rc 2
is_json
want_jq '.applied == false and .dry_run == false and (.errors | length) == 2 and
	 (.errors | map(.line)) == [5, 9] and (has("generation") | not) and (has("changes") | not)'
[ -e "$nopin" ] && nl_why "a rejected manifest created $nopin"
nl_end

nl_begin dry_run_without_state_adds_everything
run user_enf --pin-dir "$nopin" apply --dry-run -f "$tmp/m.yml"
want_rc 0
grep -q "^would apply $tmp/m.yml: 1 apps, 3 services, 5 instances;" <<<"$out" ||
	nl_why "the first line is not the summary: $(nl_oneline "$(head -1 <<<"$out")")"
for l in "+ service shop/web" "+ address fd00:10::1:10 (shop/web)" "+ address 10.96.0.20 (shop/api, vip)" \
	 "+ address 192.0.2.10 (shop/api, frontend)" "+ port [fd00:10::1:10]:3000/tcp (shop/web, public)" \
	 "+ port 192.0.2.10:30080/tcp (shop/api, frontend, public)" "+ port 10.0.8.30:3001/udp (shop/api, public)" \
	 "changes from nothing applied to generation 1: services +3 -0 ~0, addresses +7 -0, ports +7 -0, settings ~0"; do
	want_line "$l"
done
grep -q '^- \|^~ ' <<<"$out" && nl_why "removes or changes something against nothing: $(nl_oneline "$out")"
[ -e "$nopin" ] && nl_why "a dry run created $nopin"
nl_end

nl_begin dry_run_json_without_state
run user_enf --pin-dir "$nopin" apply --dry-run --json -f "$tmp/m.yml"
want_rc 0
is_json
want_jq '.applied == false and .dry_run == true and .generation == 1 and .errors == []'
want_jq '.changes | .from_generation == 0 and .to_generation == 1 and .changed == true and .settings == []'
want_jq '(.changes.services.added | map(.app + "/" + .service)) == ["shop/admin", "shop/api", "shop/web"]'
want_jq '(.changes.addresses.added | length) == .addresses and (.changes.ports.added | length) == .public_ports'
want_jq '.changes.ports.added | map(select(.frontend)) ==
	 [{address: "192.0.2.10", port: 30080, proto: "tcp", app: "shop", service: "api", public: true, frontend: true}]'
want_jq '[.changes[] | objects | .removed[]?] == []' "nothing removed against nothing"
nl_end

nl_begin dry_run_big_manifest_text_bounded_json_complete
{
	printf 'rack: big\nzones: ["{service}.{app}.internal"]\nprivate: [10.0.0.0/8]\napps:\n  big:\n    services:\n'
	for i in $(seq 1 300); do
		printf '      s%d: { port: 8080, instances: [10.%d.%d.10] }\n' "$i" $((i / 250 + 1)) $((i % 250))
	done
} >"$tmp/big.yml"
chmod 644 "$tmp/big.yml"
run user_enf --pin-dir "$nopin" apply --dry-run -f "$tmp/big.yml"
want_rc 0
[ "$(grep -c '^+ service ' <<<"$out")" = 200 ] ||
	nl_why "$(grep -c '^+ service ' <<<"$out") service lines, want 200"
for l in "... and 100 more service changes" "... and 100 more address changes" \
	 "... and 100 more port changes"; do
	want_line "$l"
done
run user_enf --pin-dir "$nopin" apply --dry-run --json -f "$tmp/big.yml"
want_rc 0
is_json
want_jq '.changes | (.services.added | length) == 300 and (.addresses.added | length) == 300 and
	 (.ports.added | length) == 300'
nl_end

# ---- root: a namespace, a private bpffs ------------------------------------

if [ "$(id -u)" -ne 0 ]; then
	for c in "${ROOT_CASES[@]}"; do nl_skip "$c" "needs root"; done
	nl_summary
	[ "$NL_FAILED" = 0 ]
	exit
fi

# setup_failed WHY: every root case fails with WHY.
setup_failed()
{
	local c
	for c in "${ROOT_CASES[@]}"; do
		nl_begin "$c"
		nl_why "setup: $1"
		nl_end
	done
	nl_summary
	exit 1
}

nl_init enf-json || setup_failed "cannot create a temp dir"
chmod 755 "$NL_TMP" || setup_failed "chmod $NL_TMP"	# nobody reaches the pin dir's own mode
nl_netns_add node || setup_failed "cannot create a network namespace"
nl_mount_bpffs || setup_failed "cannot mount a private bpffs under $NL_TMP"
PIN="$NL_PIN/enforcer"
enf_ns() { nl_in node "$enf" --pin-dir "$PIN" "$@"; }

# state: "generation sha256" of the policy in force, from status --json.
state() { enf_ns status --json 2>/dev/null | jq -r '"\(.policy.generation) \(.policy.sha256)"'; }

nl_begin apply_json_applies
run enf_ns apply --json -f "$tmp/m.yml"
want_rc 0
is_json
want_jq '.applied == true and .dry_run == false and .generation == 1 and .errors == []'
want_jq ".pin_dir == \"$PIN\" and .services == 3"
want_jq '.changes | .from_generation == 0 and .to_generation == 1 and (.services.added | length) == 3'
sha=$(jq -r .sha256 <<<"$out")
[ "$(state)" = "1 $sha" ] || nl_why "status says '$(state)', want '1 $sha'"
nl_end
nl_case_ok || setup_failed "cannot apply $tmp/m.yml"

nl_begin apply_json_same_manifest_no_change
run enf_ns apply --json -f "$tmp/m.yml"
want_rc 0
is_json
want_jq '.applied == true and .generation == 2'
want_jq '.changes | .from_generation == 1 and .same_manifest == true and .changed == false'
run enf_ns apply --dry-run -f "$tmp/m.yml"
want_rc 0
want_line "no change from generation 2 (the same manifest)"
nl_end

# The change: a service added (shop/worker), an instance removed (web's
# v6 one), a port changed (web 3000 -> 3080).
sed -e 's/^        port: 3000$/        port: 3080/' \
    -e 's/instances: \[10.0.1.10, "fd00:10::1:10"\]/instances: [10.0.1.10]/' "$tmp/m.yml" >"$tmp/m2.yml"
cat >>"$tmp/m2.yml" <<'EOF'
      worker:
        instances: [10.0.3.10]
EOF

nl_begin dry_run_shows_exactly_the_changes
before=$(state)
run enf_ns apply --dry-run --json -f "$tmp/m2.yml"
want_rc 0
is_json
want_jq '.applied == false and .dry_run == true and .generation == 3'
want_jq '.changes | .from_generation == 2 and .to_generation == 3 and .same_manifest == false and .changed == true'
want_jq '.changes.services == {added: [{app: "shop", service: "worker", network: "rack", public: false,
	 isolated: false, trusted: null}], removed: [], changed: []}'
want_jq '.changes.addresses == {
	 added: [{address: "10.0.3.10", kind: "instance", app: "shop", service: "worker"}],
	 removed: [{address: "fd00:10::1:10", kind: "instance", app: "shop", service: "web"}]}'
want_jq '.changes.ports == {
	 added: [{address: "10.0.1.10", port: 3080, proto: "tcp", app: "shop", service: "web", public: true, frontend: false}],
	 removed: [{address: "10.0.1.10", port: 3000, proto: "tcp", app: "shop", service: "web", public: true, frontend: false},
		   {address: "fd00:10::1:10", port: 3000, proto: "tcp", app: "shop", service: "web", public: true, frontend: false}]}'
want_jq '.changes.settings | map(.name) - ["source_prefixes", "source_classes", "admission_entries"] == []' \
	"no setting but the sizes of the source maps changes"
run enf_ns apply --dry-run -f "$tmp/m2.yml"
want_rc 0
for l in "+ service shop/worker" "+ address 10.0.3.10 (shop/worker)" "- address fd00:10::1:10 (shop/web)" \
	 "- port 10.0.1.10:3000/tcp (shop/web, public)" "+ port 10.0.1.10:3080/tcp (shop/web, public)" \
	 "- port [fd00:10::1:10]:3000/tcp (shop/web, public)"; do
	want_line "$l"
done
[ "$(grep -c '^[-+] ' <<<"$out")" = 6 ] ||
	nl_why "$(grep -c '^[-+] ' <<<"$out") added/removed lines, want 6: $(nl_oneline "$out")"
grep -q '^changes from generation 2 to generation 3: services +1 -0 ~0, addresses +1 -1, ports +1 -2, settings ~[0-3]$' <<<"$out" ||
	nl_why "no summary line: $(nl_oneline "$(tail -1 <<<"$out")")"
nl_end

nl_begin dry_run_changes_nothing_in_the_kernel
[ "$(state)" = "$before" ] || nl_why "status says '$(state)' after the dry runs, '$before' before"
run enf_ns trace --json --from 203.0.113.7 --to 10.0.1.10:3000
want_rc 0
want_jq '.verdict == "pass" and .reason == "pass_public_port"' "web's old port 3000 no longer passes"
run enf_ns trace --json --from 203.0.113.7 --to 10.0.3.10:80
want_jq '.reason == "pass_not_owned"' "the worker's address is already owned"
nl_end

# Visibility and mode: admin becomes public, the rack goes to audit mode.
sed -e 's/^        internal: true$/        internal: false/' "$tmp/m.yml" >"$tmp/m3.yml"
printf 'mode: audit\n' >>"$tmp/m3.yml"

nl_begin dry_run_visibility_and_mode
run enf_ns apply --dry-run --json -f "$tmp/m3.yml"
want_rc 0
is_json
want_jq '.changes.services.changed == [{app: "shop", service: "admin",
	 from: {network: "rack", public: false, isolated: false, trusted: null},
	 to: {network: "rack", public: true, isolated: false, trusted: false}, trusted_ranges_changed: false}]'
want_jq '(.changes.ports.added | map("\(.address):\(.port)") | sort) == ["10.0.2.10:4000", "fd00:10::2:10:4000"]'
want_jq '.changes.settings | map(select(.name == "mode")) == [{name: "mode", from: "enforce", to: "audit"}]'
run enf_ns apply --dry-run -f "$tmp/m3.yml"
want_line "~ service shop/admin: internal -> public"
want_line "~ mode enforce -> audit"
nl_end

# A service inserted before the others renumbers every id: names match.
awk '{ print } /^apps:$/ { print "  aaa:\n    services:\n      first:\n        instances: [10.0.4.10]" }' \
	"$tmp/m.yml" >"$tmp/m4.yml"

nl_begin dry_run_matches_services_by_name
run enf_ns apply --dry-run --json -f "$tmp/m4.yml"
want_rc 0
is_json
want_jq '.changes.services == {added: [{app: "aaa", service: "first", network: "rack", public: false,
	 isolated: false, trusted: null}], removed: [], changed: []}'
want_jq '.changes.addresses == {added: [{address: "10.0.4.10", kind: "instance", app: "aaa", service: "first"}],
	 removed: []}'
want_jq '.changes.ports == {added: [], removed: []}'
nl_end

nl_begin dry_run_as_nobody_permission_denied
if [ ${#as_user[@]} = 0 ]; then
	nl_skip dry_run_as_nobody_permission_denied "user nobody cannot run $enf"
else
	run "${as_user[@]}" "$enf" --pin-dir "$PIN" apply --dry-run --json -f "$tmp/m.yml"
	want_rc 1
	grep -qxF "enforcer: cannot read $PIN: permission denied (run as root, or with CAP_BPF and CAP_DAC_OVERRIDE)" <<<"$err" ||
		nl_why "no 'permission denied' on stderr: $(nl_oneline "$err")"
	is_json
	want_jq '.applied == false and (.error | test("cannot compare .* with the policy in force")) and
		 (has("changes") | not)'
	nl_end
fi

nl_begin trace_json_pass_exits_0
run enf_ns trace --json --from 203.0.113.7 --to shop/web:3000
want_rc 0
is_json
want_jq '.verdict == "pass" and .reason == "pass_public_port" and (.reason_help | length) > 0'
want_jq '.src == "203.0.113.7" and .dst == "10.0.1.10" and .dst_port == 3000 and .proto == "tcp" and
	 .dst_name == "shop/web" and .iface_role == "mixed" and .ethertype == 2048'
want_jq '.app == "shop" and .service == "web" and .network == "rack" and .public == true'
want_jq '.source_class == 0 and .source_private == false and .source_member == false'
want_jq '.encap == "none" and .encap_depth == 0 and .outer_public == false'
nl_end

nl_begin trace_json_drop_exits_3
run enf_ns trace --json --from '[2001:db8::7]:40000' --to shop/admin:4000 --iface-role public
want_rc 3
is_json
want_jq '.verdict == "drop" and .reason == "drop_not_admitted"'
want_jq '.src == "2001:db8::7" and .src_port == 40000 and .dst == "fd00:10::2:10" and .dst_port == 4000'
want_jq '.service == "admin" and .public == false and .iface_role == "public"'
# a private source on a public interface: spoofed, with its flags
run enf_ns trace --json --from 10.0.9.9 --to 10.0.1.10:3000 --iface-role public
want_rc 3
want_jq '.reason == "drop_spoofed" and .source_private == true and .dst_name == null'
nl_end

nl_begin trace_json_errors_stay_on_stderr
run enf_ns trace --json --from 203.0.113.7 --to shop/nosuch:80
want_rc 2
[ -z "$out" ] || nl_why "stdout not empty: $(nl_oneline "$out")"
grep -q "cannot resolve destination 'shop/nosuch:80'" <<<"$err" ||
	nl_why "no error on stderr: $(nl_oneline "$err")"
nl_end

nl_begin trace_pcap_json_lines
if ! "$NL_PY" -c 'import scapy.all' >/dev/null 2>&1; then
	nl_skip trace_pcap_json_lines "no scapy for $NL_PY (Debian package python3-scapy)"
else
	"$NL_PY" - "$NL_TMP/t.pcap" <<'PY' 2>"$tmp/scapy.err" || nl_why "scapy: $(nl_oneline "$(cat "$tmp/scapy.err")")"
import sys
from scapy.all import Ether, IP, IPv6, TCP, ARP, Raw, wrpcap
wrpcap(sys.argv[1], [
    Ether() / IPv6(src="2001:db8::7", dst="fd00:10::1:10") / TCP(sport=1234, dport=3000, flags="S"),
    Ether() / IP(src="203.0.113.7", dst="10.0.2.10") / TCP(sport=40000, dport=4000, flags="S"),
    Ether() / ARP(psrc="203.0.113.7", pdst="203.0.113.1"),
    Raw(b"0123456789"),		# shorter than an Ethernet header
])
PY
	run enf_ns trace --json --pcap "$NL_TMP/t.pcap" --iface-role public
	want_rc 3
	[ "$(grep -c . <<<"$out")" = 4 ] || nl_why "$(grep -c . <<<"$out") lines, want 4 (one per packet)"
	jq -e -s 'length == 4' >/dev/null 2>&1 <<<"$out" || nl_why "not 4 JSON objects: $(nl_oneline "$out")"
	want_frame 1 '.verdict == "pass" and .reason == "pass_public_port" and .proto == "tcp" and
		 .src == "2001:db8::7" and .src_port == 1234 and .dst == "fd00:10::1:10" and .dst_port == 3000 and
		 .service == "web" and .iface_role == "public"'
	want_frame 2 '.verdict == "drop" and .reason == "drop_not_admitted" and
		 .src == "203.0.113.7" and .dst == "10.0.2.10" and .dst_port == 4000 and .service == "admin"'
	want_frame 3 '.verdict == "pass" and .reason == "pass_not_ip" and .ethertype == 2054 and
		 .proto == null and .src == null and .app == null'
	want_frame 4 '.verdict == null and .error == "shorter than Ethernet"'
	nl_end
fi

# Isolation and trust live in the flags of records that stay (enf_dst,
# enf_ports): the same addresses and ports, another verdict. v.yml adds an
# app in a network of its own, with a public service (and a frontend) and
# an internal one; the variants make the network isolated and give the app
# trusted ranges. These cases apply: they come last.
cp "$tmp/m.yml" "$tmp/v.yml"
cat >>"$tmp/v.yml" <<'YML'
  vault:
    network: vaultnet
    services:
      ui:
        port: 443
        instances: [10.8.0.10]
        frontends: ["192.0.2.20:8443/tcp"]
      db:
        port: 5432
        internal: true
        instances: [10.8.0.20]
networks:
  vaultnet:
    cidrs: [10.8.0.0/16]
YML
sed 's|^    cidrs: \[10.8.0.0/16\]$|    isolated: true\n&|' "$tmp/v.yml" >"$tmp/v-iso.yml"
sed 's|^    network: vaultnet$|&\n    trusted: [198.51.100.0/24]|' "$tmp/v.yml" >"$tmp/v-trust.yml"
sed 's|^    trusted: \[198.51.100.0/24\]$|    trusted: [198.51.100.0/24, "2001:db8:7::/48"]|' \
	"$tmp/v-trust.yml" >"$tmp/v-trust2.yml"
# the same ranges written otherwise (one inside the other, another order)
sed 's|^    trusted: \[198.51.100.0/24\]$|    trusted: [198.51.100.128/25, 198.51.100.0/24]|' \
	"$tmp/v-trust.yml" >"$tmp/v-trust-same.yml"
chmod 644 "$tmp"/v*.yml

# change_lines N: the last run's stdout has N lines of changed services,
# addresses and ports (the sizes of the source maps change with trust).
change_lines()
{
	local n
	n=$(grep -c '^[-+~] \(service\|address\|port\) ' <<<"$out")
	[ "$n" = "$1" ] || nl_why "$n change lines, want $1: $(nl_oneline "$out")"
}

nl_begin dry_run_isolation_toggled
run enf_ns apply --json -f "$tmp/v.yml"
want_rc 0
before=$(state)
run enf_ns apply --dry-run -f "$tmp/v-iso.yml"
want_rc 0
want_line "~ service vault/db: isolated false -> true"
want_line "~ service vault/ui: isolated false -> true"
change_lines 2
grep -q '^changes from generation [0-9]* to generation [0-9]*: services +0 -0 ~2, addresses +0 -0, ports +0 -0, settings ~0$' <<<"$out" ||
	nl_why "no summary line: $(nl_oneline "$(tail -1 <<<"$out")")"
run enf_ns apply --dry-run --json -f "$tmp/v-iso.yml"
want_rc 0
is_json
want_jq '.changes.changed == true and .changes.same_manifest == false'
want_jq '.changes.services == {added: [], removed: [], changed: [
	 {app: "vault", service: "db", from: {network: "vaultnet", public: false, isolated: false, trusted: null},
	  to: {network: "vaultnet", public: false, isolated: true, trusted: null}, trusted_ranges_changed: false},
	 {app: "vault", service: "ui", from: {network: "vaultnet", public: true, isolated: false, trusted: false},
	  to: {network: "vaultnet", public: true, isolated: true, trusted: false}, trusted_ranges_changed: false}]}'
want_jq '.changes.addresses == {added: [], removed: []} and .changes.ports == {added: [], removed: []}'
[ "$(state)" = "$before" ] || nl_why "status says '$(state)' after the dry runs, '$before' before"
nl_end

nl_begin dry_run_trusted_ranges_added
before=$(state)
run enf_ns apply --dry-run -f "$tmp/v-trust.yml"
want_rc 0
want_line "~ service vault/ui: trusted ranges added"
change_lines 1	# vault/db is internal: no public port to trust
run enf_ns apply --dry-run --json -f "$tmp/v-trust.yml"
want_rc 0
is_json
want_jq '.changes.services == {added: [], removed: [], changed: [
	 {app: "vault", service: "ui", from: {network: "vaultnet", public: true, isolated: false, trusted: false},
	  to: {network: "vaultnet", public: true, isolated: false, trusted: true}, trusted_ranges_changed: false}]}'
want_jq '.changes.addresses == {added: [], removed: []} and .changes.ports == {added: [], removed: []}'
[ "$(state)" = "$before" ] || nl_why "status says '$(state)' after the dry runs, '$before' before"
nl_end

nl_begin dry_run_trusted_ranges_changed_or_removed
run enf_ns apply --json -f "$tmp/v-trust.yml"
want_rc 0
before=$(state)
run enf_ns apply --dry-run -f "$tmp/v-trust2.yml"
want_rc 0
want_line "~ service vault/ui: trusted ranges changed"
change_lines 1
run enf_ns apply --dry-run --json -f "$tmp/v-trust2.yml"
want_rc 0
is_json
want_jq '.changes.services.changed == [
	 {app: "vault", service: "ui", from: {network: "vaultnet", public: true, isolated: false, trusted: true},
	  to: {network: "vaultnet", public: true, isolated: false, trusted: true}, trusted_ranges_changed: true}]'
run enf_ns apply --dry-run -f "$tmp/v.yml"
want_rc 0
want_line "~ service vault/ui: trusted ranges removed"
change_lines 1
run enf_ns apply --dry-run -f "$tmp/v-trust-same.yml"
want_rc 0
change_lines 0	# the same ranges (one more prefix in the classifier)
grep -q '^changes from generation [0-9]* to generation [0-9]*: services +0 -0 ~0,' <<<"$out" ||
	nl_why "no summary line: $(nl_oneline "$(tail -1 <<<"$out")")"
run enf_ns apply --dry-run -f "$tmp/v-iso.yml"
want_rc 0
want_line "~ service vault/db: isolated false -> true"
want_line "~ service vault/ui: isolated false -> true, trusted ranges removed"
change_lines 2
[ "$(state)" = "$before" ] || nl_why "status says '$(state)' after the dry runs, '$before' before"
nl_end

nl_summary
[ "$NL_FAILED" = 0 ]
