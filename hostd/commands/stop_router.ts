// stop_router: status=Halted (the config stays installed; start_router runs it again).
import { ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, findPm, type HostdServices } from '../services.js';
import * as S from '../schemas.js';

const def: CommandDefinition<HostdServices> = {
  help: 'Stops router {pm, rid}.',
  params: s.struct({ pm: S.pm, rid: S.rid }),
  run: (raw, ctx) => {
    const a = raw as { pm: number | string; rid: number };
    return attempt('stop_router', async () => {
      const pm = await findPm(ctx.services, a.pm);
      await ctx.services.guests.stop(pm.domid, a.rid);
      return ok(null, `router ${a.rid} of ${pm.name} halted`);
    });
  },
};
export default def;
