// Real ClickOS guests' vifs on an Open vSwitch bridge in dom0 (userspace datapath): with
// Xen's scripts guests/ picks vif-openvswitch for an OVS bridge by itself, and our lean
// script (the default) joins OVS too; frames flow through a Running router along flows we
// install, VLAN-tagged access ports work, and detach, destroy and a missing bridge leave
// no port, vif or XenStore node.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests, GuestError } from '../../guests/index.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { CLICKOS, waitFor } from './helpers.js';

const run = promisify(execFile);
const xl = new Xl({ timeoutMs: 300_000 });
const NAME = `g-ovs-${process.pid}`;
const FORWARD = 'in :: FromDevice(0);\nout :: ToDevice(1);\nback :: FromDevice(1);\nret :: ToDevice(0);\nin -> out;\nback -> ret;\n';

t.test('vifs on an Open vSwitch bridge: script chosen, frames through the router, nothing left', async (t) => {
  const ovs = await startDom0Ovs();
  const xs = await XenStore.connect();
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000, hotplug: 'xen' });
  const lean = new ClickosGuests({ xs, xl, bootTimeoutMs: 180_000 });
  t.teardown(async () => {
    for (const d of await xl.list()) if (d.name === NAME) await xl.destroy(d.domid).catch(() => {});
    xs.close();
    await ovs.stop();
  });
  await ovs.addHost('ovsha', 'ovs-a', '10.78.0.1/24');
  await ovs.addHost('ovshb', 'ovs-b', '10.78.0.2/24');

  t.equal(await guests.vifs.bridges.kind(ovs.bridge), 'ovs', `${ovs.bridge} is recognised as an OVS bridge`);
  t.equal(await guests.vifs.bridges.kind('xenbr0'), 'linux', 'xenbr0 as a Linux bridge');

  const g = await guests.create({ name: NAME, ...CLICKOS, vifs: [{ bridge: ovs.bridge }, { bridge: ovs.bridge }] });
  const vif = (i: number): string => `vif${g.domid}.${i}`;
  for (const i of [0, 1]) {
    const be = guests.vifs.backendPath(g.domid, i);
    t.match(await xs.read(`${be}/script`), /vif-openvswitch$/, `vif ${i}: libxl ran vif-openvswitch`);
    t.equal(await xs.read(`${be}/hotplug-status`), 'connected');
    t.equal((await ovs.vsctl('get', 'Interface', vif(i), 'external-ids:xen-vm-name')).replace(/"/g, ''), NAME, `${vif(i)} carries the guest's name`);
  }
  t.same((await ovs.ports()).sort(), ['ovsha', 'ovshb', vif(0), vif(1)].sort(), 'both vifs are ports of the bridge');

  // a — vif0 ⇄ router ⇄ vif1 — b: no other path through the secure-mode bridge
  const p = { a: await ovs.port('ovsha'), b: await ovs.port('ovshb'), v0: await ovs.port(vif(0)), v1: await ovs.port(vif(1)) };
  for (const [from, to] of [[p.a, p.v0], [p.v0, p.a], [p.b, p.v1], [p.v1, p.b]]) await ovs.ofctl('add-flow', ovs.bridge, `in_port=${from},actions=output:${to}`);
  const ping = (): Promise<boolean> => run('ip', ['netns', 'exec', 'ovs-a', 'busybox', 'ping', '-c', '3', '-W', '2', '10.78.0.2']).then(() => true, () => false);
  t.notOk(await ping(), 'no path before the router runs');
  const rid = await guests.deploy(g.domid, FORWARD, 'fwd');
  t.ok(await waitFor('a ping through the guest', async () => ((await ping()) ? true : undefined), 90_000), 'ping crosses the guest on the OVS bridge while Running');
  const count = Number(await guests.read(g.domid, rid, 'in', 'count'));
  t.ok(count > 0, `FromDevice(0).count is ${count}`);
  const dump = await ovs.ofctl('--no-names', 'dump-flows', ovs.bridge);
  const hits = (port: number): number => {
    const line = dump.split('\n').find((l) => new RegExp(`\\bin_port=${port}\\b`).test(l));
    return Number(/n_packets=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  };
  for (const [what, port] of [['a', p.a], ['vif0', p.v0], ['vif1', p.v1], ['b', p.b]] as const) t.ok(hits(port) > 0, `the flow from ${what} counted packets`);
  await guests.stop(g.domid, rid);
  t.notOk(await ping(), 'no traffic once Halted');

  // a VLAN access port: "bridge.TAG" as vif-openvswitch spells it, joined by our lean script
  const tagged = await lean.vifs.attach(g.domid, { bridge: `${ovs.bridge}.10` });
  t.match(await xs.read(`${guests.vifs.backendPath(g.domid, tagged.devid)}/script`), /guests\/hotplug\/vif-lean$/, 'libxl ran our lean script');
  t.equal((await ovs.vsctl('get', 'Port', vif(tagged.devid), 'tag')).trim(), '10', 'the third vif is an access port in VLAN 10');
  await lean.vifs.detach(g.domid, tagged.devid);
  t.notOk((await ovs.ports()).includes(vif(tagged.devid)), 'detach removed the port from the bridge');
  t.notOk(await xs.exists(guests.vifs.backendPath(g.domid, tagged.devid)), 'and its backend node');

  // a bridge dom0 lacks: refused before xl runs, nothing attached
  await t.rejects(guests.vifs.attach(g.domid, { bridge: 'nosuchovs0' }), new GuestError('dom0 has no bridge nosuchovs0 (neither a Linux bridge nor an Open vSwitch bridge): create it first'));
  await t.rejects(guests.vifs.attach(g.domid, { bridge: 'xenbr0.10' }), /a VLAN tag or trunk needs an Open vSwitch bridge, and xenbr0 is a Linux bridge/);
  t.equal((await guests.vifs.list(g.domid)).length, 2, 'still the two vifs');
  const before = (await xl.list()).length;
  await t.rejects(guests.create({ name: `${NAME}-x`, ...CLICKOS, vifs: [{ bridge: 'nosuchovs0' }] }), /dom0 has no bridge nosuchovs0/);
  t.equal((await xl.list()).length, before, 'a create with a missing bridge built no domain');

  await xl.destroy(g.domid);
  t.same((await ovs.ports()).sort(), ['ovsha', 'ovshb'], 'destroy took the vifs off the bridge');
  t.notOk(await xs.exists(`/local/domain/0/backend/vif/${g.domid}`), 'no backend node remains');
});
