// resourced with a switch (config.switch): install_allocation creates the PMs through
// hostd, then openflowd's flows through them on a REAL Open vSwitch (userspace
// datapath); delete_allocation removes exactly those flows and the PMs; a switch that
// cannot take the flows rolls the PMs back. Module hosts are the hostd stand-ins
// (test/support/resourced-standin.ts, domids 1, 2, ... in create order), so the
// guests' vifs are stood in for by veths named as Xen names vifs (vif<domid>.<k>),
// each module a namespace bridging its two vifs as the lab's ClickOS stand-in does
// while Running. test/lab/controller-flows.test.ts does this with real guests in dom0.
import t, { type Test } from 'tap';
import { execa, type ResultPromise } from 'execa';
import { ECHO, SEND } from '../support/flows-chain.js';
import { XmlRpcClient } from '../../daemon/index.js';
import { ns, startOvs, type PrivateOvs } from '../support/ovs.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { STANDIN_SECRET, py, startResourced, startStandins, waitFor, type Standin } from '../support/resourced.js';

t.setTimeout(180_000);

const FWD_SRC = 'in0 :: FromDevice(0);\nout1 :: ToDevice(1);\nin1 :: FromDevice(1);\nout0 :: ToDevice(0);\nin0 -> out1;\nin1 -> out0;\n';

const request = (net: string, sink: string, toSink = sink): string => `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${net},nw_dst=10.77.0.2")
rev :: FromNet("ip,in_port=${sink},nw_src=10.77.0.2")
tosink :: ToNet("${toSink}")
tonet :: ToNet("${net}")
fwd -> [0]a :: Fwd() [1] -> [0]b :: Fwd() [1] -> tosink
rev -> [1]b[0] -> [1]a[0] -> tonet
`;

async function journal(s: Standin): Promise<Array<{ method: string; name: string }>> {
  const c = new XmlRpcClient({ url: s.url, secret: STANDIN_SECRET });
  try {
    return ((await c.call('journal')) as { value: { calls: Array<{ method: string; name: string }> } }).value.calls;
  } finally {
    c.close();
  }
}

/** setup()'s resourced steers `ovs` itself (ofctl) unless `sw` gives its config.switch. */
async function setup(t: Test, tag: string, sw?: (ovs: PrivateOvs) => Promise<Record<string, unknown>>) {
  const ovs = await startOvs(tag);
  let echo: ResultPromise | undefined;
  t.teardown(async () => {
    echo?.kill('SIGKILL');
    await echo;
    await ovs.stop();
  });
  const net = `${tag}n`;
  const sink = `${tag}s`;
  await ovs.addVethPort(net, 'eth0', `${ovs.swNs}-net`);
  await ovs.addVethPort(sink, 'eth0', `${ovs.swNs}-sink`);
  // module k's guest has domid k: its vifs vif<k>.0 and vif<k>.1, bridged inside
  for (const d of [1, 2]) {
    const m = `${ovs.swNs}-m${d}`;
    for (const k of [0, 1]) await ovs.addVethPort(`vif${d}.${k}`, `eth${k}`, m);
    await ns(m, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    for (const k of [0, 1]) await ns(m, 'ip', 'link', 'set', `eth${k}`, 'master', 'br0');
    await ns(m, 'ip', 'link', 'set', 'br0', 'up');
  }
  const macs: Record<string, string> = {};
  for (const [side, ip] of [['net', '10.77.0.1'], ['sink', '10.77.0.2']] as const) {
    await ns(`${ovs.swNs}-${side}`, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    macs[side] = JSON.parse((await ns(`${ovs.swNs}-${side}`, 'ip', '-j', 'link', 'show', 'eth0')).stdout)[0].address;
  }
  await ns(`${ovs.swNs}-net`, 'ip', 'neigh', 'replace', '10.77.0.2', 'lladdr', macs.sink!, 'dev', 'eth0', 'nud', 'permanent');
  await ns(`${ovs.swNs}-sink`, 'ip', 'neigh', 'replace', '10.77.0.1', 'lladdr', macs.net!, 'dev', 'eth0', 'nud', 'permanent');
  echo = execa('ip', ['netns', 'exec', `${ovs.swNs}-sink`, 'python3', '-c', ECHO], { reject: false, stdio: 'ignore' });
  /** one UDP datagram net → sink:5000 (3 tries); true when sink's echo came back */
  const ping = async (): Promise<boolean> => (await execa('ip', ['netns', 'exec', `${ovs.swNs}-net`, 'python3', '-c', SEND], { reject: false })).exitCode === 0;
  const { url, rd } = await startResourced(t, { switch: sw ? await sw(ovs) : { driver: 'ofctl', target: ovs.target } });
  const [host] = await startStandins(t, url, [{ hostId: 'mh-a' }]);
  await waitFor('the host to heartbeat', () => (rd.hosts.live().some((h) => h.heartbeats > 0) ? true : undefined));
  const dep = await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC });
  if (dep.reply?.code !== 0) throw new Error(JSON.stringify(dep));
  const flows = async (cookie: number) => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target, `cookie=${cookie}/-1`])).stdout.split('\n').filter((l) => l.includes('cookie='));
  return { ovs, net, sink, url, host: host!, ping, flows };
}

t.test('install_allocation steers traffic through its modules; delete_allocation removes exactly its flows', async (t) => {
  const s = await setup(t, 'rfa');
  await execa('ovs-ofctl', ['add-flow', s.ovs.target, 'cookie=0x77,priority=5,arp,actions=drop']);
  t.notOk(await s.ping(), 'no flows: the secure-mode bridge forwards nothing');

  const r = (await py(s.url, 'install_allocation', request(s.net, s.sink), 'task')).reply!;
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
  t.same((await journal(s.host)).map((c) => `${c.method} ${c.name}`), ['create_pm rd-1-1-a', 'create_pm rd-1-2-b', 'delete_pm rd-1-2-b', 'delete_pm rd-1-1-a']);
});

t.test('a switch that cannot take the flows: install fails naming why, the PMs are rolled back', async (t) => {
  const s = await setup(t, 'rfb');
  const r = (await py(s.url, 'install_allocation', request(s.net, s.sink, 'nosuchport'), 'task')).reply!;
  t.equal(r.code, 1);
  t.equal(r.message, "install_allocation failed at the switch: ToNet 'tosink' 'nosuchport' is not a port of the switch; rolled back 2 of 2 PM(s)");
  t.same((await journal(s.host)).map((c) => `${c.method} ${c.name}`), ['create_pm rd-1-1-a', 'create_pm rd-1-2-b', 'delete_pm rd-1-2-b', 'delete_pm rd-1-1-a'], 'both PMs deleted, newest first');
  t.same(await s.flows(1), [], 'no flow installed');
  t.same((await py(s.url, 'get_pm_info')).reply!.value.allocations, [], 'the allocation is not recorded');
});

t.test('openflowd as its own process: resourced steers through its XML-RPC; a dead openflowd rolls an install back and loses no flow', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-openflowd-'));
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  t.teardown(async () => {
    await openflowd.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const secret = 'openflowd-secret-0123456789abcdef';
  const config = join(dir, 'openflowd.json');
  const startOpenflowd = async (target: string, port: number): Promise<string> => {
    await writeFile(config, JSON.stringify({ listen: { host: '127.0.0.1', port }, secret: { resourced: secret }, folders: { patches: join(dir, 'patches') }, switch: { driver: 'ofctl', target } }));
    return openflowd.start(config);
  };
  let ofUrl = '';
  const s = await setup(t, 'rfd', async (ovs) => {
    ofUrl = await startOpenflowd(ovs.target, 0);
    return { driver: 'openflowd', url: ofUrl, secret };
  });
  const first = (await py(s.url, 'install_allocation', request(s.net, s.sink), 'task')).reply!;
  t.equal(first.code, 0, first.message);
  t.equal((await s.flows(first.value)).length, 6, 'six flows, installed by openflowd');
  t.ok(await s.ping(), 'traffic through both modules');

  await openflowd.stop('SIGKILL');
  const second = (await py(s.url, 'install_allocation', request(s.net, s.sink), 'task')).reply!;
  t.equal(second.code, 1);
  t.match(second.message, /^install_allocation failed at the switch: .*; rolled back 2 of 2 PM\(s\)$/, second.message);
  t.same(await s.flows(second.value.id), [], 'no flow of the failed install');
  t.ok(await s.ping(), "openflowd down: the installed allocation's flows stay on the switch and traffic goes on");

  await startOpenflowd(s.ovs.target, Number(new URL(ofUrl).port));
  const rc = (await py(s.url, 'reconcile', { dry_run: true }, 'task')).reply!;
  t.same(rc.value.map((a: { kind: string }) => a.kind), ['adopt'], 'openflowd back: reconciliation by cookie finds the allocation whole');
  const d = (await py(s.url, 'delete_allocation', first.value, 'task')).reply!;
  t.equal(d.code, 0, d.message);
  t.same(await s.flows(first.value), [], 'deleted through openflowd: no flow left');
  t.same((await journal(s.host)).map((c) => c.method), ['create_pm', 'create_pm', 'create_pm', 'create_pm', 'delete_pm', 'delete_pm', 'delete_pm', 'delete_pm']);
});

t.test('config.switch is checked', async (t) => {
  await t.rejects(startResourced(t, { switch: { driver: 'telnet', target: 'br0' } }), /config.switch.driver: expected "ofctl", "ssh" or "openflowd"/);
  await t.rejects(startResourced(t, { switch: { driver: 'ofctl' } }), /the ofctl driver needs target/);
  await t.rejects(startResourced(t, { switch: { driver: 'openflowd', url: 'http://127.0.0.1:1/RPC2' } }), /the openflowd driver needs url and secret/);
  await t.rejects(startResourced(t, { switch: { driver: 'ssh', target: 'br0' } }), /the ssh driver needs host, username and privateKeyFile/);
});
