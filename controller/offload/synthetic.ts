import { Rng } from '../placement/rng.js';
import type { Bin } from './bin.js';

/**
 * Synthetic trace (README "Synthetic trace"): Zipf-like prefix popularity, rank churn
 * that grows with rank (seed §2.4.1.3: the top changes far less often than the tail),
 * a time-of-day pattern in volume, per-prefix bursts, Poisson packet counts. Seeded:
 * the same options give the same bins.
 *
 * Model: P rank positions with weights w_r ∝ (r + offset)^-zipf. A permutation maps
 * positions to prefixes; every step each position r moves with probability
 * min(churnMax, churnTop · r^churnExponent) to a position r' = r·e^(spread·Z), trading
 * places with the prefix there; a move up is kept with probability p(r')/p(r), so a pair
 * swaps at the rate of its steadier member. Prefix i's rate during a step is pps(t) · w_rank(i) · burst,
 * burst lognormal with mean 1; a bin's count is Poisson in the rate integrated over it.
 */
export interface SyntheticOptions {
  /** Prefixes (rank positions); ids are 0..prefixes-1, id i starts at rank i+1. */
  prefixes: number;
  zipf: number;
  zipfOffset: number;
  /** Mean packets per second over a day. */
  meanPps: number;
  binSeconds: number;
  bins: number;
  /** The popularity process moves once per step. */
  stepSeconds: number;
  /** Period and relative amplitude of the time-of-day pattern: pps = mean·(1 + A·sin(2πt/day)). */
  daySeconds: number;
  dayAmplitude: number;
  churnTop: number;
  churnExponent: number;
  churnMax: number;
  churnSpread: number;
  /**
   * Probability per step that a prefix away from its home position (id i's home is rank
   * i+1) goes back, trading places with the prefix there (default 0: ranks drift freely).
   * Above 0 a move is an excursion: popularity over hours stays that of the home ranks.
   */
  churnRevert?: number;
  /** σ of the lognormal burst multiplier (mean 1), drawn per prefix per step (0 = none). */
  burst: number;
  /**
   * Scale the burst's σ with rank like the move rate: σ_r = burst · min(churnMax,
   * churnTop·r^churnExponent) / churnMax, so the head is steady and prefixes from a few
   * hundred down swing by factors (default false: the same σ at every rank).
   */
  burstByRank?: boolean;
  /**
   * Mean packets per train (default 1: plain Poisson). Packets come in trains (a flow's
   * back-to-back packets): a bin's count is compound Poisson, Poisson(rate/m) trains of
   * geometric size with mean m, so its variance is (2m − 1) times the rate: a prefix
   * carrying a few trains per bin is far noisier than one carrying hundreds.
   */
  trainPackets?: number;
  seed: number;
}

/** w_r ∝ (r + offset)^-s for r = 1..P, summing to 1. */
export function zipfWeights(prefixes: number, s: number, offset = 0): Float64Array {
  const w = new Float64Array(prefixes);
  let sum = 0;
  for (let r = 0; r < prefixes; r++) sum += w[r] = Math.pow(r + 1 + offset, -s);
  for (let r = 0; r < prefixes; r++) w[r]! /= sum;
  return w;
}

/** Standard normal draws (Box–Muller, the spare kept). */
class Normal {
  private spare = NaN;
  constructor(private rng: Rng) {}
  next(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u = 1 - this.rng.next();
    const v = this.rng.next();
    const m = Math.sqrt(-2 * Math.log(u));
    this.spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  }
}

/** Poisson draw: Knuth's product below 30, a rounded normal above (error well under one packet in a thousand). */
export function poisson(rng: Rng, normal: { next(): number }, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > l) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal.next()));
}

/** Packets in `trains` trains of geometric size with mean m ≥ 1: a normal draw above 30 trains. */
export function trainPackets(rng: Rng, normal: { next(): number }, trains: number, m: number): number {
  if (trains === 0 || m === 1) return trains;
  if (trains >= 30) return Math.max(trains, Math.round(trains * m + Math.sqrt(trains * m * (m - 1)) * normal.next()));
  const q = Math.log(1 - 1 / m);
  let k = 0;
  for (let i = 0; i < trains; i++) k += 1 + Math.floor(Math.log(1 - rng.next()) / q);
  return k;
}

export function* syntheticTrace(o: SyntheticOptions): Generator<Bin> {
  const P = o.prefixes;
  const m = o.trainPackets ?? 1;
  if (!(m >= 1)) throw new Error(`trainPackets ${m}: a train carries at least one packet`);
  const w = zipfWeights(P, o.zipf, o.zipfOffset);
  const move = new Float64Array(P);
  for (let r = 0; r < P; r++) move[r] = Math.min(o.churnMax, o.churnTop * Math.pow(r + 1, o.churnExponent));
  const perm = Uint32Array.from({ length: P }, (_, i) => i);
  /** pos[id]: the rank position of prefix id (perm's inverse). */
  const pos = Uint32Array.from({ length: P }, (_, i) => i);
  const revert = o.churnRevert ?? 0;
  const trade = (a: number, b: number): void => {
    const t = perm[a]!;
    perm[a] = perm[b]!;
    perm[b] = t;
    pos[perm[a]!] = a;
    pos[perm[b]!] = b;
  };
  const burst = new Float64Array(P).fill(1);
  // the burst's σ at rank position r: o.burst, scaled like the move rate when burstByRank
  const sigma = new Float64Array(P);
  for (let r = 0; r < P; r++) sigma[r] = o.burstByRank ? (o.burst * move[r]!) / Math.max(o.churnMax, 1e-12) : o.burst;
  const rate = new Float64Array(P);
  const rng = new Rng(o.seed);
  const normal = new Normal(rng);
  let step = -1;

  const advance = (): void => {
    step++;
    if (step > 0) {
      for (let r = 0; r < P; r++) {
        if (rng.next() >= move[r]!) continue;
        const to = Math.min(P - 1, Math.max(0, Math.round((r + 1) * Math.exp(o.churnSpread * normal.next())) - 1));
        // a swap moves two prefixes: the steadier one must agree, or the busy tail would
        // churn the top from below
        if (to < r && rng.next() >= move[to]! / move[r]!) continue;
        trade(r, to);
      }
      if (revert > 0) for (let id = 0; id < P; id++) if (pos[id] !== id && rng.next() < revert) trade(pos[id]!, id);
    }
    if (o.burst > 0) {
      for (let i = 0; i < P; i++) {
        const s = sigma[pos[i]!]!;
        burst[i] = s > 0 ? Math.exp(s * normal.next() - (s * s) / 2) : 1;
      }
    }
  };

  for (let b = 0; b < o.bins; b++) {
    rate.fill(0);
    const t1 = (b + 1) * o.binSeconds;
    for (let t = b * o.binSeconds; t < t1 - 1e-9; ) {
      const k = Math.floor(t / o.stepSeconds + 1e-9);
      while (step < k) advance();
      const te = Math.min(t1, (k + 1) * o.stepSeconds);
      const mid = (t + te) / 2;
      const packets = o.meanPps * (1 + o.dayAmplitude * Math.sin((2 * Math.PI * mid) / o.daySeconds)) * (te - t);
      for (let r = 0; r < P; r++) {
        const id = perm[r]!;
        rate[id] += packets * w[r]! * burst[id]!;
      }
      t = te;
    }
    const ids: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < P; i++) {
      const c = m === 1 ? poisson(rng, normal, rate[i]!) : trainPackets(rng, normal, poisson(rng, normal, rate[i]! / m), m);
      if (c > 0) {
        ids.push(i);
        counts.push(c);
      }
    }
    yield { index: b, seconds: o.binSeconds, ids: Uint32Array.from(ids), counts: Float64Array.from(counts) };
  }
}
