// pm_stats (processing module daemon role, hostd/README.md): one PM's traffic, or every
// PM's — vif counters from dom0's sysfs, Click counters read through the handlers of
// the Counter-like elements its running routers declare (hostd/pm-stats.ts).
// Queries only: kept out of the audit log.
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod } from '../services.js';
import { clickCounters, vifCounters } from '../pm-stats.js';

export default hostdMethod('pm_stats', async (a, ctx) => {
  const sv = ctx.services;
  const pms = a?.pm !== undefined ? [await findPm(sv, a.pm)] : await sv.registry.list();
  return ok(
    await inBatches(
      pms,
      async (p) => {
        const time = new Date().toISOString();
        // A PM still booting has no ClickOS root: no routers, so no Click counters.
        const running = (await sv.guests.routers(p.domid).catch(() => [])).filter((r) => r.status === 'Running').map((r) => r.rid);
        const [vifs, click] = await Promise.all([
          vifCounters(p.domid),
          clickCounters(running, { config: (rid) => sv.guests.control.config(p.domid, rid), read: (rid, el, h) => sv.guests.read(p.domid, rid, el, h) }),
        ]);
        return { domid: p.domid, name: p.name, time, vifs, click };
      },
    ),
  );
});

/** PMs a few at a time: each may read 32 handlers through XenStore, so a host full of PMs is not read all at once. */
const BATCH = 8;
async function inBatches<T, R>(items: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(...(await Promise.all(items.slice(i, i + BATCH).map(f))));
  return out;
}
