// The XML-RPC value codec: every type both ways, and the edges a hostile or sloppy
// peer would probe (i4 overflow, non-finite doubles, bad base64 and dates, nesting).
import t from 'tap';
import { decodeCall, decodeResponse, encodeCall, encodeFault, encodeResponse } from '../../daemon/xmlrpc/messages.js';
import { Double, MAX_DEPTH, formatDouble, type Encodable, type XmlRpcValue } from '../../daemon/xmlrpc/values.js';
import { Fault, FaultCode } from '../../daemon/xmlrpc/fault.js';

const roundTrip = (v: Encodable): XmlRpcValue => decodeResponse(encodeResponse(v));
const call = (inner: string): XmlRpcValue[] => decodeCall(`<?xml version="1.0"?><methodCall><methodName>m</methodName><params><param><value>${inner}</value></param></params></methodCall>`).params;
const one = (inner: string): XmlRpcValue => call(inner)[0]!;

function faultCode(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof Fault ? e.faultCode : -1;
  }
  return undefined;
}

t.test('scalars round-trip', async (t) => {
  for (const v of [0, 1, -1, 2147483647, -2147483648, true, false, '', 'plain', ' spaced ', 'a&b<c>d', 'line\r\nbreak', 'ünïcødé 🎉', null])
    t.same(roundTrip(v), v, JSON.stringify(v));
  t.equal(roundTrip(1.5), 1.5);
  t.equal(roundTrip(-1e-300), -1e-300);
  t.equal(roundTrip(1.7976931348623157e308), 1.7976931348623157e308);
  t.equal(roundTrip(2 ** 40), 2 ** 40, 'integers beyond i4 travel as double');
  t.match(encodeResponse(2 ** 40), /<double>/);
  t.match(encodeResponse(new Double(2)), /<double>2<\/double>/, 'Double forces <double>');
  t.equal(roundTrip(new Double(2)), 2);
  t.equal(roundTrip(undefined), null, 'undefined goes out as nil');
});

t.test('doubles go out in plain decimal, never with an exponent', async (t) => {
  const cases: Array<[number, string]> = [
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [-1.5e-7, '-0.00000015'],
    [1.2345e22, '12345000000000000000000'],
    [6.02214076e23, '602214076000000000000000'],
    [1.5, '1.5'],
    [-0, '-0.0'],
    [5e-324, `0.${'0'.repeat(323)}5`],
  ];
  for (const [n, text] of cases) t.equal(formatDouble(n), text, String(n));
  const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
  for (const n of [1e21, 1e-7, 1.7976931348623157e308, -2.5e-300, 123456789012345680000, 1e100 / 3, 2 ** 60, Number.MIN_VALUE]) {
    const body = /<double>([^<]*)<\/double>/.exec(encodeResponse(new Double(n)))![1]!;
    t.match(body, DECIMAL, `${n} as ${body.slice(0, 30)}${body.length > 30 ? '...' : ''}`);
    t.equal(roundTrip(new Double(n)), n, `${n} reads back exactly`);
  }
});

t.test('<i8> is accepted (Perl RPC::XML sends it beyond i4)', async (t) => {
  t.equal(one('<i8>4294967296</i8>'), 4294967296);
  t.equal(one('<i8> -9007199254740991 </i8>'), -9007199254740991);
  t.equal(one('<i8>7</i8>'), 7);
  t.equal(one('<i8>-0</i8>'), 0);
  t.notOk(Object.is(one('<i8>-0</i8>'), -0), 'no -0');
  t.same(one('<array><data><value><i8>2147483648</i8></value><value><i4>1</i4></value></data></array>'), [2147483648, 1]);
  for (const bad of ['<i8>9007199254740993</i8>', '<i8>9223372036854775807</i8>', '<i8>9223372036854775808</i8>', '<i8>1.5</i8>', '<i8></i8>', '<i8>0x10</i8>', '<i8><int>1</int></i8>'])
    t.equal(faultCode(() => one(bad)), FaultCode.INVALID_XMLRPC, bad);
});

t.test('dateTime, base64, struct, array round-trip', async (t) => {
  const d = new Date(Date.UTC(2026, 10, 27, 23, 59, 58));
  t.same(roundTrip(d), d);
  t.match(encodeResponse(d), /<dateTime.iso8601>20261127T23:59:58<\/dateTime.iso8601>/);
  const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
  const b = roundTrip(bytes);
  t.ok(Buffer.isBuffer(b));
  t.same(b, bytes);
  t.same(roundTrip(new Uint8Array([7, 8])), Buffer.from([7, 8]));
  t.same(roundTrip(Buffer.alloc(0)), Buffer.alloc(0));
  const nested = { a: [1, { b: [[], {}, [null, 'x']], c: d }], 'weird name & <co>': { deep: [true, 2.25, bytes] } };
  t.same(roundTrip(nested), nested);
  t.same(roundTrip([]), []);
  t.same(roundTrip({}), {});
});

t.test('a struct member called __proto__ stays a member', async (t) => {
  const v = one('<struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value>yes</value></member></struct></value></member></struct>') as Record<string, unknown>;
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  t.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
  t.equal(Object.getPrototypeOf(v), Object.prototype);
});

t.test('decoding accepts what real clients send', async (t) => {
  t.equal(one('untyped text'), 'untyped text', 'untyped value is a string');
  t.equal(one(''), '', 'empty value is an empty string');
  t.equal(one('<string/>'), '');
  t.equal(one('<string> x </string>'), ' x ', 'string whitespace is kept');
  t.equal(one('<i4> -42 </i4>'), -42);
  t.equal(one('<int>+7</int>'), 7);
  t.equal(one('\n  <int>3</int>\n'), 3, 'whitespace around a typed value');
  t.equal(one('<double>1e+100</double>'), 1e100, "Python's repr exponent");
  t.equal(one('<double>-.5</double>'), -0.5);
  t.same(one('<dateTime.iso8601>2026-01-02T03:04:05</dateTime.iso8601>'), new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
  t.same(one('<dateTime.iso8601>20260102T03:04:05+01:00</dateTime.iso8601>'), new Date(Date.UTC(2026, 0, 2, 2, 4, 5)));
  t.same(one('<base64>\naGVs\nbG8=\n</base64>'), Buffer.from('hello'), 'line-wrapped base64');
  t.equal(one('<nil/>'), null);
  t.same(one('<struct>\n<member>\n<name>k</name>\n<value><int>1</int></value>\n</member>\n</struct>'), { k: 1 });
  t.same(one('<array><data>\n</data></array>'), []);
  t.equal(one('a &amp; b &lt; &#233; &#x1F389;'), 'a & b < é 🎉');
  t.same(decodeCall('<methodCall><methodName>m</methodName></methodCall>').params, [], 'params may be absent');
});

t.test('decoding refuses what is out of range or malformed', async (t) => {
  const bad: Array<[string, string]> = [
    ['<int>2147483648</int>', 'i4 overflow'],
    ['<i4>-2147483649</i4>', 'i4 underflow'],
    ['<int>99999999999999999999999999</int>', 'huge int'],
    ['<int>1.5</int>', 'fractional int'],
    ['<int></int>', 'empty int'],
    ['<int>0x10</int>', 'hex int'],
    ['<boolean>true</boolean>', 'boolean spelled out'],
    ['<boolean>2</boolean>', 'boolean 2'],
    ['<double>NaN</double>', 'NaN'],
    ['<double>inf</double>', 'inf'],
    ['<double>-Infinity</double>', '-Infinity'],
    ['<double>1e999</double>', 'overflowing double'],
    ['<double>1.2.3</double>', 'two dots'],
    ['<base64>@@@@</base64>', 'base64 alphabet'],
    ['<base64>abc</base64>', 'base64 length'],
    ['<base64>ab=c</base64>', 'base64 padding in the middle'],
    ['<dateTime.iso8601>20261301T00:00:00</dateTime.iso8601>', 'month 13'],
    ['<dateTime.iso8601>20260230T00:00:00</dateTime.iso8601>', '30 February'],
    ['<dateTime.iso8601>yesterday</dateTime.iso8601>', 'words'],
    ['<nil>x</nil>', 'nil with content'],
    ['<struct><member><name>a</name></member></struct>', 'member without value'],
    ['<struct><member><value>1</value></member></struct>', 'member without name'],
    ['<struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct>', 'duplicate member'],
    ['<struct><foo/></struct>', 'unknown tag in struct'],
    ['<array><value>1</value></array>', 'array without data'],
    ['<array><data><int>1</int></data></array>', 'data holding a bare int'],
    ['<int>1</int><string>x</string>', 'two types in one value'],
    ['text <int>1</int>', 'text beside a typed value'],
    ['<i16>1</i16>', 'unknown type'],
    ['<string><b>x</b></string>', 'element inside a string'],
  ];
  for (const [inner, why] of bad) t.equal(faultCode(() => one(inner)), FaultCode.INVALID_XMLRPC, why);
});

t.test('documents are strictly checked', async (t) => {
  const parse: Array<[string, string]> = [
    ['<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><methodCall><methodName>&lol2;</methodName></methodCall>', 'DOCTYPE'],
    ['<methodCall><methodName>m</methodName></methodCall><methodCall/>', 'two roots'],
    ['<methodCall><methodName>m</methodName></methodCall>trailing', 'text after the root'],
    ['junk<methodCall><methodName>m</methodName></methodCall>', 'text before the root'],
    ['<methodCall><methodName>m</methodName>', 'unclosed'],
    ['<methodCall><methodName>m</methodName></methodcall>', 'mismatched end tag'],
    ['<methodCall x="1"><methodName>m</methodName></methodCall>', 'attribute'],
    ['<methodCall><methodName>&bogus;</methodName></methodCall>', 'undefined entity'],
    ['<methodCall><!-- c --><methodName>m</methodName></methodCall>', 'comment'],
    ['<methodCall><methodName><![CDATA[m]]></methodName></methodCall>', 'CDATA'],
    ['<?xml-stylesheet href="x"?><methodCall><methodName>m</methodName></methodCall>', 'processing instruction'],
    ['<methodCall><methodName>\u0001</methodName></methodCall>', 'control character'],
    ['', 'empty'],
    [`${'<value>'.repeat(300)}`, 'too deep'],
  ];
  for (const [doc, why] of parse) t.equal(faultCode(() => decodeCall(doc)), FaultCode.PARSE_ERROR, why);
  // Refused by the pre-scan itself (before any parser sees an entity), not by luck later on.
  t.throws(() => decodeCall(parse[0]![0]), /DTDs, entities/);
  t.throws(() => decodeCall('<methodCall><methodName>m</methodName></methodCall><!ENTITY x "y">'), /DTDs, entities/);
  t.equal(faultCode(() => decodeCall('<?xml version="1.0" encoding="ISO-8859-1"?><methodCall><methodName>m</methodName></methodCall>')), FaultCode.UNSUPPORTED_ENCODING);
  const invalid: Array<[string, string]> = [
    ['<methodResponse/>', 'wrong root'],
    ['<methodCall><params/></methodCall>', 'no methodName'],
    ['<methodCall><methodName>a b</methodName></methodCall>', 'bad method name'],
    ['<methodCall><methodName>m</methodName><params/><params/></methodCall>', 'two params'],
    ['<methodCall><methodName>m</methodName><extra/></methodCall>', 'unknown element'],
    ['<methodCall><methodName>m</methodName><params><param><int>1</int></param></params></methodCall>', 'param without value'],
  ];
  for (const [doc, why] of invalid) t.equal(faultCode(() => decodeCall(doc)), FaultCode.INVALID_XMLRPC, why);
});

t.test('nesting is capped both ways', async (t) => {
  let v: Encodable = 'leaf';
  for (let i = 0; i < MAX_DEPTH; i++) v = [v];
  t.same(roundTrip(v), v, `${MAX_DEPTH} levels are fine`);
  t.throws(() => encodeResponse([[v]]), /nested deeper/, "two more levels are refused");
  const deep = '<array><data><value>'.repeat(MAX_DEPTH + 2) + '1' + '</value></data></array>'.repeat(MAX_DEPTH + 2);
  t.equal(faultCode(() => one(deep)), FaultCode.INVALID_XMLRPC);
});

t.test('encoding refuses what the wire cannot carry', async (t) => {
  t.throws(() => encodeResponse(NaN), /NaN/);
  t.throws(() => encodeResponse(Infinity), /Infinity/);
  t.throws(() => encodeResponse(new Double(-Infinity)));
  t.throws(() => encodeResponse(new Date(NaN)), /invalid Date/);
  t.throws(() => encodeResponse('bell\u0007'), /characters XML cannot carry/);
  t.throws(() => encodeResponse('\uD800 lone surrogate'), /characters XML cannot carry/);
  t.throws(() => encodeResponse(new Map() as unknown as Encodable), /Map/);
  t.throws(() => encodeResponse((() => 1) as unknown as Encodable), /function/);
  t.throws(() => encodeResponse(10n as unknown as Encodable), /bigint/);
  t.throws(() => encodeCall('bad name', []), /invalid method name/);
});

t.test('calls and faults round-trip', async (t) => {
  const params: Encodable[] = [1, 'two', [3], { four: 4 }, null, Buffer.from('six'), new Date(Date.UTC(2000, 0, 1))];
  const c = decodeCall(encodeCall('system.multicall', params));
  t.equal(c.methodName, 'system.multicall');
  t.same(c.params, params);
  const f = new Fault(-32601, 'no method <x> & \u0001 control');
  try {
    decodeResponse(encodeFault(f));
    t.fail('a fault must throw');
  } catch (e) {
    t.ok(e instanceof Fault);
    t.equal((e as Fault).faultCode, -32601);
    t.equal((e as Fault).faultString, 'no method <x> & \uFFFD control');
  }
  t.equal(faultCode(() => decodeResponse('<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>')), FaultCode.INVALID_XMLRPC, 'two values');
  t.equal(faultCode(() => decodeResponse('<methodResponse><fault><value><int>1</int></value></fault></methodResponse>')), FaultCode.INVALID_XMLRPC, 'fault not a struct');
});
