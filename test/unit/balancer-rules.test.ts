// The balancer's OpenFlow rules (D3.2 §2.2.6, controller/balancer/README.md "Rules"):
// two per assigned prefix, router-on-a-stick tags for one-port replicas, the default
// server's 0/0 catch-alls one priority lower, return flows per replica, source vs
// destination matching, the count formula, the ovs-ofctl text (which openflowd's own
// parser reads back) and the diff a rebalance installs.
import t from 'tap';
import { balance, balancerFlows, BalancerInputError, diffFlows, renderFlows, ruleCount, Traffic, assignedPrefixes, type GroupPorts } from '../../controller/balancer/index.js';
import { gaussian } from '../../controller/balancer/synthetic.js';
import { flowKey } from '../../controller/openflow/model.js';
import { parseDumpFlows } from '../../controller/openflowd/ofctl-syntax.js';

const two = balance([{ name: 'A', capacity: 1 }, { name: 'B', capacity: 1 }], Traffic.uniform());
const sticks: GroupPorts = { field: 'src', forward: { port: 1 }, reverse: { port: 2 }, replicas: { A: [10], B: [11] } };

t.test('NAT-style (source) balancing over one-port replicas: tagged in, popped out', async (t) => {
  t.same(balancerFlows(two, sticks).map((f) => flowKey(f)), [
    // B owns 0/1: forward traffic matched on its source, reverse on its destination
    'table=0,priority=1000,in_port=1,dl_type=0x0800,nw_src=0.0.0.0/1,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:11',
    'table=0,priority=1000,in_port=2,dl_type=0x0800,nw_dst=0.0.0.0/1,actions=push_vlan:0x8100,set_field:4197->vlan_vid,output:11',
    // the default server A takes the rest, one priority lower
    'table=0,priority=999,in_port=1,dl_type=0x0800,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:10',
    'table=0,priority=999,in_port=2,dl_type=0x0800,actions=push_vlan:0x8100,set_field:4197->vlan_vid,output:10',
    // what each replica sends back leaves by the other side
    'table=0,priority=1000,in_port=10,dl_vlan=100,actions=pop_vlan,output:2',
    'table=0,priority=1000,in_port=10,dl_vlan=101,actions=pop_vlan,output:1',
    'table=0,priority=1000,in_port=11,dl_vlan=100,actions=pop_vlan,output:2',
    'table=0,priority=1000,in_port=11,dl_vlan=101,actions=pop_vlan,output:1',
  ]);
});

t.test('firewall-style (destination) balancing over two-port replicas: no tags, extra match kept', async (t) => {
  const flows = balancerFlows(two, { field: 'dst', forward: { port: 1, match: { ipProto: 6, tcpDst: 80 } }, reverse: { port: 2, match: { ipProto: 6, tcpSrc: 80 } }, replicas: { A: [10, 20], B: [11, 21] }, priority: 500, table: 3 });
  t.same(flows.map((f) => flowKey(f)), [
    'table=3,priority=500,in_port=1,dl_type=0x0800,nw_proto=6,nw_dst=0.0.0.0/1,tp_dst=80,actions=output:11',
    'table=3,priority=500,in_port=2,dl_type=0x0800,nw_proto=6,nw_src=0.0.0.0/1,tp_src=80,actions=output:21',
    'table=3,priority=499,in_port=1,dl_type=0x0800,nw_proto=6,tp_dst=80,actions=output:10',
    'table=3,priority=499,in_port=2,dl_type=0x0800,nw_proto=6,tp_src=80,actions=output:20',
    'table=3,priority=500,in_port=10,actions=output:2',
    'table=3,priority=500,in_port=20,actions=output:1',
    'table=3,priority=500,in_port=11,actions=output:2',
    'table=3,priority=500,in_port=21,actions=output:1',
  ]);
});

t.test('rule count: 2 per assigned prefix + 2 catch-alls + 2 per replica, on a real assignment', async (t) => {
  const servers = Array.from({ length: 50 }, (_, i) => ({ name: `s${i}`, capacity: 1 + (i % 3) }));
  const a = balance(servers, gaussian(0.5, 0.1));
  const replicas = Object.fromEntries(servers.map((s, i) => [s.name, [100 + i]]));
  const flows = balancerFlows(a, { field: 'src', forward: { port: 1 }, reverse: { port: 2 }, replicas });
  t.equal(flows.length, ruleCount(assignedPrefixes(a).length, 50));
  t.equal(ruleCount(3, 4), 2 * 3 + 2 + 2 * 4);
  t.equal(new Set(flows.map((f) => flowKey({ ...f, actions: [] }))).size, flows.length, 'no two flows share a match and priority');
});

t.test('ovs-ofctl text: one line per flow under the group cookie, read back equal by openflowd\'s parser', async (t) => {
  const flows = balancerFlows(two, sticks);
  const text = renderFlows(0xb1n, flows);
  const lines = text.trimEnd().split('\n');
  t.equal(lines.length, flows.length);
  t.equal(lines[0], 'cookie=0xb1,table=0,priority=1000,in_port=1,dl_type=0x0800,nw_src=0.0.0.0/1,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:11');
  // dump-flows prints "cookie=…, table=…, … actions=…": the same fields with a space before actions
  const dumped = parseDumpFlows(lines.map((l) => l.replace(',actions=', ' actions=')).join('\n'));
  t.same(dumped.map((f) => flowKey(f)), flows.map((f) => flowKey({ ...f, cookie: 0xb1n })));
});

t.test('a rebalance installs only the flows that changed', async (t) => {
  const before = balance([{ name: 'A', capacity: 1 }, { name: 'B', capacity: 1 }], Traffic.uniform());
  const after = balance([{ name: 'A', capacity: 1 }, { name: 'B', capacity: 1 }, { name: 'C', capacity: 1 }], Traffic.uniform(), { previous: before });
  const ports = { ...sticks, replicas: { A: [10], B: [11], C: [12] } };
  const old = balancerFlows(before, { ...sticks });
  const next = balancerFlows(after, ports);
  const { add, remove } = diffFlows(old, next);
  t.ok(add.length > 0 && add.length < next.length, `${add.length} of ${next.length} flows to add`);
  t.same(diffFlows(next, next), { add: [], remove: [] });
  const applied = new Map(old.map((f) => [flowKey({ ...f, actions: [] }), f]));
  for (const f of remove) applied.delete(flowKey({ ...f, actions: [] }));
  for (const f of add) applied.set(flowKey({ ...f, actions: [] }), f);
  t.same([...applied.values()].map((f) => flowKey(f)).sort(), next.map((f) => flowKey(f)).sort(), 'old + diff = new');
});

t.test('bad ports are refused before any flow is made', async (t) => {
  t.throws(() => balancerFlows(two, { ...sticks, replicas: { A: [10] } }), /replica 'B' needs one switch port/);
  t.throws(() => balancerFlows(two, { ...sticks, replicas: { A: [10], B: [10] } }), /switch port 10 of replica 'B' is also a port of replica 'A'/);
  t.throws(() => balancerFlows(two, { ...sticks, replicas: { A: [1], B: [11] } }), /is also the forward port/);
  t.throws(() => balancerFlows(two, { ...sticks, reverse: { port: 1 } }), /forward and reverse ports are both 1/);
  t.throws(() => balancerFlows(two, { ...sticks, forward: { port: 1, match: { ipv4Src: { addr: '10.0.0.0', len: 8 } } } }), /may not name nw_src or nw_dst/);
  t.throws(() => balancerFlows(two, { ...sticks, forward: { port: 1, match: { vlanVid: 5 } } }), /may not name a VLAN/);
  t.throws(() => balancerFlows(two, { ...sticks, vlanBase: 4094 }), /VLAN base 4094/);
  t.throws(() => balancerFlows(two, { ...sticks, field: 'tos' as never }), BalancerInputError);
});
