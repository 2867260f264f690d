#!/bin/bash
# Every lab machine: packages all roles use, and names for the others.
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh

log "base packages"
apt-get update -q
apt_install ca-certificates curl git rsync xz-utils iproute2 bridge-utils jq

log "lab host names"
sed -i '/# clickos-lab$/d' /etc/hosts
cat >> /etc/hosts <<HOSTS
${MGMT_NET%.*}.10 controller # clickos-lab
${MGMT_NET%.*}.20 switch # clickos-lab
${MGMT_NET%.*}.11 host1 # clickos-lab
${MGMT_NET%.*}.12 host2 # clickos-lab
HOSTS
