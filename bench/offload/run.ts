/**
 * bench/offload: heavy-hitter selection on a trace, beside the seed's Figures 2.9–2.13
 * (controller/offload/README.md has the model; docs/offload.md the figures of the last run).
 * The synthetic evaluation itself is ./evaluation.ts, which CI runs on a short trace
 * (test/unit/offload-evaluation.test.ts).
 *   node dist/bench/offload/run.js [--bins N]          synthetic ISP-like trace (default 240 bins of 10 s)
 *   node dist/bench/offload/run.js --pcap FILE [--bin S] [--prefix L]   a capture instead (tables only)
 * Prints tables, ASCII plots, and
 *   RATIO offload.tfo_churn_vs_binopt  mean changes per bin, TFO / bin-optimal, n = 2000 (goal ≤ 0.1)
 *   BENCH offload.tfo_gain             TFO's offloading gain, n = 6000 (goal ≥ 0.95)
 *   BENCH offload.binopt_gain, lastbin_gain   the same for bin-optimal and for the last bin's top n
 *   BENCH offload.tfo_update_ms        one TFO update, 10^6 prefixes, n = 18 000 (median of 8 bins)
 * About 2–3 minutes on two shared cores.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BinOptimal } from '../../controller/offload/bin-optimal.js';
import { captureBins } from '../../controller/offload/capture.js';
import { evaluate, median, summarize } from '../../controller/offload/evaluate.js';
import { Lfu } from '../../controller/offload/lfu.js';
import { Lru } from '../../controller/offload/lru.js';
import { ISP_LIKE } from '../../controller/offload/profiles.js';
import type { OffloadStrategy } from '../../controller/offload/strategy.js';
import { syntheticTrace } from '../../controller/offload/synthetic.js';
import { Tfo } from '../../controller/offload/tfo.js';
import { fmt, pct, runEvaluation, table } from './evaluation.js';

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
  const { lines } = runEvaluation({
    trace: { ...ISP_LIKE, bins: Number(arg('bins') ?? ISP_LIKE.bins) },
    ns: NS,
    warmup: WARMUP,
    cacheBins: CACHE_BINS,
    nChurn: N_CHURN,
    nGain: N_GAIN,
    factors: [1, 1.5, 4],
    binSizes: true,
    log: (l) => console.log(l),
  });
  lines.push(updateTime());
  console.log('');
  for (const l of lines) console.log(l);
}
console.log(`\nbench/offload: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
