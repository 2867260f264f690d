// list_pms: this hostd's processing modules, found in XenStore (so also those
// created before a restart), each with its routers.
import { ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, type HostdServices } from '../services.js';

const def: CommandDefinition<HostdServices> = {
  help: 'This host\'s processing modules: [{domid, name, routers: [{rid, status, configName}]}].',
  params: s.nil(),
  readOnly: true,
  run: (_arg, ctx) =>
    attempt('list_pms', async () => {
      const sv = ctx.services;
      const pms = await sv.registry.list();
      const out = await Promise.all(
        pms.map(async (p) => ({
          domid: p.domid,
          name: p.name,
          // A PM still booting (or dying) has no ClickOS root: no routers yet rather than an error.
          routers: (await sv.guests.routers(p.domid).catch(() => [])).map((r) => ({ rid: r.rid, status: r.status, configName: r.configName ?? null })),
        })),
      );
      return ok(out);
    }),
};
export default def;
