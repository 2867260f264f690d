import t from 'tap';
import { binTotal, type Bin } from '../../controller/offload/bin.js';
import { syntheticTrace, zipfWeights, type SyntheticOptions } from '../../controller/offload/synthetic.js';

const STILL: SyntheticOptions = {
  prefixes: 1000, zipf: 1, zipfOffset: 0, meanPps: 100_000, binSeconds: 1, bins: 5, stepSeconds: 1,
  daySeconds: 86400, dayAmplitude: 0, churnTop: 0, churnExponent: 1, churnMax: 0.5, churnSpread: 1, burst: 0, seed: 1,
};

function totals(bins: Bin[], prefixes: number): Float64Array {
  const c = new Float64Array(prefixes);
  for (const b of bins) for (let i = 0; i < b.ids.length; i++) c[b.ids[i]!] += b.counts[i]!;
  return c;
}

t.test('Zipf weights', async (t) => {
  const w = zipfWeights(1000, 1);
  t.ok(Math.abs(w.reduce((a, x) => a + x, 0) - 1) < 1e-12);
  t.ok(Math.abs(w[0]! / w[9]! - 10) < 1e-9, 'w1/w10 = 10 at s = 1');
  const h = (n: number): number => Array.from({ length: n }, (_, i) => 1 / (i + 1)).reduce((a, x) => a + x, 0);
  t.ok(Math.abs(w.slice(0, 10).reduce((a, x) => a + x, 0) - h(10) / h(1000)) < 1e-12);
});

t.test('without churn, packet counts follow the Zipf law', async (t) => {
  const bins = [...syntheticTrace(STILL)];
  const c = totals(bins, 1000);
  const all = c.reduce((a, x) => a + x, 0);
  t.ok(Math.abs(all - 500_000) < 5 * Math.sqrt(500_000), `total ${all} ≈ 5 bins × 100 000`);
  const top10 = c.slice(0, 10).reduce((a, x) => a + x, 0) / all;
  t.ok(Math.abs(top10 - 0.3913) < 0.005, `top-10 share ${top10.toFixed(4)} ≈ H(10)/H(1000) = 0.3913`);
  // least-squares slope of log count against log rank over ranks 1..100
  const xs = Array.from({ length: 100 }, (_, i) => Math.log(i + 1));
  const ys = Array.from({ length: 100 }, (_, i) => Math.log(c[i]!));
  const mx = xs.reduce((a, x) => a + x) / 100;
  const my = ys.reduce((a, y) => a + y) / 100;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  t.ok(Math.abs(slope + 1) < 0.05, `rank-frequency slope ${slope.toFixed(3)} ≈ -1`);
});

t.test('same seed, same trace; another seed, another', async (t) => {
  const o = { ...STILL, churnTop: 1e-3, burst: 0.3, bins: 3 };
  const a = [...syntheticTrace(o)];
  t.same(a, [...syntheticTrace(o)]);
  t.notSame(a, [...syntheticTrace({ ...o, seed: 2 })]);
});

t.test('rank churn grows with rank (seed §2.4.1.3)', async (t) => {
  const o = { ...STILL, prefixes: 2000, meanPps: 1e8, bins: 20, churnTop: 1e-3, churnExponent: 1, churnSpread: 1 };
  const bins = [...syntheticTrace(o)];
  const last = bins[bins.length - 1]!;
  const count = new Float64Array(2000);
  for (let i = 0; i < last.ids.length; i++) count[last.ids[i]!] = last.counts[i]!;
  const rankNow = new Float64Array(2000);
  [...count.keys()].sort((a, b) => count[b]! - count[a]! || a - b).forEach((id, r) => (rankNow[id] = r + 1));
  // id i started at rank i + 1; mean |log(rank now / rank at start)|
  const drift = (lo: number, hi: number): number => {
    let s = 0;
    for (let id = lo; id < hi; id++) s += Math.abs(Math.log(rankNow[id]! / (id + 1)));
    return s / (hi - lo);
  };
  const top = drift(0, 20);
  const tail = drift(1000, 2000);
  t.ok(top < tail / 5, `top-20 drift ${top.toFixed(3)} ≪ tail drift ${tail.toFixed(3)}`);
});

t.test('time of day: volume follows 1 + A·sin(2πt/day)', async (t) => {
  const bins = [...syntheticTrace({ ...STILL, prefixes: 200, daySeconds: 40, dayAmplitude: 0.5, bins: 40 })];
  // bin 9 covers t = 9..10 s (mid 9.5 s, near the peak), bin 29 the trough
  const want = (1 + 0.5 * Math.sin((2 * Math.PI * 9.5) / 40)) / (1 + 0.5 * Math.sin((2 * Math.PI * 29.5) / 40));
  const got = binTotal(bins[9]!) / binTotal(bins[29]!);
  t.ok(Math.abs(got / want - 1) < 0.02, `peak/trough ${got.toFixed(3)} ≈ ${want.toFixed(3)}`);
});

t.test('bins longer than a step integrate the steps; shorter ones split them', async (t) => {
  const o = { ...STILL, prefixes: 100, bins: 4, binSeconds: 5, stepSeconds: 1 };
  const long = [...syntheticTrace(o)].map(binTotal);
  for (const x of long) t.ok(Math.abs(x - 500_000) < 6 * Math.sqrt(500_000), `5 s bin ≈ 500 000 packets (${x})`);
  const short = [...syntheticTrace({ ...o, binSeconds: 0.5 })].map(binTotal);
  for (const x of short) t.ok(Math.abs(x - 50_000) < 6 * Math.sqrt(50_000), `0.5 s bin ≈ 50 000 packets (${x})`);
});

t.test('packet trains: the mean is kept, the variance is (2m − 1) times it', async (t) => {
  const o = { ...STILL, prefixes: 1, zipf: 0, meanPps: 20, bins: 4000 };
  for (const m of [1, 3]) {
    const xs = [...syntheticTrace({ ...o, trainPackets: m })].map(binTotal);
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
    t.ok(Math.abs(mean / 20 - 1) < 0.05, `m = ${m}: mean ${mean.toFixed(2)} ≈ 20`);
    t.ok(Math.abs(v / mean / (2 * m - 1) - 1) < 0.12, `m = ${m}: variance / mean ${(v / mean).toFixed(2)} ≈ ${2 * m - 1}`);
  }
  t.throws(() => [...syntheticTrace({ ...o, trainPackets: 0.5 })], /at least one packet/);
});

t.test('rank excursions that go home keep the popularity of the home ranks', async (t) => {
  const o = { ...STILL, prefixes: 2000, meanPps: 1e8, bins: 40, churnTop: 1e-3, churnExponent: 1, churnSpread: 1 };
  const away = (revert: number): number => {
    const bins = [...syntheticTrace({ ...o, churnRevert: revert })];
    const last = bins[bins.length - 1]!;
    const count = new Float64Array(2000);
    for (let i = 0; i < last.ids.length; i++) count[last.ids[i]!] = last.counts[i]!;
    const rank = new Float64Array(2000);
    [...count.keys()].sort((a, b) => count[b]! - count[a]! || a - b).forEach((id, r) => (rank[id] = r + 1));
    let s = 0;
    for (let id = 0; id < 2000; id++) s += Math.abs(Math.log(rank[id]! / (id + 1)));
    return s / 2000;
  };
  const free = away(0);
  const home = away(0.5);
  t.ok(home < free / 2, `mean |log(rank / home rank)| after 40 steps: ${home.toFixed(3)} with a way home, ${free.toFixed(3)} without`);
});

t.test('burstByRank: the head keeps Poisson noise, the tail swings (seed §2.4.1.3)', async (t) => {
  // churnSpread 0: a move lands on its own rank, so only the bursts vary the rates.
  // churnTop·r^1 reaches churnMax = 0.5 at rank 50: σ is 1.0 there and 0.02 at rank 1.
  const o = { ...STILL, churnTop: 1e-2, churnMax: 0.5, churnSpread: 0, burst: 1, burstByRank: true, bins: 60 };
  const bins = [...syntheticTrace(o)];
  // coefficient of variation of a prefix's count over the bins: ≈ σ (Poisson adds little here)
  const cv = (id: number): number => {
    const xs = bins.map((b) => {
      const i = b.ids.indexOf(id);
      return i >= 0 ? b.counts[i]! : 0;
    });
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) / m;
  };
  const head = cv(0);
  const tail = cv(99);
  t.ok(head < 0.1, `rank 1: coefficient of variation ${head.toFixed(3)} (σ 0.02)`);
  t.ok(tail > 0.6, `rank 100: coefficient of variation ${tail.toFixed(2)} (σ 1: √(e − 1) = 1.31)`);
  const flat = [...syntheticTrace({ ...o, burstByRank: false, bins: 1 })];
  t.not(Array.from(flat[0]!.counts).join(), Array.from(bins[0]!.counts).join(), 'without burstByRank every rank has σ = burst');
});
