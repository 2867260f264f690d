#!/usr/bin/bash
# dom0's second stage, PID 1 in the overlay root: the dom0 start sequence of
# docs/xl.md (order matters; in xen-dom0.sh), then the exec agent the host talks to.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
step() { echo "LAB-STEP $*"; }
fail() { echo "LAB-FAIL $STEP: $*"; for f in /var/log/xen/*.log; do [ -f "$f" ] && tail -n 5 "$f"; done; sleep 1; busybox poweroff -f; }
run() { STEP="$1"; step "$1"; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# shellcheck disable=SC2013 # /proc/cmdline is one line; its words are wanted
for w in $(cat /proc/cmdline); do case "$w" in labrun=*) LABRUN="${w#labrun=}" ;; esac; done
[ -f "$LABRUN/boot.env" ] || { STEP=config; fail "no $LABRUN/boot.env"; }
# shellcheck disable=SC1091
source "$LABRUN/boot.env"   # LAB_PORT LAB_TOKEN_FILE LAB_NODE LAB_AGENT LAB_XENSTORED
# The start sequence itself is shared with the Vagrant lab (vagrant/dom0.sh).
# shellcheck source=lab/dom0/xen-dom0.sh
source "$(dirname "${BASH_SOURCE[0]}")/xen-dom0.sh" || { STEP=config; fail "no xen-dom0.sh beside $0"; }
dom0_fail() { fail "$@"; }

run mounts
# The host's /run and /dev/pts must not leak into dom0. /tmp stays the overlay's:
# a checkout under the host's /tmp must remain visible (writes land in dom0's RAM).
mount -t tmpfs -o mode=755 run /run || fail "tmpfs /run"
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mkdir -p /root /var/lock /var/run/xenstored /var/lib/xenstored /var/run/xen /var/log/xen/console /var/lib/xen
ln -sf /proc/self/fd /dev/fd

run xen-modules
DOM0_BUSYBOX_MODPROBE=1
dom0_modules
dom0_xenfs

run xenstored
dom0_xenstored "${LAB_XENSTORED:-xenstored}"

run xen-init-dom0
dom0_init

run xenconsoled
dom0_xenconsoled

# A Running ClickOS router polls and keeps its vCPU busy (docs/clickos.md): dom0, which runs
# the toolstack and the tests, gets the scheduler's largest weight, guests what is left.
# Xen 4.17 schedules with credit2 by default; credit is the older one. Not fatal: the lab
# works without it, only slower with busy guests.
run sched
xl sched-credit2 -d 0 -w 65535 >/dev/null 2>&1 || xl sched-credit -d 0 -w 65535 >/dev/null 2>&1 || echo "LAB-WARN dom0's scheduler weight not set"

run bridge
dom0_bridge xenbr0

run network
ip link set lo up
# shellcheck disable=SC2010 # kernel interface names have no blanks or newlines
NIC=$(ls /sys/class/net | grep -v -e '^lo$' -e '^xenbr' | head -n 1)
[ -n "$NIC" ] || fail "no virtio NIC"
# shellcheck disable=SC2015 # any step of the chain failing is the failure reported
ip link set "$NIC" up && ip addr add 10.0.2.15/24 dev "$NIC" && ip route add default via 10.0.2.2 || fail "configure $NIC"

run agent
[ -f "$LAB_AGENT" ] || fail "$LAB_AGENT is not visible in dom0 (run npm run build)"
"$LAB_NODE" "$LAB_AGENT" --port "$LAB_PORT" --token-file "$LAB_TOKEN_FILE" >/var/log/lab-agent.log 2>&1 &
AGENT=$!
for _ in $(seq 600); do
  grep -q listening /var/log/lab-agent.log && break
  kill -0 "$AGENT" 2>/dev/null || fail "the agent exited: $(tail -n 5 /var/log/lab-agent.log)"
  sleep 0.2
done
grep -q listening /var/log/lab-agent.log || fail "the agent did not listen within 120 s"
step ready

# PID 1 must never exit; bash reaps orphans as they are reparented to it.
while true; do wait; sleep 5; done
