import t from 'tap';
import { Problem, State, evaluate, greedyRackFirst, place, tabuSearch } from '../../controller/placement/index.js';
import { generateServices, largePlatform } from '../../controller/placement/generator.js';

// A scaled-down data centre of D3.2's shape: 4 racks of 5 servers, loaded so that the
// greedy leaves violations for the tabu search to repair.
const shape = { cores: 2, intermediates: 2, tors: 4, serversPerTor: 5, ioPerCore: 2 };

t.test('same seed, same search (iteration budget): deterministic', async (t) => {
  const pf = largePlatform(shape);
  const services = generateServices(pf, 9, 11, { seed: 3 });
  const a = place(pf, services, { seed: 5, maxIterations: 400, timeLimitMs: 1e9 });
  const b = place(pf, services, { seed: 5, maxIterations: 400, timeLimitMs: 1e9 });
  t.same(Array.from(a.flat), Array.from(b.flat));
  t.same(a.violations, b.violations);
  t.equal(a.iterations, b.iterations);
  // (history points are throttled by wall-clock time, so only their end is compared)
  t.equal(a.history[a.history.length - 1]!.total, b.history[b.history.length - 1]!.total);
});

t.test('tabu repairs the greedy solution to feasible; history is the best so far, decreasing', async (t) => {
  const pf = largePlatform(shape);
  const problem = new Problem(pf, generateServices(pf, 6, 11, { seed: 3 }));
  const state = new State(problem);
  greedyRackFirst(state);
  const initial = state.total;
  t.ok(initial > 0, `the greedy leaves ${initial} violations`);
  const r = tabuSearch(state, { seed: 1, maxIterations: 3000, timeLimitMs: 1e9, lowerBound: problem.delayLowerBound() });
  t.ok(r.best.total < initial, `tabu: ${initial} → ${r.best.total}`);
  t.same(state.breakdown(), r.best, 'the state is left at the best solution');
  t.same(evaluate(problem, state.assign), r.best, 'and it is what it claims');
  for (let i = 1; i < r.history.length; i++) t.ok(r.history[i]!.total <= r.history[i - 1]!.total, `history[${i}] does not go up`);
  t.equal(r.history[r.history.length - 1]!.total, r.best.total);
  t.equal(r.best.total, 0, 'feasible');
  t.equal(r.stop, 'feasible');
  t.not(r.timeToFeasibleMs, null, 'with a time to feasible');
});

t.test('overloaded: the search still lowers the violations and returns its best', async (t) => {
  const pf = largePlatform(shape);
  const problem = new Problem(pf, generateServices(pf, 9, 11, { seed: 3 }));
  const state = new State(problem);
  greedyRackFirst(state);
  const initial = state.total;
  const r = tabuSearch(state, { seed: 1, maxIterations: 1000, timeLimitMs: 1e9, lowerBound: problem.delayLowerBound() });
  t.ok(r.best.total < initial, `tabu: ${initial} → ${r.best.total}`);
  t.equal(r.stop, 'iterations');
  t.same(evaluate(problem, state.assign), r.best);
});

t.test('D10 on the scaled platform: stops at the proven optimum, reports infeasible', async (t) => {
  const pf = largePlatform(shape);
  const problem = new Problem(pf, generateServices(pf, 3, 10, { seed: 2 }));
  const r = place(pf, problem, { seed: 1, maxIterations: 20000, timeLimitMs: 1e9 });
  t.ok(r.lowerBound >= 3, `lower bound ${r.lowerBound}: one per intrusion-detection chain at least`);
  t.equal(r.violations.total, r.lowerBound, 'reaches it');
  t.equal(r.stop, 'lower-bound');
  t.notOk(r.feasible);
  t.equal(r.timeToFeasibleMs, null);
});
