// A module host lost (docs/two-host-lab.md): resourced drops it after missed heartbeats,
// marks its allocations degraded, places their PMs again on a live host (the others stay
// where they run), steers the flows to them on a REAL Open vSwitch, and reports them
// healthy. Hosts sit behind switch uplinks (config.switch.uplinks): each vif gets a VLAN
// of its own on its host, and the flows reach it through the uplink with that tag.
// Module hosts are the hostd stand-ins (test/support/resourced-standin.ts: real daemons,
// in-memory PMs); test/lab-multi/two-host.test.ts does it with two real Xen lab hosts.
import t from 'tap';
import { execa } from 'execa';
import { planReconcile } from '../../controller/resourced/reconcile.js';
import type { AllocationRecord } from '../../controller/resourced/allocations.js';
import { startOvs } from '../support/ovs.js';
import { py, startResourced, startStandins, waitFor } from '../support/resourced.js';

const FWD_SRC = 'in0 :: FromDevice(0);\nout1 :: ToDevice(1);\nin1 :: FromDevice(1);\nout0 :: ToDevice(0);\nin0 -> out1;\nin1 -> out0;\n';
const REQUEST = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=fonet,nw_dst=10.77.0.2")
rev :: FromNet("ip,in_port=fosink,nw_src=10.77.0.2")
tosink :: ToNet("fosink")
tonet :: ToNet("fonet")
fwd -> [0]a :: Fwd() [1] -> [0]b :: Fwd() [1] -> tosink
rev -> [1]b[0] -> [1]a[0] -> tonet
`;

t.setTimeout(120_000);

t.test('a host lost: degraded, its PM placed again on the other host, flows steered there, healthy', async (t) => {
  const ovs = await startOvs('rfo');
  t.teardown(() => ovs.stop());
  const port: Record<string, number> = {};
  for (const [name, ns] of [['fonet', 'net'], ['fosink', 'sink'], ['foupa', 'a'], ['foupb', 'b']] as const) port[name] = await ovs.addVethPort(name, 'eth0', `${ovs.swNs}-${ns}`);
  const { url, rd, logs } = await startResourced(t, {
    bridge: 'xenovs0',
    switch: { driver: 'ofctl', target: ovs.target, uplinks: { 'mh-a': 'foupa', 'mh-b': 'foupb' } },
    hosts: { principals: ['hosts'], defaultSecret: 'standin-secret-0123456789abcd', heartbeatTimeoutMs: 1500, pollMs: 20, taskTimeoutMs: 20_000 },
  });
  // mh-a has room for one PM (64 MiB), mh-b for several: the chain spans both (placement
  // fills the first host in id order, then the next), and mh-b can take a's PM once mh-a is lost.
  const [a] = await startStandins(t, url, [
    { hostId: 'mh-a', totalMemoryMiB: 256 + 100 },
    { hostId: 'mh-b', totalMemoryMiB: 1024 },
  ]);
  await waitFor('both hosts to heartbeat', () => (rd.hosts.live().filter((h) => h.heartbeats > 0).length === 2 ? true : undefined));
  t.equal((await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).reply?.code, 0);

  const inst = (await py(url, 'install_allocation', REQUEST, 'task')).reply!;
  t.equal(inst.code, 0, inst.message);
  const id = inst.value as number;
  const rec = rd.allocations.get(id)!;
  t.same(rec.pms.map((p) => [p.module, p.host]), [['a', 'mh-a'], ['b', 'mh-b']], 'the chain spans both hosts');
  t.same(rec.pms.map((p) => p.vifs.map((v) => [v.bridge, v.vlan])), [[['xenovs0.2', 2], ['xenovs0.3', 3]], [['xenovs0.2', 2], ['xenovs0.3', 3]]], "each vif on its host's bridge with a VLAN of its own");
  const flows = async () => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target, `cookie=${id}/-1`])).stdout.split('\n').filter((l) => l.includes('cookie='));
  const before = await flows();
  t.equal(before.length, 6, 'six flows: three hops each way');
  t.ok(before.some((f) => f.includes(`in_port=${port.foupa},dl_vlan=3`) && f.includes(`output:${port.foupb}`)), "a's output 1 (VLAN 3 behind mh-a's uplink) goes to mh-b's uplink");

  await a!.stop(); // powered off: no more heartbeats
  t.teardown(() => { if (process.env.DEBUG_FAILOVER) console.error(logs.join('\n')); });
  await waitFor('the allocation to be healthy again on mh-b', () => {
    const x = rd.allocations.get(id);
    return x && !x.degraded && x.pms.every((p) => p.host === 'mh-b') ? true : undefined;
  }, 30_000);
  t.ok(logs.some((l) => /^host mh-a dropped: no heartbeat/.test(l)), 'the host was dropped for missed heartbeats');
  t.ok(logs.some((l) => l.startsWith(`audit: allocation ${id} degraded: host mh-a lost`)), 'reported degraded, with why');
  t.ok(logs.some((l) => l.startsWith(`audit: allocation ${id} healthy again`)), 'then healthy');
  const after = rd.allocations.get(id)!;
  t.same(after.pms.map((p) => [p.module, p.host]).sort(), [['a', 'mh-b'], ['b', 'mh-b']], 'b stayed, a placed again on mh-b');
  t.same(after.pms.find((p) => p.module === 'a')!.vifs.map((v) => v.vlan), [4, 5], "a's vifs got VLANs free on mh-b");
  const now = await flows();
  t.equal(now.length, 6);
  t.notOk(now.some((f) => f.includes(`output:${port.foupa}`) || f.includes(`in_port=${port.foupa}`)), 'no flow points at the lost host any more');
  t.ok(now.some((f) => f.includes(`in_port=${port.foupb},dl_vlan=5`) && f.includes('set_field:4098->vlan_vid') && f.includes('IN_PORT')), "a's output 1 goes to b's input 0 back through mh-b's uplink");
  const info = (await py(url, 'get_pm_info')).reply!.value as { allocations: Array<{ id: number; degraded?: string; pms: Array<{ module: string; host: string }> }> };
  const shown = info.allocations.find((a) => a.id === id)!;
  t.notOk(shown.degraded, 'get_pm_info shows it healthy');
  t.same(shown.pms.map((p) => p.host), ['mh-b', 'mh-b'], 'and where its PMs run now');

  const del = (await py(url, 'delete_allocation', id, 'task')).reply!;
  t.equal(del.code, 0, del.message);
  t.same(await flows(), [], 'its flows are gone');
});

t.test('a host lost with no room left: the allocation stays degraded and says why', async (t) => {
  const { url, rd, logs } = await startResourced(t, {
    hosts: { principals: ['hosts'], defaultSecret: 'standin-secret-0123456789abcd', heartbeatTimeoutMs: 1500, pollMs: 20, taskTimeoutMs: 20_000 },
  });
  const [, b] = await startStandins(t, url, [
    { hostId: 'mh-a', totalMemoryMiB: 256 + 100 },
    { hostId: 'mh-b', totalMemoryMiB: 256 + 100 },
  ]);
  await waitFor('both hosts to heartbeat', () => (rd.hosts.live().filter((h) => h.heartbeats > 0).length === 2 ? true : undefined));
  t.equal((await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).reply?.code, 0);
  const inst = (await py(url, 'install_allocation', REQUEST, 'task')).reply!;
  t.equal(inst.code, 0, inst.message);
  const id = inst.value as number;
  await b!.stop();
  await waitFor('the allocation to be marked degraded for good', () => (/cannot be placed again/.test(rd.allocations.get(id)?.degraded ?? '') ? true : undefined), 30_000);
  t.same(rd.allocations.get(id)!.pms.map((p) => [p.module, p.host]), [['a', 'mh-a'], ['b', 'mh-b']], 'the record still says where its PMs were');
  t.ok(logs.some((l) => l.startsWith(`audit: allocation ${id} stays degraded`)));
});

t.test("reconciliation tells a PM placed again from its namesake left on the host that came back", async (t) => {
  const pm = (host: string) => ({ module: 'b', type: 'Fwd', host, name: 'rd-1-2-b', domid: 4, status: 'created' as const, vifs: [] });
  const rec = { id: 1, request: '', parsed: {} as never, state: 'installed', planned: new Map(), pms: [pm('mh-a')], createdAt: '' } as AllocationRecord;
  const seen = { pmsByHost: new Map([['mh-a', ['rd-1-2-b']], ['mh-b', ['rd-1-2-b']]]), cookies: null };
  t.same(planReconcile([rec], new Set(), seen, 'rd', 2).map((a) => [a.kind, a.host ?? '']), [['adopt', ''], ['delete_orphan_pm', 'mh-b']]);
});
