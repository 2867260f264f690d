#!/bin/bash
# A module host's hypervisor: Debian's Xen 4.17 as the default boot entry, with a
# fixed dom0 memory size (ballooning dom0 down makes guest creation slow and flaky).
# The Vagrantfile reboots the machine after this script.
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh

log "xen"
apt_install xen-system-amd64 xen-tools xenstore-utils grub2-common

log "grub: boot Xen by default"
# Debian's documented way: list the Xen entries (20_linux_xen) before plain Linux.
if [ -e /etc/grub.d/20_linux_xen ]; then
  dpkg-divert --divert /etc/grub.d/08_linux_xen --rename /etc/grub.d/20_linux_xen
fi
cat > /etc/default/grub.d/zz-clickos-lab.cfg <<'GRUB'
GRUB_DEFAULT=0
GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1536M,max:1536M dom0_max_vcpus=1 console=vga,com1"
GRUB
update-grub
# After the reboot vagrant/dom0.sh checks that this kernel runs as Xen's dom0.
