// The balancer's algorithm (D3.2 §2.2.4, controller/balancer/README.md): hand-checked
// small assignments, capacities in any proportion, the imbalance bound, splitting,
// incremental runs that move only what must move, and refusals of bad input.
import t from 'tap';
import { balance, BalancerInputError, moves, parsePrefix, prefixesPerServer, prefixText, Traffic, type Assignment, type Server } from '../../controller/balancer/index.js';
import { gaussian, seedDistributions, zipf } from '../../controller/balancer/synthetic.js';

const equal = (n: number): Server[] => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, capacity: 1 }));
const text = (a: Assignment) => a.leaves.map((l) => `${prefixText(l.prefix)} ${l.server}`);
const loadOf = (a: Assignment, name: string) => a.servers.find((s) => s.name === name)!.load;

t.test('two equal servers, uniform traffic: one /1 each, the default keeps the other half', async (t) => {
  const a = balance(equal(2), Traffic.uniform());
  t.equal(a.defaultServer, 's0', 'the first of the largest is the default');
  t.same(text(a), ['0.0.0.0/1 s1', '128.0.0.0/1 s0']);
  t.equal(a.imbalance, 1);
  t.ok(a.met);
});

t.test('four equal servers: the root and both /1s split, one /2 each', async (t) => {
  const a = balance(equal(4), Traffic.uniform(4));
  t.same(text(a), ['0.0.0.0/2 s1', '64.0.0.0/2 s2', '128.0.0.0/2 s3', '192.0.0.0/2 s0']);
  t.same(a.servers.map((s) => s.load), [1, 1, 1, 1]);
});

t.test('capacities 3:2:1 (not a power of two): hand-checked leaves, loads in proportion within the bound', async (t) => {
  const a = balance([{ name: 'A', capacity: 3 }, { name: 'B', capacity: 2 }, { name: 'C', capacity: 1 }], Traffic.uniform());
  t.equal(a.defaultServer, 'A', 'the largest server is the default');
  // B (share 1/3) takes the first /2 (1/4), then a /4 once /3s no longer fit and fall under the chunk threshold;
  // C (1/6) takes a /3 (1/8) then a /5; A keeps the rest and stops below 1.1 × 1/2
  t.same(text(a), ['0.0.0.0/2 B', '64.0.0.0/3 C', '96.0.0.0/4 B', '112.0.0.0/5 C', '120.0.0.0/5 A', '128.0.0.0/1 A']);
  t.equal(loadOf(a, 'A'), 0.5 + 1 / 32);
  t.equal(loadOf(a, 'B'), 1 / 4 + 1 / 16);
  t.equal(loadOf(a, 'C'), 1 / 8 + 1 / 32);
  for (const s of a.servers) t.ok(s.load <= s.share * 1.1 + 1e-12, `${s.name} within 1.1 × its share`);
});

t.test('capacities in odd proportions on every seed distribution: the bound holds, every address has one server', async (t) => {
  const servers: Server[] = [7, 5, 3, 2, 1, 1.5, 0.25].map((c, i) => ({ name: `r${i}`, capacity: c }));
  for (const { name, traffic } of seedDistributions(3)) {
    for (const max of [1.05, 1.1, 1.5]) {
      const a = balance(servers, traffic, { maxImbalance: max });
      t.ok(a.met && a.imbalance <= max + 1e-9, `${name} at ${max}: imbalance ${a.imbalance.toFixed(4)}`);
      t.ok(Math.abs(a.servers.reduce((n, s) => n + s.load, 0) - traffic.total) < 1e-9 * traffic.total, `${name}: loads add up to the total`);
      for (const l of a.leaves) t.ok(Math.abs(traffic.load(l.prefix) - l.load) <= 1e-9 * traffic.total || l.load === 0, 'leaf loads are the traffic inside them');
    }
  }
});

t.test('a hot spot is split down until its pieces fit; a tighter bound needs more prefixes (D3.2 Figure 2.5)', async (t) => {
  // all traffic in 10.0.0.0/8, evenly: the algorithm must split into it
  const hot = Traffic.fromAtoms([{ prefix: parsePrefix('10.0.0.0/8'), load: 1 }]);
  const a = balance(equal(4), hot);
  for (const l of a.leaves.filter((l) => l.server !== a.defaultServer)) t.ok(l.prefix.len >= 10 && l.prefix.base >>> 24 === 10, `${prefixText(l.prefix)} inside 10/8`);
  t.same(a.servers.map((s) => s.load), [0.25, 0.25, 0.25, 0.25]);
  const g = gaussian(0.5, 0.05);
  const loose = balance(equal(100), g, { maxImbalance: 1.5 });
  const tight = balance(equal(100), g, { maxImbalance: 1.02 });
  t.ok(tight.leaves.length > loose.leaves.length, `${tight.leaves.length} leaves at 1.02 > ${loose.leaves.length} at 1.5`);
  t.ok(tight.imbalance <= 1.02 + 1e-9);
});

t.test('the chunk threshold trades evenness for fewer prefixes, at the same bound', async (t) => {
  const g = gaussian(0.4, 0.1);
  const small = balance(equal(50), g, { chunkThreshold: 0 });
  const large = balance(equal(50), g, { chunkThreshold: 1 });
  t.ok(large.leaves.length < small.leaves.length, `${large.leaves.length} leaves with threshold 1 < ${small.leaves.length} with 0`);
  t.ok(small.met && large.met);
});

t.test('a single address carrying more than a share cannot be split: reported, not looped on', async (t) => {
  const a = balance(equal(4), Traffic.fromAtoms([{ prefix: parsePrefix('1.2.3.4/32'), load: 0.9 }, { prefix: parsePrefix('128.0.0.0/1'), load: 0.1 }]));
  t.notOk(a.met);
  t.ok(a.imbalance > 3, `imbalance ${a.imbalance}`);
});

t.test('heavy-tailed (Zipf) traffic and many servers: within the bound with about two prefixes per server', async (t) => {
  const a = balance(equal(200), zipf(5, 20_000));
  t.ok(a.met, `imbalance ${a.imbalance}`);
  t.ok(prefixesPerServer(a) < 3, `${prefixesPerServer(a).toFixed(2)} prefixes per server`);
});

t.test('adding a server moves about its share, far less than a fresh run; removing one moves only its own prefixes', async (t) => {
  const traffic = gaussian(0.5, 0.15);
  const before = balance(equal(10), traffic);
  const added = [...equal(10), { name: 'new', capacity: 1 }];
  const inc = balance(added, traffic, { previous: before });
  const fresh = balance(added, traffic);
  const moved = (m: ReturnType<typeof moves>) => m.reduce((n, x) => n + traffic.load(x.prefix), 0);
  const incMoved = moved(moves(before.leaves, inc.leaves));
  t.ok(inc.met, `imbalance ${inc.imbalance}`);
  const fresh11 = inc.servers.find((s) => s.name === 'new')!;
  t.ok(fresh11.load >= fresh11.share / 2, `the new server takes at least half its share (${(fresh11.load / fresh11.share).toFixed(2)})`);
  t.ok(incMoved <= (traffic.total / 11) * 1.1 + 1e-9, `incremental moved ${incMoved.toFixed(4)} ≤ the new server's bound`);
  // (with chunks filling servers to their bound, a fresh run here lands nearer the old assignment: 25 % of the traffic moved against 9 %)
  const freshMoved = moved(moves(before.leaves, fresh.leaves));
  t.ok(freshMoved > 2 * incMoved, `a fresh run moves far more (${freshMoved.toFixed(0)} against ${incMoved.toFixed(0)})`);
  t.ok(moves(before.leaves, inc.leaves).every((m) => m.to === 'new' || m.from === before.defaultServer || m.to === inc.defaultServer), 'traffic moves to the new server (or through the default)');

  const victim = 's3';
  const removed = balance(equal(10).filter((s) => s.name !== victim), traffic, { previous: before });
  const m = moves(before.leaves, removed.leaves);
  t.ok(m.length > 0 && m.every((x) => x.from === victim), `all ${m.length} moved prefixes were ${victim}'s`);
  t.ok(Math.abs(moved(m) - loadOf(before, victim)) < 1e-9, 'exactly its traffic moved');
  t.ok(removed.met);
});

t.test('a rerun on the same traffic moves nothing; a shift moves only from overloaded servers or to underloaded ones', async (t) => {
  const a = balance(equal(8), gaussian(0.5, 0.1));
  t.same(moves(a.leaves, balance(equal(8), gaussian(0.5, 0.1), { previous: a }).leaves), []);
  const shifted = gaussian(0.52, 0.1);
  const b = balance(equal(8), shifted, { previous: a });
  t.ok(b.met);
  const ratio = (s: string) => a.leaves.filter((l) => l.server === s).reduce((n, l) => n + shifted.load(l.prefix), 0) / (shifted.total / 8);
  const m = moves(a.leaves, b.leaves);
  t.ok(m.length > 0);
  for (const x of m) t.ok(ratio(x.from) > 1.1 || ratio(x.to) < 1 / 1.1 || x.from === a.defaultServer || x.to === a.defaultServer, `${prefixText(x.prefix)} moved from ${x.from} (${ratio(x.from).toFixed(2)}) to ${x.to} (${ratio(x.to).toFixed(2)})`);
});

t.test('bad input is refused with what to fix', async (t) => {
  const u = Traffic.uniform();
  t.throws(() => balance([], u), new BalancerInputError('no servers to balance over'));
  t.throws(() => balance([{ name: 'a', capacity: 0 }], u), /capacity of server 'a' must be a finite number above 0/);
  t.throws(() => balance([{ name: 'a', capacity: -2 }], u), /capacity of server 'a'/);
  t.throws(() => balance([{ name: 'a', capacity: NaN }], u), /capacity of server 'a'/);
  t.throws(() => balance([{ name: 'a', capacity: 1 }, { name: 'a', capacity: 1 }], u), /listed twice/);
  t.throws(() => balance(equal(2), u, { maxImbalance: 0.9 }), /maximum imbalance must be a finite number of at least 1/);
  t.throws(() => balance(equal(2), u, { chunkThreshold: -1 }), /chunk threshold/);
  t.throws(() => balance(equal(2), u, { defaultServer: 'x' }), /default server 'x' is not one of the servers/);
  t.throws(() => parsePrefix('10.1.0.0/8'), /host bits set \(did you mean 10.0.0.0\/8\?\)/);
  t.throws(() => parsePrefix('10.0.0.0/33'), /over 32/);
  t.throws(() => parsePrefix('300.0.0.0/8'), /not an IPv4 address or prefix/);
  t.throws(() => Traffic.fromAtoms([{ prefix: parsePrefix('10.0.0.0/8'), load: 1 }, { prefix: parsePrefix('10.1.0.0/16'), load: 1 }]), /overlap/);
  t.throws(() => Traffic.fromAtoms([{ prefix: { base: 5, len: 24 }, load: 1 }]), /host bits set/);
  t.throws(() => Traffic.fromAtoms([{ prefix: parsePrefix('10.0.0.0/8'), load: -1 }]), /load of 10.0.0.0\/8/);
  t.throws(() => balance(equal(2), u, { previous: { ...balance(equal(2), u), leaves: [] } }), /leaves/);
});

t.test('traffic: load of any prefix from atoms, inside an atom by size', async (t) => {
  const tr = Traffic.fromAtoms([{ prefix: parsePrefix('10.0.0.0/8'), load: 8 }, { prefix: parsePrefix('11.0.0.0/16'), load: 2 }, { prefix: parsePrefix('192.168.0.0/16'), load: 4 }]);
  t.equal(tr.total, 14);
  t.equal(tr.load(parsePrefix('0.0.0.0/0')), 14);
  t.equal(tr.load(parsePrefix('10.0.0.0/7')), 10);
  t.equal(tr.load(parsePrefix('10.128.0.0/9')), 4, 'half of 10/8');
  t.equal(tr.load(parsePrefix('10.0.0.0/8')), 8);
  t.equal(tr.load(parsePrefix('11.0.0.0/17')), 1);
  t.equal(tr.load(parsePrefix('128.0.0.0/1')), 4);
  t.equal(tr.load(parsePrefix('12.0.0.0/8')), 0);
});
