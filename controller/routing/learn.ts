// Per-prefix traffic of one bin (README.md "Learning"), from two real sources that never
// count a packet twice:
// - an offloaded prefix's packets are counted exactly by its own flow on the switch
//   (fastpath.ts gives each a cookie): the counter's growth since the last bin;
// - the software path's are estimated from sFlow samples taken where the router's output
//   enters the switch (its vif's ingress): each sample of a routed packet stands for
//   `rate` packets of the route its destination matches (longest prefix).
// The sum is a controller/offload Bin whose prefix ids are route ids, what TFO is fed.
import { makeBin, type Bin } from '../offload/bin.js';
import type { FastPathCounters } from './fastpath.js';
import type { RouteTable } from './routes.js';
import type { FlowSample } from '../sflow/sflow.js';

export interface LearnedBin {
  bin: Bin;
  /** packets counted by offloaded prefixes' flows */
  exact: number;
  /** packets estimated from samples of the router's output */
  sampled: number;
  /** samples of the router's output that were used */
  samples: number;
  /** samples skipped: another port's, not IPv4, or no route */
  skipped: number;
  /** growth of the default flow and the punts: packets the switch sent to the router */
  toRouter: number;
}

export class BinLearner {
  private readonly last = { prefixes: new Map<number, bigint>(), punts: new Map<number, bigint>() };
  private lastToRouter: bigint | undefined;
  private index = 0;

  /** `routerIfIndex`: the ifindex sFlow reports for the router's vif (ovs-vsctl get Interface VIF ifindex). */
  constructor(private readonly routes: RouteTable, private readonly routerIfIndex: number) {}

  /** Folds a bin's counters and samples into a Bin of `seconds`. */
  bin(counters: FastPathCounters, samples: readonly FlowSample[], seconds: number): LearnedBin {
    const counts = new Map<number, number>();
    const add = (id: number, v: number) => counts.set(id, (counts.get(id) ?? 0) + v);
    let exact = 0;
    for (const [id, d] of this.deltas('prefixes', counters.prefixes)) {
      if (d > 0) add(id, d);
      exact += d;
    }
    let punted = 0;
    for (const [, d] of this.deltas('punts', counters.punts)) punted += d;
    let sampled = 0, used = 0, skipped = 0;
    for (const s of samples) {
      const id = s.input === this.routerIfIndex && s.dst !== undefined ? this.routes.lookup(s.dst) : undefined;
      if (id === undefined) {
        skipped++;
        continue;
      }
      add(id, s.rate);
      sampled += s.rate;
      used++;
    }
    const toRouter = this.lastToRouter === undefined || counters.toRouter < this.lastToRouter ? counters.toRouter : counters.toRouter - this.lastToRouter;
    this.lastToRouter = counters.toRouter;
    return { bin: makeBin(this.index++, seconds, counts), exact, sampled, samples: used, skipped, toRouter: Number(toRouter) + punted };
  }

  /** Each flow's growth since the last bin; a flow not seen last time (new, or removed and added again) counts from zero. */
  private deltas(kind: 'prefixes' | 'punts', now: Map<number, bigint>): Array<[number, number]> {
    const last = this.last[kind];
    const out: Array<[number, number]> = [];
    for (const [id, v] of now) {
      const prev = last.get(id) ?? 0n;
      out.push([id, Number(v >= prev ? v - prev : v)]);
      last.set(id, v);
    }
    for (const id of [...last.keys()]) if (!now.has(id)) last.delete(id);
    return out;
  }

  /** Flows taken off the switch: a later flow for the same route starts from zero. */
  forget(ids: Iterable<number>, kind: 'prefixes' | 'punts' = 'prefixes'): void {
    for (const id of ids) this.last[kind].delete(id);
  }
}
