/**
 * bench/offload: heavy-hitter selection on a trace, beside the seed's Figures 2.9–2.13
 * (controller/offload/README.md has the model and the figures of the last run).
 *   node dist/bench/offload/run.js [--bins N]          synthetic ISP-like trace (default 240 bins of 10 s)
 *   node dist/bench/offload/run.js --pcap FILE [--bin S] [--prefix L]   a capture instead (tables only)
 * Prints tables, ASCII plots, and
 *   RATIO offload.tfo_churn_vs_binopt  mean changes per bin, TFO / bin-optimal, n = 2000 (goal ≤ 0.1)
 *   BENCH offload.tfo_gain             TFO's offloading gain, n = 6000 (goal ≥ 0.95)
 *   BENCH offload.tfo_update_ms        one TFO update, 10^6 prefixes, n = 18 000 (median of 8 bins)
 * About 2–3 minutes on two shared cores.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BinOptimal } from '../../controller/offload/bin-optimal.js';
import type { Bin } from '../../controller/offload/bin.js';
import { captureBins } from '../../controller/offload/capture.js';
import { evaluate, median, summarize, type BinRecord, type Summary } from '../../controller/offload/evaluate.js';
import { Lfu } from '../../controller/offload/lfu.js';
import { Lru } from '../../controller/offload/lru.js';
import { ISP_LIKE } from '../../controller/offload/profiles.js';
import type { OffloadStrategy } from '../../controller/offload/strategy.js';
import { syntheticTrace } from '../../controller/offload/synthetic.js';
import { TFO_DEFAULTS, Tfo } from '../../controller/offload/tfo.js';
import { MultiScaleStats } from '../../controller/offload/timescales.js';
import { plot } from './plot.js';

const NS = [100, 300, 1000, 2000, 3000, 6000, 10000, 14000, 18000];
/** Bins left out of every figure: TFO starts empty (30 × 10 s = 5 min, half its longest scale). */
const WARMUP = 30;
/** The caches replay every packet: they run on the first CACHE_BINS bins only. */
const CACHE_BINS = 60;
const N_CHURN = 2000;
const N_GAIN = 6000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((x, c) => x.padStart(w[c]!)).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n') + '\n';
}

function sums(bins: Iterable<Bin>, into: Float64Array): void {
  for (const b of bins) for (let i = 0; i < b.ids.length; i++) into[b.ids[i]!] += b.counts[i]!;
}

/** Fig. 2.9(a): share of all packets of the top-k prefixes over the whole trace. */
function popularity(total: Float64Array): string {
  const s = [...total].filter((x) => x > 0).sort((a, b) => b - a);
  const all = s.reduce((a, x) => a + x, 0);
  const share = (lo: number, hi: number): number => s.slice(lo, hi).reduce((a, x) => a + x, 0) / all;
  return table(
    ['prefixes (whole trace)', 'share of packets', 'seed, ISP trace (§2.4.1.1)'],
    [
      ['top 10', pct(share(0, 10)), '> 20%'],
      ['top 1000', pct(share(0, 1000)), '> 50%'],
      ['ranks 1001–2000', pct(share(1000, 2000)), '< 5%'],
      [`least popular half (${Math.floor(s.length / 2)})`, pct(share(Math.ceil(s.length / 2), s.length)), '< 1%'],
      ['prefixes seen', s.length, '—'],
    ],
  );
}

function runSynthetic(bins: number): string[] {
  const o = { ...ISP_LIKE, bins };
  console.log(`bench/offload: synthetic ISP-like trace: ${JSON.stringify(o)}`);
  console.log(`TFO: time scales ${TFO_DEFAULTS.timeScales.join(', ')} bins, factor ${TFO_DEFAULTS.factor}; warm-up ${WARMUP} bins left out of every figure\n`);
  const t0 = performance.now();
  const stats = new MultiScaleStats(TFO_DEFAULTS.timeScales);
  const tfo = NS.map((n) => new Tfo({ n, stats }));
  const opt = NS.map((n) => new BinOptimal(n));
  const FACTORS = [1, 1.5, 4];
  const byFactor = FACTORS.flatMap((factor) => [N_CHURN, N_GAIN].map((n) => new Tfo({ n, stats, factor })));
  const whole = new Float64Array(o.prefixes);
  const kept: Bin[] = [];
  // 600 s bins are sums of sixty 10 s bins of the same trace
  const per600 = 600 / o.binSeconds;
  const acc600 = new Float64Array(o.prefixes);
  const bins600: Bin[] = [];
  function* tapped(): Generator<Bin> {
    for (const b of syntheticTrace(o)) {
      sums([b], whole);
      sums([b], acc600);
      if (b.index < CACHE_BINS) kept.push(b);
      if ((b.index + 1) % per600 === 0) {
        const ids = [...acc600.keys()].filter((i) => acc600[i]! > 0);
        bins600.push({ index: bins600.length, seconds: 600, ids: Uint32Array.from(ids), counts: Float64Array.from(ids, (i) => acc600[i]!) });
        acc600.fill(0);
      }
      yield b;
    }
  }
  const rec = evaluate(tapped(), [...tfo, ...opt, ...byFactor]);
  const rTfo = rec.slice(0, NS.length);
  const rOpt = rec.slice(NS.length, 2 * NS.length);
  const rFactor = rec.slice(2 * NS.length);
  const sTfo = rTfo.map((r, i) => summarize(r, NS[i]!, WARMUP));
  const sOpt = rOpt.map((r, i) => summarize(r, NS[i]!, WARMUP));
  console.log(`trace and TFO/bin-optimal over ${bins} bins: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  console.log('Prefix popularity (Fig. 2.9a)');
  console.log(popularity(whole));

  console.log(`Remaining load, gain and churn, 10 s bins, ${sTfo[0]!.bins} bins measured (Figs. 2.9b, 2.11, 2.13)`);
  console.log(
    table(
      ['n', 'bin-opt pps med', 'max', 'gain', 'changes/bin med', 'changed', 'TFO pps med', 'max', 'gain', 'changes/bin med', 'changed'],
      NS.map((n, i) => {
        const [b, t] = [sOpt[i]!, sTfo[i]!];
        return [n, fmt(b.medianPps), fmt(b.maxPps), pct(b.gain), fmt(b.medianChurn), pct(b.churnFraction), fmt(t.medianPps), fmt(t.maxPps), pct(t.gain), fmt(t.medianChurn), pct(t.churnFraction)];
      }),
    ),
  );
  console.log('changed = mean changes per bin / n. Seed, ISP: bin-optimal n = 1000 → 3 400 pps median, 6 400 max (−92%); TFO < 10% changed vs bin-optimal > 70% at n = 2000; TFO n = 6000 → 500 pps, gain > 99%.\n');

  // caches on the first CACHE_BINS bins, beside TFO and bin-optimal on the same bins
  const t1 = performance.now();
  const lru = NS.map((n) => new Lru(n));
  const lfu = NS.map((n) => new Lfu(n));
  const rc = evaluate(kept, [...lru, ...lfu]);
  const window = (r: BinRecord[], n: number): Summary => summarize(r.slice(0, CACHE_BINS), n, WARMUP);
  const w = NS.map((n, i) => ({ n, tfo: window(rTfo[i]!, n), opt: window(rOpt[i]!, n), lru: window(rc[i]!, n), lfu: window(rc[NS.length + i]!, n) }));
  console.log(`Caches against TFO, bins ${WARMUP}–${CACHE_BINS - 1} (${((performance.now() - t1) / 1000).toFixed(1)} s; every packet replayed in a uniformly shuffled order) (Fig. 2.11)`);
  console.log(
    table(
      ['n', 'TFO changes/s', 'bin-opt', 'LRU', 'LFU', 'TFO pps med', 'bin-opt', 'LRU', 'LFU'],
      w.map((x) => [x.n, fmt(x.tfo.churnPerSecond, 1), fmt(x.opt.churnPerSecond, 1), fmt(x.lru.churnPerSecond, 1), fmt(x.lfu.churnPerSecond, 1), fmt(x.tfo.medianPps), fmt(x.opt.medianPps), fmt(x.lru.medianPps), fmt(x.lfu.medianPps)]),
    ),
  );
  const cross = w.find((x) => x.lru.churnPerSecond <= x.tfo.churnPerSecond);
  console.log(cross ? `LRU churns less than TFO from n = ${cross.n} on (seed: cross-over near 10 000)\n` : `no cross-over up to n = ${NS[NS.length - 1]}: TFO churns less than LRU throughout (seed: cross-over near 10 000)\n`);

  console.log(
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
  console.log(
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
  for (const n of [N_CHURN, 18000]) {
    const i = NS.indexOf(n);
    const series = (r: BinRecord[]): [number, number][] => r.slice(WARMUP).map((x, b) => [b + WARMUP, x.changes / n]);
    console.log(
      plot(
        [
          { name: 'bin-optimal', mark: 'B', points: series(rOpt[i]!) },
          { name: 'TFO', mark: 'T', points: series(rTfo[i]!) },
        ],
        { title: `Fraction of the n = ${n} heavy hitters changed, bin by bin (Figs. 2.10a, 2.13a; one day = ${o.daySeconds / o.binSeconds} bins)`, xLabel: 'bin (10 s)', yLabel: 'changed / n', height: 12 },
      ),
    );
  }

  // bin sizes (Fig. 2.9b): 1 s bins over the first minute, 600 s from the 10 s bins
  const t2 = performance.now();
  const one = [...syntheticTrace({ ...o, binSeconds: 1, bins: 60 })];
  const sizes: [string, Bin[], number][] = [
    ['1 s (first minute)', one, 0],
    [`10 s (bins ${WARMUP}+)`, [], WARMUP],
    [`600 s (${bins600.length} bins)`, bins600, 0],
  ];
  const sized = sizes.map(([name, bs, warm], k) => ({ name, s: k === 1 ? sOpt : evaluate(bs, NS.map((n) => new BinOptimal(n))).map((r, i) => summarize(r, NS[i]!, warm)) }));
  console.log(`Bin-optimal remaining load by bin size (Fig. 2.9b; ${((performance.now() - t2) / 1000).toFixed(1)} s)`);
  console.log(table(['n', ...sized.flatMap((x) => [`${x.name} med pps`, 'max'])], NS.map((n, i) => [n, ...sized.flatMap((x) => [fmt(x.s[i]!.medianPps), fmt(x.s[i]!.maxPps)])])));

  console.log('TFO factor (step 4) against gain and churn');
  const fRows = [...FACTORS, TFO_DEFAULTS.factor].sort((a, b) => a - b).flatMap((factor) =>
    [N_CHURN, N_GAIN].map((n) => {
      const s = factor === TFO_DEFAULTS.factor ? sTfo[NS.indexOf(n)]! : summarize(rFactor[FACTORS.indexOf(factor) * 2 + (n === N_CHURN ? 0 : 1)]!, n, WARMUP);
      return [factor, n, pct(s.gain), fmt(s.medianPps), fmt(s.medianChurn), pct(s.churnFraction)];
    }),
  );
  console.log(table(['factor', 'n', 'gain', 'pps med', 'changes/bin med', 'changed'], fRows));

  const ic = NS.indexOf(N_CHURN);
  const ig = NS.indexOf(N_GAIN);
  return [
    `RATIO offload.tfo_churn_vs_binopt ${(sTfo[ic]!.meanChurn / sOpt[ic]!.meanChurn).toPrecision(3)}`,
    `BENCH offload.tfo_gain ${sTfo[ig]!.gain.toFixed(4)}`,
    `BENCH offload.binopt_gain ${sOpt[ig]!.gain.toFixed(4)}`,
    `BENCH offload.tfo_changed_fraction ${sTfo[ic]!.churnFraction.toFixed(4)}`,
    `BENCH offload.binopt_changed_fraction ${sOpt[ic]!.churnFraction.toFixed(4)}`,
  ];
}

/** One TFO update with 10^6 prefixes and n = 18 000: statistics, three rankings, the four steps. */
function updateTime(): string {
  const o = { ...ISP_LIKE, prefixes: 1_000_000, bins: 10 };
  const bins = [...syntheticTrace(o)];
  const tfo = new Tfo({ n: 18000 });
  const ms: number[] = [];
  for (const b of bins) {
    const t = performance.now();
    tfo.update(b);
    ms.push(performance.now() - t);
  }
  const steady = ms.slice(2);
  console.log(`TFO update, 10^6 prefixes, n = 18 000: ${steady.map((x) => x.toFixed(1)).join(', ')} ms (bins 2–9; ${bins[9]!.ids.length} prefixes active in a bin)`);
  return `BENCH offload.tfo_update_ms ${median(steady).toFixed(1)}`;
}

function runPcap(file: string): void {
  const binSeconds = Number(arg('bin') ?? 10);
  const tr = captureBins(new Uint8Array(readFileSync(file)), binSeconds, Number(arg('prefix') ?? 24));
  const ns = NS.filter((n) => n < tr.prefixes.length);
  if (ns.length === 0) ns.push(Math.max(1, Math.floor(tr.prefixes.length / 4)));
  const warm = Math.min(WARMUP, Math.floor(tr.bins.length / 4));
  console.log(`bench/offload: ${file}: ${tr.bins.length} bins of ${binSeconds} s, ${tr.prefixes.length} /${tr.prefixLength} prefixes, ${tr.skipped} non-IPv4 packets skipped; warm-up ${warm} bins`);
  const make: [string, (n: number) => OffloadStrategy][] = [
    ['TFO', (n) => new Tfo({ n })],
    ['bin-optimal', (n) => new BinOptimal(n)],
    ['LRU', (n) => new Lru(n)],
    ['LFU', (n) => new Lfu(n)],
  ];
  const rows: (string | number)[][] = [];
  for (const n of ns) {
    const rec = evaluate(tr.bins, make.map(([, f]) => f(n)));
    rec.forEach((r, k) => {
      const s = summarize(r, n, warm);
      rows.push([n, make[k]![0], fmt(s.medianPps, 1), fmt(s.maxPps, 1), pct(s.gain), fmt(s.medianChurn), fmt(s.churnPerSecond, 2)]);
    });
  }
  console.log(table(['n', 'strategy', 'pps med', 'max', 'gain', 'changes/bin med', 'changes/s'], rows));
}

const t0 = performance.now();
const pcap = arg('pcap');
if (pcap) runPcap(pcap);
else {
  const lines = runSynthetic(Number(arg('bins') ?? ISP_LIKE.bins));
  lines.push(updateTime());
  console.log('');
  for (const l of lines) console.log(l);
}
console.log(`\nbench/offload: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
