import t from 'tap';
import { BinOptimal } from '../../controller/offload/bin-optimal.js';
import { makeBin, type Bin } from '../../controller/offload/bin.js';
import { evaluate, median, summarize } from '../../controller/offload/evaluate.js';
import { LastBinTop } from '../../controller/offload/last-bin.js';
import { Lfu } from '../../controller/offload/lfu.js';
import { Lru } from '../../controller/offload/lru.js';
import { syntheticTrace, type SyntheticOptions } from '../../controller/offload/synthetic.js';
import { Tfo } from '../../controller/offload/tfo.js';
import { topK } from '../../controller/offload/topk.js';
import { Rng } from '../../controller/placement/rng.js';

const SMALL: SyntheticOptions = {
  prefixes: 3000, zipf: 1.2, zipfOffset: 2, meanPps: 2000, binSeconds: 1, bins: 40, stepSeconds: 1,
  daySeconds: 40, dayAmplitude: 0.5, churnTop: 1e-3, churnExponent: 1, churnMax: 0.5, churnSpread: 1, burst: 0.3, seed: 3,
};

t.test('topK agrees with a full sort (ties by smaller position, zeros never ranked)', async (t) => {
  const rng = new Rng(9);
  for (let trial = 0; trial < 30; trial++) {
    const m = 1 + rng.int(3000);
    const v = Float64Array.from({ length: m }, () => (rng.next() < 0.3 ? 0 : rng.int(20)));
    const k = rng.int(m + 5);
    const want = [...v.keys()].filter((i) => v[i]! > 0).sort((a, b) => v[b]! - v[a]! || a - b).slice(0, k);
    t.same([...topK(v, k)], want, `m=${m} k=${k}`);
  }
});

t.test('bin-optimal bounds every strategy whose table is fixed for a bin (TFO at any factor)', async (t) => {
  const bins: Bin[] = [...syntheticTrace(SMALL)];
  for (const n of [5, 50, 300]) {
    const strategies = [new BinOptimal(n), new Tfo({ n }), new Tfo({ n, factor: 1 }), new Tfo({ n, factor: 8, timeScales: [1, 4] })];
    const rec = evaluate(bins, strategies);
    for (let b = 0; b < bins.length; b++)
      for (let s = 1; s < strategies.length; s++) if (rec[0]![b]!.software > rec[s]![b]!.software) t.fail(`n=${n} bin ${b}: bin-optimal left more than strategy ${s}`);
    const g = rec.map((r) => summarize(r, n, 5).gain);
    t.ok(g.slice(1).every((x) => x <= g[0]!), `n=${n}: gains ${g.map((x) => x.toFixed(3)).join(' ')}`);
  }
});

t.test('evaluate keeps records in the order given, whatever order it feeds them', async (t) => {
  const bins: Bin[] = [...syntheticTrace({ ...SMALL, bins: 12 })];
  const together = evaluate(bins, [new Lru(10), new BinOptimal(100), new Lfu(10), new BinOptimal(10)]);
  t.same(together[1], evaluate(bins, [new BinOptimal(100)])[0]);
  t.same(together[3], evaluate(bins, [new BinOptimal(10)])[0]);
  t.same(together[0], evaluate(bins, [new Lru(10)])[0]);
  const s = summarize(together[1]!, 100, 2);
  t.equal(s.bins, 10);
  t.ok(s.gain > 0 && s.gain < 1);
  t.throws(() => summarize(together[1]!, 100, 12), /no bins after a warm-up/);
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
});

t.test("last bin's top n: bin-optimal one bin late", async (t) => {
  const s = new LastBinTop(2);
  const a = s.update(makeBin(0, 10, { 1: 50, 2: 40, 3: 1 }));
  t.equal(a.software, 91, 'the first bin meets an empty table');
  t.same([...a.installed], [1, 2], "the table after bin 0 is bin 0's top 2");
  const b = s.update(makeBin(1, 10, { 1: 5, 3: 60, 4: 30 }));
  t.equal(b.software, 90, "bin 1 is served by bin 0's top 2: only prefix 1's 5 packets are offloaded");
  t.same([...b.installed], [3, 4]);
  t.same([...b.added], [3, 4]);
  t.same([...b.removed], [1, 2]);
  t.equal(b.changes, 2);
  t.throws(() => new LastBinTop(0), /at least 1/);
});
