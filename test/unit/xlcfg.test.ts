import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XlConfig, XlCfgSyntaxError } from '../../toolstack/xlcfg/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'xlcfg');

t.test('every example config Xen ships round-trips byte for byte and by value', async (t) => {
  const files = readdirSync(FIXTURES);
  t.ok(files.length >= 4, `${files.length} fixtures`);
  for (const f of files) {
    const text = readFileSync(join(FIXTURES, f), 'utf8');
    const cfg = XlConfig.parse(text, f);
    t.equal(cfg.toString(), text, `${f}: printed back unchanged`);
    const canonical = XlConfig.from(cfg.toObject()).toString();
    t.same(XlConfig.parse(canonical).toObject(), cfg.toObject(), `${f}: canonical form has the same values`);
  }
});

t.test('values: strings with escapes, numbers, nested lists, += and ;', async (t) => {
  const cfg = XlConfig.parse(
    [
      `name = "a \\"quoted\\" \\\\ name"  # trailing comment`,
      `kernel = '/boot/k'; memory = 0x20`,
      `vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0',`,
      `        'bridge=xenbr1', ]`,
      `vnuma = [ [ "pnode=0", "size=512" ], [] ]`,
      `extra = "console=hvc0"`,
      `extra += " quiet"`,
      `vif += [ "bridge=xenbr2" ]`,
      `memory = 64`,
      ``,
    ].join('\n'),
  );
  t.equal(cfg.get('name'), 'a "quoted" \\ name');
  t.equal(cfg.get('kernel'), '/boot/k');
  t.equal(cfg.get('memory'), 64, 'the last = wins');
  t.same(cfg.get('vif'), ['mac=00:16:3e:00:00:01,bridge=xenbr0', 'bridge=xenbr1', 'bridge=xenbr2'], '+= appends to a list');
  t.equal(cfg.get('extra'), 'console=hvc0 quiet', '+= appends to a string');
  t.same(cfg.get('vnuma'), [['pnode=0', 'size=512'], []]);
  t.same(cfg.keys(), ['name', 'kernel', 'memory', 'vif', 'vnuma', 'extra']);
  t.equal(XlConfig.parse('x = 0x10').get('x'), 16, 'hex numbers');
  t.equal(XlConfig.parse("s = 'tab\\there'").get('s'), 'tab\there');
});

t.test('unknown keys are kept and edits touch only what changed', async (t) => {
  const text = '# my guest\nname = "g"\nfuture_option = [ 1, 2 ]   # keep me\nmemory = 16\n# end\n';
  const cfg = XlConfig.parse(text);
  cfg.set('memory', 32);
  t.equal(cfg.toString(), '# my guest\nname = "g"\nfuture_option = [ 1, 2 ]   # keep me\nmemory = 32\n# end\n');
  cfg.set('vcpus', 2);
  t.equal(cfg.toString(), '# my guest\nname = "g"\nfuture_option = [ 1, 2 ]   # keep me\nmemory = 32\n# end\nvcpus = 2\n');
  t.ok(cfg.delete('future_option'));
  t.equal(cfg.toString(), '# my guest\nname = "g"\nmemory = 32\n# end\nvcpus = 2\n');
  t.notOk(cfg.delete('nothing'));
  const dup = XlConfig.parse('a = 1\nb = 2\na = 3\n');
  dup.set('a', 9);
  t.equal(dup.toString(), 'a = 9\nb = 2\n', 'one assignment replaces all of a key');
});

t.test('values that cannot be written safely are refused', async (t) => {
  const cfg = XlConfig.from({});
  t.throws(() => cfg.set('name', 'a\nkernel="/evil"'), /NUL or newline/);
  t.throws(() => cfg.set('Name', 'x'), /invalid xl.cfg key/);
  t.throws(() => cfg.set('memory', -1), /non-negative integers/);
  t.throws(() => cfg.set('memory', 1.5), /non-negative integers/);
  cfg.set('name', 'quote " and \\ backslash');
  t.equal(XlConfig.parse(cfg.toString()).get('name'), 'quote " and \\ backslash', 'quotes and backslashes are escaped');
});

t.test('malformed configs give file:line:column errors', async (t) => {
  const cases: [string, number, number, RegExp][] = [
    ['name = "g"\nmemory 16\n', 2, 8, /expected "=" after memory, found "16"/],
    ['name = "unterminated\n', 1, 8, /unterminated string/],
    ['vif = [ "a" "b" ]\n', 1, 13, /expected "," or "\]" in a list/],
    ['x = \n', 1, 5, /expected a value/],
    ['Memory = 1\n', 1, 1, /keys are lowercase/],
    ['a = 1 b = 2\n', 1, 7, /expected end of line or ";" after the value of a/],
    ['ok = 1\n  bad = $x\n', 2, 9, /illegal character "\$"/],
    ['v = [ 1,\n 2,\n', 3, 1, /expected a value .* found end of file|expected "," or "\]"/],
    ['s = "bad \\q escape"', 1, 10, /unknown escape \\q/],
  ];
  for (const [text, line, col, msg] of cases) {
    const err = t.throws(() => XlConfig.parse(text, 'guest.cfg')) as unknown as XlCfgSyntaxError;
    t.type(err, XlCfgSyntaxError);
    t.match(err.message, msg, JSON.stringify(text));
    t.equal(`${err.line}:${err.col}`, `${line}:${col}`, `position of ${JSON.stringify(text)}`);
    t.match(err.message, new RegExp(`^guest\\.cfg:${line}:${col}: `));
  }
});
