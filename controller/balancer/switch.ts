// A balanced group's rules on a real switch, through any openflowd driver (README.md
// "On a switch"). Each generation of rules is installed whole under its own cookie
// (cookies.ts) in its own priority band, then the previous generation is removed by
// cookie: make-before-break, so at every moment one complete rule set matches each
// packet. Bands alternate: even generations at base..base+2, odd ones 4 higher. When the
// new band is the lower one the old set keeps deciding until its single delete (an
// atomic switch-over); when higher, each new flow takes over as it lands — either way
// every packet meets a rule of one complete set. A move may come with an idle phase
// (migration-rules.ts): its flows go in first, under the generation's migration cookie,
// and endIdle() removes them.
import type { Flow } from '../openflow/model.js';
import type { SwitchDriver } from '../openflowd/driver.js';
import type { Assignment } from './balance.js';
import { groupCookie } from './cookies.js';
import { BalancerInputError } from './errors.js';
import type { Move } from './leaves.js';
import { migrationFlows } from './migration-rules.js';
import { balancerFlows, type GroupPorts } from './rules.js';

export interface SwitchGroupOptions {
  /** 1..2^32-1, unique per switch */
  group: number;
  /** the lowest priority the group uses (default 1000); it takes base..base+6 */
  basePriority?: number;
  /** the table the idle phase reads conntrack verdicts in (default 10) */
  ctTable?: number;
  /** the generation on the switch already (a daemon restarted with the group recorded); default none */
  generation?: number;
}

/** What a group needs of a switch: any openflowd driver, or resourced's steering (openflowd over XML-RPC). */
export type GroupDriver = Pick<SwitchDriver, 'addFlows' | 'deleteFlows'>;

export interface Installed {
  generation: number;
  /** under cookie('rules') */
  rules: Flow[];
  /** under cookie('migration'), until endIdle() */
  migration: Flow[];
  migrating: Move[];
}

export class SwitchGroup {
  readonly group: number;
  private readonly base: number;
  private readonly ctTable: number;
  private generation = -1;
  private migrationLive = false;
  /** a previous generation whose delete failed: removed before anything else */
  private stale: number | undefined;

  constructor(private readonly driver: GroupDriver, o: SwitchGroupOptions) {
    this.group = o.group;
    this.base = o.basePriority ?? 1000;
    this.ctTable = o.ctTable ?? 10;
    this.generation = o.generation ?? -1;
    groupCookie(o.group, 'rules', 0); // checks the id
    if (!Number.isInteger(this.base) || this.base < 1 || this.base + 6 > 0xffff) throw new BalancerInputError(`base priority ${this.base} leaves no room for two bands below 65535`);
  }

  get current(): number {
    return this.generation;
  }

  /** The priorities the group's generations take, both bands: [base, base + 6]. */
  get priorities(): [number, number] {
    return [this.base, this.base + 6];
  }

  cookie(kind: 'rules' | 'migration', generation = this.generation): bigint {
    return groupCookie(this.group, kind, generation);
  }

  /** The band of a generation: catch-alls at its base, prefix and return flows +1, migration +2. */
  private band(generation: number): number {
    return this.base + 4 * (generation % 2);
  }

  /**
   * Installs `assignment` as the next generation, make-before-break; with `moved` (and
   * the ports' conntrack), the moved pieces stay with their old replica for established
   * connections until endIdle(). All or nothing: if the switch refuses any flow, the
   * new generation is removed and the old one stays.
   */
  /** The next generation's flows, as install() would put them on the switch (a caller may check them against the switch first). */
  plan(assignment: Assignment, ports: GroupPorts, moved: Move[] = []): Omit<Installed, 'migrating'> {
    const next = this.generation + 1;
    const band = this.band(next);
    const rules = balancerFlows(assignment, { ...ports, priority: band + 1 });
    const migration = moved.length ? migrationFlows(moved, ports, { priority: band + 2, ctTable: this.ctTable }) : [];
    return { generation: next, rules, migration };
  }

  async install(assignment: Assignment, ports: GroupPorts, moved: Move[] = []): Promise<Installed> {
    if (this.migrationLive) throw new BalancerInputError(`group ${this.group} is still in an idle phase: end it first`);
    await this.dropStale();
    const { generation: next, rules, migration } = this.plan(assignment, ports, moved);
    // the verdict table first, then the dispatch into it, then the rules: no packet
    // reaches a flow whose next step is missing
    if (migration.length) await this.driver.addFlows(this.cookie('migration', next), migration);
    try {
      await this.driver.addFlows(this.cookie('rules', next), rules);
    } catch (e) {
      if (migration.length) await this.driver.deleteFlows(this.cookie('migration', next)).catch(() => {});
      throw e;
    }
    const old = this.generation;
    this.generation = next;
    this.migrationLive = migration.length > 0;
    if (old >= 0) {
      // the new set decides from here on; an old set left behind is removed next time
      this.stale = old;
      await this.dropStale();
    }
    return { generation: next, rules, migration, migrating: moved };
  }

  private async dropStale(): Promise<void> {
    if (this.stale === undefined) return;
    await this.driver.deleteFlows(this.cookie('rules', this.stale));
    this.stale = undefined;
  }

  /** Ends the idle phase: what the old replicas still held now goes to the new ones. */
  async endIdle(): Promise<void> {
    if (!this.migrationLive) return;
    await this.driver.deleteFlows(this.cookie('migration'));
    this.migrationLive = false;
  }

  /** Removes every flow of the group. */
  async remove(): Promise<void> {
    if (this.generation < 0) return;
    await this.dropStale();
    await this.driver.deleteFlows(this.cookie('migration'));
    await this.driver.deleteFlows(this.cookie('rules'));
    this.migrationLive = false;
  }
}
