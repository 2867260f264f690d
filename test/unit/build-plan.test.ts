// The element set of configs and the xl.cfg of an image (kept from the build tests before
// the real-source rewrite: element-set.ts and guest-cfg.ts did not change).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../clickos-build/index.js';
import { ALWAYS_BUILT, elementSet } from '../../clickos-build/build/element-set.js';
import { PlanError } from '../../clickos-build/build/errors.js';
import { guestName, imageXlCfg } from '../../clickos-build/build/guest-cfg.js';
import { XlConfig } from '../../toolstack/index.js';

const CONFIGS = new URL('../fixtures/click/configs', import.meta.url).pathname;
const catalog = Catalog.load();
const shipped = (name: string) => ({ file: name, text: readFileSync(join(CONFIGS, name), 'utf8') });

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

t.test('xl.cfg of an image: pv, the cached kernel, a vif per device, preserved on crash', async (t) => {
  const text = imageXlCfg({ name: 'clickos-fw', kernel: '/cache/image/k/clickos_x86_64', devices: 2 });
  t.same(XlConfig.parse(text).toObject(), {
    name: 'clickos-fw', type: 'pv', kernel: '/cache/image/k/clickos_x86_64', memory: 12, vcpus: 1,
    vif: ['bridge=xenbr0', 'bridge=xenbr0'], on_crash: 'preserve',
  });
  const lab = XlConfig.parse(imageXlCfg({ name: 'n', kernel: '/k', devices: 0, memory: 16, bridge: 'br1' })).toObject();
  t.equal(lab.memory, 16);
  t.same(lab.vif, []);
  t.equal(guestName('/x/conf_fake-iprouter.click'), 'clickos-conf_fake-iprouter');
  t.equal(guestName('my fw!.click'), 'clickos-my-fw-');
  t.throws(() => imageXlCfg({ name: 'bad name', kernel: '/k', devices: 0 }), /invalid domain name/);
});
