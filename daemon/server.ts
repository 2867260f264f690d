// The HTTP(S) side: POST / (or /RPC2) with "Authorization: Bearer <secret>" and a
// text/xml body. The order of checks keeps unauthenticated and oversized requests
// cheap: method and path, then the secret (the body of an unauthenticated request is
// never read or parsed), then Content-Length, then a counted read of the body.
// Slow clients are cut by headersTimeout/requestTimeout.
//
// Connections are guarded before HTTP sees them (ConnectionGuard): sockets that have not
// yet carried an authenticated request cost an attacker nothing to open and hold, so
// they are bounded per peer address, dropped after a short grace, and are the first to
// go when the server is full. A caller with the secret therefore always gets a
// connection, however many idle ones others hold.
import type { Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Fault, FaultCode } from './xmlrpc/fault.js';
import { decodeCall, encodeFault, encodeResponse } from './xmlrpc/messages.js';
import { decodeUtf8 } from './xmlrpc/xml.js';
import type { Authenticator } from './auth.js';
import type { AuditLog } from './audit.js';
import type { Dispatcher } from './dispatch.js';

/** Every limit has its default in DEFAULT_LIMITS. */
export interface Limits {
  /** Largest request body; larger ones get HTTP 413. */
  maxBodyBytes?: number;
  /** Time allowed for the request headers (slow-loris). */
  headersTimeoutMs?: number;
  /** Time allowed for the whole request to arrive. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs?: number;
  /** Open connections at once. When full, a new one replaces the oldest not yet authenticated (or is refused if every one is). */
  maxConnections?: number;
  /** Open connections from one peer address, with the same replacement rule. */
  maxConnectionsPerPeer?: number;
  /** A connection that has not carried an authenticated request by then is closed. */
  unauthenticatedTimeoutMs?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<Limits>> = {
  maxBodyBytes: 1 << 20,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  // a quarter of the cap: four peer addresses are needed to fill it
  maxConnectionsPerPeer: 64,
  // a client sends its headers right after connecting (a TLS handshake included); well
  // under headersTimeoutMs, so idle sockets go long before slow-loris ones would
  unauthenticatedTimeoutMs: 3_000,
};

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

interface Tracked {
  socket: Socket;
  peer: string;
  authenticated: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Counts open connections per peer address and in all, and keeps the ones not yet
 * authenticated in the order they came. Works on the TCP sockets ('connection'), so TLS
 * handshakes are covered too; a request is matched to its connection by the peer's
 * address and port, which a TLS socket shares with the TCP socket under it.
 */
export class ConnectionGuard {
  private readonly byKey = new Map<string, Tracked>();
  private readonly perPeer = new Map<string, Set<Tracked>>();
  /** not yet authenticated, oldest first (a Set keeps insertion order) */
  private readonly waiting = new Set<Tracked>();
  /** connections replaced or refused, and closed for not authenticating in time */
  evicted = 0;
  timedOut = 0;

  constructor(private readonly limits: Pick<Required<Limits>, 'maxConnections' | 'maxConnectionsPerPeer' | 'unauthenticatedTimeoutMs'>) {}

  get size(): number {
    return this.byKey.size;
  }

  accept(socket: Socket): void {
    const peer = socket.remoteAddress;
    const key = `${peer}|${socket.remotePort}`;
    if (!peer || this.byKey.has(key)) {
      socket.destroy();
      return;
    }
    const mine = this.perPeer.get(peer);
    if (mine && mine.size >= this.limits.maxConnectionsPerPeer && !this.evictOldest(mine)) return this.refuse(socket);
    if (this.byKey.size >= this.limits.maxConnections && !this.evictOldest(this.waiting)) return this.refuse(socket);
    const c: Tracked = { socket, peer, authenticated: false, timer: undefined };
    c.timer = setTimeout(() => {
      this.timedOut++;
      socket.destroy();
    }, this.limits.unauthenticatedTimeoutMs);
    c.timer.unref();
    this.byKey.set(key, c);
    let set = this.perPeer.get(peer);
    if (!set) this.perPeer.set(peer, (set = new Set()));
    set.add(c);
    this.waiting.add(c);
    socket.once('close', () => {
      clearTimeout(c.timer);
      if (this.byKey.get(key) === c) this.byKey.delete(key);
      this.waiting.delete(c);
      set.delete(c);
      if (set.size === 0) this.perPeer.delete(peer);
    });
  }

  /** The connection of this request carried the secret: it is no longer a candidate for eviction or the grace timeout. */
  authenticated(socket: Socket): void {
    const c = this.byKey.get(`${socket.remoteAddress}|${socket.remotePort}`);
    if (!c || c.authenticated) return;
    c.authenticated = true;
    clearTimeout(c.timer);
    this.waiting.delete(c);
  }

  /** Closes the oldest unauthenticated connection of `among`; false when there is none. */
  private evictOldest(among: Set<Tracked>): boolean {
    for (const c of among) {
      if (c.authenticated) continue;
      this.evicted++;
      // forget it now: its 'close' comes later, and the count must make room at once
      this.waiting.delete(c);
      this.byKey.delete(`${c.peer}|${c.socket.remotePort}`);
      this.perPeer.get(c.peer)?.delete(c);
      clearTimeout(c.timer);
      c.socket.destroy();
      return true;
    }
    return false;
  }

  private refuse(socket: Socket): void {
    this.evicted++;
    socket.destroy();
  }
}

interface ServerDeps {
  auth: Authenticator;
  dispatcher: Dispatcher<unknown>;
  audit: AuditLog;
  limits: Required<Limits>;
  tls?: TlsOptions;
  guard: ConnectionGuard;
}

function send(res: ServerResponse, status: number, body: string, close: boolean): void {
  if (res.headersSent) return;
  const headers: Record<string, string | number> = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body) };
  // An unread body would be drained by node before the next request: close instead.
  if (close) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

function sendFault(res: ServerResponse, f: Fault, status = 200, close = false): void {
  send(res, status, encodeFault(f), close);
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        resolve('too-large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('aborted')));
  });
}

export function createRpcServer(d: ServerDeps): Server {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(d, req, res).catch((e: unknown) => {
      sendFault(res, new Fault(FaultCode.INTERNAL_ERROR, 'internal error'), 500, true);
      process.stderr.write(`daemon: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
    });
  };
  const timeouts = {
    headersTimeout: d.limits.headersTimeoutMs,
    requestTimeout: d.limits.requestTimeoutMs,
    // Node checks those timeouts every connectionsCheckingInterval (30 s by default): check often enough to honour them.
    connectionsCheckingInterval: Math.max(50, Math.min(d.limits.headersTimeoutMs, d.limits.requestTimeoutMs) / 4),
  };
  const server = d.tls ? createHttpsServer({ cert: d.tls.cert, key: d.tls.key, ...timeouts }, handler) : createHttpServer(timeouts, handler);
  server.keepAliveTimeout = d.limits.keepAliveTimeoutMs;
  // no server.maxConnections: node would refuse the newcomer, the guard makes room instead
  server.on('connection', (s: Socket) => d.guard.accept(s));
  server.maxHeadersCount = 64;
  return server;
}

async function handle(d: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendFault(res, new Fault(FaultCode.INVALID_XMLRPC, 'XML-RPC takes POST'), 405, true);
  }
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/' && path !== '/RPC2') return sendFault(res, new Fault(FaultCode.INVALID_XMLRPC, 'no such path'), 404, true);
  const who = d.auth.check(req.headers.authorization);
  if (who === undefined) {
    d.audit.write({ peer, who: null, method: '?', code: 'unauthenticated' });
    return sendFault(res, new Fault(FaultCode.UNAUTHENTICATED, 'authentication required (Authorization: Bearer <secret>)'), 200, true);
  }
  d.guard.authenticated(req.socket);
  const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ctype !== 'text/xml' && ctype !== 'application/xml')
    return sendFault(res, new Fault(FaultCode.INVALID_XMLRPC, 'Content-Type must be text/xml'), 200, true);
  const max = d.limits.maxBodyBytes;
  const declared = req.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= max))
    return sendFault(res, new Fault(FaultCode.TOO_LARGE, `request body over ${max} bytes`), 413, true);
  let body: Buffer | 'too-large';
  try {
    body = await readBody(req, max);
  } catch {
    return; // client went away
  }
  if (body === 'too-large') {
    sendFault(res, new Fault(FaultCode.TOO_LARGE, `request body over ${max} bytes`), 413, true);
    res.on('finish', () => req.socket.destroy());
    return;
  }
  let reply: string;
  try {
    const call = decodeCall(decodeUtf8(body));
    const value = await d.dispatcher.call(call.methodName, call.params, { who, peer });
    try {
      reply = encodeResponse(value);
    } catch (e) {
      throw new Fault(FaultCode.INTERNAL_ERROR, `result cannot be encoded: ${(e as Error).message}`);
    }
  } catch (e) {
    if (e instanceof Fault) return sendFault(res, e);
    throw e;
  }
  send(res, 200, reply, false);
}
