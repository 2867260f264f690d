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
# The ClickOS-protocol stand-in (see clickos-agent.sh); its output goes to the console.
clickos-agent &
xenstore-write data/ready 1 || echo "guest: cannot write data/ready"
echo "guest: ready"
# The probe is watch-driven and the interface loop spawns nothing unless a state
# changed: an idle guest must not eat the CPU (twenty of them share two emulated cores).
xenstore-watch data/probe | while read -r _; do
  probe=$(xenstore-read data/probe/ls 2>/dev/null) || continue
  [ -n "$probe" ] || continue
  xenstore-rm data/probe/ls
  out=$(xenstore-ls "$probe" 2>&1; echo "exit=$?")
  xenstore-write data/probe/result "$out"
done &
last=""
while true; do
  now=""
  for dev in /sys/class/net/eth*; do
    [ -e "$dev" ] || continue
    read -r state < "$dev/operstate"
    now="$now ${dev##*/}=$state"
  done
  if [ "$now" != "$last" ]; then
    for dev in /sys/class/net/eth*; do
      [ -e "$dev" ] || continue
      ifc=${dev##*/}
      ip link set "$ifc" up 2>/dev/null
      read -r mac < "$dev/address"
      read -r state < "$dev/operstate"
      xenstore-write "data/net/$ifc/mac" "$mac" "data/net/$ifc/operstate" "$state"
      echo "guest: $ifc $mac $state"
    done
    last=$now
  fi
  sleep 1
done
