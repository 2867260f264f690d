// A resourced killed with SIGKILL at each step of an install and of a delete loses
// nothing and leaves nothing (issue 20; docs/controller-store.md): resourced and hostd run
// in dom0 as their own processes, resourced on its SQLite store and dom0's Open vSwitch.
// After each kill resourced is started again on the same file; its reconciliation must
// roll back an interrupted install, finish an interrupted delete and adopt a finished
// install, so that no domain, vif, XenStore node or flow is left that no allocation owns,
// and get_pm_info reports exactly the allocations that exist.
//   node dist/test/lab/controller-crash.test.js        (root, in dom0)
import t from 'tap';
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { pairSecrets, tearDownControllerPair, writeHostdConfig, writeResourcedConfig } from './controller-configs.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { call, domainNames, waitFor } from './helpers.js';

t.setTimeout(60 * 60_000);

const PREFIX = `cc-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const secrets = pairSecrets();
// A fixed port: hostd keeps calling the same URL across resourced's restarts.
const PORT = 7400 + (process.pid % 500);
/** One vif, in and out: the chain's traffic enters and leaves each module on its vif 0. */
const PASS = 'src :: FromDevice(0);\nsink :: ToDevice(0);\nsrc -> sink;\n';
const REQUEST = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=ccnet,nw_dst=10.78.0.2")
tosink :: ToNet("ccsink")
fwd -> a :: Pass() -> b :: Pass() -> tosink
`;

interface Info {
  allocations: Array<{ id: number; state: string; pms: Array<{ name: string; domid: number | null; status: string }> }>;
}

t.test('resourced killed at each step of an install and a delete: reconciled, nothing lost, nothing left', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'controller-crash-'));
  const ovs = await startDom0Ovs();
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  const vifBackends = async (): Promise<string[]> => (await execa('xenstore-list', ['/local/domain/0/backend/vif'], { reject: false })).stdout.split('\n').filter(Boolean).sort();
  const baseline = await vifBackends();
  let user: XmlRpcClient | undefined;
  t.teardown(async () => {
    user?.close();
    await tearDownControllerPair({ prefix: PREFIX, dir, hostd, resourced, ovs });
  });
  await ovs.addHost('ccnet', 'cc-net', '10.78.0.1/24');
  await ovs.addHost('ccsink', 'cc-sink', '10.78.0.2/24');
  const rdConfig = await writeResourcedConfig(dir, {
    prefix: PREFIX,
    hostId: HOST_ID,
    secrets,
    bridge: ovs.bridge,
    extra: { listen: { host: '127.0.0.1', port: PORT }, switch: { driver: 'ofctl', target: ovs.bridge } },
  });
  const startResourced = async (): Promise<void> => {
    user?.close();
    user = new XmlRpcClient({ url: await resourced.start(rdConfig), secret: secrets.user, timeoutMs: 60_000 });
  };
  await startResourced();
  await hostd.start(await writeHostdConfig(dir, { name: `hostd-${PREFIX}`, hostId: HOST_ID, secrets, controllerUrl: `http://127.0.0.1:${PORT}/` }));
  const hostLive = () =>
    waitFor('hostd to be registered', async () => {
      const hosts = (await call(user!, 'list_hosts')).value as Array<{ host_id: string; heartbeats: number }>;
      return hosts.some((h) => h.host_id === HOST_ID && h.heartbeats > 0) ? true : undefined;
    }, 120_000);
  await hostLive();
  t.equal((await call(user!, 'deploy_pm', { name: 'Pass', src: PASS })).code, 0, 'the module type is deployed');

  const info = async (): Promise<Info> => (await call(user!, 'get_pm_info')).value as unknown as Info;
  const cookies = async (): Promise<string[]> => (await ovs.ofctl('dump-flows', ovs.bridge)).split('\n').map((l) => /cookie=(0x[0-9a-f]+)/.exec(l)?.[1]).filter((c): c is string => c !== undefined && c !== '0x0');
  /** Kills resourced when it prints `line` during `act`, starts it again, waits until its records settle. */
  const crashAt = async (line: RegExp, act: () => Promise<unknown>): Promise<string> => {
    const killed = resourced.killOn(line);
    const acting = act().catch((e: Error) => e);
    // The act must not finish before resourced reaches the line: that would be a failed test, not a hang.
    const first = await Promise.race([killed, acting.then((rv) => ({ finished: rv }))]);
    if (typeof first !== 'string') throw new Error(`resourced never printed ${line}; the call answered ${JSON.stringify(first.finished)}`);
    const seen = first;
    await resourced.exited;
    await acting;
    await startResourced();
    await hostLive();
    // Reconciliation runs at start; a reconcile call waits for it and must find nothing more to do.
    const again = (await call(user!, 'reconcile')).value as Array<{ kind: string }>;
    t.same(again.filter((a) => a.kind !== 'adopt'), [], `after the kill at "${seen.trim()}": a second reconcile finds nothing to do`);
    return seen;
  };
  const nothingLeft = async (what: string): Promise<void> => {
    t.same((await info()).allocations, [], `${what}: no allocation recorded`);
    t.same((await domainNames()).filter((n) => n.startsWith(PREFIX)), [], `${what}: no domain left`);
    t.same((await ovs.ports()).sort(), ['ccnet', 'ccsink'], `${what}: no vif left on the switch`);
    t.same(await vifBackends(), baseline, `${what}: no vif backend left in XenStore`);
    t.same(await cookies(), [], `${what}: no flow left`);
  };

  // Install, killed before and while its PMs are made, and while its flows go in: rolled back.
  for (const [label, line] of [
    ['placed', /allocation \d+: placed/],
    ['second create_pm sent', /create_pm \S+-b \(b :: Pass\)/],
    ['flows going in', /allocation \d+: installing its flows/],
  ] as const) {
    await crashAt(line, () => call(user!, 'install_allocation', REQUEST));
    await nothingLeft(`install killed at "${label}"`);
  }

  // Killed just after an install completed: adopted as it is.
  await crashAt(/flow\(s\) installed/, () => call(user!, 'install_allocation', REQUEST));
  const [adopted] = (await info()).allocations;
  t.equal(adopted?.state, 'installed', 'the finished install is recorded as installed');
  t.equal(adopted?.pms.length, 2, 'with both its PMs');
  t.same((await domainNames()).filter((n) => n.startsWith(PREFIX)).sort(), adopted!.pms.map((p) => p.name).sort(), 'its two domains run');
  t.equal((await cookies()).length, 3, 'its three flows are on the switch');

  t.equal(adopted?.id, 4, 'allocation ids are not reused after restarts (1-3 were rolled back)');

  // Delete, killed after its flows and its first PM went, and before its flows went: finished.
  await crashAt(/deleted \S+ on /, () => call(user!, 'delete_allocation', adopted!.id));
  await nothingLeft('delete killed after its first PM');
  const second = await call(user!, 'install_allocation', REQUEST);
  t.equal(second.code, 0, second.message);
  await crashAt(/removing it \(delete_allocation\)/, () => call(user!, 'delete_allocation', second.value));
  await nothingLeft('delete killed before its flows went');

  t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
  t.equal(await resourced.stop('SIGTERM'), 0, 'resourced: a clean exit');
});
