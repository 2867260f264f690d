#!/bin/bash
# Node 20 from nodejs.org's latest v20 release, checked against its SHASUMS256.
# (Debian 12 ships Node 18; the project needs 20.)
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh

if command -v node >/dev/null && node --version | grep -q '^v20\.'; then
  log "node $(node --version) already installed"
  exit 0
fi
base=https://nodejs.org/dist/latest-v20.x
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt"
tarball=$(awk '/node-v20\.[0-9.]*-linux-x64\.tar\.xz$/ { print $2; exit }' "$tmp/SHASUMS256.txt")
[ -n "$tarball" ] || die "no linux-x64 tarball listed in $base/SHASUMS256.txt"
log "node: $tarball"
curl -fsSL "$base/$tarball" -o "$tmp/$tarball"
(cd "$tmp" && grep " $tarball\$" SHASUMS256.txt | sha256sum -c -) || die "$tarball: checksum mismatch"
tar -xJf "$tmp/$tarball" -C /usr/local --strip-components=1 --no-same-owner
node --version
