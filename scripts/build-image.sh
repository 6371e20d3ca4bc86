#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The agent's container image without a container engine (none runs on
# these machines): what deploy/Containerfile describes, made with Debian's
# tools.
#
#   scripts/build-image.sh [OUT]      (default .output/image; root)
#
#   1. mmdebstrap: a Debian bookworm root with the runtime packages the
#      Containerfile's RUNTIME_PACKAGES line names (essential variant: no
#      apt, no documentation), as a tarball: the base layer. Cached in
#      ENF_IMAGE_CACHE (default .output/image-cache) by the package list.
#   2. `make install PREFIX=/usr` into a staging directory: the second layer.
#   3. umoci: an OCI image layout OUT/oci with the tag of the binary's
#      version, its entrypoint, command, user and labels taken from the
#      Containerfile. `skopeo copy oci:OUT/oci:TAG docker://REGISTRY/...`
#      pushes it; `skopeo inspect` reads it (done here, as a check).
#   4. umoci unpack: OUT/bundle/rootfs, the image's root filesystem, which
#      selftests/e2e/cluster_e2e.sh and `make cluster-demo` run the
#      DaemonSet's command line from.
# Prints the image's tag and digest. Fails (non-zero, a reason) when a step
# does; leaves no mount behind (mmdebstrap cleans its own; nothing else
# mounts).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-.output/image}
CACHE=${ENF_IMAGE_CACHE:-.output/image-cache}
MIRROR=${ENF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm

die() { echo "build-image: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap's root mode, umoci unpack)"
for t in mmdebstrap:mmdebstrap umoci:umoci skopeo:skopeo; do
	command -v "${t%%:*}" >/dev/null || die "${t%%:*} not found (Debian package ${t#*:}; make deps)"
done

pkgs=$(sed -n 's/^# RUNTIME_PACKAGES //p' deploy/Containerfile)
[ -n "$pkgs" ] || die "deploy/Containerfile has no '# RUNTIME_PACKAGES' line"
# ENTRYPOINT ["a", "b"] / CMD [...] / USER n / LABEL k="v" \ ... from the runtime stage
stage=$(awk '/^FROM /{s=""} {s=s $0 "\n"} END{printf "%s", s}' deploy/Containerfile)
entry=$(sed -n 's/^ENTRYPOINT \[\(.*\)\]$/\1/p' <<<"$stage" | tr -d '"' | sed 's/, */ /g')
cmd=$(sed -n 's/^CMD \[\(.*\)\]$/\1/p' <<<"$stage" | tr -d '"' | sed 's/, */ /g')
user=$(sed -n 's/^USER //p' <<<"$stage")
mapfile -t labels < <(sed -n '/^LABEL /,/[^\\]$/p' <<<"$stage" | sed 's/^LABEL //; s/\\$//' |
	grep -oE '[a-z.]+="[^"]*"' | tr -d '"')
[ -n "$entry" ] || die "no ENTRYPOINT in the Containerfile's runtime stage"

make -s .output/enforcer >/dev/null || die "cannot build the enforcer"
version=$(.output/enforcer --version | awk '{ print $2 }')
[ -n "$version" ] || die "enforcer --version printed no version"

mkdir -p "$CACHE" "$OUT"
tmp=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- 1. the base layer ----
key=$(printf '%s %s %s' "$SUITE" "$MIRROR" "$pkgs" | sha256sum | cut -c 1-16)
base=$CACHE/base-$key.tar
if [ ! -s "$base" ]; then
	echo "build-image: mmdebstrap $SUITE with: $pkgs"
	# --variant=essential: dpkg and the Essential set (sh, coreutils,
	# util-linux for setpriv); no apt, docs, manuals or locales
	mmdebstrap --quiet --variant=essential --include="${pkgs// /,}" \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		"$SUITE" "$tmp/base.tar" "$MIRROR" >"$tmp/mmdebstrap.log" 2>&1 ||
		die "mmdebstrap failed: $(tail -n 5 "$tmp/mmdebstrap.log" | tr '\n' ' ')"
	mv "$tmp/base.tar" "$base"
fi

# ---- 2. the enforcer's layer ----
make -s install DESTDIR="$tmp/stage" PREFIX=/usr >/dev/null || die "make install failed"
# the mount points the DaemonSet's volumes use
mkdir -p "$tmp/stage/etc/enforcer/manifest"
tar --owner=0 --group=0 --numeric-owner -C "$tmp/stage" -cf "$tmp/enforcer.tar" . ||
	die "cannot tar the install"

# ---- 3. the OCI layout ----
rm -rf "$OUT/oci" "$OUT/bundle"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:build"
umoci raw add-layer --image "$OUT/oci:build" "$base"
umoci raw add-layer --image "$OUT/oci:build" "$tmp/enforcer.tar"
cfg=(--config.user "${user:-0}" --config.workingdir /)
for e in $entry; do cfg+=(--config.entrypoint "$e"); done
for c in $cmd; do cfg+=(--config.cmd "$c"); done
for l in "${labels[@]}"; do cfg+=(--config.label "$l"); done
umoci config --image "$OUT/oci:build" --tag "$version" "${cfg[@]}" \
	--config.label "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ||
	die "umoci config failed"
umoci rm --image "$OUT/oci:build"
skopeo inspect "oci:$OUT/oci:$version" >"$tmp/inspect.json" || die "skopeo cannot read the layout"

# ---- 4. the root filesystem ----
umoci unpack --image "$OUT/oci:$version" "$OUT/bundle" >/dev/null || die "umoci unpack failed"
[ -x "$OUT/bundle/rootfs/usr/sbin/enforcer" ] || die "the unpacked root has no /usr/sbin/enforcer"
echo "build-image: $OUT/oci:$version $(jq -r .Digest "$tmp/inspect.json"), root $OUT/bundle/rootfs"
