import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XlConfig, XlCfgSyntaxError, parseXlLong } from '../../toolstack/xlcfg/index.js';

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
  t.equal(XlConfig.parse('x = 010').get('x'), 8, 'a leading 0 is octal, as strtol reads it');
  t.equal(XlConfig.parse('x = 09').get('x'), '09', '09 is not a number');
  t.equal(XlConfig.parse('x = 1e3').get('x'), '1e3', 'nor is 1e3');
  t.equal(XlConfig.parse('x = "64"').getLong('x'), 64, 'xl reads a quoted number as a number');
  t.equal(XlConfig.parse('x = 5\nx += 6').get('x'), '56', '+= of numbers is text, as in xl');
  t.equal(XlConfig.parse('vif.default.bridge = "xenbr0"').get('vif.default.bridge'), 'xenbr0', 'dotted keys (xl.conf)');
  t.same([' 12', '-7', '+0x1f', '0', '0x', '12 ', '', '9223372036854775808'].map(parseXlLong), [12, -7, 31, 0, undefined, undefined, undefined, undefined]);
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
  t.equal(cfg.set('vif.default.script', 'vif-bridge').get('vif.default.script'), 'vif-bridge');
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
    ['a = 1\r\n', 1, 6, /carriage return/],
    ['s = "a\\101b"\n', 1, 7, /numeric escape/],
    ['v = "x"\nv += [ "y" ]\n', 2, 6, /cannot add a list to a string/],
  ];
  for (const [text, line, col, msg] of cases) {
    const err = t.throws(() => XlConfig.parse(text, 'guest.cfg')) as unknown as XlCfgSyntaxError;
    t.type(err, XlCfgSyntaxError);
    t.match(err.message, msg, JSON.stringify(text));
    t.equal(`${err.line}:${err.col}`, `${line}:${col}`, `position of ${JSON.stringify(text)}`);
    t.match(err.message, new RegExp(`^guest\\.cfg:${line}:${col}: `));
  }
});

/**
 * Xen's own reading of each case: test/support/xlu-parse.c, linked with libxlutil (Debian's
 * libxen-dev), prints what xl's getters return for every key; ours must give the same, and
 * refuse exactly what xl refuses.
 */
const CASES: Array<[string, string]> = [
  ['numbers as strtol reads them', 'a = 010\nb = 0x10\nc = 09\nd = 1e3\ne = 0\nf = 0x\ng = 00x1\nh = 9999999999999999999999\n'],
  ['a quoted number', 'memory = "64"\nname = " 12"\n'],
  ['dotted keys', 'vif.default.bridge = "xenbr0"\na. = 2\n'],
  ['strings and escapes', `s = "a \\"q\\" \\\\ \\t\\n\\a\\b\\f\\r\\v"\nt = 'it\\'s'\nu = "x'y" # c\nv = 'x"y'\nw = ""\nx = "é#"\n`],
  ['lists', 'a = [ "x", 1 ]\nb = [1,2,]\nc = [\n1\n,\n2\n]\nd = []\ne = [ [ "a" ], [] ]\nf = [ [ [ "x" ] ] ]\ng = [ "x" # c\n , "y" ]\n'],
  ['+= and =', 'm = 5\nm += 6\ne = "a"\ne += "b"\nl = [1]\nl += [2]\nn += 1\no = 1\no += 2\no = 3\np = 1\np = "x"\n'],
  ['separators and blanks', ';;a = 1;b=2\n   c = 3 ;\n\td = 4\ne=5#c\nf = 6 # x\r\n'],
  ['no final newline', 'a = 1'],
  ['empty', ''],
  ['uppercase key', 'A = 1\n'],
  ['underscore first', '_a = 1\n'],
  ['negative number', 'a = -1\n'],
  ['two settings on a line', 'a = 1 b = 2\n'],
  ['missing value', 'a =\n'],
  ['missing =', 'a\n'],
  ['no key', '= 1\n'],
  ['double =', 'a == 1\n'],
  ['empty list item', 'a = [ , ]\n'],
  ['no comma in a list', 'a = [ 1 2 ]\n'],
  ['unclosed list', 'a = [ 1,\n'],
  ['string over two lines', 's = "a\nb"\n'],
  ['backslash-newline', 's = "x\\\n"\n'],
  ['unknown escape', 's = "\\q"\n'],
  ['hex escape', 's = "\\x41"\n'],
  ['short octal escape', 's = "a\\12b"\n'],
  ['CRLF', 'a = 1\r\n'],
  ['form feed', 'a = 1\f\n'],
  ['control character', 'a = \u0001\n'],
  ['uppercase hex', 'a = 0x1F\n'],
  ['hex then a word', 'a = 0xg\n'],
  ['list += string', 'a = [1]\na += "x"\n'],
  ['string += list', 'a = "x"\na += [1]\n'],
];

/** Where we refuse what xl accepts, and why. */
const STRICTER: Array<[string, string, string]> = [
  ['three-digit octal escape', 's = "a\\101b"\n', 'xl drops the escaped character (reads "ab")'],
];

type Ref = { ok: false; rc: number } | { ok: true; keys: Record<string, { long: number | null; string: string | null; list: unknown[] | null }> };

t.test('the reading of xl.cfg matches libxlutil\'s, case by case', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xlu-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'xlu-parse');
  try {
    execFileSync('gcc', ['-O1', '-o', bin, join(import.meta.dirname, '..', 'support', 'xlu-parse.c'), '-lxlutil'], { stdio: 'pipe' });
  } catch (e) {
    t.fail(`building the libxlutil reference failed (is libxen-dev installed?): ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`);
    return;
  }
  const reference = (text: string, keys: string[]): Ref => {
    const file = join(dir, 'case.cfg');
    writeFileSync(file, text);
    return JSON.parse(execFileSync(bin, [file, ...keys], { stdio: ['ignore', 'pipe', 'pipe'] }).toString()) as Ref;
  };
  const fixtures = readdirSync(FIXTURES).map((f): [string, string] => [f, readFileSync(join(FIXTURES, f), 'utf8')]);
  let refused = 0;
  for (const [what, text] of [...CASES, ...fixtures]) {
    let ours: XlConfig | undefined;
    try {
      ours = XlConfig.parse(text, 'case.cfg');
    } catch (e) {
      if (!(e instanceof XlCfgSyntaxError)) throw e;
    }
    const keys = [...(ours?.keys() ?? []), 'absent'];
    const ref = reference(text, keys);
    t.equal(ours !== undefined, ref.ok, `${what}: ${ref.ok ? 'xl accepts it' : 'xl refuses it'}`);
    if (!ref.ok) refused++;
    if (!ref.ok || !ours) continue;
    const mine = Object.fromEntries(keys.map((k) => [k, { long: ours.getLong(k) ?? null, string: ours.getString(k) ?? null, list: ours.getList(k) ?? null }]));
    t.same(mine, ref.keys, `${what}: the same values`);
  }
  t.ok(refused >= 15, `${refused} refusals compared`);
  for (const [what, text, why] of STRICTER) {
    const ref = reference(text, ['s']);
    t.ok(ref.ok, `${what}: xl accepts it, but ${why}`);
    t.throws(() => XlConfig.parse(text), XlCfgSyntaxError, `${what}: we refuse it`);
  }
});
