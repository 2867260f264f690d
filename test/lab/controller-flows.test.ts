// From an allocation request to traffic through real guests (controller/README.md, "openflowd:
// from an allocation request to traffic through its modules"; docs/architecture.md): resourced,
// openflowd and hostd run in dom0 as their own processes; resourced reaches openflowd over
// XML-RPC only (config.switch.driver "openflowd"), openflowd drives dom0's Open vSwitch
// bridge (ovs-ofctl), hostd puts the guests' vifs on that bridge (vif-openvswitch). A two-way chain of two
// ClickOS-protocol guests, each forwarding between its two vifs while Running: a
// datagram from the "net" namespace reaches "sink" only through both guests and its
// echo comes back the reverse way; counters show every hop; delete_allocation removes
// exactly its flows and the guests, and traffic stops. openflowd killed mid-install (it
// carried install_flows out; its answer was lost, test/support/answer-dropping-relay.ts):
// the install is rolled back, and the flows it left are reconciled away once it is back.
//   node dist/test/lab/controller-flows.test.js        (root, in dom0)
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { AnswerDroppingRelay } from '../support/answer-dropping-relay.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { FWD_SRC } from '../support/flows-chain.js';
import { flowLines } from '../support/ovs.js';
import { addNetAndSink, hostdLive, pairSecrets, tearDownControllerPair, writeHostdConfig, writeResourcedConfig, type LabEnds } from './controller-configs.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { call, domainNames, waitFor } from './helpers.js';

t.setTimeout(60 * 60_000);

const PREFIX = `cf-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const secrets = pairSecrets();
const OPENFLOWD_SECRET = randomBytes(24).toString('hex');

const ours = async (): Promise<string[]> => (await domainNames()).filter((n) => n.startsWith(PREFIX)).sort();

t.test('an allocation steers traffic through two real guests on dom0 OVS', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'controller-flows-'));
  const ovs = await startDom0Ovs();
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  let relay: AnswerDroppingRelay | undefined;
  let user: XmlRpcClient | undefined;
  let ends: LabEnds | undefined;
  t.teardown(async () => {
    user?.close();
    await ends?.stop();
    await relay?.stop();
    await openflowd.stop('SIGKILL');
    await tearDownControllerPair({ prefix: PREFIX, dir, hostd, resourced, ovs });
  });

  ends = await addNetAndSink(ovs, 'cf');
  const { ping, request } = ends;

  // openflowd, reached through a relay that can lose one answer
  const ofConfig = join(dir, 'openflowd.json');
  await writeFile(ofConfig, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, secret: { resourced: OPENFLOWD_SECRET }, folders: { patches: join(dir, 'openflowd-patches') }, switch: { driver: 'ofctl', target: ovs.bridge } }));
  const ofPort = Number(new URL(await openflowd.start(ofConfig)).port);
  await writeFile(ofConfig, JSON.stringify({ ...JSON.parse(await readFile(ofConfig, 'utf8')), listen: { host: '127.0.0.1', port: ofPort } }));
  relay = new AnswerDroppingRelay({ host: '127.0.0.1', port: ofPort });
  const sw = { driver: 'openflowd', url: `http://127.0.0.1:${await relay.start()}/RPC2`, secret: OPENFLOWD_SECRET };
  const rdConfig = await writeResourcedConfig(dir, { prefix: PREFIX, hostId: HOST_ID, secrets, bridge: ovs.bridge, extra: { switch: sw } });
  const rdUrl = await resourced.start(rdConfig);
  user = new XmlRpcClient({ url: rdUrl, secret: secrets.user, timeoutMs: 60_000 });
  const hdConfig = await writeHostdConfig(dir, { name: `hostd-${PREFIX}`, hostId: HOST_ID, secrets, controllerUrl: rdUrl });
  await hostd.start(hdConfig);
  await hostdLive(user, HOST_ID);
  t.equal((await call(user, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0, 'the forwarding module type is deployed');

  t.notOk(await ping(), 'before the allocation: the secure-mode bridge forwards nothing');
  const rv = await call(user, 'install_allocation', request);
  t.equal(rv.code, 0, rv.message);
  t.match(rv.message, /; 6 flow\(s\) installed$/);
  const id = rv.value as number;
  const info = (await call(user, 'get_pm_info')).value as { allocations: Array<{ id: number; pms: Array<{ module: string; domid: number }> }> };
  const pms = info.allocations.find((a) => a.id === id)!.pms;
  const vifs = pms.flatMap((p) => [`vif${p.domid}.0`, `vif${p.domid}.1`]);
  t.same((await ovs.ports()).sort(), ['cfnet', 'cfsink', ...vifs].sort(), 'both guests\' two vifs are ports of the OVS bridge');

  t.ok(await waitFor('a datagram through both guests and back', async () => ((await ping()) ? true : undefined), 120_000), 'net → a → b → sink, and the echo back through b and a');
  const flowsOf = (cookie: number): Promise<string[]> => flowLines(ovs.bridge, `cookie=${cookie}/-1`);
  const flows = (): Promise<string[]> => flowsOf(id);
  const all = await waitFor('every flow of the allocation to count a packet', async () => {
    const f = await flows();
    return f.length === 6 && f.every((l) => !/n_packets=0,/.test(l)) ? f : undefined;
  }, 30_000);
  t.equal(all.length, 6, 'six flows under the allocation\'s cookie, each counted packets (every hop, both ways)');
  for (const p of pms) {
    const port = await ovs.port(`vif${p.domid}.1`);
    t.ok(all.some((l) => new RegExp(`\\bin_port=${port}\\b`).test(l)), `traffic left module ${p.module} through its second vif (port ${port})`);
  }

  const d = await call(user, 'delete_allocation', id);
  t.equal(d.code, 0, d.message);
  t.same(await flows(), [], 'no flow of the allocation remains');
  t.notOk(await ping(), 'traffic stops');
  t.ok(await waitFor('the guests to be gone', async () => ((await ours()).length === 0 ? true : undefined), 120_000));
  t.same((await ovs.ports()).sort(), ['cfnet', 'cfsink'], 'their vifs left the bridge');

  const bad = await call(user, 'install_allocation', request.replace('ToNet("cfsink")', 'ToNet("nosuchport")'));
  t.equal(bad.code, 1);
  t.match(bad.message, /^install_allocation failed at the switch: openflowd install_flows: .*ToNet 'tosink' 'nosuchport' is not a port of the switch; rolled back 2 of 2 PM\(s\)$/);
  t.ok(await waitFor('no guest left', async () => ((await ours()).length === 0 ? true : undefined), 120_000), 'the guests were rolled back');
  t.same(await flowLines(ovs.bridge), [], 'no flow at all on the switch');

  // openflowd killed mid-install: it installed the flows, its answer never came back
  const dropped = relay.dropNextAnswer(/install_flows/, () => openflowd.stop('SIGKILL'));
  const cut = await call(user, 'install_allocation', request);
  t.match(await Promise.race([dropped, new Promise((r) => setTimeout(r, 1000, 'no answer was dropped'))]), /install_flows/, 'openflowd took install_flows and was killed before answering');
  t.equal(cut.code, 1, cut.message);
  t.match(cut.message, /^install_allocation failed at the switch: .*; rolled back 2 of 2 PM\(s\)$/);
  const cutId = (cut.value as { id: number }).id;
  t.equal((await flowsOf(cutId)).length, 6, 'its six flows are on the switch, and nothing can remove them while openflowd is dead');
  t.ok(await waitFor('the guests to be rolled back', async () => ((await ours()).length === 0 ? true : undefined), 120_000), 'no guest left');
  await openflowd.start(ofConfig);
  t.ok(await waitFor('resourced to reconcile the orphan flows away', async () => ((await flowsOf(cutId)).length === 0 ? true : undefined), 120_000), 'openflowd back: no flow left over');
  t.ok(await waitFor('resourced to say it reconciled', () => (/switch: answering again; reconciled/.test(resourced.stderr) ? true : undefined), 60_000), 'resourced reconciled once openflowd answered');
  t.equal(await openflowd.stop('SIGTERM'), 0, 'openflowd: a clean exit');
  t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
  t.equal(await resourced.stop('SIGTERM'), 0, 'resourced: a clean exit');
});
