#!/usr/bin/busybox sh
# The lab's test guest: a Debian-kernel PV domU with busybox and xenstore-utils.
# It says it is up in XenStore (data/ready) and reports each network interface
# netfront gives it (data/net/<if>/mac, .../operstate) so dom0 can check vifs.
# Probe: when dom0 writes a path to data/probe/ls, the guest lists it with its own
# (unprivileged) rights and writes xenstore-ls's output to data/probe/result.
# clickos-agent speaks the guest side of the ClickOS XenStore protocol.
/usr/bin/busybox --install -s /usr/bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
exec </dev/console >/dev/console 2>&1
# The kernel runs /sbin/poweroff and /sbin/reboot on `xl shutdown` / `xl reboot`;
# busybox's own would signal an init we do not have, so force them.
printf '#!/usr/bin/busybox sh\nexec busybox poweroff -f\n' > /usr/sbin/poweroff
printf '#!/usr/bin/busybox sh\nexec busybox reboot -f\n' > /usr/sbin/reboot
chmod +x /usr/sbin/poweroff /usr/sbin/reboot
while read -r m; do insmod "$m" || echo "guest: insmod $m failed"; done < /usr/lib/lab-modules/load-order
mkdir -p /run
# Only errors on the console: the kernel's info lines (a bridge port changing state
# at each router start) are each a slow hypervisor console write under emulation.
echo 4 > /proc/sys/kernel/printk
# The stand-in forwards between its interfaces through this bridge, up only while a
# router runs (clickos-agent.sh); interfaces join it as they appear (scan below).
ip link add click type bridge
# No IPv6 on it: its address configuration would run at every start (and send
# solicitations through the vifs).
echo 1 > /proc/sys/net/ipv6/conf/click/disable_ipv6
# The ClickOS-protocol stand-in (see clickos-agent.sh); its output goes to the console.
clickos-agent &
xenstore-write data/ready 1 || echo "guest: cannot write data/ready"
echo "guest: ready"
# Both loops below are watch-driven: an idle guest must not eat the CPU (twenty
# of them share two emulated cores).
xenstore-watch data/probe | while read -r _; do
  probe=$(xenstore-read data/probe/ls 2>/dev/null) || continue
  [ -n "$probe" ] || continue
  xenstore-rm data/probe/ls
  out=$(xenstore-ls "$probe" 2>&1; echo "exit=$?")
  xenstore-write data/probe/result "$out"
done &
# Interfaces: rescanned when something under device/ changes (a vif plugged,
# netfront's state moving), then once a second while things settle; otherwise the
# loop blocks on the fifo and an idle guest uses no CPU at all.
mkfifo /run/netev
xenstore-watch device > /run/netev &
exec 3<> /run/netev
scan() {
  now=""
  for dev in /sys/class/net/eth*; do
    [ -e "$dev" ] || continue
    read -r state < "$dev/operstate"
    now="$now ${dev##*/}=$state"
  done
  [ "$now" = "$last" ] && return
  for dev in /sys/class/net/eth*; do
    [ -e "$dev" ] || continue
    ifc=${dev##*/}
    ip link set "$ifc" master click up 2>/dev/null
    read -r mac < "$dev/address"
    read -r state < "$dev/operstate"
    xenstore-write "data/net/$ifc/mac" "$mac" "data/net/$ifc/operstate" "$state"
    echo "guest: $ifc $mac $state"
  done
  last=$now
}
last=""
settle=10
while true; do
  scan
  # shellcheck disable=SC3045 # busybox ash has read -t and -u
  if [ "$settle" -gt 0 ]; then
    if read -r -t 1 -u 3 _; then settle=10; else settle=$((settle - 1)); fi
  else
    # shellcheck disable=SC3045
    read -r -u 3 _
    settle=10
  fi
done
