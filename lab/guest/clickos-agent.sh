#!/usr/bin/busybox sh
# A protocol stand-in for ClickOS in the lab's test guest: it implements the
# *guest side* of the ClickOS XenStore protocol (../shared/docs/clickos-facts.md)
# so the toolstack can be tested on real Xen. It does not run Click: it reads the
# config, "initialises" it by checking its element declarations and device
# numbers, answers handler reads and writes, and bridges its vifs while Running.
#   data/clickos                   created at boot ("" ), then watched
#   <rid>/config/0..n              read on Running, up to the first missing chunk
#   <rid>/status                   Running starts, Halted stops, anything else ignored
#   <rid>/control/read/<e>/<h>     read handler <e>.<h>; reply in 0/elements/<e>/<h>, then .../lock = 0
#   <rid>/elements/<e>/<h>         handler write (ignored while stopped or empty)
# Handlers: <e>.class, <e>.config, <e>.name; FromDevice(N)/ToDevice(N).count from
# the vif counters, .reset_counts; any other handler stores what is written.
# Images from before 2016 used the root `clickos` and waited for the toolstack to
# create it: the kernel parameter clickos.legacy makes the stand-in behave so.
ROOT=data/clickos
LEGACY=0
grep -qw clickos.legacy /proc/cmdline && { ROOT=clickos; LEGACY=1; }
STATE=/run/clickos
mkdir -p "$STATE"
DOMID=$(xenstore-read domid)
HOME_PATH=/local/domain/$DOMID

log() { echo "clickos: $*"; }

running() { [ -f "$STATE/$1/running" ]; }

# Sets the bridge "click" up (1) or down (0) through sysfs: the shell's own echo,
# where `ip link` would cost a process.
bridge_up() {
  read -r flags < /sys/class/net/click/flags
  if [ "$1" = 1 ]; then flags=$((flags | 1)); else flags=$((flags & ~1)); fi
  echo "$flags" > /sys/class/net/click/flags
}

start_router() {
  rid=$1
  running "$rid" && return
  # Forks are what a start costs here (each ≈ 40 ms, a xenstore-* process twice
  # that under emulation), so the shell does what it can itself.
  [ -e "$STATE/$rid" ] && rm -rf "${STATE:?}/$rid"
  mkdir -p "$STATE/$rid/h"
  # config/0..n-1: listed once and read in order by one process (clickos-xs.c).
  i=$(clickos-xs config "$ROOT/$rid/config" "$STATE/$rid/config" 2>/dev/null) || { i=0; : > "$STATE/$rid/config"; }
  # Declarations "name :: Class(args)"; ClickOS would parse the whole language.
  # Each line split at ';' (one process: awk), each piece matched as a declaration.
  awk '{
    n = split($0, piece, ";")
    for (i = 1; i <= n; i++) {
      if (!match(piece[i], /^[[:space:]]*[A-Za-z_][A-Za-z0-9_@]*[[:space:]]*::[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\([^)]*\)/)) continue
      d = substr(piece[i], 1, RLENGTH); sub(/^[[:space:]]*/, "", d)
      name = d; sub(/[[:space:]]*::.*/, "", name)
      rest = d; sub(/^[^:]*::[[:space:]]*/, "", rest)
      class = rest; sub(/[[:space:]]*\(.*/, "", class)
      args = rest; sub(/^[^(]*\(/, "", args); sub(/\)$/, "", args)
      print name, class, args
    }
  }' "$STATE/$rid/config" > "$STATE/$rid/elements"
  if [ ! -s "$STATE/$rid/elements" ]; then
    log "router $rid: initialization failed: no element declarations in the configuration ($i chunks)"
    return
  fi
  n=0
  while read -r name class args; do
    n=$((n + 1))
    case "$class" in
      FromDevice | ToDevice)
        dev=${args%%,*}
        # xenbus has a device vif-N for each device/vif/N of ours: no xenstore-read needed
        if ! [ -e "/sys/bus/xen/devices/vif-$dev" ]; then
          log "router $rid: initialization failed: $name :: $class($args): no vif $dev"
          return
        fi ;;
    esac
  done < "$STATE/$rid/elements"
  : > "$STATE/$rid/running"
  # Forward frames between the vifs while Running: init.sh puts every interface in
  # the bridge "click" as it appears; the bridge is up while a router runs.
  for d in /sys/class/net/eth*; do [ -e "$d" ] && ! [ -e "$d/master" ] && ip link set "${d##*/}" master click up; done
  bridge_up 1
  log "router $rid: running ($n elements)"
  # After the running line, which is what the toolstack waits for: tests use it to
  # check that every byte arrived.
  # shellcheck disable=SC2046 # split "md5  -" and the byte count into $1 $2 $3
  set -- $(md5sum < "$STATE/$rid/config"; wc -c < "$STATE/$rid/config")
  log "router $rid: config $3 bytes, md5 $1"
}

stop_router() {
  rid=$1
  running "$rid" || return
  rm -f "$STATE/$rid/running"
  for r in "$STATE"/*/running; do [ -e "$r" ] && break; done
  [ -e "$r" ] || bridge_up 0
  log "router $rid: halted"
}

counter() { cat "/sys/class/net/eth$1/statistics/$2" 2>/dev/null || echo 0; }

read_handler() {
  rid=$1 elem=$2 handler=$3
  line=$(grep "^$elem " "$STATE/$rid/elements") || return 1
  # shellcheck disable=SC2086 # split the line into its fields on purpose
  set -- $line
  class=$2
  args=${line#* * }
  [ "$args" = "$line" ] && args=""
  case "$handler" in
    class) echo "$class" ;;
    name) echo "$elem" ;;
    config) echo "$args" ;;
    count)
      dev=${args%%,*}
      case "$class" in
        FromDevice) n=$(counter "$dev" rx_packets) ;;
        ToDevice) n=$(counter "$dev" tx_packets) ;;
        *) return 1 ;;
      esac
      base=$(cat "$STATE/$rid/h/$elem.count.base" 2>/dev/null || echo 0)
      echo $((n - base)) ;;
    *) cat "$STATE/$rid/h/$elem.$handler" 2>/dev/null || return 1 ;;
  esac
}

write_handler() {
  rid=$1 elem=$2 handler=$3 value=$4
  grep -q "^$elem " "$STATE/$rid/elements" || return
  case "$handler" in
    reset_counts)
      line=$(grep "^$elem " "$STATE/$rid/elements")
      # shellcheck disable=SC2086 # split the line into its fields on purpose
      set -- $line
      dev=${3%%,*}
      case "$2" in FromDevice) counter "$dev" rx_packets ;; ToDevice) counter "$dev" tx_packets ;; esac > "$STATE/$rid/h/$elem.count.base" ;;
    *) printf '%s' "$value" > "$STATE/$rid/h/$elem.$handler" ;;
  esac
  log "router $rid: write $elem.$handler"
}

log "waiting for routers under $ROOT"
first=1
# The watch is set before the root is created (the initial event says it is set):
# the toolstack installs as soon as the root exists, and writes made before the
# watch would be lost.
# clickos-xs watch: xenstore-watch's lines, with the value after a status node's path.
clickos-xs watch "$ROOT" | while read -r path value; do
  if [ "$first" = 1 ]; then
    first=0
    if [ "$LEGACY" = 0 ]; then
      xenstore-write "$ROOT" "" || { log "cannot create $ROOT"; exit 1; }
    fi
    # (data/agent tells the lab's tests the watch is set: with the legacy root
    # there is no other sign.)
    xenstore-write data/agent watching
    continue
  fi
  rel=${path#"$HOME_PATH"/}
  rel=${rel#"$ROOT"/}
  rid=${rel%%/*}
  case "$rid" in *[!0-9]* | "") continue ;; esac
  rest=${rel#"$rid"}
  rest=${rest#/}
  case "$rest" in
    status)
      case "$value" in
        Running) start_router "$rid" ;;
        Halted) stop_router "$rid" ;;
      esac ;;
    control/read/*/*)
      running "$rid" || continue
      eh=${rest#control/read/}
      elem=${eh%%/*} handler=${eh#*/}
      xenstore-exists "$ROOT/$rid/$rest" || continue
      if value=$(read_handler "$rid" "$elem" "$handler"); then
        # Router 0 is hard-coded for replies in ClickOS.
        printf '%s' "$value" > "$STATE/last-reply"
        xenstore-write "$ROOT/0/elements/$elem/$handler" "$value"
        xenstore-write "$ROOT/0/elements/$elem/$handler/lock" "0"
      fi ;;
    elements/*/*/lock) ;;
    elements/*/*)
      running "$rid" || continue
      eh=${rest#elements/}
      elem=${eh%%/*} handler=${eh#*/}
      value=$(xenstore-read "$ROOT/$rid/$rest" 2>/dev/null) || continue
      [ -n "$value" ] || continue
      # Our own reply to a read lands here too: not a write.
      [ "$rid" = 0 ] && [ "$value" = "$(cat "$STATE/last-reply" 2>/dev/null)" ] && continue
      write_handler "$rid" "$elem" "$handler" "$value" ;;
  esac
done
