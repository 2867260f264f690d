import { binIdLimit, type Bin } from './bin.js';
import { growInt32 } from './grow.js';
import { packetOrder } from './packets.js';
import type { OffloadStrategy, Update } from './strategy.js';
import { sortedMinus } from './table.js';

/**
 * LRU route cache, with the seed's optimistic assumption (§2.4.2.1): a packet whose
 * prefix misses goes to the software router and its prefix is installed at once,
 * evicting the least recently used; every later packet of it hits. Churn = misses.
 */
export class Lru implements OffloadStrategy {
  readonly name = 'LRU';
  private slotOf = new Int32Array(0);
  private key: Uint32Array;
  /** Doubly linked recency list over slots; slot n is the sentinel (next = most recent). */
  private prev: Int32Array;
  private next: Int32Array;
  private size = 0;

  constructor(readonly n: number) {
    if (!(n >= 1)) throw new Error(`LRU: n must be at least 1 (got ${n})`);
    this.key = new Uint32Array(n);
    this.prev = new Int32Array(n + 1).fill(n);
    this.next = new Int32Array(n + 1).fill(n);
  }

  update(bin: Bin): Update {
    const before = this.snapshot();
    const pk = packetOrder(bin);
    const slotOf = (this.slotOf = growInt32(this.slotOf, binIdLimit(bin), -1));
    const { prev, next, key, n } = this;
    let misses = 0;
    for (let i = 0; i < pk.length; i++) {
      const id = pk[i]!;
      let s = slotOf[id]!;
      if (s >= 0) {
        if (next[n] === s) continue;
        next[prev[s]!] = next[s]!;
        prev[next[s]!] = prev[s]!;
      } else {
        misses++;
        if (this.size < n) s = this.size++;
        else {
          s = prev[n]!;
          next[prev[s]!] = n;
          prev[n] = prev[s]!;
          slotOf[key[s]!] = -1;
        }
        key[s] = id;
        slotOf[id] = s;
      }
      const head = next[n]!;
      next[s] = head;
      prev[s] = n;
      prev[head] = s;
      next[n] = s;
    }
    const after = this.snapshot();
    return { installed: after, added: sortedMinus(after, before), removed: sortedMinus(before, after), changes: misses, software: misses, total: pk.length };
  }

  private snapshot(): Uint32Array {
    return this.key.slice(0, this.size).sort();
  }
}
