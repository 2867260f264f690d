// resourced's low-level API (D3.2 §2.1.2; controller/resourced/README.md "Low-level API")
// against the REAL hostd and real ClickOS guests in dom0, with dom0's Open vSwitch as the
// switch (ovs-ofctl driver; its name for create_connections is the bridge): create_pm
// makes two forwarding guests, create_connections steers a datagram from the "net"
// namespace through both to "sink" and back; resourced restarted keeps them (reconcile
// adopts, deletes nothing); delete_connections stops the traffic, delete_pm removes the
// guests. Bad input (unknown type, wrong switch) leaves no guest and no flow.
//   node dist/test/lab/controller-lowlevel.test.js        (root, in dom0)
import t from 'tap';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { freePort } from '../../lab/free-port.js';
import { FWD_SRC } from '../support/flows-chain.js';
import { flowLines } from '../support/ovs.js';
import { addNetAndSink, hostdLive, pairSecrets, tearDownControllerPair, writeHostdConfig, writeResourcedConfig, type LabEnds } from './controller-configs.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { call, domainNames, waitFor } from './helpers.js';

t.setTimeout(60 * 60_000);

const PREFIX = `cl-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const secrets = pairSecrets();

const ours = async (): Promise<string[]> => (await domainNames()).filter((n) => n.startsWith(PREFIX)).sort();

t.test('the low-level API through the real hostd and dom0 OVS', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'controller-lowlevel-'));
  const ovs = await startDom0Ovs();
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  let user: XmlRpcClient | undefined;
  let ends: LabEnds | undefined;
  t.teardown(async () => {
    user?.close();
    await ends?.stop();
    await tearDownControllerPair({ prefix: PREFIX, dir, hostd, resourced, ovs });
  });

  // The modules of ends.request are the PMs create_pm names a and b.
  ends = await addNetAndSink(ovs, 'cl');
  const { ping, request } = ends;
  const allFlows = (): Promise<string[]> => flowLines(ovs.bridge);

  // A fixed port: hostd finds the restarted resourced at the same URL.
  const listen = { host: '127.0.0.1', port: await freePort() };
  const rdConfig = await writeResourcedConfig(dir, { prefix: PREFIX, hostId: HOST_ID, secrets, bridge: ovs.bridge, extra: { listen, switch: { driver: 'ofctl', target: ovs.bridge } } });
  const rdUrl = await resourced.start(rdConfig);
  user = new XmlRpcClient({ url: rdUrl, secret: secrets.user, timeoutMs: 60_000 });
  const hdConfig = await writeHostdConfig(dir, { name: `hostd-${PREFIX}`, hostId: HOST_ID, secrets, controllerUrl: rdUrl });
  await hostd.start(hdConfig);
  const registered = () => hostdLive(user!, HOST_ID);
  await registered();
  t.equal((await call(user, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0, 'the forwarding module type is deployed');

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

  const wrong = await call(user, 'create_connections', { switch_name: 'nosuchswitch', switch_table_id: 0, alloc: request });
  t.same([wrong.code, (wrong.value as { error?: string }).error], [1, 'wrong_switch'], wrong.message);
  t.same(await allFlows(), [], 'the wrong switch: no flow');

  t.notOk(await ping(), 'no connections yet: the secure-mode bridge forwards nothing');
  const conn = await call(user, 'create_connections', { switch_name: ovs.bridge, switch_table_id: 0, alloc: request });
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

  const dc = await call(user, 'delete_connections', { switch_name: ovs.bridge, switch_table_id: 0, alloc: request });
  t.equal(dc.code, 0, dc.message);
  t.same(await flowLines(ovs.bridge, `cookie=${id}/-1`), [], 'exactly its flows are gone');
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
