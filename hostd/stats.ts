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

/**
 * One collection at a time: host_stats callers (monitord, webd, a client that timed out
 * and asked again) and the heartbeat all share the collection that is running instead of
 * starting their own. Each collection runs xl three times and xentop for a 1 s sample:
 * on an emulated dom0 that takes seconds, and polls that overlapped it used to stack up
 * xl and xentop processes until hostd's own heartbeats were a minute late
 * (hostd/README.md "Load figures"). A caller without xentop is also answered by a
 * running collection with it (the same figures, plus CPU%).
 */
export class StatsSampler {
  private readonly running = new Map<boolean, Promise<HostStats>>();
  /** Collections started (tests, logs). */
  started = 0;

  constructor(private readonly collect: (xentop: boolean) => Promise<HostStats>) {}

  get(xentop: boolean): Promise<HostStats> {
    const joined = this.running.get(xentop) ?? (xentop ? undefined : this.running.get(true));
    if (joined) return joined;
    this.started++;
    const p = this.collect(xentop).finally(() => this.running.delete(xentop));
    this.running.set(xentop, p);
    return p;
  }
}

/** hostd's stats(): collectStats behind one StatsSampler, xentop by default when `xentop` (config.xentop). */
export function statsSource(o: { xl: Xl; registry: Pick<Registry, 'list'>; pool?: WarmPool; xentop: boolean }): (opts?: { xentop?: boolean }) => Promise<HostStats> {
  const sampler = new StatsSampler((xentop) => collectStats({ ...o, xentop }));
  return (opts = {}) => sampler.get(opts.xentop ?? o.xentop);
}

export async function collectStats(o: { xl: Xl; registry: Pick<Registry, 'list'>; pool?: WarmPool; xentop: boolean }): Promise<HostStats> {
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
