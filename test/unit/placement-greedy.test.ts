import t from 'tap';
import { Platform, Problem, State, evaluate, greedyRackFirst, type ServiceSpec } from '../../controller/placement/index.js';
import { generateServices, largePlatform } from '../../controller/placement/generator.js';

t.test('roomy platform: every service in one rack, racks filled in order, no violation', async (t) => {
  const pf = largePlatform({ cores: 2, intermediates: 2, tors: 8, serversPerTor: 10, ioPerCore: 2 });
  const problem = new Problem(pf, generateServices(pf, 10, 14, { seed: 3 }));
  const state = new State(problem);
  greedyRackFirst(state);
  t.ok(state.assign.every((s) => s >= 0), 'every PM placed');
  t.same(state.breakdown(), evaluate(problem, state.assign), 'totals are those of the assignment');
  t.equal(state.total, 0, 'no violation');
  const used = new Set<number>();
  for (let svc = 0; svc < problem.nServices; svc++) {
    const racks = new Set<number>();
    for (let g = problem.svcFirstPm[svc]!; g < problem.svcFirstPm[svc]! + problem.svcPmCount[svc]!; g++) racks.add(pf.serverRack[state.assign[g]!]!);
    t.equal(racks.size, 1, `${problem.svcName[svc]} within one rack`);
    for (const r of racks) used.add(r);
  }
  const sorted = [...used].sort((a, b) => a - b);
  t.same(sorted, sorted.map((_, i) => i), 'racks used in order from the first (round robin, rack first)');
  t.ok(sorted.length < pf.racks.length, 'and not spread over all racks');
});

function oneServerRacks(n: number, cores: number): { pf: Platform; io: number } {
  const pf = new Platform();
  const root = pf.addIntermediate('agg');
  const io = pf.addIo('io', root, { bandwidth: 1e6, delay: 1 });
  for (let r = 0; r < n; r++) {
    const tor = pf.addTor(`tor${r}`, root, { bandwidth: 1e6, delay: 1 });
    pf.addServer(`s${r}`, tor, { cores, memoryMb: 4096, internalBandwidth: 1e6, internalDelay: 1 }, { bandwidth: 1e6, delay: 1 });
  }
  return { pf, io };
}
const chain = (name: string, io: number, cpus: number[]): ServiceSpec => ({
  name,
  modules: cpus.map((cpu, i) => ({ name: `m${i}`, cpu, memoryMb: 100 })),
  sources: [{ name: 'src', io }],
  sinks: [{ name: 'sink', io }],
  edges: [['src', 'm0', 1], ...cpus.slice(1).map((_, i): [string, string, number] => [`m${i}`, `m${i + 1}`, 1]), [`m${cpus.length - 1}`, 'sink', 1]],
});

t.test('a service that no longer fits the current rack moves there whole, not split', async (t) => {
  const { pf, io } = oneServerRacks(3, 4);
  // 3 cores, then 3 cores: the second does not fit the 1 core left in rack 0.
  const problem = new Problem(pf, [chain('a', io, [1.5, 1.5]), chain('b', io, [1.5, 1.5]), chain('c', io, [0.5, 0.5])]);
  const state = new State(problem);
  greedyRackFirst(state);
  t.same(Array.from(state.assign), [0, 0, 1, 1, 1, 1], 'a in rack 0; b whole in rack 1; c follows the pointer to rack 1');
  t.equal(state.total, 0);
});

t.test('the round-robin pointer packs a chain onto one server when it fits', async (t) => {
  const pf = new Platform();
  const tor = pf.addTor('tor');
  const io = pf.addIo('io', tor, { bandwidth: 1e6, delay: 1 });
  for (let s = 0; s < 4; s++) pf.addServer(`s${s}`, tor, { cores: 8, memoryMb: 2048, internalBandwidth: 1e6, internalDelay: 1 }, { bandwidth: 1e6, delay: 1 });
  const problem = new Problem(pf, [chain('a', io, [2, 2, 2]), chain('b', io, [2, 2, 2])]);
  const state = new State(problem);
  greedyRackFirst(state);
  t.same(Array.from(state.assign), [0, 0, 0, 0, 1, 1], 'a on s0; b fills s0 then continues on s1');
});

t.test('overloaded: every PM still placed, least violation, totals consistent', async (t) => {
  const { pf, io } = oneServerRacks(2, 2);
  const problem = new Problem(pf, [chain('a', io, [2, 2]), chain('b', io, [2, 2])]);
  const state = new State(problem);
  greedyRackFirst(state);
  t.ok(state.assign.every((s) => s >= 0));
  t.equal(state.cpu, 400, '8 cores asked of 4: 4 cores over, in 1/100 core');
  t.same(state.breakdown(), evaluate(problem, state.assign));
});
