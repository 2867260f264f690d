// A module with replicas in an allocation request (`n :: Fwd() x 3 by src`;
// controller/resourced/README.md "Replicas", controller/balancer/README.md): the request
// syntax and its refusals (line:col), then from Python's xmlrpc.client against
// resourced and openflowd each as ITS OWN PROCESS (resourced on SQLite) and a REAL Open
// vSwitch (userspace datapath): install_allocation places and creates one PM per
// replica and installs the balancer group's prefix rules through openflowd (add_flows)
// under the group's cookies; a create_pm failing midway and a switch refusing the rules
// both roll back to nothing; get_pm_info shows each replica's prefixes and measured
// load; scale_module 3→2 moves only the removed replica's prefixes, 2→3 fills the new
// one; resourced restarted keeps the records and reconciliation adopts the group's flows
// (and restores them when the switch lost them); delete_allocation leaves no flow; a
// `by dst` group splits by destination.
// The module host is a STAND-IN for hostd (test/support/resourced-standin.ts: real
// daemon process, in-memory create_pm, domids 1, 2, ... in create order; its 2nd create
// fails on purpose), so the guests' vifs are stood in for by veths named as Xen names
// vifs (vif<domid>.<k>), their other ends in one namespace: 64 UDP datagrams from
// sources spread over the address space, sent as raw frames into the net port, are
// counted at each replica's vif 0 (its veth's received packets) against its prefixes.
import t from 'tap';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllocation } from '../../clickos-build/index.js';
import { parsePrefix } from '../../controller/balancer/prefix.js';
import { moves, sortedCover } from '../../controller/balancer/leaves.js';
import { XmlRpcClient } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { MAX_REPLICAS } from '../../toolstack/limits.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { startOvs } from '../support/ovs.js';
import { HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, py, startStandins, waitFor, type Rv, reply } from '../support/resourced.js';
import { freePort } from '../support/ports.js';

t.setTimeout(240_000);

const TAG = 'rrp';
const FWD_SRC = 'in0 :: FromDevice(0);\nout0 :: ToDevice(0);\nin1 :: FromDevice(1);\nout1 :: ToDevice(1);\nin0 -> out0;\nin1 -> out1;\n';
const OF_SECRET = 'openflowd-secret-0123456789abcdef';
/** Sends one UDP datagram per SRC>DST pair, as raw Ethernet frames on IFACE (the addresses are none of the sender's). */
const SEND_FROM = String.raw`
import socket, struct, sys
iface, pairs = sys.argv[1], [p.split('>') for p in sys.argv[2:]]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
mac = s.getsockname()[4]
def csum(b):
    n = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    n = (n >> 16) + (n & 0xffff)
    return ~(n + (n >> 16)) & 0xffff
for src, dst in pairs:
    udp = struct.pack('!HHHH', 40000, 9000, 8 + 4, 0) + b'ping'
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    s.send(bytes.fromhex('020000000002') + mac + bytes.fromhex('0800') + ip + udp)
`;

/** Forward net → sink through port 0 of n's replicas, balanced on `by`; the reverse through port 1. */
const request = (net: string, sink: string, replicas: string, toSink = sink): string => `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${net}")
rev :: FromNet("ip,in_port=${sink}")
tosink :: ToNet("${toSink}")
tonet :: ToNet("${net}")
fwd -> [0]n :: Fwd() ${replicas} [0] -> tosink
rev -> [1]n[1] -> tonet
`;

const parseError = (text: string): string => {
  try {
    parseAllocation(text, 'a');
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

t.test('the replica suffix: read with its field, refused with line:col when wrong', async (t) => {
  const req = parseAllocation(request('p1', 'p2', 'x 3 by dst'), 'a');
  t.match(req.modules, [{ name: 'n', type: 'Fwd', inputs: 2, outputs: 2, replicas: { count: 3, field: 'dst', pos: { line: 6, col: 22 } } }]);
  t.equal(parseAllocation(request('p1', 'p2', 'x 2'), 'a').modules[0]!.replicas!.field, 'src', "without 'by': source (a NAT's)");
  t.equal(parseAllocation(request('p1', 'p2', '/* x 3 */'), 'a').modules[0]!.replicas, undefined, 'a comment is no suffix');
  t.equal(parseAllocation(request('p1', 'p2', '').replace('Fwd()', 'Fwd("x 3")'), 'a').modules[0]!.replicas, undefined, 'nor is a configuration string');
  t.equal(parseError(request('p1', 'p2', 'x 0')), `a:6:24: replica count 0 is not 1..${MAX_REPLICAS}`);
  t.equal(parseError(request('p1', 'p2', `x ${MAX_REPLICAS + 1}`)), `a:6:24: replica count ${MAX_REPLICAS + 1} is not 1..${MAX_REPLICAS}`);
  t.equal(parseError(request('p1', 'p2', 'x 2 by port')), "a:6:29: 'by' takes src or dst (the address the balancer splits on), not 'port'");
  t.equal(parseError(request('p1', 'p2', 'x 2b')), "a:6:24: replica count '2b' is not a whole number");
  t.equal(parseError('BASESYS=x\nf :: FromNet("ip") x 2\nt :: ToNet("p")\nf -> m :: M() -> t\n'), "a:2:20: FromNet 'f' is where traffic enters or leaves: it has no replicas");
  t.equal(parseError('BASESYS=x\nf :: FromNet("ip")\nt :: ToNet("p")\nf -> M() x 2 -> t\n'), "a:4:10: a replica count ('x N') follows a named declaration, as in 'n :: NAT() x 4'");
  t.equal(parseError('BASESYS=x\nelementclass E { input -> m :: M() x 2 -> output }\nf :: FromNet("ip")\nt :: ToNet("p")\nf -> E -> t\n'), 'a:2:36: replicas are asked for in the request itself, not inside an elementclass');
  t.equal(parseError('BASESYS=x\nf :: FromNet("ip")\nt :: ToNet("p")\nf -> m :: M() x 2 -> t\nn :: M() x 2\nf -> n -> t\n').replace(/^a:\d+:\d+: /, ''), 'no error', 'two modules with replicas parse (resourced refuses more than one module)');
});

interface Balanced {
  module: string;
  field: string;
  generation: number;
  cookie: string;
  leaving: string[];
  replicas: Array<{ module: string; pm: string; host: string; default: boolean; prefixes: string[]; load?: Record<string, number | string> }>;
}

t.test('replicas placed as PMs, balanced by prefix rules through openflowd; rollback, scale, restart, delete', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-replicas-'));
  const ovs = await startOvs(TAG);
  const openflowd = new DaemonProcess('openflowd', join(projectRoot, 'dist', 'controller', 'openflowd', 'main.js'));
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  t.teardown(async () => {
    await resourced.stop('SIGKILL');
    await openflowd.stop('SIGKILL');
    await ovs.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // The switch: the two outside ports, and the two vifs of each stand-in domid 1..12.
  const net = `${TAG}n`;
  const sink = `${TAG}s`;
  const netPort = await ovs.addVethPort(net, 'eth0', `${ovs.swNs}-net`);
  const sinkPort = await ovs.addVethPort(sink, 'eth0', `${ovs.swNs}-sink`);
  const vif: Record<string, number> = {};
  for (let d = 1; d <= 12; d++) for (const k of [0, 1]) vif[`vif${d}.${k}`] = await ovs.addVethPort(`vif${d}.${k}`, `e${d}${k}`, `${ovs.swNs}-m`);
  const dump = async (): Promise<string[]> => (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', ovs.target])).stdout.split('\n').filter((l) => l.includes('cookie='));
  /** Flows under a balancer group's cookie (tag 0xb1 in the top byte, controller/balancer/cookies.ts). */
  const groupFlows = async (): Promise<string[]> =>
    (await dump())
      .filter((l) => /cookie=0xb1[0-9a-f]{14},/.test(l))
      .map((l) => l.replace(/ duration=[\d.]+s,| n_packets=\d+,| n_bytes=\d+,/g, '').trim())
      .sort();
  await execa('ovs-ofctl', ['add-flow', ovs.target, 'cookie=0x77,priority=5,arp,actions=drop']);

  const ofConfig = join(dir, 'openflowd.json');
  await writeFile(ofConfig, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, secret: { resourced: OF_SECRET }, folders: { patches: join(dir, 'of-patches') }, switch: { driver: 'ofctl', target: ovs.target, name: 'rrpsw' } }));
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
      monitor: { principals: ['user'] },
      pm: { memoryMiB: 64 },
      placement: { timeLimitMs: 300 },
      switch: { driver: 'openflowd', url: ofUrl, secret: OF_SECRET },
      store: { kind: 'sqlite', path: join(dir, 'resourced.db') },
    }),
  );
  const url = await resourced.start(rdConfig);
  // STAND-IN hostd whose 2nd create_pm fails (a guest rejecting its config)
  const [host] = await startStandins(t, url, [{ hostId: 'mh-a', failCreateAt: 2 }]);
  const journal = async (): Promise<string[]> => {
    const c = new XmlRpcClient({ url: host!.url, secret: STANDIN_SECRET });
    try {
      return ((await c.call('journal')) as { value: { calls: Array<{ method: string; name: string }> } }).value.calls.map((x) => `${x.method} ${x.name}`);
    } finally {
      c.close();
    }
  };
  await waitFor('the stand-in to register', async () => ((await py(url, 'list_hosts')).reply?.value?.length ? true : undefined));
  t.equal(reply(await py(url, 'deploy_pm', { name: 'Fwd', src: FWD_SRC })).code, 0);
  const allocations = async (): Promise<Array<{ id: number; state: string; pms: Array<{ module: string; name: string; domid: number }>; balanced?: Balanced }>> => reply(await py(url, 'get_pm_info')).value.allocations;
  const nothingLeft = async (what: string) => {
    t.same(await allocations(), [], `${what}: no record`);
    t.same(await groupFlows(), [], `${what}: no group flow`);
  };

  // Bad requests: refused at their line:col, nothing created, recorded or installed.
  const bad: Array<[string, string]> = [
    [request(net, sink, 'x 0'), `allocation:6:24: replica count 0 is not 1..${MAX_REPLICAS}`],
    [request(net, sink, 'x 40'), `allocation:6:24: replica count 40 is not 1..${MAX_REPLICAS}`],
    [request(net, sink, 'x 3 by both'), "allocation:6:29: 'by' takes src or dst (the address the balancer splits on), not 'both'"],
    [request(net, sink, 'x 3').replace('[0] -> tosink', '[0] -> m :: Fwd() -> tosink'), "allocation:6:22: module 'n' has replicas: it must be its request's only processing module (README \"Replicas\")"],
  ];
  for (const [text, msg] of bad) {
    const r = reply(await py(url, 'install_allocation', text, 'task'));
    t.equal(r.code, 1);
    t.equal(r.message, msg);
    t.equal(r.value.error, 'refused');
  }
  t.same(await journal(), [], 'no create_pm was sent for a refused request');
  // openflowd's add_flows (what carries the group's rules) parses every flow before touching the switch.
  const of = new XmlRpcClient({ url: ofUrl, secret: OF_SECRET });
  try {
    const bad = (await of.call('add_flows', { cookie: '0x99', flows: ['table=0,priority=5,dl_type=0x0800,actions=drop', 'priority=5,no_such_field=1,actions=drop'] })) as Rv;
    t.equal(bad.code, 1);
    t.equal(bad.value.error, 'plan_refused');
    t.match(bad.message, /^flow 2: /);
    t.notOk((await dump()).some((l) => l.includes('cookie=0x99,')), 'add_flows with a bad flow installs none');
  } finally {
    of.close();
  }
  await nothingLeft('refused requests');

  // A create_pm failing midway (the stand-in's 2nd): the first replica is deleted again.
  const midway = reply(await py(url, 'install_allocation', request(net, sink, 'x 3'), 'task'));
  t.equal(midway.code, 1);
  t.match(midway.message, /^install_allocation failed at step 2\/3: create_pm of module 'n#2' on host mh-a: .*configured failure.*; rolled back 1 of 1 PM\(s\) already created$/);
  t.same(await journal(), ['create_pm rd-1-1-n-1', 'create_pm rd-1-2-n-2', 'delete_pm rd-1-1-n-1']);
  await nothingLeft('a create_pm failing midway');

  // The switch refusing the group's rules (a ToNet it lacks): every replica deleted again.
  const atSwitch = reply(await py(url, 'install_allocation', request(net, sink, 'x 3', 'nosuchport'), 'task'));
  t.equal(atSwitch.code, 1);
  t.equal(atSwitch.message, "install_allocation failed at the switch: ToNet 'tosink' 'nosuchport' is not a port of the switch; rolled back 3 of 3 PM(s)");
  t.same((await journal()).slice(3), ['create_pm rd-2-1-n-1', 'create_pm rd-2-2-n-2', 'create_pm rd-2-3-n-3', 'delete_pm rd-2-3-n-3', 'delete_pm rd-2-2-n-2', 'delete_pm rd-2-1-n-1']);
  await nothingLeft('a switch refusing the rules');

  // x 3: three PMs (domids 5, 6, 7), the group's rules cover 0/0.
  const inst = reply(await py(url, 'install_allocation', request(net, sink, 'x 3 by src'), 'task'));
  t.equal(inst.code, 0, inst.message);
  const id = inst.value as number;
  t.equal(id, 3);
  let [a] = await allocations();
  t.same(a!.pms.map((p) => [p.module, p.name, p.domid]), [['n#1', 'rd-3-1-n-1', 5], ['n#2', 'rd-3-2-n-2', 6], ['n#3', 'rd-3-3-n-3', 7]], 'one PM per replica');
  const vifOf = new Map(a!.pms.map((p) => [p.module, [vif[`vif${p.domid}.0`]!, vif[`vif${p.domid}.1`]!]]));
  let b = a!.balanced!;
  t.match(b, { module: 'n', field: 'src', generation: 0, leaving: [] });
  t.equal(b.cookie, `0xb1${(id).toString(16).padStart(8, '0')}000000`, 'the group is the allocation: its id in the cookie, rules, generation 0');
  const cover = (x: Balanced) => sortedCover(x.replicas.flatMap((r) => r.prefixes.map((p) => ({ prefix: parsePrefix(p), server: r.module, load: 0 }))));
  t.doesNotThrow(() => cover(b), "the replicas' prefixes tile 0.0.0.0/0 exactly");
  t.ok(b.replicas.every((r) => r.prefixes.length > 0), 'every replica has a share');

  /** The switch's forward rules at the net port: nw_src prefix (or 0/0 for the catch-all) → the replica vif it outputs to. */
  const forwardRules = async (): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (const l of await groupFlows()) {
      if (Number(/in_port=(\d+)/.exec(l)?.[1]) !== netPort || l.includes('dl_vlan')) continue;
      const src = /nw_src=([\d./]+)/.exec(l)?.[1];
      out.set(src ? (src.includes('/') ? src : `${src}/32`) : '0.0.0.0/0', Number(/output:(\d+)/.exec(l)![1]));
    }
    return out;
  };
  const expectRules = (x: Balanced): Map<string, number> => {
    const m = new Map<string, number>();
    const def = x.replicas.find((r) => r.default)!;
    m.set('0.0.0.0/0', vifOf.get(def.module)![0]!);
    for (const r of x.replicas) if (!r.default) for (const p of r.prefixes) m.set(p, vifOf.get(r.module)![0]!);
    return m;
  };
  t.same(await forwardRules(), expectRules(b), "on the switch: a rule per non-default replica's prefix to its vif 0, the 0/0 catch-all to the default replica's");
  const rules = await groupFlows();
  const assigned = b.replicas.filter((r) => !r.default).reduce((n, r) => n + r.prefixes.length, 0);
  t.equal(rules.length, 2 * assigned + 2 + 2 * 3, 'two rules per assigned prefix, two catch-alls, two return flows per replica (controller/balancer/README.md "Rules")');
  t.ok(rules.every((l) => l.includes(`cookie=${b.cookie},`)), 'all under the group cookie of generation 0');
  t.ok(rules.some((l) => Number(/in_port=(\d+)/.exec(l)?.[1]) === sinkPort && l.includes('nw_dst=')), 'the reverse side is matched on the destination');

  // Real packets: one UDP datagram from each of 64 sources spread over the address space enters at the net port;
  // each replica's vif 0 (its veth end in the stand-ins' namespace) receives exactly the sources in its prefixes.
  const sources = Array.from({ length: 64 }, (_, k) => (k * 2 ** 26 + 0x123457) >>> 0);
  const dotted = (n: number) => [24, 16, 8, 0].map((sh) => (n >>> sh) & 255).join('.');
  const owner = (addr: number, b: Balanced): string => {
    for (const r of b.replicas) for (const p of r.prefixes) {
      const q = parsePrefix(p);
      if (addr >= q.base && addr < q.base + 2 ** (32 - q.len)) return r.module;
    }
    throw new Error(`${dotted(addr)} is no replica's`);
  };
  const rx = async (pms: Array<{ module: string; domid: number }>): Promise<Map<string, number>> => {
    const m = new Map<string, number>();
    for (const p of pms) {
      const [l] = JSON.parse((await execa('ip', ['netns', 'exec', `${ovs.swNs}-m`, 'ip', '-s', '-j', 'link', 'show', `e${p.domid}0`])).stdout);
      m.set(p.module, l.stats64.rx.packets);
    }
    return m;
  };
  /**
   * Sends 64 datagrams into the net port, from the 64 addresses to 10.77.0.2 (`src`) or
   * from 10.77.0.1 to them (`dst`); each replica's received count, and what its prefixes
   * say it should get.
   */
  const traffic = async (field: 'src' | 'dst' = 'src'): Promise<{ got: Map<string, number>; want: Map<string, number> }> => {
    const [x] = await allocations();
    const rxBefore = await rx(x!.pms);
    await execa('ip', ['netns', 'exec', `${ovs.swNs}-net`, 'python3', '-c', SEND_FROM, 'eth0', ...sources.map((n) => (field === 'src' ? `${dotted(n)}>10.77.0.2` : `10.77.0.1>${dotted(n)}`))]);
    const want = new Map(x!.balanced!.replicas.map((r) => [r.module, sources.filter((n) => owner(n, x!.balanced!) === r.module).length]));
    const got = await waitFor('every datagram to reach a replica', async () => {
      const now = await rx(x!.pms);
      const d = new Map([...now].map(([k, v]) => [k, v - rxBefore.get(k)!]));
      return [...d.values()].reduce((x, y) => x + y, 0) >= 64 ? d : undefined;
    });
    return { got, want };
  };
  const sent = await traffic();
  t.same(sent.got, sent.want, `each replica received the datagrams of the sources in its prefixes: ${JSON.stringify([...sent.want])}`);

  // monitord's figures: each replica's measured load shows in get_pm_info.
  const p1 = a!.pms[0]!;
  const rs = reply(await py(url, 'report_stats', { time: new Date().toISOString(), hosts: [{ host_id: 'mh-a', pms: [{ domid: p1.domid, name: p1.name, time: '2026-01-01T00:00:00Z', vifs: [{ vif: 0, device: `vif${p1.domid}.0`, inPackets: 10, inBytes: 1000, outPackets: 9, outBytes: 900 }, { vif: 1, device: `vif${p1.domid}.1`, inPackets: 5, inBytes: 500, outPackets: 4, outBytes: 400 }], click: [] }] }] }));
  t.equal(rs.code, 0, rs.message);
  [a] = await allocations();
  t.same(a!.balanced!.replicas.map((r) => r.load ?? null), [{ time: '2026-01-01T00:00:00Z', inPackets: 15, inBytes: 1500, outPackets: 13, outBytes: 1300 }, null, null], "the replica monitord reported on shows its load (vifs summed); the others none");

  // scale 3→2: the newest replica leaves; only its prefixes move.
  const before = b;
  const down = reply(await py(url, 'scale_module', { alloc: id, module: 'n', replicas: 2 }, 'task'));
  t.equal(down.code, 0, down.message);
  t.same(down.value.replicas, ['n#1', 'n#2']);
  t.ok(down.value.moved.length > 0 && down.value.moved.every((m: { from: string }) => m.from === 'n#3'), `only n#3's prefixes moved: ${JSON.stringify(down.value.moved)}`);
  [a] = await allocations();
  b = a!.balanced!;
  const leaves = (x: Balanced) => x.replicas.flatMap((r) => r.prefixes.map((p) => ({ prefix: parsePrefix(p), server: r.module, load: 0 })));
  t.ok(moves(leaves(before), leaves(b)).every((m) => m.from === 'n#3'), "every address n#1 or n#2 had, it still has");
  t.equal(b.generation, 1);
  t.same(await forwardRules(), expectRules(b), 'the switch carries the new assignment');
  t.ok((await groupFlows()).every((l) => l.includes(`cookie=${b.cookie},`)), 'generation 0 is gone (make-before-break)');
  t.same(a!.pms.map((p) => p.module), ['n#1', 'n#2']);
  t.equal((await journal()).at(-1), 'delete_pm rd-3-3-n-3', "n#3's PM deleted");
  const after = await traffic();
  t.same(after.got, after.want, `and the datagrams follow: ${JSON.stringify([...after.want])}`);

  // A second group on the same outside ports (at generation 0, the first one at 1: the other priority band) would shadow or take over the first one's flows: refused, rolled back.
  const flowsOfFirst = await groupFlows();
  const clash = reply(await py(url, 'install_allocation', request(net, sink, 'x 2'), 'task'));
  t.equal(clash.code, 1);
  t.match(clash.message, new RegExp(`^install_allocation failed at the switch: flow table=0,.* would meet the flow of cookie ${b.cookie} \\(another allocation's or group's\\) at priorities 1000-1006: refused, nothing installed; rolled back 2 of 2 PM\\(s\\)$`));
  t.same(await groupFlows(), flowsOfFirst, "the first group's flows are untouched, none of the second's is left");
  t.same((await allocations()).map((x) => x.id), [id], 'the refused allocation is not recorded');
  t.same((await journal()).slice(-4), ['create_pm rd-4-1-n-1', 'create_pm rd-4-2-n-2', 'delete_pm rd-4-2-n-2', 'delete_pm rd-4-1-n-1']);

  // scale 2→3: a new replica (slot 3 again, domid 10) gets a share from the others.
  const up = reply(await py(url, 'scale_module', { alloc: id, module: 'n', replicas: 3 }, 'task'));
  t.equal(up.code, 0, up.message);
  t.same(up.value.replicas, ['n#1', 'n#2', 'n#3']);
  t.ok(up.value.moved.every((m: { to: string }) => m.to === 'n#3'), 'only prefixes going to the new replica moved');
  [a] = await allocations();
  b = a!.balanced!;
  t.same(a!.pms.map((p) => [p.name, p.domid]), [['rd-3-1-n-1', 5], ['rd-3-2-n-2', 6], ['rd-3-3-n-3', 10]]);
  vifOf.set('n#3', [vif['vif10.0']!, vif['vif10.1']!]);
  t.same(await forwardRules(), expectRules(b), 'the switch sends the new replica its prefixes');
  t.ok(b.replicas.every((r) => r.prefixes.length > 0), 'every replica has a share again');
  // the operator's view: clickos allocations lists each replica's prefixes
  const cli = await execa('node', [join(projectRoot, 'dist', 'cli', 'main.js'), 'allocations'], { env: { CLICKOS_CONTROLLER: url, CLICKOS_SECRET: USER_SECRET }, reject: false });
  t.equal(cli.exitCode, 0, cli.stderr);
  const shown = cli.stdout.split('\n');
  t.ok(shown.includes(`    n: balanced by src, generation ${b.generation}, cookie ${b.cookie}`), cli.stdout);
  for (const r of b.replicas) t.ok(shown.some((l) => l.trim().startsWith(r.module) && l.trimEnd().endsWith(r.prefixes.join(' '))), `${r.module}'s prefixes listed`);
  t.equal(reply(await py(url, 'scale_module', { alloc: id, module: 'm', replicas: 2 }, 'task')).value.error, 'refused', 'no module m with replicas: refused');
  const tooMany = await py(url, 'scale_module', { alloc: id, module: 'n', replicas: MAX_REPLICAS + 1 }, 'task');
  t.equal(tooMany.fault, -32602, 'more than MAX_REPLICAS: invalid arguments');

  // resourced restarted: the records, the group and its flows are all still there.
  const flowsBefore = await groupFlows();
  await resourced.stop('SIGTERM');
  await resourced.start(rdConfig);
  await waitFor('the stand-in to register again', async () => ((await py(url, 'list_hosts')).reply?.value?.length ? true : undefined));
  const [again] = await allocations();
  t.same(again!.balanced!.replicas.map((r) => [r.module, r.prefixes]), b.replicas.map((r) => [r.module, r.prefixes]), 'the assignment survives the restart');
  t.equal(again!.balanced!.generation, b.generation);
  const dry = reply(await py(url, 'reconcile', { dry_run: true }, 'task'));
  t.same(dry.value.map((x: { kind: string }) => x.kind), ['adopt'], "reconciliation adopts the allocation: the group's flows are no orphans");
  t.same(await groupFlows(), flowsBefore, 'no flow touched');

  // The switch loses the group's rules, and holds an old generation's: reconciliation puts back the one, removes the other.
  await execa('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', ovs.target, `cookie=${b.cookie}/-1`]);
  const stale = `0xb1${id.toString(16).padStart(8, '0')}000000`;
  await execa('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flow', ovs.target, `cookie=${stale},priority=3,ip,actions=drop`]);
  const rc = reply(await py(url, 'reconcile', { dry_run: false }, 'task'));
  t.match(rc.value, [{ kind: 'restore_flows', allocation: id, done: true }, { kind: 'remove_orphan_flows', allocation: id, cookie: stale, done: true }], rc.message);
  [a] = await allocations();
  b = a!.balanced!;
  t.equal(b.generation, 3, 'put back as the next generation');
  t.same(await forwardRules(), expectRules(b), 'the rules are back, as they were');
  t.ok((await groupFlows()).every((l) => l.includes(`cookie=${b.cookie},`)), 'the stale generation is gone');

  // delete_allocation: no group flow, no PM, no record.
  const d = reply(await py(url, 'delete_allocation', id, 'task'));
  t.equal(d.code, 0, d.message);
  await nothingLeft('delete_allocation');
  t.equal((await dump()).length, 1, 'only the unrelated 0x77 flow is left on the switch');
  t.same((await journal()).slice(-3), ['delete_pm rd-3-3-n-3', 'delete_pm rd-3-2-n-2', 'delete_pm rd-3-1-n-1'], 'every replica deleted, newest first');

  // by dst (a firewall's way, D3.2 §2.2.3): the forward side is matched on the destination, and the datagrams split by it.
  const fw = reply(await py(url, 'install_allocation', request(net, sink, 'x 2 by dst'), 'task'));
  t.equal(fw.code, 0, fw.message);
  const [f] = await allocations();
  t.match(f!.balanced, { module: 'n', field: 'dst', generation: 0 });
  const fwdFlows = (await groupFlows()).filter((l) => Number(/in_port=(\d+)/.exec(l)?.[1]) === netPort);
  t.ok(fwdFlows.some((l) => l.includes('nw_dst=')) && !fwdFlows.some((l) => l.includes('nw_src=')), 'forward rules match nw_dst, none nw_src');
  const byDst = await traffic('dst');
  t.same(byDst.got, byDst.want, `each replica received the datagrams to the destinations in its prefixes: ${JSON.stringify([...byDst.want])}`);
  t.equal(reply(await py(url, 'delete_allocation', fw.value, 'task')).code, 0);
  await nothingLeft('the by-dst allocation deleted');
});
