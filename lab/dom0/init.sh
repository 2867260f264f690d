#!/usr/bin/busybox sh
# dom0's first stage (runs from the initramfs): mount the host's root and the Xen
# tools tree over 9p, lay them under a tmpfs overlay, and switch into that root.
# Lines starting with LAB-STEP / LAB-FAIL are read by the host (lab/boot.ts).
/usr/bin/busybox mkdir -p /usr/sbin
/usr/bin/busybox --install -s /usr/bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
exec </dev/console >/dev/console 2>&1

fail() { echo "LAB-FAIL initramfs: $*"; sleep 1; poweroff -f; }

echo "LAB-STEP modules"
while read -r m; do insmod "$m" || fail "insmod $m"; done < /usr/lib/lab-modules/load-order

# shellcheck disable=SC2013 # /proc/cmdline is one line; its words are wanted
for w in $(cat /proc/cmdline); do case "$w" in labboot=*) LABBOOT="${w#labboot=}" ;; labproject=*) LABPROJECT="${w#labproject=}" ;; esac; done
[ -n "$LABBOOT" ] || fail "no labboot= on the kernel command line"

echo "LAB-STEP 9p"
mkdir -p /host /xen /rw /newroot
# A large msize makes 9p reads (node_modules, the kernel) several times faster.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /host || fail "mount 9p hostroot"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 xenroot /xen || fail "mount 9p xenroot"
mount -t tmpfs -o size=1024m rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/xen:/host,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "mount overlay"
# Keep the raw shares reachable from dom0 (e.g. to see a file the overlay hides).
mkdir -p /newroot/mnt/host /newroot/mnt/xen
mount --move /host /newroot/mnt/host
mount --move /xen /newroot/mnt/xen
# dom0's boot.sh mounts proc, sysfs and devtmpfs afresh inside the new root.
umount /proc /sys /dev 2>/dev/null
# The project (dist, node_modules) again, on top, with cache=loose: without it every stat
# of a module goes to the host (a node daemon's start makes ~1800), seconds a start under
# emulation. The lab agent drops the caches before each command it runs, so a command sees
# the host's files as they are then (lab/agent/server.ts).
if [ -n "$LABPROJECT" ]; then
  mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose project "/newroot$LABPROJECT" || fail "mount 9p project"
fi
[ -x "/newroot$LABBOOT" ] || fail "$LABBOOT is not in the shared root"
echo "LAB-STEP switch-root"
exec switch_root /newroot /usr/bin/bash "$LABBOOT"
