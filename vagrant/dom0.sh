#!/bin/bash
# A module host after its reboot into Xen: the dom0 start sequence (the one the QEMU lab
# runs, lab/dom0/xen-dom0.sh; here systemd's units usually did it already), then xenbr0
# bridging the data NIC so ClickOS vifs reach the switch.
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh
: "${DATA_IP:?}"

grep -qs control_d /proc/xen/capabilities ||
  mount -t xenfs xenfs /proc/xen 2>/dev/null || true
grep -qs control_d /proc/xen/capabilities ||
  die "this kernel does not run as Xen's dom0 (no control_d in /proc/xen/capabilities): did the machine boot Xen? Is nested virtualization on (libvirt: host-passthrough; VirtualBox: --nested-hw-virt)? See 'xl dmesg' / the GRUB menu"

log "xen services"
for unit in proc-xen.mount xenstored.service xen-init-dom0.service xenconsoled.service; do
  if systemctl cat "$unit" >/dev/null 2>&1; then systemctl enable --now "$unit"; fi
done

log "dom0 start sequence (shared with lab/)"
mkdir -p /var/run/xenstored /var/lib/xenstored /var/run/xen /var/log/xen/console /var/lib/xen
dom0_fail() { die "$*"; }
DOM0_IF_NEEDED=1
# shellcheck source=lab/dom0/xen-dom0.sh
. /vagrant/lab/dom0/xen-dom0.sh
dom0_modules
dom0_xenfs
dom0_xenstored xenstored
dom0_init
dom0_xenconsoled
dom0_bridge xenbr0
xl info >/dev/null || die "xl info fails: the toolstack cannot reach Xen"

log "data plane: xenbr0 $DATA_IP/24"
mapfile -t nics < <(data_nics)
[ "${#nics[@]}" -eq 1 ] || die "want one data NIC, found ${#nics[@]}: ${nics[*]:-none}"
ip link set "${nics[0]}" up
ip link set "${nics[0]}" master xenbr0
ip addr replace "$DATA_IP/24" dev xenbr0
# The same at every boot (ifupdown; bridge-utils is installed by base.sh).
cat > /etc/network/interfaces.d/xenbr0 <<IFACE
auto xenbr0
iface xenbr0 inet static
    address $DATA_IP/24
    bridge_ports ${nics[0]}
    bridge_stp off
    bridge_fd 0
IFACE
