// The one-pass sax decoder (daemon/xmlrpc/decoder.ts): the edges of XML itself (CDATA,
// entities, whitespace with and without a type tag, truncation), the limits, and which
// fault wins when a document is wrong in two ways.
import t from 'tap';
import { decodeCall, decodeResponse, encodeCall } from '../../daemon/xmlrpc/messages.js';
import { MAX_ELEMENTS, MAX_ELEMENT_DEPTH } from '../../daemon/xmlrpc/xml.js';
import { Fault, FaultCode } from '../../daemon/xmlrpc/fault.js';
import type { XmlRpcValue } from '../../daemon/xmlrpc/values.js';

const doc = (inner: string): string => `<?xml version="1.0"?><methodCall><methodName>m</methodName><params><param><value>${inner}</value></param></params></methodCall>`;
const one = (inner: string): XmlRpcValue => decodeCall(doc(inner)).params[0]!;

/** The Fault a decode throws ('no fault' when it succeeds; a plain Error is a bug). */
function faultOf(f: () => unknown): Fault | string {
  try {
    f();
  } catch (e) {
    return e instanceof Fault ? e : `not a Fault: ${String(e)}`;
  }
  return 'no fault';
}
const codeOf = (f: () => unknown): number | string => {
  const r = faultOf(f);
  return r instanceof Fault ? r.faultCode : r;
};

t.test('CDATA, comments, DOCTYPE and processing instructions are refused before sax runs', async (t) => {
  for (const [d, why] of [
    [doc('<string><![CDATA[x < y]]></string>'), 'CDATA in a string'],
    [doc('<![CDATA[x]]>'), 'CDATA as an untyped value'],
    [doc('a<!-- c -->b'), 'comment'],
    ['<!DOCTYPE methodCall><methodCall><methodName>m</methodName></methodCall>', 'DOCTYPE without a subset'],
    ['<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]><methodCall><methodName>&e;</methodName></methodCall>', 'external entity'],
  ] as const)
    t.match(faultOf(() => decodeCall(d)), { faultCode: FaultCode.PARSE_ERROR, faultString: 'DTDs, entities, comments and CDATA are refused' }, why);
  t.match(faultOf(() => decodeCall(`<methodCall><?pi x?><methodName>m</methodName></methodCall>`)), { faultCode: FaultCode.PARSE_ERROR, faultString: 'processing instructions are refused' });
  // A billion laughs fails in the pre-scan, in well under a millisecond.
  const laughs = ['<!ENTITY a0 "ha">'];
  for (let k = 1; k <= 30; k++) laughs.push(`<!ENTITY a${k} "${`&a${k - 1};`.repeat(10)}">`);
  const bomb = `<?xml version="1.0"?><!DOCTYPE methodCall [${laughs.join('')}]><methodCall><methodName>&a30;</methodName></methodCall>`;
  const t0 = process.hrtime.bigint();
  t.equal(codeOf(() => decodeCall(bomb)), FaultCode.PARSE_ERROR);
  t.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 50, 'refused at once');
});

t.test('entities: the five of XML and character references, nothing else', async (t) => {
  t.equal(one('&amp;&lt;&gt;&quot;&apos;'), '&<>"\'');
  t.equal(one('<string>&#x41;&#65;&#x1F389;&#233;</string>'), 'AA🎉é');
  t.equal(one('<string>a&amp;b</string>'), 'a&b', 'entities inside a typed string');
  t.same(decodeCall(doc('<struct><member><name>a&amp;b</name><value>1</value></member></struct>')).params[0], { 'a&b': '1' }, 'and in a member name');
  for (const [inner, why] of [
    ['&nbsp;', 'an HTML entity (sax would take it unless strictEntities)'],
    ['&bogus;', 'an undefined entity'],
    ['&#0;', 'a reference to NUL'],
    ['&#1;', 'a reference to a control character'],
    ['&#xD800;', 'a reference to a lone surrogate'],
    ['&#x110000;', 'beyond Unicode'],
    ['a & b', 'a bare ampersand'],
    ['&amp', 'an unterminated entity'],
  ])
    t.equal(codeOf(() => one(inner)), FaultCode.PARSE_ERROR, why);
});

t.test('whitespace: kept in strings, ignored around a typed value', async (t) => {
  t.equal(one('  '), '  ', 'an untyped value keeps its whitespace');
  t.equal(one('\n\t x \n'), '\n\t x \n');
  t.equal(one(' a &amp;\n b '), ' a &\n b ', 'entities do not split an untyped value');
  t.equal(one('<string>  </string>'), '  ', 'a <string> keeps its whitespace');
  t.equal(one('\n  <string> x </string>\n  '), ' x ', 'whitespace around a typed value is not part of it');
  t.equal(one(' <int> 42 </int> '), 42, 'numbers are trimmed');
  t.equal(one('<boolean>\n1\n</boolean>'), true);
  t.equal(one('<double> -1.5 </double>'), -1.5);
  t.equal(decodeCall('<methodCall>\n  <methodName> ping </methodName>\n  <params>\n  </params>\n</methodCall>\n').methodName, 'ping', 'method name trimmed, indentation between elements ignored');
  t.equal(codeOf(() => one('x<int>1</int>')), FaultCode.INVALID_XMLRPC, 'text before a typed value');
  t.equal(codeOf(() => one('<int>1</int>x')), FaultCode.INVALID_XMLRPC, 'text after a typed value');
  t.equal(codeOf(() => one('<struct> x <member><name>a</name><value>1</value></member></struct>')), FaultCode.INVALID_XMLRPC, 'text in a struct');
  t.equal(codeOf(() => decodeCall('<methodCall><methodName>m</methodName><params>x</params></methodCall>')), FaultCode.INVALID_XMLRPC, 'text in params');
  const long = 'y'.repeat(200_000);
  t.equal(one(long), long, 'a string longer than sax\'s 64 KiB buffer comes whole');
});

t.test('nested arrays and structs, nil, base64, dateTime', async (t) => {
  t.same(
    one('<array><data><value><array><data><value><int>1</int></value><value>two</value></data></array></value><value><struct><member><name>k</name><value><array><data/></array></value></member><member><name>n</name><value><nil/></value></member></struct></value></data></array>'),
    [[1, 'two'], { k: [], n: null }],
  );
  t.same(one('<struct><member><value><int>1</int></value><name>value first</name></member></struct>'), { 'value first': 1 }, 'member children in either order');
  t.same(one('<struct/>'), {});
  t.same(one('<array><data/></array>'), []);
  t.equal(one('<nil/>'), null);
  t.equal(one('<nil></nil>'), null);
  t.equal(codeOf(() => one('<nil> </nil>')), FaultCode.INVALID_XMLRPC, 'nil holds nothing, not even a space');
  t.same(one('<base64>\n  aGVs\r\n  bG8g\n  d29y bGQ=\n</base64>'), Buffer.from('hello world'), 'base64 with newlines and spaces');
  t.same(one('<base64/>'), Buffer.alloc(0));
  t.same(one('<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>'), new Date(Date.UTC(1998, 6, 17, 14, 8, 55)));
  t.same(one('<dateTime.iso8601> 1998-07-17T14:08:55Z </dateTime.iso8601>'), new Date(Date.UTC(1998, 6, 17, 14, 8, 55)));
  t.same(one('<dateTime.iso8601>19980717T14:08:55-0200</dateTime.iso8601>'), new Date(Date.UTC(1998, 6, 17, 16, 8, 55)));
  t.equal(one('<i4>-0</i4>'), 0);
  t.ok(Object.is(one('<i4>-0</i4>'), 0), 'no -0');
  t.same(decodeResponse('<methodResponse><params><param><value><array><data><value>1</value></data></array></value></param></params></methodResponse>'), ['1']);
});

t.test('unknown or misplaced tags are refused', async (t) => {
  const invalid: Array<[string, string]> = [
    [doc('<i16>1</i16>'), 'unknown type'],
    [doc('<struct><foo/></struct>'), 'unknown tag in a struct'],
    [doc('<array><data><int>1</int></data></array>'), 'a bare type in data'],
    [doc('<array><data/><data/></array>'), 'two data'],
    [doc('<struct><member><name>a</name><name>b</name><value/></member></struct>'), 'two names'],
    [doc('<struct><member><name>a</name><value/><value/></member></struct>'), 'two values in a member'],
    [doc('<int><int>1</int></int>'), 'an element inside a scalar'],
    [doc('<string>a</string><string>b</string>'), 'two types'],
    ['<methodCall><methodName>m</methodName><value/></methodCall>', 'a value straight in methodCall'],
    ['<methodCall><methodName>m</methodName><methodName>n</methodName></methodCall>', 'two method names'],
    ['<methodCall><methodName><b>m</b></methodName></methodCall>', 'an element in the method name'],
    ['<methodCall><methodName>m</methodName><params><value/></params></methodCall>', 'a value straight in params'],
    ['<methodCall><methodName>m</methodName><params><param><value/><value/></param></params></methodCall>', 'two values in a param'],
    ['<methodCall><methodName>m</methodName><params><param/></params></methodCall>', 'an empty param'],
    ['<methodCall/>', 'no method name'],
    ['<methodResponse><params/></methodResponse>', 'wrong root'],
  ];
  for (const [d, why] of invalid) t.equal(codeOf(() => decodeCall(d)), FaultCode.INVALID_XMLRPC, why);
  const responses: Array<[string, string]> = [
    ['<methodResponse><fault><value><struct/></value></fault><params/></methodResponse>', 'fault and params'],
    ['<methodResponse><params/><fault><value><struct/></value></fault></methodResponse>', 'params and fault'],
    ['<methodResponse><fault><value><struct/></value></fault><fault/></methodResponse>', 'two faults'],
    ['<methodResponse><fault/></methodResponse>', 'an empty fault'],
    ['<methodResponse/>', 'no value'],
    ['<methodCall><methodName>m</methodName></methodCall>', 'a call where a response is due'],
  ];
  for (const [d, why] of responses) t.equal(codeOf(() => decodeResponse(d)), FaultCode.INVALID_XMLRPC, why);
  t.match(faultOf(() => one('<i16>1</i16>')), { faultString: 'unknown value type <i16>' });
  t.match(faultOf(() => decodeCall('<methodCall><methodName>m</methodName><extra/></methodCall>')), { faultString: 'unexpected <extra> in <methodCall>' });
});

t.test('malformed XML is a parse error, whatever XML-RPC mistake comes first', async (t) => {
  const parse: Array<[string, string]> = [
    ['<methodCall><bogus/><methodName>m</methodName>', 'unknown element, then unclosed'],
    ['<methodResponse><methodName>m</methodName></methodResponse><x/>', 'wrong root, then a second root'],
    [doc('<i16>1</i16>') + 'trailing', 'unknown type, then text after the root'],
    ['<methodCall><methodName>a.b</methodName><params><param><value><string></string><value></value></param></params></methodCall></value>', 'mismatched tags (xml2js let a plain Error out here)'],
    ['<methodCall><methodName>m</methodName></methodCall', 'unterminated end tag'],
    ['<methodCall><methodName a="1">m</methodName></methodCall>', 'an attribute'],
    ['<methodCall><methodName>m</methodName><params>< param/></params></methodCall>', 'a space after <'],
    ['<methodCall><methodName>m</methodName></ methodCall>', 'a space after </'],
    ['<methodCall><methodName>m</methodName></methodCall><methodCall/>', 'two roots'],
    ['  x <methodCall><methodName>m</methodName></methodCall>', 'text before the root'],
    ['<?xml version="1.0"?>', 'a declaration alone'],
    ['   ', 'whitespace alone'],
  ];
  for (const [d, why] of parse) t.equal(codeOf(() => decodeCall(d)), FaultCode.PARSE_ERROR, why);
});

t.test('every truncation of a valid call is a parse error', async (t) => {
  const full = encodeCall('echo', [{ s: 'a &amp; b', n: null, l: [1, 2.5, true], d: new Date(0), b: Buffer.from('xyz') }]);
  const end = full.lastIndexOf('>') + 1;
  const wrong: string[] = [];
  for (let i = 0; i < end; i++) {
    const c = codeOf(() => decodeCall(full.slice(0, i)));
    if (c !== FaultCode.PARSE_ERROR) wrong.push(`${i}: ${c}`);
  }
  t.same(wrong, [], `${end} prefixes`);
  t.equal(decodeCall(full.slice(0, end)).methodName, 'echo', 'the whole root is enough');
});

t.test('limits: depth and element count', async (t) => {
  const deep = (n: number) => '<methodCall><methodName>m</methodName>' + '<x>'.repeat(n) + '</x>'.repeat(n) + '</methodCall>';
  t.match(faultOf(() => decodeCall(deep(MAX_ELEMENT_DEPTH))), { faultCode: FaultCode.PARSE_ERROR, faultString: `nested deeper than ${MAX_ELEMENT_DEPTH} elements` });
  t.equal(codeOf(() => decodeCall(deep(MAX_ELEMENT_DEPTH - 2))), FaultCode.INVALID_XMLRPC, 'within the depth limit, the unknown element is the fault');
  const many = '<methodCall><methodName>m</methodName><params>' + '<param><value><nil/></value></param>'.repeat(MAX_ELEMENTS / 3 + 1) + '</params></methodCall>';
  t.match(faultOf(() => decodeCall(many)), { faultCode: FaultCode.PARSE_ERROR, faultString: 'too many elements' });
});

t.test('the shared parser recovers from every kind of failure', async (t) => {
  const good = encodeCall('ping', ['x']);
  for (const bad of [doc('&bogus;'), doc('<i8/>'), '<methodCall><methodName a="1">', doc('x') + '<y/>', doc('<int>1</int>').replace('</methodCall>', '')]) {
    t.type(faultOf(() => decodeCall(bad)), Fault);
    t.same(decodeCall(good), { methodName: 'ping', params: ['x'] }, `after ${JSON.stringify(bad.slice(-30))}`);
  }
  // A response decoded between calls (the client side shares the decoder).
  t.equal(decodeResponse('<methodResponse><params><param><value>r</value></param></params></methodResponse>'), 'r');
  t.same(decodeCall(good).params, ['x']);
});
