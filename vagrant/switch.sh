#!/bin/bash
# The switch: Open vSwitch bridge br0 over both data links, OpenFlow 1.3, the
# controller's openflowd as its controller; standalone (a learning switch) until
# the controller installs flows. Management: ovsdb on tcp 6640, for the controller.
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh
: "${CONTROLLER_IP:?}"

log "open vswitch"
apt_install openvswitch-switch
systemctl enable --now openvswitch-switch

mapfile -t nics < <(data_nics)
[ "${#nics[@]}" -eq 2 ] || die "want two data NICs (one per module host), found ${#nics[@]}: ${nics[*]:-none}"
ovs-vsctl --may-exist add-br br0 \
  -- set bridge br0 protocols=OpenFlow13 fail-mode=standalone \
  -- set-controller br0 "tcp:$CONTROLLER_IP:6653" \
  -- set-manager ptcp:6640
for nic in "${nics[@]}"; do
  ip addr flush dev "$nic"
  ip link set "$nic" up
  ovs-vsctl --may-exist add-port br0 "$nic"
done
ip link set br0 up
ip addr replace 10.10.0.254/24 dev br0
ovs-vsctl show
