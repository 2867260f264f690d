// monitord's core (D3.2 §3.1, docs/platform.md: "periodically gathers performance statistics about the
// platform from the module host daemons, processing module daemons and the switch
// daemon, and gives these to the resource daemon"). Each poll takes every hostd's
// host_stats (host CPU from xentop, memory) and pm_stats (each PM's vif and Click
// counters: hostd plays the processing module daemon, hostd/README.md), and the
// switch's flow and port counters, from openflowd (its dump_flows and port_stats) or
// through a driver; it keeps the latest snapshot and, given resourced, pushes it there
// with report_stats (controller/README.md says why a push). A failed source is recorded
// with its error and does not stop the others.
import { XmlRpcClient, callApi } from '../../daemon/index.js';
import { hostdApi } from '../../hostd/api.js';
import type { HostSample, StatsSnapshot } from './api.js';
import { flowCountersOf, portCountersOf } from '../openflowd/counters.js';
import type { SwitchDriver } from '../openflowd/driver.js';
import { openflowdApi } from '../openflowd/api.js';
import { resourcedApi } from '../resourced/api.js';

export interface HostSource {
  /** hostd's XML-RPC URL */
  url: string;
  secret: string;
  /** shown in snapshots; default the URL */
  name?: string;
  /** the id the host registered with at resourced (hostd's hostId); default the name */
  hostId?: string;
}

export interface Endpoint {
  url: string;
  secret: string;
}

export type { FlowCounters, HostSample, PortCounters, StatsSnapshot } from './api.js';

export interface MonitorOptions {
  hosts: HostSource[];
  driver?: SwitchDriver;
  /** openflowd as a daemon: the switch's counters through its dump_flows and port_stats (instead of a driver). */
  openflowd?: Endpoint;
  /** resourced: each snapshot is pushed there with report_stats (the secret of a principal in its monitor.principals). */
  resourced?: Endpoint;
  /** poll period for start() (default 5000 ms) */
  intervalMs?: number;
  /** per host_stats call (default 5000 ms) */
  timeoutMs?: number;
}

type Sw = StatsSnapshot['switch'];

export class Monitor {
  latest: StatsSnapshot | null = null;
  private timer: NodeJS.Timeout | null = null;
  private looping = false;
  /** Bumped by stop(): a poll of an older loop schedules nothing. */
  private generation = 0;
  private running: Promise<StatsSnapshot> | null = null;
  private readonly clients: Array<{ source: HostSource; client: XmlRpcClient }>;
  private readonly openflowd: XmlRpcClient | undefined;
  private readonly resourced: XmlRpcClient | undefined;

  constructor(private readonly o: MonitorOptions) {
    const client = (e: Endpoint) => new XmlRpcClient({ url: e.url, secret: e.secret, timeoutMs: o.timeoutMs ?? 5000 });
    this.clients = o.hosts.map((source) => ({ source, client: client(source) }));
    this.openflowd = o.openflowd && client(o.openflowd);
    this.resourced = o.resourced && client(o.resourced);
  }

  /** Polls every source once (concurrent polls share one run) and stores the snapshot. */
  poll(): Promise<StatsSnapshot> {
    this.running ??= this.collect().finally(() => (this.running = null));
    return this.running;
  }

  private async collect(): Promise<StatsSnapshot> {
    const time = new Date().toISOString();
    const hosts = await Promise.all(this.clients.map(({ source, client }) => hostStats(source, client)));
    const sw: StatsSnapshot['switch'] = { ok: true, flows: [], ports: [], allocations: [] };
    if (this.o.driver || this.openflowd) {
      try {
        [sw.flows, sw.ports, sw.names] = await this.switchCounters();
        const by = new Map<string, { cookie: string; flows: number; packets: number; bytes: number }>();
        for (const f of sw.flows) {
          const a = by.get(f.cookie) ?? { cookie: f.cookie, flows: 0, packets: 0, bytes: 0 };
          a.flows++;
          a.packets += f.packets;
          a.bytes += f.bytes;
          by.set(f.cookie, a);
        }
        sw.allocations = [...by.values()];
      } catch (e) {
        sw.ok = false;
        sw.error = (e as Error).message;
      }
    }
    const snap: StatsSnapshot = { time, hosts, switch: sw };
    if (this.resourced) snap.reported = await this.report(snap);
    this.latest = snap;
    return snap;
  }

  private async switchCounters(): Promise<[Sw['flows'], Sw['ports'], Sw['names']]> {
    if (this.o.driver) {
      const [flows, ports, names] = await Promise.all([this.o.driver.dumpFlows(), this.o.driver.portStats(), this.o.driver.ports()]);
      return [flows.map(flowCountersOf), ports.map(portCountersOf), names.map((p) => ({ port: p.port, name: p.name }))];
    }
    const [flows, ports, names] = await Promise.all([callApi(this.openflowd!, openflowdApi, 'dump_flows'), callApi(this.openflowd!, openflowdApi, 'port_stats'), callApi(this.openflowd!, openflowdApi, 'list_ports')]);
    if (flows.code !== 0) throw new Error(`openflowd: ${flows.message}`);
    if (ports.code !== 0) throw new Error(`openflowd: ${ports.message}`);
    if (names.code !== 0) throw new Error(`openflowd: ${names.message}`);
    return [flows.value, ports.value, names.value];
  }

  /** Pushes a snapshot to resourced (hosts by the id they registered with; a failed switch poll sends no switch figures). */
  private async report(snap: StatsSnapshot): Promise<NonNullable<StatsSnapshot['reported']>> {
    try {
      const rv = await callApi(this.resourced!, resourcedApi, 'report_stats', {
        time: snap.time,
        hosts: snap.hosts.filter((h) => h.ok).map((h) => ({ host_id: h.hostId, ...(h.stats ? { stats: h.stats } : {}), ...(h.pms ? { pms: h.pms } : {}) })),
        ...(snap.switch.ok && (this.o.driver || this.openflowd) ? { switch: { allocations: snap.switch.allocations } } : {}),
      });
      if (rv.code !== 0) return { ok: false, error: rv.code === 1 ? rv.message : 'report_stats answered not-ready' };
      return { ok: true, unknown: rv.value.unknown };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  /**
   * Polls now, then intervalMs after each poll ends, until stop(). Not a fixed-rate
   * timer: a poll slower than the interval (hostd's host_stats runs xentop and xl, seconds
   * on a busy dom0) would be followed by the next at once, and the hosts never rest.
   */
  start(): void {
    if (this.looping) return;
    this.looping = true;
    const gen = this.generation;
    const loop = (): void => {
      void this.poll()
        .catch(() => {})
        .finally(() => {
          if (!this.looping || gen !== this.generation) return;
          this.timer = setTimeout(loop, this.o.intervalMs ?? 5000);
          this.timer.unref();
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.looping = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }
}

async function hostStats(source: HostSource, client: XmlRpcClient): Promise<HostSample> {
  const name = source.name ?? source.url;
  const base = { name, hostId: source.hostId ?? name, url: source.url };
  try {
    const [rv, pms] = await Promise.all([callApi(client, hostdApi, 'host_stats'), pmStats(client)]);
    if (rv.code !== 0) return { ...base, ok: false, error: rv.code === 1 ? rv.message : 'host_stats answered not-ready' };
    return { ...base, ok: true, stats: rv.value, ...pms };
  } catch (e) {
    return { ...base, ok: false, error: (e as Error).message };
  }
}

/** Every PM's traffic (hostd pm_stats); a hostd without it (an older one) gives pmsError, and the host's figures still count. */
async function pmStats(client: XmlRpcClient): Promise<Pick<HostSample, 'pms' | 'pmsError'>> {
  try {
    const rv = await callApi(client, hostdApi, 'pm_stats');
    return rv.code === 0 ? { pms: rv.value } : { pmsError: rv.code === 1 ? rv.message : 'pm_stats answered not-ready' };
  } catch (e) {
    return { pmsError: (e as Error).message };
  }
}
