// Which domains are this hostd's processing modules. The answer lives in Xen, not
// in hostd's memory, so a restarted hostd finds its guests again by looking:
//
//   /local/domain/<id>/clickos-toolstack/hostd     = <hostd name>   a PM of ours
//   /local/domain/0/clickos-toolstack/hostd/<hostd name>/pending/<guest name>
//                                                  = <unix ms>      a create_pm in progress
//
// The first node lives in the guest's own home (beside the pool's markers, see
// guests/pool.ts) so it disappears with the domain; create_pm writes it once the
// router runs, so a marked domain is a finished PM. The second is written before a
// create starts (only when no domain has that name) and removed when it ends, so a
// hostd killed mid-create finds on restart the names whose creation it never
// finished, and destroys an unmarked domain of such a name: no orphan survives a
// crash, and no finished PM is touched.
import type { XenStore } from '../xenstore/index.js';
import { domainNames } from '../guests/index.js';

export const markerNode = (domid: number): string => `/local/domain/${domid}/clickos-toolstack/hostd`;
const pendingDir = (hostd: string): string => `/local/domain/0/clickos-toolstack/hostd/${hostd}/pending`;

export interface Pm {
  domid: number;
  name: string;
}

export class Registry {
  constructor(
    private readonly xs: XenStore,
    readonly hostd: string,
  ) {}

  /** Every domain marked as ours, by domid. */
  async list(): Promise<Pm[]> {
    const names = await domainNames(this.xs);
    const out: Pm[] = [];
    await Promise.all(
      [...names].map(async ([domid, name]) => {
        if (domid === 0) return;
        if ((await this.xs.readOptional(markerNode(domid))) === this.hostd) out.push({ domid, name });
      }),
    );
    return out.sort((a, b) => a.domid - b.domid);
  }

  /** One of ours by domid or name; undefined for any other domain (dom0, foreign guests). */
  async find(ref: number | string): Promise<Pm | undefined> {
    const all = await this.list();
    return all.find((p) => (typeof ref === 'number' ? p.domid === ref : p.name === ref));
  }

  /** Records that a PM of this name is being created (before anything exists). */
  async begin(name: string): Promise<void> {
    await this.xs.write(`${pendingDir(this.hostd)}/${name}`, String(Date.now()));
  }

  /** Marks a domain as a finished PM of ours; from then on the methods can reach it. */
  async mark(domid: number): Promise<void> {
    await this.xs.write(markerNode(domid), this.hostd);
  }

  /** The create is over (done or cleaned up). */
  async end(name: string): Promise<void> {
    await this.xs.rm(`${pendingDir(this.hostd)}/${name}`).catch(() => {});
  }

  /** Names whose create_pm never finished (hostd died meanwhile). */
  async pending(): Promise<string[]> {
    return this.xs.directory(pendingDir(this.hostd)).catch(() => []);
  }

  /**
   * After a restart: for every unfinished create, destroys a domain of that name
   * unless it is a finished PM of ours, then forgets the entry. Returns what it
   * found: the PMs that carry on, and the domains it destroyed.
   */
  async rediscover(destroy: (domid: number) => Promise<void>): Promise<{ pms: Pm[]; destroyed: Pm[] }> {
    const destroyed: Pm[] = [];
    const pending = await this.pending();
    if (pending.length > 0) {
      const names = await domainNames(this.xs);
      for (const name of pending) {
        for (const [domid, n] of names) {
          if (n !== name || domid === 0) continue;
          // Killed between marking and clearing the entry: a finished PM, keep it.
          if ((await this.xs.readOptional(markerNode(domid))) === this.hostd) continue;
          await destroy(domid).catch(() => {});
          destroyed.push({ domid, name });
        }
        await this.end(name);
      }
    }
    return { pms: await this.list(), destroyed };
  }
}
