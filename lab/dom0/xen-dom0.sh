# shellcheck shell=bash
# The dom0 start sequence of docs/xl.md (order matters), shared by the QEMU lab's
# dom0 (lab/dom0/boot.sh) and the Vagrant lab's module hosts (vagrant/dom0.sh).
# Source it, then define dom0_fail MESSAGE (must not return). Settings:
#   XEN_BIN                 Xen's programs (default /usr/lib/xen-4.17/bin, Debian 12)
#   DOM0_BUSYBOX_MODPROBE=1 load modules with busybox's modprobe (the QEMU lab's dom0)
#   DOM0_IF_NEEDED=1        skip what already runs (a systemd dom0 may have started it)
XEN_BIN=${XEN_BIN:-/usr/lib/xen-4.17/bin}
# xen-privcmd before xenfs: xenfs needs its symbols.
DOM0_MODULES=(xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc bridge xen-netback veth tun)

dom0_if_needed() { [ "${DOM0_IF_NEEDED:-0}" = 1 ]; }

dom0_modules() {
  local m
  for m in "${DOM0_MODULES[@]}"; do
    if [ "${DOM0_BUSYBOX_MODPROBE:-0}" = 1 ]; then
      busybox modprobe "$m" || dom0_fail "modprobe $m"
    else
      modprobe "$m" || dom0_fail "modprobe $m"
    fi
  done
}

dom0_xenfs() {
  if dom0_if_needed && grep -qs ' /proc/xen xenfs ' /proc/mounts; then return 0; fi
  mount -t xenfs xenfs /proc/xen || dom0_fail "mount xenfs (needed by xenstored for the dom0 port)"
}

# dom0_xenstored xenstored|oxenstored
dom0_xenstored() {
  if dom0_if_needed && [ -S /var/run/xenstored/socket ]; then return 0; fi
  case "$1" in
    oxenstored) "$XEN_BIN/oxenstored" --pid-file=/var/run/xenstored.pid >/var/log/xen/xenstored.out 2>&1 || dom0_fail "oxenstored exited $?" ;;
    xenstored) "$XEN_BIN/xenstored" --pid-file=/var/run/xenstored.pid >/var/log/xen/xenstored.out 2>&1 || dom0_fail "xenstored exited $?" ;;
    *) dom0_fail "LAB_XENSTORED must be xenstored or oxenstored" ;;
  esac
  for _ in $(seq 100); do [ -S /var/run/xenstored/socket ] && break; sleep 0.1; done
  [ -S /var/run/xenstored/socket ] || dom0_fail "no socket at /var/run/xenstored/socket"
}

# Writes dom0's and Pool-0's nodes; without it xl create fails "Illegal pool specified".
dom0_init() {
  if dom0_if_needed && xenstore-read /local/domain/0/name >/dev/null 2>&1; then return 0; fi
  "$XEN_BIN/xen-init-dom0" || dom0_fail "xen-init-dom0 exited $?"
}

dom0_xenconsoled() {
  if dom0_if_needed && [ -f /var/run/xenconsoled.pid ] && kill -0 "$(cat /var/run/xenconsoled.pid)" 2>/dev/null; then return 0; fi
  "$XEN_BIN/xenconsoled" --pid-file=/var/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || dom0_fail "xenconsoled exited $?"
}

# dom0_bridge NAME: the Linux bridge guests' vifs join (vif-bridge)
dom0_bridge() {
  if ! dom0_if_needed || ! [ -d "/sys/class/net/$1" ]; then
    ip link add "$1" type bridge || dom0_fail "ip link add $1"
  fi
  ip link set "$1" up || dom0_fail "$1 up"
}
