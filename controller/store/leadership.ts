// Which resourced instance acts (docs/controller-store.md). With one instance (SQLite,
// memory) it is always that one. On etcd the instances campaign in an election whose
// lease expires when the leader stops renewing it (killed, partitioned): the one elected
// does installs, deletes and reconciliation; the others serve reads and refuse writes with
// the leader's URL, which is the value each instance campaigns with.
import type { Etcd3 } from 'etcd3';

export interface Leadership {
  isLeader(): boolean;
  /** The leader's URL; undefined while none is elected. */
  leaderUrl(): string | undefined;
  /** `fn` runs each time this instance becomes the leader (it reloads and reconciles). */
  onElected(fn: () => void): void;
  close(): Promise<void>;
}

/** A single instance: always the leader. */
export const SOLE_LEADER: Leadership = {
  isLeader: () => true,
  leaderUrl: () => undefined,
  onElected: () => {},
  close: async () => {},
};

export const ELECTION = 'clickos-resourced';

export class EtcdLeadership implements Leadership {
  private leader = false;
  private current: string | undefined;
  private readonly elected: Array<() => void> = [];
  private stopped = false;
  private campaign?: ReturnType<ReturnType<Etcd3['election']>['campaign']>;
  private observer?: Awaited<ReturnType<ReturnType<Etcd3['election']>['observe']>>;
  private retry?: NodeJS.Timeout;

  /** `ttlSeconds`: how long a dead leader holds the lease before another instance takes over. */
  constructor(
    private readonly client: Etcd3,
    readonly url: string,
    private readonly ttlSeconds: number,
    private readonly log: (m: string) => void,
  ) {}

  async start(): Promise<void> {
    this.run();
    await this.watch();
  }

  private run(): void {
    if (this.stopped) return;
    const c = this.client.election(ELECTION, this.ttlSeconds).campaign(this.url);
    this.campaign = c;
    c.on('elected', () => {
      this.leader = true;
      this.current = this.url;
      this.log(`elected leader (etcd election ${ELECTION}, lease ${this.ttlSeconds} s)`);
      for (const fn of this.elected) fn();
    });
    c.on('error', (e: Error) => {
      // The lease is gone (etcd unreachable long enough): stop acting at once, then stand again.
      if (this.leader) this.log(`no longer leader: ${e.message}`);
      this.leader = false;
      if (!this.stopped) this.retry = setTimeout(() => this.run(), 1000);
    });
  }

  private async watch(): Promise<void> {
    try {
      const o = await this.client.election(ELECTION, this.ttlSeconds).observe();
      this.observer = o;
      this.current = o.leader() ?? this.current;
      o.on('change', (v: string | undefined) => (this.current = v));
      o.on('error', () => {
        if (!this.stopped) this.retry = setTimeout(() => void this.watch(), 1000);
      });
    } catch {
      if (!this.stopped) this.retry = setTimeout(() => void this.watch(), 1000);
    }
  }

  isLeader(): boolean {
    return this.leader;
  }

  leaderUrl(): string | undefined {
    return this.leader ? this.url : this.current;
  }

  onElected(fn: () => void): void {
    this.elected.push(fn);
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.observer?.cancel().catch(() => {});
    if (this.leader) await this.campaign?.resign().catch(() => {});
    this.leader = false;
  }
}
