#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The ConfigMap enforcer-manifest from manifest files, for `kubectl apply -f`
# (kustomization.yaml makes the same from deploy/manifest.yaml). Each file is
# one key; a *.gz file goes to binaryData (base64), as
# `kubectl create configmap --from-file` does.
#
#   scripts/render-configmap.sh [--name NAME] FILE... > configmap.yaml
#   make deploy/configmap.yaml     (from deploy/manifest.yaml)
set -euo pipefail

name=enforcer-manifest
if [ "${1:-}" = "--name" ]; then
	name=$2
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [--name NAME] FILE..." >&2; exit 2; }

cat <<HDR
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Rendered by scripts/render-configmap.sh from $*: edit that, then
# \`make deploy/configmap.yaml\`. The DaemonSet mounts it as a directory of
# manifests (docs/manifest.md).
apiVersion: v1
kind: ConfigMap
metadata:
  name: $name
  namespace: kube-system
  labels:
    app.kubernetes.io/name: enforcer
HDR
text=() bin=()
for f in "$@"; do
	[ -f "$f" ] || { echo "render-configmap: no file $f" >&2; exit 2; }
	if [ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then bin+=("$f"); else text+=("$f"); fi
done
if [ ${#text[@]} -gt 0 ]; then
	echo "data:"
	for f in "${text[@]}"; do
		echo "  $(basename "$f"): |"
		sed 's/^/    /; s/^    $//' "$f"
	done
fi
if [ ${#bin[@]} -gt 0 ]; then
	echo "binaryData:"
	for f in "${bin[@]}"; do
		echo "  $(basename "$f"): $(base64 -w0 "$f")"
	done
fi
