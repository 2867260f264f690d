import t from 'tap';
import { Platform, Problem, evaluate, place, type ServiceSpec } from '../../controller/placement/index.js';

// A handful of real module hosts behind one switch, as the resource daemon will see them.
function hosts(): { pf: Platform; uplink: number } {
  const pf = new Platform();
  const tor = pf.addTor('switch0');
  const uplink = pf.addIo('uplink0', tor, { bandwidth: 10_000, delay: 1 });
  for (const h of ['host-a', 'host-b', 'host-c']) {
    pf.addServer(h, tor, { cores: 4, memoryMb: 1024, internalBandwidth: 10_000, internalDelay: 1 }, { bandwidth: 1000, delay: 1 });
  }
  return { pf, uplink };
}
const fw = (name: string, uplink: number, cpu: number): ServiceSpec => ({
  name,
  modules: [{ name: 'fw', cpu, memoryMb: 300 }, { name: 'nat', cpu, memoryMb: 300 }],
  sources: [{ name: 'in', io: uplink }],
  sinks: [{ name: 'out', io: uplink }],
  edges: [['in', 'fw', 100], ['fw', 'nat', 100], ['nat', 'out', 100]],
  delayBound: 5,
});

t.test('README example: a chain placed on one host within its delay bound', async (t) => {
  const { pf, uplink } = hosts();
  const r = place(pf, [fw('fw1', uplink, 1)], { timeLimitMs: 1000, seed: 1 });
  t.ok(r.feasible);
  t.equal(r.assignment.length, 1);
  t.equal(r.assignment[0]![0], r.assignment[0]![1], 'fw and nat share a host (a hop between hosts would cost delay 6 > 5)');
  t.equal(pf.name[pf.serverNode[r.assignment[0]![0]!]!], 'host-a');
});

t.test('live allocations: running modules stay put (pinInitial), new ones fit around them', async (t) => {
  const { pf, uplink } = hosts();
  // Three services of 2 × 2 cores on 3 hosts of 4 cores: one per host is the only way.
  const services = [fw('a', uplink, 2), fw('b', uplink, 2), fw('c', uplink, 2)];
  const problem = new Problem(pf, services);
  // a and b already run, deliberately on host-b and host-c; c is new.
  const initial = [1, 1, 2, 2, -1, -1];
  const r = place(pf, problem, { initial, pinInitial: true, seed: 2, timeLimitMs: 1e9, maxIterations: 500 });
  t.same(Array.from(r.flat.subarray(0, 4)), [1, 1, 2, 2], 'running modules not moved');
  t.same(Array.from(r.flat.subarray(4)), [0, 0], 'the new service takes the free host');
  t.ok(r.feasible);
  t.same(evaluate(problem, r.flat), r.violations);
});

t.test('pinned modules that block feasibility are not moved; the conflict is reported', async (t) => {
  const { pf, uplink } = hosts();
  const services = [fw('a', uplink, 2), fw('b', uplink, 2), fw('c', uplink, 2)];
  // a is split over host-a and host-b (delay violated, and it blocks two hosts).
  const r = place(pf, services, { initial: [0, 1, -1, -1, -1, -1], pinInitial: true, seed: 3, timeLimitMs: 1e9, maxIterations: 2000 });
  t.same(Array.from(r.flat.subarray(0, 2)), [0, 1], 'pinned');
  t.notOk(r.feasible, 'a stays split: its path costs 6 > 5');
  t.ok(r.violations.delay >= 1);
  const unpinned = place(pf, services, { initial: [0, 1, -1, -1, -1, -1], seed: 3, timeLimitMs: 1e9, maxIterations: 2000 });
  t.ok(unpinned.feasible, 'without pinning the search is free to repair it');
});
