// The module hosts resourced knows: hostd registers (register_host) with its
// host_stats, then proves it is alive with heartbeats carrying fresh ones. A host
// silent for longer than the timeout is dropped: placement stops using it, and hostd,
// whose next heartbeat is refused, registers again (hostd/controller.ts). Its URL is
// remembered after the drop so that delete_allocation can still reach PMs on a host
// that comes back.
import { HOST_ID_RE } from '../../toolstack/limits.js';
import type { RegisterArg } from './api.js';
import type { HostStats } from '../../hostd/api.js';

export interface HostRecord {
  id: string;
  url: string;
  secret: string;
  /** What it registered with (its stats are kept in `stats`, replaced by each heartbeat's). */
  info: Omit<RegisterArg, 'stats'>;
  registeredAt: number;
  lastSeen: number;
  heartbeats: number;
  /** The latest measured figures (placement's capacities, platform-model.ts). */
  stats: HostStats;
  /** When they were measured (ms) and who sent them: newer figures replace older ones, whoever sends them. */
  statsAt: number;
  statsFrom: 'register_host' | 'heartbeat' | 'monitord';
}

export class HostTable {
  private readonly hosts = new Map<string, HostRecord>();
  /** Last URL of every host ever registered (dropped ones included). */
  private readonly lastUrl = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: {
      secretFor: (hostId: string) => string | undefined;
      timeoutMs: number;
      log: (m: string) => void;
      now?: () => number;
      /** Told which hosts a sweep dropped (resourced places their PMs again). */
      onDrop?: (ids: string[]) => void;
    },
  ) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** Registers (or re-registers) a host; returns its record, or why it is refused. */
  register(arg: RegisterArg): HostRecord | string {
    const { stats, ...info } = arg;
    if (!HOST_ID_RE.test(info.host_id)) return `host_id ${JSON.stringify(info.host_id)} is not ${HOST_ID_RE.source}`;
    let url: URL;
    try {
      url = new URL(info.url);
    } catch {
      return `url ${JSON.stringify(info.url)} is not a URL`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `url ${info.url}: only http and https`;
    // Without a secret we could not call the host back: refusing makes the operator see it (hostd logs every retry).
    const secret = this.o.secretFor(info.host_id);
    if (!secret) return `no secret configured for host ${info.host_id} (config hosts.secrets or hosts.defaultSecret)`;
    const t = this.now();
    const rec: HostRecord = { id: info.host_id, url: info.url, secret, info, registeredAt: t, lastSeen: t, heartbeats: 0, stats, statsAt: t, statsFrom: 'register_host' };
    const old = this.hosts.get(info.host_id);
    this.hosts.set(info.host_id, rec);
    this.lastUrl.set(info.host_id, info.url);
    this.o.log(`host ${info.host_id} registered at ${info.url}${old ? ' (again)' : ''}`);
    return rec;
  }

  /** Records a heartbeat (without stats when hostd could not read them: the last ones stand); false for a host not (or no longer) registered. */
  heartbeat(hostId: string, stats?: HostStats): boolean {
    const h = this.hosts.get(hostId);
    if (!h) return false;
    h.lastSeen = this.now();
    h.heartbeats++;
    if (stats) Object.assign(h, { stats, statsAt: h.lastSeen, statsFrom: 'heartbeat' });
    return true;
  }

  /**
   * A host's figures as monitord measured them at `at` (ms; report_stats): kept when no
   * newer ones are there (a heartbeat may have overtaken the report). Not a sign of life:
   * only the host's own heartbeat keeps it registered. False for an unknown host.
   */
  measured(hostId: string, stats: HostStats, at: number): boolean {
    const h = this.hosts.get(hostId);
    if (!h) return false;
    if (at >= h.statsAt) Object.assign(h, { stats, statsAt: at, statsFrom: 'monitord' });
    return true;
  }

  /** Drops every host silent for longer than the timeout; returns their ids. */
  sweep(): string[] {
    const dropped: string[] = [];
    const limit = this.now() - this.o.timeoutMs;
    for (const [id, h] of this.hosts) {
      if (h.lastSeen < limit) {
        this.hosts.delete(id);
        dropped.push(id);
        this.o.log(`host ${id} dropped: no heartbeat for ${Math.round((this.now() - h.lastSeen) / 1000)} s`);
      }
    }
    if (dropped.length) this.o.onDrop?.(dropped);
    return dropped;
  }

  /** Sweeps periodically (a quarter of the timeout) until stop(). */
  start(): void {
    this.stop();
    this.timer = setInterval(() => this.sweep(), Math.max(50, Math.floor(this.o.timeoutMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get(id: string): HostRecord | undefined {
    return this.hosts.get(id);
  }

  /** Registered hosts, in id order (placement is deterministic for a given set). */
  live(): HostRecord[] {
    return [...this.hosts.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** A host's URL from the store, before it registers again (its secret comes from the config). */
  remember(id: string, url: string): void {
    if (!this.lastUrl.has(id)) this.lastUrl.set(id, url);
  }

  /** Every host ever registered (or remembered), live or not. */
  known(): string[] {
    return [...this.lastUrl.keys()].sort();
  }

  /** Where to reach a host: its live registration, else the URL it last registered with. */
  endpoint(id: string): { url: string; secret: string } | undefined {
    const h = this.hosts.get(id);
    if (h) return { url: h.url, secret: h.secret };
    const url = this.lastUrl.get(id);
    const secret = this.o.secretFor(id);
    return url && secret ? { url, secret } : undefined;
  }
}
