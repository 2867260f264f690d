// The balancer's router-on-a-stick rules (D3.2 §2.2.6, controller/balancer/README.md
// "Rules") on a REAL Open vSwitch (userspace datapath; test/support/ovs.ts): each replica
// has ONE switch port; the switch pushes VLAN vlanBase on traffic entering at the forward
// port (Click port 0) and vlanBase + 1 on traffic entering at the reverse port (port 1),
// and sends what the replica hands back on either tag out by the other outside port.
//   gen — namespace with 32 source addresses 10.(64+k).0.1 (one per /16), the forward port
//   srv — namespace 10.8.0.1: TCP echo; the reverse port
//   r1, r2, r3 — REPLICA STAND-INS (namespaces, not ClickOS): one veth to the switch
//            ("trunk"); a user-space VLAN bridge (test/support/balancer_traffic.py
//            vlanbridge: this kernel has no 8021q) hands tag vlanBase to interface eth0 and
//            tag vlanBase + 1 to eth1 (veth pairs), and tags back what leaves them; a Linux
//            router on eth0/eth1 sends each direction back out the interface (tag) it came
//            in on, as a one-vif ClickOS replica's FromDevice(k) -> ... -> ToDevice(k). A
//            sniffer per interface (tag) counts packets per 5-tuple.
// Checked: every connection's client→server packets reach exactly its prefix's replica on
// tag vlanBase, its server→client packets the same replica on vlanBase + 1, none reaches
// another replica, and every byte comes back (the echo is whole).
import t from 'tap';
import { execa, type ResultPromise } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { balance, balancerFlows, type GroupPorts } from '../../controller/balancer/index.js';
import { parseAddress, parsePrefix } from '../../controller/balancer/prefix.js';
import { Traffic } from '../../controller/balancer/traffic.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { ns, startOvs } from '../support/ovs.js';

const TAG = 'bvl';
const PY = join(import.meta.dirname, '..', 'support', 'balancer_traffic.py');
const SOURCES = Array.from({ length: 32 }, (_, k) => `10.${64 + k}.0.1`);
const MAC = { gen: '02:bc:00:00:00:10', srv: '02:bc:00:00:00:20', rIn: '02:bc:00:00:00:01', rOut: '02:bc:00:00:00:02' };
const STANDINS = ['r1', 'r2', 'r3'] as const;
const VLAN_BASE = 300;
const COOKIE = 0xb1_0000_0000_0001n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('router on a stick on a real OVS: each prefix through its one-port replica stand-in, tagged by direction, and back', async (t) => {
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
  const replicas: Record<string, number[]> = {};
  for (const r of STANDINS) replicas[r] = [await ovs.addVethPort(`${TAG}${r}`, 'trunk', nsOf(r))];

  const sh = (n: string, script: string) => ns(nsOf(n), 'sh', '-ec', script);
  await sh('gen', `ip link set eth0 address ${MAC.gen}; ip addr add 10.7.0.1/24 dev eth0
    ${SOURCES.map((s) => `ip addr add ${s}/32 dev eth0`).join('\n')}
    ip route add 10.8.0.0/24 via 10.7.0.254; ip neigh replace 10.7.0.254 lladdr ${MAC.rIn} dev eth0 nud permanent`);
  await sh('srv', `ip link set eth0 address ${MAC.srv}; ip addr add 10.8.0.1/24 dev eth0
    ip route add 10.64.0.0/10 via 10.8.0.254; ip neigh replace 10.8.0.254 lladdr ${MAC.rOut} dev eth0 nud permanent`);
  for (const r of STANDINS)
    await sh(r, `ip link set trunk up; ip link add eth0 type veth peer name v0; ip link add eth1 type veth peer name v1
      ip link set eth0 address ${MAC.rIn}; ip link set eth1 address ${MAC.rOut}
      for i in eth0 eth1 v0 v1; do ip link set $i up; done
      sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0
      sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0 net.ipv4.conf.eth1.send_redirects=0
      ip route add 10.8.0.0/24 dev eth0; ip neigh replace 10.8.0.1 lladdr ${MAC.srv} dev eth0 nud permanent
      ip route add 10.64.0.0/10 via 10.7.0.1 dev eth1 onlink; ip neigh replace 10.7.0.1 lladdr ${MAC.gen} dev eth1 nud permanent`);
  for (const [n, ifs] of [['gen', ['eth0']], ['srv', ['eth0']], ...STANDINS.map((r) => [r, ['trunk', 'eth0', 'eth1', 'v0', 'v1']] as const)] as const)
    await ns(nsOf(n), 'python3', PY, 'nocsum', ...ifs);

  const pyIn = (n: string, ...args: string[]) => {
    const p = execa('ip', ['netns', 'exec', nsOf(n), 'python3', '-u', PY, ...args], { reject: false });
    procs.push(p);
    return p;
  };
  pyIn('srv', 'server', '10.8.0.1');
  for (const r of STANDINS) {
    const b = pyIn(r, 'vlanbridge', 'trunk', `${VLAN_BASE}:v0`, `${VLAN_BASE + 1}:v1`);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      b.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
      void b.then((x) => reject(new Error(`VLAN bridge of ${r} ended: ${x.stderr}`)));
    });
  }
  // one sniffer per stand-in and tag: eth0 sees tag VLAN_BASE (forward), eth1 tag VLAN_BASE + 1 (reverse)
  const sniffers = STANDINS.flatMap((r) => (['eth0', 'eth1'] as const).map((i) => ({ r, i, file: join(ovs.dir, `${r}-${i}.json`), proc: pyIn(r, 'sniff', join(ovs.dir, `${r}-${i}.json`), i) })));
  for (const s of sniffers)
    for (let k = 0; !(await readFile(s.file, 'utf8').then(() => true, () => false)); k++) {
      if (k > 400) throw new Error(`replica stand-in ${s.r} (${s.i}) did not start its sniffer`);
      await sleep(25);
    }
  const readCounts = async (): Promise<Record<string, Record<string, number>>> => {
    const out: Record<string, Record<string, number>> = {};
    for (const s of sniffers) {
      s.proc.kill('SIGUSR1');
      for (let k = 0; ; k++) {
        const j = await readFile(s.file, 'utf8').then((x) => JSON.parse(x) as { seq: number; counts: Record<string, number> }, () => undefined);
        if (j && j.seq > 0) {
          out[`${s.r} ${s.i}`] = j.counts;
          break;
        }
        if (k > 200) throw new Error(`replica stand-in ${s.r} (${s.i}) did not report its counters`);
        await sleep(25);
      }
    }
    return out;
  };

  // the 32 sources' /16s, equal traffic, over three equal replicas
  const traffic = Traffic.fromAtoms(SOURCES.map((s) => ({ prefix: parsePrefix(`${s.replace(/\.0\.1$/, '.0.0')}/16`), load: 1 })));
  const a = balance(STANDINS.map((name) => ({ name, capacity: 1 })), traffic);
  t.ok(a.met, `balanced: imbalance ${a.imbalance.toFixed(3)}`);
  const owner = (src: string) => {
    const x = parseAddress(src);
    return a.leaves.find((l) => x >= l.prefix.base && x < l.prefix.base + 2 ** (32 - l.prefix.len))!.server;
  };
  t.same(new Set(SOURCES.map(owner)).size, 3, 'the sources spread over all three stand-ins');

  const ports: GroupPorts = { field: 'src', forward: { port: fwd }, reverse: { port: rev }, replicas, vlanBase: VLAN_BASE };
  const flows = balancerFlows(a, ports);
  const driver = createOfctlDriver({ target: ovs.target, env: ovs.env });
  await driver.addFlows(COOKIE, flows);
  const dump = await driver.dumpFlows();
  t.equal(dump.length, flows.length, `${flows.length} flows on the switch`);

  const tcp = await execa('ip', ['netns', 'exec', nsOf('gen'), 'python3', '-u', PY, 'tcp', '10.8.0.1', '1.5', ...SOURCES], { reject: false });
  t.equal(tcp.exitCode, 0, `TCP clients ended cleanly ${tcp.stderr}`);
  const reports = JSON.parse(tcp.stdout.split('\n').filter(Boolean).at(-1)!) as Array<{ src: string; sport: number; sent: number; echoed: number; error: string | null }>;
  await sleep(300);
  const counts = await readCounts();
  const seen = (key: string, src: string, sport: number, dir: 'out' | 'back') =>
    Object.entries(counts[key] ?? {})
      .filter(([k]) => (dir === 'out' ? k.startsWith(`6 ${src}:${sport}>`) : k.endsWith(`>${src}:${sport}`)))
      .reduce((s, [, v]) => s + v, 0);
  t.equal(reports.length, SOURCES.length, 'one connection per source');
  for (const r of reports) {
    const want = owner(r.src);
    t.ok(r.error === null && r.sent > 0 && r.echoed === r.sent, `${r.src}:${r.sport}: ${r.echoed}/${r.sent} bytes came back ${r.error ?? ''}`);
    t.ok(seen(`${want} eth0`, r.src, r.sport, 'out') > 0, `${r.src}: client to server through ${want} on VLAN ${VLAN_BASE}`);
    t.ok(seen(`${want} eth1`, r.src, r.sport, 'back') > 0, `${r.src}: server to client through ${want} on VLAN ${VLAN_BASE + 1}`);
    t.equal(seen(`${want} eth0`, r.src, r.sport, 'back') + seen(`${want} eth1`, r.src, r.sport, 'out'), 0, `${r.src}: neither direction on the other's tag`);
    const elsewhere = STANDINS.filter((x) => x !== want).reduce((s, x) => s + seen(`${x} eth0`, r.src, r.sport, 'out') + seen(`${x} eth1`, r.src, r.sport, 'back'), 0);
    t.equal(elsewhere, 0, `${r.src}: no packet at another stand-in`);
  }

  await driver.deleteFlows(COOKIE);
  t.same(await driver.dumpFlows(), [], 'the group\'s cookie removes every flow it put');
  await driver.close();
});
