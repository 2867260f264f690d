import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, print, stripPositions, splitArgs, type Statement } from '../../clickos-build/index.js';

const CONFIGS = join(import.meta.dirname, '..', 'fixtures', 'click', 'configs');

t.test('every shipped Click config parses, prints and re-parses to the same AST', async (t) => {
  const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.click'));
  t.equal(files.length, 47, 'all 47 configs');
  for (const f of files) {
    const ast = parse(readFileSync(join(CONFIGS, f), 'utf8'), f);
    t.ok(ast.statements.length > 0, `${f}: has statements`);
    const again = parse(print(ast), f);
    t.same(stripPositions(again), stripPositions(ast), `${f}: round trip`);
    t.equal(print(again), print(ast), `${f}: printing is stable`);
  }
});

t.test('a round trip that changed something would be caught', async (t) => {
  const a = parse('x :: Queue(10) -> Discard;');
  const b = parse('x :: Queue(11) -> Discard;');
  t.notSame(stripPositions(a), stripPositions(b));
});

t.test('the printer writes canonical Click', async (t) => {
  const text = `// comment
elementclass Foo { $a, KEY $k |
  input -> c :: Counter($a) /* x */ -> [0]output; input[1]->Discard }
f :: Foo(1, KEY 2); src::InfiniteSource(\\<00 ff>, 5)->[0]f[0]->Discard;
require(fastclassifier); define($X 1)
`;
  t.equal(
    print(parse(text)),
    [
      'elementclass Foo {',
      '  $a, KEY $k |',
      '  input -> c :: Counter($a) -> [0] output;',
      '  input [1] -> Discard;',
      '}',
      'f :: Foo(1, KEY 2);',
      'src :: InfiniteSource(\\<00 ff>, 5) -> [0] f [0] -> Discard;',
      'require(fastclassifier);',
      'define($X 1);',
      '',
    ].join('\n'),
  );
});

t.test('declarations, chains, ports and anonymous names as Click gives them', async (t) => {
  const ast = parse('FromDevice(eth0)\n  -> c :: Classifier(12/0806, -)\n  -> Discard;\nc[1] -> [0]q :: Queue;', 'x.click');
  const [s1, s2] = ast.statements as Array<Statement & { kind: 'connection' }>;
  t.equal(s1.kind, 'connection');
  const ports = (p: { ports: number[] } | null) => (p ? p.ports : null);
  const items = (s: Statement & { kind: 'connection' }) => s.sets.map(([ep]) => ep);
  t.same(
    items(s1).map((i) => [i.element.kind, (i.element as { name: string }).name, ports(i.inPorts), ports(i.outPorts), i.pos.line, i.pos.col]),
    [
      ['anon', 'FromDevice@1', null, null, 1, 1],
      ['decl', 'c', null, null, 2, 6],
      ['anon', 'Discard@3', null, null, 3, 6],
    ],
  );
  t.same(items(s2).map((i) => [i.element.kind, (i.element as { name: string }).name, ports(i.inPorts), ports(i.outPorts)]), [['ref', 'c', null, [1]], ['decl', 'q', [0], null]]);
  t.same(s2.edges.map((e) => [e.from, e.fromPort, e.to, e.toPort]), [['c', 1, 'q', 0]]);
  const c = items(s1)[1].element;
  t.ok(c.kind === 'decl' && c.config?.raw === '12/0806, -' && c.config.pos.line === 2 && c.config.pos.col === 22);
});

t.test('an anonymous name that clashes with a declared one moves to the next number, as in Click', async (t) => {
  const ast = parse('Discard -> x :: Idle; Discard@1 :: Idle;');
  const s = ast.statements[0] as Statement & { kind: 'connection' };
  t.equal((s.sets[0][0].element as { name: string }).name, 'Discard@2');
});

t.test('names may hold / and @; "//" starts a comment', async (t) => {
  const ast = parse('sniff/from_dev :: FromDevice(ath1);\nIdle@12 :: Idle;\nan/id//comment\n:: Idle;');
  t.same(ast.statements.map((s) => (s.kind === 'declaration' ? s.names.map((n) => n.name) : s.kind)), [['sniff/from_dev'], ['Idle@12'], ['an/id']]);
});

t.test('configuration strings: raw text kept, arguments split at top-level commas', async (t) => {
  t.same(splitArgs('12/0806 20/0001, 12/0800, -'), ['12/0806 20/0001', '12/0800', '-']);
  t.same(splitArgs(' "a, b" , \'c,d\', \\<00 2c>, e // f, g\n , h /* i, j */'), ['"a, b"', "'c,d'", '\\<00 2c>', 'e', 'h']);
  t.same(splitArgs('  /* nothing */ '), []);
  t.same(splitArgs('a,'), ['a', '']);
  const ast = parse('X(a (b, c) ")" \\) d);');
  const s = ast.statements[0] as Statement & { kind: 'connection' };
  const e = s.sets[0][0].element;
  t.ok(e.kind === 'anon' && e.config?.raw === 'a (b, c) ")" \\) d', 'parentheses in quotes or escaped do not close the config');
});

t.test('compound classes, formals, overloads, define, require and line directives', async (t) => {
  const ast = parse(`# 1 "gen.click"
define($DEV eth0, $GW $DEV:gw)
require(package "sample", fastclassifier)
elementclass Q { $n | input -> Queue($n) -> output || input -> Queue -> output || ... }
elementclass Alias Queue;
`);
  const [def, req, ec, syn] = ast.statements;
  t.same(def.kind === 'define' && def.definitions, [{ name: 'DEV', value: 'eth0' }, { name: 'GW', value: '$DEV:gw' }]);
  t.same(req.kind === 'require' && req.requirements, ['package "sample"', 'fastclassifier']);
  t.ok(ec.kind === 'elementclass' && ec.compound.bodies.length === 2 && ec.compound.extendsPrevious);
  t.same(ec.kind === 'elementclass' && ec.compound.bodies[0].formals.map((f) => [f.name, f.keyword]), [['n', null]]);
  t.ok(syn.kind === 'synonym' && syn.target.name === 'Queue');
  t.equal(def.pos.line, 2, 'positions count physical lines');
});

t.test('sets, port lists, => and groups print back as written and re-parse to the same AST', async (t) => {
  const text = [
    'h :: Hub;',
    'Idle -> h;',
    'h [0, 1, 2] => [1, 0] x :: Hub, [] y :: Hub;',
    'x, y -> Discard;',
    'Idle => (',
    '  [0] -> c :: Counter -> [0];',
    '  [1] -> Counter -> [1];',
    ') => Discard, Discard;',
    'elementclass E {',
    '  [0] -> Counter -> [0];',
    '  -> Print -> [1];',
    '}',
    't :: Tee [1,] => Discard, Discard;',
    '',
  ].join('\n');
  const ast = parse(text);
  t.equal(print(ast), text);
  t.same(stripPositions(parse(print(ast))), stripPositions(ast));
  const body = (ast.statements[5] as Statement & { kind: 'elementclass' }).compound.bodies[0];
  const second = body.statements[1] as Statement & { kind: 'connection' };
  t.same(second.edges.map((e) => `${e.from}[${e.fromPort}]->[${e.toPort}]${e.to}`), ['input[0]->[0]Print@2', 'Print@2[0]->[1]output'], "a chain's bare ends are the compound's input and output");
});
