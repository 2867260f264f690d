// A routing group (README.md "The loop"): a route table, its software router (a ClickOS
// module running click.ts's config, placed like any module), the switch's fast path
// (fastpath.ts) and TFO (controller/offload) choosing, bin after bin, which n prefixes the
// switch holds. Each bin: read the switch's counters and the sFlow samples (learn.ts),
// TFO.update, install what it added and remove what it removed. The churn per bin is
// what TFO allowed (its hysteresis), never more.
import { Tfo } from '../offload/tfo.js';
import { routerConfig } from './click.js';
import { FastPath, type FastPathPorts, type RoutingDriver } from './fastpath.js';
import { BinLearner, type LearnedBin } from './learn.js';
import { parseRouteTable, type RouteTable } from './routes.js';
import type { FlowSample } from '../sflow/sflow.js';
import { RoutingInputError } from './errors.js';

export interface RoutingGroupOptions {
  /** 1..2^32-1, unique per switch (its cookies, cookies.ts) */
  group: number;
  /** the route table's text (routes.ts); its next hops must be among ports.nexthops */
  routes: string;
  /** named in errors (default 'routes') */
  routesSource?: string;
  /** how many prefixes the switch holds at most */
  n: number;
  /** TFO's hysteresis factor and time scales (controller/offload README "TFO") */
  factor?: number;
  timeScales?: readonly number[];
  ports: FastPathPorts;
  driver: RoutingDriver;
  /** where the software path's samples come from: an SflowCollector */
  samples: { drain(): FlowSample[] };
  /** the ifindex sFlow gives the router's vif */
  routerIfIndex: number;
  /** seconds a bin stands for (what TFO's rates mean); default 10, the seed's */
  binSeconds?: number;
  basePriority?: number;
  table?: number;
}

export interface BinReport extends LearnedBin {
  added: number[];
  removed: number[];
  /** route ids on the switch after the bin */
  offloaded: number[];
  /** route ids punted to the router under an offloaded prefix after the bin */
  punts: number[];
}

export class RoutingGroup {
  readonly routes: RouteTable;
  readonly fastPath: FastPath;
  readonly tfo: Tfo;
  private readonly learner: BinLearner;
  private readonly binSeconds: number;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly o: RoutingGroupOptions) {
    // a bad table or bad next hops throw here, before anything reaches the switch
    this.routes = parseRouteTable(o.routes, { source: o.routesSource, nexthops: Object.keys(o.ports.nexthops) });
    this.fastPath = new FastPath(o.driver, this.routes, o.ports, { group: o.group, basePriority: o.basePriority, table: o.table });
    this.tfo = new Tfo({ n: o.n, factor: o.factor, timeScales: o.timeScales });
    if (!Number.isInteger(o.routerIfIndex) || o.routerIfIndex < 1) throw new RoutingInputError(`router ifindex ${o.routerIfIndex} is not a positive integer`);
    this.learner = new BinLearner(this.routes, o.routerIfIndex);
    this.binSeconds = o.binSeconds ?? 10;
  }

  /** Checks everything, then installs the fixed flows: all traffic goes through the software router until the first bin. */
  static async start(o: RoutingGroupOptions): Promise<RoutingGroup> {
    const g = new RoutingGroup(o);
    await g.fastPath.install();
    return g;
  }

  /** The software router's Click config for this table (click.ts). */
  clickConfig(routerMac: string, device = 0): string {
    return routerConfig(this.routes, { routerMac, device, nexthopMacs: Object.fromEntries(Object.entries(this.o.ports.nexthops).map(([k, h]) => [k, h.mac])) });
  }

  /** One bin: learn, TFO, install the change. */
  async tick(): Promise<BinReport> {
    const counters = await this.fastPath.counters();
    const learned = this.learner.bin(counters, this.o.samples.drain(), this.binSeconds);
    const u = this.tfo.update(learned.bin);
    const added = [...u.added];
    const removed = [...u.removed];
    // the switch is brought to TFO's table, not just given this bin's diff: after a change
    // the switch refused part of (FastPath keeps what it holds exact), the next bin
    // finishes it
    const want = new Set(u.installed);
    const held = new Set(this.fastPath.offloaded);
    const drop = [...held].filter((id) => !want.has(id));
    const puntsBefore = this.fastPath.punts;
    try {
      await this.fastPath.apply([...want].filter((id) => !held.has(id)), drop);
    } finally {
      const now = new Set(this.fastPath.offloaded);
      this.learner.forget(drop.filter((id) => !now.has(id)));
    }
    const puntsNow = new Set(this.fastPath.punts);
    this.learner.forget(puntsBefore.filter((id) => !puntsNow.has(id)), 'punts');
    return { ...learned, added, removed, offloaded: this.fastPath.offloaded, punts: this.fastPath.punts };
  }

  /** Ticks every binSeconds until stop(); a tick that fails is reported to `onError` and the next one still runs. */
  run(onBin: (r: BinReport) => void, onError: (e: Error) => void): void {
    const next = () => {
      this.timer = setTimeout(() => {
        this.tick().then(onBin, onError).finally(() => this.timer && next());
      }, this.binSeconds * 1000);
    };
    next();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops and removes every flow of the group. */
  async remove(): Promise<void> {
    this.stop();
    await this.fastPath.remove();
  }
}
