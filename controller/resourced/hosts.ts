// The module hosts resourced knows: hostd registers (register_host), then proves it is
// alive with heartbeats carrying its host_stats. A host silent for longer than the
// timeout is dropped: placement stops using it, and hostd, whose next heartbeat is
// refused, registers again (hostd/controller.ts). Its URL is remembered after the
// drop so that delete_allocation can still reach PMs on a host that comes back.

/** What hostd sends to register_host (hostd/main.ts). */
export interface HostInfo {
  host_id: string;
  url: string;
  daemon?: string;
  hostname?: string;
  xen_version?: string;
  nr_cpus?: number;
  total_memory_mib?: number;
  methods?: string[];
}

/** The part of hostd's host_stats that placement reads (heartbeats carry it, PM domains only). */
export interface HostStats {
  nrCpus?: number;
  totalMemoryMiB?: number;
  freeMemoryMiB?: number;
  domains?: Array<{ name?: string; memoryMiB?: number }>;
}

export interface HostRecord {
  id: string;
  url: string;
  secret: string;
  info: HostInfo;
  registeredAt: number;
  lastSeen: number;
  heartbeats: number;
  stats?: HostStats;
}

const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

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
    },
  ) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** Registers (or re-registers) a host; returns its record, or why it is refused. */
  register(info: HostInfo): HostRecord | string {
    if (!HOST_ID.test(info.host_id)) return `host_id ${JSON.stringify(info.host_id)} is not [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}`;
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
    const rec: HostRecord = { id: info.host_id, url: info.url, secret, info, registeredAt: t, lastSeen: t, heartbeats: 0 };
    const old = this.hosts.get(info.host_id);
    if (old?.stats) rec.stats = old.stats;
    this.hosts.set(info.host_id, rec);
    this.lastUrl.set(info.host_id, info.url);
    this.o.log(`host ${info.host_id} registered at ${info.url}${old ? ' (again)' : ''}`);
    return rec;
  }

  /** Records a heartbeat; false for a host not (or no longer) registered. */
  heartbeat(hostId: string, stats: unknown): boolean {
    const h = this.hosts.get(hostId);
    if (!h) return false;
    h.lastSeen = this.now();
    h.heartbeats++;
    if (stats && typeof stats === 'object' && !('error' in stats)) h.stats = stats as HostStats;
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

  /** Where to reach a host: its live registration, else the URL it last registered with. */
  endpoint(id: string): { url: string; secret: string } | undefined {
    const h = this.hosts.get(id);
    if (h) return { url: h.url, secret: h.secret };
    const url = this.lastUrl.get(id);
    const secret = this.o.secretFor(id);
    return url && secret ? { url, secret } : undefined;
  }
}
