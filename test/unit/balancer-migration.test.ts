// The flow-migration simulator (D3.2 §2.3.3, controller/migration/README.md): its
// random draws (Pareto mean and minimum, Poisson rate) with a fixed seed, the exact
// sampler of flows in progress against a plain event simulation, the idle-phase curve
// against its closed form, and pre-copy vs freeze-and-copy downtime.
import t from 'tap';
import { aliveResiduals, flowMigration, pareto, paretoShape, poissonArrivals, precopy, processWithStates, seedProcess, simulateAlive, statesLeft, survivingShare, figureA, figureB } from '../../controller/migration/index.js';
import { Rng } from '../../controller/placement/rng.js';

t.test('Pareto durations: shape 2 for mean 200 ms and minimum 100 ms; minimum, median and mean', async (t) => {
  const a = paretoShape(0.2, 0.1);
  t.equal(a, 2);
  const rng = new Rng(11);
  const xs = Float64Array.from({ length: 400_000 }, () => pareto(rng, 0.1, a)).sort();
  t.ok(xs[0]! >= 0.1, 'never below the minimum');
  const median = xs[xs.length / 2]!;
  t.ok(Math.abs(median - 0.1 * Math.SQRT2) < 0.002, `median ${median.toFixed(4)} (0.1414 expected)`);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  // shape 2 has no variance: the sample mean converges slowly, hence a loose bound
  t.ok(Math.abs(mean - 0.2) < 0.01, `mean ${mean.toFixed(4)}`);
  t.throws(() => paretoShape(0.1, 0.1), /must exceed/);
});

t.test('Poisson arrivals: count over a window and mean gap match the rate', async (t) => {
  const rate = 5000;
  const arr = poissonArrivals(new Rng(5), rate, 0, 20);
  t.ok(Math.abs(arr.length - rate * 20) < 4 * Math.sqrt(rate * 20), `${arr.length} arrivals, ${rate * 20} expected`);
  t.ok(arr.every((x, i) => x >= 0 && x < 20 && (i === 0 || x > arr[i - 1]!)), 'inside the window, increasing');
});

t.test('flows in progress: the exact sampler agrees with an event simulation', async (t) => {
  const p = seedProcess(20_000); // 4000 flows in progress
  const exact = aliveResiduals(new Rng(1), p);
  const sim = simulateAlive(new Rng(2), p, 200).residuals;
  t.ok(Math.abs(exact.length - 4000) < 4 * Math.sqrt(4000), `exact: ${exact.length} in progress (Little: 4000)`);
  t.ok(Math.abs(sim.length - 4000) < 4 * Math.sqrt(4000), `simulated: ${sim.length}`);
  for (const s of [0.05, 0.2, 1]) {
    const e = exact.filter((r) => r > s).length / exact.length;
    const m = sim.filter((r) => r > s).length / sim.length;
    const want = survivingShare(p, s);
    t.ok(Math.abs(e - want) < 4 * Math.sqrt(want / exact.length) + 0.002, `alive after ${s} s, exact ${e.toFixed(4)} vs ${want.toFixed(4)}`);
    t.ok(Math.abs(m - want) < 4 * Math.sqrt(want / sim.length) + 0.002, `alive after ${s} s, simulated ${m.toFixed(4)} vs ${want.toFixed(4)}`);
  }
  const young = aliveResiduals(new Rng(3), p, 0.05);
  t.ok(Math.abs(young.length - p.rate * 0.05) < 4 * Math.sqrt(p.rate * 0.05), 'flows younger than the minimum are all still alive');
});

t.test('idle phase: states left fall as 1/(2τ) past 100 ms; 1 s leaves 5 %, not D3.2\'s 1 %', async (t) => {
  const { initial, points } = statesLeft(new Rng(9), processWithStates(100_000), [0, 0.1, 1, 5]);
  t.ok(Math.abs(initial - 100_000) < 2000);
  t.equal(points[0]!.left, initial);
  t.ok(Math.abs(points[1]!.share - 0.5) < 0.01);
  t.ok(Math.abs(points[2]!.share - 0.05) < 0.003, `after 1 s: ${points[2]!.share}`);
  t.ok(Math.abs(points[3]!.share - 0.01) < 0.002, `after 5 s: ${points[3]!.share}`);
  t.match(figureA(10_000, 1), /\| 1 \| \d+ \| 0\.0\d+ \| 0\.0500 \|/);
});

t.test('downtime: pre-copy wins on a few states, freeze-and-copy after an idle phase wins on many', async (t) => {
  const few = processWithStates(100);
  const many = processWithStates(100_000);
  const preFew = precopy(new Rng(1), few);
  const oursFew = flowMigration(new Rng(1), few, 1);
  t.ok(preFew.downtimeS <= oursFew.downtimeS, `100 states: pre-copy ${preFew.downtimeS} s ≤ ours ${oursFew.downtimeS} s`);
  const preMany = precopy(new Rng(2), many);
  const oursMany = flowMigration(new Rng(2), many, 1);
  t.ok(preMany.finalStates >= 0.9 * 100_000, 'pre-copy cannot converge: new flows dirty states faster than 100 Mb/s copies them');
  t.ok(Math.abs(preMany.downtimeS - preMany.finalStates * 800 / 1e9) < 1e-12, '100 B at 1 Gb/s each');
  t.ok(oursMany.downtimeS < preMany.downtimeS / 10, `ours ${oursMany.downtimeS} s vs pre-copy ${preMany.downtimeS} s`);
  const { rows } = figureB(1, 1, [100, 10_000]);
  t.equal(rows.length, 2);
});
