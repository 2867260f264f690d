// pm_stats (processing module daemon role, hostd/README.md): one PM's traffic, or every
// PM's — vif counters from dom0's sysfs, Click counters read through the handlers of
// the Counter-like elements its running routers declare (hostd/pm-stats.ts).
// Queries only: kept out of the audit log.
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod, type HostdServices } from '../services.js';
import type { Pm } from '../registry.js';
import type { PmStats } from '../api.js';
import { clickCounters, vifCounters } from '../pm-stats.js';

// Every PM's figures are read once at a time: callers that ask while a read runs (monitord,
// a client that timed out and asked again) share it rather than stacking up handler
// reads through XenStore on a busy host (hostd/README.md "Load figures").
// Keyed by the daemon's services: a test may run several hostds in one process.
const everyPm = new WeakMap<HostdServices, Promise<PmStats[]>>();

export default hostdMethod('pm_stats', async (a, ctx) => {
  const sv = ctx.services;
  if (a?.pm !== undefined) return ok(await read(sv, [await findPm(sv, a.pm)]));
  let running = everyPm.get(sv);
  if (!running) {
    running = sv.registry.list().then((pms) => read(sv, pms)).finally(() => everyPm.delete(sv));
    everyPm.set(sv, running);
  }
  return ok(await running);
});

function read(sv: HostdServices, pms: readonly Pm[]): Promise<PmStats[]> {
  return inBatches(pms, async (p) => {
    const time = new Date().toISOString();
    // A PM still booting has no ClickOS root: no routers, so no Click counters.
    const running = (await sv.guests.routers(p.domid).catch(() => [])).filter((r) => r.status === 'Running').map((r) => r.rid);
    const [vifs, click] = await Promise.all([
      vifCounters(p.domid),
      clickCounters(running, { config: (rid) => sv.guests.control.config(p.domid, rid), read: (rid, el, h) => sv.guests.read(p.domid, rid, el, h) }),
    ]);
    return { domid: p.domid, name: p.name, time, vifs, click };
  });
}

/** PMs a few at a time: each may read 32 handlers through XenStore, so a host full of PMs is not read all at once. */
const BATCH = 8;
async function inBatches<T, R>(items: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(...(await Promise.all(items.slice(i, i + BATCH).map(f))));
  return out;
}
