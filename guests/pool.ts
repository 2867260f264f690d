// A warm pool of ClickOS guests (LightVM's split toolstack, taken further): guests
// created from a template, vifs connected, booted until their ClickOS root exists,
// then idle. Instantiating from the pool costs one XenStore transaction to claim
// and rename a guest, the config install and the start; no xl process at all.
//
// Pool state lives in XenStore under each guest's own domain path, so it dies with
// the domain and a restarted toolstack finds its pool again:
//   /local/domain/<id>/clickos-toolstack/pool          template key, while idle
//   /local/domain/<id>/clickos-toolstack/console-name  the name xenconsoled logs under
import type { GuestSpec, VifSpec } from '../toolstack/index.js';
import { ClickosGuests, type Guest } from './manager.js';
import { consoleNameNode } from './console.js';
import { domainNames, renameIn } from './domains.js';
import { GuestError } from './errors.js';

export interface PoolOptions {
  guests: ClickosGuests;
  /** What every pool guest is created from; its vifs are the layout the pool serves. */
  template: Omit<GuestSpec, 'name'>;
  /** Idle guests to keep. */
  size: number;
  /** Upper bound on the memory of idle and warming guests (default size × template memory). */
  maxMemoryMiB?: number;
  /** Host memory (xl info free_memory) left free when warming (default 128 MiB). */
  hostReserveMiB?: number;
  /** Pool guests are named <prefix>-<n> until claimed (default clickos-pool). */
  prefix?: string;
  /** Guests warmed at once (default 2). */
  concurrency?: number;
  /** Refill in the background after each claim (default true). */
  autoRefill?: boolean;
  onEvent?: (e: PoolEvent) => void;
}

export type PoolEvent =
  | { kind: 'warmed'; domid: number; ms: number }
  | { kind: 'warm-failed'; error: Error }
  | { kind: 'adopted'; domid: number }
  | { kind: 'discarded'; domid: number; why: string }
  | { kind: 'limited'; why: string };

export interface InstanceRequest {
  name: string;
  /** The vifs the guest needs; default the template's. */
  vifs?: VifSpec[];
}

export interface Instance extends Guest {
  /** pool: an idle guest as it was; replug: an idle guest with its vifs re-plugged; create: no idle guest fitted. */
  source: 'pool' | 'replug' | 'create';
}

const POOL_NODE = (domid: number): string => `/local/domain/${domid}/clickos-toolstack/pool`;

/** Two vif layouts are the same when every vif's settings are (a MAC or name in the request forces a re-plug). */
function layoutKey(vifs: VifSpec[]): string {
  return JSON.stringify(vifs.map((v) => [v.bridge ?? '', v.script ?? '', v.mac ?? '', v.vifname ?? '', v.ip ?? '', v.backend ?? '']));
}

export class WarmPool {
  private readonly g: ClickosGuests;
  private readonly template: Omit<GuestSpec, 'name'>;
  private readonly key: string;
  private readonly size: number;
  private readonly maxMemoryMiB: number;
  private readonly reserveMiB: number;
  private readonly prefix: string;
  private readonly concurrency: number;
  private readonly autoRefill: boolean;
  private readonly emit: (e: PoolEvent) => void;
  private readonly idle: Guest[] = [];
  private warming = 0;
  private closed = false;
  private refilling: Promise<void> | undefined;
  private seq = 0;

  constructor(o: PoolOptions) {
    if (!Number.isInteger(o.size) || o.size < 0) throw new GuestError(`pool size must be a whole number ≥ 0, got ${o.size}`);
    this.g = o.guests;
    this.template = o.template;
    this.key = layoutKey(o.template.vifs ?? []);
    this.size = o.size;
    this.maxMemoryMiB = o.maxMemoryMiB ?? o.size * o.template.memory;
    this.reserveMiB = o.hostReserveMiB ?? 128;
    this.prefix = o.prefix ?? 'clickos-pool';
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/.test(this.prefix)) throw new GuestError(`invalid pool prefix ${JSON.stringify(this.prefix)}`);
    this.concurrency = Math.max(1, o.concurrency ?? 2);
    this.autoRefill = o.autoRefill ?? true;
    this.emit = o.onEvent ?? (() => {});
  }

  /** Idle guests ready to be claimed, and guests being warmed. */
  stats(): { idle: number; warming: number; size: number } {
    return { idle: this.idle.length, warming: this.warming, size: this.size };
  }

  idleGuests(): readonly Guest[] {
    return this.idle;
  }

  /**
   * Adopts idle pool guests a previous toolstack left (found in XenStore), destroys
   * half-warmed or foreign-template ones, then fills the pool; resolves when full
   * (or as full as memory allows).
   */
  async start(): Promise<void> {
    await this.rediscover();
    await this.refill();
  }

  private async rediscover(): Promise<void> {
    const names = await domainNames(this.g.xs);
    const mine = new RegExp(`^${this.prefix.replace(/[.]/g, '\\.')}-\\d+$`);
    for (const [domid, name] of names) {
      if (!mine.test(name) || this.idle.some((x) => x.domid === domid)) continue;
      const key = await this.g.xs.readOptional(POOL_NODE(domid));
      const root = await this.g.control.root(domid);
      const routers = root ? (await this.g.xs.directory(root).catch(() => [])).length : 0;
      if (key === this.key && root && routers === 0) {
        this.idle.push({ domid, name, root });
        this.emit({ kind: 'adopted', domid });
      } else {
        const why = key === undefined ? 'left half-warmed' : key !== this.key ? 'another vif layout' : 'not idle';
        await this.g.destroy(domid).catch(() => {});
        this.emit({ kind: 'discarded', domid, why });
      }
    }
  }

  /** Warms guests until the pool is full, within the memory bounds. */
  refill(): Promise<void> {
    this.refilling ??= this.fill().finally(() => (this.refilling = undefined));
    return this.refilling;
  }

  private async fill(): Promise<void> {
    const workers = Array.from({ length: this.concurrency }, async () => {
      while (!this.closed && this.idle.length + this.warming < this.size) {
        const limit = await this.memoryLimit();
        if (limit) {
          this.emit({ kind: 'limited', why: limit });
          return;
        }
        this.warming++;
        try {
          const t0 = Date.now();
          const guest = await this.warmOne();
          if (this.closed) await this.g.destroy(guest.domid).catch(() => {});
          else {
            this.idle.push(guest);
            this.emit({ kind: 'warmed', domid: guest.domid, ms: Date.now() - t0 });
          }
        } catch (e) {
          this.emit({ kind: 'warm-failed', error: e as Error });
          return; // a failing template would fail forever: stop this worker
        } finally {
          this.warming--;
        }
      }
    });
    await Promise.all(workers);
  }

  /** Why no further guest may be warmed now, or undefined. */
  private async memoryLimit(): Promise<string | undefined> {
    const used = (this.idle.length + this.warming + 1) * this.template.memory;
    if (used > this.maxMemoryMiB) return `pool memory would exceed ${this.maxMemoryMiB} MiB`;
    const free = (await this.g.xl.info()).freeMemoryMiB;
    if (free - this.template.memory < this.reserveMiB) return `host free memory ${free} MiB minus ${this.template.memory} MiB is below the ${this.reserveMiB} MiB reserve`;
    return undefined;
  }

  private async warmOne(): Promise<Guest> {
    const taken = new Set((await domainNames(this.g.xs)).values());
    let name: string;
    do name = `${this.prefix}-${this.seq++}`;
    while (taken.has(name));
    const guest = await this.g.create({ ...this.template, name });
    try {
      await this.g.xs.transaction(async (tx) => {
        await tx.write(consoleNameNode(guest.domid), name);
        await tx.write(POOL_NODE(guest.domid), this.key);
      });
    } catch (e) {
      await this.g.destroy(guest.domid).catch(() => {});
      throw e;
    }
    return guest;
  }

  /**
   * Claims a guest for `req`: an idle guest with the same vif layout, else an
   * idle guest whose vifs are re-plugged, else a freshly created one. The claim
   * (pool marker removed, domain renamed) is one transaction, so two toolstacks
   * never hand out the same guest.
   */
  async acquire(req: InstanceRequest): Promise<Instance> {
    const want = req.vifs ?? this.template.vifs ?? [];
    const sameLayout = layoutKey(want) === this.key;
    let instance: Instance | undefined;
    while (!instance && this.idle.length > 0) {
      const guest = this.idle.shift()!;
      if (!(await this.claim(guest, req.name))) continue; // died or claimed elsewhere
      const claimed = { ...guest, name: req.name };
      if (sameLayout) instance = { ...claimed, source: 'pool' };
      else {
        try {
          await this.replug(guest.domid, want);
          instance = { ...claimed, source: 'replug' };
        } catch (e) {
          await this.g.destroy(guest.domid).catch(() => {});
          throw e;
        }
      }
    }
    if (this.autoRefill && !this.closed) void this.refill().catch(() => {});
    if (instance) return instance;
    const created = await this.g.create({ ...this.template, name: req.name, vifs: want });
    return { ...created, source: 'create' };
  }

  /**
   * True when the guest was ours to take; false when it died or another toolstack
   * took it. Any other failure puts the guest back and is rethrown.
   */
  private async claim(guest: Guest, newName: string): Promise<boolean> {
    try {
      return await this.g.xs.transaction(async (tx) => {
        if ((await tx.readOptional(POOL_NODE(guest.domid))) === undefined) return false;
        await Promise.all([tx.rm(POOL_NODE(guest.domid)), renameIn(tx, guest.domid, guest.name, newName)]);
        return true;
      });
    } catch (e) {
      if (!(await this.g.xs.exists(`/local/domain/${guest.domid}`).catch(() => false))) return false;
      this.idle.unshift(guest);
      throw e;
    }
  }

  private async replug(domid: number, vifs: VifSpec[]): Promise<void> {
    for (const dev of await this.g.vifs.list(domid)) await this.g.vifs.detach(domid, dev.devid);
    for (const v of vifs) await this.g.vifs.attach(domid, v);
  }

  /**
   * Request → Running: claims a guest, installs the config and starts it. Any
   * failure destroys the claimed guest: nothing is left behind.
   */
  async instantiate(req: InstanceRequest & { config: string; configName?: string }): Promise<Instance & { rid: number; confirmed: boolean }> {
    this.g.check(req.config, req.configName); // before a guest is claimed
    const inst = await this.acquire(req);
    try {
      const rid = await this.g.install(inst.domid, req.config, req.configName);
      const { confirmed } = await this.g.start(inst.domid, rid);
      return { ...inst, rid, confirmed };
    } catch (e) {
      await this.g.destroy(inst.domid).catch(() => {});
      throw e;
    }
  }

  /** Stops refilling; with destroyIdle, destroys the idle guests (else a later pool adopts them). */
  async close(o: { destroyIdle?: boolean } = {}): Promise<void> {
    this.closed = true;
    await this.refilling?.catch(() => {});
    if (o.destroyIdle) {
      const all = this.idle.splice(0);
      await Promise.all(all.map((x) => this.g.destroy(x.domid).catch(() => {})));
    }
  }
}
