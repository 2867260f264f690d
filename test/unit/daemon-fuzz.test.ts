// Hostile input: a generated (seeded, reproducible) set of several thousand malformed,
// oversized, hostile and unauthenticated requests. Each must get a fault or an HTTP
// refusal (401/404/405/413), never a success, a 500 or a dropped connection, and the
// daemon must keep serving valid calls throughout.
import t from 'tap';
import { connect } from 'node:net';
import { request } from 'node:http';
import { startExample, post, SECRET, type RawReply } from '../support/daemon.js';
import { encodeCall, decodeResponse } from '../../daemon/xmlrpc/messages.js';
import { Fault, FaultCode } from '../../daemon/index.js';
import { rng, type Prng } from '../support/prng.js';

interface Case {
  kind: string;
  body: Buffer;
  headers?: Record<string, string>;
  path?: string;
}

const VALID: string[] = [
  encodeCall('ping', []),
  encodeCall('add', [{ a: 1, b: 2 }]),
  encodeCall('echo', [{ s: 'text & <more>', n: null, d: new Date(0), b: Buffer.from('bytes'), l: [1, 2.5, true] }]),
  encodeCall('step', [{ label: 'fuzz' }, 'normal']),
  encodeCall('task.status', ['x-1']),
  encodeCall('system.multicall', [[{ methodName: 'ping', params: [] }]]),
  encodeCall('system.methodHelp', ['add']),
];

/** Mutations chosen to always break a valid request (so a success is a bug, not luck). */
function mutate(r: Prng, doc: string): { kind: string; body: Buffer } {
  const tags = [...doc.matchAll(/<[^>?]+>/g)]; // elements, not the XML declaration
  const tag = r.pick(tags);
  const at = tag.index!;
  const m = r.int(9);
  const s = (x: string) => Buffer.from(x, 'utf8');
  switch (m) {
    case 0: // truncation inside the document proper
      return { kind: 'truncated', body: s(doc.slice(0, r.int(doc.trimEnd().length - 1))) };
    case 1: // an element nobody knows, anywhere between tags
    {
      const n = r.int(1000);
      return { kind: 'unknown-element', body: s(doc.slice(0, at) + `<x${n}>1</x${n}>` + doc.slice(at)) };
    }
    case 2: // a tag renamed (type names, structure names)
      return { kind: 'renamed-tag', body: s(doc.slice(0, at) + tag[0].replace(/^<(\/?)([A-Za-z.0-9]+)/, `<$1$2Z`) + doc.slice(at + tag[0].length)) };
    case 3: // an attribute
      return { kind: 'attribute', body: s(doc.slice(0, at) + tag[0].replace(/(\/?)>$/, ` a="${r.int(9)}"$1>`) + doc.slice(at + tag[0].length)) };
    case 4: // "<" or ">" of a tag deleted
      return { kind: 'broken-tag', body: s(doc.slice(0, at) + (r.next() < 0.5 ? tag[0].slice(1) : tag[0].slice(0, -1)) + doc.slice(at + tag[0].length)) };
    case 5: {
      // invalid UTF-8 at a random place: lone continuation, overlong '/', surrogate, 0xFF
      const bad = r.pick([[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
      const b = s(doc);
      const p = r.int(b.length);
      return { kind: 'invalid-utf8', body: Buffer.concat([b.subarray(0, p), Buffer.from(bad), b.subarray(p)]) };
    }
    case 6: // a control character XML 1.0 forbids
      return { kind: 'control-char', body: s(doc.slice(0, at) + String.fromCharCode(1 + r.int(8)) + doc.slice(at)) };
    case 7: // a DTD or entity declaration spliced in
      return { kind: 'dtd-spliced', body: s(doc.slice(0, at) + r.pick(['<!DOCTYPE x>', '<!ENTITY e "v">', '<!-- c -->', '<![CDATA[x]]>']) + doc.slice(at)) };
    default: // trailing garbage or a second root
      return { kind: 'trailing', body: s(doc.trimEnd() + r.pick(['x', '<methodCall/>', '<a>', '&amp;', '</methodCall>'])) };
  }
}

function callWith(method: string, inner: string): string {
  return `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${inner}</params></methodCall>`;
}
const param = (v: string) => `<param><value>${v}</value></param>`;

function generate(seed: number): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  const add = (kind: string, body: string | Buffer, headers?: Record<string, string>, path?: string) =>
    cases.push({ kind, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, headers, path });

  for (let i = 0; i < 3000; i++) {
    const m = mutate(r, r.pick(VALID));
    add(`mutation:${m.kind}`, m.body);
  }
  // Wrong types and shapes for real methods (valid XML-RPC, invalid arguments).
  const wrong = [
    ['add', param('<string>1</string>')],
    ['add', param('<struct><member><name>a</name><value><int>1</int></value></member></struct>')],
    ['add', param('<struct><member><name>a</name><value><double>1.5</double></value></member><member><name>b</name><value><int>1</int></value></member></struct>')],
    ['add', param('<array><data/></array>')],
    ['add', param('<nil/>') + param('<nil/>')],
    ['ping', param('<int>1</int>')],
    ['step', param('<struct><member><name>label</name><value><int>5</int></value></member></struct>')],
    ['step', param('<struct><member><name>label</name><value>x</value></member></struct>') + param('<string>urgent</string>')],
    ['sleep', param('<struct><member><name>ms</name><value><int>-1</int></value></member></struct>')],
    ['sleep', param('<struct><member><name>ms</name><value><int>999999</int></value></member></struct>')],
    ['task.status', param('<int>1</int>')],
    ['task.status', ''],
    ['task.compound', param('<array><data></data></array>')],
    ['task.compound', param('<array><data><value><struct><member><name>task</name><value>nope</value></member></struct></value></data></array>')],
    ['system.methodHelp', param('<base64>AAAA</base64>')],
    ['system.multicall', param('<struct/>')],
    ['upgrade', param('<struct><member><name>files</name><value><array><data><value><struct><member><name>kind</name><value>command</value></member><member><name>name</name><value>../../etc/x</value></member><member><name>source</name><value><base64>AAAA</base64></value></member></struct></value></data></array></value></member></struct>')],
    ['upgrade', param('<struct><member><name>files</name><value><array><data><value><struct><member><name>kind</name><value>binary</value></member><member><name>name</name><value>x</value></member><member><name>source</name><value><base64>AAAA</base64></value></member></struct></value></data></array></value></member></struct>')],
    ['upgrade', param('<struct><member><name>files</name><value><array><data><value><struct><member><name>kind</name><value>command</value></member><member><name>name</name><value>/etc/passwd</value></member><member><name>source</name><value><base64>AAAA</base64></value></member></struct></value></data></array></value></member></struct>')],
    ['no_such_method', ''],
    ['../../etc/passwd', ''],
    ['constructor', ''],
    ['__proto__', ''],
  ] as const;
  for (let i = 0; i < 400; i++) {
    const [m, p] = r.pick(wrong);
    add('wrong-type', callWith(m, p));
  }
  // Numbers out of range.
  for (let i = 0; i < 200; i++) {
    const digits = '9'.repeat(10 + r.int(300));
    add('huge-number', callWith('echo', param(r.pick([`<int>${digits}</int>`, `<i4>-${digits}</i4>`, `<double>${digits}e${400 + r.int(9999)}</double>`, '<double>nan</double>', '<double>Infinity</double>']))));
  }
  // Deep nesting, arrays and structs.
  for (let i = 0; i < 100; i++) {
    const n = 70 + r.int(5000);
    const a = r.next() < 0.5;
    const open = a ? '<array><data><value>' : '<struct><member><name>k</name><value>';
    const close = a ? '</value></data></array>' : '</value></member></struct>';
    add('deep-nesting', callWith('echo', param(open.repeat(n) + '1' + close.repeat(n))));
  }
  // DTDs and entities: billion laughs, external entities, parameter entities.
  const laughs = ['<!ENTITY lol0 "lol">'];
  for (let k = 1; k <= 10; k++) laughs.push(`<!ENTITY lol${k} "${`&lol${k - 1};`.repeat(10)}">`);
  const dtds = [
    `<?xml version="1.0"?><!DOCTYPE methodCall [${laughs.join('')}]><methodCall><methodName>&lol10;</methodName></methodCall>`,
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>echo</methodName><params><param><value>&xxe;</value></param></params></methodCall>',
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><methodCall><methodName>ping</methodName></methodCall>',
    '<?xml version="1.0"?><!DOCTYPE methodCall SYSTEM "http://127.0.0.1:1/x.dtd"><methodCall><methodName>ping</methodName></methodCall>',
    '<methodCall><methodName>&lol;</methodName></methodCall>',
    '<?xml version="1.0" encoding="UTF-16"?><methodCall><methodName>ping</methodName></methodCall>',
  ];
  for (let i = 0; i < 200; i++) add('dtd-entity', r.pick(dtds));
  // Not XML-RPC at all.
  for (let i = 0; i < 200; i++) {
    const len = r.int(2000);
    const bytes = Buffer.alloc(len);
    for (let j = 0; j < len; j++) bytes[j] = r.int(256);
    add('random-bytes', r.next() < 0.5 ? bytes : r.pick(['', ' ', '{"json":1}', '<html></html>', '<methodCall/>', '<methodResponse><params/></methodResponse>', 'GET / HTTP/1.1']));
  }
  // Unauthenticated and mis-addressed.
  const authHeaders = ['', 'Bearer', 'Bearer ', `Bearer ${SECRET}x`, `Bearer ${SECRET.slice(0, -1)}`, `Bearer:${SECRET}`, `Token ${SECRET}`, `Basic ${Buffer.from(`u:${SECRET}`).toString('base64')}`, `Bearer  ${SECRET}`, `Bearer ${'A'.repeat(2000)}`, `Bearer ${SECRET.toUpperCase()}`];
  for (let i = 0; i < 500; i++) add('unauthenticated', r.pick(VALID), { Authorization: r.pick(authHeaders) });
  for (let i = 0; i < 50; i++) add('wrong-content-type', r.pick(VALID), { 'Content-Type': r.pick(['application/json', 'text/plain', 'multipart/form-data']) });
  for (let i = 0; i < 50; i++) add('wrong-path', r.pick(VALID), {}, r.pick(['/x', '/RPC2/../etc', '/rpc2', '//']));
  // Oversized (the limit is 1 MiB): declared by Content-Length and streamed chunked.
  for (let i = 0; i < 10; i++) add('oversized', callWith('echo', param(`<string>${'x'.repeat((1 << 20) + r.int(1000))}</string>`)));
  for (let i = 0; i < 10; i++) add('oversized-chunked', callWith('echo', param(`<string>${'y'.repeat((1 << 20) + r.int(1000))}</string>`)), { 'Transfer-Encoding': 'chunked' });
  return cases;
}

function postCase(port: number, c: Case): Promise<RawReply> {
  if (c.headers?.['Transfer-Encoding'] === 'chunked') {
    // No Content-Length: the server must count while reading.
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/RPC2', method: 'POST', agent: false, headers: { 'Content-Type': 'text/xml', Authorization: `Bearer ${SECRET}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      for (let i = 0; i < c.body.length; i += 64 * 1024) req.write(c.body.subarray(i, i + 64 * 1024));
      req.end();
    });
  }
  return post(port, c.body, c.headers ?? {}, c.path);
}

/** What a reply says: 'fault <code>', 'http <status>' or 'SUCCESS' (which a hostile request must never get). */
function verdict(r: RawReply): string {
  if (r.status !== 200) return `http ${r.status}`;
  try {
    decodeResponse(r.body);
    return 'SUCCESS';
  } catch (e) {
    return e instanceof Fault ? `fault ${e.faultCode}` : `undecodable reply`;
  }
}

t.test('thousands of hostile requests each get a fault and the daemon keeps serving', async (t) => {
  const d = await startExample(t, { auditLog: undefined });
  const cases = generate(0x5eed);
  t.ok(cases.length >= 4000, `${cases.length} cases generated`);
  const tally = new Map<string, number>();
  const bad: string[] = [];
  const valid = encodeCall('add', [{ a: 20, b: 22 }]);
  const BATCH = 32;
  for (let i = 0; i < cases.length; i += BATCH) {
    const batch = cases.slice(i, i + BATCH);
    const replies = await Promise.all(batch.map((c) => postCase(d.port, c).then(verdict, (e: Error) => `connection error ${e.message}`)));
    replies.forEach((v, j) => {
      const c = batch[j]!;
      const key = `${c.kind.split(':')[0]} -> ${v.replace(/^(fault|http) .*/, '$1')}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      const allowed = v.startsWith('fault ') || /^http (401|404|405|413)$/.test(v);
      if (!allowed && bad.length < 20) bad.push(`${c.kind}: ${v}: ${c.body.subarray(0, 200).toString('latin1')}`);
    });
    if ((i / BATCH) % 16 === 0) {
      // The daemon still answers a valid call between rounds of abuse.
      const ok = decodeResponse((await post(d.port, valid)).body) as { value: number };
      if (ok.value !== 42) bad.push(`valid call after ${i} cases answered ${JSON.stringify(ok)}`);
    }
  }
  t.same(bad, [], 'no hostile request succeeded, crashed or was dropped');
  t.comment([...tally.entries()].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
  const after = decodeResponse((await post(d.port, valid)).body);
  t.match(after, { code: 0, value: 42 }, 'a valid call succeeds after the whole set');
  t.same(d.services.journal, [], 'no hostile request ran a task');
});

t.test('a billion-laughs request is refused before any parsing', async (t) => {
  const d = await startExample(t);
  const laughs = ['<!ENTITY a0 "ha">'];
  for (let k = 1; k <= 30; k++) laughs.push(`<!ENTITY a${k} "${`&a${k - 1};`.repeat(10)}">`);
  const body = `<?xml version="1.0"?><!DOCTYPE methodCall [${laughs.join('')}]><methodCall><methodName>echo</methodName><params><param><value>&a30;</value></param></params></methodCall>`;
  const t0 = process.hrtime.bigint();
  const r = await post(d.port, body);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.throws(() => decodeResponse(r.body), /DTDs, entities/);
  t.throws(() => decodeResponse(r.body), new Fault(FaultCode.PARSE_ERROR, 'DTDs, entities, comments and CDATA are refused'));
  t.ok(ms < 2000, `answered in ${ms.toFixed(1)} ms (10^30 expansions if anything expanded them)`);
});

t.test('slow clients are cut off; the daemon carries on', async (t) => {
  const d = await startExample(t, { limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
  const slow = (payload: string) =>
    new Promise<string>((resolve) => {
      const sock = connect(d.port, '127.0.0.1', () => sock.write(payload));
      let got = '';
      let killed = false;
      sock.on('data', (b) => (got += b.toString()));
      sock.on('close', () => resolve(killed ? 'still open after 10 s' : got === '' ? 'closed' : got.split('\r\n')[0]!));
      sock.on('error', () => {});
      setTimeout(() => {
        killed = true;
        sock.destroy();
      }, 10_000).unref();
    });
  // Headers never finished (slow-loris), and a body that never arrives.
  const [h, b] = await Promise.all([
    slow(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\nX-Slow: `),
    slow(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<methodCall>`),
  ]);
  t.match(h, /^(HTTP\/1\.1 408 .*|closed)$/, 'unfinished headers: the server closed the connection (408 or silently)');
  t.match(b, /^(HTTP\/1\.1 408 .*|closed)$/, 'unfinished body: the server closed the connection');
  const r = decodeResponse((await post(d.port, encodeCall('ping', []))).body);
  t.match(r, { code: 0, value: 'pong from example' });
});

t.test('the listen address defaults to loopback', async (t) => {
  const d = await startExample(t);
  t.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/RPC2$/);
});
