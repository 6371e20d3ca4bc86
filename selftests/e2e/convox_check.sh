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

# ---- enforcer import -------------------------------------------------------

# each fixture, its app, and the manifest it must become (selftests/fixtures/convox/)
for fa in seed000-blog:myapp seed001-links:backend forms:shop; do
	f=${fa%%:*} app=${fa##*:}
	run "${E[@]}" import $fx/$f.yml --app $app
	want_rc 0
	want_err ""
	[ "$out" = "$(cat $fx/$f.expected.yml)" ] ||
		because "differs from $f.expected.yml: $(diff <(echo "$out") $fx/$f.expected.yml | head -n 6 | tr '\n' ' ')"
	verdict "import_${f//-/_}_makes_the_expected_manifest"

	run bash -c '"$1" --pin-dir "$2" import "$3" --app "$4" | "$1" --pin-dir "$2" check -f -' \
		_ "$enf" "$tmp/no-pin-dir" $fx/$f.yml $app
	want_rc 0
	grep -q '^valid -: 1 apps, ' <<<"$out" || because "check says: $(oneline "$out")"
	verdict "import_${f//-/_}_round_trips_through_check"
done

# the links carried over are what `enforcer env` makes URLs of
run bash -c '"$1" --pin-dir "$2" import "$3" --app backend | "$1" --pin-dir "$2" env -f - backend web' \
	_ "$enf" "$tmp/no-pin-dir" $fx/seed001-links.yml
want_rc 0
want_out "API_URL=http://api.backend.convox.local:4000"
run bash -c '"$1" --pin-dir "$2" import "$3" --app myapp | "$1" --pin-dir "$2" env -f - myapp worker' \
	_ "$enf" "$tmp/no-pin-dir" $fx/seed000-blog.yml
want_rc 0
want_out "ADMIN_URL=http://admin.myapp.convox.local:4000"
verdict import_then_env_gives_the_link_urls

# options before the operand, standard input, -o FILE
run "${E[@]}" import --app backend - <$fx/seed001-links.yml
want_rc 0
[ "$out" = "$(sed 's|^# selftests/fixtures/convox/seed001-links.yml$|# (stdin)|' $fx/seed001-links.expected.yml)" ] ||
	because "stdin: $(oneline "$out")"
run "${E[@]}" import -o "$tmp/out.yml" $fx/seed001-links.yml --app backend
want_rc 0
want_out ""
cmp -s "$tmp/out.yml" $fx/seed001-links.expected.yml || because "-o wrote something else"
verdict import_reads_stdin_and_writes_o_file

printf 'services:\n  web:\n    port: 3000\n  - x\n' >"$tmp/notyaml.yml"
run "${E[@]}" import "$tmp/notyaml.yml" --app a -o "$tmp/none.yml"
want_rc 2
want_out ""
want_err "$tmp/notyaml.yml:4:3: yaml: did not find expected key (while parsing a block mapping at line 2 column 3)"
[ ! -e "$tmp/none.yml" ] || because "-o written on failure"
verdict import_of_text_that_is_not_yaml_says_where

printf 'resources:\n  db: { type: postgres }\n' >"$tmp/noservices.yml"
run "${E[@]}" import "$tmp/noservices.yml" --app a
want_rc 2
want_err "$tmp/noservices.yml:1:1: convox.yml: no services: (expected services: with at least one service, as in a convox.yml)"
verdict import_without_services_is_an_error

printf 'services:\n  web:\n    port: https:70000\n    links: [apl]\n  api: { port: 80 }\n' >"$tmp/badsvc.yml"
run "${E[@]}" import "$tmp/badsvc.yml" --app a
want_rc 2
want_err "$tmp/badsvc.yml:3:11: services.web.port: invalid port 'https:70000' (expected a port number 1..65535, such as 3000 or https:3000)
$tmp/badsvc.yml:4:13: services.web.links[0]: unknown service 'apl' (did you mean api? services: web, api)"
verdict import_errors_name_file_line_column_and_field

run "${E[@]}" import $fx/seed001-links.yml
want_rc 2
want_err "enforcer: import: --app NAME is required (the app's name in Convox, as in \`convox apps\`)
enforcer: 'enforcer import --help' shows its usage"
run "${E[@]}" import $fx/seed001-links.yml --app My_App
want_rc 2
want_err "enforcer: import: invalid app name 'My_App' (expected 1-63 characters a-z, 0-9 and '-'; letters are lowercased and spaces become '-')"
run "${E[@]}" import $fx/seed001-links.yml $fx/forms.yml --app a
want_rc 2
grep -qxF "enforcer: import: too many operands (expected one convox.yml, or - for standard input)" <<<"$err" ||
	because "too many: $(oneline "$err")"
run "${E[@]}" import --app a
want_rc 2
grep -qxF "enforcer: import: missing CONVOX_YML (expected one convox.yml, or - for standard input)" <<<"$err" ||
	because "missing: $(oneline "$err")"
run "${E[@]}" import "$tmp/nosuch.yml" --app a
want_rc 2
want_err "$tmp/nosuch.yml: cannot read convox.yml: No such file or directory"
verdict import_bad_command_lines_exit_2

run "${E[@]}" import $fx/seed001-links.yml --app a -o "$tmp/no-such-dir/out.yml"
want_rc 1
want_err "enforcer: import: cannot write '$tmp/no-such-dir/out.yml': No such file or directory"
mkdir "$tmp/adir"
run "${E[@]}" import $fx/seed001-links.yml --app a -o "$tmp/adir"
want_rc 1
want_err "enforcer: import: cannot write '$tmp/adir': Is a directory"
left=$(find "$tmp" -name 'adir.import.*')
[ -z "$left" ] || because "left behind: $left"
verdict import_that_cannot_write_exits_1_and_leaves_nothing

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
