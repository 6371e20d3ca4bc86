#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Convox links and imports (issue 15, item 5), what the CLI prints:
# `enforcer env` (the <NAME>_URL a service's links give it, text and
# --json, its errors and exit codes) and `enforcer import` (a convox.yml
# from selftests/fixtures/convox/ to a manifest skeleton, exact output,
# the round trip through `enforcer check -f -`, its errors). Needs no root:
# everything reads files (-f), and the pin dir given does not exist.
# Prints ok/FAIL per case and "N passed, N failed".
#
#   selftests/e2e/convox_check.sh [ENFORCER_BINARY]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

enf=${1:-.output/enforcer}
fx=selftests/fixtures/convox
tmp=$(mktemp -d /tmp/convox_check.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
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

oneline() { tr '\n' ' ' <<<"$1" | tr -s ' \t' ' ' | cut -c 1-400; }

# run CMD...: its stdout in $out, stderr in $err, status in $rc.
run()
{
	out=$("$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
}

want_rc() { [ "$rc" = "$1" ] || because "exit $rc, want $1 (stderr: $(oneline "$err"))"; }

# want_out TEXT / want_err TEXT: the last run's whole stdout / stderr.
want_out() { [ "$out" = "$1" ] || because "stdout: '$(oneline "$out")', want '$(oneline "$1")'"; }
want_err() { [ "$err" = "$1" ] || because "stderr: '$(oneline "$err")', want '$(oneline "$1")'"; }

if [ ! -x "$enf" ]; then
	echo "FAIL setup: no enforcer binary at $enf (make .output/enforcer)"
	echo "0 passed, 1 failed"
	exit 1
fi
# A pin dir that does not exist: no case reads the machine's own.
E=("$enf" --pin-dir "$tmp/no-pin-dir")

# ---- enforcer env ----------------------------------------------------------

run "${E[@]}" env -f $fx/links.yml myapp web
want_rc 0
want_out "ADMIN_URL=http://admin.myapp.convox.local:4000
API_URL=http://api.backend.convox.local:5000
BACKGROUND_WORKER_URL=http://background-worker.myapp.convox.local:9000"
want_err ""
verdict env_prints_each_link_url_sorted

run "${E[@]}" env --json -f $fx/links.yml MyApp Web
want_rc 0
want_out '{
  "ADMIN_URL":"http://admin.myapp.convox.local:4000",
  "API_URL":"http://api.backend.convox.local:5000",
  "BACKGROUND_WORKER_URL":"http://background-worker.myapp.convox.local:9000"
}'
verdict env_json_is_one_object_and_names_are_normalised

run "${E[@]}" env -f $fx/links.yml myapp admin
want_rc 0
want_out ""
want_err ""
run "${E[@]}" env -f $fx/links.yml --json backend api
want_rc 0
want_out "{
}"
run "${E[@]}" env -f $fx/links.yml myapp "Background Worker"
want_rc 0
want_out ""
verdict env_of_a_service_without_links_is_empty

run "${E[@]}" env -f $fx/links.yml myap web
want_rc 2
want_out ""
want_err "enforcer: env: unknown app 'myap'; did you mean 'myapp'?"
verdict env_unknown_app_suggests_the_closest

run "${E[@]}" env -f $fx/links.yml myapp wbe
want_rc 2
want_err "enforcer: env: unknown service 'wbe' in app myapp; did you mean 'web'?"
verdict env_unknown_service_suggests_the_closest

run "${E[@]}" env -f $fx/links.yml myapp database
want_rc 2
want_err "enforcer: env: unknown service 'database' in app myapp ('enforcer services -f $fx/links.yml' lists them)"
run "${E[@]}" env -f $fx/links.yml shop web
want_rc 2
want_err "enforcer: env: unknown app 'shop' ('enforcer services -f $fx/links.yml' lists them)"
verdict env_unknown_name_far_from_all_says_where_they_are_listed

cat >"$tmp/nozones.yml" <<'YML'
apps:
  a:
    services:
      web: { port: 80, links: [api] }
      api: { port: 81 }
YML
run "${E[@]}" env -f "$tmp/nozones.yml" a web
want_rc 2
want_out ""
want_err "enforcer: env: $tmp/nozones.yml has no zones: a link's URL needs the private name of the service it links to (add zones:, such as \"{service}.{app}.convox.local\")"
verdict env_manifest_without_zones_says_it_cannot_name_a_service

cat >"$tmp/noname.yml" <<'YML'
zones: ["{app}.internal", "{index}.{service}.x.internal"]
apps:
  a:
    services:
      web: { port: 80, links: [api] }
      api: { port: 81, links: [web] }
YML
run "${E[@]}" env -f "$tmp/noname.yml" a api
want_rc 0
want_out "WEB_URL=http://a.internal:80"
run "${E[@]}" env -f "$tmp/noname.yml" a web
want_rc 2
want_out ""
want_err "enforcer: env: no zone template gives a/api a name of its own, so its link has no URL (a template with {index} names instances; one without {service} names only an app's web service)"
verdict env_link_to_a_service_no_template_names_says_so

run "${E[@]}" env myapp web
want_rc 2
want_err "enforcer: env: nothing applied in $tmp/no-pin-dir (give -f MANIFEST)"
verdict env_without_f_and_nothing_applied_says_to_give_f

run "${E[@]}" env -f $fx/links.yml myapp
want_rc 2
grep -qxF "enforcer: env: missing operands (expected APP SERVICE)" <<<"$err" ||
	because "no missing-operands line: $(oneline "$err")"
grep -qF "usage: enforcer [--pin-dir DIR] env [-f MANIFEST] [--json] APP SERVICE" <<<"$err" ||
	because "no usage: $(oneline "$err")"
run "${E[@]}" env -f $fx/links.yml myapp web extra
want_rc 2
grep -qxF "enforcer: env: too many operands (expected APP SERVICE)" <<<"$err" ||
	because "no too-many line: $(oneline "$err")"
verdict env_needs_app_and_service

sed 's/links: \[admin, /links: [admn, /' $fx/links.yml >"$tmp/badlink.yml"
run "${E[@]}" env -f "$tmp/badlink.yml" myapp web
want_rc 2
want_out ""
want_err "$tmp/badlink.yml:15:17: apps.myapp.services.web.links[0]: unknown service 'admn' in app myapp (did you mean admin? services: web, admin, background-worker, worker)"
run "${E[@]}" env -f "$tmp/does-not-exist.yml" myapp web
want_rc 2
want_err "$tmp/does-not-exist.yml: cannot read manifest: No such file or directory"
verdict env_of_a_bad_manifest_says_why_and_exits_2

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
