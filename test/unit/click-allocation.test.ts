import t from 'tap';
import { AllocationError, parseAllocation } from '../../clickos-build/index.js';

// Seed section 2.1.4, verbatim: the text extraction cut Mirror's argument short.
const SEED = `BASESYS=xen.clickos

ft :: FromNet("ip,nw_src=10.10.1.2,nw_dst=8.8.8.8")
tt :: ToNet("tun1")
mirror1 :: Mirror("

ft -> [0]mirror1[0]
    -> tt
`;

const errorOf = (text: string, options = {}) => {
  try {
    parseAllocation(text, 'a', options);
  } catch (e) {
    if (e instanceof AllocationError || (e instanceof Error && e.name === 'ClickSyntaxError')) return e.message;
    throw e;
  }
  return 'no error';
};

t.test("D3.2's example as printed stops at Mirror's unterminated string", async (t) => {
  t.equal(errorOf(SEED), 'a:5:19: unterminated string');
});

t.test("D3.2's example, with Mirror's argument closed, is a typed request", async (t) => {
  const req = parseAllocation(SEED.replace('Mirror("', 'Mirror("")'), 'seed');
  t.same(req.header, { BASESYS: 'xen.clickos' });
  t.equal(req.baseSystem, 'xen.clickos');
  t.same(req.fromNet, [{ name: 'ft', value: 'ip,nw_src=10.10.1.2,nw_dst=8.8.8.8', pos: { line: 3, col: 1 } }]);
  t.same(req.toNet, [{ name: 'tt', value: 'tun1', pos: { line: 4, col: 1 } }]);
  t.same(req.modules, [{ name: 'mirror1', type: 'Mirror', config: '""', args: ['""'], inputs: 1, outputs: 1, pos: { line: 5, col: 1 } }]);
  t.same(
    req.connections.map((c) => [c.from, c.fromPort, c.to, c.toPort, c.pos.line]),
    [['ft', 0, 'mirror1', 0, 7], ['mirror1', 0, 'tt', 0, 8]],
  );
});

t.test('several modules with ports, extra header keys, comments', async (t) => {
  const req = parseAllocation(`// a firewall in front of a NAT
BASESYS = xen.clickos
OWNER=alice

in :: FromNet("ip,nw_dst=10.0.0.0/8")
fw :: Firewall("allow tcp 80", "deny all")
nat :: NAT(10.0.0.1)
out :: ToNet("eth1"); rej :: ToNet("log0")
in -> fw[0] -> [0]nat -> out;
fw[1] -> rej;
`);
  t.same(req.header, { BASESYS: 'xen.clickos', OWNER: 'alice' });
  t.same(req.modules.map((m) => [m.name, m.type, m.args, m.inputs, m.outputs]), [
    ['fw', 'Firewall', ['"allow tcp 80"', '"deny all"'], 1, 2],
    ['nat', 'NAT', ['10.0.0.1'], 1, 1],
  ]);
  t.same(req.toNet.map((e) => e.value), ['eth1', 'log0']);
  t.same(req.connections.map((c) => `${c.from}[${c.fromPort}]->[${c.toPort}]${c.to}`), ['in[0]->[0]fw', 'fw[0]->[0]nat', 'nat[0]->[0]out', 'fw[1]->[0]rej']);
});

const OK_BODY = 'ft :: FromNet("ip")\ntt :: ToNet("tun1")\nm :: Mirror\nft -> m -> tt\n';

t.test('malformed requests give positioned errors', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['no header', OK_BODY, "a:1:1: missing 'BASESYS=' header line (for example 'BASESYS=xen.clickos')"],
    ['duplicate key', `BASESYS=xen.clickos\n  BASESYS=linux.vm\n${OK_BODY}`, "a:2:3: duplicate header key 'BASESYS' (first set on line 1)"],
    ['empty value', `BASESYS=\n${OK_BODY}`, "a:1:9: header key 'BASESYS' has an empty value"],
    ['header after modules', `BASESYS=xen.clickos\n${OK_BODY}MODE=fast\n`, "a:6:1: header line 'MODE=...' after the module section; header lines come first"],
    ['unquoted match', 'BASESYS=xen.clickos\nft :: FromNet(ip)\ntt :: ToNet("t")\nft -> tt', `a:2:1: FromNet 'ft' takes one quoted, non-empty match, as in FromNet("ip,nw_dst=10.0.0.1")`],
    ['empty match', 'BASESYS=xen.clickos\nft :: FromNet("")\ntt :: ToNet("t")\nft -> tt', `a:2:1: FromNet 'ft' takes one quoted, non-empty match, as in FromNet("ip,nw_dst=10.0.0.1")`],
    ['two ToNet args', 'BASESYS=xen.clickos\nft :: FromNet("ip")\ntt :: ToNet("a", "b")\nft -> tt', `a:3:1: ToNet 'tt' takes one quoted, non-empty port name, as in ToNet("tun1")`],
    ['into FromNet', `BASESYS=xen.clickos\n${OK_BODY}tt2 :: ToNet("x"); m2 :: Mirror; m2 -> ft;`, "a:6:40: FromNet 'ft' has no inputs: traffic enters the platform there"],
    ['out of ToNet', `BASESYS=xen.clickos\n${OK_BODY}tt -> Mirror;`, "a:6:7: ToNet 'tt' has no outputs: traffic leaves the platform there"],
    ['FromNet port 1', 'BASESYS=xen.clickos\nft :: FromNet("ip")\ntt :: ToNet("t")\nft[1] -> tt', "a:4:10: FromNet 'ft' has only output 0, not 1"],
    ['ToNet port 1', 'BASESYS=xen.clickos\nft :: FromNet("ip")\ntt :: ToNet("t")\nft -> [1]tt', "a:4:7: ToNet 'tt' has only input 0, not 1"],
    ['no FromNet', 'BASESYS=xen.clickos\n\nm :: Mirror -> tt :: ToNet("t")', 'a:3:1: allocation has no FromNet("match") element: no traffic would reach it'],
    ['no ToNet', 'BASESYS=xen.clickos\nft :: FromNet("ip") -> Mirror -> Discard', 'a:2:1: allocation has no ToNet("port") element: its traffic would go nowhere'],
    ['FromNet unconnected', `BASESYS=xen.clickos\n${OK_BODY}f2 :: FromNet("udp")`, "a:6:1: FromNet 'f2' is not connected"],
    ['module unconnected', `BASESYS=xen.clickos\n${OK_BODY}lonely :: Mirror;`, "a:6:1: processing module 'lonely' is not connected"],
    ['module input gap', 'BASESYS=xen.clickos\nft :: FromNet("ip")\ntt :: ToNet("t")\nft -> [1]m :: Mirror -> tt', "a:4:10: processing module 'm' input 0 is not connected"],
    ['Click syntax error keeps its line', 'BASESYS=xen.clickos\n\nft :: FromNet("ip")\nft -> -> tt', "a:4:7: syntax error near '->'"],
    ['header line that is not one', 'BASESYS=xen.clickos\nBASE SYS=x\n' + OK_BODY, "a:2:9: syntax error near '='"],
  ];
  for (const [what, text, expected] of cases) t.equal(errorOf(text), expected, what);
});

t.test('module types can be checked against what the platform offers', async (t) => {
  const text = `BASESYS=xen.clickos\n${OK_BODY.replace('Mirror', 'Mirorr')}`;
  t.equal(errorOf(text, { knownModules: ['Mirror', 'Firewall'] }), "a:4:1: unknown processing module type 'Mirorr' (did you mean 'Mirror'?)");
  t.equal(errorOf(text), 'no error', 'without a list any type goes');
});

t.test('a routed module: IPRouter(ROUTES, N, MACS), every route with its place in the request (routed.ts)', async (t) => {
  const ROUTED = (cfg: string, wiring = 'in -> r\nr[0] -> east\nr[1] -> west\n') =>
    `BASESYS=xen.clickos\nin :: FromNet("ip,in_port=eth1")\neast :: ToNet("eth2")\nwest :: ToNet("eth3")\nr :: IPRouter(${cfg})\n${wiring}`;
  const good = 'ROUTES "10.1.0.0/16 east, 10.1.7.0/24 west\n      0.0.0.0/0 east", N 2,\n  MACS "east 02:00:00:00:0e:01, west 02:00:00:00:0E:02"';
  const req = parseAllocation(ROUTED(good), 'a', { knownModules: ['Mirror'] });
  const m = req.modules[0]!;
  t.same(m.routed, {
    routes: '10.1.0.0/16 east\n10.1.7.0/24 west\n0.0.0.0/0 east\n',
    positions: [{ line: 5, col: 23 }, { line: 5, col: 41 }, { line: 6, col: 7 }],
    n: 2,
    macs: { east: '02:00:00:00:0e:01', west: '02:00:00:00:0e:02' },
    macPositions: { east: { line: 7, col: 9 }, west: { line: 7, col: 33 } },
    pos: { line: 5, col: 1 },
  }, 'an IPRouter is no deployed type: knownModules does not refuse it');
  const cases: Array<[string, string, string]> = [
    ['no config', ROUTED(''), "a:5:1: IPRouter 'r' takes ROUTES \"PREFIX NEXTHOP, …\", N COUNT and MACS \"NEXTHOP MAC, …\""],
    ['unknown keyword', ROUTED(`${good}, FACTOR 3`), "a:7:58: IPRouter 'r': 'FACTOR 3' is not ROUTES \"…\", N COUNT or MACS \"…\""],
    ['N twice', ROUTED(`${good}, N 4`), "a:7:58: IPRouter 'r': N given twice"],
    ['no N', ROUTED('ROUTES "10.0.0.0/8 east", MACS "east 02:00:00:00:0e:01"', 'in -> r\nr[0] -> east\nFromNet("udp") -> west\n'), "a:5:15: IPRouter 'r' needs N COUNT (how many prefixes the switch holds)"],
    ['N not a number', ROUTED(good.replace('N 2', 'N two')), "a:6:26: IPRouter 'r': N 'two' is not a whole number ≥ 1"],
    ['ROUTES unquoted', ROUTED(good.replace(/ROUTES "[^"]*"/, 'ROUTES 10.0.0.0/8 east')), "a:5:22: IPRouter 'r': ROUTES takes one double-quoted string (no backslashes)"],
    ['bad MAC', ROUTED(good.replace('02:00:00:00:0e:01', '02:00:00')), "a:7:9: IPRouter 'r': MACS entry 'east 02:00:00' is not 'NEXTHOP aa:bb:cc:dd:ee:ff'"],
    ['replicas', ROUTED(`${good}) x 2 //`), "a:7:58: IPRouter 'r' is the platform's router: it has no replicas"],
    ['output to a module', ROUTED(good, 'in -> r\nr[0] -> east\nr[1] -> Mirror -> west\n'), "a:5:1: IPRouter 'r' must be its request's only processing module (the switch steers between its FromNet and its next hops)"],
    ['two outputs to one ToNet', ROUTED(good, 'in -> r\nr[0] -> east\nr[1] -> east\nFromNet("udp") -> west\n'), "a:10:9: IPRouter 'r': ToNet 'east' is reached by two outputs"],
    ['a MAC for no output', ROUTED(good, 'in -> r\nr[0] -> east\nFromNet("udp") -> west\n'), "a:7:33: IPRouter 'r': MACS names 'west', which no output of 'r' reaches (next hops are ToNets)"],
  ];
  for (const [what, text, expected] of cases) t.equal(errorOf(text), expected, what);
});
