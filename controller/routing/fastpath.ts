// The switch side of a routing group (README.md "On the switch"), through any openflowd
// driver:
//   base:     ip,in_port=INGRESS                      → output:ROUTER           (priority base)
//             in_port=ROUTER,dl_dst=NEXTHOP_MAC        → output:NEXTHOP_PORT     (base, one per next hop)
//   prefixes: ip,in_port=INGRESS,nw_dst=P             → set eth_dst, output:NEXTHOP_PORT
//                                                                (base + 2 + 2·P's length)
//   punts:    ip,in_port=INGRESS,nw_dst=Q             → output:ROUTER   (base + 1 + 2·Q's length)
// Priority grows with prefix length, so the switch, like the router, takes the longest
// match among what it holds; a prefix it does not hold falls to the default flow and the
// router. But an offloaded prefix P would also catch the packets of a longer route Q
// inside it that stays in software, and send them to P's next hop: so every such Q gets a
// punt, a flow one priority below where Q's own would be that sends Q to the router
// (the "cover set" of FIB caching; README.md "On the switch"). Punts are extra rules
// beyond n, as many as the routes nested under the offloaded prefixes that are not
// themselves offloaded.
// The fixed flows go in under the group's base cookie; each prefix and each punt under a
// cookie of its own (cookies.ts), so one is added or removed alone and its counter read by
// cookie. A change is make-before-break as in controller/balancer/switch.ts, in an order
// where every packet meets a flow that routes it right at every step: new punts, new
// prefixes, removed prefixes (their packets fall to a punt, a covering prefix or the
// router), stale punts (nothing offloaded covers them any more).
import type { Flow } from '../openflow/model.js';
import { ETH_TYPE_IPV4 } from '../openflow/constants.js';
import type { SwitchDriver } from '../openflowd/driver.js';
import { toIpv4Prefix } from '../balancer/prefix.js';
import { readRoutingCookie, routingCookie } from './cookies.js';
import { RoutingInputError } from './errors.js';
import { checkNextHops, type NextHops } from './nexthops.js';
import type { RouteTable } from './routes.js';

/** What a routing group needs of a switch: any openflowd driver. */
export type RoutingDriver = Pick<SwitchDriver, 'addFlows' | 'deleteFlows' | 'dumpFlows' | 'ports'>;

export interface FastPathPorts {
  /** where the traffic to route enters */
  ingress: number | string;
  /** the software router's vif (router on a stick: in and out on one port) */
  router: number | string;
  nexthops: NextHops;
}

export interface FastPathOptions {
  /** 1..2^32-1, unique per switch */
  group: number;
  /** the lowest priority the group uses (default 2000); it takes base..base+66 */
  basePriority?: number;
  table?: number;
}

/** Per-flow packet counters of one group, as the switch has them now. */
export interface FastPathCounters {
  /** the default flow: packets sent to the software router */
  toRouter: bigint;
  /** the punts by route id: packets sent to the router under an offloaded prefix */
  punts: Map<number, bigint>;
  /** the router's outputs, all next hops */
  fromRouter: bigint;
  /** offloaded prefixes by route id */
  prefixes: Map<number, bigint>;
}

export class FastPath {
  readonly group: number;
  readonly base: number;
  private readonly tableId: number;
  private readonly hops: ReturnType<typeof checkNextHops>;
  private resolved: { ingress: number; router: number; nexthops: Map<string, { port: number; mac: string }> } | undefined;
  private readonly held = new Set<number>();
  private readonly punted = new Set<number>();
  /** route ids ordered by (base, length): the routes inside a prefix are one contiguous run */
  private readonly order: number[];

  constructor(private readonly driver: RoutingDriver, readonly routes: RouteTable, private readonly ports: FastPathPorts, o: FastPathOptions) {
    this.group = o.group;
    this.base = o.basePriority ?? 2000;
    this.tableId = o.table ?? 0;
    routingCookie(o.group, 'base'); // checks the id
    if (!Number.isInteger(this.base) || this.base < 1 || this.base + 66 > 0xffff) throw new RoutingInputError(`base priority ${this.base} leaves no room for 67 priorities below 65536`);
    this.hops = checkNextHops(ports.nexthops);
    const missing = routes.nexthops().filter((h) => !this.hops[h]);
    if (missing.length) throw new RoutingInputError(`the route table names next hop${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which the ports do not give`);
    const rs = routes.routes;
    this.order = rs.map((_, i) => i).sort((a, b) => rs[a]!.prefix.base - rs[b]!.prefix.base || rs[a]!.prefix.len - rs[b]!.prefix.len);
  }

  /** Routes strictly inside route `id` (longer, within its range). */
  private inside(id: number): number[] {
    const rs = this.routes.routes;
    const p = rs[id]!.prefix;
    const end = p.base + 2 ** (32 - p.len);
    // binary search for the first route with base ≥ p.base, then walk the run
    let lo = 0, hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rs[this.order[mid]!]!.prefix.base < p.base) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < this.order.length; i++) {
      const q = rs[this.order[i]!]!.prefix;
      if (q.base >= end) break;
      if (q.len > p.len) out.push(this.order[i]!);
    }
    return out;
  }

  /** The punts a set of offloaded prefixes needs: the routes under them that it does not hold. */
  puntsFor(held: ReadonlySet<number>): Set<number> {
    const out = new Set<number>();
    for (const id of held) for (const q of this.inside(id)) if (!held.has(q)) out.add(q);
    return out;
  }

  /** Route ids punted to the router now. */
  get punts(): number[] {
    return [...this.punted].sort((a, b) => a - b);
  }

  /** Route ids the switch holds now. */
  get offloaded(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  cookie(route?: number, kind: 'prefix' | 'punt' = 'prefix'): bigint {
    return route === undefined ? routingCookie(this.group, 'base') : routingCookie(this.group, kind, route);
  }

  /** Port names resolved against the switch once; a name it lacks is refused before anything is installed. */
  private async resolve(): Promise<NonNullable<FastPath['resolved']>> {
    if (this.resolved) return this.resolved;
    const names = Object.values(this.ports).some((p) => typeof p === 'string') || Object.values(this.hops).some((h) => typeof h.port === 'string') ? await this.driver.ports() : [];
    const port = (p: number | string, what: string): number => {
      if (typeof p === 'number') return p;
      const d = names.find((x) => x.name === p);
      if (!d || d.port === 'LOCAL') throw new RoutingInputError(`${what} '${p}' is not a port of the switch`);
      return d.port;
    };
    const r = {
      ingress: port(this.ports.ingress, 'ingress port'),
      router: port(this.ports.router, 'router port'),
      nexthops: new Map(Object.entries(this.hops).map(([n, h]) => [n, { port: port(h.port, `next hop ${n}'s port`), mac: h.mac }])),
    };
    if (r.ingress === r.router) throw new RoutingInputError(`the ingress and the router share port ${r.ingress}`);
    this.resolved = r;
    return r;
  }

  /** The fixed flows: default to the router, and the router's outputs by next-hop MAC. */
  async baseFlows(): Promise<Flow[]> {
    const r = await this.resolve();
    const t = this.tableId;
    return [
      { table: t, priority: this.base, match: { inPort: r.ingress, ethType: ETH_TYPE_IPV4 }, actions: [{ type: 'output', port: r.router }] },
      ...[...r.nexthops.values()].map((h): Flow => ({ table: t, priority: this.base, match: { inPort: r.router, ethDst: h.mac }, actions: [{ type: 'output', port: h.port }] })),
    ];
  }

  private route(id: number) {
    const route = this.routes.routes[id];
    if (!route) throw new RoutingInputError(`route id ${id} is not in the table (0..${this.routes.size - 1})`);
    return route;
  }

  /** The flow that offloads route `id`. */
  async prefixFlow(id: number): Promise<Flow> {
    const r = await this.resolve();
    const route = this.route(id);
    const h = r.nexthops.get(route.nexthop)!;
    return {
      table: this.tableId,
      priority: this.base + 2 + 2 * route.prefix.len,
      match: { inPort: r.ingress, ethType: ETH_TYPE_IPV4, ipv4Dst: toIpv4Prefix(route.prefix) },
      actions: [{ type: 'set_eth_dst', mac: h.mac }, { type: 'output', port: h.port }],
    };
  }

  /** The flow that keeps route `id` in software under an offloaded prefix that covers it. */
  async puntFlow(id: number): Promise<Flow> {
    const r = await this.resolve();
    const route = this.route(id);
    return {
      table: this.tableId,
      priority: this.base + 1 + 2 * route.prefix.len,
      match: { inPort: r.ingress, ethType: ETH_TYPE_IPV4, ipv4Dst: toIpv4Prefix(route.prefix) },
      actions: [{ type: 'output', port: r.router }],
    };
  }

  /** Installs the fixed flows: from here every routed packet goes through the software router. */
  async install(): Promise<void> {
    await this.driver.addFlows(this.cookie(), await this.baseFlows());
  }

  /** Offloads `added` and hands `removed` back to the router: additions first (make-before-break). */
  async apply(added: Iterable<number>, removed: Iterable<number>): Promise<void> {
    // most specific first: a covering prefix never goes in before a longer offloaded route
    // inside it, or that route's packets would meet the cover's next hop meanwhile (no punt
    // covers a route that is itself being offloaded; resourced-routed.test.ts saw it)
    const add = [...added].filter((id) => !this.held.has(id));
    add.forEach((id) => this.route(id));
    add.sort((a, b) => this.route(b).prefix.len - this.route(a).prefix.len);
    // covers first: a route inside a cover that also goes would meet the cover's next hop meanwhile
    const remove = [...removed].filter((id) => this.held.has(id)).sort((a, b) => this.route(a).prefix.len - this.route(b).prefix.len);
    const next = new Set(this.held);
    for (const id of add) next.add(id);
    for (const id of remove) next.delete(id);
    const punts = this.puntsFor(next);
    for (const id of punts) {
      if (this.punted.has(id)) continue;
      await this.driver.addFlows(this.cookie(id, 'punt'), [await this.puntFlow(id)]);
      this.punted.add(id);
    }
    for (const id of add) {
      await this.driver.addFlows(this.cookie(id), [await this.prefixFlow(id)]);
      this.held.add(id);
    }
    for (const id of remove) {
      await this.driver.deleteFlows(this.cookie(id));
      this.held.delete(id);
    }
    for (const id of [...this.punted]) {
      if (punts.has(id)) continue;
      await this.driver.deleteFlows(this.cookie(id, 'punt'));
      this.punted.delete(id);
    }
  }

  /** The group's counters, read from one dump of the switch. */
  async counters(): Promise<FastPathCounters> {
    const out: FastPathCounters = { toRouter: 0n, punts: new Map(), fromRouter: 0n, prefixes: new Map() };
    const r = await this.resolve();
    for (const f of await this.driver.dumpFlows()) {
      const c = readRoutingCookie(f.cookie, this.group);
      if (!c) continue;
      if (c.kind === 'prefix') out.prefixes.set(c.route, (out.prefixes.get(c.route) ?? 0n) + f.packets);
      else if (c.kind === 'punt') out.punts.set(c.route, (out.punts.get(c.route) ?? 0n) + f.packets);
      else if (f.match.inPort === r.router) out.fromRouter += f.packets;
      else out.toRouter += f.packets;
    }
    return out;
  }

  /** Removes every flow of the group. */
  async remove(): Promise<void> {
    for (const id of this.held) await this.driver.deleteFlows(this.cookie(id));
    this.held.clear();
    for (const id of this.punted) await this.driver.deleteFlows(this.cookie(id, 'punt'));
    this.punted.clear();
    await this.driver.deleteFlows(this.cookie());
  }
}
