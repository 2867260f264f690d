#!/bin/bash
# ClickOS on a module host: fetch the four source trees, then clickos-build builds one
# image holding the elements the lab's configs need, and writes the xl.cfg that boots it.
#   CLICKOS_CONFIGS  configs to build for (default: $PROJECT/vagrant/clickos/*.click)
#   CLICKOS_SRC      where the trees go (default /opt/clickos-src)
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh
: "${PROJECT:?}"
src=${CLICKOS_SRC:-/opt/clickos-src}

log "ClickOS build prerequisites"
apt_install build-essential autoconf automake texinfo wget git gzip

log "sources into $src"
mkdir -p "$src"
clone() { # clone DIR URL [REF]
  [ -d "$src/$1/.git" ] && return 0
  if [ -n "${3:-}" ]; then git clone --depth 1 -b "$3" "$2" "$src/$1"; else git clone "$2" "$src/$1"; fi
}
clone clickos https://github.com/sysml/clickos.git
clone mini-os https://github.com/sysml/mini-os.git
clone toolchain https://github.com/sysml/toolchain.git
clone xen https://xenbits.xen.org/git-http/xen.git RELEASE-4.11.4

log "clickos-build image"
if [ -n "${CLICKOS_CONFIGS:-}" ]; then
  read -r -a configs <<<"$CLICKOS_CONFIGS"
else
  configs=("$PROJECT"/vagrant/clickos/*.click)
fi
mkdir -p /etc/xen/clickos
clickos-build plan --src "$src" "${configs[@]}"
clickos-build image --json --src "$src" --cache /var/cache/clickos-build \
  --out /etc/xen/clickos/lab.cfg --name clickos-lab "${configs[@]}" > /etc/xen/clickos/lab.json
jq -r '"image " + .image + " (cached: " + (.cached | tostring) + ")"' /etc/xen/clickos/lab.json
cat /etc/xen/clickos/lab.cfg
