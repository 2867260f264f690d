// Rollback: a create_pm failing at module k deletes modules 1..k-1 (newest first) and
// the reply names the failing step (module, host, hostd's message); a create that does
// not answer in time is waited for and undone too; heartbeats that stop drop the host.
// Module hosts are STAND-INS for hostd: real daemon processes (createDaemon, the real
// registration code) whose create_pm keeps an in-memory record and fails on the Nth
// create, since real hostd needs Xen. test/lab/controller.test.ts does the same
// against the real hostd in dom0.
import t from 'tap';
import { XmlRpcClient } from '../../daemon/index.js';
import { COUNTING_SRC, STANDIN_SECRET, py, startResourced, startStandins, waitFor, type Standin } from '../support/resourced.js';

type Call = { method: string; name: string };
async function journal(s: Standin): Promise<{ calls: Call[]; pms: string[] }> {
  const c = new XmlRpcClient({ url: s.url, secret: STANDIN_SECRET });
  try {
    return ((await c.call('journal')) as { value: { calls: Call[]; pms: string[] } }).value;
  } finally {
    c.close();
  }
}

const chain = (n: number): string =>
  `BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("tun1")\n${Array.from({ length: n }, (_, i) => `m${i + 1} :: Counting()`).join('\n')}\nin -> ${Array.from({ length: n }, (_, i) => `m${i + 1}`).join(' -> ')} -> out\n`;

async function ready(url: string, rd: { hosts: { live(): Array<{ heartbeats: number }> } }, n: number): Promise<void> {
  await waitFor(`${n} host(s) to heartbeat`, () => (rd.hosts.live().filter((h) => h.heartbeats > 0).length === n ? true : undefined));
  const r = await py(url, 'deploy_pm', { name: 'Counting', src: COUNTING_SRC });
  if (r.reply?.code !== 0) throw new Error(JSON.stringify(r));
}

t.test('failure at module 3 of 4 on one host: modules 1 and 2 deleted, newest first', async (t) => {
  const { url, rd } = await startResourced(t);
  const [h] = await startStandins(t, url, [{ hostId: 'mh-a', failCreateAt: 3 }]);
  await ready(url, rd, 1);
  const r = (await py(url, 'install_allocation', chain(4), 'task')).reply!;
  t.equal(r.code, 1);
  t.equal(
    r.message,
    "install_allocation failed at step 3/4: create_pm of module 'm3' on host mh-a: create_pm rd-1-3-m3 failed: router 0 failed to initialise (stand-in: configured failure on create #3); rolled back 2 of 2 PM(s) already created",
  );
  t.same(r.value, {
    id: 1,
    failed: { step: 3, module: 'm3', host: 'mh-a', message: 'create_pm rd-1-3-m3 failed: router 0 failed to initialise (stand-in: configured failure on create #3)' },
    rolledBack: ['rd-1-1-m1', 'rd-1-2-m2'],
    notRolledBack: [],
  });
  const j = await journal(h!);
  t.same(j.calls, [
    { method: 'create_pm', name: 'rd-1-1-m1' },
    { method: 'create_pm', name: 'rd-1-2-m2' },
    { method: 'create_pm', name: 'rd-1-3-m3' },
    { method: 'delete_pm', name: 'rd-1-2-m2' },
    { method: 'delete_pm', name: 'rd-1-1-m1' },
  ], 'module 4 never created; 2 then 1 deleted');
  t.same(j.pms, [], 'no PM left');
  t.same((await py(url, 'get_pm_info')).reply!.value.allocations, [], 'the allocation is not recorded');
  // The stand-in's 4th create succeeds again: the same request now installs.
  const again = (await py(url, 'install_allocation', chain(2), 'task')).reply!;
  t.equal(again.code, 0, again.message);
  t.equal(again.value, 2);
});

t.test('failure at module 1: nothing had been created, nothing to delete', async (t) => {
  const { url, rd } = await startResourced(t);
  const [h] = await startStandins(t, url, [{ hostId: 'mh-a', failCreateAt: 1 }]);
  await ready(url, rd, 1);
  const r = (await py(url, 'install_allocation', chain(2), 'task')).reply!;
  t.equal(r.code, 1);
  t.match(r.message, /^install_allocation failed at step 1\/2: create_pm of module 'm1' on host mh-a: .*; nothing had been created$/);
  t.same((await journal(h!)).calls, [{ method: 'create_pm', name: 'rd-1-1-m1' }]);
});

t.test('modules split over two hosts; the second host fails: every PM on both hosts deleted', async (t) => {
  const { url, rd } = await startResourced(t);
  // Free memory 130 MiB each = two 64 MiB PMs per host: four modules must split 2 + 2.
  const hosts = await startStandins(t, url, [
    { hostId: 'mh-a', totalMemoryMiB: 386 },
    { hostId: 'mh-b', totalMemoryMiB: 386, failCreateAt: 2 },
  ]);
  await ready(url, rd, 2);
  const r = (await py(url, 'install_allocation', chain(4), 'task')).reply!;
  t.equal(r.code, 1, r.message);
  const f = r.value.failed as { step: number; module: string; host: string; message: string };
  t.equal(f.host, 'mh-b', 'the failing step is on the failing host');
  t.equal(f.module, `m${f.step}`);
  t.match(f.message, /configured failure on create #2/);
  t.match(r.message, new RegExp(`failed at step ${f.step}/4: create_pm of module 'm${f.step}' on host mh-b`));
  t.equal(r.value.rolledBack.length, f.step - 1, 'every module before the failing one was rolled back');
  const [ja, jb] = [await journal(hosts[0]!), await journal(hosts[1]!)];
  t.same([ja.pms, jb.pms], [[], []], 'nothing left on either host');
  const created = [...ja.calls, ...jb.calls].filter((c) => c.method === 'create_pm').map((c) => c.name).filter((n) => !n.includes(`-${f.step}-m${f.step}`));
  const deleted = [...ja.calls, ...jb.calls].filter((c) => c.method === 'delete_pm').map((c) => c.name);
  t.same(deleted.sort(), created.sort(), 'deleted exactly the PMs created before the failure');
  t.same([...r.value.rolledBack].sort(), created.sort());
  t.ok(ja.calls.some((c) => c.method === 'create_pm') && jb.calls.filter((c) => c.method === 'create_pm').length === 2, 'both hosts were used');
});

t.test('a create_pm that does not answer in time is waited for, then deleted too', async (t) => {
  const { url, rd } = await startResourced(t, { hosts: { defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 3000, pollMs: 20, taskTimeoutMs: 300 } });
  const [h] = await startStandins(t, url, [{ hostId: 'mh-slow', createDelayMs: 500 }]);
  await ready(url, rd, 1);
  const r = (await py(url, 'install_allocation', chain(2), 'task')).reply!;
  t.equal(r.code, 1);
  t.match(r.message, /failed at step 1\/2: create_pm of module 'm1' on host mh-slow: create_pm: task \S+ at \S+ not finished after 0\.3 s; rolled back 1 of 1 PM\(s\) already created \(including rd-1-1-m1, whose create_pm answered late or not at all\)/);
  const j = await journal(h!);
  t.same(j.calls, [{ method: 'create_pm', name: 'rd-1-1-m1' }, { method: 'delete_pm', name: 'rd-1-1-m1' }]);
  t.same(j.pms, [], 'no orphan');
});

t.test('heartbeats stop: the host is dropped, placement uses the others', async (t) => {
  const { url, rd, logs } = await startResourced(t, { hosts: { defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 600, pollMs: 20 } });
  const hosts = await startStandins(t, url, [{ hostId: 'mh-a', heartbeatMs: 100 }, { hostId: 'mh-b', heartbeatMs: 100 }]);
  await ready(url, rd, 2);
  const c = new XmlRpcClient({ url: hosts[0]!.url, secret: STANDIN_SECRET });
  t.equal(((await c.call('stop_heartbeat')) as { code: number }).code, 0);
  c.close();
  const ids = await waitFor('mh-a to be dropped', async () => {
    const v = (await py(url, 'list_hosts')).reply!.value.map((h: { host_id: string }) => h.host_id) as string[];
    return v.length === 1 ? v : undefined;
  });
  t.same(ids, ['mh-b'], 'only the host that still heartbeats');
  t.match(logs.join('\n'), /host mh-a dropped: no heartbeat/);
  const r = (await py(url, 'install_allocation', chain(2), 'task')).reply!;
  t.equal(r.code, 0, r.message);
  t.match(r.message, /m1 on mh-b, m2 on mh-b/);
  t.same((await journal(hosts[0]!)).calls, [], 'nothing sent to the dropped host');
});
