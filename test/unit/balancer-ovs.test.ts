// The balancer on a REAL Open vSwitch (userspace datapath, conntrack in userspace;
// test/support/ovs.ts): controller/balancer/switch.ts installs a group's rules through
// openflowd's ovs-ofctl driver, one cookie per generation, make-before-break, and a
// prefix move keeps established TCP connections on their old replica while new ones go
// to the new one (README.md "On a switch", "Flow migration").
//   gen  — namespace with 64 source addresses 10.(64+k).0.1 (one per /16), the forward port
//   srv  — namespace 10.8.0.1: UDP sink, TCP echo; the reverse port
//   r1, r2 — REPLICA STAND-INS (namespaces, not ClickOS): Linux routers with two ports,
//            forward traffic in and out on eth0, reverse in and out on eth1 (as a two-port
//            ClickOS replica: rules.ts's return flows), that count every packet they
//            receive per 5-tuple (test/support/balancer_traffic.py sniff). Capacities 2:1.
// Linux routers keep no per-flow state, so "not reset" is checked as D3.2 §2.3.2 needs
// it of a stateful replica: a moved connection's packets (both directions) never reach
// the replica that has no state for it, and its byte stream echoes back whole.
// test/lab/balancer-clickos.test.ts does this with real ClickOS replicas in dom0.
import t, { type Test } from 'tap';
import { execa, type ResultPromise } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BalancedGroup, SwitchGroup, isGroupCookie, type Assignment, type GroupPorts, type Move } from '../../controller/balancer/index.js';
import { parseAddress, parsePrefix } from '../../controller/balancer/prefix.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { flowKey, normaliseDump } from '../../controller/openflow/model.js';
import { ns, startOvs } from '../support/ovs.js';

const TAG = 'bal';
const PY = join(import.meta.dirname, '..', 'support', 'balancer_traffic.py');
// one per /16, so the estimator's default /16 buckets tell them apart
const SOURCES = Array.from({ length: 64 }, (_, k) => `10.${64 + k}.0.1`);
const MAC = { gen: '02:bb:00:00:00:10', srv: '02:bb:00:00:00:20', rIn: '02:bb:00:00:00:01', rOut: '02:bb:00:00:00:02' };
const REPLICAS = ['r1', 'r2'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which server an address is assigned to. */
function ownerOf(a: Assignment, addr: string): string {
  const x = parseAddress(addr);
  const l = a.leaves.find((l) => x >= l.prefix.base && x < l.prefix.base + 2 ** (32 - l.prefix.len));
  return l!.server;
}

function inMoved(moved: Move[], addr: string): Move | undefined {
  const x = parseAddress(addr);
  return moved.find((m) => x >= m.prefix.base && x < m.prefix.base + 2 ** (32 - m.prefix.len));
}

t.test('a balanced group on a real OVS: prefix split by capacity, rebalance make-before-break, TCP migrated over conntrack', async (t) => {
  const ovs = await startOvs(TAG);
  const procs: ResultPromise[] = [];
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
    await ovs.stop();
  });
  const nsOf = (n: string) => `${ovs.swNs}-${n}`;
  const fwd = await ovs.addVethPort(`${TAG}g`, 'eth0', nsOf('gen'));
  const rev = await ovs.addVethPort(`${TAG}s`, 'eth0', nsOf('srv'));
  const replicaPorts: Record<string, number[]> = {};
  for (const r of REPLICAS) replicaPorts[r] = [await ovs.addVethPort(`${TAG}${r}a`, 'eth0', nsOf(r)), await ovs.addVethPort(`${TAG}${r}b`, 'eth1', nsOf(r))];

  // addressing: the switch forwards on ports, not MACs, so both replicas answer to the
  // same router MACs and every neighbour is static (no ARP crosses the balancer's rules)
  const sh = (n: string, script: string) => ns(nsOf(n), 'sh', '-ec', script);
  await sh('gen', `ip link set eth0 address ${MAC.gen}; ip addr add 10.7.0.1/24 dev eth0
    ${SOURCES.map((s) => `ip addr add ${s}/32 dev eth0`).join('\n')}
    ip route add 10.8.0.0/24 via 10.7.0.254; ip neigh replace 10.7.0.254 lladdr ${MAC.rIn} dev eth0 nud permanent`);
  await sh('srv', `ip link set eth0 address ${MAC.srv}; ip addr add 10.8.0.1/24 dev eth0
    ip route add 10.64.0.0/10 via 10.8.0.254; ip neigh replace 10.8.0.254 lladdr ${MAC.rOut} dev eth0 nud permanent`);
  // a replica takes each direction on one port and sends it back out the same port
  // (Click's FromDevice(k) -> ... -> ToDevice(k); the return flows of rules.ts)
  for (const r of REPLICAS)
    await sh(r, `ip link set eth0 address ${MAC.rIn}; ip link set eth1 address ${MAC.rOut}
      sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0
      sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0 net.ipv4.conf.eth1.send_redirects=0
      ip route add 10.8.0.0/24 dev eth0; ip neigh replace 10.8.0.1 lladdr ${MAC.srv} dev eth0 nud permanent
      ip route add 10.64.0.0/10 via 10.7.0.1 dev eth1 onlink; ip neigh replace 10.7.0.1 lladdr ${MAC.gen} dev eth1 nud permanent`);
  for (const [n, ifs] of [['gen', ['eth0']], ['srv', ['eth0']], ...REPLICAS.map((r) => [r, ['eth0', 'eth1']] as const)] as const)
    await ns(nsOf(n), 'python3', PY, 'nocsum', ...ifs);
  const pyIn = (n: string, ...args: string[]) => {
    const p = execa('ip', ['netns', 'exec', nsOf(n), 'python3', '-u', PY, ...args], { reject: false });
    procs.push(p);
    return p;
  };
  pyIn('srv', 'server', '10.8.0.1');
  const sniffers = Object.fromEntries(REPLICAS.map((r) => [r, { proc: pyIn(r, 'sniff', join(ovs.dir, `${r}.json`), 'eth0', 'eth1'), seq: 0 }]));
  /** Each replica's counts since the last read, per "proto src:sport>dst:dport". */
  const readCounts = async (): Promise<Record<string, Record<string, number>>> => {
    const out: Record<string, Record<string, number>> = {};
    for (const r of REPLICAS) {
      const s = sniffers[r]!;
      s.proc.kill('SIGUSR1');
      for (let i = 0; ; i++) {
        const j = await readFile(join(ovs.dir, `${r}.json`), 'utf8').then((x) => JSON.parse(x) as { seq: number; counts: Record<string, number> }, () => undefined);
        if (j && j.seq > s.seq) {
          s.seq = j.seq;
          out[r] = j.counts;
          break;
        }
        if (i > 200) throw new Error(`replica stand-in ${r} did not report its counters: ${s.proc.exitCode ?? 'running'}`);
        await sleep(25);
      }
    }
    return out;
  };
  // each sniffer writes seq 0 once it listens (SIGUSR1 before then would kill it)
  for (const r of REPLICAS)
    for (let i = 0; !(await readFile(join(ovs.dir, `${r}.json`), 'utf8').then(() => true, () => false)); i++) {
      if (i > 400) throw new Error(`replica stand-in ${r} did not start: ${(await sniffers[r]!.proc.catch((e: Error) => e)).toString()}`);
      await sleep(25);
    }

  const driver = createOfctlDriver({ target: ovs.target, env: ovs.env });
  const ports: GroupPorts = {
    field: 'src',
    forward: { port: fwd },
    reverse: { port: rev },
    replicas: replicaPorts,
    conntrack: { zone: 7, marks: { r1: 1, r2: 2 } },
  };
  const group = new BalancedGroup({
    cookie: 0n, // unused: SwitchGroup names the cookies
    servers: [{ name: 'r1', capacity: 2 }, { name: 'r2', capacity: 1 }],
    ports,
    estimator: { samplingRate: 1, smoothing: 1 },
    trigger: { confirmations: 1, minIntervalMs: 0 },
  });
  const sw = new SwitchGroup(driver, { group: 42 });
  await sw.install(group.assignment, ports);

  /** Sends `n(k)` datagrams from each source; returns the UDP packets each replica counted per source. */
  const udpRound = async (n: (k: number) => number) => {
    await execa('ip', ['netns', 'exec', nsOf('gen'), 'python3', PY, 'udp', '10.8.0.1', ...SOURCES.map((s, k) => `${s}:${n(k)}`)]);
    await sleep(300);
    const c = await readCounts();
    const per: Record<string, Record<string, number>> = {};
    for (const r of REPLICAS)
      for (const [k, v] of Object.entries(c[r]!)) {
        const m = /^17 ([\d.]+):\d+>10\.8\.0\.1:9000$/.exec(k);
        if (m) (per[r] ??= {})[m[1]!] = ((per[r] ??= {})[m[1]!] ?? 0) + v;
      }
    return per;
  };
  /** The group learns from what the replicas counted (D3.2 §2.2.5: replica counters, not the switch's). */
  const learn = (per: Record<string, Record<string, number>>) => {
    for (const r of REPLICAS) for (const [src, v] of Object.entries(per[r] ?? {})) group.estimator.count(parsePrefix(`${src}/32`), v);
  };
  /** Every source's packets reached exactly the replica the assignment names; the split is within the maximum imbalance. */
  const checkSplit = (t: Test, per: Record<string, Record<string, number>>, n: (k: number) => number, what: string) => {
    const a = group.assignment;
    let misplaced = 0;
    const load: Record<string, number> = { r1: 0, r2: 0 };
    SOURCES.forEach((s, k) => {
      const want = ownerOf(a, s);
      for (const r of REPLICAS) {
        const v = per[r]?.[s] ?? 0;
        load[r]! += v;
        if (r !== want) misplaced += v;
      }
      void n(k);
    });
    t.equal(misplaced, 0, `${what}: no source's packets reached a replica other than its prefix's`);
    const total = load.r1! + load.r2!;
    const sent = SOURCES.reduce((s, _, k) => s + n(k), 0);
    // a userspace switch on a loaded 2-core machine may drop a few; the split is judged on what arrived
    t.ok(total >= 0.9 * sent, `${what}: the replicas counted ${total} of ${sent} datagrams`);
    const imb = Math.max(load.r1! / (total * 2 / 3), load.r2! / (total / 3));
    t.ok(imb <= 1.1, `${what}: counted split r1 ${load.r1} / r2 ${load.r2} (capacities 2:1), imbalance ${imb.toFixed(3)} ≤ 1.1`);
  };

  // 1. uniform traffic: the group started balanced for uniform traffic over 0/0, so all
  //    of 10.64/10 sits with one replica; the counters say so and the trigger fires
  const uniform = () => 40;
  let per = await udpRound(uniform);
  t.equal(Object.keys(per).length, 1, 'before learning, one replica carries all of 10.64.0.0/10');
  learn(per);
  let tick = group.tick(1000);
  t.equal(tick.verdict, 'rebalance', `the trigger fires on the counted imbalance ${tick.imbalance.toFixed(2)}`);
  const dumpBefore = await driver.dumpFlows();
  t.ok(dumpBefore.every((f) => isGroupCookie(f.cookie) && f.cookie === sw.cookie('rules')), 'generation 0 is on the switch under its group cookie');
  const installed1 = await sw.install(group.assignment, ports);
  const after1 = await driver.dumpFlows();
  t.same([...new Set(after1.map((f) => f.cookie))], [sw.cookie('rules')], 'make-before-break: only generation 1 is left');
  t.equal(after1.length, installed1.rules.length, 'every installed flow is on the switch');
  per = await udpRound(uniform);
  checkSplit(t, per, uniform, 'uniform traffic after learning');

  // 2. the traffic shifts (10.64-79.x send 5×): long-lived TCP connections from every
  //    2nd source are open across the move
  const shifted = (k: number) => (k < 16 ? 100 : 20);
  const tcpSources = SOURCES.filter((_, k) => k % 2 === 0);
  const tcp = execa('ip', ['netns', 'exec', nsOf('gen'), 'python3', '-u', PY, 'tcp', '10.8.0.1', '6', ...tcpSources], { reject: false, buffer: true });
  procs.push(tcp);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    tcp.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    void tcp.then((r) => reject(new Error(`TCP clients ended before connecting: ${r.stderr}`)));
  });
  await sleep(500);
  const beforeMove = await readCounts();
  const oldAssignment = group.assignment;
  per = await udpRound(shifted);
  learn(per);
  tick = group.tick(2000);
  t.equal(tick.verdict, 'rebalance', `the shift makes the trigger fire (imbalance ${tick.imbalance.toFixed(2)})`);
  const moved = tick.change!.moved;
  const movedTcp = tcpSources.filter((s) => inMoved(moved, s));
  t.ok(movedTcp.length >= 1, `some long-lived connections are in a moved prefix (${movedTcp.join(', ')})`);
  // 3. install with an idle phase; a new connection from a moved source meanwhile
  const installed2 = await sw.install(group.assignment, ports, moved);
  t.ok(installed2.migration.some((f) => f.actions.some((a) => a.type === 'ct' && a.table !== undefined)), 'the idle phase reads conntrack');
  const dump2 = await driver.dumpFlows();
  t.same([...new Set(dump2.map((f) => f.cookie))].sort(), [sw.cookie('rules'), sw.cookie('migration')].sort(), 'old generation gone; new rules and migration flows present');
  // what OVS prints back parses to exactly what we installed: model, printer and parser agree on ct
  const expected = [...installed2.migration.map((f) => ({ ...f, cookie: sw.cookie('migration') })), ...installed2.rules.map((f) => ({ ...f, cookie: sw.cookie('rules') }))];
  t.same(normaliseDump(dump2), expected.map((f) => flowKey(f)).sort(), 'dump-flows reads back the installed flows, ct_state/ct_mark/ct() included');
  await sleep(300);
  const atMove = await readCounts();
  const newSrc = movedTcp[0]!;
  const fresh = await execa('ip', ['netns', 'exec', nsOf('gen'), 'python3', '-u', PY, 'tcp', '10.8.0.1', '0.5', newSrc], { reject: false });
  t.equal(fresh.exitCode, 0, `a new connection from ${newSrc} during the idle phase works: ${fresh.stderr}`);
  const freshReport = JSON.parse(fresh.stdout.split('\n').at(-1)!) as Array<{ sport: number; sent: number; echoed: number; error: string | null }>;
  const tcpRes = await tcp;
  t.equal(tcpRes.exitCode, 0, `long-lived TCP clients ended cleanly ${tcpRes.stderr}`);
  const reports = JSON.parse(tcpRes.stdout.split('\n').filter(Boolean).at(-1)!) as Array<{ src: string; sport: number; sent: number; echoed: number; error: string | null }>;
  const duringIdle = await readCounts();
  for (const r of reports) {
    t.equal(r.error, null, `${r.src}:${r.sport}: no reset or timeout`);
    t.ok(r.sent > 0 && r.echoed === r.sent, `${r.src}:${r.sport}: ${r.sent} bytes sent, ${r.echoed} echoed back`);
  }
  /** Packets of one connection a replica received: 'out' client→server, 'back' server→client, or both. */
  const seen = (c: Record<string, number>, src: string, sport: number, dir: 'out' | 'back' | 'both' = 'both') =>
    Object.entries(c)
      .filter(([k]) => (dir !== 'back' && k.startsWith(`6 ${src}:${sport}>`)) || (dir !== 'out' && k.endsWith(`>${src}:${sport}`)))
      .reduce((s, [, v]) => s + v, 0);
  for (const src of movedTcp) {
    const r = reports.find((x) => x.src === src)!;
    const m = inMoved(moved, src)!;
    t.equal(m.from, ownerOf(oldAssignment, src), `${src} moves from ${m.from} to ${m.to}`);
    t.ok(seen(beforeMove[m.from]!, src, r.sport) > 0, `${src}:${r.sport} went through ${m.from} before the move`);
    for (const dir of ['out', 'back'] as const)
      t.ok(seen(duringIdle[m.from]!, src, r.sport, dir) > 0, `${src}:${r.sport} (${dir === 'out' ? 'client to server' : 'server to client'}) still goes through ${m.from} after the new rules are in`);
    for (const c of [atMove, duringIdle]) t.equal(seen(c[m.to]!, src, r.sport), 0, `${src}:${r.sport} never reaches ${m.to}, which has no state for it`);
  }
  const f = freshReport[0]!;
  const m0 = inMoved(moved, newSrc)!;
  t.ok(f.error === null && f.echoed === f.sent && f.sent > 0, `the new connection echoed ${f.echoed}/${f.sent} bytes`);
  t.ok(seen(duringIdle[m0.to]!, newSrc, f.sport) > 0, `the new connection ${newSrc}:${f.sport} goes to the new replica ${m0.to}`);
  t.equal(seen(duringIdle[m0.from]!, newSrc, f.sport), 0, `and not to the old one ${m0.from}`);

  // 4. the idle phase ends: the migration flows go, the new rules carry everything
  await sw.endIdle();
  const dump3 = await driver.dumpFlows();
  t.same([...new Set(dump3.map((f) => f.cookie))], [sw.cookie('rules')], 'after the idle phase only the new generation is left');
  per = await udpRound(shifted);
  checkSplit(t, per, shifted, 'shifted traffic after the rebalance');

  await sw.remove();
  t.same(await driver.dumpFlows(), [], 'remove() leaves no flow of the group behind');
  await driver.close();
});
