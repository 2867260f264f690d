// resourced's low-level API (D3.2 §2.1.2; controller/resourced/README.md "Low-level API")
// against the REAL hostd and real ClickOS guests in dom0, with dom0's Open vSwitch as the
// switch (ovs-ofctl driver; its name for create_connections is the bridge): create_pm
// makes two forwarding guests, create_connections steers a datagram from the "net"
// namespace through both to "sink" and back; resourced restarted keeps them (reconcile
// adopts, deletes nothing); delete_connections stops the traffic, delete_pm removes the
// guests. Bad input (unknown type, wrong switch) leaves no guest and no flow.
//   node dist/test/lab/controller-lowlevel.test.js        (root, in dom0)
import t from 'tap';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { ECHO, SEND } from '../support/flows-chain.js';
import { tearDownControllerPair, writeHostdConfig, writeResourcedConfig } from './controller-configs.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { call, domainNames, waitFor } from './helpers.js';

t.setTimeout(60 * 60_000);

const PREFIX = `cl-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const HOSTD_SECRET = randomBytes(24).toString('hex');
const HOSTS_SECRET = randomBytes(24).toString('hex');
const USER_SECRET = randomBytes(24).toString('hex');
const FWD = 'in0 :: FromDevice(0);\nout1 :: ToDevice(1);\nin1 :: FromDevice(1);\nout0 :: ToDevice(0);\nin0 -> out1;\nin1 -> out0;\n';
// The modules are the PMs create_pm named a and b.
const REQUEST = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=clnet,nw_dst=10.77.0.2")
rev :: FromNet("ip,in_port=clsink,nw_src=10.77.0.2")
tosink :: ToNet("clsink")
tonet :: ToNet("clnet")
fwd -> [0]a :: Fwd() [1] -> [0]b :: Fwd() [1] -> tosink
rev -> [1]b[0] -> [1]a[0] -> tonet
`;

const ours = async (): Promise<string[]> => (await domainNames()).filter((n) => n.startsWith(PREFIX)).sort();

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

t.test('the low-level API through the real hostd and dom0 OVS', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'controller-lowlevel-'));
  const ovs = await startDom0Ovs();
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  let user: XmlRpcClient | undefined;
  let echo: ReturnType<typeof execa> | undefined;
  t.teardown(async () => {
    user?.close();
    echo?.kill('SIGKILL');
    await echo?.catch(() => {});
    await tearDownControllerPair({ prefix: PREFIX, dir, hostd, resourced, ovs });
  });

  const macs = { net: await ovs.addHost('clnet', 'cl-net', '10.77.0.1/24'), sink: await ovs.addHost('clsink', 'cl-sink', '10.77.0.2/24') };
  await execa('ip', ['-n', 'cl-net', 'neigh', 'replace', '10.77.0.2', 'lladdr', macs.sink, 'dev', 'eth0', 'nud', 'permanent']);
  await execa('ip', ['-n', 'cl-sink', 'neigh', 'replace', '10.77.0.1', 'lladdr', macs.net, 'dev', 'eth0', 'nud', 'permanent']);
  echo = execa('ip', ['netns', 'exec', 'cl-sink', 'python3', '-c', ECHO], { reject: false, stdio: 'ignore' });
  const ping = async (): Promise<boolean> => (await execa('ip', ['netns', 'exec', 'cl-net', 'python3', '-c', SEND], { reject: false })).exitCode === 0;
  const allFlows = async (): Promise<string[]> => (await ovs.ofctl('--no-names', 'dump-flows', ovs.bridge)).split('\n').filter((l) => l.includes('cookie='));

  // A fixed port: hostd finds the restarted resourced at the same URL.
  const secrets = { hostd: HOSTD_SECRET, hosts: HOSTS_SECRET, user: USER_SECRET };
  const listen = { host: '127.0.0.1', port: await freePort() };
  const rdConfig = await writeResourcedConfig(dir, { prefix: PREFIX, hostId: HOST_ID, secrets, bridge: ovs.bridge, extra: { listen, switch: { driver: 'ofctl', target: ovs.bridge } } });
  const rdUrl = await resourced.start(rdConfig);
  user = new XmlRpcClient({ url: rdUrl, secret: USER_SECRET, timeoutMs: 60_000 });
  const hdConfig = await writeHostdConfig(dir, { name: `hostd-${PREFIX}`, hostId: HOST_ID, secrets, controllerUrl: rdUrl });
  await hostd.start(hdConfig);
  const registered = () =>
    waitFor('hostd to register and heartbeat', async () => {
      const hosts = (await call(user!, 'list_hosts')).value as Array<{ host_id: string; heartbeats: number; free_memory_mib: number | null }>;
      return hosts.some((h) => h.host_id === HOST_ID && h.heartbeats > 0 && h.free_memory_mib !== null) ? true : undefined;
    }, 120_000);
  await registered();
  t.equal((await call(user, 'deploy_pm', { name: 'Fwd', src: FWD })).code, 0, 'the forwarding module type is deployed');

  const unknown = await call(user, 'create_pm', { type: 'Nope' });
  t.same([unknown.code, (unknown.value as { error?: string }).error], [1, 'refused'], unknown.message);
  t.same(await ours(), [], 'an unknown type: no guest');

  const a = await call(user, 'create_pm', { type: 'Fwd', name: 'a', vifs: 2 });
  t.equal(a.code, 0, a.message);
  const b = await call(user, 'create_pm', { type: 'Fwd', name: 'b', vifs: 2, host: HOST_ID });
  t.equal(b.code, 0, b.message);
  const pa = a.value as { guest: string; domid: number };
  const pb = b.value as { guest: string; domid: number };
  t.same(await ours(), [pa.guest, pb.guest].sort(), 'xl list shows both guests');
  t.same((await ovs.ports()).sort(), ['clnet', 'clsink', `vif${pa.domid}.0`, `vif${pa.domid}.1`, `vif${pb.domid}.0`, `vif${pb.domid}.1`].sort(), 'their vifs are ports of the bridge');

  const wrong = await call(user, 'create_connections', { switch_name: 'nosuchswitch', switch_table_id: 0, alloc: REQUEST });
  t.same([wrong.code, (wrong.value as { error?: string }).error], [1, 'wrong_switch'], wrong.message);
  t.same(await allFlows(), [], 'the wrong switch: no flow');

  t.notOk(await ping(), 'no connections yet: the secure-mode bridge forwards nothing');
  const conn = await call(user, 'create_connections', { switch_name: ovs.bridge, switch_table_id: 0, alloc: REQUEST });
  t.equal(conn.code, 0, conn.message);
  const { id, flows } = conn.value as { id: number; flows: number };
  t.equal(flows, 6);
  t.ok(await waitFor('a datagram through both guests and back', async () => ((await ping()) ? true : undefined), 120_000), 'net → a → b → sink, and the echo back');

  t.equal(await resourced.stop('SIGTERM'), 0, 'resourced stopped');
  await resourced.start(rdConfig);
  await registered();
  const rc = await call(user, 'reconcile', { dry_run: true });
  t.same((rc.value as Array<{ kind: string }>).map((x) => x.kind), ['adopt', 'adopt', 'adopt'], 'restarted: both PMs and the connections adopted, no orphan');
  t.same(await ours(), [pa.guest, pb.guest].sort(), 'the guests still run');
  t.ok(await ping(), 'and traffic still flows');

  const dc = await call(user, 'delete_connections', { switch_name: ovs.bridge, switch_table_id: 0, alloc: REQUEST });
  t.equal(dc.code, 0, dc.message);
  t.same((await ovs.ofctl('--no-names', 'dump-flows', ovs.bridge, `cookie=${id}/-1`)).split('\n').filter((l) => l.includes('cookie=')), [], 'exactly its flows are gone');
  t.notOk(await ping(), 'traffic stops');
  for (const name of ['b', 'a']) {
    const d = await call(user, 'delete_pm', { name });
    t.equal(d.code, 0, d.message);
  }
  t.ok(await waitFor('the guests to be gone', async () => ((await ours()).length === 0 ? true : undefined), 120_000));
  t.same(((await call(user, 'get_pm_info')).value as { allocations: unknown[] }).allocations, [], 'no record left');
  t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
  t.equal(await resourced.stop('SIGTERM'), 0, 'resourced: a clean exit');
});
