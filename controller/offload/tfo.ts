import { binTotal, type Bin } from './bin.js';
import type { OffloadStrategy, Update } from './strategy.js';
import { Table } from './table.js';
import { MultiScaleStats } from './timescales.js';

/**
 * Traffic-aware Flow Offloading, the four steps of seed §2.4.2.2 (README "TFO"):
 *   1. top prefixes of each time scale, taken round-robin until n;
 *   2. the difference with the installed table: candidates to add, to remove;
 *   3. both sorted by share of traffic at the smallest time scale, in inverse orders
 *      (additions most first, removals least first);
 *   4. pairwise swaps only while the addition carries at least `factor` times the
 *      traffic of the removal.
 * The table it returns serves the next bin: TFO only knows the past.
 */
export const TFO_DEFAULTS = {
  /** Step 4's factor, the seed's example. */
  factor: 2,
  /**
   * Time constants in bins; with the seed's 10 s bins: 1 min, 10 min, 1 h. The seed does not
   * give its scales (§2.4.2.2: "short-term as well as long-term trends"). The smallest is
   * what steps 3–4 compare, so it must outlast a bin's packet noise: near rank 2 000 a prefix
   * has a few packets per 10 s, and one bin's count alone makes the factor-2 test compare
   * noise (README "TFO": a 10 s smallest scale changed 19 % of n = 2 000 per bin, this one
   * 3 %, for 1 point of gain).
   */
  timeScales: [6, 60, 360] as readonly number[],
};

export interface TfoOptions {
  n: number;
  factor?: number;
  timeScales?: readonly number[];
  /** Statistics shared with other instances fed the same bins (the evaluation's sweep over n). */
  stats?: MultiScaleStats;
}

/** Step 1: round-robin over ranked lists, skipping repeats, until n or the lists run out. */
export function roundRobin(lists: readonly Uint32Array[], n: number): Uint32Array {
  const out = new Uint32Array(n);
  const seen = new Set<number>();
  let g = 0;
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let r = 0; r < longest && g < n; r++) {
    for (const l of lists) {
      if (r >= l.length) continue;
      const id = l[r]!;
      if (seen.has(id)) continue;
      seen.add(id);
      out[g++] = id;
      if (g === n) break;
    }
  }
  return out.subarray(0, g);
}

/** Step 3: additions most traffic first, removals least first (ties by id, for determinism). */
export function inverseOrders(add: Uint32Array, remove: Uint32Array, share: (id: number) => number): void {
  add.sort((a, b) => share(b) - share(a) || a - b);
  remove.sort((a, b) => share(a) - share(b) || a - b);
}

/**
 * Step 4 over lists ordered by step 3. Free slots (a table not yet full) take additions
 * without removing anything; then addition i replaces removal i while it carries at least
 * `factor` times the traffic. The ratio only falls along the lists, so the first refusal ends it.
 */
export function pickSwaps(add: Uint32Array, remove: Uint32Array, share: (id: number) => number, factor: number, free: number): { added: number[]; removed: number[] } {
  const added: number[] = [];
  const removed: number[] = [];
  let i = 0;
  for (; i < add.length && added.length < free; i++) added.push(add[i]!);
  for (let j = 0; i < add.length && j < remove.length; i++, j++) {
    const a = share(add[i]!);
    if (!(a > 0 && a >= factor * share(remove[j]!))) break;
    added.push(add[i]!);
    removed.push(remove[j]!);
  }
  return { added, removed };
}

export class Tfo implements OffloadStrategy {
  readonly name = 'TFO';
  readonly n: number;
  readonly factor: number;
  readonly stats: MultiScaleStats;
  private table: Table;

  constructor(o: TfoOptions) {
    if (!(o.n >= 1)) throw new Error(`TFO: n must be at least 1 (got ${o.n})`);
    this.n = o.n;
    this.factor = o.factor ?? TFO_DEFAULTS.factor;
    if (!(this.factor >= 1)) throw new Error(`TFO: factor must be at least 1 (got ${this.factor})`);
    this.stats = o.stats ?? new MultiScaleStats(o.timeScales ?? TFO_DEFAULTS.timeScales);
    this.table = new Table(this.n);
  }

  update(bin: Bin): Update {
    const total = binTotal(bin);
    const software = total - this.table.offloaded(bin);
    const st = this.stats;
    st.observe(bin);
    const pre = roundRobin(st.scales.map((_, s) => st.top(s, this.n)), this.n);
    const inPre = new Set(pre);
    const add = pre.filter((id) => !this.table.has(id));
    const remove = this.table.snapshot().filter((id) => !inPre.has(id));
    const share = (id: number): number => st.value(0, id);
    inverseOrders(add, remove, share);
    const { added, removed } = pickSwaps(add, remove, share, this.factor, this.n - this.table.size);
    for (const id of removed) this.table.remove(id);
    for (const id of added) this.table.add(id);
    return {
      installed: this.table.snapshot(),
      added: Uint32Array.from(added).sort(),
      removed: Uint32Array.from(removed).sort(),
      changes: added.length,
      software,
      total,
    };
  }
}
