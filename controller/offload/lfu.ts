import { binIdLimit, type Bin } from './bin.js';
import { growInt32 } from './grow.js';
import { packetOrder } from './packets.js';
import type { OffloadStrategy, Update } from './strategy.js';
import { sortedMinus } from './table.js';

/**
 * LFU route cache, with the seed's optimistic assumption (§2.4.2.1): a missing prefix is
 * installed at once, evicting the entry with the fewest packets since it was installed
 * (in-cache counts; an evicted prefix starts again from 1). Churn = misses.
 *
 * Slots are kept in an array sorted by count; a hit swaps its slot to the end of its
 * count's block before incrementing, so the order holds in O(log n) per packet. Empty
 * slots have count 0 and are used first. A newcomer goes to the end of the count-1 block,
 * so the next miss evicts another of the least frequent, not it.
 */
export class Lfu implements OffloadStrategy {
  readonly name = 'LFU';
  private slotOf = new Int32Array(0);
  private key: Int32Array;
  private count: Float64Array;
  private order: Int32Array;
  private pos: Int32Array;

  constructor(readonly n: number) {
    if (!(n >= 1)) throw new Error(`LFU: n must be at least 1 (got ${n})`);
    this.key = new Int32Array(n).fill(-1);
    this.count = new Float64Array(n);
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.pos = Int32Array.from({ length: n }, (_, i) => i);
  }

  update(bin: Bin): Update {
    const before = this.snapshot();
    const pk = packetOrder(bin);
    const slotOf = (this.slotOf = growInt32(this.slotOf, binIdLimit(bin), -1));
    const { key, count } = this;
    let misses = 0;
    for (let i = 0; i < pk.length; i++) {
      const id = pk[i]!;
      let s = slotOf[id]!;
      if (s < 0) {
        misses++;
        s = this.order[0]!;
        if (key[s]! >= 0) slotOf[key[s]!] = -1;
        key[s] = id;
        slotOf[id] = s;
        // restart at 0 in place (still the minimum), step past the empty slots to count 1,
        // then to the end of the count-1 block, so the next miss evicts an older entry
        count[s] = 0;
        this.toBlockEnd(s);
        count[s] = 1;
        this.toBlockEnd(s);
        continue;
      }
      this.toBlockEnd(s);
      count[s]++;
    }
    const after = this.snapshot();
    return { installed: after, added: sortedMinus(after, before), removed: sortedMinus(before, after), changes: misses, software: misses, total: pk.length };
  }

  /** Swap s to the last position holding its count: incrementing it there keeps `order` sorted. */
  private toBlockEnd(s: number): void {
    const { order, pos, count, n } = this;
    const c = count[s]!;
    let lo = pos[s]!;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (count[order[mid]!]! === c) lo = mid;
      else hi = mid - 1;
    }
    const p = pos[s]!;
    const t = order[lo]!;
    order[p] = t;
    pos[t] = p;
    order[lo] = s;
    pos[s] = lo;
  }

  private snapshot(): Uint32Array {
    const ids: number[] = [];
    for (let s = 0; s < this.n; s++) if (this.key[s]! >= 0) ids.push(this.key[s]!);
    return Uint32Array.from(ids).sort();
  }
}
