// resourced with a switch (config.switch): install_allocation creates the PMs through
// hostd, then openflowd's flows through them on a REAL Open vSwitch (userspace
// datapath); delete_allocation removes exactly those flows and the PMs; a switch that
// cannot take the flows rolls the PMs back. Module hosts are the hostd stand-ins
// (test/support/resourced-standin.ts, domids 1, 2, ... in create order), so the
// guests' vifs are stood in for by veths named as Xen names vifs (vif<domid>.<k>),
// each module a namespace bridging its two vifs as the lab's ClickOS stand-in does
// while Running (test/support/flows-chain.ts, startVifChainLab). test/lab/controller-flows.test.ts does this with real guests in dom0.
import t, { type Test } from 'tap';
import { execa } from 'execa';
import { FWD_SRC, startVifChainLab } from '../support/flows-chain.js';
import type { PrivateOvs } from '../support/ovs.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import { AnswerDroppingRelay } from '../support/answer-dropping-relay.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { py, sleep, startResourced, startStandins, waitFor } from '../support/resourced.js';

t.setTimeout(180_000);

/** setup()'s resourced steers the lab's switch itself (ofctl) unless `sw` gives its config.switch. */
async function setup(t: Test, tag: string, sw?: (ovs: PrivateOvs) => Promise<Record<string, unknown>>, guests = 2) {
  const lab = await startVifChainLab(tag, { guests });
  t.teardown(() => lab.stop());
  const { url, rd, logs } = await startResourced(t, { switch: sw ? await sw(lab.ovs) : { driver: 'ofctl', target: lab.ovs.target } });
  const [host] = await startStandins(t, url, [{ hostId: 'mh-a' }]);
  await waitFor('the host to heartbeat', () => (rd.hosts.live().some((h) => h.heartbeats > 0) ? true : undefined));
  const dep = await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC });
  if (dep.reply?.code !== 0) throw new Error(JSON.stringify(dep));
  return { lab, ovs: lab.ovs, url, host: host!, ping: lab.ping, flows: lab.flows, logs };
}

t.test('install_allocation steers traffic through its modules; delete_allocation removes exactly its flows', async (t) => {
  const s = await setup(t, 'rfa');
  await execa('ovs-ofctl', ['add-flow', s.ovs.target, 'cookie=0x77,priority=5,arp,actions=drop']);
  t.notOk(await s.ping(), 'no flows: the secure-mode bridge forwards nothing');

  const r = (await py(s.url, 'install_allocation', s.lab.request(), 'task')).reply!;
  t.equal(r.code, 0, r.message);
  t.match(r.message, /; 6 flow\(s\) installed$/);
  const id = r.value as number;
  t.equal((await s.flows(id)).length, 6, `six flows under cookie ${id}`);
  t.ok(await s.ping(), 'a datagram net→sink (vif1.0 → vif1.1 → vif2.0 → vif2.1) gets its echo back (the reverse way)');
  // the userspace datapath hands flow counters up to the OpenFlow table every ~0.5 s
  const counted = async () => {
    const f = await s.flows(id);
    return f.every((l) => !/n_packets=0,/.test(l)) ? f : undefined;
  };
  t.equal((await waitFor('every flow of the allocation to count a packet', counted)).length, 6, 'every flow of the allocation counted packets (every hop, both ways)');

  // The switch loses the allocation's flows (a restart, a hand-made del-flows): reconcile puts them back.
  await execa('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', s.ovs.target, `cookie=${id}/-1`]);
  t.notOk(await s.ping(), 'without its flows, no traffic');
  const rc = (await py(s.url, 'reconcile', { dry_run: false }, 'task')).reply!;
  t.match(rc.value, [{ kind: 'restore_flows', allocation: id, done: true }], rc.message);
  t.equal((await s.flows(id)).length, 6, 'the six flows are back');
  t.ok(await s.ping(), 'and traffic flows again');

  const d = (await py(s.url, 'delete_allocation', id, 'task')).reply!;
  t.equal(d.code, 0, d.message);
  t.same(await s.flows(id), [], 'no flow of the allocation remains');
  t.equal((await s.flows(0x77)).length, 1, "another cookie's flow stays");
  t.notOk(await s.ping(), 'traffic stops');
  t.same((await s.host.journal()).calls.map((c) => `${c.method} ${c.name}`), ['create_pm rd-1-1-a', 'create_pm rd-1-2-b', 'delete_pm rd-1-2-b', 'delete_pm rd-1-1-a']);
});

t.test('a switch that cannot take the flows: install fails naming why, the PMs are rolled back', async (t) => {
  const s = await setup(t, 'rfb');
  const r = (await py(s.url, 'install_allocation', s.lab.request('nosuchport'), 'task')).reply!;
  t.equal(r.code, 1);
  t.equal(r.message, "install_allocation failed at the switch: ToNet 'tosink' 'nosuchport' is not a port of the switch; rolled back 2 of 2 PM(s)");
  t.same((await s.host.journal()).calls.map((c) => `${c.method} ${c.name}`), ['create_pm rd-1-1-a', 'create_pm rd-1-2-b', 'delete_pm rd-1-2-b', 'delete_pm rd-1-1-a'], 'both PMs deleted, newest first');
  t.same(await s.flows(1), [], 'no flow installed');
  t.same((await py(s.url, 'get_pm_info')).reply!.value.allocations, [], 'the allocation is not recorded');
});

t.test('openflowd as its own process: resourced steers through its XML-RPC; openflowd killed before or during an install leaves no flow over and loses none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-openflowd-'));
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  let relay: AnswerDroppingRelay | undefined;
  t.teardown(async () => {
    await relay?.stop();
    await openflowd.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const secret = 'openflowd-secret-0123456789abcdef';
  const config = join(dir, 'openflowd.json');
  const startOpenflowd = async (target: string, port: number): Promise<string> => {
    await writeFile(config, JSON.stringify({ listen: { host: '127.0.0.1', port }, secret: { resourced: secret }, folders: { patches: join(dir, 'patches') }, switch: { driver: 'ofctl', target } }));
    return openflowd.start(config);
  };
  let ofPort = 0;
  // resourced reaches openflowd through a relay that can lose one answer (test/support/answer-dropping-relay.ts)
  const s = await setup(t, 'rfd', async (ovs) => {
    ofPort = Number(new URL(await startOpenflowd(ovs.target, 0)).port);
    relay = new AnswerDroppingRelay({ host: '127.0.0.1', port: ofPort });
    return { driver: 'openflowd', url: `http://127.0.0.1:${await relay.start()}/RPC2`, secret };
  }, 8); // four installs of two modules each: the stand-in's domids 1-8
  const first = (await py(s.url, 'install_allocation', s.lab.request(), 'task')).reply!;
  t.equal(first.code, 0, first.message);
  t.equal((await s.flows(first.value)).length, 6, 'six flows, installed by openflowd');
  t.ok(await s.ping(), 'traffic through both modules');

  await openflowd.stop('SIGKILL');
  const second = (await py(s.url, 'install_allocation', s.lab.request(), 'task')).reply!;
  t.equal(second.code, 1);
  t.match(second.message, /^install_allocation failed at the switch: .*; rolled back 2 of 2 PM\(s\)$/, second.message);
  t.same(await s.flows(second.value.id), [], 'no flow of the failed install');
  t.ok(await s.ping(), "openflowd down: the installed allocation's flows stay on the switch and traffic goes on");

  await startOpenflowd(s.ovs.target, ofPort);
  await waitFor('resourced to reconcile once openflowd answers again', () => (s.logs.some((l) => l.startsWith('switch: answering again')) ? true : undefined), 30_000);
  const rc = (await py(s.url, 'reconcile', { dry_run: true }, 'task')).reply!;
  t.same(rc.value.map((a: { kind: string }) => a.kind), ['adopt'], 'openflowd back: reconciliation by cookie finds the allocation whole');

  // Killed mid-install: openflowd carries out install_flows, then dies before its answer gets back.
  const dropped = relay!.dropNextAnswer(/install_flows/, () => openflowd.stop('SIGKILL'));
  // (another destination: flows of the same match and priority would replace allocation 1's)
  const third = (await py(s.url, 'install_allocation', s.lab.request(s.lab.sink, '10.77.0.3'), 'task')).reply!;
  t.match(await Promise.race([dropped, sleep(1000).then(() => 'no answer was dropped')]), /install_flows/, 'openflowd took the install and was killed before answering');
  t.equal(third.code, 1);
  t.match(third.message, /^install_allocation failed at the switch: .*; rolled back 2 of 2 PM\(s\)$/, third.message);
  t.equal((await s.flows(third.value.id)).length, 6, 'its flows went in: with openflowd dead, nothing can take them out yet');
  t.ok(s.logs.some((l) => l.startsWith(`switch: allocation ${third.value.id}'s flows could not be removed`)), 'resourced owes the switch a reconciliation');
  await startOpenflowd(s.ovs.target, ofPort);
  t.same(await waitFor('the orphan flows to be reconciled away', async () => ((await s.flows(third.value.id)).length === 0 ? [] : undefined), 30_000), [], 'openflowd back: the flows no allocation owns are removed');
  t.equal((await s.flows(first.value)).length, 6, 'the installed allocation keeps its six flows throughout');
  t.ok(await s.ping(), 'and its traffic');

  // The answer lost but openflowd alive: the failed install's flows are removed at once.
  const lost = relay!.dropNextAnswer(/install_flows/, () => {}, true);
  const fourth = (await py(s.url, 'install_allocation', s.lab.request(s.lab.sink, '10.77.0.3'), 'task')).reply!;
  relay!.disarm();
  t.match(await Promise.race([lost, sleep(1000).then(() => 'no answer was dropped')]), /install_flows/, 'the answer to install_flows was lost');
  t.equal(fourth.code, 1, fourth.message);
  t.same(await s.flows(fourth.value.id), [], 'an answer lost with openflowd alive: the flows are removed by cookie with the rollback');

  const d = (await py(s.url, 'delete_allocation', first.value, 'task')).reply!;
  t.equal(d.code, 0, d.message);
  t.same(await s.flows(first.value), [], 'deleted through openflowd: no flow left');
  t.same((await s.host.journal()).calls.map((c) => c.method).sort(), [...Array(8).fill('create_pm'), ...Array(8).fill('delete_pm')].sort(), 'every PM created was deleted');
});

t.test('config.switch is checked', async (t) => {
  await t.rejects(startResourced(t, { switch: { driver: 'telnet', target: 'br0' } }), /config.switch.driver: expected "ofctl", "ssh" or "openflowd"/);
  await t.rejects(startResourced(t, { switch: { driver: 'ofctl' } }), /the ofctl driver needs target/);
  await t.rejects(startResourced(t, { switch: { driver: 'openflowd', url: 'http://127.0.0.1:1/RPC2' } }), /the openflowd driver needs url and secret/);
  await t.rejects(startResourced(t, { switch: { driver: 'ssh', target: 'br0' } }), /the ssh driver needs host, username and privateKeyFile/);
});
