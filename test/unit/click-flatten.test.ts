import t from 'tap';
import { flatten, parse, type FlatRouter } from '../../clickos-build/index.js';

const flat = (text: string) => flatten(parse(text, 'f.click'));
const els = (r: FlatRouter) => r.elements.map((e) => `${e.name} :: ${e.class}(${e.config})`);
const conns = (r: FlatRouter) => r.connections.map((c) => `${c.from}[${c.fromPort}] -> [${c.toPort}]${c.to}`);

t.test('a compound with positional and keyword formals expands with Click names', async (t) => {
  const r = flat(`
elementclass Shaper { $rate, BURST $b |
  input -> s :: BandwidthShaper($rate, $b) -> output
}
src :: InfiniteSource -> sh :: Shaper(1000, BURST 20) -> Discard;
`);
  t.same(els(r), ['src :: InfiniteSource()', 'sh/s :: BandwidthShaper(1000, 20)', 'Discard@3 :: Discard()']);
  t.same(conns(r), ['src[0] -> [0]sh/s', 'sh/s[0] -> [0]Discard@3']);
  t.same(r.errors, []);
  t.same(r.elements.find((e) => e.name === 'sh/s')?.args, ['1000', '20']);
  t.same(r.elements.find((e) => e.name === 'sh/s')?.pos, { line: 3, col: 12 }, 'components keep their position in the class');
});

t.test('nested compounds, several ports, anonymous components', async (t) => {
  const r = flat(`
elementclass Inner { $x | input -> c :: Counter($x) -> output }
elementclass Outer { $y |
  input -> i :: Inner($y) -> output;
  input[1] -> Paint($y) -> [1]output
}
a :: InfiniteSource -> o :: Outer(7) -> Discard;
b :: InfiniteSource -> [1]o[1] -> d :: Discard;
`);
  t.same(els(r).sort(), ['Discard@3 :: Discard()', 'a :: InfiniteSource()', 'b :: InfiniteSource()', 'd :: Discard()', 'o/Paint@2 :: Paint(7)', 'o/i/c :: Counter(7)']);
  t.same(conns(r).sort(), ['a[0] -> [0]o/i/c', 'b[0] -> [0]o/Paint@2', 'o/Paint@2[0] -> [0]d', 'o/i/c[0] -> [0]Discard@3']);
  t.same(r.errors, []);
});

t.test('overloads are chosen by argument count; "..." falls back to the earlier class', async (t) => {
  const r = flat(`
elementclass Q { $n | input -> Queue($n) -> output || input -> SimpleQueue -> output }
Idle -> a :: Q(5) -> Discard; Idle -> b :: Q -> Discard;
elementclass Queue { $a, $b | input -> MSQueue($a) -> output || ... }
Idle -> c :: Queue(1, 2) -> Discard; Idle -> d :: Queue(10) -> Discard;
`);
  const byName = new Map(r.elements.map((e) => [e.name, `${e.class}(${e.config})`]));
  t.equal(byName.get('a/Queue@1'), 'Queue(5)');
  t.equal(byName.get('b/SimpleQueue@1'), 'SimpleQueue()');
  t.equal(byName.get('c/MSQueue@1'), 'MSQueue(1)');
  t.equal(byName.get('d'), 'Queue(10)', 'the primitive Queue');
  t.same(r.errors, []);
});

t.test('define substitutes variables, also in later definitions; Script variables stay', async (t) => {
  const r = flat(`define($DEV eth0, $GW $DEV:gw)
FromDevice($DEV) -> SetIPAddress($GW) -> Discard;
Script(set x 1, write s.rate $x, wait '$DEV');`);
  t.same(r.elements.map((e) => e.config), ['eth0', 'eth0:gw', '', "set x 1, write s.rate $x, wait '$DEV'"]);
});

t.test('connection tunnels are followed', async (t) => {
  const r = flat('connectiontunnel p -> q; Idle -> p; q -> Discard; q -> Counter -> Discard;');
  t.same(conns(r), ['Idle@1[0] -> [0]Discard@2', 'Idle@1[0] -> [0]Counter@3', 'Counter@3[0] -> [0]Discard@4']);
});

t.test('compound errors Click reports while expanding', async (t) => {
  t.same(flat('elementclass A { $a | input -> output }\nIdle -> A -> Discard;').errors, [
    { pos: { line: 2, col: 9 }, message: "no match for 'A[0 arguments, 1 input, 1 output]'" },
  ]);
  t.same(flat('elementclass B { input -> Counter -> output }\nIdle -> [1]B -> Discard;').errors, [
    { pos: { line: 2, col: 9 }, message: "'B@2' has no input 1" },
    { pos: { line: 1, col: 27 }, message: "'B@2' input 0 unused" },
  ]);
  t.same(flat('elementclass C { input -> Counter -> output; input[1] -> Discard }\nIdle -> C -> Discard;').errors, [
    { pos: { line: 1, col: 58 }, message: "'C@2' input 1 unused" },
  ]);
  t.same(flat('elementclass D { input -> Counter -> output -> Discard }\nIdle -> D -> Discard;').errors, [
    { pos: { line: 1, col: 38 }, message: "pseudoelement 'output' may only be used as input" },
  ]);
});
