#!/usr/bin/env bash
# Builds a LOCAL TEST stand-in for Docker Hub's node:20-slim, for machines that cannot pull
# images: Debian bookworm (debootstrap --variant=minbase) plus this machine's Node 20 and npm,
# imported into rootful podman and tagged docker.io/library/node:20-slim, so that the
# unchanged Dockerfile builds with `podman build --pull=never`.
#
# This image is for tests only. Unlike the real one it trusts this machine's CA bundle
# (NODE_EXTRA_CA_CERTS, for `npm ci` behind this network's TLS proxy) and points node-gyp at
# the bundled Node headers (npm_config_nodedir) instead of downloading them. Neither is in the
# shipped Dockerfile.
#
# usage: scripts/container-base.sh [--force]   (does nothing when the tag exists, unless --force)
set -euo pipefail
TAG=${TIPLINE_BASE_TAG:-docker.io/library/node:20-slim}
MIRROR=${TIPLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
here="$(cd "$(dirname "$0")/.." && pwd)"
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/test/container/containers.conf}

if [ "${1:-}" != --force ] && podman image exists "$TAG"; then
  echo "container-base: $TAG exists"
  exit 0
fi
for tool in podman debootstrap node; do
  command -v "$tool" >/dev/null || { echo "container-base: $tool is missing" >&2; exit 1; }
done
node_bin=$(readlink -f "$(command -v node)")
case "$("$node_bin" --version)" in v20.*) ;; *) echo "container-base: need Node 20 on this machine" >&2; exit 1 ;; esac
npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
headers=$(dirname "$node_bin")/../include/node
[ -f "$headers/node.h" ] || { echo "container-base: no Node headers at $headers" >&2; exit 1; }
ca=/etc/ssl/certs/ca-certificates.crt

work=$(mktemp -d /var/tmp/tipline-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; echo "container-base: debootstrap failed" >&2; exit 1; }

# Node where the official image keeps it.
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
cp -a "$(readlink -f "$headers")" "$root/usr/local/include/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# The official image's user: node, uid and gid 1000.
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# Test-only trust of this machine's TLS proxy (see above).
install -m 0644 "$ca" "$root/usr/local/share/tipline-test-ca.crt"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log

tar --numeric-owner -C "$root" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_VERSION='"$("$node_bin" --version | cut -c2-)" \
  --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/tipline-test-ca.crt' \
  --change 'ENV npm_config_nodedir=/usr/local' \
  --change 'CMD ["node"]' \
  - "$TAG" >/dev/null
echo "container-base: built $TAG ($(podman image inspect --format '{{.Size}}' "$TAG") bytes)"
