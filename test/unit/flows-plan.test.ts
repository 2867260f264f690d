// openflowd's planner and the ovs-ofctl text layer, without a switch: which flows an
// allocation gets (tags only where a vif carries several ports, D3.2 §2.2.6, docs/platform.md), which
// requests are refused, and parsing what ovs-ofctl 3.1 prints.
import t from 'tap';
import { parseAllocation } from '../../clickos-build/allocation.js';
import { flowKey } from '../../controller/openflow/model.js';
import { FlowPlanError, planFlows } from '../../controller/openflowd/flows.js';
import { MatchSyntaxError, parseDumpFlows, parseDumpPorts, parseMatchText, parsePortsDesc, refusedFlow } from '../../controller/openflowd/ofctl-syntax.js';

const ports: Record<string, number> = { net0: 1, tun1: 2 };
const portByName = (n: string) => ports[n];

t.test('one direction, one vif per port: plain forwarding, no tags', async (t) => {
  const request = parseAllocation('BASESYS=xen.clickos\nft :: FromNet("udp,nw_src=10.10.1.2,nw_dst=8.8.8.8,tp_dst=53")\ntt :: ToNet("tun1")\nfw :: Firewall()\nft -> fw -> tt\n');
  const flows = planFlows({ id: 7n, request, modulePorts: { fw: [5] } }, { portByName, networkPort: 1 });
  t.same(flows.map((f) => flowKey(f)), [
    'table=0,priority=1000,in_port=1,dl_type=0x0800,nw_proto=17,nw_src=10.10.1.2,nw_dst=8.8.8.8,tp_dst=53,actions=output:5',
    'table=0,priority=1000,in_port=5,actions=output:2',
  ]);
});

t.test('two directions on one vif per module: VLAN per port, pushed, kept, popped', async (t) => {
  const request = parseAllocation(`BASESYS=xen.clickos
f :: FromNet("ip,in_port=net0,nw_dst=10.0.0.2")
r :: FromNet("ip,in_port=tun1,nw_src=10.0.0.2")
out :: ToNet("tun1")
back :: ToNet("net0")
f -> [0]a :: M() [0] -> [0]b :: M() [0] -> out
r -> [1]b[1] -> [1]a[1] -> back
`);
  const flows = planFlows({ id: 1n, request, modulePorts: { a: [3], b: [4] } }, { portByName, vlanBase: 10 });
  t.same(flows.map((f) => flowKey(f)).sort(), [
    'table=0,priority=1000,in_port=1,dl_type=0x0800,nw_dst=10.0.0.2,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:3',
    'table=0,priority=1000,in_port=2,dl_type=0x0800,nw_src=10.0.0.2,actions=push_vlan:0x8100,set_field:4107->vlan_vid,output:4',
    'table=0,priority=1000,in_port=3,dl_vlan=10,actions=output:4',
    'table=0,priority=1000,in_port=3,dl_vlan=11,actions=pop_vlan,output:1',
    'table=0,priority=1000,in_port=4,dl_vlan=10,actions=pop_vlan,output:2',
    'table=0,priority=1000,in_port=4,dl_vlan=11,actions=output:3',
  ].sort());
});

t.test('vifs behind host uplinks: each is its uplink port with its own VLAN, pushed, rewritten, popped', async (t) => {
  const request = parseAllocation(`BASESYS=xen.clickos
f :: FromNet("ip,in_port=net0,nw_dst=10.0.0.2")
r :: FromNet("ip,in_port=tun1,nw_src=10.0.0.2")
out :: ToNet("tun1")
back :: ToNet("net0")
f -> [0]a :: M() [1] -> [0]b :: M() [1] -> [0]c :: M() [1] -> out
r -> [1]c[0] -> [1]b[0] -> [1]a[0] -> back
`);
  // a and c on host A (uplink port 7), b on host B (uplink port 8)
  const modulePorts = { a: [{ port: 7, vlan: 20 }, { port: 7, vlan: 21 }], b: [{ port: 8, vlan: 20 }, { port: 8, vlan: 31 }], c: [{ port: 7, vlan: 22 }, { port: 7, vlan: 23 }] };
  const flows = planFlows({ id: 1n, request, modulePorts }, { portByName });
  t.same(flows.map((f) => flowKey(f)), [
    'table=0,priority=1000,in_port=1,dl_type=0x0800,nw_dst=10.0.0.2,actions=push_vlan:0x8100,set_field:4116->vlan_vid,output:7',
    // the same VLAN id on two hosts: the uplink port tells them apart, no rewrite needed
    'table=0,priority=1000,in_port=7,dl_vlan=21,actions=set_field:4116->vlan_vid,output:8',
    'table=0,priority=1000,in_port=8,dl_vlan=31,actions=set_field:4118->vlan_vid,output:7',
    'table=0,priority=1000,in_port=7,dl_vlan=23,actions=pop_vlan,output:2',
    'table=0,priority=1000,in_port=2,dl_type=0x0800,nw_src=10.0.0.2,actions=push_vlan:0x8100,set_field:4119->vlan_vid,output:7',
    'table=0,priority=1000,in_port=7,dl_vlan=22,actions=set_field:4127->vlan_vid,output:8',
    'table=0,priority=1000,in_port=8,dl_vlan=20,actions=set_field:4117->vlan_vid,output:7',
    'table=0,priority=1000,in_port=7,dl_vlan=20,actions=pop_vlan,output:1',
  ]);
  t.throws(() => planFlows({ id: 1n, request, modulePorts: { ...modulePorts, c: [{ port: 7, vlan: 21 }, { port: 7, vlan: 23 }] } }, { portByName }), /switch port 7\.21 is the vif of both 'a' and 'c'/);
  t.throws(() => planFlows({ id: 1n, request, modulePorts: { ...modulePorts, b: [{ port: 8, vlan: 20 }] } }, { portByName }), /behind a host uplink: it needs one vif per port/);
  t.throws(() => planFlows({ id: 1n, request, modulePorts: { ...modulePorts, b: [{ port: 8, vlan: 0 }, { port: 8, vlan: 4095 }] } }, { portByName }), /VLAN 0 is not 1-4094/);
  const entersAtUplink = parseAllocation('BASESYS=x\nf :: FromNet("ip,in_port=7")\no :: ToNet("tun1")\nf -> a :: M() -> o\n');
  t.throws(() => planFlows({ id: 1n, request: entersAtUplink, modulePorts: { a: [{ port: 7, vlan: 5 }] } }, { portByName }), /a host's uplink/);
});

t.test('a module with one vif per port needs no tags; one vif looping to itself uses IN_PORT', async (t) => {
  const request = parseAllocation('BASESYS=x\nf :: FromNet("ip")\no :: ToNet("tun1")\nf -> [0]a :: M() [1] -> [1]a[0] -> o\n');
  const flows = planFlows({ id: 1n, request, modulePorts: { a: [6] } }, { portByName, networkPort: 1 });
  t.same(flows.map((f) => flowKey(f)), [
    'table=0,priority=1000,in_port=1,dl_type=0x0800,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:6',
    'table=0,priority=1000,in_port=6,dl_vlan=101,actions=output:IN_PORT',
    'table=0,priority=1000,in_port=6,dl_vlan=100,actions=pop_vlan,output:2',
  ]);
  const two = planFlows({ id: 1n, request, modulePorts: { a: [6, 7] } }, { portByName, networkPort: 1 });
  t.same(two.map((f) => flowKey(f)), [
    'table=0,priority=1000,in_port=1,dl_type=0x0800,actions=output:6',
    'table=0,priority=1000,in_port=7,actions=output:7'.replace('output:7', 'output:IN_PORT'),
    'table=0,priority=1000,in_port=6,actions=output:2',
  ]);
});

t.test('refusals name what to fix', async (t) => {
  const req = (s: string) => parseAllocation(`BASESYS=x\nf :: FromNet("${s}")\no :: ToNet("tun1")\nf -> m :: M() -> o\n`);
  t.throws(() => planFlows({ id: 1n, request: req('ip'), modulePorts: { m: [5] } }, { portByName }), /names no in_port/);
  t.throws(() => planFlows({ id: 1n, request: req('ip,in_port=nope'), modulePorts: { m: [5] } }, { portByName }), /in_port 'nope' is not a port/);
  t.throws(() => planFlows({ id: 1n, request: req('ip'), modulePorts: {} }, { portByName, networkPort: 1 }), FlowPlanError);
  t.throws(() => planFlows({ id: 1n, request: req('ip,dl_vlan=5'), modulePorts: { m: [5] } }, { portByName, networkPort: 1 }), /tags are the platform's own/);
  t.throws(() => planFlows({ id: 1n, request: req('ip,ct_state=+trk+est'), modulePorts: { m: [5] } }, { portByName, networkPort: 1 }), /connection tracking is the balancer's own/);
  t.throws(() => planFlows({ id: 1n, request: req('ip'), modulePorts: { m: [1] } }, { portByName, networkPort: 1 }), /both a vif and the network port/);
  const badTo = parseAllocation('BASESYS=x\nf :: FromNet("ip")\no :: ToNet("tun9")\nf -> m :: M() -> o\n');
  t.throws(() => planFlows({ id: 1n, request: badTo, modulePorts: { m: [5] } }, { portByName, networkPort: 1 }), /ToNet 'o' 'tun9' is not a port/);
});

t.test('FromNet match syntax', async (t) => {
  t.same(parseMatchText('tcp,nw_dst=10.1.2.3/255.255.0.0,tp_src=80'), { ethType: 0x800, ipProto: 6, ipv4Dst: { addr: '10.1.0.0', len: 16 }, tcpSrc: 80 });
  t.same(parseMatchText('nw_src=1.2.3.4'), { ethType: 0x800, ipv4Src: { addr: '1.2.3.4', len: 32 } }, 'nw_src implies ip');
  t.throws(() => parseMatchText('ip,tp_dst=80'), MatchSyntaxError, 'tp_dst needs tcp or udp');
  t.throws(() => parseMatchText('arp,nw_src=1.2.3.4'), /need an IPv4 match/);
  t.throws(() => parseMatchText('ip,nw_src=1.2.3.400'), /not an IPv4/);
  t.throws(() => parseMatchText('ipv6'), /unknown match keyword/);
  t.throws(() => parseMatchText('dl_src=00:11:22:33:44:55'), /not supported/);
});

t.test('ovs-ofctl 3.1 output', async (t) => {
  const dump = `OFPST_FLOW reply (OF1.3) (xid=0x2):
 cookie=0x5, duration=0.011s, table=0, n_packets=3, n_bytes=180, priority=100,udp,in_port=1,nw_src=10.0.0.0/24,nw_dst=10.0.0.2,tp_dst=5000 actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:2
 cookie=0x5, duration=0.011s, table=0, n_packets=0, n_bytes=0, priority=100,ip,in_port=3,dl_vlan=11 actions=pop_vlan,output:4
 cookie=0x0, duration=38.957s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL
`;
  const f = parseDumpFlows(dump);
  t.equal(f.length, 3);
  t.same(f[0], { cookie: 5n, table: 0, priority: 100, packets: 3n, bytes: 180n,
    match: { ethType: 0x800, ipProto: 17, inPort: 1, ipv4Src: { addr: '10.0.0.0', len: 24 }, ipv4Dst: { addr: '10.0.0.2', len: 32 }, udpDst: 5000 },
    actions: [{ type: 'push_vlan', ethertype: 0x8100 }, { type: 'set_vlan_vid', vid: 10 }, { type: 'output', port: 2 }] });
  t.same(f[1].match, { ethType: 0x800, inPort: 3, vlanVid: 11 });
  t.same(f[2].actions, [{ type: 'output', port: 'NORMAL' }]);
  const ports = parseDumpPorts(`OFPST_PORT reply (OF1.3) (xid=0x2): 2 ports
  port LOCAL: rx pkts=0, bytes=0, drop=0, errs=0, frame=0, over=0, crc=0
           tx pkts=0, bytes=0, drop=0, errs=0, coll=0
           duration=62.750s
  port  3: rx pkts=7, bytes=420, drop=1, errs=0, frame=0, over=0, crc=0
           tx pkts=8, bytes=480, drop=2, errs=0, coll=0
`);
  t.same(ports[1], { port: 3, rxPackets: 7n, rxBytes: 420n, rxDropped: 1n, txPackets: 8n, txBytes: 480n, txDropped: 2n });
  t.same(parsePortsDesc(' 1(veth-net): addr:fe:97:ed:11:eb:20\n LOCAL(br0): addr:5a:79:22:09:be:47\n'), [{ port: 1, name: 'veth-net' }, { port: 'LOCAL', name: 'br0' }]);
  t.same(refusedFlow('ADD priority=301,arp,in_port=1 cookie:0xbad2 actions=group:99'),
    { table: 0, priority: 301, match: { ethType: 0x806, inPort: 1 }, actions: [{ type: 'group', group: 99 }] });
});
