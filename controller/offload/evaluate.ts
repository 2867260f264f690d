import type { Bin } from './bin.js';
import type { OffloadStrategy } from './strategy.js';

/** What one strategy did in one bin. */
export interface BinRecord {
  readonly total: number;
  readonly software: number;
  readonly changes: number;
  readonly seconds: number;
}

/** Feeds every bin, in order, to every strategy; records[s][b] is strategy s in bin b. */
export function evaluate(bins: Iterable<Bin>, strategies: readonly OffloadStrategy[]): BinRecord[][] {
  const records: BinRecord[][] = strategies.map(() => []);
  // largest n first: rankings shared between strategies (TFO's statistics, a bin's top)
  // are then computed once per bin, at their deepest
  const order = strategies.map((_, i) => i).sort((a, b) => strategies[b]!.n - strategies[a]!.n || a - b);
  for (const bin of bins) {
    for (const i of order) {
      const u = strategies[i]!.update(bin);
      records[i]!.push({ total: u.total, software: u.software, changes: u.changes, seconds: bin.seconds });
    }
  }
  return records;
}

/**
 * The seed's metrics (§2.4.1.2, §2.4.2.3) over the bins after `warmup` (TFO starts with an
 * empty table and empty statistics; every strategy is measured on the same bins).
 */
export interface Summary {
  readonly bins: number;
  /** Packets per second left to the software router: median and maximum over bins. */
  readonly medianPps: number;
  readonly maxPps: number;
  /** 1 − software packets / all packets. */
  readonly gain: number;
  /** Table changes per bin. */
  readonly medianChurn: number;
  readonly maxChurn: number;
  readonly meanChurn: number;
  readonly churnPerSecond: number;
  /** Mean changes per bin / n: the fraction of the heavy hitters replaced between bins. */
  readonly churnFraction: number;
}

export function summarize(records: readonly BinRecord[], n: number, warmup: number): Summary {
  const r = records.slice(warmup);
  if (r.length === 0) throw new Error(`no bins after a warm-up of ${warmup} (trace has ${records.length})`);
  const pps = r.map((x) => x.software / x.seconds);
  const churn = r.map((x) => x.changes);
  const total = r.reduce((a, x) => a + x.total, 0);
  const soft = r.reduce((a, x) => a + x.software, 0);
  const changes = churn.reduce((a, x) => a + x, 0);
  const seconds = r.reduce((a, x) => a + x.seconds, 0);
  return {
    bins: r.length,
    medianPps: median(pps),
    maxPps: Math.max(...pps),
    gain: total > 0 ? 1 - soft / total : 0,
    medianChurn: median(churn),
    maxChurn: Math.max(...churn),
    meanChurn: changes / r.length,
    churnPerSecond: changes / seconds,
    churnFraction: changes / r.length / n,
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
