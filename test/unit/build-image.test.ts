import t from 'tap';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../clickos-build/index.js';
import { buildImage, sourceIds, type ImageRequest } from '../../clickos-build/build/image.js';
import { elementSet } from '../../clickos-build/build/element-set.js';
import { makePlan } from '../../clickos-build/build/plan.js';
import { BuildStepError, MissingSourcesError } from '../../clickos-build/build/errors.js';
import { sourceDirs } from '../../clickos-build/build/sources.js';
import type { ProgressSink } from '../../clickos-build/build/progress.js';
import { XlConfig } from '../../toolstack/index.js';
import { fakeTrees } from '../support/clickos-build-fixture.js';

const catalog = Catalog.load();
const FW = { file: 'fw.click', text: 'FromDevice(0) -> CheckIPHeader(14) -> Queue -> ToDevice(1);\n' };

t.test('missing sources: says what to fetch, where, and the command to run', async (t) => {
  const root = t.testdir();
  const dirs = sourceDirs({}, root);
  try {
    await buildImage({ configs: [FW], dirs, catalog, cacheDir: join(root, 'cache'), rerun: 'clickos-build image fw.click' });
    t.fail('built without sources');
  } catch (err) {
    t.type(err, MissingSourcesError);
    const m = (err as MissingSourcesError).message;
    t.same((err as MissingSourcesError).missing, ['clickos', 'minios', 'toolchain', 'xen']);
    t.match(m, `--clickos ${root}/clickos: does not exist`);
    t.match(m, `git clone https://github.com/sysml/clickos.git ${root}/clickos`);
    t.match(m, `git clone https://github.com/sysml/mini-os.git ${root}/mini-os`);
    t.match(m, `git clone https://github.com/sysml/toolchain.git ${root}/toolchain`);
    t.match(m, `git clone --depth 1 -b RELEASE-4.11.4 https://xenbits.xen.org/git-http/xen.git ${root}/xen`);
    t.match(m, /then run:\n  clickos-build image fw\.click$/);
  }
  t.notOk(existsSync(join(root, 'cache')), 'nothing written');

  const trees = fakeTrees(t.testdir());
  rmSync(join(trees.dirs.xen, 'xen', 'include'), { recursive: true });
  try {
    await buildImage({ configs: [FW], dirs: trees.dirs, catalog, cacheDir: join(trees.root, 'cache'), make: trees.make });
    t.fail('built without Xen headers');
  } catch (err) {
    t.same((err as MissingSourcesError).missing, ['xen'], 'only the absent tree');
    t.match((err as Error).message, `--xen ${trees.dirs.xen}: has no xen/include/public/xen.h`);
    t.notMatch((err as Error).message, /sysml\/clickos/);
  }
  t.same(trees.calls(), [], 'no program ran');
});

t.test('a build runs the documented sequence, cuts elements.conf, logs each step, caches the image', async (t) => {
  const trees = fakeTrees(t.testdir());
  const cacheDir = join(trees.root, 'cache');
  const events: string[] = [];
  const progress: ProgressSink = {
    step: (i, n, name) => events.push(`${i}/${n} ${name}`),
    done: (name, outcome) => events.push(`${name} ${outcome}`),
    note: (text) => events.push(text),
  };
  const req: ImageRequest = {
    configs: [FW], dirs: trees.dirs, catalog, cacheDir, make: trees.make, jobs: 3,
    xlCfgPath: join(trees.root, 'out', 'fw.cfg'), progress, options: { configureArgs: ['--enable-stats=1'] },
  };
  const r = await buildImage(req);
  const d = trees.dirs;
  const lib = `${d.toolchain}/x86_64-root/x86_64-xen-elf`;
  t.same(trees.calls(), [
    `${d.toolchain}|make -j3 XEN_ROOT=${d.xen} NEWLIB_ROOT=${lib}`,
    `${d.clickos}|./configure --enable-minios --with-xen=${d.xen} --with-minios=${d.minios} --with-newlib=${lib} --with-lwip=${lib} --enable-stats=1`,
    `${d.clickos}|make elemlist XEN_ROOT=${d.xen} NEWLIB_ROOT=${lib}`,
    `${d.clickos}|make -j3 minios XEN_ROOT=${d.xen} NEWLIB_ROOT=${lib}`,
  ]);
  t.equal(r.cached, false);
  t.same(r.steps.map((s) => `${s.name} ${s.outcome}`), ['toolchain ok', 'configure ok', 'elemlist ok', 'select ok', 'minios ok', 'install ok']);
  t.same(events.filter((e) => /^\d/.test(e)), ['1/6 toolchain', '2/6 configure', '3/6 elemlist', '4/6 select', '5/6 minios', '6/6 install']);

  // The file the ClickOS build reads holds only what the config needs (+ requirements).
  const conf = readFileSync(join(d.clickos, 'minios', 'elements.conf'), 'utf8');
  t.same(conf.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')[0]), [
    'elements/standard/queue.cc', 'elements/standard/errorelement.cc', 'elements/ip/checkipheader.cc',
    'elements/ip/ipaddrhelper.cc', 'elements/minios/fromdevice.cc', 'elements/minios/todevice.cc',
  ]);
  t.same(r.selected, { kept: 6, total: 8, external: ['int64|linuxmodule', 'minios'] });
  // `make minios` saw the cut list (the fake image embeds it).
  t.match(readFileSync(r.image, 'utf8'), /^IMAGE\n# selected by clickos-build: 6 of 8/);
  t.ok(existsSync(join(r.imageDir, 'clickos_x86_64.gz')));

  t.same(readdirSync(r.logDir).sort(), ['01-toolchain.log', '02-configure.log', '03-elemlist.log', '04-select.log', '05-minios.log', '06-install.log', 'elements.conf.full']);
  t.match(readFileSync(join(r.logDir, '02-configure.log'), 'utf8'), `$ cd ${d.clickos} && ./configure --enable-minios`);
  const manifest = JSON.parse(readFileSync(join(r.imageDir, 'manifest.json'), 'utf8'));
  t.same(manifest.classes, ['CheckIPHeader', 'FromDevice', 'Queue', 'ToDevice']);
  t.equal(manifest.cacheKey, r.cacheKey);
  t.equal(r.imageDir, join(cacheDir, 'images', r.cacheKey));

  const cfg = XlConfig.parse(readFileSync(r.xlCfg, 'utf8')).toObject();
  t.equal(r.xlCfg, join(trees.root, 'out', 'fw.cfg'));
  t.same(cfg, { name: 'clickos-fw', type: 'pv', kernel: r.image, memory: 12, vcpus: 1, vif: ['bridge=xenbr0', 'bridge=xenbr0'], on_crash: 'preserve' });

  // Same element set again: a cache hit, no program runs.
  const before = trees.calls().length;
  const again = await buildImage({ ...req, configs: [{ file: 'other.click', text: 'q :: Queue; FromDevice(0) -> CheckIPHeader(14) -> q -> ToDevice(0);' }], xlCfgPath: join(trees.root, 'out', 'other.cfg') });
  t.equal(again.cached, true);
  t.equal(again.cacheKey, r.cacheKey);
  t.equal(trees.calls().length, before, 'nothing ran on the hit');
  t.same(XlConfig.parse(readFileSync(again.xlCfg, 'utf8')).toObject().vif, ['bridge=xenbr0'], "xl.cfg follows this config's devices");

  // Another element set: a new key and a rebuild; the toolchain is not rebuilt.
  const other = await buildImage({ ...req, configs: [{ file: 'd.click', text: 'FromDevice(0) -> Discard;' }], xlCfgPath: join(trees.root, 'out', 'd.cfg') });
  t.equal(other.cached, false);
  t.not(other.cacheKey, r.cacheKey);
  t.same(other.steps.map((s) => `${s.name} ${s.outcome}`), ['toolchain skipped', 'configure ok', 'elemlist ok', 'select ok', 'minios ok', 'install ok']);
  t.equal(trees.calls().filter((c) => c.startsWith(`${d.toolchain}|`)).length, 1, 'toolchain built once');
  t.ok(existsSync(r.image), 'the first image stays cached');
});

t.test('cache hit on a cache directory in our format returns at once', async (t) => {
  const trees = fakeTrees(t.testdir());
  const cacheDir = join(trees.root, 'cache');
  const set = elementSet([FW], catalog);
  const key = makePlan(set, { configureArgs: [] }, trees.dirs, await sourceIds(trees.dirs)).cacheKey as string;
  const dir = join(cacheDir, 'images', key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'clickos_x86_64'), 'prebuilt');
  writeFileSync(join(dir, 'manifest.json'), '{}');
  const r = await buildImage({ configs: [FW], dirs: trees.dirs, catalog, cacheDir, make: join(trees.root, 'no-such-make'), xlCfgPath: join(trees.root, 'fw.cfg') });
  t.equal(r.cached, true);
  t.same(r.steps, []);
  t.equal(readFileSync(r.image, 'utf8'), 'prebuilt');
  t.same(trees.calls(), []);
  t.equal(XlConfig.parse(readFileSync(join(trees.root, 'fw.cfg'), 'utf8')).get('kernel'), join(dir, 'clickos_x86_64'));

  const forced = await buildImage({ configs: [FW], dirs: trees.dirs, catalog, cacheDir, make: trees.make, force: true, xlCfgPath: join(trees.root, 'fw.cfg') });
  t.equal(forced.cached, false, '--force rebuilds');
  t.match(readFileSync(forced.image, 'utf8'), /^IMAGE/);

  // An entry without its manifest (an interrupted copy) is not a hit.
  rmSync(join(dir, 'manifest.json'));
  const n = trees.calls().length;
  const rebuilt = await buildImage({ configs: [FW], dirs: trees.dirs, catalog, cacheDir, make: trees.make, xlCfgPath: join(trees.root, 'fw.cfg') });
  t.equal(rebuilt.cached, false);
  t.ok(trees.calls().length > n, 'the build ran');
  t.ok(existsSync(join(dir, 'manifest.json')));
});

t.test('a failing step stops the build, names its log and quotes it; nothing is cached', async (t) => {
  const trees = fakeTrees(t.testdir());
  const cacheDir = join(trees.root, 'cache');
  process.env.FAIL_MINIOS = '1';
  t.teardown(() => {
    delete process.env.FAIL_MINIOS;
  });
  try {
    await buildImage({ configs: [FW], dirs: trees.dirs, catalog, cacheDir, make: trees.make, jobs: 1, xlCfgPath: join(trees.root, 'fw.cfg') });
    t.fail('built');
  } catch (e) {
    t.type(e, BuildStepError);
    const err = e as BuildStepError;
    t.equal(err.step, 'minios');
    t.match(err.message, /^step minios failed \(exit 2\): .*make -j1 minios in /);
    t.match(err.message, /minios: undefined reference to click_main/);
    t.match(err.log, /05-minios\.log$/);
    t.ok(existsSync(err.log));
  }
  t.notOk(existsSync(join(cacheDir, 'images')), 'no image cached');
  t.notOk(existsSync(join(trees.root, 'fw.cfg')), 'no xl.cfg for a failed build');
  t.same(readdirSync(join(cacheDir, 'builds')).filter((f) => f.endsWith('.lock')), [], 'lock released');
  delete process.env.FAIL_MINIOS;
  const ok = await buildImage({ configs: [FW], dirs: trees.dirs, catalog, cacheDir, make: trees.make, xlCfgPath: join(trees.root, 'fw.cfg') });
  t.equal(ok.cached, false, 'the next run builds');
});

t.test('one build at a time in a ClickOS tree', async (t) => {
  const trees = fakeTrees(t.testdir());
  const cacheDir = join(trees.root, 'cache');
  const { sha256 } = await import('../../clickos-build/build/sources.js');
  const lock = join(cacheDir, 'builds', `tree-${sha256(trees.dirs.clickos).slice(0, 16)}.lock`);
  mkdirSync(join(cacheDir, 'builds'), { recursive: true });
  writeFileSync(lock, '1 elsewhere\n');
  try {
    await buildImage({ configs: [FW], dirs: trees.dirs, catalog, cacheDir, make: trees.make, xlCfgPath: join(trees.root, 'fw.cfg') });
    t.fail('built while locked');
  } catch (e) {
    t.type(e, BuildStepError);
    t.match((e as Error).message, `another build in ${trees.dirs.clickos} holds ${lock}`);
  }
  t.same(trees.calls(), [], 'nothing ran');
  t.ok(existsSync(lock), "someone else's lock is left alone");
});
