// Synthetic traffic for tests and bench/balancer: D3.2 §2.2.7's five distributions
// ("2 Gaussian bell curves, one constant function and 2 random distributions"; their
// exact parameters are not given, ours are in README.md "Measured") and the
// heavy-tailed Zipf traffic it left for future work. All over /16 buckets of the
// balanced field, except Zipf: ranked /24 networks at random places.
import { Rng } from '../placement/rng.js';
import { Traffic, type Atom } from './traffic.js';

const BUCKETS = 2 ** 16;

/** A bell over the address space: mean and deviation as fractions of it. */
export function gaussian(mean: number, deviation: number): Traffic {
  const w = new Float64Array(BUCKETS);
  for (let i = 0; i < BUCKETS; i++) {
    const z = ((i + 0.5) / BUCKETS - mean) / deviation;
    w[i] = Math.exp(-0.5 * z * z);
  }
  return Traffic.fromHistogram(16, w);
}

/** Every /16 a weight uniform in [0, 1); with `active` < 1 only that fraction of /16s carries any. */
export function randomBuckets(seed: number, active = 1): Traffic {
  const rng = new Rng(seed);
  const w = new Float64Array(BUCKETS);
  for (let i = 0; i < BUCKETS; i++) w[i] = rng.next() < active ? rng.next() : 0;
  return Traffic.fromHistogram(16, w);
}

/** `networks` /24s at distinct random places; the k-th most popular carries 1/k^s. */
export function zipf(seed: number, networks = 65_536, s = 1): Traffic {
  const rng = new Rng(seed);
  const taken = new Set<number>();
  const atoms: Atom[] = [];
  for (let k = 1; atoms.length < networks; ) {
    const net = rng.int(2 ** 24);
    if (taken.has(net)) continue;
    taken.add(net);
    atoms.push({ prefix: { base: net * 256, len: 24 }, load: 1 / k ** s });
    k++;
  }
  return Traffic.fromAtoms(atoms);
}

/** D3.2 §2.2.7's five, then Zipf, by name. */
export function seedDistributions(seed = 1): Array<{ name: string; traffic: Traffic }> {
  return [
    { name: 'gauss-wide', traffic: gaussian(0.5, 0.1) },
    { name: 'gauss-narrow', traffic: gaussian(0.3, 0.01) },
    { name: 'constant', traffic: Traffic.uniform() },
    { name: 'random', traffic: randomBuckets(seed) },
    { name: 'random-sparse', traffic: randomBuckets(seed + 1, 0.1) },
  ];
}

export const zipfDistribution = (seed = 1): { name: string; traffic: Traffic } => ({ name: 'zipf', traffic: zipf(seed) });
