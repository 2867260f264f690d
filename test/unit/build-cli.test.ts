// The clickos-build command: plan, usage errors, image refusing bad configs before any
// source is read, fetch --print.
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../clickos-build/cli.js';
import { fetchScript } from '../../clickos-build/build/sources.js';

const CONFIGS = new URL('../fixtures/click/configs', import.meta.url).pathname;

/** Runs the command, capturing what it writes. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

t.test('plan: text and --json, without sources', async (t) => {
  const dir = t.testdir({ 'fw.click': 'FromDevice(0) -> Counter -> Queue -> ToDevice(1);\n' });
  const text = await run(['plan', join(dir, 'fw.click')]);
  t.equal(text.code, 0, text.err);
  t.equal(
    text.out,
    `config ${join(dir, 'fw.click')}: 4 element classes, 2 vifs\n` +
      'elements (4): Counter FromDevice Queue ToDevice\n' +
      '  minios: FromDevice ToDevice\n  standard: Counter Queue\n' +
      'always built: AddressInfo AlignmentInfo ErrorElement PortInfo ScheduleInfo\n',
  );
  const json = await run(['plan', '--json', join(dir, 'fw.click'), join(CONFIGS, 'conf_fake-iprouter.click')]);
  t.equal(json.code, 0, json.err);
  const p = JSON.parse(json.out);
  t.equal(p.configs.length, 2);
  t.equal(p.devices, 2);
  t.ok(p.classes.includes('ARPResponder') && p.classes.includes('Counter'), 'the union of both configs');
  t.same(p.groups.minios, ['FromDevice', 'ToDevice']);
});

t.test('usage errors exit 2 with the usage', async (t) => {
  for (const args of [[], ['frobnicate'], ['plan'], ['image'], ['plan', '--no-such-option', 'a.click'], ['image', '--jobs', 'x', 'a.click'], ['image', '--memory', '0', 'a.click'], ['fetch'], ['fetch', 'a', 'b'], ['plan', '/no/such/file.click']]) {
    const r = await run(args);
    t.equal(r.code, 2, args.join(' ') || '(nothing)');
    t.match(r.err, /^(clickos-build: .*\n)?usage:\n  clickos-build plan /, 'the usage follows');
    t.equal(r.out, '');
  }
  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^usage:\n/);
});

t.test('image: a config ClickOS cannot run exits 1 before any source or cache is touched', async (t) => {
  const dir = t.testdir({ 'bad.click': 'FromDevice(0) -> Frobnicator -> ToDevice(0);\n' });
  const cache = join(dir, 'cache');
  // An empty --sources folder: reaching the sources would be a different error.
  for (const cfg of [join(dir, 'bad.click'), join(CONFIGS, 'conf_test-tun.click')]) {
    const r = await run(['image', '--sources', dir, '--cache', cache, '--out', join(dir, 'x.cfg'), cfg]);
    t.equal(r.code, 1, cfg);
    t.match(r.err, /^clickos-build: the configs do not check:\n  /);
    t.notMatch(r.err, /ClickOS sources/);
  }
  t.notOk(existsSync(cache), 'no cache made');
  t.same(readdirSync(dir).sort(), ['bad.click'], 'no xl.cfg written');
});

t.test('image: a good config without sources exits 1 saying how to fetch them', async (t) => {
  const dir = t.testdir({ 'fw.click': 'FromDevice(0) -> ToDevice(0);\n', src: {} });
  const r = await run(['image', '--sources', join(dir, 'src'), '--cache', join(dir, 'cache'), join(dir, 'fw.click')]);
  t.equal(r.code, 1);
  t.match(r.err, `clickos-build: no ClickOS sources: none of ${join(dir, 'src')} holds SHA256SUMS`);
  t.match(r.err, '  clickos-build fetch DIR\n');
  t.notOk(existsSync(join(dir, 'cache')));
});

t.test('fetch --print DIR prints the fetch script and runs nothing', async (t) => {
  const dir = join(t.testdir(), 'src');
  const r = await run(['fetch', '--print', dir]);
  t.equal(r.code, 0, r.err);
  t.equal(r.out, fetchScript(dir));
  t.match(r.out, 'https://github.com/sysml/clickos.git');
  t.notOk(existsSync(dir), 'nothing fetched');
});
