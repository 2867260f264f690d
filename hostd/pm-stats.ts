// Per-PM statistics, the processing module daemon's "reporting performance statistics"
// (D3.2 §3.1, docs/platform.md; hostd/README.md "Processing module daemon"): a ClickOS
// guest cannot run a daemon, so dom0 reads for it
//  - its vif counters, from dom0's side of each vif: /sys/class/net/vif<domid>.<n>/statistics.
//    dom0's rx is what the guest sent and dom0's tx what it received, so the figures are
//    turned round into the guest's view (`in` = into the guest);
//  - the Click counters of its running routers: every Counter-like element the config
//    declares (found with clickos-build's parser and flattener), read through its
//    count and byte_count handlers; at most MAX_CLICK_COUNTERS per PM.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { flatten, parse } from '../clickos-build/index.js';
import { ELEMENT_RE } from '../toolstack/limits.js';
import { MAX_CLICK_COUNTERS, type ClickCounter, type VifCounters } from './api.js';

/** Where dom0's network interfaces are (a test points it at a recorded copy). */
export const SYS_CLASS_NET = '/sys/class/net';

/** Element classes whose count and byte_count handlers are packet and byte counts (Click's own docs). */
export const COUNTER_CLASSES: ReadonlySet<string> = new Set(['Counter', 'AverageCounter', 'AverageCounterMP', 'CounterMP', 'AverageCounterIMP']);

const num = async (file: string): Promise<number> => {
  const n = Number((await readFile(file, 'utf8')).trim());
  if (!Number.isFinite(n) || n < 0) throw new Error(`${file}: not a counter`);
  return n;
};

/** The guest-view counters of every vif dom0 has for `domid` (vif<domid>.<n>; the -emu twins of HVM guests are skipped), by vif number. */
export async function vifCounters(domid: number, root = SYS_CLASS_NET): Promise<VifCounters[]> {
  const prefix = `vif${domid}.`;
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)));
  const out = await Promise.all(
    names.map(async (device) => {
      const s = join(root, device, 'statistics');
      const [rxP, rxB, txP, txB] = await Promise.all(['rx_packets', 'rx_bytes', 'tx_packets', 'tx_bytes'].map((f) => num(join(s, f))));
      return { vif: Number(device.slice(prefix.length)), device, inPackets: txP!, inBytes: txB!, outPackets: rxP!, outBytes: rxB! };
    }),
  );
  return out.sort((a, b) => a.vif - b.vif);
}

/**
 * The Counter-like elements of a Click config ClickOS can address (top-level names:
 * a compound's components, `a/b`, cannot be read, guests/router.ts), in config order,
 * at most `max`. An unparsable config has none.
 */
export function counterElements(config: string, max = MAX_CLICK_COUNTERS): Array<{ element: string; class: string }> {
  // Parsed once per config text: pm_stats asks on every poll, and parsing and flattening
  // a config is the costliest JS hostd runs per poll (seconds on an emulated dom0).
  const key = `${max}\0${config}`;
  const hit = parsed.get(key);
  if (hit) return hit;
  const found = parseCounters(config, max);
  if (config.length > MAX_PARSED_CHARS) return found;
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(key, found);
  return found;
}

/** Configs whose counters are remembered (oldest forgotten first). */
const MAX_PARSED = 256;
const MAX_PARSED_CHARS = 64 * 1024;
const parsed = new Map<string, Array<{ element: string; class: string }>>();

function parseCounters(config: string, max: number): Array<{ element: string; class: string }> {
  let router;
  try {
    router = flatten(parse(config, 'config'));
  } catch {
    return [];
  }
  return router.elements
    .filter((e) => COUNTER_CLASSES.has(e.class) && ELEMENT_RE.test(e.name))
    .slice(0, max)
    .map((e) => ({ element: e.name, class: e.class }));
}

export interface HandlerReader {
  /** The installed config of a router. */
  config(rid: number): Promise<string>;
  read(rid: number, element: string, handler: string): Promise<string>;
}

/** Reads count and byte_count of the counters in `rids`' configs (at most MAX_CLICK_COUNTERS in all); a failed read is recorded as an error, not thrown. */
export async function clickCounters(rids: readonly number[], r: HandlerReader): Promise<ClickCounter[]> {
  const wanted: Array<{ rid: number; element: string; class: string }> = [];
  for (const rid of rids) {
    const left = MAX_CLICK_COUNTERS - wanted.length;
    if (left <= 0) break;
    const text = await r.config(rid).catch(() => '');
    for (const e of counterElements(text, left)) wanted.push({ rid, ...e });
  }
  const asCount = (s: string): number => {
    const n = Number(s.trim());
    if (!Number.isFinite(n)) throw new Error(`not a number: ${JSON.stringify(s.slice(0, 40))}`);
    return n;
  };
  return Promise.all(
    wanted.map(async (w) => {
      try {
        const [count, byteCount] = await Promise.all([r.read(w.rid, w.element, 'count'), r.read(w.rid, w.element, 'byte_count')]);
        return { ...w, count: asCount(count), byteCount: asCount(byteCount) };
      } catch (e) {
        return { ...w, count: null, byteCount: null, error: (e as Error).message.slice(0, 512) };
      }
    }),
  );
}
