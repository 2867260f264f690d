// A routed module in an allocation (README "Routed modules"; issue 19 part 3): a request's
// `r :: IPRouter(ROUTES "…", N n, MACS "…")` (clickos-build/routed.ts) is the platform's
// routing primitive, controller/routing: placed like any module with one vif (a router on
// a stick), its PM created with routing/click.ts's config for that vif's MAC instead of a
// deployed type's source, and, in place of the allocation's own flows, the routing
// group's (group id = allocation id, cookies 0xB2…, routing/cookies.ts). With config
// routing.learn each runs the routing loop (routing/loop.ts): every bin the offloaded
// prefixes' exact counts from the switch's flow counters (through the steering: openflowd's
// dump_flows when it runs apart), the software path's from sFlow samples of the router's
// output (the export shared with balanced learning, sampling.ts), Tfo.update, the diff
// installed make-before-break, churn bounded by TFO's hysteresis.
import type { AllocationRequest, ProcessingModule, Routed } from '../../clickos-build/index.js';
import type { FlowEntry } from '../openflow/model.js';
import { FlowPlanError } from '../openflowd/flows.js';
import { parseMatchText, MatchSyntaxError } from '../openflowd/ofctl-syntax.js';
import { resolveModulePorts, type Steering } from '../openflowd/steering.js';
import { prefixText } from '../balancer/prefix.js';
import { isRoutingCookie, readRoutingCookie, routingCookie } from '../routing/cookies.js';
import { routerConfig } from '../routing/click.js';
import { RouteTableError, RoutingInputError } from '../routing/errors.js';
import { RoutingGroup, type BinReport } from '../routing/loop.js';
import type { RoutingDriver } from '../routing/fastpath.js';
import { parseRouteTable, type RouteTable } from '../routing/routes.js';
import { steeredModules, type AllocationRecord } from './allocations.js';
import type { ResourcedConfig } from './config.js';
import type { PmType } from './pm-types.js';
import type { SharedSampling } from './sampling.js';

export type RoutedModule = ProcessingModule & { routed: Routed };

/** The request's routed module, if it asks for one. */
export const routedModule = (req: AllocationRequest): RoutedModule | undefined => req.modules.find((m): m is RoutedModule => m.routed !== undefined);

/** The module's route table; a bad one as `{line, col, reason}` at the route's place in the request (its first bad route). */
export function routeTable(m: RoutedModule): RouteTable | { line: number; col: number; reason: string } {
  try {
    return parseRouteTable(m.routed.routes, { source: m.name, nexthops: Object.keys(m.routed.macs) });
  } catch (e) {
    if (!(e instanceof RouteTableError)) throw e;
    const first = e.errors[0]!;
    const pos = m.routed.positions[first.line - 1] ?? m.routed.pos;
    const more = e.errors.length > 1 ? ` (and ${e.errors.length - 1} more bad route(s))` : '';
    return { line: pos.line, col: pos.col, reason: `IPRouter '${m.name}': ${first.message}${more}` };
  }
}

/** The PM type a routed module is created as: not deployed (its config is generated), sized as config pm's defaults. */
export const routerPmType = (pm: ResourcedConfig['pm'], name: string): PmType => ({ name, src: '', cpu: pm.cpu, memoryMiB: pm.memoryMiB, description: 'the platform\'s IP router (controller/routing)', deployedAt: '' });

/** The router PM's Click config for its vif's MAC (routing/click.ts). */
export function routerPmConfig(m: RoutedModule, vifMac: string): string {
  const table = routeTable(m);
  if (!('routes' in table)) throw new RoutingInputError(table.reason);
  return routerConfig(table, { routerMac: vifMac, nexthopMacs: m.routed.macs });
}

/** The steering as a routing group's switch: flow counters from its dump (openflowd's dump_flows when apart). */
export function steeringDriver(s: Steering): RoutingDriver {
  return {
    addFlows: (cookie, flows) => s.addFlows(cookie, flows),
    deleteFlows: (cookie) => s.deleteFlows(cookie),
    ports: () => s.ports(),
    dumpFlows: async () =>
      (await s.flowPlaces())
        .filter((f) => isRoutingCookie(f.cookie))
        .map((f): FlowEntry => ({ cookie: f.cookie, table: f.table, priority: f.priority, match: parseMatchText(f.match, () => undefined), actions: [], packets: f.packets ?? 0n, bytes: 0n })),
  };
}

interface Running {
  group: RoutingGroup;
  bins: number;
  last?: BinReport & { time: string };
  error?: string;
}

export interface RoutedHooks {
  steering: Steering;
  /** set when config routing.learn: the loop's samples */
  sampling?: SharedSampling;
  config: ResourcedConfig;
  log: (m: string) => void;
}

/** get_pm_info's view of a routed module. */
export type RoutedInfo = {
  module: string;
  n: number;
  routes: number;
  learning: boolean;
  offloaded: string[];
  punts: string[];
  bins: number;
  last?: { time: string; packets: number; softwareShare: number; exact: number; sampled: number; added: number; removed: number };
  error?: string;
};

export class RoutedModules {
  private readonly running = new Map<number, Running>();
  /** One change at a time per allocation: a restart's resume and reconciliation's restore_flows may ask together. */
  private readonly chains = new Map<number, Promise<unknown>>();

  constructor(private readonly h: RoutedHooks) {}

  private user = (id: number) => `routed:${id}`;

  /**
   * The create_connections step (and restore_flows, a failover, a restart) of a routed
   * allocation: whatever the group left on the switch goes, then its fixed flows (all
   * traffic through the software router) and, with learning, the loop. Answers the flows.
   */
  start(a: AllocationRecord): Promise<number> {
    return this.serial(a.id, () => this.startNow(a));
  }

  private serial<T>(id: number, fn: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(id) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => {});
    this.chains.set(id, tail);
    void tail.then(() => this.chains.get(id) === tail && this.chains.delete(id));
    return run;
  }

  private async startNow(a: AllocationRecord): Promise<number> {
    await this.stop(a.id);
    const m = routedModule(a.parsed)!;
    const s = this.h.steering;
    const ports = await s.ports();
    const byName = new Map(ports.map((p) => [p.name, p.port]));
    const c = a.parsed.connections.find((x) => x.to === m.name)!;
    const from = a.parsed.fromNet.find((f) => f.name === c.from)!;
    let ingress: number | undefined;
    try {
      ingress = parseMatchText(from.value, (n) => {
        const x = byName.get(n);
        return typeof x === 'number' ? x : undefined;
      }).inPort;
    } catch (e) {
      if (e instanceof MatchSyntaxError) throw new FlowPlanError(`FromNet '${from.name}': ${e.message}`);
      throw e;
    }
    if (ingress === undefined) throw new FlowPlanError(`FromNet '${from.name}' feeds IPRouter '${m.name}': its match names the port traffic enters at (in_port=...)`);
    const vifs = resolveModulePorts(steeredModules(a).filter((x) => x.module === m.name), ports, this.h.config.switch?.uplinks ?? {})[m.name];
    const router = vifs?.[0];
    if (typeof router !== 'number') throw new FlowPlanError(`IPRouter '${m.name}' is behind a host uplink: routed modules take a vif on this switch only`);
    const nexthops = Object.fromEntries(
      a.parsed.connections.filter((x) => x.from === m.name).map((x) => [x.to, { port: a.parsed.toNet.find((t) => t.name === x.to)!.value, mac: m.routed.macs[x.to]! }]),
    );
    await this.sweep(a.id);
    const learn = this.h.config.routing.learn && this.h.sampling;
    let routerIfIndex = 1;
    if (learn) {
      const state = await this.h.sampling!.acquire(this.user(a.id));
      const row = state.ports.find((p) => p.port === router);
      if (!row) {
        await this.h.sampling!.release(this.user(a.id));
        throw new FlowPlanError(`the switch's sFlow export does not list the router's vif (port ${router})`);
      }
      routerIfIndex = row.ifindex;
    }
    let group: RoutingGroup;
    try {
      group = await RoutingGroup.start({
        group: a.id,
        routes: m.routed.routes,
        routesSource: m.name,
        n: m.routed.n,
        factor: this.h.config.routing.factor,
        ports: { ingress, router, nexthops },
        driver: steeringDriver(s),
        samples: { drain: () => this.h.sampling?.drain(this.user(a.id)) ?? [] },
        routerIfIndex,
        binSeconds: this.h.config.routing.binSeconds,
      });
    } catch (e) {
      if (learn) await this.h.sampling!.release(this.user(a.id));
      await this.sweep(a.id).catch(() => {});
      if (e instanceof RoutingInputError || e instanceof RouteTableError) throw new FlowPlanError(e.message);
      throw e;
    }
    const r: Running = { group, bins: 0 };
    this.running.set(a.id, r);
    if (learn) {
      group.run(
        (b) => {
          r.bins++;
          r.last = { ...b, time: new Date().toISOString() };
          delete r.error;
          if (b.added.length || b.removed.length) this.h.log(`allocation ${a.id}: routing bin ${b.bin.index}: ${b.added.length} prefix(es) offloaded, ${b.removed.length} back to software; ${b.offloaded.length} on the switch`);
        },
        (e) => {
          if (r.error !== e.message) this.h.log(`allocation ${a.id}: routing bin failed (the next one still runs): ${e.message}`);
          r.error = e.message;
        },
      );
    }
    this.h.log(`allocation ${a.id}: routing group of ${group.routes.size} route(s), n ${m.routed.n}, ${learn ? `a bin every ${this.h.config.routing.binSeconds} s` : 'no learning (config routing.learn): all in software'}`);
    return 1 + Object.keys(nexthops).length;
  }

  /** Stops the loop (a tick in flight finishes) and lets go of sampling; flows stay. */
  private async stop(id: number): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    r.group.stop();
    this.running.delete(id);
    await this.h.sampling?.release(this.user(id));
  }

  /** Every flow of group `id` on the switch, by cookie: what a running group holds and whatever an earlier run left. */
  private async sweep(id: number): Promise<void> {
    const cookies = new Set((await this.h.steering.flowPlaces()).map((f) => f.cookie).filter((c) => readRoutingCookie(c, id)));
    cookies.delete(routingCookie(id, 'base'));
    for (const c of cookies) await this.h.steering.deleteFlows(c);
    await this.h.steering.deleteFlows(routingCookie(id, 'base'));
  }

  /** delete_allocation: the loop, every flow of the group, sampling if it was the last user. */
  remove(id: number): Promise<void> {
    return this.serial(id, async () => {
      const r = this.running.get(id);
      await this.stop(id);
      if (r) await r.group.remove();
      await this.sweep(id);
    });
  }

  /** On start: the loops of the routed allocations on record (their flows are put back from all-software). */
  async resume(records: AllocationRecord[]): Promise<void> {
    for (const a of records) {
      if (a.state !== 'installed' || !routedModule(a.parsed) || this.running.has(a.id)) continue;
      await this.start(a).catch((e: Error) => this.h.log(`allocation ${a.id}: routing group not resumed: ${e.message}`));
    }
  }

  info(a: AllocationRecord): RoutedInfo | undefined {
    const m = routedModule(a.parsed);
    if (!m) return undefined;
    const r = this.running.get(a.id);
    const table = r?.group.routes;
    const names = (ids: number[]) => (table ? ids.map((i) => prefixText(table.routes[i]!.prefix)) : []);
    const l = r?.last;
    const packets = l ? l.exact + l.sampled : 0;
    return {
      module: m.name,
      n: m.routed.n,
      routes: m.routed.positions.length,
      learning: !!(this.h.config.routing.learn && this.h.sampling),
      offloaded: names(r?.group.fastPath.offloaded ?? []),
      punts: names(r?.group.fastPath.punts ?? []),
      bins: r?.bins ?? 0,
      ...(l ? { last: { time: l.time, packets, softwareShare: packets ? l.sampled / packets : 0, exact: l.exact, sampled: l.sampled, added: l.added.length, removed: l.removed.length } } : {}),
      ...(r?.error ? { error: r.error } : {}),
    };
  }

  /** Stops every loop and lets go of sampling (resourced stopping); the flows stay for the next start. */
  async close(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.stop(id);
  }
}
