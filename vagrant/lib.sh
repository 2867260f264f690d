# shellcheck shell=bash
# Helpers the provisioning scripts share. Source it; set -eu is the caller's.
log() { echo "==> $*"; }
die() { echo "provisioning failed: $*" >&2; exit 1; }

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# The NICs of the data plane: not lo, not the default route's, not the management one,
# and none of the bridges, tunnels or vifs the lab adds. One per line.
data_nics() {
  local mgmt_nic nat_nic dev name
  mgmt_nic=$(ip -o -4 addr show to "${MGMT_NET:?}" | awk '{ print $2; exit }')
  nat_nic=$(ip -o route show default | awk '{ print $5; exit }')
  for dev in /sys/class/net/*; do
    name=${dev##*/}
    [ -e "$dev/device" ] || continue # physical (virtual-machine) NICs only
    case "$name" in "$mgmt_nic" | "$nat_nic") continue ;; esac
    echo "$name"
  done
}
