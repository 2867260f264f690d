// The platform as the page shows it: one snapshot, rebuilt every config.pollMs from
// resourced (list_hosts, get_pm_info), each host's hostd (list_pms: routers with their
// status and config name) and monitord (get_stats: host load, switch counters per
// allocation cookie and per flow), and streamed to every open page (server.ts, SSE).
// A source that fails is reported in the snapshot with its error; the others still show.
// Balanced groups come with their allocation (get_pm_info's `balanced`: the prefix
// assignment and each replica's measured load, controller/resourced/README.md "Replicas").
// Routing offload is run by no daemon (controller/routing/ is a library): the snapshot says so.
import { callApi, type ResultOf } from '../../daemon/index.js';
import type { HostdApi, HostStats } from '../../hostd/api.js';
import type { StatsSnapshot } from '../monitord/api.js';
import { parseAllocation } from '../../clickos-build/index.js';
import { resourcedApi, type ResourcedApi } from '../resourced/api.js';
import type { PlatformLinks } from './links.js';
import { linkAnchors, linkCounters, type FlowCount, type PortNames } from './link-counters.js';
import { parseMatchText } from '../openflowd/ofctl-syntax.js';
import { matchText } from '../openflow/model.js';

type HostRow = ResultOf<ResourcedApi['methods']['list_hosts']>[number];
type AllocationRow = ResultOf<ResourcedApi['methods']['get_pm_info']>['allocations'][number];
type PmRow = ResultOf<HostdApi['methods']['list_pms']>[number];

export interface HostView extends HostRow {
  /** ok: heartbeating; late: more than 3 poll periods since the last heartbeat. */
  health: 'ok' | 'late';
  /** hostd's host_stats as monitord last polled it, when monitord polls this host. */
  stats?: HostStats;
  guests: PmRow[];
  guestsError?: string;
}

export interface LinkView {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  /** Its flow's switch counters (link-counters.ts), or null when no flow can be told to be its own. */
  counters: { packets: number; bytes: number } | null;
}

export interface AllocationView extends AllocationRow {
  /** The request's graph: FromNet, modules (with their host), ToNet, and each connection. */
  graph: { nodes: Array<{ name: string; kind: 'in' | 'module' | 'out'; type?: string; host?: string }>; links: LinkView[] } | null;
  /** The switch's flows of this allocation (cookie = id): one per connection, with counters; a balanced group's rules too (its own cookie). */
  flows: Array<{ match: string; actions: string; packets: number; bytes: number }>;
  packets: number;
  bytes: number;
}

export interface PlatformView {
  time: string;
  errors: Record<string, string>;
  hosts: HostView[];
  allocations: AllocationView[];
  types: string[];
  switch: { ok: boolean; error?: string; monitored: boolean };
  /** Routing offload (controller/routing/): no daemon runs it, so nothing to show. */
  offload: null;
  note: string;
}

const NOTE = 'Routed modules (IPRouter) run in resourced, but this page does not show their offloaded prefixes yet: see get_pm_info\'s routed, or clickos allocations. Balanced groups are shown with their allocation.';

export async function buildView(links: PlatformLinks, pollMs: number): Promise<PlatformView> {
  const errors: Record<string, string> = {};
  const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  const [hostsRv, infoRv, statsRv] = await Promise.all([
    callApi(links.resourced, resourcedApi, 'list_hosts').catch((e: unknown) => ({ code: 1, message: why(e), value: null }) as const),
    callApi(links.resourced, resourcedApi, 'get_pm_info').catch((e: unknown) => ({ code: 1, message: why(e), value: null }) as const),
    (links.getStats() ?? Promise.resolve(undefined)).catch((e: unknown) => ({ code: 1, message: why(e), value: null }) as const),
  ]);
  const hostRows = hostsRv.code === 0 ? hostsRv.value : ((errors.list_hosts = hostsRv.message), []);
  const info = infoRv.code === 0 ? infoRv.value : ((errors.get_pm_info = infoRv.message), { types: [], allocations: [] });
  let stats: StatsSnapshot | undefined;
  if (statsRv && statsRv.code === 0) stats = statsRv.value;
  else if (statsRv) errors.get_stats = statsRv.message;

  const hosts = await Promise.all(
    hostRows.map(async (h): Promise<HostView> => {
      const sample = stats?.hosts.find((s) => s.url === h.url || s.name === h.host_id);
      const base: HostView = { ...h, health: h.last_seen_ms_ago > 3 * Math.max(pollMs, 1000) ? 'late' : 'ok', guests: [], ...(sample?.stats ? { stats: sample.stats } : {}) };
      try {
        const rv = await links.hostdCall(h.host_id, h.url, 'list_pms', null);
        if (rv.code === 0) base.guests = rv.value;
        else base.guestsError = rv.message;
      } catch (e) {
        base.guestsError = why(e);
      }
      return base;
    }),
  );

  const portNames: PortNames = new Map((stats?.switch.names ?? []).flatMap((p) => (typeof p.port === 'number' ? [[p.name, p.port] as const] : [])));
  const allocations = info.allocations.map((a): AllocationView => {
    const cookie = `0x${a.id.toString(16)}`;
    // a balanced group's rules are under the group's cookie (controller/balancer/cookies.ts), not the allocation's
    const cookies = [cookie, ...(a.balanced?.cookie ? [a.balanced.cookie] : [])];
    const all = (stats?.switch.flows ?? []).filter((f) => cookies.includes(f.cookie));
    const flows = all.map((f) => ({ match: f.match, actions: f.actions, packets: f.packets, bytes: f.bytes }));
    const sums = stats?.switch.allocations.filter((x) => cookies.includes(x.cookie)) ?? [];
    // edges: only the allocation's own flows, one per connection (a group's prefix rules are several per link: its edges say "?")
    const own = all.filter((f) => f.cookie === cookie).map((f) => ({ match: f.match, actions: f.actions, packets: f.packets, bytes: f.bytes }));
    return { ...a, graph: graphOf(a, own, portNames), flows, packets: sums.reduce((n, x) => n + x.packets, 0), bytes: sums.reduce((n, x) => n + x.bytes, 0) };
  });
  return {
    time: new Date().toISOString(),
    errors,
    hosts,
    allocations,
    types: info.types.map((t) => t.name),
    switch: stats ? { ok: stats.switch.ok, ...(stats.switch.error ? { error: stats.switch.error } : {}), monitored: true } : { ok: false, monitored: false },
    offload: null,
    note: NOTE,
  };
}

/**
 * The allocation's graph from its request (the parser resourced itself uses), modules
 * placed as resourced planned, each link with its own flow's counters when they can be told.
 */
function graphOf(a: AllocationRow, flows: FlowCount[], ports: PortNames): AllocationView['graph'] {
  let r;
  try {
    r = parseAllocation(a.request, 'allocation');
  } catch {
    return null;
  }
  const nodes = [
    ...r.fromNet.map((f) => ({ name: f.name, kind: 'in' as const })),
    ...r.modules.map((m) => ({ name: m.name, kind: 'module' as const, type: m.type, host: a.pms.find((p) => p.module === m.name)?.host ?? a.planned[m.name] ?? replicaHosts(a, m.name) })),
    ...r.toNet.map((t) => ({ name: t.name, kind: 'out' as const })),
  ];
  const links = r.connections.map((c) => ({ from: c.from, fromPort: c.fromPort, to: c.to, toPort: c.toPort }));
  const modules = r.modules.map((m) => ({ name: m.name, domid: a.pms.find((p) => p.module === m.name)?.domid ?? null, ports: Math.max(m.inputs, m.outputs) }));
  const all = linkAnchors({ fromNet: r.fromNet, toNet: r.toNet, modules }, ports, parseMatch);
  let counters = linkCounters({ nodes, links }, flows, all);
  // A module on another host may share a domid with a guest whose vif is on this switch:
  // its vif anchor is then wrong and nothing matches; the ends on the network still hold.
  if (flows.length && counters.every((c) => c === null)) counters = linkCounters({ nodes, links }, flows, linkAnchors({ fromNet: r.fromNet, toNet: r.toNet, modules: [] }, ports, parseMatch));
  return { nodes, links: links.map((l, k) => ({ ...l, counters: counters[k] ? { packets: counters[k].packets, bytes: counters[k].bytes } : null })) };
}

/** A balanced module runs as its replicas (PMs `n#k`, controller/resourced/replicas.ts): the hosts they run on. */
function replicaHosts(a: AllocationRow, module: string): string | undefined {
  if (a.balanced?.module !== module) return undefined;
  return [...new Set(a.balanced.replicas.map((r) => r.host))].join(', ');
}

/** A FromNet's match as openflowd plans and prints it (controller/openflowd/ofctl-syntax.ts, controller/openflow/model.ts). */
function parseMatch(text: string, portByName: (name: string) => number | undefined): { text: string; inPort?: number } {
  const m = parseMatchText(text, portByName);
  return { text: matchText(m), ...(m.inPort !== undefined ? { inPort: m.inPort } : {}) };
}
