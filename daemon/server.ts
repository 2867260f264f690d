// The HTTP(S) side: POST / (or /RPC2) with "Authorization: Bearer <secret>" and a
// text/xml body. The order of checks keeps unauthenticated and oversized requests
// cheap: method and path, then the secret (the body of an unauthenticated request is
// never read or parsed), then Content-Length, then a counted read of the body.
// Slow clients are cut by headersTimeout/requestTimeout.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Fault, FaultCode } from './xmlrpc/fault.js';
import { decodeCall, encodeFault, encodeResponse } from './xmlrpc/messages.js';
import { decodeUtf8 } from './xmlrpc/xml.js';
import type { Authenticator } from './auth.js';
import type { AuditLog } from './audit.js';
import type { Dispatcher } from './dispatch.js';

export interface Limits {
  /** Largest request body; larger ones get HTTP 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Time allowed for the request headers (slow-loris). Default 10 s. */
  headersTimeoutMs?: number;
  /** Time allowed for the whole request to arrive. Default 30 s. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Open connections at once. Default 256. */
  maxConnections?: number;
}

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

interface ServerDeps {
  auth: Authenticator;
  dispatcher: Dispatcher<unknown>;
  audit: AuditLog;
  limits: Required<Limits>;
  tls?: TlsOptions;
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
  server.maxConnections = d.limits.maxConnections;
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
