import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Catalog } from '../../clickos-build/index.js';
import { elementSet, ALWAYS_BUILT } from '../../clickos-build/build/element-set.js';
import { makePlan, type ImageOptions } from '../../clickos-build/build/plan.js';
import { PlanError, ElementSelectionError } from '../../clickos-build/build/errors.js';
import { selectElements } from '../../clickos-build/build/elements-conf.js';
import { guestName, imageXlCfg } from '../../clickos-build/build/guest-cfg.js';
import { sourceId, sourceDirs, type SourceDirs } from '../../clickos-build/build/sources.js';
import { XlConfig } from '../../toolstack/index.js';
import { fakeTrees, FULL_ELEMENTS_CONF } from '../support/clickos-build-fixture.js';

const CONFIGS = new URL('../fixtures/click/configs', import.meta.url).pathname;
const catalog = Catalog.load();
const shipped = (name: string) => ({ file: name, text: readFileSync(join(CONFIGS, name), 'utf8') });
const DIRS: SourceDirs = sourceDirs({}, '/src');
const IDS = { clickos: 'git:aaa', minios: 'git:bbb', toolchain: 'git:ccc', xen: 'git:ddd' };

t.test('element set of shipped configs: flattened primitive classes, by group', async (t) => {
  const set = elementSet([shipped('conf_fake-iprouter.click')], catalog);
  t.same(set.classes, [...set.classes].sort(), 'sorted');
  for (const c of ['ARPResponder', 'CheckIPHeader', 'DecIPTTL', 'StaticIPLookup', 'Queue', 'ICMPError']) t.ok(set.classes.includes(c), c);
  t.same(set.groups.ethernet, ['ARPResponder', 'EtherEncap']);
  t.same(set.groups.icmp, ['ICMPError']);
  t.same(set.alwaysBuilt, ALWAYS_BUILT);
  t.equal(set.devices, 0, 'FromDevice(eth0) opens no numbered vif');

  const two = elementSet([shipped('conf_test-device.click'), shipped('conf_fake-iprouter.click')], catalog);
  t.same(two.classes, [...new Set([...set.classes, ...elementSet([shipped('conf_test-device.click')], catalog).classes])].sort(), 'union of both configs');
  t.equal(two.configs.length, 2);
});

t.test('compounds are flattened: their components count, the compound name does not', async (t) => {
  const text = `elementclass Filter { $port | input -> c :: Classifier(12/0800, -) -> CheckIPHeader(14) -> output; c[1] -> Discard }
FromDevice(0) -> f :: Filter(1) -> Queue -> ToDevice(2);`;
  const set = elementSet([{ file: 'fw.click', text }], catalog);
  t.same(set.classes, ['CheckIPHeader', 'Classifier', 'Discard', 'FromDevice', 'Queue', 'ToDevice']);
  t.equal(set.devices, 3, 'ToDevice(2) needs three vifs');
});

t.test('configs ClickOS cannot run are refused with the checker messages', async (t) => {
  const e = t.throws(() => elementSet([shipped('conf_test-tun.click')], catalog)) as unknown as PlanError;
  t.type(e, PlanError);
  t.match(e.message, /conf_test-tun\.click:19:1: ClickOS does not build element class 'KernelTun' \(userlevel element\)/);
  const syntax = t.throws(() => elementSet([{ file: 'bad.click', text: 'a :: Queue(' }], catalog)) as unknown as PlanError;
  t.match(syntax.diagnostics[0], /^bad\.click:1:\d+: /);
  t.throws(() => elementSet([], catalog), PlanError, 'no configs');
});

t.test('cache key: stable for the same element set, sensitive to elements, sources and options', async (t) => {
  const a = elementSet([{ file: 'a.click', text: 'FromDevice(0) -> Queue -> ToDevice(0);' }], catalog);
  const b = elementSet([{ file: 'b.click', text: 'x :: Queue; FromDevice(0) -> x; x -> ToDevice(0); // same classes' }], catalog);
  const c = elementSet([{ file: 'c.click', text: 'FromDevice(0) -> Queue -> Discard;' }], catalog);
  const none: ImageOptions = { configureArgs: [] };
  const key = (set: typeof a, ids = IDS, opts = none) => makePlan(set, opts, DIRS, ids).cacheKey;
  t.match(key(a), /^[0-9a-f]{24}$/);
  t.equal(key(a), key(a), 'deterministic');
  t.equal(key(a), key(b), 'different configs with one element set share an image');
  t.not(key(a), key(c), 'another element set, another image');
  t.not(key(a), key(a, { ...IDS, clickos: 'git:eee' }), 'another ClickOS revision');
  t.not(key(a), key(a, { ...IDS, xen: 'git:fff' }), 'another Xen revision');
  t.not(key(a), key(a, IDS, { configureArgs: ['--enable-stats=1'] }), 'other configure options');
  t.equal(key(a), key(a, { xen: 'git:ddd', toolchain: 'git:ccc', minios: 'git:bbb', clickos: 'git:aaa' }), 'source order does not matter');
  const planNoSources = makePlan(a, none, DIRS);
  t.equal(planNoSources.cacheKey, undefined, 'no key without the trees');
  t.equal(planNoSources.elementsKey, makePlan(b, none, DIRS).elementsKey);
  t.same(planNoSources.selection, [...new Set([...a.classes, ...ALWAYS_BUILT])].sort());
});

t.test('plan steps: the documented build in order', async (t) => {
  const set = elementSet([{ file: 'a.click', text: 'FromDevice(0) -> Queue -> ToDevice(0);' }], catalog);
  const p = makePlan(set, { configureArgs: ['--enable-stats=1'] }, DIRS, IDS, 4);
  t.same(p.steps.map((s) => s.name), ['toolchain', 'configure', 'elemlist', 'select', 'minios', 'install']);
  t.same(p.steps[1].argv, [
    './configure', '--enable-minios', '--with-xen=/src/xen', '--with-minios=/src/mini-os',
    '--with-newlib=/src/toolchain/x86_64-root/x86_64-xen-elf', '--with-lwip=/src/toolchain/x86_64-root/x86_64-xen-elf', '--enable-stats=1',
  ]);
  t.same(p.steps[4].argv, ['make', '-j4', 'minios']);
  t.equal(p.steps[4].cwd, '/src/clickos');
});

t.test('element selection: needed sources, closed over ELEMENT_REQUIRES, in the original order', async (t) => {
  const trees = fakeTrees(t.testdir());
  const sel = selectElements(FULL_ELEMENTS_CONF, trees.dirs.clickos, ['CheckIPHeader', 'FromDevice', 'Queue', 'ToDevice'], ALWAYS_BUILT);
  t.same(sel.kept.map((s) => s.file), [
    'elements/standard/queue.cc', 'elements/standard/errorelement.cc', 'elements/ip/checkipheader.cc',
    'elements/ip/ipaddrhelper.cc', 'elements/minios/fromdevice.cc', 'elements/minios/todevice.cc',
  ]);
  t.equal(sel.total, 8);
  t.same(sel.external, ['int64|linuxmodule', 'minios'], 'driver provisions are not element sources');
  t.match(sel.text, /^# selected by clickos-build: 6 of 8 element sources/);
  t.match(sel.text, /elements\/minios\/todevice\.cc\tToDevice-ToDevice\n/, 'lines kept verbatim');
  t.notMatch(sel.text, /discard|iprewriter/);
  const err = t.throws(() => selectElements(FULL_ELEMENTS_CONF, trees.dirs.clickos, ['Queue', 'Paint'])) as unknown as Error;
  t.type(err, ElementSelectionError);
  t.match(err.message, /no source in the ClickOS element list provides Paint/);
});

t.test('xl.cfg of an image: pv, the cached kernel, a vif per device, preserved on crash', async (t) => {
  const text = imageXlCfg({ name: 'clickos-fw', kernel: '/cache/images/k/clickos_x86_64', devices: 2 });
  const cfg = XlConfig.parse(text).toObject();
  t.same(cfg, {
    name: 'clickos-fw', type: 'pv', kernel: '/cache/images/k/clickos_x86_64', memory: 12, vcpus: 1,
    vif: ['bridge=xenbr0', 'bridge=xenbr0'], on_crash: 'preserve',
  });
  t.same(XlConfig.parse(imageXlCfg({ name: 'n', kernel: '/k', devices: 0, memory: 16, bridge: 'br1' })).toObject().vif, []);
  t.equal(guestName('/x/conf_fake-iprouter.click'), 'clickos-conf_fake-iprouter');
  t.equal(guestName('my fw!.click'), 'clickos-my-fw-');
  t.throws(() => imageXlCfg({ name: 'bad name', kernel: '/k', devices: 0 }), /invalid domain name/);
});

t.test('source ids: git revision, local changes, and trees without git', async (t) => {
  const trees = fakeTrees(t.testdir());
  const dir = trees.dirs.minios;
  const tree1 = await sourceId(dir);
  t.match(tree1, /^tree:[0-9a-f]{24}$/);
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(join(dir, 'build'), { recursive: true });
  writeFileSync(join(dir, 'build', 'kernel.o'), 'object');
  t.equal(await sourceId(dir), tree1, 'build outputs do not change the id');
  writeFileSync(join(dir, 'kernel.c'), 'int main; int more;\n');
  t.not(await sourceId(dir), tree1, 'an edited source does');
  t.equal(await sourceId(trees.dirs.clickos), await sourceId(trees.dirs.clickos));
  const before = await sourceId(trees.dirs.clickos);
  writeFileSync(join(trees.dirs.clickos, 'minios', 'Makefile'), 'regenerated by configure, longer\n');
  t.equal(await sourceId(trees.dirs.clickos), before, 'a file generated from a .in beside it does not count');

  const git = (...args: string[]) => execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-qm', 'one');
  const head = (await git('rev-parse', 'HEAD')).stdout;
  t.equal(await sourceId(dir), `git:${head}`);
  writeFileSync(join(dir, 'kernel.c'), 'changed\n');
  const dirty = await sourceId(dir);
  t.match(dirty, new RegExp(`^git:${head}\\+[0-9a-f]{16}$`), 'local changes marked');
  await git('commit', '-qam', 'two');
  t.not(await sourceId(dir), `git:${head}`, 'a new commit, a new id');
  t.not(await sourceId(dir), dirty);
});
