// webd's edge labels: which switch flow carries which link of an allocation's graph
// (controller/webd/link-counters.ts). The flows are planFlows' own (controller/openflowd/
// flows.ts, the planner resourced installs with), printed as the switch's dump prints them
// (controller/openflow/model.ts), shuffled, each with counters of its own: every link must
// get its own connection's flow back, or null where the graph cannot tell.
import t from 'tap';
import { parseAllocation } from '../../clickos-build/index.js';
import { planFlows, type VifPort } from '../../controller/openflowd/flows.js';
import { actionsText, matchText } from '../../controller/openflow/model.js';
import { flowHops, linkAnchors, linkCounters } from '../../controller/webd/link-counters.js';
import { parseMatchText } from '../../controller/openflowd/ofctl-syntax.js';

const PORTS: Record<string, number> = { net: 1, sink: 2, up: 9 };

const parseMatch = (text: string, byName: (n: string) => number | undefined) => {
  const m = parseMatchText(text, byName);
  return { text: matchText(m), ...(m.inPort !== undefined ? { inPort: m.inPort } : {}) };
};

/** `names`: the switch's port names webd knows (monitord's switch.names); `domids`: each module's guest. */
function scenario(request: string, modulePorts: Record<string, VifPort[]>, o: { names?: Record<string, number>; domids?: Record<string, number> } = {}) {
  const req = parseAllocation(request, 'allocation');
  const planned = planFlows({ id: 7n, request: req, modulePorts }, { portByName: (n) => PORTS[n] });
  // planFlows makes one flow per connection, in the request's order: connection k ↔ planned[k]
  const flows = planned.map((f, k) => ({ match: matchText(f.match), actions: actionsText(f.actions), packets: 100 + k, bytes: 1000 * (k + 1) }));
  const order = flows.map((_, i) => i).sort((a, b) => ((a * 7 + 3) % flows.length) - ((b * 7 + 3) % flows.length));
  const graph = {
    nodes: [...req.fromNet.map((f) => ({ name: f.name, kind: 'in' as const })), ...req.modules.map((m) => ({ name: m.name, kind: 'module' as const })), ...req.toNet.map((x) => ({ name: x.name, kind: 'out' as const }))],
    links: req.connections.map((c) => ({ from: c.from, fromPort: c.fromPort, to: c.to, toPort: c.toPort })),
  };
  const anchors = o.names
    ? linkAnchors({ fromNet: req.fromNet, toNet: req.toNet, modules: req.modules.map((m) => ({ name: m.name, domid: o.domids?.[m.name] ?? null, ports: Math.max(m.inputs, m.outputs) })) }, new Map(Object.entries(o.names)), parseMatch)
    : new Map();
  const got = linkCounters(graph, order.map((i) => flows[i]!), anchors);
  return { got: got.map((c) => (c ? c.packets - 100 : null)), flows, links: graph.links };
}

const CHAIN = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=net,nw_dst=10.77.0.2")
rev :: FromNet("ip,in_port=sink,nw_src=10.77.0.2")
tosink :: ToNet("sink")
tonet :: ToNet("net")
fwd -> [0]a :: Fwd() [1] -> [0]b :: Fwd() [1] -> tosink
rev -> [1]b[0] -> [1]a[0] -> tonet
`;

const LOCAL = { net: 1, sink: 2, 'vif1.0': 11, 'vif1.1': 12, 'vif2.0': 21, 'vif2.1': 22 };

t.test('a two-way chain, one vif per port, the port names known: every link its own flow', async (t) => {
  const { got } = scenario(CHAIN, { a: [11, 12], b: [21, 22] }, { names: LOCAL, domids: { a: 1, b: 2 } });
  t.same(got, [0, 1, 2, 3, 4, 5], 'link k gets connection k\'s counters');
});

t.test('without the port names a two-way chain reads as well backwards: nothing is guessed', async (t) => {
  const { got } = scenario(CHAIN, { a: [11, 12], b: [21, 22] });
  t.same(got, [null, null, null, null, null, null]);
  const nets = scenario(CHAIN, { a: [11, 12], b: [21, 22] }, { names: { net: 1, sink: 2 } });
  t.same(nets.got, [0, null, 2, 3, null, 5], "the network's names alone: a's port 1 and b's port 0 could swap, those two links stay unknown");
});

t.test('two hosts, each behind its uplink: one port per host, a VLAN per vif', async (t) => {
  const { got } = scenario(CHAIN, { a: [{ port: 9, vlan: 201 }, { port: 9, vlan: 202 }], b: [{ port: 8, vlan: 203 }, { port: 8, vlan: 204 }] }, { names: { net: 1, sink: 2, up: 9, upb: 8 }, domids: { a: 1, b: 1 } });
  t.same(got, [0, 1, 2, 3, 4, 5], "a module's hops share its host's uplink: the chain is pinned down (its domids name no vif here)");
});

t.test('a router on a stick: one shared vif, its ports told apart by tag', async (t) => {
  const STICK = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=net")
rev :: FromNet("ip,in_port=sink")
tosink :: ToNet("sink")
tonet :: ToNet("net")
fwd -> [0]s :: Fwd() [1] -> tosink
rev -> [1]s[0] -> tonet
`;
  const { got, flows } = scenario(STICK, { s: [5] }, { names: { net: 1, sink: 2, 'vif3.0': 5 }, domids: { s: 3 } });
  t.ok(flows.some((f) => /dl_vlan=101/.test(f.match)), 'the planner tagged the shared vif');
  t.same(got, [0, 1, 2, 3]);
});

t.test('a fan-out to guests with no vif on this switch: each branch followed through its hops', async (t) => {
  const FAN = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=net")
tosink :: ToNet("sink")
tonet :: ToNet("net")
fwd -> [0]a :: Fwd() [0] -> tonet
a[1] -> [0]b1 :: Fwd() [0] -> tosink
a[2] -> [0]b2 :: Fwd() [0] -> tosink
`;
  // b1 and b2 are guests on another host: no vif of theirs on this switch
  const { got, links } = scenario(FAN, { a: [11, 12, 13], b1: [21], b2: [31] }, { names: { net: 1, sink: 2, 'vif1.0': 11, 'vif1.1': 12, 'vif1.2': 13 }, domids: { a: 1 } });
  t.same(links.map((l) => `${l.from}->${l.to}`), ['fwd->a', 'a->tonet', 'a->b1', 'b1->tosink', 'a->b2', 'b2->tosink']);
  t.same(got, [0, 1, 2, 3, 4, 5], "b1's hop is where a[1] sends: its flow to the sink is the one from that hop");
});

t.test('missing flows: nothing is guessed', async (t) => {
  const req = parseAllocation(CHAIN, 'allocation');
  const planned = planFlows({ id: 7n, request: req, modulePorts: { a: [11, 12], b: [21, 22] } }, { portByName: (n) => PORTS[n] });
  const flows = planned.slice(1).map((f) => ({ match: matchText(f.match), actions: actionsText(f.actions), packets: 1, bytes: 1 }));
  const graph = { nodes: [{ name: 'fwd', kind: 'in' as const }, { name: 'rev', kind: 'in' as const }, { name: 'a', kind: 'module' as const }, { name: 'b', kind: 'module' as const }, { name: 'tosink', kind: 'out' as const }, { name: 'tonet', kind: 'out' as const }], links: req.connections };
  t.same(linkCounters(graph, flows), [null, null, null, null, null, null]);
  t.same(linkCounters(graph, []), [null, null, null, null, null, null], 'no flows at all');
});

t.test('hops read from the printed flow', async (t) => {
  t.same(flowHops({ match: 'in_port=5,dl_vlan=101', actions: 'set_field:4198->vlan_vid,output:IN_PORT' }), { from: '5.101', to: '5.102', untagged: false });
  t.same(flowHops({ match: 'in_port=1,dl_type=0x0800', actions: 'push_vlan:0x8100,set_field:4196->vlan_vid,output:5' }), { to: '5.100', untagged: false }, 'a FromNet match is not a module hop');
  t.same(flowHops({ match: 'in_port=5,dl_vlan=100', actions: 'pop_vlan,output:2' }), { from: '5.100', to: '2.-', untagged: true });
  t.same(flowHops({ match: 'in_port=5', actions: 'drop' }), { from: '5.-', untagged: true }, 'no output: no destination');
});
