// monitord's core (D3.2 §3.1, docs/platform.md: "periodically gathers performance statistics about the
// platform from the module host daemons ... and the switch daemon, and gives these to the
// resource daemon"). It polls every hostd's host_stats over XML-RPC and the switch's flow
// and port counters through a driver, and keeps the latest snapshot; a failed source is
// recorded with its error and does not stop the others. resourced can hold a Monitor and
// read `latest`, or call monitord's get_stats.
import { XmlRpcClient, callApi } from '../../daemon/index.js';
import { hostdApi } from '../../hostd/api.js';
import type { HostSample, StatsSnapshot } from './api.js';
import { flowCountersOf, portCountersOf } from '../openflowd/counters.js';
import type { SwitchDriver } from '../openflowd/driver.js';

export interface HostSource {
  /** hostd's XML-RPC URL */
  url: string;
  secret: string;
  /** shown in snapshots; default the URL */
  name?: string;
}

export type { FlowCounters, HostSample, PortCounters, StatsSnapshot } from './api.js';

export interface MonitorOptions {
  hosts: HostSource[];
  driver?: SwitchDriver;
  /** poll period for start() (default 5000 ms) */
  intervalMs?: number;
  /** per host_stats call (default 5000 ms) */
  timeoutMs?: number;
}

export class Monitor {
  latest: StatsSnapshot | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<StatsSnapshot> | null = null;
  private readonly clients: Array<{ source: HostSource; client: XmlRpcClient }>;

  constructor(private readonly o: MonitorOptions) {
    this.clients = o.hosts.map((source) => ({ source, client: new XmlRpcClient({ url: source.url, secret: source.secret, timeoutMs: o.timeoutMs ?? 5000 }) }));
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
    if (this.o.driver) {
      try {
        const [flows, ports] = await Promise.all([this.o.driver.dumpFlows(), this.o.driver.portStats()]);
        sw.flows = flows.map(flowCountersOf);
        sw.ports = ports.map(portCountersOf);
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
    this.latest = { time, hosts, switch: sw };
    return this.latest;
  }

  /** Polls now and then every intervalMs until stop(). */
  start(): void {
    if (this.timer) return;
    void this.poll().catch(() => {});
    this.timer = setInterval(() => void this.poll().catch(() => {}), this.o.intervalMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }
}

async function hostStats(source: HostSource, client: XmlRpcClient): Promise<HostSample> {
  const base = { name: source.name ?? source.url, url: source.url };
  try {
    const rv = await callApi(client, hostdApi, 'host_stats');
    if (rv.code !== 0) return { ...base, ok: false, error: rv.code === 1 ? rv.message : 'host_stats answered not-ready' };
    return { ...base, ok: true, stats: rv.value };
  } catch (e) {
    return { ...base, ok: false, error: (e as Error).message };
  }
}
