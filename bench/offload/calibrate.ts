/**
 * bench/offload/calibrate: the synthetic trace's own statistics beside the seed's (§2.4.1),
 * the ones controller/offload/profiles.ts is fitted to. Nothing here runs TFO: the trace
 * is calibrated on what the seed says of the traffic and of bin-optimal only.
 *   node dist/bench/offload/calibrate.js [--bins N] [--set key=value ...]
 */
import { BinOptimal } from '../../controller/offload/bin-optimal.js';
import type { Bin } from '../../controller/offload/bin.js';
import { evaluate, summarize } from '../../controller/offload/evaluate.js';
import { ISP_LIKE } from '../../controller/offload/profiles.js';
import { syntheticTrace, type SyntheticOptions } from '../../controller/offload/synthetic.js';
import { popularityRows, sumBins } from '../../controller/offload/trace-stats.js';

const o: SyntheticOptions = { ...ISP_LIKE };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a === '--bins') o.bins = Number(process.argv[++i]);
  else if (a === '--set') {
    const [k, v] = process.argv[++i]!.split('=');
    (o as unknown as Record<string, number>)[k!] = Number(v);
  }
}
const NS = [300, 1000, 2000, 3000, 5000, 6000];
const whole = new Float64Array(o.prefixes);
const bins: Bin[] = [];
const per600 = 600 / o.binSeconds;
const acc = new Float64Array(o.prefixes);
const bins600: Bin[] = [];
for (const b of syntheticTrace(o)) {
  sumBins([b], whole);
  sumBins([b], acc);
  bins.push(b);
  if ((b.index + 1) % per600 === 0) {
    const ids = [...acc.keys()].filter((i) => acc[i]! > 0);
    bins600.push({ index: bins600.length, seconds: 600, ids: Uint32Array.from(ids), counts: Float64Array.from(ids, (i) => acc[i]!) });
    acc.fill(0);
  }
}
console.log(JSON.stringify(o));
for (const r of popularityRows(whole)) console.log(`${r.name}: ${(100 * r.share).toFixed(2)}% (seed ${r.seed})${r.ok === false ? '  OUT' : ''}`);
const warm = Math.min(30, Math.floor(o.bins / 4));
const s10 = evaluate(bins, NS.map((n) => new BinOptimal(n))).map((r, i) => summarize(r, NS[i]!, warm));
// 600 s churn needs two 600 s bins at least (--bins 120 or more)
const s600 = bins600.length >= 2 ? evaluate(bins600, NS.map((n) => new BinOptimal(n))).map((r, i) => summarize(r, NS[i]!, 1)) : null;
const r10 = evaluate(bins, NS.map((n) => new BinOptimal(n)));
for (let i = 0; i < NS.length; i++) {
  const a = s10[i]!;
  const maxFrac = Math.max(...r10[i]!.slice(warm).map((x) => x.changes)) / NS[i]!;
  console.log(
    `n=${NS[i]} 10s: med ${a.medianPps.toFixed(0)} max ${a.maxPps.toFixed(0)} pps gain ${(100 * a.gain).toFixed(1)}% churn mean ${(100 * a.churnFraction).toFixed(1)}% max ${(100 * maxFrac).toFixed(1)}% | 600s ${s600 ? `churn ${(100 * s600[i]!.churnFraction).toFixed(1)}% gain ${(100 * s600[i]!.gain).toFixed(1)}%` : '—'}`,
  );
}
