// A routed module through resourced with a REAL ClickOS router (the lab twin of
// test/unit/resourced-routed.test.ts; controller/resourced/README.md "Routed modules"):
// resourced and the real hostd as their own processes in dom0, resourced steering dom0's
// Open vSwitch in-process (ovs-ofctl driver, bridge xenovs0) with config routing.learn.
// install_allocation places `r :: IPRouter(ROUTES "…", N 8, MACS "…")` as one ClickOS guest
// with one vif running controller/routing/click.ts's config; resourced installs the routing
// group's fixed flows, turns the bridge's sFlow on toward its collector and runs the loop.
// A generator namespace sends the offload simulator's Zipf trace over 50 routes; next-hop
// namespaces count per destination and path. Checked: every datagram at its route's next
// hop, the offloaded set reaches n, the switch never holds more; delete_allocation leaves
// no routing flow, no sFlow, no guest. Written, NOT run yet (no second lab beside the one
// in use). Run it in the lab (root, in dom0), after `npx tsc -p tsconfig.json`:
//   node dist/lab/cli.js up
//   node dist/lab/cli.js exec --cwd /work/main --timeout 1800 -- env TAP_TIMEOUT=1700 LAB_DIR=/work/main/.lab node dist/test/lab/routing-resourced.test.js
import t from 'tap';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { syntheticTrace, type Bin } from '../../controller/offload/index.js';
import { addressRoutedBy, parseRouteTable } from '../../controller/routing/index.js';
import { pmMac } from '../../controller/resourced/installer.js';
import type { RoutedInfo } from '../../controller/resourced/routed.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { flowLines } from '../support/ovs.js';
import { nextHopCounters, tallyBin, type BinTally } from '../support/routing-tally.js';
import { hostdLive, pairSecrets, tearDownControllerPair, writeHostdConfig, writeResourcedConfig } from './controller-configs.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { call, domainNames, waitFor } from './helpers.js';

t.setTimeout(30 * 60_000);

const PREFIX = `rr-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const secrets = pairSecrets();
const PY = join(projectRoot, 'test', 'support', 'routing_traffic.py');
const NEXTHOPS = ['nh1', 'nh2', 'nh3'] as const;
const N = 8;
const ROUTES = [
  '172.16.0.0/16 nh3',
  ...Array.from({ length: 48 }, (_, k) => `172.16.${k}.0/24 ${NEXTHOPS[k % 3]}`),
  '172.16.7.128/25 nh3',
];
const BINS = 8;
const BIN_SECONDS = 10;
// a QEMU-emulated ClickOS routes a few hundred packets a second (test/lab/routing-clickos.test.ts)
const PPS = 300;
const TRACE = {
  prefixes: 50, zipf: 1.3, zipfOffset: 1, meanPps: 50, binSeconds: BIN_SECONDS, bins: BINS, stepSeconds: 10,
  daySeconds: 1e9, dayAmplitude: 0, churnTop: 0.01, churnExponent: 0.5, churnMax: 0.3, churnSpread: 1, burst: 0.2, seed: 19,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('resourced runs a routed module: ClickOS router, dom0 OVS fast path, TFO from counters and sFlow', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'routing-resourced-'));
  const ovs = await startDom0Ovs();
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  const procs: ResultPromise[] = [];
  let user: XmlRpcClient | undefined;
  t.teardown(async () => {
    user?.close();
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    await ovs.vsctl('clear', 'bridge', ovs.bridge, 'sflow').catch(() => {});
    await tearDownControllerPair({ prefix: PREFIX, dir, hostd, resourced, ovs });
  });

  await ovs.addHost('rrgen', 'rr-gen', '10.202.0.1/24');
  const macs: Record<string, string> = {};
  for (const h of NEXTHOPS) macs[h] = await ovs.addHost(`rr${h}`, `rr-${h}`, `10.202.0.${11 + NEXTHOPS.indexOf(h)}/24`);
  await execa('ip', ['netns', 'exec', 'rr-gen', 'python3', PY, 'nocsum', 'eth0']);
  const request = `BASESYS=xen.clickos
in :: FromNet("ip,in_port=rrgen")
${NEXTHOPS.map((h) => `${h} :: ToNet("rr${h}")`).join('\n')}
r :: IPRouter(ROUTES "${ROUTES.join(',\n    ')}",
  N ${N},
  MACS "${NEXTHOPS.map((h) => `${h} ${macs[h]}`).join(', ')}")
in -> r
${NEXTHOPS.map((h, i) => `r[${i}] -> ${h}`).join('\n')}
`;

  const rdConfig = await writeResourcedConfig(dir, {
    prefix: PREFIX, hostId: HOST_ID, secrets, bridge: ovs.bridge,
    extra: {
      switch: { driver: 'ofctl', target: ovs.bridge },
      balancer: { samplingRate: 4, collector: { host: '127.0.0.1' } },
      routing: { learn: true, binSeconds: BIN_SECONDS },
    },
  });
  const rdUrl = await resourced.start(rdConfig);
  user = new XmlRpcClient({ url: rdUrl, secret: secrets.user, timeoutMs: 60_000 });
  await hostd.start(await writeHostdConfig(dir, { name: `hostd-${PREFIX}`, hostId: HOST_ID, secrets, controllerUrl: rdUrl }));
  await hostdLive(user, HOST_ID);

  // a bad route: refused at its line:col, no guest
  const bad = await call(user, 'install_allocation', request.replace('172.16.5.0/24', '172.16.5.1/24'));
  t.equal(bad.code, 1, bad.message);
  t.match(bad.message, /^allocation:\d+:\d+: IPRouter 'r': prefix '172\.16\.5\.1\/24' has host bits set/);
  t.notOk((await domainNames()).some((n) => n.startsWith(PREFIX)), 'no guest made');

  const inst = await call(user, 'install_allocation', request);
  t.equal(inst.code, 0, inst.message);
  const id = inst.value as number;
  const routerMac = pmMac(id, 1, 0);
  await execa('ip', ['netns', 'exec', 'rr-gen', 'sh', '-ec', `ip route add 172.16.0.0/16 via 10.202.0.254; ip neigh replace 10.202.0.254 lladdr ${routerMac} dev eth0 nud permanent`]);
  await waitFor('resourced to turn sampling on', async () => (/^[0-9a-f-]{36}$/.test((await ovs.vsctl('get', 'bridge', ovs.bridge, 'sflow')).trim()) ? true : undefined), 120_000);
  const routed = async () => ((await call(user!, 'get_pm_info')).value as unknown as { allocations: Array<{ routed?: RoutedInfo }> }).allocations[0]!.routed!;

  const readCounts = nextHopCounters({ nexthops: NEXTHOPS, ns: (h) => `rr-${h}`, dir: dir, routerMac: routerMac, procs, waitMs: 50000 });
  await readCounts();

  const table = parseRouteTable(ROUTES.join('\n'), { nexthops: [...NEXTHOPS] });
  const dsts = table.routes.map((_, k) => addressRoutedBy(table, k)!);
  // one datagram first, until the ClickOS router answers
  await writeFile(join(dir, 'probe.json'), JSON.stringify([[dsts[1], 1]]));
  for (let i = 0; ; i++) {
    await execa('ip', ['netns', 'exec', 'rr-gen', 'python3', PY, 'send', join(dir, 'probe.json'), '100']);
    await sleep(1000);
    if (Object.values(await readCounts()).some((c) => Object.keys(c).length)) break;
    if (i > 120) throw new Error('the ClickOS router forwarded nothing in two minutes');
  }

  const bins: Bin[] = [...syntheticTrace(TRACE)];
  const measured: BinTally[] = [];
  let most = 0;
  for (const bin of bins) {
    const spec: Array<[string, number]> = [];
    bin.ids.forEach((k, i) => spec.push([dsts[k]!, bin.counts[i]!]));
    const total = spec.reduce((a, [, n]) => a + n, 0);
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
    await execa('ip', ['netns', 'exec', 'rr-gen', 'python3', PY, 'send', join(dir, 'spec.json'), String(PPS)]);
    await sleep(2000);
    const m = tallyBin(await readCounts(), table, NEXTHOPS, total);
    measured.push(m);
    const r = await routed();
    most = Math.max(most, r.offloaded.length);
    t.comment(`bin ${bin.index}: sent ${total}, received ${m.received} (ClickOS ${m.router}, switch ${m.switch}, misrouted ${m.misrouted}); resourced: ${r.bins} bins, ${r.offloaded.length} offloaded, last software share ${r.last ? (100 * r.last.softwareShare).toFixed(1) : '-'} %${r.error ? `, error ${r.error}` : ''}`);
  }
  const sent = measured.reduce((a, m) => a + m.total, 0);
  const received = measured.reduce((a, m) => a + m.received, 0);
  t.equal(measured.reduce((a, m) => a + m.misrouted, 0), 0, "no datagram reached a next hop other than its route's");
  t.ok(received >= 0.9 * sent, `the next hops received ${received} of ${sent} datagrams`);
  // n + 1 for a moment: a swap goes in make-before-break (fastpath.ts apply)
  t.ok(most >= N && most <= N + 1, `the offloaded set reached n = ${N} (at most ${most})`);
  // resourced's bins run on its own clock, which lags the test's under emulation: judge the
  // bins from the first in which the switch delivered
  const first = measured.findIndex((m) => m.switch > 0);
  t.ok(first >= 0 && first <= BINS - 3 && measured.slice(first).every((m) => m.router > 0 && m.switch > 0), `from bin ${first} on, ClickOS and the switch both delivered in every bin`);
  const rp = (await flowLines(ovs.bridge)).filter((l) => new RegExp(`cookie=0xb2${id.toString(16).padStart(8, '0')}1`).test(l));
  t.ok(rp.length <= N, `at most n prefix flows on the switch (${rp.length})`);

  const del = await call(user, 'delete_allocation', id);
  t.equal(del.code, 0, del.message);
  t.same((await flowLines(ovs.bridge)).filter((l) => /cookie=0xb2/.test(l)), [], 'no routing flow left');
  await waitFor('sampling off', async () => ((await ovs.vsctl('get', 'bridge', ovs.bridge, 'sflow')).trim() === '[]' ? true : undefined), 60_000);
  t.ok(await waitFor('the guest to be gone', async () => ((await domainNames()).some((n) => n.startsWith(PREFIX)) ? undefined : true), 120_000));
  t.equal(await hostd.stop('SIGTERM'), 0, 'hostd: a clean exit');
  t.equal(await resourced.stop('SIGTERM'), 0, 'resourced: a clean exit');
});
