// The live platform as controller/placement sees it: one ToR switch, every registered
// module host a server under it, one I/O node (the uplink) where FromNet traffic enters
// and ToNet traffic leaves. Allocations already running (or being installed) are
// services whose PMs are pinned where they are (`initial` + `pinInitial`): running
// guests are never migrated; only the new allocation's modules are free to move.
//
// Capacities come from the host's latest measured figures (hostd's host_stats, from
// register_host, each heartbeat, or monitord's report_stats: whichever is newest):
//  - memory = what it reports free, plus the memory of our own PMs it lists (they are
//    modelled as pinned demand, so counting them as used too would count them twice);
//  - cores = the CPU count less the measured load that our PMs' declared demand does
//    not already stand for (cpuCapacity below). Without a measurement (no xentop), the
//    CPU count;
//  - the host's link (both directions) = hostLinkMbps less the measured traffic through
//    its PMs that their declared bandwidth does not already stand for (linkCapacity
//    below; monitord's vif counters, measured.ts rate). Without a measurement, hostLinkMbps.
import type { AllocationRequest } from '../../clickos-build/index.js';
import { Platform, Problem, evaluate, place, type ServiceSpec } from '../placement/index.js';
import type { HostRecord } from './hosts.js';
import type { HostStats } from '../../hostd/api.js';

export interface Demand {
  cpu: number;
  memoryMiB: number;
}

export interface ModelOptions {
  hostLinkMbps: number;
  internalMbps: number;
  uplinkMbps: number;
  linkDelay: number;
  internalDelay: number;
  bandwidthMbps: number;
  /** Cores from measured load (cpuCapacity; the default) or the CPU count only. */
  measuredCpu?: boolean;
  /** Each host's measured PM through-rates (guest name → Mb/s; Measurements.hostRates), for linkCapacity. */
  rates?: (host: string) => ReadonlyMap<string, number> | undefined;
  /** Our PMs' declared bandwidth (guest name → Mb/s; declaredMbps). */
  declaredMbps?: ReadonlyMap<string, number>;
}

export interface LiveModel {
  pf: Platform;
  uplink: number;
  /** Server index → host id. */
  hostOf: string[];
  serverOf: Map<string, number>;
}

/** The PMs resourced made: guest name → the cores its type declares (pinned demand in the model). */
export type OurPms = ReadonlyMap<string, number>;

/**
 * Cores placement may still hand out on a host, the rule measured load enters by:
 *
 *   busy     = cpuPercent × nrCpus / 100        (xentop: every domain, dom0 included)
 *   standsIn = Σ over our PMs on the host of min(measured, declared)
 *   cores    = max(0, nrCpus − max(0, busy − standsIn))
 *
 * Placement adds our PMs' declared demand back as pinned load, so the part of the
 * measurement that demand stands for is taken out once: up to its declared cores, a PM's
 * own use is covered by its reservation; what it uses beyond that, dom0's work
 * (netback, the switch) and foreign guests reduce what is left. A PM using less than it
 * declared frees nothing (its reservation stands). A host without a measurement
 * (cpuPercent nil: no xentop) keeps its CPU count.
 */
export function cpuCapacity(stats: HostStats, ours: OurPms): { cores: number; busy: number | null; standsIn: number } {
  if (stats.cpuPercent == null) return { cores: stats.nrCpus, busy: null, standsIn: 0 };
  const busy = (stats.cpuPercent * stats.nrCpus) / 100;
  let standsIn = 0;
  for (const d of stats.domains) {
    const declared = ours.get(d.name);
    // xentop's per-domain CPU% is of one CPU; a PM without its own figure is taken at its declared demand.
    if (declared !== undefined) standsIn += Math.min(d.cpuPercent == null ? declared : d.cpuPercent / 100, declared);
  }
  const cores = Math.max(0, stats.nrCpus - Math.max(0, busy - standsIn));
  return { cores: Math.round(cores * 100) / 100, busy: Math.round(busy * 100) / 100, standsIn: Math.round(standsIn * 100) / 100 };
}

/**
 * Cores and memory placement may use on a host. `ours`: the PMs resourced made (anywhere).
 * `measuredCpu` false (config placement.measuredCpu): the CPU count, declared demand only.
 */
export function hostCapacity(h: HostRecord, ours: OurPms, measuredCpu = true): { cores: number; memoryMb: number } {
  let memoryMb = h.stats.freeMemoryMiB;
  for (const d of h.stats.domains) if (ours.has(d.name)) memoryMb += d.memoryMiB;
  return { cores: measuredCpu ? cpuCapacity(h.stats, ours).cores : h.stats.nrCpus, memoryMb };
}

/**
 * Mb/s placement may still reserve on a host's link, the rule measured traffic enters by
 * (cpuCapacity's twin):
 *
 *   through  = Σ over the host's PMs of their measured through-rate
 *   standsIn = Σ over our PMs on the host of min(measured, declared)
 *   mbps     = max(0, hostLinkMbps − max(0, through − standsIn))
 *
 * A PM's declared bandwidth is the allocation's bandwidthMbps for each connection into
 * it (declaredMbps), and placement adds it back as pinned load on the PM's links; what a
 * PM carries beyond it takes the link from the next module. Traffic between two PMs of one
 * host is counted as if it crossed the link (an upper bound: vif counters cannot tell).
 */
export function linkCapacity(hostLinkMbps: number, rates: ReadonlyMap<string, number> | undefined, declared: ReadonlyMap<string, number>): { mbps: number; through: number | null; standsIn: number } {
  if (!rates) return { mbps: hostLinkMbps, through: null, standsIn: 0 };
  let through = 0;
  let standsIn = 0;
  for (const [name, mbps] of rates) {
    through += mbps;
    const d = declared.get(name);
    if (d !== undefined) standsIn += Math.min(mbps, d);
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { mbps: r(Math.max(0, hostLinkMbps - Math.max(0, through - standsIn))), through: r(through), standsIn: r(standsIn) };
}

/** Each PM's declared bandwidth: `bandwidthMbps` for every connection into its module (`parsed`: replicas stand as their own modules). */
export function declaredMbps(allocations: ReadonlyArray<{ parsed: AllocationRequest; pms: ReadonlyArray<{ module: string; name: string }> }>, bandwidthMbps: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of allocations) for (const p of a.pms) out.set(p.name, bandwidthMbps * a.parsed.connections.filter((c) => c.to === p.module).length);
  return out;
}

export function buildModel(hosts: readonly HostRecord[], ours: OurPms, o: ModelOptions): LiveModel {
  const pf = new Platform();
  const tor = pf.addTor('tor0');
  const uplink = pf.addIo('uplink', tor, { bandwidth: o.uplinkMbps, delay: o.linkDelay });
  const hostOf: string[] = [];
  const serverOf = new Map<string, number>();
  for (const h of hosts) {
    const cap = hostCapacity(h, ours, o.measuredCpu !== false);
    const link = linkCapacity(o.hostLinkMbps, o.rates?.(h.id), o.declaredMbps ?? new Map());
    pf.addServer(h.id, tor, { cores: cap.cores, memoryMb: cap.memoryMb, internalBandwidth: o.internalMbps, internalDelay: o.internalDelay }, { bandwidth: link.mbps, delay: o.linkDelay });
    serverOf.set(h.id, hostOf.length);
    hostOf.push(h.id);
  }
  return { pf, uplink, hostOf, serverOf };
}

/**
 * An allocation as a placement service: its PMs, FromNet sources and ToNet sinks on the
 * uplink, one DAG link per connection (`bandwidthMbps` each; a direct FromNet → ToNet
 * connection uses no server and is left out). `keep` filters modules (those on hosts
 * that are gone); links touching a dropped module go with it. The header key DELAY
 * bounds every source → sink path. A connection running against one already linked
 * (b → a after a → b: the return direction of a two-way chain, D3.2 §2.2.6, docs/platform.md) would make
 * the service cyclic, which placement refuses (D3.2 §3.2.2): its bandwidth is added to
 * the link it mirrors instead, since both directions cross the same hosts.
 */
export function serviceSpec(name: string, req: AllocationRequest, demand: (type: string) => Demand, uplink: number, bandwidthMbps: number, keep: (module: string) => boolean = () => true): ServiceSpec {
  const modules = req.modules.filter((m) => keep(m.name)).map((m) => ({ name: m.name, cpu: demand(m.type).cpu, memoryMb: demand(m.type).memoryMiB }));
  const present = new Set([...modules.map((m) => m.name), ...req.fromNet.map((f) => f.name), ...req.toNet.map((t) => t.name)]);
  const endpoints = new Set([...req.fromNet.map((f) => f.name), ...req.toNet.map((t) => t.name)]);
  const edges: Array<[string, string, number]> = [];
  for (const c of req.connections) {
    if (!present.has(c.from) || !present.has(c.to)) continue;
    if (endpoints.has(c.from) && endpoints.has(c.to)) continue;
    if (c.from === c.to) continue;
    const mirror = edges.find(([a, b]) => a === c.to && b === c.from);
    if (mirror) mirror[2] += bandwidthMbps;
    else edges.push([c.from, c.to, bandwidthMbps]);
  }
  const delay = Number(req.header.DELAY);
  return {
    name,
    modules,
    sources: req.fromNet.map((f) => ({ name: f.name, io: uplink })),
    sinks: req.toNet.map((t) => ({ name: t.name, io: uplink })),
    edges,
    ...(req.header.DELAY !== undefined && Number.isFinite(delay) && delay >= 0 ? { delayBound: delay } : {}),
  };
}

export interface Existing {
  name: string;
  request: AllocationRequest;
  /** module → host id */
  hosts: ReadonlyMap<string, string>;
}

export type PlanResult = { ok: true; hosts: Map<string, string>; violations: number } | { ok: false; reason: string };

/**
 * Places `req` on the live hosts around the existing allocations (pinned). Refuses —
 * nothing is installed — when there is no host or when no violation-free placement is
 * found within the time limit. `pinned` keeps some of req's own modules where they run
 * (placing again only those whose host was lost).
 */
export function planAllocation(
  model: LiveModel,
  existing: readonly Existing[],
  req: AllocationRequest,
  demand: (type: string) => Demand,
  o: { bandwidthMbps: number; timeLimitMs: number; seed: number },
  pinned: ReadonlyMap<string, string> = new Map(),
): PlanResult {
  if (model.hostOf.length === 0) return { ok: false, reason: 'no module host is registered (hostd registers itself with register_host)' };
  const services: ServiceSpec[] = [];
  const initial: number[] = [];
  for (const e of existing) {
    const spec = serviceSpec(e.name, e.request, demand, model.uplink, o.bandwidthMbps, (m) => model.serverOf.has(e.hosts.get(m) ?? ''));
    services.push(spec);
    for (const m of spec.modules) initial.push(model.serverOf.get(e.hosts.get(m.name)!)!);
  }
  const mine = serviceSpec('new', req, demand, model.uplink, o.bandwidthMbps);
  services.push(mine);
  for (const m of mine.modules) initial.push(model.serverOf.get(pinned.get(m.name) ?? '') ?? -1);
  let r;
  let baseline = 0;
  try {
    // Violations the running PMs already cause (a host whose free memory shrank under
    // them, say) are not the new allocation's fault: it is accepted when it adds none.
    if (existing.length) baseline = evaluate(new Problem(model.pf, services.slice(0, -1)), Int32Array.from(initial.slice(0, initial.length - mine.modules.length))).total;
    r = place(model.pf, services, { initial, pinInitial: true, timeLimitMs: o.timeLimitMs, seed: o.seed });
  } catch (e) {
    // The Problem compiler refuses what placement cannot model (a cycle among modules, for instance).
    return { ok: false, reason: `cannot place: ${(e as Error).message}` };
  }
  if (r.violations.total > baseline) {
    const v = r.violations;
    return {
      ok: false,
      reason: `no placement on ${model.hostOf.length} host(s) satisfies the constraints (best found adds violations to the ${baseline} the running PMs already cause: total cpu ${v.cpu / 100} cores, memory ${v.mem} MiB, bandwidth ${v.bw} Mbit/s, delay ${v.delay})`,
    };
  }
  const row = r.assignment[services.length - 1]!;
  const hosts = new Map<string, string>();
  mine.modules.forEach((m, i) => hosts.set(m.name, model.hostOf[row[i]!]!));
  return { ok: true, hosts, violations: r.violations.total };
}
