// resourced's low-level API (D3.2 §2.1.2; controller/resourced/README.md "Low-level
// API"), called from Python's xmlrpc.client: create_pm places one PM and creates it
// through its host's hostd, create_connections installs flows between such PMs on a
// REAL Open vSwitch (userspace datapath) through openflowd running as its own process,
// delete_connections removes exactly those flows, delete_pm the PM. Bad input leaves
// nothing behind; resourced (its own process, SQLite store) restarted keeps the PMs and
// their connections (reconciliation adopts them, deletes nothing as an orphan).
// The module host is a STAND-IN for hostd (test/support/resourced-standin.ts: real
// daemon process, in-memory create_pm; domids 1, 2, ... in create order), so the
// guests' vifs are stood in for by veths named as Xen names vifs (vif<domid>.<k>), each
// PM a namespace bridging its two vifs, as test/unit/resourced-flows.test.ts does.
import t from 'tap';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { FWD_SRC, fwdChainRequest, startVifChainLab, type VifChainLab } from '../support/flows-chain.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { freePort } from '../../lab/free-port.js';
import { flowLines, startOvs } from '../support/ovs.js';
import { CHAIN, COUNTING_SRC, HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, py, python, startResourced, startStandins, waitFor, type Rv } from '../support/resourced.js';

t.setTimeout(240_000);

const TAG = 'rll';
const SWITCH = 'llsw';
const OF_SECRET = 'openflowd-secret-0123456789abcdef';

// fwdChainRequest (test/support/flows-chain.ts): both directions net ⇄ sink through the low-level PMs a and b (by name).

/** One way only, through a: a second set of connections, for a table of its own. */
const oneWay = (net: string, sink: string): string => `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${net},nw_dst=10.77.0.9")
tosink :: ToNet("${sink}")
fwd -> [0]a :: Fwd() [0] -> tosink
`;

/** Both ways through PM pm3's ports 0 and 1: more than the one vif it was made with. */
const twoPorts = (net: string, sink: string): string => `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${net},nw_dst=10.77.0.9")
rev :: FromNet("ip,in_port=${sink},nw_src=10.77.0.9")
tosink :: ToNet("${sink}")
tonet :: ToNet("${net}")
fwd -> [0]pm3 :: Fwd() [0] -> tosink
rev -> [1]pm3[1] -> tonet
`;

const reply = (r: { reply?: Rv; fault?: number; message?: string }): Rv => {
  if (!r.reply) throw new Error(`fault ${r.fault}: ${r.message}`);
  return r.reply;
};

t.test('the low-level API from Python: PMs, connections on a real switch through openflowd, bad input, a restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-lowlevel-'));
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  let lab: VifChainLab | undefined;
  t.teardown(async () => {
    await resourced.stop('SIGKILL');
    await openflowd.stop('SIGKILL');
    await lab?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // The switch: net and sink ends, and the vifs of the stand-in's domids 1 and 2, bridged inside.
  lab = await startVifChainLab(TAG);
  const { ovs, net, sink, ping, dump, flows } = lab;
  await execa('ovs-ofctl', ['add-flow', ovs.target, 'cookie=0x77,priority=5,arp,actions=drop']);

  // openflowd, its own process, driving the switch under the name create_connections must give.
  const ofConfig = join(dir, 'openflowd.json');
  await writeFile(ofConfig, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, secret: { resourced: OF_SECRET }, folders: { patches: join(dir, 'of-patches') }, switch: { driver: 'ofctl', target: ovs.target, name: SWITCH } }));
  const ofUrl = await openflowd.start(ofConfig);

  // resourced, its own process, on a fixed port (the stand-in finds it again after the restart), SQLite store.
  const port = await freePort();
  const rdConfig = join(dir, 'resourced.json');
  await writeFile(
    rdConfig,
    JSON.stringify({
      listen: { host: '127.0.0.1', port },
      secret: { user: USER_SECRET, hosts: HOSTS_SECRET },
      folders: { patches: join(dir, 'rd-patches') },
      hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 5000, pollMs: 20, taskTimeoutMs: 20_000 },
      pm: { memoryMiB: 64 },
      placement: { timeLimitMs: 300 },
      switch: { driver: 'openflowd', url: ofUrl, secret: OF_SECRET },
      store: { kind: 'sqlite', path: join(dir, 'resourced.db') },
    }),
  );
  const url = await resourced.start(rdConfig);
  const [host] = await startStandins(t, url, [{ hostId: 'mh-a' }]);
  const journal = async (): Promise<string[]> => (await host!.journal()).calls.map((x) => `${x.method} ${x.name}`);
  await waitFor('the stand-in host to register', async () => ((reply(await py(url, 'list_hosts')).value as unknown[]).length ? true : undefined));
  t.equal(reply(await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0, 'type Fwd deployed');
  const records = async () => (reply(await py(url, 'get_pm_info')).value as { allocations: Array<{ id: number; kind?: string; state: string; pms: Array<{ name: string }> }> }).allocations;

  // ---- create_pm, from Python ----
  const [a, b, c] = (await python(url, [
    ['create_pm', { type: 'Fwd', name: 'a', vifs: 2 }, 'task'],
    ['create_pm', { type: 'Fwd', name: 'b', vifs: 2, host: 'mh-a' }, 'task'],
    ['create_pm', { type: 'Fwd' }, 'task'],
  ])).map(reply);
  t.equal(a!.code, 0, a!.message);
  t.same(a!.value, { name: 'a', id: 1, type: 'Fwd', host: 'mh-a', guest: 'rd-1-1-a', domid: 1, vifs: 2 }, 'create_pm answers the PM: its name, record id, host, guest and domid');
  t.same(b!.value, { name: 'b', id: 2, type: 'Fwd', host: 'mh-a', guest: 'rd-2-1-b', domid: 2, vifs: 2 }, 'pinned to mh-a, as asked');
  t.same(c!.value, { name: 'pm3', id: 3, type: 'Fwd', host: 'mh-a', guest: 'rd-3-1-pm3', domid: 3, vifs: 1 }, 'without a name: pm<id>; one vif by default');
  t.same(await journal(), ['create_pm rd-1-1-a', 'create_pm rd-2-1-b', 'create_pm rd-3-1-pm3'], 'each created through the host\'s hostd (the stand-in)');
  t.same((await records()).map((r) => [r.id, r.kind, r.state]), [[1, 'pm', 'installed'], [2, 'pm', 'installed'], [3, 'pm', 'installed']], 'each recorded, kind pm');

  // ---- create_connections on the real switch, through openflowd ----
  t.notOk(await ping(), 'no connections yet: the secure-mode switch forwards nothing');
  const conn = reply(await py(url, 'create_connections', { switch_name: SWITCH, switch_table_id: 0, alloc: fwdChainRequest(net, sink) }, 'task'));
  t.equal(conn.code, 0, conn.message);
  t.same(conn.value, { id: 4, flows: 6 }, 'six flows, under the connections\' own cookie (4)');
  t.equal((await flows(4)).length, 6, 'the six flows are on the switch');
  t.ok(await ping(), 'a datagram net → a → b → sink gets its echo back the reverse way');
  const table3 = reply(await py(url, 'create_connections', { switch_name: SWITCH, switch_table_id: 3, alloc: oneWay(net, sink) }, 'task'));
  t.equal(table3.code, 0, table3.message);
  t.equal(table3.value.flows, 2, 'a second set of connections');
  t.ok((await flows(table3.value.id)).every((l) => /table=3,/.test(l)) && (await flows(table3.value.id)).length === 2, 'its flows are in table 3, as switch_table_id said');

  // ---- bad input: a clear error, nothing left behind ----
  const before = { flows: (await dump()).length, journal: await journal(), records: await records() };
  const bad = (await python(url, [
    ['create_pm', { type: 'Nope' }, 'task'],
    ['create_pm', { type: 'Fwd', name: 'a' }, 'task'],
    ['create_pm', { type: 'Fwd', host: 'mh-zz' }, 'task'],
    ['delete_pm', { name: 'zz' }, 'task'],
    ['delete_pm', { name: 'a' }, 'task'],
    ['create_connections', { switch_name: 'other', switch_table_id: 5, alloc: oneWay(net, sink) }, 'task'],
    ['create_connections', { switch_name: SWITCH, switch_table_id: 5, alloc: 'BASESYS=xen.clickos\nfwd :: FromNet("ip")\nfwd -> a :: Fwd( -> out\n' }, 'task'],
    ['create_connections', { switch_name: SWITCH, switch_table_id: 5, alloc: oneWay(net, sink).replace('[0]a :: Fwd()', '[0]c :: Fwd()') }, 'task'],
    ['create_connections', { switch_name: SWITCH, switch_table_id: 5, alloc: twoPorts(net, sink) }, 'task'],
    ['create_connections', { switch_name: SWITCH, switch_table_id: 5, alloc: oneWay(net, 'nosuchport') }, 'task'],
    ['create_connections', { switch_name: SWITCH, switch_table_id: 0, alloc: fwdChainRequest(net, sink) }, 'task'],
    ['delete_connections', { switch_name: 'other', switch_table_id: 0, alloc: fwdChainRequest(net, sink) }, 'task'],
    ['delete_connections', { switch_name: SWITCH, switch_table_id: 7, alloc: fwdChainRequest(net, sink) }, 'task'],
    ['delete_connections', { switch_name: SWITCH, switch_table_id: 0, alloc: 'BASESYS=xen.clickos\nx ::\n' }, 'task'],
  ])).map(reply);
  const errs = bad.map((r) => [r.code, r.value?.error]);
  t.same(errs, [
    [1, 'refused'], [1, 'refused'], [1, 'refused'], [1, 'no_pm'], [1, 'in_use'], [1, 'wrong_switch'], [1, 'refused'], [1, 'no_pm'], [1, 'refused'], [1, 'refused'], [1, 'refused'], [1, 'wrong_switch'], [1, 'no_connections'], [1, 'refused'],
  ], 'each refused with its error code');
  t.match(bad[0]!.message, /no processing module type 'Nope' is deployed/);
  t.match(bad[1]!.message, /a PM named 'a' exists already/);
  t.match(bad[2]!.message, /host mh-zz is not registered/);
  t.match(bad[4]!.message, /PM 'a' carries the connections of create_connections 4, 5: delete_connections first/);
  t.same(bad[4]!.value.connections, [4, 5]);
  t.match(bad[5]!.message, /create_connections failed, nothing installed: .*this openflowd drives switch 'llsw', not 'other'/);
  t.equal(bad[5]!.value.switch, SWITCH, 'details name the switch steered');
  t.match(bad[6]!.message, /^allocation:3:\d+: /, 'a malformed request: allocation:line:col');
  t.equal(bad[6]!.value.line, 3);
  t.equal(bad[7]!.message, "allocation:4:11: module 'c' is not a PM made by create_pm (create_connections joins existing PMs by name)", 'a module that is no PM of create_pm: where it is declared');
  t.same([bad[7]!.value.line, bad[7]!.value.col], [4, 11]);
  t.match(bad[8]!.message, /^allocation:6:\d+: module 'pm3' uses port 1, but its PM has 1 vif\(s\)/);
  t.match(bad[9]!.message, /ToNet 'tosink' 'nosuchport' is not a port of the switch/, 'a request the switch cannot carry: the planner\'s reason');
  t.match(bad[10]!.message, /these connections exist already in table 0 \(id 4\)/);
  t.match(bad[11]!.message, /connections 4 are on switch 'llsw', not 'other'; nothing removed/);
  t.match(bad[13]!.message, /^allocation:3:1: missing element class/, 'delete_connections parses too: line:col');
  t.equal((await dump()).length, before.flows, 'no flow added or removed');
  t.same(await journal(), before.journal, 'no create_pm or delete_pm sent');
  t.same(await records(), before.records, 'no record added or changed');
  t.ok(await ping(), 'traffic still flows');
  const pm3 = reply(await py(url, 'delete_pm', { name: 'pm3' }, 'task'));
  t.equal(pm3.code, 0, pm3.message);
  t.same((await journal()).slice(-1), ['delete_pm rd-3-1-pm3'], 'delete_pm deletes it at the host');
  t.same((await records()).map((r) => r.id), [1, 2, 4, 5], 'and its record');
  const held = await journal();

  // ---- resourced restarted: the low-level PMs and connections are its own, not orphans ----
  t.equal(await resourced.stop('SIGTERM'), 0, 'resourced stopped');
  await resourced.start(rdConfig);
  await waitFor('the stand-in host to register again', async () => ((reply(await py(url, 'list_hosts')).value as unknown[]).length ? true : undefined), 20_000);
  t.same((await records()).map((r) => [r.id, r.kind, r.state]), [[1, 'pm', 'installed'], [2, 'pm', 'installed'], [4, 'connections', 'installed'], [5, 'connections', 'installed']], 'the records are back from the store');
  const rc = reply(await py(url, 'reconcile', { dry_run: true }, 'task'));
  t.same(rc.value.map((x: { kind: string; allocation: number }) => `${x.kind} ${x.allocation}`), ['adopt 1', 'adopt 2', 'adopt 4', 'adopt 5'], 'reconciliation adopts them all: no orphan PM, no orphan flow');
  t.same(await journal(), held, 'nothing deleted at the host');
  t.equal((await flows(4)).length, 6, 'the flows stay');
  // The switch loses the connections' flows: reconcile puts them back, in their own table.
  await execa('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', ovs.target, 'cookie=5/-1']);
  const restored = reply(await py(url, 'reconcile', { dry_run: false }, 'task'));
  t.match(restored.value, [{ kind: 'adopt' }, { kind: 'adopt' }, { kind: 'adopt' }, { kind: 'restore_flows', allocation: 5, done: true }], restored.message);
  t.ok((await flows(5)).length === 2 && (await flows(5)).every((l) => /table=3,/.test(l)), 'connections 5 restored, in table 3');

  // ---- delete_connections, then delete_pm ----
  const dc = (await python(url, [
    ['delete_connections', { switch_name: SWITCH, switch_table_id: 0, alloc: fwdChainRequest(net, sink) }, 'task'],
    ['delete_connections', { switch_name: SWITCH, switch_table_id: 3, alloc: oneWay(net, sink) }, 'task'],
  ])).map(reply);
  t.same(dc.map((r) => r.code), [0, 0], dc.map((r) => r.message).join('; '));
  t.same([await flows(4), await flows(5)], [[], []], 'exactly their flows are gone');
  t.equal((await flows(0x77)).length, 1, "another cookie's flow stays");
  t.notOk(await ping(), 'traffic stops');
  const dp = (await python(url, [
    ['delete_pm', { name: 'b' }, 'task'],
    ['delete_pm', { name: 'a' }, 'task'],
    ['delete_pm', { name: 'a' }, 'task'],
  ])).map(reply);
  t.same(dp.map((r) => [r.code, r.value?.error ?? null]), [[0, null], [0, null], [1, 'no_pm']], dp.map((r) => r.message).join('; '));
  t.same((await journal()).slice(-2), ['delete_pm rd-2-1-b', 'delete_pm rd-1-1-a'], 'both PMs deleted at the host');
  t.same(await records(), [], 'no record left');
  const help = reply(await py(url, 'reconcile', { dry_run: true }, 'task'));
  t.same(help.value, [], 'and nothing for reconciliation to do');
});

t.test('install_allocation and delete_allocation are compound tasks of these steps', async (t) => {
  const { url } = await startResourced(t);
  await startStandins(t, url, [{ hostId: 'mh-c' }]);
  await waitFor('the host', async () => ((reply(await py(url, 'list_hosts')).value as unknown[]).length ? true : undefined));
  const help = (await python(url, [['system.methodHelp', 'install_allocation'], ['system.methodHelp', 'delete_allocation']])).map((h) => h.reply as unknown as string);
  t.match(help[0], /^task \(compound\): /, 'install_allocation: a compound task');
  t.match(help[1], /^task \(compound\): /, 'delete_allocation: a compound task');
  t.equal(reply(await py(url, 'deploy_pm', { name: 'Counting', src: COUNTING_SRC })).code, 0);
  const r = reply(await py(url, 'install_allocation', CHAIN, 'task'));
  t.same([r.code, r.value, r.message], [0, 1, 'allocation 1 installed: c1 on mh-c, c2 on mh-c'], 'its value is the allocation id, as before');
  t.equal(reply(await py(url, 'delete_pm', { name: 'c1' }, 'task')).value.error, 'no_pm', "an allocation's modules are not low-level PMs: delete_pm does not touch them");
  const d = reply(await py(url, 'delete_allocation', 1, 'task'));
  t.same([d.code, d.message], [0, 'allocation 1 deleted (2 PM(s))']);
  t.equal(reply(await py(url, 'delete_allocation', 1, 'task')).value.error, 'no_allocation');
});

t.test('a low-level PM whose host is lost is placed again and its connections steered to it (in-process steering, hosts behind uplinks)', async (t) => {
  const ovs = await startOvs('rlf');
  t.teardown(() => ovs.stop());
  const port: Record<string, number> = {};
  for (const [name, where] of [['llnet', 'net'], ['llsink', 'sink'], ['llupa', 'a'], ['llupb', 'b']] as const) port[name] = await ovs.addVethPort(name, 'eth0', `${ovs.swNs}-${where}`);
  const { url, rd, logs } = await startResourced(t, {
    bridge: 'xenovs0',
    switch: { driver: 'ofctl', target: ovs.target, uplinks: { 'mh-a': 'llupa', 'mh-b': 'llupb' } },
    hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 1500, pollMs: 20, taskTimeoutMs: 20_000 },
  });
  const [ha] = await startStandins(t, url, [
    { hostId: 'mh-a', totalMemoryMiB: 1024 },
    { hostId: 'mh-b', totalMemoryMiB: 1024 },
  ]);
  await waitFor('both hosts to heartbeat', () => (rd.hosts.live().filter((h) => h.heartbeats > 0).length === 2 ? true : undefined));
  t.equal(reply(await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0);
  const made = (await python(url, [
    ['create_pm', { type: 'Fwd', name: 'a', vifs: 2, host: 'mh-a' }, 'task'],
    ['create_pm', { type: 'Fwd', name: 'b', vifs: 2, host: 'mh-b' }, 'task'],
  ])).map(reply);
  t.same(made.map((m) => [m.code, m.value?.host]), [[0, 'mh-a'], [0, 'mh-b']], made.map((m) => m.message).join('; '));
  // In-process steering: the switch's name is config switch.target.
  const wrong = reply(await py(url, 'create_connections', { switch_name: 'llsw', switch_table_id: 0, alloc: fwdChainRequest('llnet', 'llsink') }, 'task'));
  t.same([wrong.value?.error, wrong.value?.switch], ['wrong_switch', ovs.target], wrong.message);
  const conn = reply(await py(url, 'create_connections', { switch_name: ovs.target, switch_table_id: 0, alloc: fwdChainRequest('llnet', 'llsink') }, 'task'));
  t.equal(conn.code, 0, conn.message);
  const id = conn.value.id as number;
  const flows = () => flowLines(ovs.target, `cookie=${id}/-1`);
  t.ok((await flows()).some((f) => f.includes(`output:${port.llupa}`)), "flows reach a through mh-a's uplink");

  await ha!.stop(); // no more heartbeats
  await waitFor('PM a to run on mh-b', () => (rd.lowPm('a')?.pms[0]?.host === 'mh-b' && !rd.lowPm('a')?.degraded ? true : undefined), 30_000);
  t.ok(logs.some((l) => /^audit: allocation \d+ healthy again/.test(l)), 'placed again and healthy');
  const now = await flows();
  t.equal(now.length, 6, 'the connections keep their six flows, under their cookie');
  t.notOk(now.some((f) => f.includes(`output:${port.llupa}`) || f.includes(`in_port=${port.llupa}`)), 'none points at the lost host');
  t.ok(now.some((f) => f.includes(`output:${port.llupb}`)), "they reach a through mh-b's uplink now");
  const dc = reply(await py(url, 'delete_connections', { switch_name: ovs.target, switch_table_id: 0, alloc: fwdChainRequest('llnet', 'llsink') }, 'task'));
  t.equal(dc.code, 0, dc.message);
  t.same(await flows(), [], 'deleted: no flow left');
  const dp = (await python(url, [['delete_pm', { name: 'a' }, 'task'], ['delete_pm', { name: 'b' }, 'task']])).map(reply);
  t.same(dp.map((r) => r.code), [0, 0], dp.map((r) => r.message).join('; '));
  t.same(rd.allocations.list(), [], 'no record left');
});

t.test('resourced killed (SIGKILL) during create_pm: restarted, it rolls the PM back — nothing orphaned', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-lowlevel-kill-'));
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  t.teardown(async () => {
    await resourced.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const rdConfig = join(dir, 'resourced.json');
  await writeFile(
    rdConfig,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: await freePort() },
      secret: { user: USER_SECRET, hosts: HOSTS_SECRET },
      folders: { patches: join(dir, 'rd-patches') },
      hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 5000, pollMs: 20, taskTimeoutMs: 20_000 },
      pm: { memoryMiB: 64 },
      placement: { timeLimitMs: 300 },
      store: { kind: 'sqlite', path: join(dir, 'resourced.db') },
    }),
  );
  const url = await resourced.start(rdConfig);
  // The stand-in takes 2 s per create_pm: resourced dies while hostd is making the guest.
  const [host] = await startStandins(t, url, [{ hostId: 'mh-k', createDelayMs: 2000 }]);
  const journal = async (): Promise<string[]> => (await host!.journal()).calls.map((x) => `${x.method} ${x.name}`);
  await waitFor('the stand-in host to register', async () => ((reply(await py(url, 'list_hosts')).value as unknown[]).length ? true : undefined));
  t.equal(reply(await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0);
  t.equal(reply(await py(url, 'create_pm', { type: 'Fwd', name: 'k' })).code, -1, 'create_pm submitted (a task)');
  await waitFor('hostd (the stand-in) to be making the guest', async () => ((await journal()).includes('create_pm rd-1-1-k') ? true : undefined));
  t.equal(await resourced.stop('SIGKILL'), null, 'resourced killed while the host creates the PM');
  await waitFor('the stand-in to finish the guest', async () => {
    const c = new XmlRpcClient({ url: host!.url, secret: STANDIN_SECRET });
    try {
      return ((await c.call('list_pms')) as { value: unknown[] }).value.length === 1 ? true : undefined;
    } finally {
      c.close();
    }
  });
  await resourced.start(rdConfig);
  await waitFor('the interrupted create_pm to be rolled back', async () => ((await journal()).includes('delete_pm rd-1-1-k') && (await python(url, [['get_pm_info', null]]))[0]!.reply!.value.allocations.length === 0 ? true : undefined), 30_000);
  t.same(await journal(), ['create_pm rd-1-1-k', 'delete_pm rd-1-1-k'], "the guest hostd was making is deleted");
  t.match(resourced.stderr, /audit: reconcile roll_back_install allocation 1/, 'by reconciliation, with an audit line');
  const c = new XmlRpcClient({ url: host!.url, secret: STANDIN_SECRET });
  t.same(((await c.call('list_pms')) as { value: unknown[] }).value, [], 'the host holds no PM');
  c.close();
  t.equal(reply(await py(url, 'delete_pm', { name: 'k' }, 'task')).value.error, 'no_pm', 'and no record of it is left');
});
