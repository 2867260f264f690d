import type { Bin } from './bin.js';

/**
 * A trace's prefix popularity over its whole length beside the seed's bounds for the ISP
 * trace (§2.4.1.1, Fig. 2.9a). Written once: bench/offload prints it, the evaluation
 * test checks it, profiles.ts is fitted to it.
 */
export interface PopularityRow {
  readonly name: string;
  /** Share of all packets. */
  readonly share: number;
  /** The seed's bound, as printed. */
  readonly seed: string;
  /** Inside the seed's bound. */
  readonly ok: boolean;
}

/** §2.4.1.1: top 10 > 20 %, top 1 000 > 50 %, the next 1 000 < 5 %, the least popular half < 1 %. */
export const SEED_POPULARITY = { top10Min: 0.2, top1000Min: 0.5, next1000Max: 0.05, lowerHalfMax: 0.01 } as const;

/** Adds each bin's packets into `into`, indexed by prefix id. */
export function sumBins(bins: Iterable<Bin>, into: Float64Array): void {
  for (const b of bins) for (let i = 0; i < b.ids.length; i++) into[b.ids[i]!] += b.counts[i]!;
}

/** Fig. 2.9(a)'s figures from per-prefix packet totals (prefixes never seen are left out, as in a capture). */
export function popularityRows(total: Float64Array): PopularityRow[] {
  const s = Float64Array.from(total.filter((x) => x > 0)).sort().reverse();
  const all = s.reduce((a, x) => a + x, 0);
  const share = (lo: number, hi: number): number => {
    let t = 0;
    for (let i = lo; i < Math.min(hi, s.length); i++) t += s[i]!;
    return all > 0 ? t / all : 0;
  };
  const b = SEED_POPULARITY;
  const top10 = share(0, 10);
  const top1000 = share(0, 1000);
  const next1000 = share(1000, 2000);
  const lower = share(Math.ceil(s.length / 2), s.length);
  return [
    { name: 'top 10', share: top10, seed: `> ${100 * b.top10Min}%`, ok: top10 > b.top10Min },
    { name: 'top 1000', share: top1000, seed: `> ${100 * b.top1000Min}%`, ok: top1000 > b.top1000Min },
    { name: 'ranks 1001–2000', share: next1000, seed: `< ${100 * b.next1000Max}%`, ok: next1000 < b.next1000Max },
    { name: `least popular half (${Math.floor(s.length / 2)} of ${s.length} seen)`, share: lower, seed: `< ${100 * b.lowerHalfMax}%`, ok: lower < b.lowerHalfMax },
  ];
}
