import t from 'tap';
import { Platform, Problem } from '../../controller/placement/index.js';
import { largePlatform } from '../../controller/placement/generator.js';

t.test("tree paths and delays on D3.2's data centre", async (t) => {
  const pf = largePlatform();
  const s = (i: number): number => pf.serverNode[i]!;
  const buf = new Int32Array(64);
  t.equal(pf.delay(s(0), s(0)), 1, 'same server: the internal link');
  t.equal(pf.path(s(0), s(0), buf), 1);
  t.equal(buf[0], pf.internalLink[0]);
  t.equal(pf.delay(s(0), s(1)), 2, 'same rack: server → ToR → server');
  t.equal(pf.delay(s(0), s(20)), 4, 'same intermediate, other rack');
  t.equal(pf.delay(s(0), s(9999)), 6, 'other intermediate: through a core');
  t.equal(pf.delay(pf.ioNodes[0]!, s(1234)), 4, 'I/O → core → intermediate → ToR → server');
  t.equal(pf.delay(s(1234), pf.ioNodes[7]!), 4);
  // Directions: a path is a chain of directed links, each ending where the next starts.
  const n = pf.path(s(0), s(9999), buf);
  const names = Array.from(buf.subarray(0, n), (l) => pf.linkName[l]!);
  t.same(names.map((x) => x.split('->')), [
    ['s0', 'tor0'], ['tor0', 'int0'], [names[2]!.split('->')[0]!, names[2]!.split('->')[1]!], [names[3]!.split('->')[0]!, 'int31'], ['int31', 'tor499'], ['tor499', 's9999'],
  ]);
  t.equal(names[2]!.split('->')[1], names[3]!.split('->')[0], 'up to and down from the same core');
  // The two directions of a link are distinct links.
  const back = pf.path(s(9999), s(0), new Int32Array(64));
  t.equal(back, 6);
  t.notOk(Array.from(buf.subarray(0, n)).includes(pf.upLink[s(9999)]!), 's9999 → tor499 is not on the way in');
});

t.test('a small platform of real hosts: one ToR, no core', async (t) => {
  const pf = new Platform();
  const tor = pf.addTor('sw');
  const io = pf.addIo('uplink', tor, { bandwidth: 10000, delay: 1 });
  const a = pf.addServer('host-a', tor, { cores: 4, memoryMb: 8192, internalBandwidth: 10000, internalDelay: 0 }, { bandwidth: 1000, delay: 1 });
  pf.addServer('host-b', tor, { cores: 4, memoryMb: 8192, internalBandwidth: 10000, internalDelay: 0 }, { bandwidth: 1000, delay: 1 });
  t.equal(pf.delay(io, pf.serverNode[a]!), 2);
  t.equal(pf.delay(pf.serverNode[0]!, pf.serverNode[1]!), 2);
  t.equal(pf.nodeByName('host-b'), pf.serverNode[1]);
});

t.test('platform and service validation', async (t) => {
  const pf = new Platform();
  pf.addTor('a');
  pf.addTor('b');
  t.throws(() => pf.seal(), /no core/, 'two roots need a core layer');
  const ok = new Platform();
  const tor = ok.addTor('t');
  const io = ok.addIo('io', tor, { bandwidth: 1, delay: 1 });
  ok.addServer('s', tor, { cores: 1, memoryMb: 1, internalBandwidth: 1, internalDelay: 0 }, { bandwidth: 1, delay: 1 });
  const base = { name: 'x', modules: [{ name: 'm', cpu: 1, memoryMb: 1 }, { name: 'n', cpu: 1, memoryMb: 1 }], sources: [{ name: 'src', io }], sinks: [{ name: 'sink', io }] };
  t.throws(() => new Problem(ok, [{ ...base, edges: [['m', 'n', 1], ['n', 'm', 1]] }]), /cycle/);
  t.throws(() => new Problem(ok, [{ ...base, edges: [['m', 'src', 1]] }]), /enters a source/);
  t.throws(() => new Problem(ok, [{ ...base, edges: [['sink', 'm', 1]] }]), /leaves a sink/);
  t.throws(() => new Problem(ok, [{ ...base, edges: [['m', 'zz', 1]] }]), /unknown/);
  t.throws(() => new Problem(ok, [{ ...base, sources: [{ name: 'src', io: 2 }], edges: [] }]), /I\/O node/);
  const p = new Problem(ok, [{ ...base, delayBound: 5, edges: [['src', 'm', 1], ['m', 'n', 1], ['n', 'sink', 1], ['m', 'sink', 1]] }]);
  t.equal(p.nPaths, 2, 'every source→sink path is bounded by default');
});
