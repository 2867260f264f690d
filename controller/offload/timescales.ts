import { binIdLimit, type Bin } from './bin.js';
import { growFloat64 } from './grow.js';
import { topK } from './topk.js';

/**
 * Per-prefix traffic at several time scales (TFO's statistics, README "TFO"): for each
 * scale an exponentially weighted moving average of packets per bin with a time constant
 * of τ bins (τ = 1 is the last bin alone). One object can serve several TFO instances
 * (e.g. one per n in the evaluation): observe() is idempotent per bin index, and top()
 * keeps the longest ranking asked for this bin.
 */
export class MultiScaleStats {
  /** Time constants in bins, ascending: scales[0] is the smallest time scale. */
  readonly scales: readonly number[];
  private values: Float64Array<ArrayBuffer>[];
  private limit = 0;
  private lastIndex = -1;
  /** This bin's ranking per scale, computed for the largest k asked so far. */
  private ranked: ({ k: number; list: Uint32Array } | null)[];

  constructor(scales: readonly number[]) {
    if (scales.length === 0) throw new Error('TFO needs at least one time scale');
    for (const s of scales) if (!(s >= 1)) throw new Error(`time scale ${s}: a time constant is at least 1 bin`);
    this.scales = [...scales].sort((a, b) => a - b);
    this.values = this.scales.map(() => new Float64Array(0));
    this.ranked = this.scales.map(() => null);
  }

  /** Fold a bin in; the same bin twice (same index) counts once. */
  observe(bin: Bin): void {
    if (bin.index === this.lastIndex) return;
    if (bin.index < this.lastIndex) throw new Error(`bin ${bin.index} after bin ${this.lastIndex}: bins must come in order`);
    this.lastIndex = bin.index;
    this.limit = Math.max(this.limit, binIdLimit(bin));
    for (let s = 0; s < this.scales.length; s++) {
      const v = (this.values[s] = growFloat64(this.values[s]!, this.limit));
      const a = 1 / this.scales[s]!;
      const keep = 1 - a;
      // Flush what has decayed below a millionth of a packet per bin: keeps the
      // candidates few and the arithmetic out of subnormals.
      for (let i = 0; i < this.limit; i++) {
        const x = v[i]! * keep;
        v[i] = x < 1e-6 ? 0 : x;
      }
      for (let i = 0; i < bin.ids.length; i++) v[bin.ids[i]!] += a * bin.counts[i]!;
      this.ranked[s] = null;
    }
  }

  /** Packets per bin of a prefix at scale s (index into `scales`). */
  value(s: number, id: number): number {
    const v = this.values[s]!;
    return id < v.length ? v[id]! : 0;
  }

  /** The k prefixes with most traffic at scale s, most first. */
  top(s: number, k: number): Uint32Array {
    const r = this.ranked[s];
    if (r && r.k >= k) return r.list.length > k ? r.list.subarray(0, k) : r.list;
    const list = topK(this.values[s]!, k, this.limit);
    this.ranked[s] = { k, list };
    return list;
  }
}
