#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# deploy/ checked offline (issue 15, item 1):
#   - every Kubernetes object (DaemonSet, ConfigMap, the kustomization's
#     ConfigMap) against the Kubernetes schemas of the npm package
#     kubernetes-models, unknown fields included, and the DaemonSet against
#     what the agent needs (selftests/deploy/validate.mjs);
#   - the systemd unit with `systemd-analyze verify` (any warning fails);
#   - deploy/manifest.yaml is a valid manifest, deploy/configmap.yaml is its
#     rendering (make deploy/configmap.yaml);
#   - the Containerfile's runtime stage installs a package for every shared
#     library the binary names (NEEDED), and its RUNTIME_PACKAGES line (which
#     scripts/build-image.sh reads) says the same;
#   - `make install` puts the binary, the unit and the docs where the unit
#     and the image expect them.
# The npm packages are installed from selftests/deploy/package-lock.json
# into .output/deploy-node (once; again when the lock file changes).
# No root needed. Prints ok/FAIL per case, then "N passed, N failed".
#
#   selftests/e2e/deploy_check.sh [ENFORCER_BINARY]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

enf=${1:-.output/enforcer}
NODE_DIR=.output/deploy-node
passed=0 failed=0
why=""
because() { why="${why:+$why; }$*"; }
verdict()
{
	if [ -z "$why" ]; then
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "    $why"
		echo "FAIL $1"
		failed=$((failed + 1))
	fi
	why=""
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- the Kubernetes objects, with the schemas from npm ----
mkdir -p "$NODE_DIR"
if ! cmp -s selftests/deploy/package-lock.json "$NODE_DIR/package-lock.json" ||
   [ ! -d "$NODE_DIR/node_modules/kubernetes-models" ]; then
	cp selftests/deploy/package.json selftests/deploy/package-lock.json "$NODE_DIR/"
	if ! (cd "$NODE_DIR" && timeout 600 npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1; then
		rm -f "$NODE_DIR/package-lock.json"	# not installed: try again next time
		because "npm ci of selftests/deploy/package-lock.json failed: $(tail -n 3 "$tmp/npm.log" | tr '\n' ' ')"
	fi
fi
verdict npm_packages_of_the_schemas_installed
cp selftests/deploy/validate.mjs "$NODE_DIR/validate.mjs"
node "$NODE_DIR/validate.mjs" deploy >"$tmp/validate.out" 2>&1
rc=$?
sed '$d' "$tmp/validate.out"
read -r p _ f _ < <(tail -n 1 "$tmp/validate.out")
if [[ "${p:-}" =~ ^[0-9]+$ && "${f:-}" =~ ^[0-9]+$ ]] && [ $rc = $((f > 0)) ]; then
	passed=$((passed + p)) failed=$((failed + f))
else
	echo "    validate.mjs ended without a count (exit $rc): $(tail -n 2 "$tmp/validate.out" | tr '\n' ' ')"
	echo "FAIL validate_mjs_runs"
	failed=$((failed + 1))
fi

# ---- the systemd unit ----
# the unit's binary path must exist for verify: the build's, in a copy
sed "s|/usr/sbin/enforcer|$PWD/$enf|g" deploy/enforcer.service >"$tmp/enforcer.service"
out=$(systemd-analyze verify "$tmp/enforcer.service" 2>&1)
[ $? = 0 ] && [ -z "$out" ] || because "systemd-analyze verify: $(tr '\n' ' ' <<<"$out")"
grep -q '^CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_SYS_ADMIN CAP_PERFMON$' deploy/enforcer.service ||
	because "the unit's CapabilityBoundingSet is not the DaemonSet's four capabilities"
verdict systemd_unit_verifies

# ---- the manifest and its ConfigMap ----
out=$("$enf" check -f deploy/manifest.yaml 2>&1) || because "enforcer check -f deploy/manifest.yaml: $out"
verdict example_manifest_is_valid
scripts/render-configmap.sh deploy/manifest.yaml >"$tmp/configmap.yaml"
diff -u deploy/configmap.yaml "$tmp/configmap.yaml" >"$tmp/cm.diff" ||
	because "deploy/configmap.yaml is not the rendering of deploy/manifest.yaml (make deploy/configmap.yaml): $(head -c 300 "$tmp/cm.diff" | tr '\n' ' ')"
verdict configmap_is_the_rendered_manifest
# a gzip'd file goes to binaryData, and the daemon reads the rendered key
gzip -9c deploy/manifest.yaml >"$tmp/rack.yaml.gz"
scripts/render-configmap.sh "$tmp/rack.yaml.gz" >"$tmp/cmgz.yaml"
mkdir -p "$tmp/vol"
python3 - "$tmp/cmgz.yaml" "$tmp/vol" <<'EOF' || because "cannot decode binaryData"
import base64, re, sys
text = open(sys.argv[1]).read()
m = re.search(r'^binaryData:\n  (\S+): (\S+)$', text, re.M)
open(sys.argv[2] + '/' + m.group(1), 'wb').write(base64.b64decode(m.group(2)))
EOF
out=$("$enf" check -f "$tmp/vol" 2>&1) || because "the binaryData key as a volume file: $out"
verdict gzip_manifest_renders_to_binary_data

# ---- the image recipe ----
pkgs=$(sed -n 's/^# RUNTIME_PACKAGES //p' deploy/Containerfile)
[ -n "$pkgs" ] || because "no '# RUNTIME_PACKAGES' line in deploy/Containerfile"
# the runtime stage's apt-get install line(s): after the last FROM
installed=$(awk '/^FROM /{s=""} {s=s"\n"$0} END{print s}' deploy/Containerfile |
	sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
	grep -vxE 'apt-get|install|rm|rf|DEBIAN_FRONTEND=noninteractive' | sort -u)
[ "$(tr ' ' '\n' <<<"$pkgs" | sort -u)" = "$installed" ] ||
	because "RUNTIME_PACKAGES ($pkgs) differ from the runtime stage's install ($(echo $installed))"
# the libraries the binary names (NEEDED); theirs come with their packages
while read -r lib; do
	p=$(dpkg -S "*/$lib" 2>/dev/null | grep -v -- '-dev:' | head -n 1 | cut -d: -f1)
	[ -n "$p" ] || { because "no package owns $lib"; continue; }
	case " $pkgs libc6 " in *" $p "*) ;; *) because "$lib ($p) is not in the runtime stage" ;; esac
done < <(readelf -d "$enf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
verdict image_runtime_stage_has_every_linked_library

# ---- make install ----
make -s install DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/install.log" 2>&1 || because "make install: $(tail -n 2 "$tmp/install.log")"
for f in usr/sbin/enforcer usr/lib/systemd/system/enforcer.service usr/share/doc/enforcer/daemon.md; do
	[ -e "$tmp/root/$f" ] || because "make install did not install /$f"
done
grep -q '^ExecStart=/usr/sbin/enforcer daemon' "$tmp/root/usr/lib/systemd/system/enforcer.service" 2>/dev/null ||
	because "the installed unit does not start /usr/sbin/enforcer"
verdict make_install_places_binary_unit_and_docs

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
