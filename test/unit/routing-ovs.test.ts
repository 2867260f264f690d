// Routing as a platform primitive (controller/routing, seed §2.4) on a REAL Open vSwitch
// (userspace datapath, test/support/ovs.ts) with REAL traffic between network namespaces:
//   gen            — sends UDP to one address per route, Zipf-popular (controller/offload's
//                    synthetic trace: the same bins the simulator is fed)
//   router-standin — the software router: a Linux namespace router STAND-IN (ip_forward,
//                    the route table as kernel routes, static neighbours), on a stick like
//                    the ClickOS router click.ts generates, because ClickOS needs Xen;
//                    test/lab/routing-clickos.test.ts runs the real one in dom0
//   nh1..nh3       — next hops: count what they receive per destination, and by which path
//                    (the router rewrites the source MAC, the switch only the destination)
// The switch exports sFlow to our collector (controller/routing/sflow.ts) over the test
// switch's controller link; the RoutingGroup learns each bin from the offloaded prefixes'
// flow counters and from samples of the router's output, runs TFO and installs the change.
import t from 'tap';
import { type ResultPromise } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { NativeDriver } from '../../controller/openflowd/native-driver.js';
import { normaliseDump } from '../../controller/openflow/model.js';
import { evaluate, syntheticTrace, Tfo, type Bin } from '../../controller/offload/index.js';
import { prefixText } from '../../controller/balancer/prefix.js';
import { addressRoutedBy, FastPath, isRoutingCookie, parseRouteTable, RouteTableError, RoutingGroup, SflowCollector, sflowClearArgs, sflowVsctlArgs, type BinReport } from '../../controller/routing/index.js';
import { ns, startOvs } from '../support/ovs.js';
import { nextHopCounters, tallyBin } from '../support/routing-tally.js';

// two private switches and ~25 s of traffic: past tap's 30 s default on a busy machine
t.setTimeout(240_000);

const TAG = 'rtg';
const PY = join(import.meta.dirname, '..', 'support', 'routing_traffic.py');
const NEXTHOPS = ['nh1', 'nh2', 'nh3'] as const;
const MAC = { gen: '02:7a:00:00:00:10', router: '02:7a:00:00:00:fe', nh1: '02:7a:00:00:00:01', nh2: '02:7a:00:00:00:02', nh3: '02:7a:00:00:00:03' };
const N = 8; // prefixes the switch holds
const SAMPLING = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// 48 /24s over the three next hops, a covering /16, and a /25 more specific than one /24
// with another next hop: longest match decides in the router and in the switch alike
const ROUTES = [
  '# routing-ovs test table',
  '172.16.0.0/16 nh3   # everything else of the /16',
  ...Array.from({ length: 48 }, (_, k) => `172.16.${k}.0/24 ${NEXTHOPS[k % 3]}`),
  '172.16.7.128/25 nh3 # inside 172.16.7.0/24 (nh2)',
].join('\n');
const BINS = 9;
const WARMUP = 3;
const TRACE = {
  prefixes: 50, zipf: 1.3, zipfOffset: 1, meanPps: 180, binSeconds: 10, bins: BINS, stepSeconds: 10,
  daySeconds: 1e9, dayAmplitude: 0, churnTop: 0.01, churnExponent: 0.5, churnMax: 0.3, churnSpread: 1, burst: 0.2, seed: 19,
};

t.test('router-standin + real OVS fast path: TFO offloads the heavy prefixes, every packet reaches its route\'s next hop', async (t) => {
  const ovs = await startOvs(TAG, { controllerLink: true });
  const procs: ResultPromise[] = [];
  const collector = new SflowCollector();
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    await collector.close();
    await ovs.stop();
  });
  const nsOf = (n: string) => `${ovs.swNs}-${n}`;
  const genPort = await ovs.addVethPort(`${TAG}g`, 'eth0', nsOf('gen'));
  await ovs.addVethPort(`${TAG}r`, 'eth0', nsOf('rtr'));
  for (const h of NEXTHOPS) await ovs.addVethPort(`${TAG}${h}`, 'eth0', nsOf(h));
  const driver = createOfctlDriver({ target: ovs.target, env: ovs.env });
  const ports = {
    ingress: genPort,
    router: `${TAG}r`, // by name, as resourced would give a vif
    nexthops: Object.fromEntries(NEXTHOPS.map((h) => [h, { port: `${TAG}${h}`, mac: MAC[h] }])),
  };

  const table = parseRouteTable(ROUTES, { nexthops: [...NEXTHOPS] });
  const sh = (n: string, script: string) => ns(nsOf(n), 'sh', '-ec', script);
  // static neighbours everywhere: fail-mode secure and no flow for ARP
  await sh('gen', `ip link set eth0 address ${MAC.gen}; ip addr add 10.200.0.1/24 dev eth0
    ip route add 172.16.0.0/16 via 10.200.0.254; ip neigh replace 10.200.0.254 lladdr ${MAC.router} dev eth0 nud permanent`);
  await sh('rtr', `ip link set eth0 address ${MAC.router}; ip addr add 10.200.0.254/24 dev eth0
    sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
    ${NEXTHOPS.map((h, i) => `ip neigh replace 10.200.0.${11 + i} lladdr ${MAC[h]} dev eth0 nud permanent`).join('\n')}
    ${table.routes.map((r) => `ip route add ${prefixText(r.prefix)} via 10.200.0.${11 + NEXTHOPS.indexOf(r.nexthop as (typeof NEXTHOPS)[number])} dev eth0`).join('\n')}`);
  for (const h of NEXTHOPS) await sh(h, `ip link set eth0 address ${MAC[h]}`);
  await ns(nsOf('gen'), 'python3', PY, 'nocsum', 'eth0');

  // the next hops' counters
  const readCounts = nextHopCounters({ nexthops: NEXTHOPS, ns: (h) => nsOf(h), dir: ovs.dir, routerMac: MAC.router, procs, waitMs: 10000 });
  await readCounts(); // each counter is listening

  // sFlow: the switch samples 1 in SAMPLING packets at every port's ingress
  const at = await collector.listen(ovs.controllerHost!);
  await ovs.vsctl(...sflowVsctlArgs(ovs.bridge, `${at.host}:${at.port}`, { sampling: SAMPLING, header: 64, agent: 'ctl0' }));
  const routerIfIndex = Number((await ovs.vsctl('get', 'Interface', `${TAG}r`, 'ifindex')).trim());
  t.ok(routerIfIndex > 0, `the router's port has ifindex ${routerIfIndex}`);

  // bad tables: refused with their line numbers, nothing on the switch
  const bad = await RoutingGroup.start({ group: 7, routes: '10.0.0.0/8 nh1\n10.1.0.0/8 nh2\n\n10.2.0.0/16\n10.3.0.0/16 nh9 # no such next hop\n300.0.0.0/8 nh1\n10.0.0.0/8 nh3', n: N, ports, driver, samples: collector, routerIfIndex }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(bad instanceof RouteTableError, 'a bad table is refused with a RouteTableError');
  if (bad instanceof RouteTableError) {
    t.same(bad.errors.map((x) => x.line), [2, 4, 5, 6, 7], `every bad line, by number:\n${bad.message}`);
    t.match(bad.message, /routes:2: .*host bits set/);
    t.match(bad.message, /routes:5: next hop 'nh9' is not one of nh1, nh2, nh3/);
    t.match(bad.message, /routes:7: prefix 10\.0\.0\.0\/8 already routed on line 1/);
  }
  t.same(await driver.dumpFlows(), [], 'a refused table installs nothing');

  const group = await RoutingGroup.start({ group: 7, routes: ROUTES, n: N, ports, driver, samples: collector, routerIfIndex, binSeconds: TRACE.binSeconds });
  const dsts = table.routes.map((_, id) => addressRoutedBy(table, id)!);
  t.ok(dsts.every(Boolean), 'every route has an address it routes');
  const bins: Bin[] = [...syntheticTrace(TRACE)];
  const reports: BinReport[] = [];
  const measured: Array<{ total: number; router: number; switch: number; toRouter: number; misrouted: number; received: number }> = [];
  for (const bin of bins) {
    const spec: Array<[string, number]> = [];
    bin.ids.forEach((id, i) => spec.push([dsts[id]!, bin.counts[i]!]));
    const total = spec.reduce((a, [, n]) => a + n, 0);
    await writeFile(join(ovs.dir, 'spec.json'), JSON.stringify(spec));
    await ns(nsOf('gen'), 'python3', PY, 'send', join(ovs.dir, 'spec.json'), '4000');
    // the last frames through both paths, and sFlow's export (it flushes about once a second)
    await sleep(1500);
    const got = await readCounts();
    const m = tallyBin(got, table, NEXTHOPS, total);
    const r = await group.tick();
    m.toRouter = r.toRouter;
    reports.push(r);
    measured.push(m);
    t.comment(`bin ${bin.index}: sent ${total}, received ${m.received} (router ${m.router}, switch ${m.switch}), to router (default flow + punts) ${r.toRouter}; learnt exact ${r.exact} + sampled ${r.sampled} (${r.samples} samples); +${r.added.length} −${r.removed.length} → ${r.offloaded.length} offloaded, ${r.punts.length} punted`);
  }

  // every packet at the next hop its route names, whichever path it took
  const sent = measured.reduce((a, m) => a + m.total, 0);
  const received = measured.reduce((a, m) => a + m.received, 0);
  t.equal(measured.reduce((a, m) => a + m.misrouted, 0), 0, 'no packet reached a next hop other than its route\'s');
  t.ok(received >= 0.97 * sent, `the next hops received ${received} of ${sent} datagrams`);
  t.ok(measured.slice(WARMUP).every((m) => m.router > 0 && m.switch > 0), 'both paths delivered in every bin after the warm-up');
  t.ok(measured.every((m, b) => Math.abs(m.router - m.toRouter) <= 0.03 * m.total + 2 || b === 0), 'what the router delivered matches what the switch sent it (default flow counter)');
  // churn per bin is what TFO allowed: never more than n, and the table never above n
  t.ok(reports.every((r) => r.offloaded.length <= N && r.added.length <= N), `at most ${N} prefixes on the switch`);
  const onSwitch = (await driver.dumpFlows()).filter((f) => isRoutingCookie(f.cookie));
  t.equal(onSwitch.length, 1 + NEXTHOPS.length + group.fastPath.offloaded.length + group.fastPath.punts.length, 'the switch holds the fixed flows, one flow per offloaded prefix and one per punt');

  // the offloaded prefixes carry most of the traffic after a few bins; the software share beside the simulator's
  const late = measured.slice(WARMUP);
  const lateTotal = late.reduce((a, m) => a + m.total, 0);
  const softMeasured = late.reduce((a, m) => a + m.toRouter, 0) / lateTotal;
  const sim = evaluate(bins, [new Tfo({ n: N })])[0]!.slice(WARMUP);
  const softPredicted = sim.reduce((a, r) => a + r.software, 0) / sim.reduce((a, r) => a + r.total, 0);
  t.comment(`software path share, bins ${WARMUP}..${BINS - 1}: measured ${(100 * softMeasured).toFixed(1)} %, simulator (TFO n=${N}, exact counts) ${(100 * softPredicted).toFixed(1)} %`);
  t.ok(softMeasured < 0.5, `the offloaded prefixes carry most of the traffic (software share ${(100 * softMeasured).toFixed(1)} %)`);
  t.ok(Math.abs(softMeasured - softPredicted) < 0.15, 'measured within 15 points of the prediction (the loop learns the software path from samples)');

  // the group removed: nothing of it left
  await group.remove();
  t.same((await driver.dumpFlows()).filter((f) => isRoutingCookie(f.cookie)), [], 'nothing of the group is left on the switch');
  await ovs.vsctl(...sflowClearArgs(ovs.bridge));
});

t.test('the fast path through the native OpenFlow 1.3 driver: the same flows as through ovs-ofctl (dl_dst, set_field eth_dst)', async (t) => {
  const ovs = await startOvs(`${TAG}n`, { controllerLink: true });
  const native = new NativeDriver({ host: ovs.controllerHost!, port: 0, connectTimeoutMs: 20_000, echoIntervalMs: 1000 });
  t.teardown(async () => {
    await native.close();
    await ovs.stop();
  });
  const p = {
    gen: await ovs.addVethPort(`${TAG}ng`, 'eth0', `${ovs.swNs}-g`),
    rtr: await ovs.addVethPort(`${TAG}nr`, 'eth0', `${ovs.swNs}-r`),
    nh: await Promise.all(NEXTHOPS.map((h) => ovs.addVethPort(`${TAG}n${h}`, 'eth0', `${ovs.swNs}-${h}`))),
  };
  const port = await native.listen();
  await ovs.vsctl('set-controller', ovs.bridge, `tcp:${ovs.controllerHost}:${port}`);
  await native.channel.waitReady();
  const ofctl = createOfctlDriver({ target: ovs.target, env: ovs.env });
  const table = parseRouteTable(ROUTES);
  const ports = { ingress: p.gen, router: p.rtr, nexthops: Object.fromEntries(NEXTHOPS.map((h, i) => [h, { port: p.nh[i]!, mac: MAC[h] }])) };
  const viaNative = new FastPath(native, table, ports, { group: 11 });
  await viaNative.install();
  await viaNative.apply([0, 8, 49], []); // the /16, a /24 and the /25: punts under the /16
  const viaOfctl = new FastPath(ofctl, table, ports, { group: 12 });
  const nDump = (await ofctl.dumpFlows()).map((f) => ({ ...f, cookie: 0n }));
  t.equal(nDump.length, 1 + NEXTHOPS.length + 3 + viaNative.punts.length, 'fixed flows, 3 prefixes and their punts');
  await viaNative.remove();
  t.same(await ofctl.dumpFlows(), [], 'removed through the native driver: nothing left');
  await viaOfctl.install();
  await viaOfctl.apply([0, 8, 49], []);
  const oDump = (await native.dumpFlows()).map((f) => ({ ...f, cookie: 0n }));
  t.same(normaliseDump(oDump), normaliseDump(nDump), 'installed by ovs-ofctl and dumped by the native driver = installed natively and dumped by ovs-ofctl');
  t.ok(oDump.some((f) => f.actions.some((a) => a.type === 'set_eth_dst')) && oDump.some((f) => f.match.ethDst), 'set_field eth_dst and dl_dst both read back');
  await viaOfctl.remove();
  t.same(await native.dumpFlows(), [], 'nothing left');
});
