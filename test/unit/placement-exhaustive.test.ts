import t from 'tap';
import { Platform, Problem, Rng, evaluate, exhaustive, place, type ServiceSpec } from '../../controller/placement/index.js';

/**
 * Tiny random instances: two racks of two servers under one intermediate with an I/O node,
 * two or three services of two or three PMs, tight CPU/memory/bandwidth and random delay
 * bounds — small enough (4^6 assignments) to enumerate.
 */
function tiny(seed: number): { platform: Platform; services: ServiceSpec[] } {
  const rng = new Rng(seed);
  const pf = new Platform();
  const root = pf.addIntermediate('agg');
  const io = pf.addIo('io', root, { bandwidth: 400, delay: 1 });
  for (let r = 0; r < 2; r++) {
    const tor = pf.addTor(`tor${r}`, root, { bandwidth: rng.range(60, 200), delay: 1 });
    for (let s = 0; s < 2; s++) {
      pf.addServer(`s${r}${s}`, tor, { cores: rng.range(2, 4), memoryMb: rng.range(600, 1200), internalBandwidth: rng.range(50, 150), internalDelay: 1 }, { bandwidth: rng.range(40, 120), delay: 1 });
    }
  }
  const services: ServiceSpec[] = [];
  let pms = 0;
  const nSvc = rng.range(2, 3);
  for (let i = 0; i < nSvc && pms < 6; i++) {
    const n = Math.min(rng.range(2, 3), 6 - pms);
    pms += n;
    const modules = Array.from({ length: n }, (_, k) => ({ name: `p${k}`, cpu: rng.pick([0.5, 1, 1.5, 2]), memoryMb: rng.range(100, 600) }));
    const edges: Array<[string, string, number]> = [['src', 'p0', rng.range(10, 60)]];
    for (let k = 1; k < n; k++) edges.push([`p${k - 1}`, `p${k}`, rng.range(10, 60)]);
    edges.push([`p${n - 1}`, 'sink', rng.range(10, 60)]);
    const svc: ServiceSpec = { name: `svc${i}`, modules, sources: [{ name: 'src', io }], sinks: [{ name: 'sink', io }], edges };
    // I/O → server is 3 hops here; a chain of n PMs costs at least 6 + (n − 1).
    if (rng.next() < 0.7) svc.delayBound = 6 + (n - 1) + rng.range(-1, 3);
    services.push(svc);
  }
  return { platform: pf, services };
}

t.test('tabu search reaches the exhaustive optimum on 60 tiny instances', async (t) => {
  let feasible = 0;
  let infeasible = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const { platform, services } = tiny(seed);
    const problem = new Problem(platform, services);
    const ex = exhaustive(problem);
    const r = place(platform, problem, { seed, maxIterations: 5000, timeLimitMs: 1e9 });
    t.equal(r.violations.total, ex.best.total, `seed ${seed}: tabu ${r.violations.total} = optimum ${ex.best.total}`);
    t.same(evaluate(problem, r.flat), r.violations, `seed ${seed}: the reported violations are those of the returned assignment`);
    t.equal(r.feasible, ex.best.total === 0, `seed ${seed}: feasible reported iff one exists`);
    if (ex.best.total === 0) feasible++;
    else infeasible++;
    t.ok(r.lowerBound <= ex.best.total, `seed ${seed}: lower bound ${r.lowerBound} ≤ optimum`);
  }
  // The generator must produce both kinds, or the test proves little.
  t.ok(feasible >= 10, `${feasible} feasible instances`);
  t.ok(infeasible >= 10, `${infeasible} infeasible instances`);
});

t.test('exhaustive search is a true minimum: no random assignment beats it', async (t) => {
  for (let seed = 1; seed <= 10; seed++) {
    const { platform, services } = tiny(seed);
    const problem = new Problem(platform, services);
    const ex = exhaustive(problem);
    t.same(evaluate(problem, ex.assignment), ex.best);
    const rng = new Rng(seed * 7);
    let min = Infinity;
    for (let k = 0; k < 300; k++) {
      const a = Int32Array.from({ length: problem.nPm }, () => rng.int(platform.nServers));
      min = Math.min(min, evaluate(problem, a).total);
    }
    t.ok(min >= ex.best.total, `seed ${seed}: random best ${min} ≥ exhaustive ${ex.best.total}`);
  }
});

t.test('an impossible request is reported infeasible with its honest count', async (t) => {
  const pf = new Platform();
  const tor = pf.addTor('tor');
  const io = pf.addIo('io', tor, { bandwidth: 1000, delay: 1 });
  pf.addServer('a', tor, { cores: 1, memoryMb: 512, internalBandwidth: 1000, internalDelay: 0 }, { bandwidth: 1000, delay: 1 });
  pf.addServer('b', tor, { cores: 1, memoryMb: 512, internalBandwidth: 1000, internalDelay: 0 }, { bandwidth: 1000, delay: 1 });
  // Three 1-core modules on two 1-core servers: at least one core too many.
  const svc: ServiceSpec = {
    name: 'big',
    modules: [0, 1, 2].map((i) => ({ name: `m${i}`, cpu: 1, memoryMb: 100 })),
    sources: [{ name: 'src', io }],
    sinks: [{ name: 'sink', io }],
    edges: [['src', 'm0', 1], ['m0', 'm1', 1], ['m1', 'm2', 1], ['m2', 'sink', 1]],
  };
  const r = place(pf, [svc], { seed: 3, maxIterations: 200, timeLimitMs: 1e9 });
  t.notOk(r.feasible);
  t.equal(r.violations.cpu, 100, 'one core over, in 1/100 core');
  t.equal(r.lowerBound, 100, 'the capacity bound proves it');
  t.equal(r.stop, 'lower-bound', 'and the search stops there');
  t.equal(r.timeToFeasibleMs, null);
});
