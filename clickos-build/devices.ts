// The vifs a flattened config opens: FromDevice(N) and ToDevice(N), N defaulting to 0 as in
// ClickOS's own elements. One rule for the image's xl.cfg (a vif per device) and for the
// toolstack's check that a guest has every vif a config opens (docs/clickos.md: netfront
// hangs on a missing one).
import type { FlatRouter } from './flatten.js';

const DEVICE_CLASSES = new Set(['FromDevice', 'ToDevice']);

/** The device numbers the router opens, sorted and unique. */
export function devicesOpened(router: FlatRouter): number[] {
  const used = new Set<number>();
  for (const el of router.elements) {
    if (!DEVICE_CLASSES.has(el.class)) continue;
    const n = /^\s*(\d+)\s*$/.exec(el.args[0] || '0');
    if (n) used.add(Number(n[1]));
  }
  return [...used].sort((a, b) => a - b);
}
