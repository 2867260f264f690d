#!/bin/bash
# hostd, the module host's daemon: its systemd unit and config from $PROJECT/hostd/.
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh
: "${PROJECT:?}"
unit="$PROJECT/hostd/hostd.service"

if [ ! -f "$unit" ]; then
  echo "warning: $unit does not exist in this checkout: hostd is not installed (the rest of the lab is up)" >&2
  if [ "${HOSTD_REQUIRED:-0}" = 1 ]; then die "HOSTD_REQUIRED=1 and no hostd unit"; fi
  exit 0
fi
log "hostd"
mkdir -p /etc/clickos
for cfg in "$PROJECT"/hostd/hostd.json "$PROJECT"/hostd/hostd.conf; do
  if [ -f "$cfg" ] && [ ! -f "/etc/clickos/${cfg##*/}" ]; then cp "$cfg" /etc/clickos/; fi
done
cp "$unit" /etc/systemd/system/hostd.service
systemctl daemon-reload
systemctl enable hostd.service
systemctl restart hostd.service
systemctl --no-pager status hostd.service
