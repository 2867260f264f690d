// The HTTP side: TLS when configured, the configured listen address, HTTP-level
// refusals, and what the audit log records.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startExample, post, SECRET } from '../support/daemon.js';
import { XmlRpcClient, Fault, FaultCode, createDaemon } from '../../daemon/index.js';
import { exampleFolders } from '../../daemon/example/folders.js';
import { encodeCall, decodeResponse } from '../../daemon/xmlrpc/messages.js';
import { Authenticator } from '../../daemon/auth.js';

function selfSigned(): { cert: string; key: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'daemon-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('HTTPS when a certificate is configured', async (t) => {
  const tls = selfSigned();
  if (!tls) return t.fail('openssl could not make a self-signed certificate (npm test installs openssl: lab/host-packages.ts)');
  const s = await startExample(t, { tls });
  t.match(s.url, /^https:\/\/127\.0\.0\.1:\d+\/RPC2$/);
  const c = new XmlRpcClient({ url: s.url, secret: SECRET, ca: tls.cert });
  t.teardown(() => c.close());
  t.match(await c.call('ping'), { code: 0, value: 'pong from example' });
  const untrusting = new XmlRpcClient({ url: s.url, secret: SECRET });
  t.teardown(() => untrusting.close());
  await t.rejects(untrusting.call('ping'), /self[- ]signed/, 'an unknown certificate is refused by the client');
  const plain = new XmlRpcClient({ url: s.url.replace('https', 'http'), secret: SECRET, timeoutMs: 2000 });
  t.teardown(() => plain.close());
  await t.rejects(plain.call('ping'), 'plain HTTP to the TLS port gets nowhere');
});

t.test('a configured listen address is used', async (t) => {
  const d = createDaemon({ name: 'elsewhere', secret: SECRET, folders: exampleFolders(), listen: { host: '127.0.0.2', port: 0 }, log: () => {} });
  let started;
  try {
    started = await d.start();
  } catch (e) {
    return t.comment(`skipped: 127.0.0.2 not usable here: ${(e as Error).message}`);
  }
  t.teardown(() => d.close());
  t.equal(started.host, '127.0.0.2');
  const c = new XmlRpcClient({ url: started.url, secret: SECRET });
  t.teardown(() => c.close());
  t.match(await c.call('ping'), { value: 'pong from elsewhere' });
});

t.test('secrets: length, charset, named principals', async (t) => {
  t.throws(() => new Authenticator('short'), /at least 16/);
  t.throws(() => new Authenticator('é'.repeat(20)), /printable ASCII/);
  t.throws(() => new Authenticator('has a space in it, sadly'), /printable ASCII/);
  t.throws(() => new Authenticator({}), /at least one/);
  const a = new Authenticator({ controller: 'c'.repeat(16), monitor: 'm'.repeat(16) });
  t.equal(a.check(`Bearer ${'c'.repeat(16)}`), 'controller');
  t.equal(a.check(`Bearer ${'m'.repeat(16)}`), 'monitor');
  for (const h of [undefined, '', 'Bearer', `Bearer ${'c'.repeat(15)}`, `Bearer ${'c'.repeat(17)}`, `Bearer ${'C'.repeat(16)}`, `Bearer ${'c'.repeat(16)} `, `Basic ${'c'.repeat(16)}`, `Bearer:${'c'.repeat(16)}`]) t.equal(a.check(h), undefined, JSON.stringify(h));
  // the scheme is case-insensitive in HTTP (RFC 9110, 11.1); the secret stays case-sensitive
  for (const scheme of ['bearer', 'BEARER', 'bEaReR']) t.equal(a.check(`${scheme} ${'m'.repeat(16)}`), 'monitor', scheme);
});

t.test('HTTP-level refusals', async (t) => {
  const s = await startExample(t);
  const get = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: s.port, path: '/RPC2', method: 'GET', agent: false, headers: { Authorization: `Bearer ${SECRET}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  t.equal(get, 405, 'GET');
  t.equal((await post(s.port, encodeCall('ping', []), {}, '/other')).status, 404, 'unknown path');
  const big = await post(s.port, encodeCall('echo', ['x'.repeat(2 << 20)]));
  t.equal(big.status, 413, 'over 1 MiB');
  t.throws(() => decodeResponse(big.body), new Fault(FaultCode.TOO_LARGE, `request body over ${1 << 20} bytes`));
  const small = await startExample(t, { limits: { maxBodyBytes: 200 } });
  t.equal((await post(small.port, encodeCall('echo', ['x'.repeat(300)]))).status, 413, 'the limit is configurable');
  t.equal((await post(small.port, encodeCall('echo', ['x'.repeat(10)]))).status, 200);
});

t.test('the audit log records state-changing calls with who, what and the result', async (t) => {
  const s = await startExample(t, { secret: { controller: SECRET } });
  const c = new XmlRpcClient({ url: s.url, secret: SECRET });
  t.teardown(() => c.close());
  await c.call('add', { a: 1, b: 2 }); // read-only: not audited
  await c.call('boom');
  const q = (await c.call('step', { label: 'audited', fail: true })) as { value: string };
  await s.daemon.tasks.idle();
  await t.rejects(c.call('step', { label: 5 }));
  await c.call('system.multicall', [{ methodName: 'boom', params: [] }]);
  await post(s.port, encodeCall('boom', []), { Authorization: 'Bearer wrong' });
  await s.daemon.close(); // flushes the log (teardown closing again is harmless)
  const lines = readFileSync(s.auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.match(lines, [
    { who: 'controller', method: 'boom', code: 1, message: 'command boom failed: boom', peer: /^127\.0\.0\.1:\d+$/, time: String },
    { who: 'controller', method: 'step', args: [{ label: 'audited', fail: true }], code: -1, task: q.value },
    { who: 'controller', method: 'step', task: q.value, code: 1, message: 'step audited failed as asked' },
    { who: 'controller', method: 'step', code: `fault ${FaultCode.INVALID_PARAMS}` },
    { who: 'controller', method: 'boom', code: 1 },
    { who: null, method: '?', code: 'unauthenticated' },
  ]);
  t.equal(lines.length, 6, 'and nothing else');
});
