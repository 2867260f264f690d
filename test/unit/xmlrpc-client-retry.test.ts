// The XML-RPC client's one retry (daemon/xmlrpc/client.ts): a kept-alive socket the server
// closed just as it was reused. The retry must go on a new connection: the pool can hold
// more sockets the server closed (seen in the lab, test/lab/balancer-clickos.test.ts: a
// burst of 64 calls left 64 idle sockets, and the retry took another dead one). Here a
// server answers the first request of each connection and drops any later one unanswered.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { XmlRpcClient } from '../../daemon/index.js';

const OK = '<?xml version="1.0"?><methodResponse><params><param><value><string>ok</string></value></param></params></methodResponse>';

t.test('a reused socket the server drops: sent again on a new connection, even when every pooled socket is dead', async (t) => {
  const served = new Map<Socket, number>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    req.resume();
    // a connection's second request: the server had closed it (keep-alive expiry)
    if (n > 1) return void req.socket.destroy();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/xml', Connection: 'keep-alive' }).end(OK));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as { port: number };
  const c = new XmlRpcClient({ url: `http://127.0.0.1:${port}/RPC2`, secret: 'a-secret-of-sixteen-chars' });
  t.teardown(() => c.close());

  // three calls at once: three pooled sockets, each with one request served
  t.same(await Promise.all([c.call('m'), c.call('m'), c.call('m')]), ['ok', 'ok', 'ok']);
  t.equal(connections, 3);
  // every pooled socket is now dead to the server: the call fails on the first, and its
  // retry must not take the second
  t.equal(await c.call('m'), 'ok', 'answered through a new connection');
  t.equal(connections, 4, 'the retry opened one new connection');
});
