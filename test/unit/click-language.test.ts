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
  t.same(
    s1.chain.map((i) => [i.element.kind, i.element.name, i.inPort, i.outPort, i.pos.line, i.pos.col]),
    [
      ['anon', 'FromDevice@1', null, null, 1, 1],
      ['decl', 'c', null, null, 2, 6],
      ['anon', 'Discard@3', null, null, 3, 6],
    ],
  );
  t.same(s2.chain.map((i) => [i.element.kind, i.element.name, i.inPort, i.outPort]), [['ref', 'c', null, 1], ['decl', 'q', 0, null]]);
  const c = s1.chain[1].element;
  t.ok(c.kind === 'decl' && c.config?.raw === '12/0806, -' && c.config.pos.line === 2 && c.config.pos.col === 22);
});

t.test('an anonymous name that clashes with a declared one moves to the next number, as in Click', async (t) => {
  const ast = parse('Discard -> x :: Idle; Discard@1 :: Idle;');
  const s = ast.statements[0] as Statement & { kind: 'connection' };
  t.equal(s.chain[0].element.name, 'Discard@2');
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
  const e = s.chain[0].element;
  t.ok(e.kind === 'anon' && e.config?.raw === 'a (b, c) ")" \\) d', 'parentheses in quotes or escaped do not close the config');
});

t.test('compound classes, formals, overloads, define, require and line directives', async (t) => {
  const ast = parse(`# 1 "gen.click"
define($DEV eth0, $GW $DEV:gw)
require(package "sample", fastclassifier)
elementclass Q { $n | input -> Queue($n) -> output || input -> Queue -> output || ... }
elementclass Alias Queue;
connectiontunnel p -> q;
`);
  const [def, req, ec, syn, tun] = ast.statements;
  t.same(def.kind === 'define' && def.definitions, [{ name: 'DEV', value: 'eth0' }, { name: 'GW', value: '$DEV:gw' }]);
  t.same(req.kind === 'require' && req.requirements, ['package "sample"', 'fastclassifier']);
  t.ok(ec.kind === 'elementclass' && ec.compound.bodies.length === 2 && ec.compound.extendsPrevious);
  t.same(ec.kind === 'elementclass' && ec.compound.bodies[0].formals.map((f) => [f.name, f.keyword]), [['n', null]]);
  t.ok(syn.kind === 'synonym' && syn.target.name === 'Queue');
  t.ok(tun.kind === 'tunnel' && tun.from.name === 'p' && tun.to.name === 'q');
  t.equal(def.pos.line, 2, 'positions count physical lines');
});
