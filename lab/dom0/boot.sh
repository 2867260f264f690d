#!/usr/bin/bash
# dom0's second stage, PID 1 in the overlay root: the dom0 start sequence of
# xen-lab-facts.md (order matters), then the exec agent the host talks to.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
step() { echo "LAB-STEP $*"; }
fail() { echo "LAB-FAIL $STEP: $*"; for f in /var/log/xen/*.log; do [ -f "$f" ] && tail -n 5 "$f"; done; sleep 1; busybox poweroff -f; }
run() { STEP="$1"; step "$1"; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for w in $(cat /proc/cmdline); do case "$w" in labrun=*) LABRUN="${w#labrun=}" ;; esac; done
[ -f "$LABRUN/boot.env" ] || { STEP=config; fail "no $LABRUN/boot.env"; }
# shellcheck disable=SC1091
source "$LABRUN/boot.env"   # LAB_PORT LAB_TOKEN_FILE LAB_NODE LAB_AGENT LAB_XENSTORED

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
# xen-privcmd before xenfs: xenfs needs its symbols.
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc bridge xen-netback veth tun; do
  busybox modprobe "$m" || fail "modprobe $m"
done
mount -t xenfs xenfs /proc/xen || fail "mount xenfs (needed by xenstored for the dom0 port)"

run xenstored
case "${LAB_XENSTORED:-xenstored}" in
  oxenstored) /usr/lib/xen-4.17/bin/oxenstored --pid-file=/var/run/xenstored.pid >/var/log/xen/xenstored.out 2>&1 || fail "oxenstored exited $?" ;;
  xenstored) /usr/lib/xen-4.17/bin/xenstored --pid-file=/var/run/xenstored.pid >/var/log/xen/xenstored.out 2>&1 || fail "xenstored exited $?" ;;
  *) fail "LAB_XENSTORED must be xenstored or oxenstored" ;;
esac
for _ in $(seq 100); do [ -S /var/run/xenstored/socket ] && break; sleep 0.1; done
[ -S /var/run/xenstored/socket ] || fail "no socket at /var/run/xenstored/socket"

run xen-init-dom0
# Writes dom0's and Pool-0's nodes; without it xl create fails "Illegal pool specified".
/usr/lib/xen-4.17/bin/xen-init-dom0 || fail "xen-init-dom0 exited $?"

run xenconsoled
/usr/lib/xen-4.17/bin/xenconsoled --pid-file=/var/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || fail "xenconsoled exited $?"

run bridge
ip link add xenbr0 type bridge || fail "ip link add xenbr0"
ip link set xenbr0 up || fail "xenbr0 up"

run network
ip link set lo up
NIC=$(ls /sys/class/net | grep -v -e '^lo$' -e '^xenbr' | head -n 1)
[ -n "$NIC" ] || fail "no virtio NIC"
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
