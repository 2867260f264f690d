// Load figures for host_stats and the heartbeat (D3.2 §3.1, docs/platform.md: the module host daemon
// "should also provide performance figures ... about the current load of the
// module host"): the host from `xl info`, each domain from `xl list`, CPU% from
// `xentop -b` when it is installed (xl has no CPU-percentage verb).
import { runProgram } from '../toolstack/run.js';
import { hostname, loadavg } from 'node:os';
import type { Xl } from '../toolstack/index.js';
import { parseXentop, type XentopDomain } from '../toolstack/xentop.js';
import type { WarmPool } from '../guests/index.js';
import type { Registry } from './registry.js';
import type { HostStats } from './api.js';

export type { DomainStats, HostStats } from './api.js';

/** `xentop -b -i 2 -d 1`'s last frame; undefined when xentop is missing or fails (stats go on without CPU%). */
export async function runXentop(): Promise<XentopDomain[] | undefined> {
  const r = await runProgram('xentop', ['-b', '-f', '-i', '2', '-d', '1'], { timeoutMs: 15_000 });
  if (r.exitCode !== 0) return undefined;
  try {
    return parseXentop(String(r.stdout));
  } catch {
    return undefined;
  }
}

export async function collectStats(o: { xl: Xl; registry: Registry; pool?: WarmPool; xentop: boolean }): Promise<HostStats> {
  const [info, list, ours, top] = await Promise.all([o.xl.info(), o.xl.list(), o.registry.list(), o.xentop ? runXentop() : Promise.resolve(undefined)]);
  const mine = new Set(ours.map((p) => p.domid));
  const domains = list.map((d) => {
    const t = top?.find((x) => x.name === d.name);
    return {
      name: d.name,
      domid: d.domid,
      pm: mine.has(d.domid),
      state: d.stateText,
      memoryMiB: d.memoryMiB,
      vcpus: d.vcpus,
      cpuSeconds: d.cpuSeconds,
      cpuPercent: t ? t.cpuPercent : null,
    };
  });
  const cpuPercent = top && info.nrCpus > 0 ? Math.round((top.reduce((a, x) => a + x.cpuPercent, 0) / info.nrCpus) * 10) / 10 : null;
  return {
    hostname: hostname(),
    xenVersion: info.xenVersion,
    nrCpus: info.nrCpus,
    totalMemoryMiB: info.totalMemoryMiB,
    freeMemoryMiB: info.freeMemoryMiB,
    cpuPercent,
    dom0LoadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
    pms: ours.length,
    pool: o.pool ? o.pool.stats() : null,
    domains,
  };
}
