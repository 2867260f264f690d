// controller/balancer/switch.ts, cookies.ts and migration-rules.ts without a switch:
// the order of a make-before-break install, its rollback, the priority bands, the
// cookie layout, and conntrack in the flow model (ovs-ofctl text both ways; the native
// driver refuses it). test/unit/balancer-ovs.test.ts does it on a real Open vSwitch.
import t from 'tap';
import { balance, BalancerInputError, cookieGroup, groupCookie, isGroupCookie, migrationFlows, parsePrefix, SwitchGroup, type GroupPorts } from '../../controller/balancer/index.js';
import { Traffic } from '../../controller/balancer/traffic.js';
import { OpenFlowUnsupportedError } from '../../controller/openflow/errors.js';
import { encodeAction, encodeOxmFields } from '../../controller/openflow/messages.js';
import { flowKey, usesConntrack, type Flow, type FlowEntry } from '../../controller/openflow/model.js';
import { ConntrackUnsupportedError, FlowInstallError, type SwitchDriver } from '../../controller/openflowd/driver.js';
import { NativeDriver } from '../../controller/openflowd/native-driver.js';
import { flowLine, parseDumpFlows } from '../../controller/openflowd/ofctl-syntax.js';

/** A SwitchDriver STAND-IN that records calls and keeps flows per cookie; `refuse` makes an addFlows of that cookie fail. */
class RecordingDriverStandIn implements SwitchDriver {
  calls: string[] = [];
  byCookie = new Map<bigint, Flow[]>();
  refuse?: bigint;
  async addFlows(cookie: bigint, flows: Flow[]) {
    this.calls.push(`add ${cookie.toString(16)} ${flows.length}`);
    if (cookie === this.refuse) throw new FlowInstallError('refused', cookie);
    this.byCookie.set(cookie, flows);
  }
  async deleteFlows(cookie: bigint) {
    this.calls.push(`del ${cookie.toString(16)}`);
    this.byCookie.delete(cookie);
  }
  async dumpFlows(): Promise<FlowEntry[]> {
    return [...this.byCookie].flatMap(([cookie, fs]) => fs.map((f) => ({ ...f, cookie, packets: 0n, bytes: 0n })));
  }
  async portStats() { return []; }
  async ports() { return []; }
  async close() {}
}

const servers = [{ name: 'a', capacity: 1 }, { name: 'b', capacity: 1 }];
const ports: GroupPorts = { field: 'src', forward: { port: 1 }, reverse: { port: 2 }, replicas: { a: [3, 4], b: [5] }, conntrack: { zone: 9, marks: { a: 1, b: 2 } } };
const traffic = (weights: Record<string, number>) => Traffic.fromAtoms(Object.entries(weights).map(([p, load]) => ({ prefix: parsePrefix(p), load })));

t.test('group cookies never meet allocation ids', async (t) => {
  const c = groupCookie(7, 'rules', 3);
  t.ok(isGroupCookie(c) && c >= 0xb1n << 56n, 'tagged in the top byte');
  t.equal(cookieGroup(c), 7);
  t.equal(cookieGroup(12n), undefined, 'an allocation id is no group cookie');
  t.not(groupCookie(7, 'migration', 3), c, 'migration flows have their own cookie');
  t.equal(groupCookie(7, 'rules', 65536 + 3), c, 'generations wrap at 2^16');
  t.throws(() => groupCookie(0, 'rules', 0), BalancerInputError);
  t.throws(() => groupCookie(2 ** 32, 'rules', 0), BalancerInputError);
});

t.test('make-before-break: the new generation first, in the other band, then the old one removed', async (t) => {
  const d = new RecordingDriverStandIn();
  const sw = new SwitchGroup(d, { group: 5, basePriority: 2000 });
  const a0 = balance(servers, traffic({ '10.0.0.0/8': 1, '11.0.0.0/8': 1 }));
  const i0 = await sw.install(a0, ports);
  t.same(new Set(i0.rules.map((f) => f.priority)), new Set([2000, 2001]), 'generation 0: band 2000..2001');
  // the replicas swap prefixes: every leaf moves
  const swap = (n: string) => (n === 'a' ? 'b' : 'a');
  const a1 = { ...a0, defaultServer: swap(a0.defaultServer), leaves: a0.leaves.map((l) => ({ ...l, server: swap(l.server) })) };
  const { moves } = await import('../../controller/balancer/leaves.js');
  const moved = moves(a0.leaves, a1.leaves);
  t.ok(moved.length > 0, 'something moves');
  d.calls = [];
  const i1 = await sw.install(a1, ports, moved);
  t.same(d.calls, [`add ${sw.cookie('migration', 1).toString(16)} ${6 * moved.length}`, `add ${sw.cookie('rules', 1).toString(16)} ${i1.rules.length}`, `del ${sw.cookie('rules', 0).toString(16)}`],
    'migration flows, then the rules, then the old generation goes');
  t.same(new Set(i1.rules.map((f) => f.priority)), new Set([2004, 2005]), 'generation 1: band 2004..2005');
  t.ok(i1.migration.filter((f) => f.table === 0).every((f) => f.priority === 2006), 'the idle phase dispatch sits above the new rules');
  t.ok(i1.rules.filter((f) => f.match.inPort === 1 || f.match.inPort === 2).every((f) => f.actions[0]!.type === 'ct' && f.actions[0]!.commit), 'every entry rule commits its connection');
  await t.rejects(sw.install(a1, ports), BalancerInputError, 'no new generation during an idle phase');
  await sw.endIdle();
  t.same([...d.byCookie.keys()], [sw.cookie('rules', 1)], 'endIdle leaves the rules only');

  d.refuse = sw.cookie('rules', 2);
  await t.rejects(sw.install(a0, ports, moves(a1.leaves, a0.leaves)), FlowInstallError, 'a refused generation throws');
  t.same([...d.byCookie.keys()], [sw.cookie('rules', 1)], 'and leaves the old one alone, its migration flows removed');
  t.equal(sw.current, 1);
  // a delete that fails leaves the old generation behind; the next call removes it first
  const del = d.deleteFlows.bind(d);
  d.refuse = undefined;
  let fail = true;
  d.deleteFlows = async (c: bigint) => {
    if (fail) {
      fail = false;
      throw new Error('switch gone');
    }
    return del(c);
  };
  await t.rejects(sw.install(a0, ports), /switch gone/, 'the old generation could not be removed');
  t.equal(sw.current, 2, 'the new generation is current all the same');
  t.same([...d.byCookie.keys()].sort(), [sw.cookie('rules', 1), sw.cookie('rules', 2)].sort(), 'both on the switch for now');
  await sw.remove();
  t.same(d.byCookie.size, 0, 'remove() clears the group, the stale generation included');
});

t.test('migration flows need conntrack and their own table', async (t) => {
  const m = [{ prefix: parsePrefix('10.0.0.0/8'), from: 'a', to: 'b' }];
  t.throws(() => migrationFlows(m, { ...ports, conntrack: undefined }, { priority: 10, ctTable: 3 }), BalancerInputError);
  t.throws(() => migrationFlows(m, ports, { priority: 10, ctTable: 0 }), BalancerInputError, 'not the group table');
  t.throws(() => migrationFlows(m, { ...ports, conntrack: { zone: 9, marks: { a: 1 } } }, { priority: 10, ctTable: 3 }), BalancerInputError, 'every replica needs a mark');
  const f = migrationFlows(m, ports, { priority: 10, ctTable: 3 });
  const est = f.find((x) => x.match.ctState?.est)!;
  t.same(est.actions, [{ type: 'output', port: 3 }], 'established, marked a: to a');
  t.same(est.match.ctMark, 1);
  const rev = f.find((x) => x.table === 3 && x.match.inPort === 2 && !x.match.ctState)!;
  t.same(rev.actions.slice(1), [{ type: 'push_vlan', ethertype: 0x8100 }, { type: 'set_vlan_vid', vid: 101 }, { type: 'output', port: 5 }], 'anything else in the reverse direction: to b, Click port 1 as VLAN 101');
});

t.test('conntrack in the model: ovs-ofctl text both ways; the native encoder and driver refuse it', async (t) => {
  const flow: Flow = {
    table: 3, priority: 7,
    match: { inPort: 1, ethType: 0x800, ipv4Src: { addr: '10.0.0.0', len: 8 }, ctState: { trk: true, est: true, new: false }, ctMark: 0x2a },
    actions: [{ type: 'ct', commit: true, zone: 9, mark: 2 }, { type: 'ct', zone: 9, table: 4 }, { type: 'output', port: 3 }],
  };
  const line = flowLine(5n, flow);
  t.match(line, /ct_state=-new\+est\+trk,ct_mark=0x2a,actions=ct\(commit,zone=9,exec\(set_field:0x2->ct_mark\)\),ct\(table=4,zone=9\),output:3/);
  const [back] = parseDumpFlows(`cookie=0x5, duration=1s, ${line.slice('cookie=0x5,'.length).replace(',actions=', ' actions=')}`);
  t.equal(flowKey(back!), flowKey({ ...flow, cookie: 5n }), 'parses back to the same flow');
  t.ok(usesConntrack(flow));
  t.throws(() => encodeAction(flow.actions[0]!), OpenFlowUnsupportedError);
  t.throws(() => encodeOxmFields(flow.match), OpenFlowUnsupportedError);
  const native = new NativeDriver();
  await t.rejects(native.addFlows(5n, [flow]), ConntrackUnsupportedError, 'refused before any switch is asked');
  await native.close();
});
