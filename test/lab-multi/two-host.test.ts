// The two-host lab (docs/two-host-lab.md): two Xen lab hosts, each a QEMU with its own
// dom0, hostd and Open vSwitch, their guests' traffic joined through an Open vSwitch on
// the host (each QEMU's second NIC is a tap on it, a VLAN trunk to its dom0's switch).
// resourced, openflowd and monitord run on the host as their own processes; resourced
// steers that switch through openflowd's XML-RPC only, and takes monitord's figures. One allocation's two-module chain
// of real ClickOS guests spans both hosts, and a datagram from the "net" namespace
// reaches "sink" through both and its echo comes back. Measured load reaches placement:
// real traffic through a second allocation's ClickOS guest on "a" makes a request that
// would go to "a" go to "b" (busyHostGoesElsewhere). Then lab host "a" is powered off:
// resourced notices the missed heartbeats, reports the allocation degraded, places its
// PM again on "b", steers the flows there, and reports it healthy; traffic flows again.
// Deleting it leaves no domain, vif or XenStore node on "b" and no flow on the switch.
// Runs on the host (test/run.ts, between the lab rounds: it boots its own two labs).
//   node dist/test/lab-multi/two-host.test.js
import t, { type Test } from 'tap';
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { down, exec, readState, up } from '../../lab/lab.js';
import { SERVICE_PORT_IN_DOM0 } from '../../lab/qemu.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { ECHO, SEND } from '../support/flows-chain.js';
import { startOvs } from '../support/ovs.js';
import { waitFor } from '../support/wait.js';
import { HOSTD_GUESTS, call } from '../lab/helpers.js';
import { pageChecks } from './page.js';

t.setTimeout(60 * 60_000);

const PREFIX = `th${process.pid}`;
const BRIDGE = 'xenovs0';
const secret = () => randomBytes(24).toString('hex');
const SECRETS = { hostd: secret(), hosts: secret(), user: secret(), openflowd: secret(), monitordToOpenflowd: secret(), monitordToResourced: secret(), webdToMonitord: secret() };
// "a" has one CPU and "b" two; a Fwd PM is declared to need 0.6 cores, so "a" takes one
// and "b" up to three: placement (first host in id order first) puts the chain across
// both, and "b" can take a's PM once "a" is gone. Placement counts declared demand only
// here (placement.measuredCpu false): under emulation the one-CPU dom0 of "a" measures
// ~87% busy at rest, which would leave it no room for the chain's module.
const HOSTS = [
  { lab: 'a', id: `${PREFIX}-a`, cpus: 1, tap: `${PREFIX}ta`, mac: '52:54:00:cf:00:0a' },
  { lab: 'b', id: `${PREFIX}-b`, cpus: 2, tap: `${PREFIX}tb`, mac: '52:54:00:cf:00:0b' },
] as const;
const FWD = 'in0 :: FromDevice(0);\nout1 :: ToDevice(1);\nin1 :: FromDevice(1);\nout0 :: ToDevice(0);\nin0 -> out1;\nin1 -> out0;\n';
const REQUEST = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=thnet,nw_dst=10.77.0.2")
rev :: FromNet("ip,in_port=thsink,nw_src=10.77.0.2")
tosink :: ToNet("thsink")
tonet :: ToNet("thnet")
fwd -> [0]a :: Fwd() [1] -> [0]b :: Fwd() [1] -> tosink
rev -> [1]b[0] -> [1]a[0] -> tonet
`;

// Measured load into placement (controller/resourced/README.md "Measured load"). Host
// links of 8 Mb/s, 1 declared per connection. A one-module allocation X (a light Probe
// between the two outside ports, both ways) is installed and lands on "a" beside the
// chain's module: "a"'s link out then carries 3 (the chain's two connections out and the
// reverse one, mirrored) + 2 (X's), and a probe of X's shape (2 each way) still fits on
// "a" while X idles (7 ≤ 8). Datagrams to X's address cross X only (the chain's module
// on "b" carries none of them): once X carries M Mb/s, 2 of which it declared, a's link
// has 10 − M left, and above 3 Mb/s the probe goes to "b". 1400-byte datagrams at up to
// 1000/s; a ClickOS guest under emulation forwards about 5–6 Mb/s of them.
const LINK_MBPS = 8;
const X_ADDR = '10.77.0.9';
const oneModule = (name: string, addr: string): string => `BASESYS=xen.clickos
${name}_in :: FromNet("ip,in_port=thnet,nw_dst=${addr}")
${name}_rev :: FromNet("ip,in_port=thsink,nw_src=${addr}")
${name}_out :: ToNet("thsink")
${name}_back :: ToNet("thnet")
${name}_in -> [0]${name} :: Probe() [1] -> ${name}_out
${name}_rev -> [1]${name}[0] -> ${name}_back
`;
const FLOOD = `import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
data = b'x' * 1400
end = time.time() + float(sys.argv[1])
n = 0
while time.time() < end:
    s.sendto(data, (sys.argv[2], 9))
    n += 1
    if n % 20 == 0:
        time.sleep(0.02)
print(n)
`;

async function busyHostGoesElsewhere(t: Test, user: XmlRpcClient, nsNet: string, sinkMac: string): Promise<void> {
  type Host = { host_id: string; traffic_mbps: number | null; usable_link_mbps: number };
  type Info = { allocations: Array<{ id: number; pms: Array<{ name: string; host: string; traffic?: { rate?: { mbps: number } } }> }> };
  const hostA = async () => ((await call(user, 'list_hosts')).value as Host[]).find((h) => h.host_id === HOSTS[0].id)!;
  const probe = oneModule('p', '10.77.0.10');
  const plan = async () => (await call(user, 'plan_allocation', probe)).value as Record<string, string>;
  t.equal((await call(user, 'deploy_pm', { name: 'Probe', src: FWD, cpu: 0.1 })).code, 0, 'a light module type');
  const x = await call(user, 'install_allocation', oneModule('x', X_ADDR));
  t.equal(x.code, 0, `allocation X installed: ${x.message}`);
  const xPm = async () => ((await call(user, 'get_pm_info')).value as Info).allocations.find((a) => a.id === x.value)!.pms[0]!;
  t.equal((await xPm()).host, HOSTS[0].id, `X's module goes to ${HOSTS[0].id}, beside the chain's`);
  const idle = await waitFor('a\'s measured traffic to be low', async () => {
    const a = await hostA();
    return a.traffic_mbps !== null && a.traffic_mbps < 1 ? a : undefined;
  }, 120_000, 1000);
  t.same(await plan(), { p: HOSTS[0].id }, `X idle (${idle.traffic_mbps} Mb/s through a's guests, ${idle.usable_link_mbps} of ${LINK_MBPS} usable): plan_allocation puts a probe of X's shape on ${HOSTS[0].id} too`);
  await execa('ip', ['-n', nsNet, 'neigh', 'replace', X_ADDR, 'lladdr', sinkMac, 'dev', 'eth0', 'nud', 'permanent']);
  const flood = execa('ip', ['netns', 'exec', nsNet, 'python3', '-c', FLOOD, '240', X_ADDR], { reject: false });
  try {
    const busy = await waitFor('a\'s measured traffic to pass 4 Mb/s', async () => {
      const a = await hostA();
      return a.traffic_mbps !== null && a.traffic_mbps > 4 ? a : undefined;
    }, 150_000, 1000);
    t.pass(`real traffic through X's ClickOS guest on ${HOSTS[0].id}: ${(await xPm()).traffic?.rate?.mbps} Mb/s measured through it, ${busy.traffic_mbps} Mb/s through a's guests, ${busy.usable_link_mbps} Mb/s of its link usable`);
    t.same(await plan(), { p: HOSTS[1].id }, `busy: the probe goes to ${HOSTS[1].id}, though declared bandwidth alone leaves room on ${HOSTS[0].id}`);
  } finally {
    flood.kill('SIGKILL');
    await flood;
  }
  const calm = await waitFor('a\'s measured traffic to fall', async () => {
    const a = await hostA();
    return a.traffic_mbps !== null && a.traffic_mbps < 1 ? a : undefined;
  }, 120_000, 1000);
  t.same(await plan(), { p: HOSTS[0].id }, `the traffic stopped (${calm.traffic_mbps} Mb/s): ${HOSTS[0].id} again`);
  const del = await call(user, 'delete_allocation', x.value);
  t.equal(del.code, 0, `allocation X deleted: ${del.message}`);
}

const inDom0 = async (lab: string, script: string, timeoutMs = 300_000): Promise<string> => {
  const r = await exec(['sh', '-c', script], { instance: lab, timeoutMs });
  if (r.exitCode !== 0) throw new Error(`lab ${lab}: ${script}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
};

t.test('a chain across two lab hosts; one host powered off; its PM placed again on the other', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'two-host-'));
  const ovs = await startOvs('th');
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  const monitord = new DaemonProcess('monitord', join(projectRoot, 'dist', 'controller', 'monitord', 'main.js'));
  let user: XmlRpcClient | undefined;
  let echo: ResultPromise | undefined;
  t.teardown(async () => {
    user?.close();
    echo?.kill('SIGKILL');
    await echo?.catch(() => {});
    await resourced.stop('SIGKILL').catch(() => {});
    await openflowd.stop('SIGKILL').catch(() => {});
    await monitord.stop('SIGKILL').catch(() => {});
    for (const h of HOSTS) await down(h.lab).catch(() => {});
    await ovs.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // The host's side: the switch, the outside world's two namespaces, resourced.
  const netPort = await ovs.addVethPort('thnet', 'eth0', `${ovs.swNs}-net`);
  await ovs.addVethPort('thsink', 'eth0', `${ovs.swNs}-sink`);
  const nsNet = `${ovs.swNs}-net`;
  const nsSink = `${ovs.swNs}-sink`;
  const macs: Record<string, string> = {};
  for (const [n, ip] of [[nsNet, '10.77.0.1'], [nsSink, '10.77.0.2']] as const) {
    await execa('ip', ['-n', n, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    macs[n] = JSON.parse((await execa('ip', ['-n', n, '-j', 'link', 'show', 'eth0'])).stdout)[0].address;
  }
  await execa('ip', ['-n', nsNet, 'neigh', 'replace', '10.77.0.2', 'lladdr', macs[nsSink]!, 'dev', 'eth0', 'nud', 'permanent']);
  await execa('ip', ['-n', nsSink, 'neigh', 'replace', '10.77.0.1', 'lladdr', macs[nsNet]!, 'dev', 'eth0', 'nud', 'permanent']);
  echo = execa('ip', ['netns', 'exec', nsSink, 'python3', '-c', ECHO], { reject: false, stdio: 'ignore' });
  const ping = async (): Promise<boolean> => (await execa('ip', ['netns', 'exec', nsNet, 'python3', '-c', SEND], { reject: false })).exitCode === 0;
  const flows = async (): Promise<string[]> => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target])).stdout.split('\n').filter((l) => l.includes('cookie='));

  const ofConfig = join(dir, 'openflowd.json');
  await writeFile(ofConfig, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, secret: { resourced: SECRETS.openflowd, monitord: SECRETS.monitordToOpenflowd }, folders: { patches: join(dir, 'openflowd-patches') }, switch: { driver: 'ofctl', target: ovs.target } }));
  const ofUrl = await openflowd.start(ofConfig);
  const rdConfig = join(dir, 'resourced.json');
  await writeFile(
    rdConfig,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      secret: { user: SECRETS.user, hosts: SECRETS.hosts, monitord: SECRETS.monitordToResourced },
      monitor: { principals: ['monitord'] },
      folders: { patches: join(dir, 'resourced-patches') },
      // 60 s: two emulated hosts and a headless Chromium share two cores; a heartbeat was 43 s late.
      hosts: { principals: ['hosts'], defaultSecret: SECRETS.hostd, heartbeatTimeoutMs: 60_000, callTimeoutMs: 60_000, taskTimeoutMs: 15 * 60_000, pollMs: 500 },
      pm: { memoryMiB: 16, cpu: 0.1, bandwidthMbps: 1 },
      platform: { hostLinkMbps: LINK_MBPS },
      placement: { measuredCpu: false },
      pmPrefix: PREFIX,
      bridge: BRIDGE,
      switch: { driver: 'openflowd', url: ofUrl, secret: SECRETS.openflowd, uplinks: Object.fromEntries(HOSTS.map((h) => [h.id, h.tap])) },
      store: { kind: 'sqlite', path: join(dir, 'resourced.db') },
    }),
  );
  const rdUrl = await resourced.start(rdConfig);
  const rdPort = new URL(rdUrl).port;
  user = new XmlRpcClient({ url: rdUrl, secret: SECRETS.user, timeoutMs: 60_000 });

  // Two lab hosts, one after the other (two booting at once on two cores is slow). Each
  // QEMU's fabric tap joins the host's switch; dom0's eth1 joins dom0's switch as a trunk.
  for (const h of HOSTS) {
    await up({ instance: h.lab, ownerPid: process.pid, cpus: h.cpus, memoryMiB: 2048, dom0MemoryMiB: 1024, fabric: { tap: h.tap, mac: h.mac } });
    await execa('ip', ['link', 'set', h.tap, 'netns', ovs.swNs]);
    await execa('ip', ['-n', ovs.swNs, 'link', 'set', h.tap, 'up']);
    await ovs.vsctl('add-port', ovs.bridge, h.tap);
    await inDom0(h.lab, `bash ${join(projectRoot, 'lab', 'dom0', 'openvswitch.sh')} start ${BRIDGE} && ip link set eth1 up && ovs-vsctl --timeout=60 add-port ${BRIDGE} eth1`);
    // hostd listens on the service port (forwarded from the host) and reaches resourced at
    // QEMU's user-network gateway, which is the host's loopback.
    const hdConfig = join(dir, `hostd-${h.lab}.json`);
    await writeFile(
      hdConfig,
      JSON.stringify({
        name: `hostd-${h.id}`,
        hostId: h.id,
        listen: { host: '0.0.0.0', port: SERVICE_PORT_IN_DOM0 },
        secret: SECRETS.hostd,
        folders: { patches: join(dir, `hostd-${h.lab}-patches`) },
        guests: HOSTD_GUESTS,
        controller: { url: `http://10.0.2.2:${rdPort}/RPC2`, secret: SECRETS.hosts, heartbeatSeconds: 2, advertiseUrl: `http://127.0.0.1:${readState(h.lab)!.servicePort}/RPC2` },
      }),
    );
    await inDom0(h.lab, `setsid node ${join(projectRoot, 'dist', 'hostd', 'main.js')} --config ${hdConfig} >${dir}/hostd-${h.lab}.log 2>&1 </dev/null & echo started`);
  }
  const hostsSeen = async () => (await call(user!, 'list_hosts')).value as Array<{ host_id: string; heartbeats: number }>;
  await waitFor('both hostds to register and heartbeat', async () => ((await hostsSeen()).filter((h) => h.heartbeats > 0).length === 2 ? true : undefined), 300_000, 1000);

  t.equal((await call(user, 'deploy_pm', { name: 'Fwd', src: FWD, cpu: 0.6 })).code, 0, 'the forwarding module type is deployed');

  // monitord, its own process: polls both hostds and openflowd, pushes to resourced, serves webd.
  const hostUrls = (await call(user, 'list_hosts')).value as Array<{ host_id: string; url: string }>;
  const mdConfig = join(dir, 'monitord.json');
  await writeFile(
    mdConfig,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      secret: { webd: SECRETS.webdToMonitord },
      folders: { patches: join(dir, 'monitord-patches') },
      hosts: hostUrls.map((h) => ({ url: h.url, secret: SECRETS.hostd, hostId: h.host_id })),
      openflowd: { url: ofUrl, secret: SECRETS.monitordToOpenflowd },
      resourced: { url: rdUrl, secret: SECRETS.monitordToResourced },
      // see page.ts: emulated dom0s answer host_stats slowly
      intervalMs: 6000,
      timeoutMs: 30_000,
    }),
  );
  const mdUrl = await monitord.start(mdConfig);
  t.notOk(await ping(), 'no allocation: nothing crosses the switch');
  // webd's page in headless Chromium against these real hosts and guests (page.ts)
  // installs the chain and checks what it shows; the rest of the test goes on with it.
  const chain = await pageChecks(t, { resourcedUrl: rdUrl, resourcedSecret: SECRETS.user, hostdSecret: SECRETS.hostd, monitord: { url: mdUrl, secret: SECRETS.webdToMonitord }, request: REQUEST, ping });
  const id = chain.id;
  type Info = { allocations: Array<{ id: number; degraded?: string; pms: Array<{ module: string; host: string; name: string }> }> };
  const allocation = async () => ((await call(user!, 'get_pm_info')).value as Info).allocations.find((a) => a.id === id)!;
  t.same((await allocation()).pms.map((p) => [p.module, p.host]), [['a', HOSTS[0].id], ['b', HOSTS[1].id]], 'the chain spans both hosts');
  // monitord's figures reached resourced: each PM's vif counters and the chain's switch counters, from real traffic
  type Measured = { switch?: { packets: string | number }; pms: Array<{ name: string; traffic?: { vifs: Array<{ inPackets: unknown }> } }> };
  const measured = await waitFor('monitord\'s traffic figures in get_pm_info', async () => {
    const a = (await allocation()) as unknown as Measured;
    return a.switch && Number(a.switch.packets) > 0 && a.pms.every((p) => p.traffic?.vifs.some((v) => Number(v.inPackets) > 0)) ? a : undefined;
  }, 120_000, 1000);
  t.pass(`get_pm_info shows what monitord measured: switch ${measured.switch!.packets} packets; ${measured.pms.map((p) => `${p.name} ${p.traffic!.vifs.map((v) => Number(v.inPackets)).join('+')} packets in`).join(', ')}`);
  const before = await flows();
  t.ok(before.some((f) => f.includes(`in_port=${netPort}`) && /push_vlan/.test(f)), 'traffic from net enters lab host a tagged with its vif VLAN');
  t.ok(await waitFor('a datagram through both hosts and its echo', async () => ((await ping()) ? true : undefined), 120_000, 1000), 'net → a (lab a) → b (lab b) → sink, and back');

  // real traffic through a ClickOS guest on lab host "a" takes its link: the next module goes to "b"
  await busyHostGoesElsewhere(t, user, nsNet, macs[nsSink]!);

  // Power lab host "a" off: QEMU goes, with its dom0, hostd and guest (and its tap).
  const lostPort = await ovs.portNumber(HOSTS[0].tap);
  const lostAt = Date.now();
  await down(HOSTS[0].lab);
  const degraded = await waitFor('the allocation to be reported degraded', async () => (await allocation()).degraded, 240_000, 250);
  t.match(degraded, new RegExp(`host ${HOSTS[0].id} lost`), `reported degraded: ${degraded}`);
  const healed = await waitFor('the allocation to be healthy again', async () => {
    const a = await allocation();
    return !a.degraded && a.pms.every((p) => p.host === HOSTS[1].id) ? a : undefined;
  }, 600_000, 1000);
  t.same(healed.pms.map((p) => p.module).sort(), ['a', 'b'], `both modules on ${HOSTS[1].id} now (${((Date.now() - lostAt) / 1000).toFixed(1)} s after power-off)`);
  t.notOk((await flows()).some((f) => new RegExp(`(in_port=|output:)${lostPort}\\b`).test(f)), 'no flow leads to or comes from the lost host');
  t.ok(await waitFor('traffic through the PMs on lab b', async () => ((await ping()) ? true : undefined), 120_000, 1000), 'net → a → b → sink and back, all on lab b');

  await chain.deleteFromPage();
  t.pass('deleted from the page');
  t.same(await flows(), [], 'no flow left on the switch');
  const left = await inDom0(HOSTS[1].lab, `xl list | awk 'NR>1{print $1}' | grep '^${PREFIX}' || true; xenstore-list /local/domain/0/backend/vif 2>/dev/null || true; ovs-vsctl list-ports ${BRIDGE}`);
  t.same(left.split('\n').filter(Boolean), ['eth1'], `on ${HOSTS[1].id}: no domain, vif backend or switch port of ours left`);
  t.notOk(await ping(), 'traffic stops');
  t.equal(await openflowd.stop('SIGTERM'), 0, 'openflowd: a clean exit');
  t.equal(await monitord.stop('SIGTERM'), 0, 'monitord: a clean exit');
});
