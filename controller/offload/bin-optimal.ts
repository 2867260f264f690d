import { binTotal, type Bin } from './bin.js';
import type { OffloadStrategy, Update } from './strategy.js';
import { sortedMinus } from './table.js';
import { topK } from './topk.js';

/**
 * Bin-optimal (seed §2.4.1.2): knows each bin's traffic in advance and installs that
 * bin's top n for it, instantly. No strategy with a table of n can offload more of a
 * bin, so its gain is an upper bound; its churn is the traffic's own volatility.
 */
export class BinOptimal implements OffloadStrategy {
  readonly name = 'bin-optimal';
  private installed = new Uint32Array(0);

  constructor(readonly n: number) {
    if (!(n >= 1)) throw new Error(`bin-optimal: n must be at least 1 (got ${n})`);
  }

  update(bin: Bin): Update {
    const top = binTop(bin, this.n);
    let offloaded = 0;
    for (const p of top) offloaded += bin.counts[p]!;
    const next = Uint32Array.from(top, (p) => bin.ids[p]!).sort();
    const added = sortedMinus(next, this.installed);
    const removed = sortedMinus(this.installed, next);
    this.installed = next;
    const total = binTotal(bin);
    return { installed: next, added, removed, changes: added.length, software: total - offloaded, total };
  }
}

/** Positions in bin.ids of the bin's k busiest prefixes; one ranking serves every n fed the same bin. */
const ranked = new WeakMap<Bin, { k: number; list: Uint32Array }>();
export function binTop(bin: Bin, k: number): Uint32Array {
  const r = ranked.get(bin);
  if (r && r.k >= k) return r.list.length > k ? r.list.subarray(0, k) : r.list;
  const list = topK(bin.counts, k);
  ranked.set(bin, { k, list });
  return list;
}
