// What monitord measured, as resourced keeps it (D3.2 §3.1, docs/platform.md: the monitoring
// daemon "gives these to the resource daemon, which uses the data as input to the
// resource allocation algorithms"). monitord pushes each snapshot with report_stats:
//  - a host's host_stats replace the host's figures when newer (hosts.ts measured),
//    so placement's capacities (platform-model.ts) follow the measured load;
//  - each PM's traffic (hostd pm_stats: vif and Click counters), by host, replaced
//    whole by the host's next report, so PMs that are gone are forgotten;
//  - each PM's through-rate (Mb/s, packets/s) from two successive reports of its vif
//    counters (rate below), which placement's link capacities follow (platform-model.ts
//    linkCapacity);
//  - the switch's counters per allocation cookie.
// get_pm_info and list_hosts show them. Nothing here is stored: a restarted resourced
// waits for monitord's next report.
import type { ClickCounter, HostStats, PmStats, VifCounters } from '../../hostd/api.js';
import type { HostTable } from './hosts.js';

// Type aliases, not interfaces: they go into XML-RPC replies (Encodable structs).
export type PmTraffic = {
  time: string;
  vifs: VifCounters[];
  click: ClickCounter[];
};

/** A PM's traffic over the interval between two reports: what crossed it, in Mb/s and packets/s. */
export type PmRate = {
  mbps: number;
  pps: number;
  /** the interval, in seconds */
  over: number;
};

export type SwitchCounters = {
  time: string;
  flows: number;
  packets: number;
  bytes: number;
};

export interface StatsReport {
  time: string;
  hosts: Array<{ host_id: string; stats?: HostStats; pms?: PmStats[] }>;
  switch?: { allocations: Array<{ cookie: string; flows: number; packets: number; bytes: number }> };
}

/** An allocation id from a flow cookie (0x-hex, openflowd/counters.ts, or decimal); undefined for another's. */
export function allocationOfCookie(cookie: string): number | undefined {
  const n = /^0x[0-9a-f]{1,13}$/i.test(cookie) ? parseInt(cookie.slice(2), 16) : /^\d{1,15}$/.test(cookie) ? Number(cookie) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/**
 * A PM's through-rate between two samples of its vif counters: the larger of what its
 * vifs took in and sent out (a forwarder's traffic enters by one vif and leaves by
 * another, so either side alone is what crossed it; a sink or a source counts on one).
 * Undefined when the interval is empty or a counter went back (the guest was recreated).
 */
export function rate(prev: PmTraffic, next: PmTraffic): PmRate | undefined {
  const over = (Date.parse(next.time) - Date.parse(prev.time)) / 1000;
  if (!(over > 0)) return undefined;
  let inB = 0, outB = 0, inP = 0, outP = 0;
  for (const v of next.vifs) {
    const p = prev.vifs.find((q) => q.vif === v.vif);
    if (!p) continue;
    const d = [v.inBytes - p.inBytes, v.outBytes - p.outBytes, v.inPackets - p.inPackets, v.outPackets - p.outPackets];
    if (d.some((x) => x < 0)) return undefined;
    inB += d[0]!;
    outB += d[1]!;
    inP += d[2]!;
    outP += d[3]!;
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { mbps: round((Math.max(inB, outB) * 8) / over / 1e6), pps: round(Math.max(inP, outP) / over), over: round(over) };
}

export class Measurements {
  /** host id → guest name → traffic. */
  private readonly traffic = new Map<string, Map<string, PmTraffic>>();
  /** host id → guest name → through-rate between its last two reports. */
  private readonly rates = new Map<string, Map<string, PmRate>>();
  private readonly switchByAllocation = new Map<number, SwitchCounters>();

  /**
   * Takes one report. `at` is its time, never later than `now` (a monitord clock ahead
   * of ours must not make its figures outrank every later heartbeat). Hosts resourced
   * does not know are listed back, not an error: monitord may poll a host that has not
   * registered yet.
   */
  apply(r: StatsReport, hosts: HostTable, now = Date.now()): { hosts: number; pms: number; unknown: string[] } | string {
    const t = Date.parse(r.time);
    if (!Number.isFinite(t)) return `time ${JSON.stringify(r.time)} is not an ISO date`;
    const at = Math.min(t, now);
    const unknown: string[] = [];
    let nHosts = 0;
    let nPms = 0;
    for (const h of r.hosts) {
      if (!hosts.get(h.host_id)) {
        unknown.push(h.host_id);
        continue;
      }
      nHosts++;
      if (h.stats) hosts.measured(h.host_id, h.stats, at);
      if (h.pms) {
        const before = this.traffic.get(h.host_id);
        const rates = new Map<string, PmRate>();
        for (const p of h.pms) {
          const prev = before?.get(p.name);
          // The same sample twice (a repeated report) keeps the rate it had.
          const r = prev && (prev.time === p.time ? this.rates.get(h.host_id)?.get(p.name) : rate(prev, p));
          if (r) rates.set(p.name, r);
        }
        this.rates.set(h.host_id, rates);
        this.traffic.set(h.host_id, new Map(h.pms.map((p) => [p.name, { time: p.time, vifs: p.vifs, click: p.click }])));
        nPms += h.pms.length;
      }
    }
    if (r.switch) {
      this.switchByAllocation.clear();
      for (const a of r.switch.allocations) {
        const id = allocationOfCookie(a.cookie);
        if (id !== undefined) this.switchByAllocation.set(id, { time: new Date(at).toISOString(), flows: a.flows, packets: a.packets, bytes: a.bytes });
      }
    }
    return { hosts: nHosts, pms: nPms, unknown };
  }

  /** A PM's latest traffic figures, if monitord reported any. */
  pm(host: string, name: string): PmTraffic | undefined {
    return this.traffic.get(host)?.get(name);
  }

  /** A PM's through-rate between its last two reports, if there were two. */
  rate(host: string, name: string): PmRate | undefined {
    return this.rates.get(host)?.get(name);
  }

  /** Every measured through-rate on a host (guest name → Mb/s), or undefined before two reports. */
  hostRates(host: string): ReadonlyMap<string, number> | undefined {
    const r = this.rates.get(host);
    return r && r.size > 0 ? new Map([...r].map(([name, x]) => [name, x.mbps])) : undefined;
  }

  /** An allocation's switch counters (its cookie's flows), if monitord reported any. */
  allocation(id: number): SwitchCounters | undefined {
    return this.switchByAllocation.get(id);
  }
}
