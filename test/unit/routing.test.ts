// controller/routing without a switch: route tables and longest-prefix match, the ClickOS
// router config (checked by our Click checker, and its elements resolved in the pinned
// ClickOS sources' real element list), cookies, the flow model's dl_dst / set eth_dst in
// both encodings, punts, the sFlow decoder on hand-made datagrams, and the bin learner.
// test/unit/routing-ovs.test.ts runs the whole loop on a real Open vSwitch.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { addressRoutedBy, BinLearner, decodeSflow, FastPath, RoutingGroup, isRoutingCookie, parseRouteTable, readRoutingCookie, RouteTableError, routerConfig, ROUTER_ELEMENTS, routingCookie, RoutingInputError, SflowDecodeError } from '../../controller/routing/index.js';
import { groupCookie, isGroupCookie } from '../../controller/balancer/cookies.js';
import { addressText, parseAddress } from '../../controller/balancer/prefix.js';
import { encodeAction, encodeMatch, parseActions, parseMatch } from '../../controller/openflow/messages.js';
import { flowLine, parseFlowText } from '../../controller/openflowd/ofctl-syntax.js';
import { Catalog, checkText } from '../../clickos-build/index.js';
import { elementSet } from '../../clickos-build/build/element-set.js';
import { LIST_BASE, selectElements } from '../../clickos-build/build/elements-conf.js';
import { locateSources, pin } from '../../clickos-build/build/sources.js';
import { labConfigs } from '../../lab/clickos-image.js';
import { projectRoot } from '../../toolstack/project-root.js';
import type { Flow } from '../../controller/openflow/model.js';

const catalog = Catalog.load();
const MACS = { east: '02:c0:00:00:00:01', west: '02:c0:00:00:00:02', upstream: '02:c0:00:00:00:03' };
const EXAMPLE = '10.1.0.0/16 east\n10.1.7.0/24 west\n10.2.0.0/16 west\n0.0.0.0/0 upstream\n';

t.test('route tables: comments, /32 shorthand, every bad line by number', async (t) => {
  const r = parseRouteTable('# a comment\n\n10.0.0.0/8 a  # trailing\n  10.1.2.3   b\n', { nexthops: ['a', 'b'] });
  t.same(r.routes.map((x) => [addressText(x.prefix.base), x.prefix.len, x.nexthop, x.line]), [['10.0.0.0', 8, 'a', 3], ['10.1.2.3', 32, 'b', 4]]);
  t.equal(parseRouteTable(r.text()).text(), r.text(), 'text() reads back');
  const bad = (text: string, o = {}) => {
    try {
      parseRouteTable(text, o);
    } catch (e) {
      if (e instanceof RouteTableError) return e;
      throw e;
    }
    throw new Error('accepted');
  };
  const e = bad('10.0.0.0/33 a\n10.0.0.0/8 a b\n10.0.0.0/8 1bad\n10.0.0.1/8 a\n10.0.0.0/8 a\n10.0.0.0/8 a\n', { source: 'rt.txt' });
  t.same(e.errors.map((x) => x.line), [1, 2, 3, 4, 5, 6]);
  t.match(e.message, /rt\.txt:1: prefix .*over 32/);
  t.match(e.message, /rt\.txt:2: expected 'PREFIX NEXTHOP', got 3 fields/);
  t.match(e.message, /rt\.txt:3: next hop '1bad' is not a name/);
  t.match(e.message, /rt\.txt:4: .*host bits set \(did you mean 10\.0\.0\.0\/8\?\)/);
  t.match(e.message, /rt\.txt:5: prefix 10\.0\.0\.0\/8 already routed on line 3/);
  t.match(bad('# only a comment\n').message, /routes:1: no routes/);
  t.match(bad('10.0.0.0/8 z\n', { nexthops: ['a'] }).message, /next hop 'z' is not one of a/);
});

t.test('longest-prefix match agrees with a scan of every route', async (t) => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const lines = new Map<string, string>();
  for (let i = 0; i < 300; i++) {
    const len = [0, 8, 12, 16, 20, 24, 28, 32][Math.floor(rnd() * 8)]!;
    const base = len ? (Math.floor(rnd() * 2 ** 32) - (Math.floor(rnd() * 2 ** 32) % 1)) & ~(2 ** (32 - len) - 1) : 0;
    lines.set(`${addressText(base >>> 0)}/${len}`, `h${i % 5}`);
  }
  // nested routes, so that longest match is exercised
  for (const l of ['10.0.0.0/8 a', '10.1.0.0/16 b', '10.1.2.0/24 c', '10.1.2.128/25 d', '10.1.2.129/32 e']) lines.set(l.split(' ')[0]!, l.split(' ')[1]!);
  const table = parseRouteTable([...lines].map(([p, h]) => `${p} ${h}`).join('\n'));
  const scan = (a: number) => {
    let best: number | undefined;
    table.routes.forEach((r, i) => {
      const size = 2 ** (32 - r.prefix.len);
      if (a >= r.prefix.base && a < r.prefix.base + size && (best === undefined || r.prefix.len > table.routes[best]!.prefix.len)) best = i;
    });
    return best;
  };
  let diff = 0;
  const probes = [...table.routes.flatMap((r) => [r.prefix.base, r.prefix.base + 2 ** (32 - r.prefix.len) - 1]), ...Array.from({ length: 3000 }, () => Math.floor(rnd() * 2 ** 32))];
  for (const a of probes) if (table.lookup(a) !== scan(a)) diff++;
  t.equal(diff, 0, `${probes.length} addresses, as many answers as a scan`);
  const at = (s: string) => table.routes[table.lookup(parseAddress(s))!]!.nexthop;
  t.same(['10.9.9.9', '10.1.9.9', '10.1.2.3', '10.1.2.200', '10.1.2.129'].map(at), ['a', 'b', 'c', 'd', 'e']);
  for (let id = 0; id < table.size; id++) {
    const a = addressRoutedBy(table, id);
    if (a !== undefined && table.lookup(parseAddress(a)) !== id) t.fail(`addressRoutedBy(${id}) = ${a} is not routed by it`);
  }
});

t.test('the ClickOS router config: checked, its elements in the lab image and built by ClickOS', async (t) => {
  const table = parseRouteTable(EXAMPLE);
  const text = routerConfig(table, { routerMac: '02:C0:00:00:00:FE', nexthopMacs: MACS });
  t.same(checkText(text, 'router.click', catalog, { target: 'clickos' }), [], 'no diagnostics for ClickOS');
  t.match(text, /RadixIPLookup\(\n {2}10\.1\.0\.0\/16 0,\n {2}10\.1\.7\.0\/24 1,\n {2}10\.2\.0\.0\/16 1,\n {2}0\.0\.0\.0\/0 2\);/, 'one lookup output per next hop, in first-use order');
  t.equal(text.match(/ToDevice/g)!.length, 1, 'one ToDevice for the one vif');
  t.equal(text.match(/-> sink;/g)!.length, 3, 'every next hop\'s output merged into it');
  t.match(text, /EtherEncap\(0x0800, 02:c0:00:00:00:fe, 02:c0:00:00:00:02\)/, 'MACs written lower case');
  const set = elementSet([{ file: 'router.click', text }], catalog);
  t.same(set.classes, [...ROUTER_ELEMENTS].sort(), 'exactly the elements ROUTER_ELEMENTS names');
  const lab = labConfigs().find((c) => c.file.endsWith('router.click'));
  t.ok(lab?.text.endsWith(text), 'lab/clickos/router.click is what the generator writes for its example table');
  const image = elementSet(labConfigs(), catalog);
  t.ok(ROUTER_ELEMENTS.every((c) => image.classes.includes(c)), 'the lab image\'s element set includes them');
  // resolved in the pinned sources' element list (recorded from `make elemlist`), requirements followed
  const sources = locateSources(join(projectRoot, 'third-party', 'clickos-sources'));
  const parent = t.testdir();
  await execa('tar', ['-xJf', join(sources.dir, pin('clickos').tarball), '-C', parent, 'clickos/elements', 'clickos/minios']);
  const full = readFileSync(join(projectRoot, 'test', 'fixtures', 'clickos-build', 'elements.conf.full'), 'utf8');
  const sel = selectElements(full, join(parent, 'clickos', LIST_BASE), set.classes, set.alwaysBuilt);
  const files = sel.kept.map((s) => s.file.replace('../elements/', ''));
  for (const f of ['ip/radixiplookup.cc', 'ip/iproutetable.cc', 'ip/checkipheader.cc', 'ethernet/etherencap.cc', 'standard/strip.cc', 'standard/classifier.cc', 'minios/fromdevice.cc', 'minios/todevice.cc'])
    t.ok(files.includes(f), `${f} is built`);
  t.throws(() => routerConfig(table, { routerMac: '02:c0:00:00:00:fe', nexthopMacs: { east: MACS.east } }), RoutingInputError, 'a next hop without a MAC is refused');
  t.throws(() => routerConfig(table, { routerMac: 'nope', nexthopMacs: MACS }), /router MAC 'nope' is not a MAC/);
});

t.test('cookies: tagged apart from allocations and balanced groups', async (t) => {
  const c = routingCookie(42, 'prefix', 12345);
  t.ok(isRoutingCookie(c) && !isGroupCookie(c), 'a routing cookie is not a balancer cookie');
  t.notOk(isRoutingCookie(groupCookie(42, 'rules', 3)), 'a balancer cookie is not a routing cookie');
  t.ok(c > 0xffffffffn, 'above any allocation id resourced issues in practice');
  t.same(readRoutingCookie(c, 42), { kind: 'prefix', route: 12345 });
  t.same(readRoutingCookie(routingCookie(42, 'punt', 9), 42), { kind: 'punt', route: 9 });
  t.equal(readRoutingCookie(c, 43), undefined, 'another group\'s');
  t.throws(() => routingCookie(0, 'base'), RoutingInputError);
  t.throws(() => routingCookie(1, 'prefix', 1 << 20), RoutingInputError);
});

t.test('dl_dst and set eth_dst: ovs-ofctl text and OpenFlow 1.3 bytes both carry them', async (t) => {
  const f: Flow = { table: 0, priority: 2050, match: { inPort: 3, ethType: 0x0800, ipv4Dst: { addr: '10.1.0.0', len: 16 } }, actions: [{ type: 'set_eth_dst', mac: '02:c0:00:00:00:01' }, { type: 'output', port: 5 }] };
  const g: Flow = { table: 0, priority: 2000, match: { inPort: 4, ethDst: '02:c0:00:00:00:01' }, actions: [{ type: 'output', port: 5 }] };
  for (const x of [f, g]) {
    const line = flowLine(1n, x).replace(/^cookie=0x1,/, '');
    t.same(parseFlowText(line), x, `text: ${line}`);
    t.same(parseMatch(encodeMatch(x.match), 0).match, x.match, 'match bytes');
    const acts = Buffer.concat(x.actions.map(encodeAction));
    t.same(parseActions(acts, 0, acts.length), x.actions, 'action bytes');
  }
  t.same(parseFlowText('in_port=1,dl_dst=02:AA:00:00:00:01,actions=mod_dl_dst:02:bb:00:00:00:02,output:2').actions[0], { type: 'set_eth_dst', mac: '02:bb:00:00:00:02' }, 'mod_dl_dst read too');
  t.throws(() => parseFlowText('dl_dst=02:aa,actions=drop'), /not a MAC address/);
});

t.test('fast path: priorities by length, punts for software routes under an offloaded prefix', async (t) => {
  const table = parseRouteTable(EXAMPLE);
  const ports = { ingress: 1, router: 2, nexthops: { east: { port: 3, mac: MACS.east }, west: { port: 4, mac: MACS.west }, upstream: { port: 5, mac: MACS.upstream } } };
  const calls: string[] = [];
  const driver = {
    addFlows: async (c: bigint, fl: Flow[]) => void calls.push(`add ${readRoutingCookie(c, 9)!.kind} ${readRoutingCookie(c, 9)!.route} p${fl[0]!.priority}`),
    deleteFlows: async (c: bigint) => void calls.push(`del ${readRoutingCookie(c, 9)!.kind} ${readRoutingCookie(c, 9)!.route}`),
    dumpFlows: async () => [],
    ports: async () => [],
  };
  const fp = new FastPath(driver, table, ports, { group: 9, basePriority: 100 });
  await fp.install();
  t.same((await fp.baseFlows()).map((f) => f.priority), [100, 100, 100, 100], 'default and three router outputs at the base');
  // offload 0.0.0.0/0 (id 3): every other route is inside it and stays in software
  await fp.apply([3], []);
  t.same(fp.punts, [0, 1, 2], 'the routes under 0/0 punted');
  await fp.apply([0], [3]);
  t.same([fp.offloaded, fp.punts], [[0], [1]], '10.1/16 offloaded: its /24 punted, the rest back to the default flow');
  t.same(calls, [
    'add base 0 p100',
    'add punt 0 p133', 'add punt 1 p149', 'add punt 2 p133', 'add prefix 3 p102',
    'add prefix 0 p134', 'del prefix 3', 'del punt 0', 'del punt 2',
  ], 'new punts, new prefixes, removed prefixes, stale punts: in that order');
  await fp.remove();
  t.same(calls.slice(-3), ['del prefix 0', 'del punt 1', 'del base 0']);
  // a cover and routes inside it going in (or out) together: most specific in first, covers out first,
  // so no route ever meets its cover's next hop on the way (resourced-routed.test.ts saw 4 such datagrams)
  calls.length = 0;
  await fp.apply([3, 0, 1], []);
  t.same(calls.filter((c) => c.startsWith('add prefix')), ['add prefix 1 p150', 'add prefix 0 p134', 'add prefix 3 p102'], 'additions longest first');
  calls.length = 0;
  await fp.apply([], [1, 0, 3]);
  t.same(calls.filter((c) => c.startsWith('del prefix')), ['del prefix 3', 'del prefix 0', 'del prefix 1'], 'removals shortest first');
  await fp.remove();
  t.throws(() => new FastPath(driver, table, { ...ports, nexthops: { east: ports.nexthops.east } }, { group: 9 }), /names next hops west, upstream/);
  t.throws(() => new FastPath(driver, table, { ...ports, nexthops: { ...ports.nexthops, west: { port: 4, mac: MACS.east } } }, { group: 9 }), /share MAC/);
});

/** An sFlow v5 datagram: one compact flow sample with a raw Ethernet header, one counter sample, one expanded flow sample. */
function datagram(dsts: string[], input: number, rate: number): Buffer {
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; };
  const frame = (dst: string) => {
    const f = Buffer.alloc(42);
    f.writeUInt16BE(0x0800, 12);
    f[14] = 0x45;
    parseAddress(dst).toString(16).padStart(8, '0').match(/../g)!.forEach((h, i) => (f[30 + i] = parseInt(h, 16)));
    return f;
  };
  const raw = (dst: string) => {
    const h = frame(dst);
    const body = Buffer.concat([u32(1), u32(60), u32(4), u32(h.length), h, Buffer.alloc((4 - (h.length % 4)) % 4)]);
    return Buffer.concat([u32(1), u32(body.length), body]);
  };
  const compact = Buffer.concat([u32(1), u32(0), u32(rate), u32(100), u32(0), u32(input), u32(9), u32(1), raw(dsts[0]!)]);
  const expanded = Buffer.concat([u32(2), u32(0), u32(1), u32(rate), u32(100), u32(0), u32(0), u32(input), u32(0), u32(9), u32(1), raw(dsts[1]!)]);
  const counters = Buffer.alloc(12);
  const samples = Buffer.concat([u32(1), u32(compact.length), compact, u32(2), u32(counters.length), counters, u32(3), u32(expanded.length), expanded]);
  return Buffer.concat([u32(5), u32(1), Buffer.from([127, 0, 0, 1]), u32(0), u32(1), u32(1000), u32(3), samples]);
}

t.test('sFlow v5: flow samples decoded, counter samples skipped, bad datagrams refused', async (t) => {
  const d = datagram(['10.1.7.9', '10.2.0.1'], 6, 4);
  t.same(decodeSflow(d), [{ input: 6, rate: 4, dst: parseAddress('10.1.7.9'), src: 0 }, { input: 6, rate: 4, dst: parseAddress('10.2.0.1'), src: 0 }], 'the frames carry source 0.0.0.0');
  t.throws(() => decodeSflow(d.subarray(0, d.length - 10)), SflowDecodeError, 'a truncated datagram');
  const v4 = Buffer.from(d);
  v4.writeUInt32BE(4, 0);
  t.throws(() => decodeSflow(v4), /version 4, not 5/);
});

t.test('the bin learner: exact counter growth for offloaded prefixes, samples × rate for the router\'s output', async (t) => {
  const table = parseRouteTable(EXAMPLE);
  const l = new BinLearner(table, 6);
  const s = (dst: string, input = 6) => ({ input, rate: 4, dst: parseAddress(dst) });
  let b = l.bin({ toRouter: 100n, fromRouter: 0n, punts: new Map(), prefixes: new Map() }, [s('10.1.7.1'), s('10.1.7.2'), s('10.9.0.1'), s('10.2.0.1', 1), { input: 6, rate: 4, dst: undefined }], 10);
  t.same([...b.bin.ids], [1, 3]);
  t.same([...b.bin.counts], [8, 4], 'two samples of 10.1.7/24, one of 0/0; another port\'s and a non-IPv4 one skipped');
  t.same([b.samples, b.skipped, b.toRouter], [3, 2, 100]);
  b = l.bin({ toRouter: 130n, fromRouter: 0n, punts: new Map([[1, 5n]]), prefixes: new Map([[0, 50n]]) }, [], 10);
  t.same([[...b.bin.ids], [...b.bin.counts], b.exact, b.toRouter], [[0], [50], 50, 35], 'a new flow counts from zero; punts go to the router');
  b = l.bin({ toRouter: 130n, fromRouter: 0n, punts: new Map([[1, 7n]]), prefixes: new Map([[0, 80n]]) }, [], 10);
  t.same([[...b.bin.counts], b.toRouter], [[30], 2], 'then its growth');
  l.forget([0]);
  b = l.bin({ toRouter: 130n, fromRouter: 0n, punts: new Map(), prefixes: new Map([[0, 3n]]) }, [], 10);
  t.same([...b.bin.counts], [3], 'removed and offloaded again: from zero');
});

t.test('the loop: TFO picks from the learnt bin; a change the switch refused part of is finished next bin', async (t) => {
  const ports = { ingress: 1, router: 2, nexthops: { east: { port: 3, mac: MACS.east }, west: { port: 4, mac: MACS.west }, upstream: { port: 5, mac: MACS.upstream } } };
  let refuse: number | undefined = 2; // route 10.2.0.0/16's first install fails
  const installed = new Set<bigint>();
  const driver = {
    addFlows: async (c: bigint) => {
      const r = readRoutingCookie(c, 3)!;
      if (r.kind === 'prefix' && r.route === refuse) {
        refuse = undefined;
        throw new Error('switch refused');
      }
      installed.add(c);
    },
    deleteFlows: async (c: bigint) => void installed.delete(c),
    dumpFlows: async () => [],
    ports: async () => [],
  };
  let samples: Array<{ input: number; rate: number; dst: number }> = [];
  const group = await RoutingGroup.start({ group: 3, routes: EXAMPLE, n: 2, ports, driver, samples: { drain: () => samples }, routerIfIndex: 6 });
  // the router's output: 10.1.7/24 and 10.2/16 heavy, 0/0 light
  samples = [...Array(10).fill({ input: 6, rate: 4, dst: parseAddress('10.1.7.1') }), ...Array(8).fill({ input: 6, rate: 4, dst: parseAddress('10.2.0.1') }), { input: 6, rate: 4, dst: parseAddress('192.0.2.1') }];
  await t.rejects(group.tick(), /switch refused/, 'the refusal reaches the caller');
  t.same(group.fastPath.offloaded, [1], 'the switch holds what went in');
  samples = [];
  const r = await group.tick();
  t.same(r.offloaded, [1, 2], 'the next bin finishes TFO\'s table');
  t.same(r.added, [], 'though TFO changed nothing this bin');
  await group.remove();
  t.same(installed.size, 0, 'remove() leaves nothing');
});
