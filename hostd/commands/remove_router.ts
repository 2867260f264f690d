// remove_router: deletes a router's XenStore subtree; a Running one only with force.
import { ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, findPm, type HostdServices } from '../services.js';
import * as S from '../schemas.js';

const def: CommandDefinition<HostdServices> = {
  help: 'Removes router {pm, rid, force?} (a Running router only with force).',
  params: s.struct({ pm: S.pm, rid: S.rid, force: s.optional(s.bool()) }),
  run: (raw, ctx) => {
    const a = raw as { pm: number | string; rid: number; force?: boolean };
    return attempt('remove_router', async () => {
      const pm = await findPm(ctx.services, a.pm);
      await ctx.services.guests.remove(pm.domid, a.rid, { force: a.force ?? false });
      return ok(null, `router ${a.rid} of ${pm.name} removed`);
    });
  },
};
export default def;
