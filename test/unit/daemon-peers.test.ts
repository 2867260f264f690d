// Idle peers cannot starve a daemon: a thousand TCP connections that never send a byte
// (from the caller's own address, or spread over 40 loopback addresses) do not keep an
// authenticated call out, connections per peer address are bounded, and sockets that do
// not authenticate in time are closed while an authenticated keep-alive one stays.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { startExample, post, SECRET } from '../support/daemon.js';
import { decodeResponse, encodeCall } from '../../daemon/xmlrpc/messages.js';
import { DEFAULT_LIMITS } from '../../daemon/server.js';

interface Idle {
  sockets: Socket[];
  /** how many the server has closed so far */
  closed(): number;
}

/** Opens `n` connections that never send anything, from the given local addresses in turn. */
async function openIdle(port: number, n: number, from: string[]): Promise<Idle> {
  const sockets: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < n; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) => new Promise<void>((resolve, reject) => {
        const s = connect({ port, host: '127.0.0.1', localAddress: from[(i + j) % from.length] });
        s.on('error', () => {});
        s.once('close', () => closed++);
        s.once('connect', () => resolve());
        s.once('error', reject);
        sockets.push(s);
      })),
    );
  }
  return { sockets, closed: () => closed };
}

const ping = encodeCall('ping', []);

/** Waits until the server side has caught up with the client's connects and closes (nothing changes for 200 ms). */
async function settle(...counts: Array<() => number>): Promise<void> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    const now = counts.map((c) => c()).join(',');
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 200));
  }
}

t.test('an authenticated call is answered while 1,000 idle sockets are held open', async (t) => {
  for (const [what, from] of [
    ['from the caller\'s own address', ['127.0.0.1']],
    ['spread over 40 addresses', Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 10}`)],
  ] as const) {
    // long timeouts: room must come from the guard, not from idle sockets timing out
    const d = await startExample(t, { limits: { unauthenticatedTimeoutMs: 120_000, headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 } });
    const idle = await openIdle(d.port, 1000, [...from]);
    t.teardown(() => idle.sockets.forEach((s) => s.destroy()));
    await settle(() => d.daemon.connections.size, idle.closed);
    const held = d.daemon.connections.size;
    t.ok(held >= Math.min(DEFAULT_LIMITS.maxConnections, from.length * DEFAULT_LIMITS.maxConnectionsPerPeer) - 1, `${what}: the server holds ${held} idle connections`);
    t.ok(held <= DEFAULT_LIMITS.maxConnections, `${what}: never more than the cap`);
    const t0 = Date.now();
    const r = await post(d.port, ping);
    t.match(decodeResponse(r.body), { code: 0, value: 'pong from example' }, `${what}: the call is answered`);
    t.ok(Date.now() - t0 < 5000, `${what}: answered in ${Date.now() - t0} ms`);
    t.ok(d.daemon.connections.size >= held - 2, `${what}: the idle connections were still open (${d.daemon.connections.size})`);
    t.equal(d.daemon.connections.timedOut, 0, `${what}: none had timed out`);
    t.ok(idle.closed() >= 1000 - DEFAULT_LIMITS.maxConnections, `${what}: the surplus idle sockets were closed (${idle.closed()})`);
    idle.sockets.forEach((s) => s.destroy());
  }
});

t.test('connections from one address are bounded; the oldest idle ones make room', async (t) => {
  const d = await startExample(t, { limits: { maxConnectionsPerPeer: 10, unauthenticatedTimeoutMs: 60_000 } });
  const a = await openIdle(d.port, 30, ['127.0.0.2']);
  t.teardown(() => a.sockets.forEach((s) => s.destroy()));
  const b = await openIdle(d.port, 5, ['127.0.0.3']);
  t.teardown(() => b.sockets.forEach((s) => s.destroy()));
  await settle(() => d.daemon.connections.size, a.closed);
  t.equal(d.daemon.connections.size, 15, '10 from the first address, 5 from the other');
  t.equal(a.closed(), 20, 'the first address\'s oldest 20 were closed');
  t.ok(a.sockets.slice(20).every((s) => !s.destroyed), 'its newest 10 are still open');
  t.equal(b.closed(), 0, 'the other address is untouched');
});

t.test('sockets that do not authenticate in time are closed; an authenticated keep-alive one stays', async (t) => {
  const grace = 300;
  const d = await startExample(t, { limits: { unauthenticatedTimeoutMs: grace, keepAliveTimeoutMs: 10_000 } });
  const idle = await openIdle(d.port, 20, ['127.0.0.1']);
  t.teardown(() => idle.sockets.forEach((s) => s.destroy()));

  // one keep-alive connection that authenticates, then waits past the grace before its second call
  const sock = connect(d.port, '127.0.0.1');
  t.teardown(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  let got = '';
  sock.on('data', (b: Buffer) => (got += b.toString()));
  const request = (auth: string) => `POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(ping)}\r\n\r\n${ping}`;
  const replies = async (n: number) => {
    for (let i = 0; i < 100 && (got.match(/pong from example/g) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 20));
    return (got.match(/pong from example/g) ?? []).length;
  };
  sock.write(request(`bearer ${SECRET}`));
  t.equal(await replies(1), 1, 'first call answered (scheme in lower case)');
  await new Promise((r) => setTimeout(r, grace * 3));
  t.equal(idle.closed(), 20, 'every idle socket was closed after the grace');
  t.equal(d.daemon.connections.timedOut, 20, 'and counted as timed out');
  t.notOk(sock.destroyed, 'the authenticated connection is still open');
  sock.write(request(`Bearer ${SECRET}`));
  t.equal(await replies(2), 2, 'and answers a second call');
});
