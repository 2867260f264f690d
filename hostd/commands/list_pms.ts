// list_pms: this hostd's processing modules, found in XenStore (so also those
// created before a restart), each with its routers.
import { ok } from '../../daemon/index.js';
import { hostdMethod } from '../services.js';

export default hostdMethod('list_pms', async (_a, ctx) => {
  const sv = ctx.services;
  const pms = await sv.registry.list();
  return ok(
    await Promise.all(
      pms.map(async (p) => ({
        domid: p.domid,
        name: p.name,
        // A PM still booting (or dying) has no ClickOS root: no routers yet rather than an error.
        routers: (await sv.guests.routers(p.domid).catch(() => [])).map((r) => ({ rid: r.rid, status: r.status, configName: r.configName ?? null })),
      })),
    ),
  );
});
