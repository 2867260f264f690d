// The trace-driven evaluation of issue 19 (bench/offload/evaluation.ts) in CI, on a shortened
// synthetic trace: prints the RATIO/BENCH lines and the tables to the log, and checks what
// must hold whatever the trace. The full-size run is bench/offload/run.ts (last-run.txt),
// whose popularity table marks each row inside or outside the seed's bounds: generating the
// full-size trace alone takes ≈ 15 s of CPU, too much for every CI run.
import t from 'tap';
import { ISP_LIKE } from '../../controller/offload/profiles.js';
import { runEvaluation } from '../../bench/offload/evaluation.js';

const NS = [100, 300, 1000, 3000];
const N_CHURN = 300;
const N_GAIN = 1000;

t.test('evaluation on a shortened ISP-like trace', async (t) => {
  // fewer prefixes, bins and packets than ISP_LIKE; the same model and churn parameters
  const trace = { ...ISP_LIKE, prefixes: 30_000, bins: 48, meanPps: 6_000, daySeconds: 480 };
  const out: string[] = [];
  const r = runEvaluation({ trace, ns: NS, warmup: 12, cacheBins: 30, nChurn: N_CHURN, nGain: N_GAIN, factors: [4], binSizes: false, log: (l) => out.push(l) });
  t.comment(`\n${out.join('\n')}\n${r.lines.join('\n')}`);

  for (const [k, n] of NS.entries()) {
    const [opt, tfo] = [r.opt[k]!, r.tfo[k]!];
    // bin-optimal installs each bin's own top n: no table of n offloads more of any bin
    t.ok(opt.gain >= tfo.gain, `n = ${n}: bin-optimal gain ${opt.gain.toFixed(4)} ≥ TFO ${tfo.gain.toFixed(4)}`);
    t.ok(opt.medianPps <= tfo.medianPps && opt.maxPps <= tfo.maxPps, `n = ${n}: bin-optimal leaves no more than TFO (median ${opt.medianPps.toFixed(0)} ≤ ${tfo.medianPps.toFixed(0)}, max ${opt.maxPps.toFixed(0)} ≤ ${tfo.maxPps.toFixed(0)} pps)`);
    t.ok(tfo.gain > 0.5, `n = ${n}: TFO leaves the software router less than without offloading (gain ${tfo.gain.toFixed(4)})`);
  }
  for (let k = 1; k < NS.length; k++) t.ok(r.tfo[k]!.gain > r.tfo[k - 1]!.gain, `TFO's gain grows with n (${NS[k - 1]} → ${NS[k]})`);
  const c = NS.indexOf(N_CHURN);
  t.ok(r.tfo[c]!.meanChurn < r.opt[c]!.meanChurn, `n = ${N_CHURN}: TFO changes ${r.tfo[c]!.meanChurn.toFixed(1)} per bin < bin-optimal ${r.opt[c]!.meanChurn.toFixed(1)}`);
  t.equal(r.churnSeries.tfo.length, trace.bins - 12, 'a churn figure per measured bin');

  for (const [k, n] of [N_CHURN, N_GAIN].entries()) {
    const late = r.lastBin[k]!;
    const opt = r.opt[NS.indexOf(n)]!;
    t.ok(late.gain <= opt.gain && late.gain > 0, `n = ${n}: last bin's top n gain ${late.gain.toFixed(4)} ≤ bin-optimal ${opt.gain.toFixed(4)}`);
  }
  t.equal(r.caches.length, NS.length, 'LRU and LFU for every n');
  for (const w of r.caches) {
    for (const [name, s] of [['LRU', w.lru], ['LFU', w.lfu]] as const) {
      t.ok(Number.isFinite(s.churnPerSecond) && s.churnPerSecond > 0, `n = ${w.n}: ${name} changes/s ${s.churnPerSecond.toFixed(1)}`);
      t.ok(Number.isFinite(s.medianPps) && s.medianPps >= 0, `n = ${w.n}: ${name} remaining load ${s.medianPps.toFixed(0)} pps`);
    }
  }
  t.match(r.lines[0], /^RATIO offload\.tfo_churn_vs_binopt \d/);
  t.match(r.lines[1], /^BENCH offload\.tfo_gain 0\.\d{4}$/);
  t.ok(out.some((l) => l.includes('Caches against TFO')) && out.some((l) => l.includes('Prefix popularity')), 'tables printed');
});
