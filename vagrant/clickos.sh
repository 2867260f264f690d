#!/bin/bash
# ClickOS on a module host: fetch the pinned ClickOS sources, then clickos-build builds one
# image holding the elements the lab's configs need, and writes the xl.cfg that boots it
# (clickos-build/build/README.md).
#   CLICKOS_CONFIGS  configs to build for (default: $PROJECT/vagrant/clickos/*.click)
#   CLICKOS_SRC      where the pinned tarballs go (default /opt/clickos-src)
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh
: "${PROJECT:?}"
src=${CLICKOS_SRC:-/opt/clickos-src}

log "ClickOS build prerequisites"
apt_install build-essential texinfo autoconf automake bison flex gawk patch perl git xz-utils

if [ -f "$src/SHA256SUMS" ] && (cd "$src" && sha256sum --check --quiet SHA256SUMS); then
  log "pinned sources in $src check"
else
  log "pinned sources into $src"
  clickos-build fetch "$src"
fi

log "clickos-build image"
if [ -n "${CLICKOS_CONFIGS:-}" ]; then
  read -r -a configs <<<"$CLICKOS_CONFIGS"
else
  configs=("$PROJECT"/vagrant/clickos/*.click)
fi
mkdir -p /etc/xen/clickos
clickos-build plan "${configs[@]}"
clickos-build image --json --sources "$src" --cache /var/cache/clickos-build \
  --out /etc/xen/clickos/lab.cfg --name clickos-lab --memory 16 "${configs[@]}" > /etc/xen/clickos/lab.json
jq -r '"image " + .image + " (cached: " + (.cached | tostring) + ")"' /etc/xen/clickos/lab.json
cat /etc/xen/clickos/lab.cfg
