// guests/bridges.ts without Xen: names as vif-openvswitch parses them, vifs left alone
// when the user chose the script or another backend, and a missing bridge refused.
// Real Linux and OVS bridges are recognised in the lab (test/lab/guests-ovs.test.ts).
import t from 'tap';
import { Bridges, switchName } from '../../guests/bridges.js';
import { GuestError } from '../../guests/errors.js';

t.test('switchName: the bridge before a VLAN tag or trunk', async (t) => {
  t.equal(switchName('xenovs0'), 'xenovs0');
  t.equal(switchName('xenovs0.10'), 'xenovs0');
  t.equal(switchName('xenovs0:10:20'), 'xenovs0');
});

t.test('resolve leaves explicit choices alone', async (t) => {
  const b = new Bridges();
  const v = { bridge: 'nosuchbr9', script: 'vif-bridge' };
  t.equal(await b.resolve(v), v, 'an explicit script');
  const d = { bridge: 'nosuchbr9', backend: 'netdom' };
  t.equal(await b.resolve(d), d, 'a driver domain backend: its bridges are not dom0s');
  const n = { mac: '00:16:3e:00:00:01' };
  t.equal(await b.resolve(n), n, 'no bridge: xl.conf default');
});

t.test('a bridge dom0 lacks is a GuestError naming it', async (t) => {
  const b = new Bridges();
  t.equal(await b.kind('nosuchbr9'), undefined);
  await t.rejects(b.resolve({ bridge: 'nosuchbr9.4' }), new GuestError('dom0 has no bridge nosuchbr9 (neither a Linux bridge nor an Open vSwitch bridge): create it first'));
  await t.rejects(b.resolve({ bridge: 'nosuchbr9', backend: '0' }), GuestError, 'backend 0 is dom0');
});

t.test('a device that is neither: asked of ovs-vsctl, which says no', async (t) => {
  // lo exists on every host and is no bridge; ovs-vsctl (absent or without a database) answers non-zero
  t.equal(await new Bridges().kind('lo'), undefined);
});

t.test('the hotplug script follows the choice: our lean script by default, Xen\'s on request', async (t) => {
  const { execa } = await import('execa');
  const { existsSync, statSync } = await import('node:fs');
  const { LEAN_SCRIPT } = await import('../../guests/bridges.js');
  const br = `tlean${process.pid % 10000}`;
  await execa('ip', ['link', 'add', 'name', br, 'type', 'bridge']);
  t.teardown(() => execa('ip', ['link', 'del', br], { reject: false }));
  t.same(await new Bridges().resolve({ bridge: br }), { bridge: br, script: LEAN_SCRIPT });
  t.same(await new Bridges('ovs-vsctl', 'xen').resolve({ bridge: br }), { bridge: br }, "Xen's default vif-bridge");
  t.ok(existsSync(LEAN_SCRIPT) && (statSync(LEAN_SCRIPT).mode & 0o111) !== 0, `${LEAN_SCRIPT} is an executable file`);
});
