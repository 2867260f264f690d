// Registration and heartbeat to the controller (D3.2 §3.1.1, docs/platform.md:
// "registering a module host with the resource daemon" is the example of a command),
// through resourced's API (controller/resourced/api.ts): hostd calls
// register_host({host_id, url, stats, ...}) until it succeeds, then
// heartbeat({host_id, stats}) every N seconds, both carrying its host_stats figures.
// Every failure is logged and retried with backoff, never fatal: hostd
// serves its own clients whether or not a controller is up. A failed heartbeat
// (controller restarted, host unknown) sends hostd back to registering.
//
// A heartbeat never waits long for its stats: collecting them runs xl and xentop, which
// on a busy (or emulated) dom0 can take far longer than the heartbeat period, and a
// host whose heartbeat waits for them looks dead to the controller (seen in the
// two-host lab while a guest was being created). After statsTimeoutMs the heartbeat
// goes without stats (statsError says why; the controller keeps the last figures), and
// the collection carries on for the next one (hostd/stats.ts StatsSampler shares it).
//
// The calls follow the daemon convention of one struct parameter (daemon/README.md),
// so heartbeat's (host_id, stats) travel as {host_id, stats}.
import { XmlRpcClient, callApi, type Reply } from '../daemon/index.js';
import { resourcedApi, type RegisterArg } from '../controller/resourced/api.js';
import type { HostStats } from './api.js';

export interface ControllerLinkOptions {
  url: string;
  secret: string;
  heartbeatSeconds: number;
  /** What register_host sends: who we are, where to call us back, our load. */
  info: () => Promise<RegisterArg> | RegisterArg;
  /** The load figures each heartbeat carries. */
  stats: () => Promise<HostStats>;
  log: (msg: string) => void;
  /** Per-call timeout (default 10 s). */
  timeoutMs?: number;
  /** Longest wait between registration attempts (default 60 s). */
  maxBackoffMs?: number;
  /** How long a heartbeat waits for its stats before it goes without (default: the heartbeat period, at most 5 s). */
  statsTimeoutMs?: number;
}

export type LinkState = 'registering' | 'registered' | 'stopped';

export class ControllerLink {
  private readonly client: XmlRpcClient;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = 1000;
  private running: Promise<void> | undefined;
  state: LinkState = 'registering';
  hostId: string | undefined;
  /** Counters for tests and logs. */
  readonly counts = { registered: 0, heartbeats: 0, failures: 0 };

  constructor(private readonly o: ControllerLinkOptions) {
    this.client = new XmlRpcClient({ url: o.url, secret: o.secret, timeoutMs: o.timeoutMs ?? 10_000 });
  }

  start(): void {
    this.state = 'registering';
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.state === 'stopped') return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms);
    this.timer.unref(); // the HTTP server keeps hostd alive, not this timer
  }

  private async tick(): Promise<void> {
    const next = this.state === 'registered' ? await this.heartbeat() : await this.register();
    this.schedule(next);
  }

  /** Resolves with the delay before the next tick. */
  private async register(): Promise<number> {
    try {
      const info = await this.o.info();
      // The controller may assign another id: the one it answers is the one to heartbeat with.
      this.hostId = succeeded(await callApi(this.client, resourcedApi, 'register_host', info)).host_id;
      if (this.state === 'stopped') return 0;
      this.state = 'registered';
      this.counts.registered++;
      this.backoffMs = 1000;
      this.o.log(`controller: registered at ${this.o.url} as ${this.hostId}`);
      return this.o.heartbeatSeconds * 1000;
    } catch (e) {
      this.counts.failures++;
      const wait = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 60_000);
      this.o.log(`controller: register_host at ${this.o.url} failed (${(e as Error).message}); retrying in ${wait / 1000}s`);
      return wait;
    }
  }

  private async heartbeat(): Promise<number> {
    try {
      // Stats that cannot be read (xl busy) are no reason to look dead to the controller.
      const stats = await withDeadline(this.o.stats(), this.o.statsTimeoutMs ?? Math.min(this.o.heartbeatSeconds * 1000, 5000)).then(
        (stats) => ({ stats }),
        (e: unknown) => ({ statsError: (e as Error).message.slice(0, 1024) }),
      );
      succeeded(await callApi(this.client, resourcedApi, 'heartbeat', { host_id: this.hostId ?? null, ...stats }));
      this.counts.heartbeats++;
    } catch (e) {
      this.counts.failures++;
      this.o.log(`controller: heartbeat failed (${(e as Error).message}); registering again`);
      if (this.state !== 'stopped') this.state = 'registering';
      return this.backoffMs;
    }
    return this.o.heartbeatSeconds * 1000;
  }
}

/** `p`, or a rejection once `ms` have passed (p carries on; its late result is dropped). */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`host stats not ready within ${ms} ms (xl or xentop slow); the last figures stand`)), ms);
  });
  p.catch(() => {}); // a late failure is nobody's business
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function succeeded<T>(rv: Reply<T> | { code: -1; message: string }): T {
  if (rv.code !== 0) throw new Error(`code ${rv.code}: ${rv.message}`);
  return rv.value;
}
