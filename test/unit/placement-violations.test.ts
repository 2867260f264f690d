import t from 'tap';
import { Problem, Rng, State, evaluate } from '../../controller/placement/index.js';
import { generateServices, largePlatform } from '../../controller/placement/generator.js';

// A scaled-down data centre of D3.2's shape, crowded (and with the strict 8192-bit
// packets) so that every kind of violation occurs.
const shape = { cores: 2, intermediates: 3, tors: 6, serversPerTor: 3, ioPerCore: 2 };

t.test('incremental bookkeeping equals a from-scratch recount after many random moves', async (t) => {
  const pf = largePlatform(shape);
  const problem = new Problem(pf, generateServices(pf, 8, 11, { seed: 5, packetBits: 8192 }));
  const state = new State(problem);
  const rng = new Rng(42);
  const seen = { cpu: false, mem: false, bw: false, delay: false };
  let mismatches = 0;
  for (let step = 1; step <= 3000; step++) {
    const g = rng.int(problem.nPm);
    const j = rng.next() < 0.05 ? -1 : rng.int(pf.nServers);
    const before = state.total;
    const predicted = state.delta(g, j);
    const applied = state.move(g, j);
    if (predicted !== applied || state.total - before !== applied) mismatches++;
    if (step % 25 === 0) {
      const b = state.breakdown();
      const ref = evaluate(problem, state.assign);
      if (b.total !== ref.total || b.cpu !== ref.cpu || b.mem !== ref.mem || b.bw !== ref.bw || b.delay !== ref.delay) {
        t.same(b, ref, `step ${step}: incremental = recount`);
        return;
      }
      for (const k of ['cpu', 'mem', 'bw', 'delay'] as const) seen[k] ||= b[k] > 0;
    }
  }
  t.equal(mismatches, 0, 'delta() predicted every move() and the total moved by it');
  t.same(state.breakdown(), evaluate(problem, state.assign), 'final state = recount');
  t.same(seen, { cpu: true, mem: true, bw: true, delay: true }, 'every kind of violation was exercised');

  // The violated-resource sets and per-server lists agree with the loads.
  for (let s = 0; s < pf.nServers; s++) {
    const over = state.cpuLoad[s]! > state.cpuCap[s]! || state.memLoad[s]! > pf.serverMemory[s]!;
    t.equal(state.badServers.has(s), over, `server ${s} in the violated set iff over`);
    const on = [...state.assign.keys()].filter((g) => state.assign[g] === s).sort((a, b) => a - b);
    t.same([...state.pmsOn[s]!].sort((a, b) => a - b), on, `server ${s}: its PM list`);
  }
  let badLinks = 0;
  for (let l = 0; l < pf.nLinks; l++) if (state.linkLoad[l]! > pf.linkBandwidth[l]!) badLinks++;
  t.equal(state.badLinks.size, badLinks, 'violated links tracked');
  let badPaths = 0;
  for (let p = 0; p < problem.nPaths; p++) if (state.pathDelay[p]! > problem.pathBound[p]!) badPaths++;
  t.equal(state.badPaths.size, badPaths, 'violated paths tracked');
});

t.test('moving back restores every total exactly', async (t) => {
  const pf = largePlatform(shape);
  const problem = new Problem(pf, generateServices(pf, 6, 12, { seed: 9 }));
  const state = new State(problem);
  const rng = new Rng(1);
  for (let g = 0; g < problem.nPm; g++) state.move(g, rng.int(pf.nServers));
  const start = state.breakdown();
  const undo: number[] = [];
  for (let k = 0; k < 500; k++) {
    const g = rng.int(problem.nPm);
    undo.push(g, state.assign[g]!);
    state.move(g, rng.int(pf.nServers));
  }
  for (let i = undo.length - 2; i >= 0; i -= 2) state.move(undo[i]!, undo[i + 1]!);
  t.same(state.breakdown(), start);
  t.equal(state.linkLoad.reduce((a, b) => a + b, 0), Float64Array.from(evaluateLinks()).reduce((a, b) => a + b, 0));
  function evaluateLinks(): number[] {
    // Total link load is the sum over edges of bandwidth × path length.
    const buf = new Int32Array(64);
    let sum = 0;
    for (let e = 0; e < problem.nEdges; e++) {
      const a = state.nodeOf(problem.edgeFrom[e]!);
      const b = state.nodeOf(problem.edgeTo[e]!);
      sum += problem.edgeBw[e]! * pf.path(a, b, buf);
    }
    return [sum];
  }
});
