// The balancer with two real ClickOS replicas on dom0's Open vSwitch (the lab twin of
// test/unit/balancer-ovs.test.ts; controller/balancer/README.md "On a switch", "Flow
// migration"). hostd (its own process) creates the replicas, each with two vifs on the
// bridge: Click port 0 takes the forward direction in and back out (per-/16 Counters
// behind a Classifier on the IPv4 source: the replica-side counters README.md "Learning
// the traffic" suggests), port 1 the reverse direction. The balancer learns from those
// Counters (read_handler), installs its rules through openflowd's ovs-ofctl driver, one
// cookie per generation, make-before-break; the counted split is within the maximum
// imbalance; a traffic shift fires the trigger, and long-lived TCP connections through
// the moved prefixes echo every byte across the move, kept on their old replica by the
// conntrack flows of the idle phase (their flow counters say so).
//   node dist/test/lab/balancer-clickos.test.js        (root, in dom0)
import t from 'tap';
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { BalancedGroup, SwitchGroup, type Assignment, type GroupPorts } from '../../controller/balancer/index.js';
import { parseAddress, parsePrefix } from '../../controller/balancer/prefix.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { Xl } from '../../toolstack/index.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { call, HOSTD_GUESTS } from './helpers.js';

t.setTimeout(60 * 60_000);

// A run aims at 1.02 while the split is judged against 1.1: what the replicas count carries
// the emulated path's UDP losses (a few per cent, unevenly), and the balancer may fill a
// replica up to its target (controller/balancer/README.md "The algorithm").
const TARGET = 1.02;

const PREFIX = `bl-${process.pid}`;
const HOSTD = `hostd-${PREFIX}`;
const SECRET = randomBytes(24).toString('hex');
const PY = join(projectRoot, 'test', 'support', 'balancer_traffic.py');
const N = 64;
const SOURCES = Array.from({ length: N }, (_, k) => `10.${64 + k}.0.1`);
const REPLICAS = ['r1', 'r2'] as const;

/** A replica: forward traffic in and out of port 0, counted per /16 of its source; reverse in and out of port 1. */
const REPLICA_CLICK = [
  'in0 :: FromDevice(0);', 'out0 :: ToDevice(0);', 'in1 :: FromDevice(1);', 'out1 :: ToDevice(1);',
  // offset 26 of an Ethernet frame: the IPv4 source's first two bytes
  `cls :: Classifier(${SOURCES.map((_, k) => `26/0a${(64 + k).toString(16).padStart(2, '0')}`).join(', ')}, -);`,
  'in0 -> cls;',
  ...SOURCES.map((_, k) => `cls[${k}] -> s${k} :: Counter -> out0;`),
  `cls[${N}] -> other :: Counter -> out0;`,
  'in1 -> back :: Counter -> out1;',
].join('\n') + '\n';

const ownerOf = (a: Assignment, addr: string): string => {
  const x = parseAddress(addr);
  return a.leaves.find((l) => x >= l.prefix.base && x < l.prefix.base + 2 ** (32 - l.prefix.len))!.server;
};

t.test('a balanced group over two ClickOS replicas on dom0 OVS', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'balancer-clickos-'));
  const ovs = await startDom0Ovs();
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  const procs: ResultPromise[] = [];
  let client: XmlRpcClient | undefined;
  t.teardown(async () => {
    client?.close();
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    await hostd.stop('SIGKILL').catch(() => {});
    const xl = new Xl({ timeoutMs: 300_000 });
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    await ovs.stop();
    await execa('xenstore-rm', [`/local/domain/0/clickos-toolstack/hostd/${HOSTD}`], { reject: false });
    await rm(dir, { recursive: true, force: true });
  });

  // outside world: gen (64 sources) and srv, one L2 segment through the replicas (Click forwards frames unchanged)
  const gen = await ovs.addHost('blgen', 'bl-gen', '10.77.0.1/24');
  const srv = await ovs.addHost('blsrv', 'bl-srv', '10.77.0.2/24');
  await ovs.ip('bl-gen', [...SOURCES.map((s) => `addr add ${s}/32 dev eth0`), `neigh replace 10.77.0.2 lladdr ${srv} dev eth0 nud permanent`]);
  await ovs.ip('bl-srv', ['route add 10.64.0.0/10 via 10.77.0.1', `neigh replace 10.77.0.1 lladdr ${gen} dev eth0 nud permanent`]);
  for (const n of ['bl-gen', 'bl-srv']) await execa('ip', ['netns', 'exec', n, 'python3', PY, 'nocsum', 'eth0']);
  procs.push(execa('ip', ['netns', 'exec', 'bl-srv', 'python3', '-u', PY, 'server', '10.77.0.2'], { reject: false }));

  const config = join(dir, 'hostd.json');
  await writeFile(config, JSON.stringify({ name: HOSTD, listen: { host: '127.0.0.1', port: 0 }, secret: SECRET, folders: { patches: join(dir, 'patches') }, guests: HOSTD_GUESTS }));
  client = new XmlRpcClient({ url: await hostd.start(config), secret: SECRET, timeoutMs: 60_000 });
  const c = client;
  const replicaPorts: Record<string, number[]> = {};
  for (const r of REPLICAS) {
    const rv = await call(c, 'create_pm', { name: `${PREFIX}-${r}`, vifs: [{ bridge: ovs.bridge }, { bridge: ovs.bridge }], config: REPLICA_CLICK, configName: 'replica' });
    t.equal(rv.code, 0, rv.message);
    const domid = (rv.value as { domid: number }).domid;
    replicaPorts[r] = [await ovs.port(`vif${domid}.0`), await ovs.port(`vif${domid}.1`)];
  }
  const counter = async (r: string, element: string): Promise<number> => {
    const rv = await call(c, 'read_handler', { pm: `${PREFIX}-${r}`, rid: 0, element, handler: 'count' });
    if (rv.code !== 0) throw new Error(`read ${r}.${element}.count: ${rv.message}`);
    return Number(rv.value);
  };
  /** Every replica's per-/16 Counters, as deltas since the last read. */
  const last: Record<string, number[]> = {};
  const readCounters = async (): Promise<Record<string, number[]>> => {
    const out: Record<string, number[]> = {};
    for (const r of REPLICAS) {
      const now = await Promise.all(SOURCES.map((_, k) => counter(r, `s${k}`)));
      out[r] = now.map((v, k) => v - (last[r]?.[k] ?? 0));
      last[r] = now;
    }
    return out;
  };
  await readCounters();

  const driver = createOfctlDriver({ target: ovs.bridge });
  const ports: GroupPorts = { field: 'src', forward: { port: await ovs.port('blgen') }, reverse: { port: await ovs.port('blsrv') }, replicas: replicaPorts, conntrack: { zone: 7, marks: { r1: 1, r2: 2 } } };
  const group = new BalancedGroup({ cookie: 0n, servers: [{ name: 'r1', capacity: 2 }, { name: 'r2', capacity: 1 }], ports, estimator: { samplingRate: 1, smoothing: 1 }, trigger: { confirmations: 1, minIntervalMs: 0, targetImbalance: TARGET } });
  const sw = new SwitchGroup(driver, { group: 4242 });
  await sw.install(group.assignment, ports);

  const udpRound = async (n: (k: number) => number) => {
    await execa('ip', ['netns', 'exec', 'bl-gen', 'python3', PY, 'udp', '10.77.0.2', ...SOURCES.map((s, k) => `${s}:${n(k)}`)]);
    await new Promise((r) => setTimeout(r, 500));
    return readCounters();
  };
  const learn = (counts: Record<string, number[]>) => {
    for (const r of REPLICAS) counts[r]!.forEach((v, k) => v && group.estimator.count(parsePrefix(`10.${64 + k}.0.0/16`), v));
  };
  const checkSplit = (counts: Record<string, number[]>, what: string) => {
    const load = { r1: 0, r2: 0 } as Record<string, number>;
    let misplaced = 0;
    for (const r of REPLICAS) counts[r]!.forEach((v, k) => { load[r]! += v; if (ownerOf(group.assignment, SOURCES[k]!) !== r) misplaced += v; });
    t.equal(misplaced, 0, `${what}: every /16 counted only at its prefix's replica`);
    const total = load.r1! + load.r2!;
    const imb = Math.max(load.r1! / (total * 2 / 3), load.r2! / (total / 3));
    t.ok(imb <= 1.1, `${what}: ClickOS Counters r1 ${load.r1} / r2 ${load.r2} (capacities 2:1), imbalance ${imb.toFixed(3)} ≤ 1.1`);
  };

  let counts = await udpRound(() => 40);
  learn(counts);
  let tick = group.tick(1000);
  t.equal(tick.verdict, 'rebalance', `learning from the replicas' Counters fires the trigger (imbalance ${tick.imbalance.toFixed(2)})`);
  await sw.install(group.assignment, ports);
  t.same([...new Set((await driver.dumpFlows()).map((f) => f.cookie))], [sw.cookie('rules')], 'make-before-break: one generation on the switch');
  checkSplit(await udpRound(() => 40), 'uniform traffic');

  // a traffic shift, learnt from UDP alone (the TCP below would count at the replicas too,
  // and end before the split is judged); then long-lived TCP connections, set up on the old
  // rules, cross the move that the rebalance makes
  counts = await udpRound((k) => (k < 16 ? 100 : 20));
  learn(counts);
  tick = group.tick(2000);
  t.equal(tick.verdict, 'rebalance', `the shift fires the trigger (imbalance ${tick.imbalance.toFixed(2)})`);
  const moved = tick.change!.moved;
  t.comment(`moved: ${moved.map((m) => `${m.prefix.base >>> 24}.${(m.prefix.base >>> 16) & 255}.0.0/${m.prefix.len}`).join(' ')}`);
  const tcpSources = SOURCES.filter((_, k) => k % 2 === 0);
  t.ok(tcpSources.some((s) => moved.some((m) => parseAddress(s) >= m.prefix.base && parseAddress(s) < m.prefix.base + 2 ** (32 - m.prefix.len))), 'a long-lived connection is in a moved prefix');
  const tcp = execa('ip', ['netns', 'exec', 'bl-gen', 'python3', '-u', PY, 'tcp', '10.77.0.2', '10', ...tcpSources], { reject: false });
  procs.push(tcp);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    tcp.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('ready') && resolve()));
    void tcp.then((r) => reject(new Error(`TCP clients ended before connecting: ${r.stderr}`)));
  });
  const inst = await sw.install(group.assignment, ports, moved);
  await new Promise((r) => setTimeout(r, 2000));
  // what the switch's conntrack holds for the group's zone, for a failure's diagnosis
  const ct = await execa('ovs-appctl', ['dpctl/dump-conntrack', 'zone=7'], { reject: false });
  t.comment(`conntrack zone 7 (first 6 of ${ct.stdout.split('\n').filter(Boolean).length}):\n${ct.stdout.split('\n').slice(0, 6).join('\n')}`);
  const res = await tcp;
  const snmp = (await execa('ip', ['netns', 'exec', 'bl-gen', 'python3', '-c', "print(open('/proc/net/snmp').read(), end='')"])).stdout.split('\n').filter((l) => l.startsWith('Tcp:'));
  const tcpStat = Object.fromEntries(snmp[0]!.split(' ').slice(1).map((k, i) => [k, snmp[1]!.split(' ')[i + 1]]));
  t.comment(`gen's TCP: ${tcpStat.OutSegs} segments sent, ${tcpStat.RetransSegs} retransmitted (losses TCP recovered end to end)`);
  t.equal(res.exitCode, 0, res.stderr);
  for (const r of JSON.parse(res.stdout.split('\n').filter(Boolean).at(-1)!) as Array<{ src: string; sport: number; sent: number; echoed: number; error: string | null }>)
    t.ok(r.error === null && r.sent > 0 && r.echoed === r.sent, `${r.src}:${r.sport}: ${r.echoed}/${r.sent} bytes echoed, ${r.error ?? 'no reset'}`);
  const dump = await driver.dumpFlows();
  const kept = dump.filter((f) => f.cookie === sw.cookie('migration') && f.match.ctState?.est);
  t.equal(kept.length, 2 * moved.length, 'an established-connection flow per moved piece and direction');
  t.ok(kept.some((f) => f.packets > 0n), 'established connections of moved prefixes went on to their old replica');
  t.comment(`migration flows: ${dump.filter((f) => f.cookie === sw.cookie('migration')).map((f) => `${JSON.stringify(f.match, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))} ${f.packets}`).join('\n')}`);
  t.equal(inst.migration.length, 6 * moved.length);
  await sw.endIdle();
  t.same([...new Set((await driver.dumpFlows()).map((f) => f.cookie))], [sw.cookie('rules')], 'idle phase over: only the new generation');
  await readCounters(); // a new baseline: the TCP connections' packets were counted too
  checkSplit(await udpRound((k) => (k < 16 ? 100 : 20)), 'shifted traffic after the rebalance');
  await sw.remove();
  t.same(await driver.dumpFlows(), [], 'no flow of the group left');
  await driver.close();
  t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
});
