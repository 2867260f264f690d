import t from 'tap';
import { guestConfig } from '../../toolstack/guest-config.js';
import { parseVif, formatVif } from '../../toolstack/vif.js';
import { checkDomain, checkName, XlArgumentError } from '../../toolstack/validate.js';
import { XlConfig } from '../../toolstack/xlcfg/index.js';

t.test('a ClickOS guest config like the example xl ships for it', async (t) => {
  const cfg = guestConfig({
    name: 'clickos',
    kernel: 'clickos_x86_64',
    memory: 12,
    vifs: [{ mac: '00:15:17:15:5D:74', bridge: 'xenbr0' }],
    onCrash: 'preserve',
  });
  t.same(XlConfig.parse(cfg.toString()).toObject(), {
    name: 'clickos',
    type: 'pv',
    kernel: 'clickos_x86_64',
    memory: 12,
    vcpus: 1,
    vif: ['mac=00:15:17:15:5d:74,bridge=xenbr0'],
    on_crash: 'preserve',
  });
});

t.test('vif specs: formatted, parsed, validated', async (t) => {
  t.equal(formatVif({ mac: '00:16:3e:00:00:01', bridge: 'br0', script: 'vif-openvswitch' }), 'mac=00:16:3e:00:00:01,bridge=br0,script=vif-openvswitch');
  t.same(parseVif('bridge=xenbr0,mac=00:16:3e:aa:bb:cc'), { bridge: 'xenbr0', mac: '00:16:3e:aa:bb:cc' });
  t.throws(() => formatVif({ mac: '01:00:5e:00:00:01' }), /multicast/);
  t.throws(() => formatVif({ mac: '00:16:3e:00:00' }), /invalid MAC/);
  t.throws(() => formatVif({ bridge: 'br0,script=/tmp/evil' }), /invalid bridge/);
  t.throws(() => formatVif({ script: '../../tmp/evil' }), /no "\.\."/);
  t.throws(() => parseVif('model=e1000'), /unknown key model/);
});

t.test('injection attempts are refused before xl runs', async (t) => {
  for (const bad of ['a; rm -rf /', 'a\nb', '..', '../etc', '-h', '.hidden', 'a b', 'x'.repeat(65), '']) {
    t.throws(() => checkName(bad), XlArgumentError, JSON.stringify(bad));
    t.throws(() => guestConfig({ name: bad, kernel: '/k', memory: 16 }), XlArgumentError);
  }
  t.throws(() => guestConfig({ name: 'ok', kernel: '/boot/../etc/shadow', memory: 16 }), /no "\.\."/);
  t.throws(() => guestConfig({ name: 'ok', kernel: '/k"\nkernel="/evil', memory: 16 }), /invalid kernel/);
  t.throws(() => guestConfig({ name: 'ok', kernel: '/k', memory: 16, extra: 'a"\nb' }), /extra/);
  t.throws(() => guestConfig({ name: 'ok', kernel: '/k', memory: 0 }), /invalid memory/);
  t.throws(() => guestConfig({ name: 'ok', kernel: '/k', memory: 16, vcpus: 1.5 }), /invalid vcpus/);
  t.throws(() => guestConfig({ name: 'ok', kernel: '/k', memory: 16, onCrash: 'explode' as never }), /invalid on_crash/);
  t.equal(checkDomain(7), '7');
  t.equal(checkDomain('12'), '12');
  t.throws(() => checkDomain(-1), /invalid domid/);
  t.throws(() => checkDomain(99999), /invalid domid/);
});

