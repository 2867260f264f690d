// The three drivers against real Open vSwitch: the native OpenFlow 1.3 channel (the
// switch connects to us; restarting ovs-vswitchd brings the flows back) and ovs-ofctl over
// SSH to a real sshd; both dump the same flows as local ovs-ofctl, and a flow the switch
// refuses rolls back every flow of its cookie. Over SSH also the bridge's sFlow export
// (ovs-vsctl on the same connection: openflowd's set_sampling).
import t, { type Test } from 'tap';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseAllocation } from '../../clickos-build/allocation.js';
import { normaliseDump, type Flow } from '../../controller/openflow/model.js';
import { FlowInstallError, type SwitchDriver } from '../../controller/openflowd/driver.js';
import { FlowPlanError } from '../../controller/openflowd/flows.js';
import { NativeDriver } from '../../controller/openflowd/native-driver.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { Openflowd } from '../../controller/openflowd/openflowd.js';
import { createSshDriver } from '../../controller/openflowd/ssh-driver.js';
import { startChainLab, type ChainLab } from '../support/flows-chain.js';
import { startSshd } from '../support/sshd.js';

// Two private switches and an sshd take ~25 s alone, past tap's 30 s default on a busy
// machine; a file killed for its timeout runs no teardown and leaves its switch behind.
t.setTimeout(120_000);

const COOKIE = 0xa110cn;

function alloc(lab: ChainLab) {
  return { id: COOKIE, request: parseAllocation(lab.request, 'chain'), modulePorts: { a: [lab.ports.a], b: [lab.ports.b] } };
}

/** A good flow, one the switch refuses (output to a group that does not exist), another good one. */
function refusedBatch(lab: ChainLab): Flow[] {
  return [
    { table: 0, priority: 300, match: { inPort: lab.ports.net, ethType: 0x0800 }, actions: [{ type: 'output', port: lab.ports.a }] },
    { table: 0, priority: 301, match: { inPort: lab.ports.net, ethType: 0x0806 }, actions: [{ type: 'group', group: 99 }] },
    { table: 0, priority: 302, match: { inPort: lab.ports.sink }, actions: [{ type: 'output', port: lab.ports.b }] },
  ];
}

async function checkRollback(t: Test, lab: ChainLab, driver: SwitchDriver, ofctl: SwitchDriver, cookie: bigint) {
  await t.rejects(driver.addFlows(cookie, refusedBatch(lab)), FlowInstallError, 'the switch refuses the group:99 flow');
  const err = await driver.addFlows(cookie, refusedBatch(lab)).catch((e: unknown) => e);
  t.match((err as Error).message, /OFPBAC_BAD_OUT_GROUP/, 'the error names the switch\'s reason');
  t.equal((err as FlowInstallError).flow?.priority, 301, 'and the refused flow');
  t.same((await ofctl.dumpFlows()).filter((f) => f.cookie === cookie), [], 'no flow of that cookie remains');
}

t.test('native OpenFlow 1.3 driver', async (t) => {
  const lab = await startChainLab('nt', { controllerLink: true });
  t.teardown(() => lab.stop());
  const native = new NativeDriver({ host: lab.ovs.controllerHost, port: 0, connectTimeoutMs: 20_000, echoIntervalMs: 1000 });
  t.teardown(() => native.close());
  const port = await native.listen();
  const ofctl = createOfctlDriver({ target: lab.ovs.target });
  await lab.ovs.vsctl('set-controller', lab.ovs.bridge, `tcp:${lab.ovs.controllerHost}:${port}`);
  await native.channel.waitReady();
  t.ok(native.channel.features && native.channel.features.nTables > 0, 'features reply received');

  const flows = await new Openflowd(native).install(alloc(lab));
  t.equal(flows.length, 6);
  t.ok(await lab.ping(), 'traffic flows through the chain');
  const nDump = await native.dumpFlows();
  const oDump = await ofctl.dumpFlows();
  t.same(normaliseDump(nDump), normaliseDump(oDump), 'native dump-flows equals ovs-ofctl dump-flows');
  t.equal(nDump.filter((f) => f.cookie === COOKIE).length, 6);
  t.ok(nDump.every((f) => f.packets >= 1n), 'flow counters read over OpenFlow show every hop');
  const ps = await native.portStats();
  t.ok(ps.find((p) => p.port === lab.ports.b)!.txPackets >= 2n, 'port counters read over OpenFlow');

  // restart the switch: it comes back with empty tables and reconnects
  const readyAgain = once(native.channel, 'ready');
  await lab.ovs.stopVswitchd();
  await lab.ovs.startVswitchd();
  await readyAgain;
  t.same(normaliseDump(await ofctl.dumpFlows()), normaliseDump(oDump), 'after the restart the flows are back');
  t.ok(await lab.ping(), 'and traffic flows again');

  await checkRollback(t, lab, native, ofctl, 0xbadn);
  await native.deleteFlows(COOKIE);
  t.same(await ofctl.dumpFlows(), [], 'delete removes the allocation');
  t.notOk(await lab.ping(), 'traffic stops');
});

t.test('ovs-ofctl over SSH and locally give the same dump; refusals roll back', async (t) => {
  const lab = await startChainLab('ss');
  t.teardown(() => lab.stop());
  const sshd = await startSshd();
  t.teardown(() => sshd.stop());
  const ssh = await createSshDriver({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKey: sshd.privateKey, hostKey: sshd.hostKey, target: lab.ovs.target });
  t.teardown(() => ssh.close());
  const ofctl = createOfctlDriver({ target: lab.ovs.target });

  await new Openflowd(ssh).install(alloc(lab));
  t.ok(await lab.ping(), 'flows installed over SSH carry traffic');
  const sDump = await ssh.dumpFlows();
  t.equal(sDump.length, 6);
  t.same(normaliseDump(sDump), normaliseDump(await ofctl.dumpFlows()), 'SSH dump-flows equals local dump-flows');
  t.same((await ssh.ports()).map((p) => p.name).sort(), (await ofctl.ports()).map((p) => p.name).sort(), 'same ports');

  await checkRollback(t, lab, ssh, ofctl, 0xbad1n);
  await checkRollback(t, lab, ofctl, ofctl, 0xbad2n);

  const bad = { ...alloc(lab), id: 0xbad3n, request: parseAllocation(lab.request.replace(/ToNet\("[^"]*s"\)/, 'ToNet("nosuchport")'), 'bad') };
  await t.rejects(new Openflowd(ssh).install(bad), FlowPlanError, 'a ToNet naming no switch port is refused before anything is installed');
  t.same((await ofctl.dumpFlows()).filter((f) => f.cookie === 0xbad3n), []);

  await ssh.deleteFlows(COOKIE);
  t.same(await ofctl.dumpFlows(), []);
  t.notOk(await lab.ping(), 'traffic stops');

  // the sFlow export (openflowd's set_sampling) runs ovs-vsctl over the same SSH connection
  t.equal(ssh.sflow, undefined, 'a unix: target names no bridge: no sFlow export without vsctl.bridge');
  const withVsctl = await createSshDriver({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKey: sshd.privateKey, hostKey: sshd.hostKey, target: lab.ovs.target, vsctl: { bridge: lab.ovs.bridge, db: `unix:${join(lab.ovs.dir, 'db.sock')}` } });
  t.teardown(() => withVsctl.close());
  const on = await withVsctl.sflow!.set({ collector: '127.0.0.1:6343', rate: 7 });
  t.match(on, { bridge: lab.ovs.bridge, enabled: true, collector: '127.0.0.1:6343', rate: 7 });
  t.ok(on.ports.some((p) => p.port === lab.ports.net && p.ifindex > 0), 'each port with its ifindex');
  const row = (await lab.ovs.vsctl('get', 'bridge', lab.ovs.bridge, 'sflow')).trim();
  t.equal((await lab.ovs.vsctl('get', 'sflow', row, 'sampling')).trim(), '7', "over SSH: the bridge's sFlow row is set");
  t.match(await withVsctl.sflow!.set(null), { enabled: false });
  t.equal((await lab.ovs.vsctl('get', 'bridge', lab.ovs.bridge, 'sflow')).trim(), '[]', 'and cleared');
});
