/**
 * One time bin of traffic: packets per prefix (README "Bins"). Prefix ids are small
 * dense integers (a trace or a capture numbers its prefixes), so per-prefix state can
 * live in typed arrays indexed by id.
 */
export interface Bin {
  /** Position in the trace, 0-based; strategies that share work key it by this. */
  readonly index: number;
  /** Length of the bin in seconds (for packets per second). */
  readonly seconds: number;
  /** Prefixes with traffic in this bin, each once. */
  readonly ids: Uint32Array;
  /** Their packets, in the order of `ids`. */
  readonly counts: Float64Array;
  /** The packets' prefixes in arrival order, when known (a capture); caches replay it. */
  readonly packets?: Uint32Array;
}

export function binTotal(b: Bin): number {
  let s = 0;
  for (let i = 0; i < b.counts.length; i++) s += b.counts[i]!;
  return s;
}

/** Largest prefix id in the bin + 1 (0 for an empty bin). */
export function binIdLimit(b: Bin): number {
  let m = 0;
  for (let i = 0; i < b.ids.length; i++) if (b.ids[i]! + 1 > m) m = b.ids[i]! + 1;
  return m;
}

/** A bin from (id, packets) pairs; test and capture helper. */
export function makeBin(index: number, seconds: number, counts: Map<number, number> | Record<number, number>, packets?: Uint32Array): Bin {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts).map(([k, v]) => [Number(k), v] as [number, number]);
  const live = entries.filter(([, v]) => v > 0).sort((a, b) => a[0] - b[0]);
  const bin: Bin = { index, seconds, ids: Uint32Array.from(live.map((e) => e[0])), counts: Float64Array.from(live.map((e) => e[1])) };
  return packets ? { ...bin, packets } : bin;
}
