// Routing as a platform primitive with a REAL ClickOS software router on dom0's Open
// vSwitch (the lab twin of test/unit/routing-ovs.test.ts, whose router is a Linux
// namespace on the host). The router is one ClickOS guest with one vif on the bridge (router on a
// stick) running the config controller/routing/click.ts generates for the route table;
// the switch's fast path (controller/routing/fastpath.ts) holds the n prefixes TFO picks
// each bin, learnt from the offloaded prefixes' flow counters and from sFlow samples of
// the router's output. A generator namespace sends UDP to one address per route with
// Zipf popularity (controller/offload's synthetic trace); next-hop namespaces count what
// they receive per destination and path. About 40 s of traffic.
//   node dist/lab/cli.js up
//   node dist/lab/cli.js exec --cwd /work/main --timeout 1200 -- env TAP_TIMEOUT=1100 LAB_DIR=/work/main/.lab node dist/test/lab/routing-clickos.test.js
import t, { type Test } from 'tap';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import { XenStore } from '../../xenstore/index.js';
import { Xl } from '../../toolstack/index.js';
import { ClickosGuests } from '../../guests/index.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { captureBins, evaluate, formatIpv4, syntheticTrace, Tfo, type Bin } from '../../controller/offload/index.js';
import { addressRoutedBy, isRoutingCookie, parseRouteTable, RouteTableError, RoutingGroup, SflowCollector, sflowVsctlArgs } from '../../controller/routing/index.js';
import { nextHopCounters, tallyBin } from '../support/routing-tally.js';
import { startDom0Ovs } from './dom0-ovs.js';
import { CLICKOS } from './helpers.js';

t.setTimeout(20 * 60_000);

/** The first bins of the replay are captured at the generator and read back as a trace. */
const CAPTURED_BINS = 2;

async function checkCapture(t: Test, capture: ResultPromise, file: string, sentTo: ReadonlyMap<string, number>): Promise<void> {
  capture.kill('SIGTERM');
  await capture;
  const buf = new Uint8Array(await readFile(file));
  const trace = captureBins(buf, 3600, 32);
  const got = new Map<string, number>();
  for (const b of trace.bins) b.ids.forEach((id, i) => got.set(formatIpv4(trace.prefixes[id]!), (got.get(formatIpv4(trace.prefixes[id]!)) ?? 0) + b.counts[i]!));
  t.same(Object.fromEntries([...got].sort()), Object.fromEntries([...sentTo].sort()), `the generator's capture (${[...got.values()].reduce((a, n) => a + n, 0)} frames, ${buf.length} bytes) read by controller/offload's pcap reader: per destination, exactly what the first ${CAPTURED_BINS} bins sent`);
  // dom0 sees the project read-only: ROUTING_CAPTURE_PRINT=1 prints the capture (base64) to keep it as a fixture.
  if (process.env.ROUTING_CAPTURE_PRINT === '1') t.comment(`capture-base64 ${Buffer.from(buf).toString('base64')}`);
}

const NAME = `rt-clickos-${process.pid}`;
const PY = join(projectRoot, 'test', 'support', 'routing_traffic.py');
const ROUTER_MAC = '02:7b:00:00:00:fe';
const NEXTHOPS = ['nh1', 'nh2', 'nh3'] as const;
const N = 8;
const SAMPLING = 4;
// the unit test's table: 48 /24s, a covering /16, a /25 inside one /24 with another next hop
const ROUTES = [
  '172.16.0.0/16 nh3',
  ...Array.from({ length: 48 }, (_, k) => `172.16.${k}.0/24 ${NEXTHOPS[k % 3]}`),
  '172.16.7.128/25 nh3',
].join('\n');
const BINS = 8;
const WARMUP = 3;
// 10 s bins as TFO sees them, sent at PPS: a QEMU-emulated ClickOS routes a few hundred packets a second
const PPS = 300;
const TRACE = {
  prefixes: 50, zipf: 1.3, zipfOffset: 1, meanPps: 50, binSeconds: 10, bins: BINS, stepSeconds: 10,
  daySeconds: 1e9, dayAmplitude: 0, churnTop: 0.01, churnExponent: 0.5, churnMax: 0.3, churnSpread: 1, burst: 0.2, seed: 19,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a ClickOS router and the switch\'s fast path: TFO offloads the heavy prefixes, every packet reaches its next hop', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'routing-clickos-'));
  const ovs = await startDom0Ovs();
  const xs = await XenStore.connect();
  const xl = new Xl({ timeoutMs: 300_000 });
  const guests = new ClickosGuests({ xs, xl, bootTimeoutMs: 300_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000 });
  const collector = new SflowCollector();
  const procs: ResultPromise[] = [];
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    await collector.close();
    for (const d of await xl.list()) if (d.name === NAME) await xl.destroy(d.domid).catch(() => {});
    xs.close();
    await ovs.stop();
    await rm(dir, { recursive: true, force: true });
  });

  await ovs.addHost('rtgen', 'rt-gen', '10.201.0.1/24');
  const macs: Record<string, string> = {};
  for (const h of NEXTHOPS) macs[h] = await ovs.addHost(`rt${h}`, `rt-${h}`, `10.201.0.${11 + NEXTHOPS.indexOf(h)}/24`);
  await execa('ip', ['netns', 'exec', 'rt-gen', 'sh', '-ec', `ip route add 172.16.0.0/16 via 10.201.0.254; ip neigh replace 10.201.0.254 lladdr ${ROUTER_MAC} dev eth0 nud permanent`]);
  await execa('ip', ['netns', 'exec', 'rt-gen', 'python3', PY, 'nocsum', 'eth0']);
  const table = parseRouteTable(ROUTES, { nexthops: [...NEXTHOPS] });
  const ports = { ingress: 'rtgen', router: '', nexthops: Object.fromEntries(NEXTHOPS.map((h) => [h, { port: `rt${h}`, mac: macs[h]! }])) };

  // the software router: ClickOS, one vif on the bridge, the generated config
  const g = await guests.create({ name: NAME, ...CLICKOS, vifs: [{ bridge: ovs.bridge, mac: ROUTER_MAC }] });
  const vif = `vif${g.domid}.0`;
  ports.router = vif;
  const driver = createOfctlDriver({ target: ovs.bridge });
  const at = await collector.listen('127.0.0.1');
  await ovs.vsctl(...sflowVsctlArgs(ovs.bridge, `${at.host}:${at.port}`, { sampling: SAMPLING, header: 64 }));
  const routerIfIndex = Number((await ovs.vsctl('get', 'Interface', vif, 'ifindex')).trim());

  // a bad table: refused with its line numbers, nothing on the switch
  const bad = await RoutingGroup.start({ group: 5, routes: '172.16.0.0/16 nh1\n172.16.0.1/24 nh2\n172.17.0.0/16 nh7\n', n: N, ports, driver, samples: collector, routerIfIndex }).then(() => undefined, (e: unknown) => e);
  t.ok(bad instanceof RouteTableError && bad.errors.map((e) => e.line).join() === '2,3', `a bad table refused by line: ${(bad as Error).message}`);
  t.same(await driver.dumpFlows(), [], 'and nothing installed');

  const group = await RoutingGroup.start({ group: 5, routes: ROUTES, n: N, ports, driver, samples: collector, routerIfIndex, binSeconds: TRACE.binSeconds });
  const rid = await guests.deploy(g.domid, group.clickConfig(ROUTER_MAC), 'router');

  const readCounts = nextHopCounters({ nexthops: NEXTHOPS, ns: (h) => `rt-${h}`, dir: dir, routerMac: ROUTER_MAC, procs, waitMs: 50000 });
  await readCounts();

  // one datagram first, until the router answers: ClickOS starts its router after deploy returns
  const dsts = table.routes.map((_, id) => addressRoutedBy(table, id)!);
  await writeFile(join(dir, 'probe.json'), JSON.stringify([[dsts[1], 1]]));
  for (let i = 0; ; i++) {
    await execa('ip', ['netns', 'exec', 'rt-gen', 'python3', PY, 'send', join(dir, 'probe.json'), '100']);
    await sleep(1000);
    const got = await readCounts();
    if (Object.values(got).some((c) => Object.keys(c).length)) break;
    if (i > 60) throw new Error('the ClickOS router forwarded nothing in a minute');
  }
  collector.drain(); // the probes are not learnt from; they fall in the first bin's default-flow count, which is warm-up

  const bins: Bin[] = [...syntheticTrace(TRACE)];
  const measured: Array<{ total: number; router: number; switch: number; toRouter: number; misrouted: number; received: number }> = [];
  // A capture of the trace as the generator sends it, for controller/offload's pcap reader
  // (a user's own capture takes this path); test/fixtures/offload/lab-gen.pcap is one.
  const capture = execa('ip', ['netns', 'exec', 'rt-gen', 'python3', PY, 'capture', join(dir, 'gen.pcap'), 'eth0'], { reject: false });
  t.teardown(() => void capture.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    capture.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    capture.once('exit', () => reject(new Error('the capture exited before it was ready')));
  });
  const sentTo = new Map<string, number>();
  for (const bin of bins) {
    if (bin.index === CAPTURED_BINS) await checkCapture(t, capture, join(dir, 'gen.pcap'), sentTo);
    const spec: Array<[string, number]> = [];
    bin.ids.forEach((id, i) => spec.push([dsts[id]!, bin.counts[i]!]));
    const total = spec.reduce((a, [, n]) => a + n, 0);
    if (bin.index < CAPTURED_BINS) for (const [d, n] of spec) sentTo.set(d, (sentTo.get(d) ?? 0) + n);
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
    await execa('ip', ['netns', 'exec', 'rt-gen', 'python3', PY, 'send', join(dir, 'spec.json'), String(PPS)]);
    await sleep(2000);
    const got = await readCounts();
    const m = tallyBin(got, table, NEXTHOPS, total);
    const r = await group.tick();
    m.toRouter = r.toRouter;
    measured.push(m);
    t.comment(`bin ${bin.index}: sent ${total}, received ${m.received} (ClickOS ${m.router}, switch ${m.switch}), to router ${r.toRouter}; learnt exact ${r.exact} + sampled ${r.sampled}; +${r.added.length} −${r.removed.length} → ${r.offloaded.length} offloaded, ${r.punts.length} punted`);
  }

  const sent = measured.reduce((a, m) => a + m.total, 0);
  const received = measured.reduce((a, m) => a + m.received, 0);
  t.equal(measured.reduce((a, m) => a + m.misrouted, 0), 0, 'no packet reached a next hop other than its route\'s');
  t.ok(received >= 0.9 * sent, `the next hops received ${received} of ${sent} datagrams`);
  t.ok(measured.slice(WARMUP).every((m) => m.router > 0 && m.switch > 0), 'ClickOS and the switch both delivered in every bin after the warm-up');
  const srcCount = Number(await guests.read(g.domid, rid, 'src', 'count'));
  t.ok(srcCount > 0, `the ClickOS router's FromDevice counted ${srcCount} frames`);
  const late = measured.slice(WARMUP);
  const soft = late.reduce((a, m) => a + m.toRouter, 0) / late.reduce((a, m) => a + m.total, 0);
  const sim = evaluate(bins, [new Tfo({ n: N })])[0]!.slice(WARMUP);
  const predicted = sim.reduce((a, r) => a + r.software, 0) / sim.reduce((a, r) => a + r.total, 0);
  t.comment(`software path share, bins ${WARMUP}..${BINS - 1}: measured ${(100 * soft).toFixed(1)} %, simulator (TFO n=${N}, exact counts) ${(100 * predicted).toFixed(1)} %`);
  t.ok(soft < 0.5, `the offloaded prefixes carry most of the traffic (software share ${(100 * soft).toFixed(1)} %)`);

  await group.remove();
  t.same((await driver.dumpFlows()).filter((f) => isRoutingCookie(f.cookie)), [], 'nothing of the group is left on the switch');
  await guests.stop(g.domid, rid);
  await driver.close();
});
