import t from 'tap';
import { join } from 'node:path';
import { main } from '../../clickos-build/cli.js';
import { fakeTrees } from '../support/clickos-build-fixture.js';

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
  const src = t.testdir();
  const text = await run(['plan', '--src', src, join(CONFIGS, 'conf_fake-iprouter.click')]);
  t.equal(text.code, 0, text.err);
  t.match(text.out, /^config .*conf_fake-iprouter\.click: 20 element classes, 0 vifs\nelements \(20\): ARPResponder /);
  t.match(text.out, `cache key: needs the source trees (missing: --clickos ${src}/clickos, --minios ${src}/mini-os`);
  t.match(text.out, /\n  2\. configure: .*\n       \(cd .*\/clickos && \.\/configure --enable-minios --with-xen=/);
  const json = await run(['plan', '--json', '--src', src, join(CONFIGS, 'conf_fake-iprouter.click'), join(CONFIGS, 'conf_test-device.click')]);
  t.equal(json.code, 0);
  const p = JSON.parse(json.out);
  t.equal(p.elements.configs.length, 2);
  t.equal(p.cacheKey, undefined);
  t.match(p.elementsKey, /^[0-9a-f]{24}$/);
  t.same(p.fetch.length, 4);
  t.match(p.fetch[0], /^git clone https:\/\/github\.com\/sysml\/clickos\.git /);
});

t.test('plan with the trees: a cache key and their revisions', async (t) => {
  const trees = fakeTrees(t.testdir());
  const r = await run(['plan', '--json', '--src', trees.root, '--minios', trees.dirs.minios, join(CONFIGS, 'conf_test-device.click')]);
  t.equal(r.code, 0, r.err);
  const p = JSON.parse(r.out);
  t.match(p.cacheKey, /^[0-9a-f]{24}$/);
  t.match(p.sourceIds.xen, /^tree:/);
});

t.test('image: missing sources exit 1 with the fetch commands; bad usage exits 2', async (t) => {
  const src = t.testdir();
  const r = await run(['image', '--src', src, '--cache', join(src, 'cache'), join(CONFIGS, 'conf_test-device.click')]);
  t.equal(r.code, 1);
  t.match(r.err, /^clickos-build: missing ClickOS build sources:/);
  t.match(r.err, `then run:\n  clickos-build image --clickos ${src}/clickos --minios ${src}/mini-os --toolchain ${src}/toolchain --xen ${src}/xen `);
  const bad = await run(['image', join(CONFIGS, 'conf_test-tun.click')]);
  t.equal(bad.code, 1, 'a config ClickOS cannot run');
  t.match(bad.err, /KernelTun/);
  t.equal((await run(['frobnicate'])).code, 2);
  t.equal((await run(['plan'])).code, 2, 'no configs');
  t.equal((await run(['plan', '--jobs', 'x', 'a.click'])).code, 2);
  t.equal((await run([])).code, 2);
  t.equal((await run(['--help'])).code, 0);
});

t.test('image --json with the fixture trees: built, then cached', async (t) => {
  const trees = fakeTrees(t.testdir());
  const prevMake = process.env.MAKE;
  process.env.MAKE = trees.make;
  t.teardown(() => {
    if (prevMake === undefined) delete process.env.MAKE;
    else process.env.MAKE = prevMake;
  });
  const cfg = join(trees.root, 'fw.click');
  (await import('node:fs')).writeFileSync(cfg, 'FromDevice(0) -> Queue -> ToDevice(0);\n');
  const args = ['image', '--json', '--src', trees.root, '--cache', join(trees.root, 'cache'), '--out', join(trees.root, 'fw.cfg'), cfg];
  const first = await run(args);
  t.equal(first.code, 0, first.err);
  const a = JSON.parse(first.out);
  t.equal(a.cached, false);
  t.same(a.classes, ['FromDevice', 'Queue', 'ToDevice']);
  const second = JSON.parse((await run(args)).out);
  t.equal(second.cached, true);
  t.equal(second.image, a.image);
});
