// resourced learns a balanced module's traffic from the switch's samples and rebalances
// it (issue 18 item 2; controller/resourced/README.md "Learning the traffic"), with
// resourced and openflowd each ITS OWN PROCESS and a REAL Open vSwitch (userspace
// datapath, test/support/ovs.ts) exporting REAL sFlow:
//   - openflowd's set_sampling over XML-RPC: on toward a collector (ovs-vsctl through the
//     ofctl driver, config switch.vsctl: the target is a unix: socket), again (one sFlow
//     row: idempotent), refusals, off twice; the native driver answers no_sampling. One
//     datagram the switch sends is decoded and, with UPDATE_SFLOW_FIXTURE=1 (or when
//     missing), saved as test/fixtures/sflow/ovs-udp-sample.bin for
//     test/unit/sflow-decode.test.ts;
//   - resourced with config balancer.learn: installing `n :: Fwd() x 2 by src` turns
//     sampling on toward resourced's collector; UDP datagrams from 64 sources in a network
//     namespace, six times as many from the sources of one replica's prefixes, make the
//     uniform split unbalanced; resourced's trigger fires, the group's generation
//     advances, prefixes move from the loaded replica to the other (only from it), the
//     switch's rules follow, and a counted burst of the same traffic reaches the replicas
//     within the maximum imbalance; the same traffic then moves nothing more (hysteresis);
//   - resourced stopped (SIGTERM): sampling off; started again: on again for the recorded
//     group; the switch losing the group's rules: reconciliation puts the learned assignment
//     back as it is (the restarted resourced has no estimate yet); delete_allocation: sampling off, the sFlow row and the collector gone, no
//     group flow left.
// The module host is a STAND-IN for hostd (test/support/resourced-standin.ts: real
// daemon, in-memory create_pm, domids 1, 2, ... in create order) because real hostd needs
// Xen; the replicas' vifs are veths named as Xen names vifs, counting what they receive.
import t from 'tap';
import dgram from 'node:dgram';
import { execa, type ResultPromise } from 'execa';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrefix } from '../../controller/balancer/prefix.js';
import { moves } from '../../controller/balancer/leaves.js';
import { decodeSflow } from '../../controller/sflow/sflow.js';
import { NativeDriver } from '../../controller/openflowd/native-driver.js';
import { Openflowd } from '../../controller/openflowd/openflowd.js';
import { OpenflowdService } from '../../controller/openflowd/service.js';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { startOvs } from '../support/ovs.js';
import { HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, py, sleep, startStandins, waitFor, type Rv, reply } from '../support/resourced.js';
import { freePort } from '../support/ports.js';

t.setTimeout(300_000);

const TAG = 'rbl';
const FWD_SRC = 'in0 :: FromDevice(0);\nout0 :: ToDevice(0);\nin1 :: FromDevice(1);\nout1 :: ToDevice(1);\nin0 -> out0;\nin1 -> out1;\n';
const OF_SECRET = 'openflowd-secret-0123456789abcdef';
const FIXTURE_DIR = join(projectRoot, 'test', 'fixtures', 'sflow');
const MAX_IMBALANCE = 1.2;
const SAMPLING = 4;
const HEAVY = 6;

/**
 * Sends UDP datagrams as raw Ethernet frames on IFACE: for SECONDS (0: one round) at about
 * PPS, cycling over SRC>DST*WEIGHT (each pair WEIGHT times per round). Prints the count sent.
 */
const SEND = String.raw`
import socket, struct, sys, time
iface, seconds, pps, specs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
mac = s.getsockname()[4]
def csum(b):
    n = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    n = (n >> 16) + (n & 0xffff)
    return ~(n + (n >> 16)) & 0xffff
frames = []
for spec in specs:
    pair, weight = spec.split('*')
    src, dst = pair.split('>')
    udp = struct.pack('!HHHH', 40000, 9000, 8 + 4, 0) + b'ping'
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    frames += [bytes.fromhex('020000000002') + mac + bytes.fromhex('0800') + ip + udp] * int(weight)
# interleaved, so any stretch of the stream has the mix of the whole
frames = [frames[(i * 7919) % len(frames)] for i in range(len(frames))] if len(frames) % 7919 else frames
sent, start = 0, time.time()
while True:
    for f in frames:
        s.send(f)
        sent += 1
        ahead = sent / pps - (time.time() - start)
        if ahead > 0:
            time.sleep(ahead)
    if time.time() - start >= seconds:
        break
print(sent)
`;

/** Forward net → sink through port 0 of n's replicas, balanced by source; the reverse through port 1. */
const request = (net: string, sink: string): string => `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${net}")
rev :: FromNet("ip,in_port=${sink}")
tosink :: ToNet("${sink}")
tonet :: ToNet("${net}")
fwd -> [0]n :: Fwd() x 2 by src [0] -> tosink
rev -> [1]n[1] -> tonet
`;

interface Balanced {
  module: string;
  generation: number;
  cookie: string;
  replicas: Array<{ module: string; default: boolean; prefixes: string[]; share?: number }>;
  learned?: { time: string; windows: number; samples: number; imbalance: number; verdict: string };
}

const dotted = (n: number) => [24, 16, 8, 0].map((sh) => (n >>> sh) & 255).join('.');
const inPrefix = (addr: number, p: string) => {
  const q = parsePrefix(p);
  return addr >= q.base && addr < q.base + 2 ** (32 - q.len);
};
const ownerOf = (addr: number, b: Balanced): string => b.replicas.find((r) => r.prefixes.some((p) => inPrefix(addr, p)))!.module;

t.test('the native driver cannot set sFlow: no_sampling, nothing run', async (t) => {
  const svc = new OpenflowdService(new Openflowd(new NativeDriver()), 'nat');
  const rv = await svc.sampling({ collector: '127.0.0.1:6343', rate: 10 });
  t.equal(rv.code, 1);
  t.match(rv, { value: { error: 'no_sampling' } });
  t.match(rv.message, /native driver speaks OpenFlow only/);
});

t.test('resourced rebalances a balanced module from the switch\'s sFlow samples; sampling follows the group', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-learning-'));
  const ovs = await startOvs(TAG, { controllerLink: true });
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const procs: ResultPromise[] = [];
  const sock = dgram.createSocket('udp4');
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    sock.close();
    await resourced.stop('SIGKILL');
    await openflowd.stop('SIGKILL');
    await ovs.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const net = `${TAG}n`;
  const sink = `${TAG}s`;
  const netPort = await ovs.addVethPort(net, 'eth0', `${ovs.swNs}-net`);
  await ovs.addVethPort(sink, 'eth0', `${ovs.swNs}-sink`);
  const vif: Record<string, number> = {};
  for (let d = 1; d <= 2; d++) for (const k of [0, 1]) vif[`vif${d}.${k}`] = await ovs.addVethPort(`vif${d}.${k}`, `e${d}${k}`, `${ovs.swNs}-m`);
  const sflowRows = async () => (await ovs.vsctl('--format=json', 'list', 'sflow').then((x) => (JSON.parse(x) as { data: unknown[] }).data)).length;
  const bridgeSflow = async () => (await ovs.vsctl('get', 'bridge', ovs.bridge, 'sflow')).trim();
  const groupFlows = async (): Promise<string[]> => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target])).stdout.split('\n').filter((l) => /cookie=0xb1[0-9a-f]{14},/.test(l));
  const send = (seconds: number, pps: number, specs: string[]) => execa('ip', ['netns', 'exec', `${ovs.swNs}-net`, 'python3', '-c', SEND, 'eth0', String(seconds), String(pps), ...specs]);

  const ofConfig = join(dir, 'openflowd.json');
  // the target is a unix: socket, so set_sampling's bridge and ovsdb come from switch.vsctl
  await writeFile(ofConfig, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, secret: { resourced: OF_SECRET }, folders: { patches: join(dir, 'of-patches') }, switch: { driver: 'ofctl', target: ovs.target, name: 'rblsw', vsctl: { bridge: ovs.bridge, db: `unix:${join(ovs.dir, 'db.sock')}` } } }));
  const ofUrl = await openflowd.start(ofConfig);

  await t.test('openflowd set_sampling: on, idempotent, refusals, a real datagram, off', async (t) => {
    const of = new XmlRpcClient({ url: ofUrl, secret: OF_SECRET });
    t.teardown(() => of.close());
    const datagrams: Buffer[] = [];
    sock.on('message', (m) => datagrams.push(m));
    await new Promise<void>((r) => sock.bind(0, ovs.controllerHost, () => r()));
    const collector = `${ovs.controllerHost}:${sock.address().port}`;
    const on = (await of.call('set_sampling', { collector, rate: 2, header: 128, agent: 'ctl0' })) as Rv;
    t.equal(on.code, 0, on.message);
    t.match(on.value, { bridge: ovs.bridge, enabled: true, collector, rate: 2 });
    const netRow = (on.value.ports as Array<{ port: number; name: string; ifindex: number }>).find((p) => p.name === net);
    t.equal(netRow?.port, netPort, "the net port's OpenFlow number");
    const ifindex = Number((await ovs.vsctl('get', 'Interface', net, 'ifindex')).trim());
    t.ok(ifindex > 0 && netRow?.ifindex === ifindex, `and the ifindex sFlow reports it by (${ifindex})`);
    const again = (await of.call('set_sampling', { collector, rate: 2, header: 128, agent: 'ctl0' })) as Rv;
    t.equal(again.code, 0, again.message);
    t.equal(await sflowRows(), 1, 'on twice: one sFlow row (the first one replaced)');
    const orphanRate = (await of.call('set_sampling', { rate: 4 })) as Rv;
    t.match(orphanRate, { code: 1, value: { error: 'plan_refused' } }, 'a rate without a collector is refused');
    await t.rejects(of.call('set_sampling', { collector: 'no port', rate: 2 }), /-32602|invalid/i, 'a collector that is no host:port: invalid arguments');
    t.equal(await sflowRows(), 1, 'refusals change nothing');

    // a real datagram: one source, one destination, through the switch's net port
    const sent = send(3, 200, ['10.99.1.2>10.77.0.2*1']);
    procs.push(sent);
    const d = await waitFor('a flow sample from the switch', () => datagrams.find((x) => decodeSflow(x).some((s) => s.input === ifindex)), 20_000);
    const samples = decodeSflow(d).filter((s) => s.input === ifindex);
    t.ok(samples.length > 0 && samples.every((s) => s.rate === 2 && s.src === 0x0a630102 && s.dst === 0x0a4d0002), `decoded: ${JSON.stringify(samples)}`);
    await sent;
    const fixture = join(FIXTURE_DIR, 'ovs-udp-sample.bin');
    if (process.env.UPDATE_SFLOW_FIXTURE === '1' || !(await access(fixture).then(() => true, () => false))) {
      await mkdir(FIXTURE_DIR, { recursive: true });
      await writeFile(fixture, d);
      await writeFile(join(FIXTURE_DIR, 'ovs-udp-sample.json'), JSON.stringify({ note: 'one sFlow v5 datagram from Open vSwitch (userspace datapath), sampling 1 in 2, header 128, UDP 10.99.1.2 → 10.77.0.2 entering at the port of this ifindex; captured by test/unit/resourced-balanced-learning.test.ts', ovs: (await execa('ovs-vsctl', ['--version'])).stdout.split('\n')[0], input: ifindex, rate: 2, src: '10.99.1.2', dst: '10.77.0.2', samples: samples.length }, null, 2) + '\n');
      t.comment(`saved ${fixture}`);
    }

    const off = (await of.call('set_sampling', {})) as Rv;
    t.match(off, { code: 0, value: { bridge: ovs.bridge, enabled: false } });
    t.equal(await sflowRows(), 0, 'off: no sFlow row left');
    t.equal(((await of.call('set_sampling', {})) as Rv).code, 0, 'off twice is fine');
  });

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
      balancer: { learn: true, samplingRate: SAMPLING, intervalMs: 1500, maxImbalance: MAX_IMBALANCE, confirmations: 2, minIntervalMs: 4000, collector: { host: ovs.controllerHost }, agent: 'ctl0' },
    }),
  );
  const url = await resourced.start(rdConfig);
  await startStandins(t, url, [{ hostId: 'mh-a' }]);
  await waitFor('the stand-in to register', async () => ((await py(url, 'list_hosts')).reply?.value?.length ? true : undefined));
  t.equal(reply(await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0);
  const balanced = async (): Promise<Balanced | undefined> => (reply(await py(url, 'get_pm_info')).value.allocations as Array<{ balanced?: Balanced }>)[0]?.balanced;
  t.equal(await sflowRows(), 0, 'no balanced allocation: no sampling');

  const inst = reply(await py(url, 'install_allocation', request(net, sink), 'task'));
  t.equal(inst.code, 0, inst.message);
  const id = inst.value as number;
  const collectorAt = await waitFor('resourced to turn sampling on', async () => {
    const row = await bridgeSflow();
    return /^[0-9a-f-]{36}$/.test(row) ? (await ovs.vsctl('get', 'sflow', row, 'targets')).trim() : undefined;
  });
  t.match(collectorAt, new RegExp(`^\\["${ovs.controllerHost!.replace(/\./g, '\\.')}:\\d+"\\]$`), `the switch samples toward resourced's collector ${collectorAt}`);
  const b0 = (await balanced())!;
  t.equal(b0.generation, 0);
  const vifOf = new Map([['n#1', 'e10'], ['n#2', 'e20']]);

  // 64 sources over the address space; those of one replica's prefixes send HEAVY times as much
  const sources = Array.from({ length: 64 }, (_, k) => (k * 2 ** 26 + 0x123457) >>> 0);
  const heavy = ownerOf(sources[0]!, b0);
  const light = b0.replicas.find((r) => r.module !== heavy)!.module;
  const weight = (n: number) => (ownerOf(n, b0) === heavy ? HEAVY : 1);
  const specs = sources.map((n) => `${dotted(n)}>10.77.0.2*${weight(n)}`);
  const total = sources.reduce((s, n) => s + weight(n), 0);
  /** The imbalance of the test's own traffic under an assignment: the most loaded replica's load over its half. */
  const imbalanceOf = (b: Balanced) => Math.max(...b.replicas.map((r) => sources.filter((n) => r.prefixes.some((p) => inPrefix(n, p))).reduce((s, n) => s + weight(n), 0) / (total / 2)));
  const before = imbalanceOf(b0);
  t.ok(before > MAX_IMBALANCE, `under the uniform split the traffic is unbalanced: ${before.toFixed(2)} > ${MAX_IMBALANCE} (${heavy} loaded)`);

  const stream = send(60, 1500, specs);
  procs.push(stream);
  const b1 = await waitFor('resourced to rebalance from the samples', async () => {
    const b = await balanced();
    return b && b.generation > 0 ? b : undefined;
  }, 60_000, 500);
  t.equal(b1.generation, 1, 'one rebalance: the next generation');
  const mv = moves(b0.replicas.flatMap((r) => r.prefixes.map((p) => ({ prefix: parsePrefix(p), server: r.module, load: 0 }))), b1.replicas.flatMap((r) => r.prefixes.map((p) => ({ prefix: parsePrefix(p), server: r.module, load: 0 }))));
  t.ok(mv.length > 0 && mv.every((m) => m.from === heavy && m.to === light), `prefixes moved only from ${heavy} to ${light}: ${mv.length}`);
  const after = imbalanceOf(b1);
  t.ok(after <= MAX_IMBALANCE, `the test's traffic under the new assignment: ${after.toFixed(2)} ≤ ${MAX_IMBALANCE} (was ${before.toFixed(2)})`);
  t.ok(b1.learned && b1.learned.samples > 0 && b1.learned.windows >= 2, `get_pm_info shows the learning: ${JSON.stringify(b1.learned)}`);
  t.ok(b1.replicas.every((r) => typeof r.share === 'number'), `and each replica's share of the estimate: ${b1.replicas.map((r) => `${r.module} ${r.share?.toFixed(2)}`).join(', ')}`);
  // the operator's view: clickos allocations shows the last window and each replica's share
  const cli = await execa('node', [join(projectRoot, 'dist', 'cli', 'main.js'), 'allocations'], { env: { CLICKOS_CONTROLLER: url, CLICKOS_SECRET: USER_SECRET }, reject: false });
  t.equal(cli.exitCode, 0, cli.stderr);
  t.match(cli.stdout, /\n {6}learned: imbalance \d\.\d{3}, (balanced|confirming|too-soon|rebalance|busy) \(window \d+, \d+ samples, /, cli.stdout);
  t.ok(cli.stdout.split('\n').some((l) => /^\s+n#1\s.*\d+\.\d%/.test(l)), "n#1's share listed");
  t.match(resourced.stderr, new RegExp(`audit: allocation ${id}: 'n' rebalanced from measured traffic: generation 1, ${mv.length} prefix\\(es\\) moved`), 'the audit log says so');

  // the switch carries the new rules: each source's forward rule leads to its new owner's vif 0
  const flows = await groupFlows();
  t.ok(flows.length > 0 && flows.every((l) => l.includes(`cookie=${b1.cookie},`)), 'only the new generation on the switch (make-before-break)');
  // the same traffic keeps coming: the hysteresis band holds, nothing moves again
  await sleep(4 * 1500 + 4000);
  const held = (await balanced())!;
  t.equal(held.generation, 1, `no further rebalance while the traffic stays (last verdict ${held.learned?.verdict}, imbalance ${held.learned?.imbalance.toFixed(3)})`);
  stream.kill('SIGTERM');
  await stream.catch(() => {});

  // a counted burst of the same mix: each replica's vif 0 receives what its prefixes say, within the maximum imbalance
  const rx = async () => new Map(await Promise.all([...vifOf].map(async ([m, e]) => [m, JSON.parse((await execa('ip', ['netns', 'exec', `${ovs.swNs}-m`, 'ip', '-s', '-j', 'link', 'show', e])).stdout)[0].stats64.rx.packets as number] as const)));
  const rx0 = await rx();
  const burst = await send(0, 1500, specs.map((s) => s.replace(/\*(\d+)$/, (_, w) => `*${Number(w) * 5}`)));
  const n = Number(burst.stdout.trim());
  const got = await waitFor('the burst to arrive', async () => {
    await sleep(300);
    const r = await rx();
    const d = new Map([...r].map(([k, v]) => [k, v - rx0.get(k)!]));
    return [...d.values()].reduce((x, y) => x + y, 0) >= n * 0.98 ? d : undefined;
  });
  const want = new Map(held.replicas.map((r) => [r.module, sources.filter((s) => ownerOf(s, held) === r.module).reduce((x, s) => x + weight(s) * 5, 0)]));
  t.same(got, want, `each replica received the datagrams of its new prefixes: ${JSON.stringify([...got])}`);
  t.ok(Math.max(...[...got.values()].map((v) => v / (n / 2))) <= MAX_IMBALANCE, 'counted at the replicas: within the maximum imbalance');

  // resourced stopped: sampling off; started again: on again for the recorded group
  t.equal(await resourced.stop('SIGTERM'), 0);
  t.equal(await sflowRows(), 0, 'resourced stopped: the switch samples no more');
  await resourced.start(rdConfig);
  const collectorAgain = await waitFor('sampling on again after the restart', async () => {
    const row = await bridgeSflow();
    return /^[0-9a-f-]{36}$/.test(row) ? (await ovs.vsctl('get', 'sflow', row, 'targets')).trim() : undefined;
  });
  t.pass(`the restarted resourced samples for the recorded group, toward ${collectorAgain}`);

  // the switch loses the group's rules: reconciliation, in a resourced that has learned nothing yet
  // (restarted, no traffic), puts back the learned assignment as it is, not a uniform split
  // the stand-in registers again, which queues a reconciliation of its own: a dry run waits for it
  await waitFor('the stand-in to register again', async () => ((await py(url, 'list_hosts')).reply?.value?.length ? true : undefined));
  t.same(reply(await py(url, 'reconcile', { dry_run: true }, 'task')).value.map((x: { kind: string }) => x.kind), ['adopt'], 'restarted: the group adopted');
  await execa('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', ovs.target, `cookie=${held.cookie}/-1`]);
  const rc = reply(await py(url, 'reconcile', { dry_run: false }, 'task'));
  t.match(rc.value, [{ kind: 'restore_flows', allocation: id, done: true }], rc.message);
  const restored = (await balanced())!;
  t.equal(restored.generation, held.generation + 1, 'put back as the next generation');
  t.same(restored.replicas.map((r) => [r.module, r.prefixes]), held.replicas.map((r) => [r.module, r.prefixes]), 'with the learned prefixes, not a uniform split');

  const del = reply(await py(url, 'delete_allocation', id, 'task'));
  t.equal(del.code, 0, del.message);
  await waitFor('sampling off after delete_allocation', async () => ((await sflowRows()) === 0 ? true : undefined));
  t.equal(await bridgeSflow(), '[]', 'the bridge has no sFlow');
  t.same(await groupFlows(), [], 'no group flow left');
  // resourced logs once openflowd answered, then closes its socket
  await waitFor('resourced to say sampling is off', () => (/audit: balancer learning: no balanced allocation left/.test(resourced.stderr) ? true : undefined));
  const port2 = Number(/:(\d+)"/.exec(collectorAgain)![1]);
  const open = await waitFor("resourced's collector socket to close", async () => ((await execa('ss', ['-Hulnp'])).stdout.includes(`${ovs.controllerHost}:${port2} `) ? undefined : true));
  t.ok(open, "resourced's collector socket is closed");
});
