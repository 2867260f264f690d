// webd's HTTP(S) side: the page and its assets (from assets/, read once at start, a
// fixed list: no path from the URL ever reaches the file system), and a small JSON API:
//   POST /api/login {secret}  → session cookie (HttpOnly, SameSite=Strict) + {who, role, csrf}
//   POST /api/logout          GET /api/session → {who, role, csrf}, or {who: null} before a login
//   GET  /api/events          Server-Sent Events: "view" = the PlatformView (view.ts) on every poll
//   POST /api/action {action, arg} → ActionResult (actions.ts); X-CSRF-Token with a session
// Not daemon/server.ts: that one serves XML-RPC only, by design (POST and one path); this
// one shares its authentication (daemon/auth.ts through sessions.ts) and audit log
// (daemon/audit.ts). The Content-Security-Policy allows this origin's scripts and styles
// only: nothing is fetched from elsewhere, at run time or ever.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../../toolstack/project-root.js';
import { openAuditLog, summarize, type AuditLog } from '../../daemon/audit.js';
import { MAX_REQUEST_CHARS } from '../resourced/api.js';
import { ActionError, isAction, runAction } from './actions.js';
import type { WebdConfig } from './config.js';
import { PlatformLinks } from './links.js';
import { Poller } from './poller.js';
import { Sessions, type Principal } from './sessions.js';

/** The page's files: URL path → file of assets/ and its type. */
const ASSETS: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/assets/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/assets/app.css': ['app.css', 'text/css; charset=utf-8'],
  '/assets/icon.svg': ['icon.svg', 'image/svg+xml'],
};
/** The page is plain JS, CSS and SVG, not compiled: served from the source tree's assets/. */
export const ASSETS_DIR = join(projectRoot, 'controller', 'webd', 'assets');

// JSON-escaped request text can be up to 6× its length (\uXXXX); a bit more for the rest.
const MAX_BODY = MAX_REQUEST_CHARS * 6 + 4096;

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export interface Webd {
  start(): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
  poller: Poller;
}

export function createWebd(c: WebdConfig, log: (m: string) => void = (m) => process.stderr.write(`webd: ${m}\n`)): Webd {
  const files = new Map(Object.entries(ASSETS).map(([path, [file, type]]) => [path, { body: readFileSync(join(ASSETS_DIR, file)), type }]));
  const sessions = new Sessions(c.secret, c.readOnly, c.sessionSeconds * 1000, !!c.tls);
  const audit = openAuditLog(c.auditLog);
  const links = new PlatformLinks(c);
  const poller = new Poller(links, c.pollMs, log);
  const streams = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handle({ req, res, files, sessions, audit, links, poller, streams }).catch((e: unknown) => {
      log(`unexpected error: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) json(res, 500, { message: 'internal error' });
      else res.end();
    });
  };
  const opts = { headersTimeout: 10_000, requestTimeout: 30_000 };
  const server: Server = c.tls ? createHttpsServer({ cert: readFileSync(c.tls.cert), key: readFileSync(c.tls.key), ...opts }, handler) : createHttpServer(opts, handler);
  server.maxHeadersCount = 64;
  return {
    poller,
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(c.listen.port, c.listen.host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          resolve({ url: `${c.tls ? 'https' : 'http'}://${h}:${a.port}/`, port: a.port });
        });
      }),
    close: async () => {
      poller.stop();
      for (const s of streams) s.end();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      links.close();
      await audit.close();
    },
  };
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  files: Map<string, { body: Buffer; type: string }>;
  sessions: Sessions;
  audit: AuditLog;
  links: PlatformLinks;
  poller: Poller;
  streams: Set<ServerResponse>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ctype !== 'application/json') throw new ActionError(415, 'Content-Type must be application/json');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) throw new ActionError(413, `body over ${MAX_BODY} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ActionError(413, `body over ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ActionError(400, 'the body is not JSON');
  }
}

/** A state-changing request comes from this page: same origin when the browser says, and the session's CSRF token. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function handle(x: Ctx): Promise<void> {
  const { req, res, sessions, audit } = x;
  const path = (req.url ?? '/').split('?')[0]!;
  const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
  const file = x.files.get(path);
  if (file && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return;
  }
  if (!path.startsWith('/api/')) return json(res, 404, { message: 'no such page' });
  try {
    if (req.method === 'POST' && path === '/api/login') {
      if (!sameOrigin(req)) throw new ActionError(403, 'cross-origin request');
      const body = (await readJson(req)) as { secret?: unknown } | null;
      const r = sessions.login(body?.secret);
      audit.write({ peer, who: r?.principal.who ?? null, method: 'webd.login', code: r ? 0 : 'unauthenticated', ...(r ? { message: r.principal.role } : {}) });
      if (!r) return json(res, 401, { message: 'unknown secret' });
      return json(res, 200, { who: r.principal.who, role: r.principal.role, csrf: r.principal.csrf }, { 'Set-Cookie': r.cookie });
    }
    const p = sessions.principal(req);
    // the page asks first whether it is logged in: "no" is an answer, not an error
    if (req.method === 'GET' && path === '/api/session') return json(res, 200, p ? { who: p.who, role: p.role, csrf: p.csrf ?? null } : { who: null });
    if (!p) {
      if (req.method === 'POST') audit.write({ peer, who: null, method: `webd.${path.slice(5)}`, code: 'unauthenticated' });
      return json(res, 401, { message: 'log in first' });
    }
    if (req.method === 'GET' && path === '/api/events') return events(x);
    if (req.method === 'GET' && path === '/api/view') return json(res, 200, x.poller.latest ?? (await x.poller.poll()));
    if (req.method !== 'POST') return json(res, 404, { message: 'no such API path' });
    if (!sameOrigin(req) || !sessions.csrfOk(p, req)) {
      audit.write({ peer, who: p.who, method: `webd.${path.slice(5)}`, code: 'refused', message: 'CSRF token missing or wrong' });
      return json(res, 403, { message: 'CSRF token missing or wrong' });
    }
    if (path === '/api/logout') return json(res, 200, { ok: true }, { 'Set-Cookie': sessions.logout(req) });
    if (path === '/api/action') return await action(x, p, peer);
    return json(res, 404, { message: 'no such API path' });
  } catch (e) {
    if (e instanceof ActionError) return json(res, e.status, { ok: false, message: e.message });
    throw e;
  }
}

async function action(x: Ctx, p: Principal, peer: string): Promise<void> {
  const body = (await readJson(x.req)) as { action?: unknown; arg?: unknown } | null;
  const name = body?.action;
  const method = `webd.${typeof name === 'string' ? name.slice(0, 40) : '?'}`;
  const args = summarize(body?.arg ?? null);
  if (!isAction(name)) {
    x.audit.write({ peer, who: p.who, method, args, code: 'refused', message: 'no such action' });
    return json(x.res, 400, { ok: false, message: 'no such action' });
  }
  try {
    const r = await runAction(x.links, p.role, name, body?.arg);
    // check only parses: kept out of the audit log, as daemons keep their read-only queries
    if (name !== 'check') x.audit.write({ peer, who: p.who, method, args, code: r.ok ? 0 : 1, message: r.message });
    if (name !== 'check' && name !== 'read_handler') void x.poller.poll().catch(() => {});
    return json(x.res, 200, r);
  } catch (e) {
    const status = e instanceof ActionError ? e.status : 502;
    x.audit.write({ peer, who: p.who, method, args, code: e instanceof ActionError ? 'refused' : 1, message: (e as Error).message });
    return json(x.res, status, { ok: false, message: (e as Error).message });
  }
}

function events(x: Ctx): void {
  const { req, res } = x;
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write('retry: 2000\n\n');
  x.streams.add(res);
  // a session that logs out or expires loses its stream at the next snapshot
  const unsubscribe = x.poller.subscribe((v) => (x.sessions.principal(req) ? res.write(`event: view\ndata: ${JSON.stringify(v)}\n\n`) : res.end()));
  // a comment every 15 s keeps proxies from closing an idle stream
  const keep = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.socket.setTimeout(0);
  req.on('close', () => {
    clearInterval(keep);
    unsubscribe();
    x.streams.delete(res);
  });
}
