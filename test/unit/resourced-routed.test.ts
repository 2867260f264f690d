// A routed module through resourced (issue 19 part 3's last point; controller/resourced/README.md
// "Routed modules"): `r :: IPRouter(ROUTES "…", N 8, MACS "…")` installed from Python's
// xmlrpc.client, with resourced and openflowd each ITS OWN PROCESS (openflowd's dump_flows
// and set_sampling over XML-RPC) and a REAL Open vSwitch (userspace datapath,
// test/support/ovs.ts) exporting REAL sFlow to resourced's collector:
//   - bad requests (a route with host bits, an unknown next hop, N 0, a next hop without a
//     MAC) are refused with the request's line:col, and nothing is left: no record, no
//     create_pm at the host, no flow, no sFlow row;
//   - the good one: one PM with one vif whose config is controller/routing/click.ts's
//     router for that vif's MAC; the routing group's fixed flows instead of the
//     allocation's own; sampling on; every bin resourced's loop (config routing.learn)
//     offloads the heavy prefixes: after a few bins the switch holds n, the churn stays
//     bounded, every datagram reaches its route's next hop whichever path, get_pm_info shows
//     the offloaded prefixes and the software share of the last bin;
//   - resourced stopped: sampling off; started again: the loop resumes (sFlow on, fixed
//     flows, reconciliation adopts it);
//   - delete_allocation: no flow, no sFlow row, the PM deleted; an orphan 0xB2 flow is
//     removed by reconciliation.
// STAND-INS, said so: the module host is a stand-in for hostd (test/support/resourced-standin.ts,
// real daemon, in-memory create_pm, domid 1 first) because real hostd needs Xen; the router
// is a ROUTER-STANDIN, a Linux network namespace router (ip_forward, the route table as
// kernel routes, static neighbours) on the vif the PM would have (vif1.0), as in
// test/unit/routing-ovs.test.ts. The traffic is that test's: controller/offload's synthetic
// Zipf trace, counted at three next-hop namespaces per destination and path.
import t from 'tap';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticTrace, type Bin } from '../../controller/offload/index.js';
import { prefixText } from '../../controller/balancer/prefix.js';
import { addressRoutedBy, parseRouteTable, routingCookie } from '../../controller/routing/index.js';
import { pmMac } from '../../controller/resourced/installer.js';
import type { RoutedInfo } from '../../controller/resourced/routed.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { ns, startOvs } from '../support/ovs.js';
import { HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, py, sleep, startStandins, waitFor, reply } from '../support/resourced.js';
import { nextHopCounters, tallyBin, type BinTally } from '../support/routing-tally.js';
import { XmlRpcClient } from '../../daemon/index.js';
import { freePort } from '../support/ports.js';

t.setTimeout(300_000);

const TAG = 'rrt';
const PY = join(import.meta.dirname, '..', 'support', 'routing_traffic.py');
const NEXTHOPS = ['nh1', 'nh2', 'nh3'] as const;
const MAC = { gen: '02:7b:00:00:00:10', nh1: '02:7b:00:00:00:01', nh2: '02:7b:00:00:00:02', nh3: '02:7b:00:00:00:03' };
const OF_SECRET = 'openflowd-secret-0123456789abcdef';
const N = 8;
const SAMPLING = 4;
const BIN_SECONDS = 3;
const ROUTES = [
  '172.16.0.0/16 nh3',
  ...Array.from({ length: 48 }, (_, k) => `172.16.${k}.0/24 ${NEXTHOPS[k % 3]}`),
  '172.16.7.128/25 nh3',
];
const BINS = 9;
const WARMUP = 3;
const TRACE = {
  prefixes: 50, zipf: 1.3, zipfOffset: 1, meanPps: 180, binSeconds: 10, bins: BINS, stepSeconds: 10,
  daySeconds: 1e9, dayAmplitude: 0, churnTop: 0.01, churnExponent: 0.5, churnMax: 0.3, churnSpread: 1, burst: 0.2, seed: 19,
};

const request = (routes: string[] = ROUTES, n = String(N), macs = NEXTHOPS.map((h) => `${h} ${MAC[h]}`).join(', ')) => `BASESYS=xen.clickos
in :: FromNet("ip,in_port=${TAG}g")
nh1 :: ToNet("${TAG}nh1")
nh2 :: ToNet("${TAG}nh2")
nh3 :: ToNet("${TAG}nh3")
r :: IPRouter(ROUTES "${routes.join(',\n    ')}",
  N ${n},
  MACS "${macs}")
in -> r
r[0] -> nh1
r[1] -> nh2
r[2] -> nh3
`;

/** Line and column of the first `needle` in `text`, 1-based. */
const where = (text: string, needle: string) => {
  const i = text.indexOf(needle);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
};

t.test('a routed module through resourced: refusals at line:col, router-standin + real OVS, TFO loop, restart, delete', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-routed-'));
  const ovs = await startOvs(TAG, { controllerLink: true });
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const procs: ResultPromise[] = [];
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    await resourced.stop('SIGKILL');
    await openflowd.stop('SIGKILL');
    await ovs.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const nsOf = (n: string) => `${ovs.swNs}-${n}`;
  // the router-standin sits where the router PM's vif would: stand-in hostd gives domid 1
  const ROUTER_NS = nsOf('router-standin');
  await ovs.addVethPort(`${TAG}g`, 'eth0', nsOf('gen'));
  await ovs.addVethPort('vif1.0', 'eth0', ROUTER_NS);
  for (const h of NEXTHOPS) await ovs.addVethPort(`${TAG}${h}`, 'eth0', nsOf(h));
  const sflowRows = async () => (await ovs.vsctl('--format=json', 'list', 'sflow').then((x) => (JSON.parse(x) as { data: unknown[] }).data)).length;
  const routingFlows = async (): Promise<string[]> => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target])).stdout.split('\n').filter((l) => /cookie=0xb2[0-9a-f]{14},/.test(l));
  const allFlows = async (): Promise<string[]> => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target])).stdout.split('\n').filter((l) => /cookie=/.test(l));

  const ofConfig = join(dir, 'openflowd.json');
  await writeFile(ofConfig, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, secret: { resourced: OF_SECRET }, folders: { patches: join(dir, 'of-patches') }, switch: { driver: 'ofctl', target: ovs.target, name: 'rrtsw', vsctl: { bridge: ovs.bridge, db: `unix:${join(ovs.dir, 'db.sock')}` } } }));
  const ofUrl = await openflowd.start(ofConfig);
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
      // the export is balancer.*'s (one per bridge); only the routing loop uses it here
      balancer: { samplingRate: SAMPLING, collector: { host: ovs.controllerHost }, agent: 'ctl0' },
      routing: { learn: true, binSeconds: BIN_SECONDS },
    }),
  );
  const url = await resourced.start(rdConfig);
  const [standin] = await startStandins(t, url, [{ hostId: 'mh-a' }]);
  await waitFor('the stand-in to register', async () => ((await py(url, 'list_hosts')).reply?.value?.length ? true : undefined));
  const journal = async () => {
    const c = new XmlRpcClient({ url: standin!.url, secret: STANDIN_SECRET });
    try {
      return ((await c.call('journal')) as { value: { calls: Array<{ method: string; name: string }>; pms: string[]; details: Array<{ name: string; vifs: Array<{ mac: string }>; config: string }> } }).value;
    } finally {
      c.close();
    }
  };
  const info = async () => reply(await py(url, 'get_pm_info')).value.allocations as Array<{ id: number; pms: Array<{ name: string }>; routed?: RoutedInfo }>;

  await t.test('bad requests: refused at line:col, nothing placed, created or installed', async (t) => {
    const cases: Array<[string, string, RegExp]> = [
      [request(ROUTES.map((r) => r.replace('172.16.5.0/24', '172.16.5.1/24'))), '172.16.5.1/24', /host bits set/],
      [request(ROUTES.map((r) => r.replace('172.16.9.0/24 nh1', '172.16.9.0/24 nh9'))), '172.16.9.0/24 nh9', /next hop 'nh9' is not one of nh1, nh2, nh3/],
      [request(ROUTES, '0'), 'N 0', /N '0' is not a whole number/],
      [request(ROUTES, String(N), `nh1 ${MAC.nh1}, nh2 ${MAC.nh2}`), 'r[2] -> nh3', /next hop 'nh3' has no MAC in MACS/],
    ];
    for (const [text, at, why] of cases) {
      const rv = reply(await py(url, 'install_allocation', text, 'task'));
      const pos = where(text, at);
      if (at === 'N 0') pos.col += 2; // at N's value
      if (at === 'r[2] -> nh3') pos.col += 8; // a connection is reported where it leads
      t.equal(rv.code, 1, rv.message);
      t.match(rv.value, { error: 'refused', line: pos.line, col: pos.col }, `refused at ${pos.line}:${pos.col}`);
      t.match(rv.message, new RegExp(`^allocation:${pos.line}:${pos.col}: `));
      t.match(rv.message, why);
    }
    t.same(await info(), [], 'no record');
    t.same((await journal()).calls, [], 'no create_pm at the host');
    t.same(await allFlows(), [], 'no flow');
    t.equal(await sflowRows(), 0, 'no sFlow row');
  });

  const table = parseRouteTable(ROUTES.join('\n'), { nexthops: [...NEXTHOPS] });
  const inst = reply(await py(url, 'install_allocation', request(), 'task'));
  t.equal(inst.code, 0, inst.message);
  const id = inst.value as number;
  const routerMac = pmMac(id, 1, 0);
  const j = await journal();
  t.equal(j.details.length, 1, 'one PM');
  t.same(j.details[0]!.vifs.map((v) => v.mac), [routerMac], 'one vif: a router on a stick');
  t.match(j.details[0]!.config, /rt :: RadixIPLookup\(/, "its config is the router's (controller/routing/click.ts)");
  t.ok(NEXTHOPS.every((h) => j.details[0]!.config.includes(`EtherEncap(0x0800, ${routerMac}, ${MAC[h]})`)), "each next hop's output from the vif's MAC to the next hop's");
  t.equal(j.details[0]!.config.split('\n').filter((l) => /^\s+172\.16\./.test(l)).length, ROUTES.length, 'every route in the lookup');
  await waitFor('sampling on toward resourced', async () => ((await sflowRows()) === 1 ? true : undefined));
  const fixed = await routingFlows();
  t.equal(fixed.length, 1 + NEXTHOPS.length, `the routing group's fixed flows: ${fixed.length}`);
  t.ok(fixed.every((l) => l.includes(`cookie=0x${routingCookie(id, 'base').toString(16)},`)), 'under its base cookie');
  t.notOk((await allFlows()).some((l) => l.includes(`cookie=0x${id.toString(16)},`)), "none of the allocation's own");

  // the router-standin: the PM's MAC, the table as kernel routes, static neighbours
  const sh = (n: string, script: string) => ns(n, 'sh', '-ec', script);
  await sh(nsOf('gen'), `ip link set eth0 address ${MAC.gen}; ip addr add 10.201.0.1/24 dev eth0
    ip route add 172.16.0.0/16 via 10.201.0.254; ip neigh replace 10.201.0.254 lladdr ${routerMac} dev eth0 nud permanent`);
  await sh(ROUTER_NS, `ip link set eth0 address ${routerMac}; ip addr add 10.201.0.254/24 dev eth0
    sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
    ${NEXTHOPS.map((h, i) => `ip neigh replace 10.201.0.${11 + i} lladdr ${MAC[h]} dev eth0 nud permanent`).join('\n')}
    ${table.routes.map((r) => `ip route add ${prefixText(r.prefix)} via 10.201.0.${11 + NEXTHOPS.indexOf(r.nexthop as (typeof NEXTHOPS)[number])} dev eth0`).join('\n')}`);
  for (const h of NEXTHOPS) await sh(nsOf(h), `ip link set eth0 address ${MAC[h]}`);
  await ns(nsOf('gen'), 'python3', PY, 'nocsum', 'eth0');
  const readCounts = nextHopCounters({ nexthops: NEXTHOPS, ns: (h) => nsOf(h), dir: ovs.dir, routerMac: routerMac, procs, waitMs: 10000 });
  await readCounts();

  // the trace, one of its bins per resourced bin (roughly: resourced ticks on its own clock)
  const dsts = table.routes.map((_, k) => addressRoutedBy(table, k)!);
  const bins: Bin[] = [...syntheticTrace(TRACE)];
  const measured: BinTally[] = [];
  const seen: RoutedInfo[] = [];
  let maxPrefixFlows = 0;
  for (const bin of bins) {
    const spec: Array<[string, number]> = [];
    bin.ids.forEach((k, i) => spec.push([dsts[k]!, bin.counts[i]!]));
    const total = spec.reduce((a, [, n]) => a + n, 0);
    await writeFile(join(ovs.dir, 'spec.json'), JSON.stringify(spec));
    await ns(nsOf('gen'), 'python3', PY, 'send', join(ovs.dir, 'spec.json'), String(Math.ceil(total / (BIN_SECONDS - 0.6))));
    await sleep(600);
    const m = tallyBin(await readCounts(), table, NEXTHOPS, total);
    measured.push(m);
    const r = (await info())[0]!.routed!;
    seen.push(r);
    const prefixFlows = (await routingFlows()).filter((l) => new RegExp(`cookie=0xb2${id.toString(16).padStart(8, '0')}1`).test(l)).length;
    maxPrefixFlows = Math.max(maxPrefixFlows, prefixFlows);
    t.comment(`bin ${bin.index}: sent ${total}, received ${m.received} (router ${m.router}, switch ${m.switch}, misrouted ${m.misrouted}); resourced: ${r.bins} bins, ${r.offloaded.length} offloaded, ${r.punts.length} punts, last software share ${r.last ? (100 * r.last.softwareShare).toFixed(1) : '-'} %${r.error ? `, error ${r.error}` : ''}`);
  }
  const sent = measured.reduce((a, m) => a + m.total, 0);
  const received = measured.reduce((a, m) => a + m.received, 0);
  t.equal(measured.reduce((a, m) => a + m.misrouted, 0), 0, "no datagram reached a next hop other than its route's");
  t.ok(received >= 0.97 * sent, `the next hops received ${received} of ${sent} datagrams`);
  const last = seen[seen.length - 1]!;
  t.ok(last.learning && last.bins >= BINS - 2, `resourced ran its loop: ${last.bins} bins`);
  t.equal(last.offloaded.length, N, `the offloaded set grew to n = ${N}: ${last.offloaded.join(' ')}`);
  t.ok(maxPrefixFlows <= N, `the switch never held more than n prefix flows (at most ${maxPrefixFlows} seen)`);
  t.ok(measured.slice(WARMUP).every((m) => m.switch > 0 && m.router > 0), 'both paths delivered in every bin after the warm-up');
  const late = measured.slice(WARMUP);
  const softMeasured = late.reduce((a, m) => a + m.router, 0) / late.reduce((a, m) => a + m.received, 0);
  t.ok(softMeasured < 0.5, `the offloaded prefixes carry most of the traffic after the warm-up (software path at the next hops: ${(100 * softMeasured).toFixed(1)} %)`);
  t.ok(last.last && last.last.softwareShare >= 0 && last.last.softwareShare < 0.6 && last.last.packets > 0, `get_pm_info: the last bin's software share ${last.last && (100 * last.last.softwareShare).toFixed(1)} % of ${last.last?.packets} packets`);
  // the operator's view: clickos allocations
  const cli = await execa('node', [join(projectRoot, 'dist', 'cli', 'main.js'), 'allocations'], { env: { CLICKOS_CONTROLLER: url, CLICKOS_SECRET: USER_SECRET }, reject: false });
  t.equal(cli.exitCode, 0, cli.stderr);
  t.match(cli.stdout, new RegExp(String.raw`\n {4}r: routed, ${ROUTES.length} route\(s\), n ${N}, ${N} offloaded, \d+ punted, \d+ bin\(s\); last bin \d+ packets, \d+\.\d% in software`), cli.stdout);
  // churn: what resourced logged, bin by bin (a bin without change logs nothing)
  const churn = [...resourced.stderr.matchAll(/allocation \d+: routing bin (\d+): (\d+) prefix\(es\) offloaded, (\d+) back to software; (\d+) on the switch/g)].map((m) => ({ bin: Number(m[1]), added: Number(m[2]), removed: Number(m[3]), on: Number(m[4]) }));
  t.ok(churn.length > 0 && churn.every((c) => c.added <= N && c.on <= N), `every bin's change within n: ${JSON.stringify(churn)}`);
  const full = churn.find((c) => c.on === N);
  const after = churn.filter((c) => full && c.bin > full.bin);
  const swaps = after.reduce((a, c) => a + c.removed, 0);
  t.ok(full && swaps <= N / 2, `once full, TFO's hysteresis keeps the churn low: ${swaps} prefix(es) swapped out over ${last.bins - full!.bin - 1} bins`);

  // restart: sampling follows resourced; the loop resumes from all-software
  t.equal(await resourced.stop('SIGTERM'), 0);
  t.equal(await sflowRows(), 0, 'resourced stopped: the switch samples no more');
  await resourced.start(rdConfig);
  await waitFor('sampling on again after the restart', async () => ((await sflowRows()) === 1 ? true : undefined));
  await waitFor('the stand-in to register again', async () => ((await py(url, 'list_hosts')).reply?.value?.length ? true : undefined));
  const resumed = await waitFor('the loop to run again', async () => {
    const r = (await info())[0]?.routed;
    return r && r.bins >= 1 ? r : undefined;
  }, 30_000);
  t.ok(resumed.learning, `resumed: ${resumed.bins} bin(s) since the restart`);
  t.same(reply(await py(url, 'reconcile', { dry_run: true }, 'task')).value.map((x: { kind: string }) => x.kind), ['adopt'], 'reconciliation adopts it (its cookies are known)');
  t.equal((await routingFlows()).filter((l) => l.includes(`cookie=0x${routingCookie(id, 'base').toString(16)},`)).length, 1 + NEXTHOPS.length, 'its fixed flows are there');

  // delete: nothing left
  const pm = (await info())[0]!.pms[0]!.name;
  const del = reply(await py(url, 'delete_allocation', id, 'task'));
  t.equal(del.code, 0, del.message);
  t.same(await routingFlows(), [], 'no routing flow left');
  t.same(await allFlows(), [], 'no flow at all');
  await waitFor('sampling off after delete_allocation', async () => ((await sflowRows()) === 0 ? true : undefined));
  t.equal((await ovs.vsctl('get', 'bridge', ovs.bridge, 'sflow')).trim(), '[]', 'the bridge has no sFlow');
  t.ok((await journal()).calls.some((c) => c.method === 'delete_pm' && c.name === pm), `the PM ${pm} deleted at the host`);
  t.same(await info(), [], 'no record');

  // an orphan of the 0xB2 family (a routing group with no record): reconciliation removes it
  const orphan = routingCookie(id, 'prefix', 3);
  await execa('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flow', ovs.target, `cookie=0x${orphan.toString(16)},priority=2050,ip,nw_dst=172.16.3.0/24,actions=drop`]);
  const rc = reply(await py(url, 'reconcile', { dry_run: false }, 'task'));
  t.match(rc.value, [{ kind: 'remove_orphan_flows', allocation: id, cookie: `0x${orphan.toString(16)}`, done: true }], rc.message);
  t.same(await allFlows(), [], 'the orphan is gone');
});
