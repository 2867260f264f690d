#!/bin/bash
# Open vSwitch in the lab's dom0, started on demand (not at boot: it costs ≈15 s
# under TCG and most tests use the Linux bridge xenbr0).
#   openvswitch.sh start BRIDGE   ovsdb-server + ovs-vswitchd, and BRIDGE if missing
#   openvswitch.sh stop           both stopped, datapath and database removed
# Default paths (/etc/openvswitch, /var/run/openvswitch) as Debian's
# openvswitch-switch uses them, because Xen's vif-openvswitch hotplug script runs
# a plain `ovs-vsctl` and must find this database. The lab's dom0 kernel has no
# openvswitch module loaded, so the bridge uses the userspace datapath
# (datapath_type=netdev; vifs join through AF_PACKET). dom0's root is a tmpfs
# overlay: nothing here touches the host.
set -euo pipefail
DB=/etc/openvswitch/conf.db
RUN=/var/run/openvswitch

start() {
  local br=$1
  mkdir -p /etc/openvswitch "$RUN" /var/log/openvswitch
  if ! [ -S "$RUN/db.sock" ]; then
    [ -f "$DB" ] || ovsdb-tool create "$DB" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$DB" --remote="punix:$RUN/db.sock" --pidfile --detach --log-file -vconsole:off
    ovs-vsctl --no-wait init
  fi
  if ! [ -f "$RUN/ovs-vswitchd.pid" ] || ! kill -0 "$(cat "$RUN/ovs-vswitchd.pid")" 2>/dev/null; then
    # one that outlived its pidfile would keep the new one from starting: it waits for the datapath
    pkill -9 -x ovs-vswitchd 2>/dev/null || true
    ovs-vswitchd --pidfile --detach --log-file -vconsole:off
  fi
  ovs-vsctl --timeout=60 --may-exist add-br "$br" -- set bridge "$br" datapath_type=netdev
  ip link set "$br" up
}

# Asks a daemon to exit and waits for it; one that does not within 10 s (a loaded emulated
# dom0) is killed, since a survivor would block the next start.
stop_daemon() {
  local pidf="$RUN/$1.pid" pid
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf")
  ovs-appctl -T 10 -t "$1" exit ${2:+"$2"} || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  # --cleanup removes the datapath and its ports (the netdev tap devices)
  stop_daemon ovs-vswitchd --cleanup
  stop_daemon ovsdb-server
  # the userspace datapath's tap device outlives ovs-vswitchd
  ip link del ovs-netdev 2>/dev/null || true
  rm -f "$DB" "$RUN"/*
}

case "${1:-}" in
  start) start "${2:?usage: openvswitch.sh start BRIDGE}" ;;
  stop) stop ;;
  *) echo "usage: openvswitch.sh start BRIDGE | stop" >&2; exit 2 ;;
esac
