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
