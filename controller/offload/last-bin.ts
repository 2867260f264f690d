import { binTotal, type Bin } from './bin.js';
import { binTop } from './bin-optimal.js';
import type { OffloadStrategy, Update } from './strategy.js';
import { sortedMinus, Table } from './table.js';

/**
 * Last bin's top n: bin-optimal one bin late. It knows the freshest past there is and
 * changes without limit, so its gain is what following the past alone can keep of a
 * trace; TFO trades some of it for low churn. A reference for the evaluation, not a
 * strategy to run (README "Bin-optimal, LRU, LFU").
 */
export class LastBinTop implements OffloadStrategy {
  readonly name = 'last-bin top n';
  private table: Table;

  constructor(readonly n: number) {
    if (!(n >= 1)) throw new Error(`last-bin top n: n must be at least 1 (got ${n})`);
    this.table = new Table(n);
  }

  update(bin: Bin): Update {
    const total = binTotal(bin);
    const software = total - this.table.offloaded(bin);
    const before = this.table.snapshot();
    const next = Uint32Array.from(binTop(bin, this.n), (p) => bin.ids[p]!).sort();
    const added = sortedMinus(next, before);
    const removed = sortedMinus(before, next);
    for (const id of removed) this.table.remove(id);
    for (const id of added) this.table.add(id);
    return { installed: next, added, removed, changes: added.length, software, total };
  }
}
