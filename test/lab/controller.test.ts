// resourced against the REAL hostd in dom0 on real Xen, with real ClickOS guests (the
// unit tests cannot run hostd: it needs Xen). Both run as their own processes,
// as systemd would start them: hostd registers with resourced and heartbeats; a
// two-module chain is installed (two guests running, seen by `xl list` and hostd's
// list_pms), then deleted; an allocation whose second module the guest rejects
// (Counter(bogus): it passes the checker, ClickOS's configure refuses it in the guest)
// rolls back the first. Teardown destroys every domain with the test's prefix.
//   node dist/test/lab/controller.test.js        (root, in dom0)
import t from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { Xl } from '../../toolstack/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { writeHostdConfig, writeResourcedConfig } from './controller-configs.js';
import { call, domainNames, waitFor, xl as runXl } from './helpers.js';

// Plain `node` runs this file: tap's 30 s default would cut a guest boot under emulation.
t.setTimeout(60 * 60_000);

const xl = new Xl({ timeoutMs: 300_000 });
const PREFIX = `rc-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const HOSTD = `hostd-rc-${process.pid}`;
const HOSTD_SECRET = randomBytes(24).toString('hex');
const HOSTS_SECRET = randomBytes(24).toString('hex'); // what hostd presents to resourced
const USER_SECRET = randomBytes(24).toString('hex');
const HOSTD_MAIN = join(projectRoot, 'dist', 'hostd', 'main.js');
const RESOURCED_MAIN = join(projectRoot, 'dist', 'controller', 'resourced', 'main.js');
const COUNTING = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
// Passes clickos-build's checker (vif numbers are not its business) but the guest has one vif.
const NO_VIF3 = 'src :: FromDevice(0);\nc :: Counter(bogus);\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
const CHAIN = 'BASESYS=xen.clickos\nin :: FromNet("ip,nw_dst=10.0.0.1")\nout :: ToNet("tun1")\nc1 :: Counting()\nc2 :: Counting()\nin -> c1 -> c2 -> out\n';
const FAILING = 'BASESYS=xen.clickos\nin :: FromNet("ip,nw_dst=10.0.0.2")\nout :: ToNet("tun1")\nok1 :: Counting()\nbad :: NoVif3()\nin -> ok1 -> bad -> out\n';

const ours = async (): Promise<string[]> => (await domainNames()).filter((n) => n.startsWith(PREFIX)).sort();

t.test('resourced installs and rolls back through the real hostd', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'controller-lab-'));
  const resourced = new DaemonProcess('resourced', RESOURCED_MAIN);
  const hostd = new DaemonProcess('hostd', HOSTD_MAIN);
  let user: XmlRpcClient | undefined;
  let hostdClient: XmlRpcClient | undefined;
  t.teardown(async () => {
    user?.close();
    hostdClient?.close();
    await hostd.stop('SIGKILL').catch(() => {});
    await resourced.stop('SIGKILL').catch(() => {});
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    await runXl('list').catch(() => {}); // settle
    await new Promise<void>((r) => execFile('xenstore-rm', [`/local/domain/0/clickos-toolstack/hostd/${HOSTD}`], () => r()));
    await rm(dir, { recursive: true, force: true });
  });

  // resourced first: hostd registers with it.
  const secrets = { hostd: HOSTD_SECRET, hosts: HOSTS_SECRET, user: USER_SECRET };
  const rdConfig = await writeResourcedConfig(dir, { prefix: PREFIX, hostId: HOST_ID, secrets, bridge: 'xenbr0', extra: { auditLog: join(dir, 'resourced-audit.jsonl') } });
  const rdUrl = await resourced.start(rdConfig);
  user = new XmlRpcClient({ url: rdUrl, secret: USER_SECRET, timeoutMs: 60_000 });

  const hdConfig = await writeHostdConfig(dir, { name: HOSTD, hostId: HOST_ID, secrets, controllerUrl: rdUrl });
  const hdUrl = await hostd.start(hdConfig);
  hostdClient = new XmlRpcClient({ url: hdUrl, secret: HOSTD_SECRET, timeoutMs: 60_000 });

  await t.test('hostd registers and heartbeats with its host_stats', async (t) => {
    const hosts = await waitFor('hostd to register and send a heartbeat', async () => {
      const rv = await call(user!, 'list_hosts');
      const h = (rv.value as Array<{ host_id: string; heartbeats: number; free_memory_mib: number | null }>).find((x) => x.host_id === HOST_ID);
      return h && h.heartbeats > 0 && h.free_memory_mib !== null ? h : undefined;
    }, 120_000);
    t.match(hosts, { host_id: HOST_ID, url: hdUrl });
    t.ok((hosts as unknown as { cores: number }).cores >= 1);
    t.ok(hosts.free_memory_mib! >= 2 * 96, `${hosts.free_memory_mib} MiB free: room for two guests`);
    t.match(hostd.stderr, new RegExp(`controller: registered at \\S+ as ${HOST_ID}`));
  });

  await t.test('deploy_pm: the two module types', async (t) => {
    t.equal((await call(user!, 'deploy_pm', { name: 'Counting', src: COUNTING })).code, 0);
    t.equal((await call(user!, 'deploy_pm', { name: 'NoVif3', src: NO_VIF3 })).code, 0);
    // A syntax error: refused with or without the element catalog in dom0.
    const bad = await call(user!, 'deploy_pm', { name: 'Bad', src: 'src :: FromDevice(0) -> ;\n' });
    t.equal(bad.code, 1, 'a source the checker refuses is not deployed');
  });

  let id = 0;
  await t.test('install_allocation: two guests run', async (t) => {
    const rv = await call(user!, 'install_allocation', CHAIN);
    t.equal(rv.code, 0, rv.message);
    id = rv.value as number;
    const names = [`${PREFIX}-${id}-1-c1`, `${PREFIX}-${id}-2-c2`];
    t.same(await ours(), names, 'xl list shows both guests');
    const pms = (await call(hostdClient!, 'list_pms')).value as Array<{ domid: number; name: string; routers: Array<{ status: string; configName: string }> }>;
    t.same(pms.map((p) => p.name).sort(), names, "hostd's list_pms shows both");
    for (const p of pms) t.match(p.routers, [{ status: 'Running', configName: 'Counting' }]);
    const info = (await call(user!, 'get_pm_info')).value as { allocations: Array<{ id: number; state: string; pms: Array<{ module: string; host: string; domid: number; name: string }> }> };
    const a = info.allocations.find((x) => x.id === id)!;
    t.equal(a.state, 'installed');
    for (const p of a.pms) {
      t.equal(p.host, HOST_ID);
      t.equal((await runXl('domid', p.name)).stdout.trim(), String(p.domid), `${p.name}: the domid recorded is the domain's`);
    }
  });

  await t.test('delete_allocation removes them', async (t) => {
    const rv = await call(user!, 'delete_allocation', id);
    t.equal(rv.code, 0, rv.message);
    t.ok(await waitFor('the guests to be gone', async () => ((await ours()).length === 0 ? true : undefined), 120_000));
    t.same((await call(hostdClient!, 'list_pms')).value, []);
    t.same(((await call(user!, 'get_pm_info')).value as { allocations: unknown[] }).allocations, []);
  });

  await t.test('the second module fails in the guest: the first is rolled back', async (t) => {
    const rv = await call(user!, 'install_allocation', FAILING);
    t.equal(rv.code, 1);
    t.match(rv.message, new RegExp(`failed at step 2/2: create_pm of module 'bad' on host ${HOST_ID}: create_pm ${PREFIX}-\\d+-2-bad failed: [^]*failed to initialise`));
    t.match(rv.message, /Router init failed/, "ClickOS's console lines say why");
    const v = rv.value as { id: number; failed: { step: number; module: string; host: string }; rolledBack: string[]; notRolledBack: unknown[] };
    t.match(v.failed, { step: 2, module: 'bad', host: HOST_ID });
    t.same(v.rolledBack, [`${PREFIX}-${v.id}-1-ok1`]);
    t.same(v.notRolledBack, []);
    t.ok(await waitFor('no guest of the test left', async () => ((await ours()).length === 0 ? true : undefined), 120_000));
    t.same((await call(hostdClient!, 'list_pms')).value, []);
    t.same(((await call(user!, 'get_pm_info')).value as { allocations: unknown[] }).allocations, []);
  });

  await t.test('a malformed request installs nothing', async (t) => {
    const rv = await call(user!, 'install_allocation', 'BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("t")\nc :: Countng()\nin -> c -> out\n');
    t.equal(rv.code, 1);
    t.match(rv.message, /^allocation:4:1: unknown processing module type 'Countng'/);
    t.same(await ours(), []);
  });

  await t.test('nothing with the test prefix remains', async (t) => {
    t.same(await ours(), [], `no domain named ${PREFIX}*`);
    t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
    t.equal(await resourced.stop('SIGTERM'), 0, 'resourced: a clean exit');
  });
});
