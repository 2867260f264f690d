// createDaemon: a daemon is a name, folders of task/command modules and a config
// (D3.2 §3.1.1, docs/platform.md: "the daemon itself simply takes care of receiving requests and
// instantiating the right task or command"). hostd and the controller's daemons are
// a call to this plus their folders and services.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Authenticator, type Secrets } from './auth.js';
import { openAuditLog } from './audit.js';
import { Dispatcher, type Caller } from './dispatch.js';
import { MethodLoader, type Folders } from './loader.js';
import { ConnectionGuard, DEFAULT_LIMITS, createRpcServer, type Limits, type TlsOptions } from './server.js';
import { TaskQueue } from './task-queue.js';
import type { Encodable, XmlRpcValue } from './xmlrpc/values.js';
import { PRINCIPAL_RE } from '../toolstack/limits.js';

export interface DaemonOptions<S = unknown> {
  name: string;
  /** Default 127.0.0.1, port 0 (any free port); anything else must be configured explicitly. */
  listen?: { host?: string; port?: number };
  /** One secret, or named ones ({controller: '...', admin: '...'}); at least 16 characters each. */
  secret: Secrets;
  folders: Folders;
  /** JSON-lines audit log of state-changing calls; none when unset. */
  auditLog?: string;
  /** HTTPS with this certificate and key; plain HTTP otherwise. */
  tls?: TlsOptions;
  /** Tasks running at once (default 4). */
  concurrency?: number;
  /** Finished tasks kept for task.status (default 1000). */
  retainTasks?: number;
  limits?: Limits;
  /** Shared functions handed to every task and command as ctx.services. */
  services?: S;
  /** Principals allowed to call upgrade (default: every authenticated one; [] disables upgrade). */
  upgraders?: string[];
  log?: (msg: string) => void;
}

export interface Daemon {
  readonly name: string;
  readonly tasks: TaskQueue;
  readonly loader: MethodLoader;
  /** Starts listening; resolves with the address actually bound. */
  start(): Promise<{ url: string; host: string; port: number }>;
  /** Stops listening, waits for running tasks, closes the audit log. */
  close(): Promise<void>;
  /** In-process call, as an authenticated caller (no HTTP, no XML). */
  call(methodName: string, params: XmlRpcValue[], caller?: Caller): Promise<Encodable>;
  readonly server: Server;
  /** Open connections and how many were evicted or timed out before authenticating. */
  readonly connections: ConnectionGuard;
}

export function createDaemon<S = unknown>(o: DaemonOptions<S>): Daemon {
  if (!PRINCIPAL_RE.test(o.name)) throw new Error(`invalid daemon name ${JSON.stringify(o.name)}`);
  const auth = new Authenticator(o.secret);
  const audit = openAuditLog(o.auditLog);
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const loader = new MethodLoader(o.folders);
  const tasks = new TaskQueue({
    concurrency: o.concurrency ?? 4,
    retain: o.retainTasks ?? 1000,
    onDone: (t) => audit.write({ who: t.who, method: t.name, task: t.id, code: t.result!.code, message: t.result!.message }),
  });
  const dispatcher = new Dispatcher<S>({ name: o.name, loader, tasks, audit, services: o.services as S, upgraders: o.upgraders, log });
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const guard = new ConnectionGuard(limits);
  const server = createRpcServer({ auth, dispatcher: dispatcher as Dispatcher<unknown>, audit, limits, tls: o.tls, guard });
  const host = o.listen?.host ?? '127.0.0.1';
  const port = o.listen?.port ?? 0;

  return {
    name: o.name,
    tasks,
    loader,
    server,
    connections: guard,
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          resolve({ url: `${o.tls ? 'https' : 'http'}://${h}:${a.port}/RPC2`, host: a.address, port: a.port });
        });
      }),
    close: async () => {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeIdleConnections();
      });
      tasks.pause();
      await tasks.idle();
      await audit.close();
    },
    call: (m, p, caller = { who: 'local' }) => dispatcher.call(m, p, caller),
  };
}
