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

t.test("'connectiontunnel' is gone from Click: here it is an ordinary element class name", async (t) => {
  const r = flat('connectiontunnel p -> q;');
  t.same(els(r), ['connectiontunnel@1 :: connectiontunnel()', 'p@2 :: p()', 'q@3 :: q()']);
  t.same(conns(r), ['p@2[0] -> [0]q@3']);
});

t.test("element sets, port lists and '=>' connect as Click's lexer does", async (t) => {
  t.same(conns(flat('a :: Idle; a -> b :: Discard, c :: Discard;')), ['a[0] -> [0]b', 'a[0] -> [0]c'], "'->' fans one output out");
  t.same(conns(flat('a :: Idle; a => b :: Discard, c :: Discard;')), ['a[0] -> [0]b', 'a[1] -> [0]c'], "'=>' gives each its own port");
  t.same(conns(flat('a :: Idle; b :: Idle; a, b -> c :: Discard;')), ['a[0] -> [0]c', 'b[0] -> [0]c']);
  t.same(conns(flat('h :: Hub; Idle -> h; h[0, 2] => [1, 0]x :: Hub; x -> Discard;')), ['Idle@2[0] -> [0]h', 'h[0] -> [1]x', 'h[2] -> [0]x', 'x[0] -> [0]Discard@4']);
  t.same(conns(flat('t :: Tee; Idle -> t; t[1,] => Discard, Discard;')), ['Idle@2[0] -> [0]t', 't[1] -> [0]Discard@3', 't[2] -> [0]Discard@4'], "'[1,]' counts up from 1");
  t.same(conns(flat('t :: Tee; Idle -> t; t[] => a :: Discard, [2]b :: Hub;')), ['Idle@2[0] -> [0]t', 't[0] -> [0]a', 't[1] -> [2]b']);
});

t.test('element groups: their own input and output, their elements in the enclosing scope', async (t) => {
  const r = flat('Idle => ( [0] -> c :: Counter -> [0]; [1] -> d :: Counter -> [1] ) => Discard, Discard;\nc2 :: Idle;');
  t.same(conns(r).sort(), ['Idle@1[0] -> [0]c', 'Idle@1[1] -> [0]d', 'c[0] -> [0]Discard@7', 'd[0] -> [0]Discard@8']);
  t.same(els(r).slice(-1), ['c2 :: Idle()'], "a group's name and tunnels count as three elements (Idle@1, @2, c, d, Discard@7)");
  t.same(r.errors, []);
  const inCompound = flat('elementclass W { input -> ( [0] -> Counter -> [0] ) -> output }\nIdle -> w :: W -> Discard;');
  t.same(conns(inCompound), ['Idle@1[0] -> [0]w/Counter@4', 'w/Counter@4[0] -> [0]Discard@3'], 'the group is @1 of the compound');
});

t.test('compound arguments are assigned as Click assigns them', async (t) => {
  const K = 'elementclass K { $a, KEY $k | input -> Paint($a $k) -> output }\n';
  const one = (call: string) => flat(`${K}Idle -> ${call} -> Discard;`);
  t.same(one('K(1, KEY 2)').elements.map((e) => e.config), ['', '1 2', '']);
  t.same(one('K(1, KEY 2, KEY 3)').elements.map((e) => e.config), ['', '1 3', ''], 'the last KEY wins');
  t.same(one('K(KEY 2, 1)').errors.map((e) => e.message), ["no match for 'K[2 arguments, 1 input, 1 output]'"], 'a keyword argument before the positional one');
  t.same(one('K(1)').errors.map((e) => e.message), ["no match for 'K[1 argument, 1 input, 1 output]'"], 'keyword formals are mandatory');
  t.same(one('K(1, 2, KEY 3)').errors.length, 1, 'one positional argument too many');
  t.same(one('K(1, KEY 2, 3)').errors.length, 1, 'a positional argument after a keyword');
  const R = 'elementclass R { $a, KEY $k, __REST__ $r | input -> Paint($a/$k/$r) -> output }\n';
  t.same(flat(`${R}Idle -> R(1, 2, KEY 3, 4) -> Discard;`).elements.map((e) => e.config), ['', '1/3/2, 4', ''], "'__REST__' takes the others");
  const P = 'elementclass P { $a | input -> Paint($a) -> output }\n';
  t.same(flat(`${P}Idle -> P(KEY 2) -> Discard;`).elements.map((e) => e.config), ['', 'KEY 2', ''], 'no keyword formals: no keywords');
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
});
