/**
 * The trace-driven evaluation of bench/offload (issue 19, seed Figs. 2.9–2.13): a synthetic
 * trace fed to TFO, bin-optimal, LRU and LFU for every n, the seed's metrics as tables and
 * ASCII plots. bench/offload/run.ts runs it at full size; test/unit/offload-evaluation.test.ts
 * on a shortened trace, in CI.
 */
import { performance } from 'node:perf_hooks';
import { BinOptimal } from '../../controller/offload/bin-optimal.js';
import type { Bin } from '../../controller/offload/bin.js';
import { evaluate, summarize, type BinRecord, type Summary } from '../../controller/offload/evaluate.js';
import { LastBinTop } from '../../controller/offload/last-bin.js';
import { Lfu } from '../../controller/offload/lfu.js';
import { Lru } from '../../controller/offload/lru.js';
import { syntheticTrace, type SyntheticOptions } from '../../controller/offload/synthetic.js';
import { TFO_DEFAULTS, Tfo } from '../../controller/offload/tfo.js';
import { MultiScaleStats } from '../../controller/offload/timescales.js';
import { popularityRows, sumBins, type PopularityRow } from '../../controller/offload/trace-stats.js';
import { plot } from './plot.js';

export interface EvaluationParams {
  trace: SyntheticOptions;
  /** Table sizes, ascending; must hold nChurn, nGain and the last one plotted bin by bin. */
  ns: readonly number[];
  /** Bins left out of every figure: TFO starts empty. */
  warmup: number;
  /** The caches replay every packet: they run on the first cacheBins bins only. */
  cacheBins: number;
  /** n of RATIO offload.tfo_churn_vs_binopt and of BENCH offload.tfo_gain. */
  nChurn: number;
  nGain: number;
  /** Step-4 factors tried besides the default. */
  factors: readonly number[];
  /** Print the 1 s and 600 s bin-size table (Fig. 2.9b). */
  binSizes: boolean;
  log: (line: string) => void;
}

export interface CacheWindow {
  n: number;
  tfo: Summary;
  opt: Summary;
  lru: Summary;
  lfu: Summary;
}

export interface EvaluationResult {
  popularity: PopularityRow[];
  tfo: Summary[];
  opt: Summary[];
  /** The n = nChurn bins' changes / n, bin by bin after the warm-up. */
  churnSeries: { tfo: number[]; opt: number[] };
  caches: CacheWindow[];
  /** Last bin's top n at nChurn and nGain. */
  lastBin: Summary[];
  /** RATIO / BENCH lines. */
  lines: string[];
}

export const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((x, c) => x.padStart(w[c]!)).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n') + '\n';
}

/** Fig. 2.9(a) beside the seed's bounds (controller/offload/trace-stats.ts). */
export function popularityTable(rows: readonly PopularityRow[], seen: number): string {
  return table(
    ['prefixes (whole trace)', 'share of packets', 'seed, ISP trace (§2.4.1.1)', 'inside'],
    [...rows.map((r) => [r.name, pct(r.share), r.seed, r.ok ? 'yes' : 'NO']), ['prefixes seen', seen, '—', '']],
  );
}

export function runEvaluation(p: EvaluationParams): EvaluationResult {
  const { ns: NS, warmup: WARMUP, cacheBins: CACHE_BINS, nChurn: N_CHURN, nGain: N_GAIN, log } = p;
  const o = p.trace;
  log(`synthetic trace: ${JSON.stringify(o)}`);
  log(`TFO: time scales ${TFO_DEFAULTS.timeScales.join(', ')} bins, factor ${TFO_DEFAULTS.factor}; warm-up ${WARMUP} bins left out of every figure\n`);
  const t0 = performance.now();
  const stats = new MultiScaleStats(TFO_DEFAULTS.timeScales);
  const tfo = NS.map((n) => new Tfo({ n, stats }));
  const opt = NS.map((n) => new BinOptimal(n));
  const FACTORS = p.factors;
  const byFactor = FACTORS.flatMap((factor) => [N_CHURN, N_GAIN].map((n) => new Tfo({ n, stats, factor })));
  const late = [N_CHURN, N_GAIN].map((n) => new LastBinTop(n));
  const whole = new Float64Array(o.prefixes);
  const kept: Bin[] = [];
  // 600 s bins are sums of the 10 s bins of the same trace
  const per600 = Math.round(600 / o.binSeconds);
  const acc600 = new Float64Array(o.prefixes);
  const bins600: Bin[] = [];
  function* tapped(): Generator<Bin> {
    for (const b of syntheticTrace(o)) {
      sumBins([b], whole);
      if (p.binSizes) sumBins([b], acc600);
      if (b.index < CACHE_BINS) kept.push(b);
      if (p.binSizes && (b.index + 1) % per600 === 0) {
        const ids = [...acc600.keys()].filter((i) => acc600[i]! > 0);
        bins600.push({ index: bins600.length, seconds: 600, ids: Uint32Array.from(ids), counts: Float64Array.from(ids, (i) => acc600[i]!) });
        acc600.fill(0);
      }
      yield b;
    }
  }
  const rec = evaluate(tapped(), [...tfo, ...opt, ...byFactor, ...late]);
  const rTfo = rec.slice(0, NS.length);
  const rOpt = rec.slice(NS.length, 2 * NS.length);
  const rFactor = rec.slice(2 * NS.length, 2 * NS.length + byFactor.length);
  const sLate = rec.slice(2 * NS.length + byFactor.length).map((r, k) => summarize(r, late[k]!.n, WARMUP));
  const sTfo = rTfo.map((r, i) => summarize(r, NS[i]!, WARMUP));
  const sOpt = rOpt.map((r, i) => summarize(r, NS[i]!, WARMUP));
  log(`trace and TFO/bin-optimal over ${o.bins} bins: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  const popularity = popularityRows(whole);
  log('Prefix popularity (Fig. 2.9a)');
  log(popularityTable(popularity, whole.filter((x) => x > 0).length));

  const maxFrac = (r: BinRecord[], n: number): number => Math.max(...r.slice(WARMUP).map((x) => x.changes / n));
  log(`Remaining load, gain and churn, ${o.binSeconds} s bins, ${sTfo[0]!.bins} bins measured (Figs. 2.9b, 2.11, 2.13)`);
  log(
    table(
      ['n', 'bin-opt pps med', 'max', 'gain', 'changes/bin med', 'changed', 'max', 'TFO pps med', 'max', 'gain', 'changes/bin med', 'changed', 'max'],
      NS.map((n, i) => {
        const [b, t] = [sOpt[i]!, sTfo[i]!];
        return [n, fmt(b.medianPps), fmt(b.maxPps), pct(b.gain), fmt(b.medianChurn), pct(b.churnFraction), pct(maxFrac(rOpt[i]!, n)), fmt(t.medianPps), fmt(t.maxPps), pct(t.gain), fmt(t.medianChurn), pct(t.churnFraction), pct(maxFrac(rTfo[i]!, n))];
      }),
    ),
  );
  log('changed = mean changes per bin / n; max = the largest bin. Seed, ISP: bin-optimal n = 1000 → 3 400 pps median, 6 400 max (−92%), ≈ 15% changed for a few hundred, about half for a few thousand; TFO < 10% changed vs bin-optimal > 70% at n = 2000; TFO n = 6000 → 500 pps, gain > 99%.\n');

  // caches on the first CACHE_BINS bins, beside TFO and bin-optimal on the same bins
  const t1 = performance.now();
  const lru = NS.map((n) => new Lru(n));
  const lfu = NS.map((n) => new Lfu(n));
  const rc = evaluate(kept, [...lru, ...lfu]);
  const window = (r: BinRecord[], n: number): Summary => summarize(r.slice(0, CACHE_BINS), n, WARMUP);
  const w: CacheWindow[] = NS.map((n, i) => ({ n, tfo: window(rTfo[i]!, n), opt: window(rOpt[i]!, n), lru: window(rc[i]!, n), lfu: window(rc[NS.length + i]!, n) }));
  log(`Caches against TFO, bins ${WARMUP}–${CACHE_BINS - 1} (${((performance.now() - t1) / 1000).toFixed(1)} s; every packet replayed in a uniformly shuffled order) (Fig. 2.11)`);
  log(
    table(
      ['n', 'TFO changes/s', 'bin-opt', 'LRU', 'LFU', 'TFO pps med', 'bin-opt', 'LRU', 'LFU'],
      w.map((x) => [x.n, fmt(x.tfo.churnPerSecond, 1), fmt(x.opt.churnPerSecond, 1), fmt(x.lru.churnPerSecond, 1), fmt(x.lfu.churnPerSecond, 1), fmt(x.tfo.medianPps), fmt(x.opt.medianPps), fmt(x.lru.medianPps), fmt(x.lfu.medianPps)]),
    ),
  );
  const cross = w.find((x) => x.lru.churnPerSecond <= x.tfo.churnPerSecond);
  log(cross ? `LRU churns less than TFO from n = ${cross.n} on (seed: cross-over near 10 000)\n` : `no cross-over up to n = ${NS[NS.length - 1]}: TFO churns less than LRU throughout (seed: cross-over near 10 000)\n`);

  log(
    plot(
      [
        { name: 'bin-optimal', mark: 'B', points: NS.map((n, i) => [n, sOpt[i]!.medianPps]) },
        { name: 'TFO', mark: 'T', points: NS.map((n, i) => [n, sTfo[i]!.medianPps]) },
        { name: `LRU (bins ${WARMUP}–${CACHE_BINS - 1})`, mark: 'L', points: w.map((x) => [x.n, x.lru.medianPps]) },
        { name: 'LFU', mark: 'F', points: w.map((x) => [x.n, x.lfu.medianPps]) },
      ],
      { title: 'Remaining load at the software router (median pps) vs n (Fig. 2.11b)', xLabel: 'n', yLabel: 'pps', logX: true, logY: true },
    ),
  );
  log(
    plot(
      [
        { name: 'bin-optimal', mark: 'B', points: w.map((x) => [x.n, x.opt.churnPerSecond]) },
        { name: 'TFO', mark: 'T', points: w.map((x) => [x.n, x.tfo.churnPerSecond]) },
        { name: 'LRU', mark: 'L', points: w.map((x) => [x.n, x.lru.churnPerSecond]) },
        { name: 'LFU', mark: 'F', points: w.map((x) => [x.n, x.lfu.churnPerSecond]) },
      ],
      { title: `Heavy-hitter changes per second vs n, bins ${WARMUP}–${CACHE_BINS - 1} (Fig. 2.11a)`, xLabel: 'n', yLabel: 'changes/s', logX: true, logY: true },
    ),
  );
  const series = (r: BinRecord[], n: number): [number, number][] => r.slice(WARMUP).map((x, b) => [b + WARMUP, x.changes / n]);
  for (const n of [N_CHURN, NS[NS.length - 1]!]) {
    const i = NS.indexOf(n);
    log(
      plot(
        [
          { name: 'bin-optimal', mark: 'B', points: series(rOpt[i]!, n) },
          { name: 'TFO', mark: 'T', points: series(rTfo[i]!, n) },
        ],
        { title: `Fraction of the n = ${n} heavy hitters changed, bin by bin (Figs. 2.10a, 2.13a; one day = ${o.daySeconds / o.binSeconds} bins)`, xLabel: `bin (${o.binSeconds} s)`, yLabel: 'changed / n', height: 12 },
      ),
    );
  }

  if (p.binSizes) {
    // bin sizes (Fig. 2.9b): 1 s bins over the first minute, 600 s from the 10 s bins
    const t2 = performance.now();
    const one = [...syntheticTrace({ ...o, binSeconds: 1, bins: 60 })];
    const sized = [
      { name: '1 s (first minute)', s: evaluate(one, NS.map((n) => new BinOptimal(n))).map((r, i) => summarize(r, NS[i]!, 0)) },
      { name: `${o.binSeconds} s (bins ${WARMUP}+)`, s: sOpt },
      { name: `600 s (${bins600.length} bins)`, s: evaluate(bins600, NS.map((n) => new BinOptimal(n))).map((r, i) => summarize(r, NS[i]!, 0)) },
    ];
    log(`Bin-optimal remaining load and churn by bin size (Figs. 2.9b, 2.10b; ${((performance.now() - t2) / 1000).toFixed(1)} s)`);
    log(table(['n', ...sized.flatMap((x) => [`${x.name} med pps`, 'max', 'changed'])], NS.map((n, i) => [n, ...sized.flatMap((x) => [fmt(x.s[i]!.medianPps), fmt(x.s[i]!.maxPps), pct(x.s[i]!.churnFraction)])])));
  }

  log("What the past can keep: the last bin's top n (bin-optimal one bin late, churn unlimited) beside TFO and bin-optimal");
  log(
    table(
      ['n', "last bin's top n gain", 'changed', 'TFO gain', 'changed', 'bin-optimal gain', 'changed'],
      [N_CHURN, N_GAIN].map((n, k) => {
        const [l, t, b] = [sLate[k]!, sTfo[NS.indexOf(n)]!, sOpt[NS.indexOf(n)]!];
        return [n, pct(l.gain), pct(l.churnFraction), pct(t.gain), pct(t.churnFraction), pct(b.gain), pct(b.churnFraction)];
      }),
    ),
  );

  log('TFO factor (step 4) against gain and churn');
  const fRows = [...FACTORS, TFO_DEFAULTS.factor].sort((a, b) => a - b).flatMap((factor) =>
    [N_CHURN, N_GAIN].map((n) => {
      const s = factor === TFO_DEFAULTS.factor ? sTfo[NS.indexOf(n)]! : summarize(rFactor[FACTORS.indexOf(factor) * 2 + (n === N_CHURN ? 0 : 1)]!, n, WARMUP);
      return [factor, n, pct(s.gain), fmt(s.medianPps), fmt(s.medianChurn), pct(s.churnFraction)];
    }),
  );
  log(table(['factor', 'n', 'gain', 'pps med', 'changes/bin med', 'changed'], fRows));

  const ic = NS.indexOf(N_CHURN);
  const ig = NS.indexOf(N_GAIN);
  const lines = [
    `RATIO offload.tfo_churn_vs_binopt ${(sTfo[ic]!.meanChurn / sOpt[ic]!.meanChurn).toPrecision(3)}`,
    `BENCH offload.tfo_gain ${sTfo[ig]!.gain.toFixed(4)}`,
    `BENCH offload.binopt_gain ${sOpt[ig]!.gain.toFixed(4)}`,
    `BENCH offload.lastbin_gain ${sLate[1]!.gain.toFixed(4)}`,
    `BENCH offload.tfo_changed_fraction ${sTfo[ic]!.churnFraction.toFixed(4)}`,
    `BENCH offload.binopt_changed_fraction ${sOpt[ic]!.churnFraction.toFixed(4)}`,
  ];
  return { popularity, tfo: sTfo, opt: sOpt, churnSeries: { tfo: series(rTfo[ic]!, N_CHURN).map((x) => x[1]), opt: series(rOpt[ic]!, N_CHURN).map((x) => x[1]) }, caches: w, lastBin: sLate, lines };
}
