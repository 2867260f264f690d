// The learned rebalance through resourced with real ClickOS replicas (the lab twin of
// test/unit/resourced-balanced-learning.test.ts; controller/resourced/README.md "Learning
// the traffic"): resourced and the real hostd as their own processes in dom0, resourced
// steering dom0's Open vSwitch in-process (ovs-ofctl driver, bridge xenovs0) with config
// balancer.learn. install_allocation places `n :: Cnt() x 2 by src` as two ClickOS guests
// (Click port 0 takes the forward traffic in and back out, counted per /16 of its source;
// port 1 the reverse); resourced turns the bridge's sFlow on toward its collector. UDP from
// 64 sources (a namespace), the sources of one replica's prefixes sending six times as
// much: resourced's trigger fires from the switch's samples and the next generation moves
// prefixes from the loaded replica only; the replicas' own Counters (read_handler) then
// count each /16 only at its new owner, within the maximum imbalance. delete_allocation:
// sampling off, no group flow, no guest.
//   node dist/test/lab/balancer-resourced.test.js        (root, in dom0)
import t from 'tap';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { parseAddress, parsePrefix } from '../../controller/balancer/prefix.js';
import { moves } from '../../controller/balancer/leaves.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { flowLines } from '../support/ovs.js';
import { hostdLive, pairSecrets, tearDownControllerPair, writeHostdConfig, writeResourcedConfig } from './controller-configs.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { call, domainNames, waitFor } from './helpers.js';

t.setTimeout(60 * 60_000);

const PREFIX = `br-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const secrets = pairSecrets();
const PY = join(projectRoot, 'test', 'support', 'balancer_traffic.py');
const N = 64;
const SOURCES = Array.from({ length: N }, (_, k) => `10.${64 + k}.0.1`);
const MAX_IMBALANCE = 1.2;
const HEAVY = 6;

/** A replica: forward traffic in and out of port 0, counted per /16 of its source; reverse in and out of port 1. */
const CNT_SRC = [
  'in0 :: FromDevice(0);', 'out0 :: ToDevice(0);', 'in1 :: FromDevice(1);', 'out1 :: ToDevice(1);',
  // offset 26 of an Ethernet frame: the IPv4 source's first two bytes
  `cls :: Classifier(${SOURCES.map((_, k) => `26/0a${(64 + k).toString(16).padStart(2, '0')}`).join(', ')}, -);`,
  'in0 -> cls;',
  ...SOURCES.map((_, k) => `cls[${k}] -> s${k} :: Counter -> out0;`),
  `cls[${N}] -> other :: Counter -> out0;`,
  'in1 -> back :: Counter -> out1;',
].join('\n') + '\n';

const REQUEST = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=brgen")
rev :: FromNet("ip,in_port=brsrv")
tosrv :: ToNet("brsrv")
togen :: ToNet("brgen")
fwd -> [0]n :: Cnt() x 2 by src [0] -> tosrv
rev -> [1]n[1] -> togen
`;

interface Balanced {
  generation: number;
  cookie: string;
  replicas: Array<{ module: string; pm: string; prefixes: string[]; share?: number }>;
  learned?: { windows: number; samples: number; imbalance: number; verdict: string };
}

const ownerOf = (b: Balanced, addr: string): string => {
  const x = parseAddress(addr);
  return b.replicas.find((r) => r.prefixes.some((p) => {
    const q = parsePrefix(p);
    return x >= q.base && x < q.base + 2 ** (32 - q.len);
  }))!.module;
};

t.test('resourced rebalances ClickOS replicas from dom0 OVS sFlow samples', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'balancer-resourced-'));
  const ovs = await startDom0Ovs();
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  const procs: ResultPromise[] = [];
  let user: XmlRpcClient | undefined;
  let host: XmlRpcClient | undefined;
  t.teardown(async () => {
    user?.close();
    host?.close();
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    await ovs.vsctl('clear', 'bridge', ovs.bridge, 'sflow').catch(() => {});
    await tearDownControllerPair({ prefix: PREFIX, dir, hostd, resourced, ovs });
  });

  // outside world: gen (64 sources) and srv on one L2 segment through the replicas (Click forwards frames unchanged)
  const gen = await ovs.addHost('brgen', 'br-gen', '10.77.0.1/24');
  const srv = await ovs.addHost('brsrv', 'br-srv', '10.77.0.2/24');
  await ovs.ip('br-gen', [...SOURCES.map((s) => `addr add ${s}/32 dev eth0`), `neigh replace 10.77.0.2 lladdr ${srv} dev eth0 nud permanent`]);
  await ovs.ip('br-srv', ['route add 10.64.0.0/10 via 10.77.0.1', `neigh replace 10.77.0.1 lladdr ${gen} dev eth0 nud permanent`]);
  for (const n of ['br-gen', 'br-srv']) await execa('ip', ['netns', 'exec', n, 'python3', PY, 'nocsum', 'eth0']);
  procs.push(execa('ip', ['netns', 'exec', 'br-srv', 'python3', '-u', PY, 'server', '10.77.0.2'], { reject: false }));

  const rdConfig = await writeResourcedConfig(dir, {
    prefix: PREFIX, hostId: HOST_ID, secrets, bridge: ovs.bridge,
    extra: {
      switch: { driver: 'ofctl', target: ovs.bridge },
      // dom0's OVS reaches a collector on loopback; windows long enough for an emulated dom0
      balancer: { learn: true, samplingRate: 10, intervalMs: 5000, maxImbalance: MAX_IMBALANCE, confirmations: 2, minIntervalMs: 20_000, collector: { host: '127.0.0.1' } },
    },
  });
  const rdUrl = await resourced.start(rdConfig);
  user = new XmlRpcClient({ url: rdUrl, secret: secrets.user, timeoutMs: 60_000 });
  const hostdUrl = await hostd.start(await writeHostdConfig(dir, { name: `hostd-${PREFIX}`, hostId: HOST_ID, secrets, controllerUrl: rdUrl }));
  host = new XmlRpcClient({ url: hostdUrl, secret: secrets.hostd, timeoutMs: 60_000 });
  await hostdLive(user, HOST_ID);
  t.equal((await call(user, 'deploy_pm', { name: 'Cnt', src: CNT_SRC })).code, 0);

  const inst = await call(user, 'install_allocation', REQUEST);
  t.equal(inst.code, 0, inst.message);
  const id = inst.value as number;
  const balanced = async () => ((await call(user!, 'get_pm_info')).value as unknown as { allocations: Array<{ balanced?: Balanced }> }).allocations[0]!.balanced!;
  await waitFor('resourced to turn sampling on', async () => (/^[0-9a-f-]{36}$/.test((await ovs.vsctl('get', 'bridge', ovs.bridge, 'sflow')).trim()) ? true : undefined), 120_000);
  t.pass('the bridge samples toward resourced');
  const b0 = await balanced();
  const heavy = ownerOf(b0, SOURCES[0]!);
  const weight = (s: string) => (ownerOf(b0, s) === heavy ? HEAVY : 1);

  /** Each replica's per-/16 Counters, as deltas since the last read. */
  const last = new Map<string, number[]>();
  const readCounters = async (b: Balanced): Promise<Map<string, number[]>> => {
    const out = new Map<string, number[]>();
    for (const r of b.replicas) {
      // eight at a time: hostd refuses a peer's 65th connection (daemon/server.ts maxConnectionsPerPeer)
      const now: number[] = [];
      for (let k0 = 0; k0 < SOURCES.length; k0 += 8)
        now.push(...(await Promise.all(SOURCES.slice(k0, k0 + 8).map(async (_, i) => {
          const rv = await call(host!, 'read_handler', { pm: r.pm, rid: 0, element: `s${k0 + i}`, handler: 'count' });
          if (rv.code !== 0) throw new Error(`read ${r.pm}.s${k0 + i}.count: ${rv.message}`);
          return Number(rv.value);
        }))));
      out.set(r.module, now.map((v, k) => v - (last.get(r.pm)?.[k] ?? 0)));
      last.set(r.pm, now);
    }
    return out;
  };
  const round = () => execa('ip', ['netns', 'exec', 'br-gen', 'python3', PY, 'udp', '10.77.0.2', ...SOURCES.map((s) => `${s}:${10 * weight(s)}`)]);

  // the skewed traffic, round after round, until resourced moves something
  const deadline = Date.now() + 10 * 60_000;
  let b1 = b0;
  while (b1.generation === b0.generation && Date.now() < deadline) {
    await round();
    b1 = await balanced();
  }
  t.ok(b1.generation > b0.generation, `resourced rebalanced from the samples: generation ${b1.generation}, last window ${JSON.stringify(b1.learned)}`);
  const leaves = (b: Balanced) => b.replicas.flatMap((r) => r.prefixes.map((p) => ({ prefix: parsePrefix(p), server: r.module, load: 0 })));
  const mv = moves(leaves(b0), leaves(b1));
  t.ok(mv.length > 0 && mv.every((m) => m.from === heavy), `prefixes moved only from the loaded ${heavy}: ${mv.length}`);
  t.ok((await flowLines(ovs.bridge)).filter((l) => /cookie=0xb1/.test(l)).every((l) => l.includes(`cookie=${b1.cookie},`)), 'only the new generation on the switch');

  // the replicas' own Counters: each /16 only at its new owner, the split within the maximum imbalance
  await readCounters(b1);
  await round();
  await new Promise((r) => setTimeout(r, 1000));
  const counts = await readCounters(b1);
  let misplaced = 0;
  const load = new Map<string, number>();
  for (const [m, c] of counts) c.forEach((v, k) => {
    load.set(m, (load.get(m) ?? 0) + v);
    if (v && ownerOf(b1, SOURCES[k]!) !== m) misplaced += v;
  });
  t.equal(misplaced, 0, 'every /16 counted only at the replica its new prefix names');
  const total = [...load.values()].reduce((a, b) => a + b, 0);
  const imb = Math.max(...[...load.values()].map((v) => v / (total / 2)));
  t.ok(imb <= MAX_IMBALANCE, `ClickOS Counters ${JSON.stringify([...load])}: imbalance ${imb.toFixed(3)} ≤ ${MAX_IMBALANCE}`);

  const del = await call(user, 'delete_allocation', id);
  t.equal(del.code, 0, del.message);
  await waitFor('sampling off', async () => ((await ovs.vsctl('get', 'bridge', ovs.bridge, 'sflow')).trim() === '[]' ? true : undefined), 60_000);
  t.pass('delete_allocation: the bridge samples no more');
  t.same((await flowLines(ovs.bridge)).filter((l) => /cookie=0xb1/.test(l)), [], 'no group flow left');
  t.ok(await waitFor('the guests to be gone', async () => ((await domainNames()).some((n) => n.startsWith(PREFIX)) ? undefined : true), 120_000));
  t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
  t.equal(await resourced.stop('SIGTERM'), 0, 'resourced: a clean exit');
});
