// start_router: status=Running, then the guest's console is watched for an init
// failure (ClickOS reports a bad config only there); such a router goes back to Halted.
import { ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, findPm, type HostdServices } from '../services.js';
import * as S from '../schemas.js';

const def: CommandDefinition<HostdServices> = {
  help: 'Starts router {pm, rid}; value {confirmed} (true when the console confirmed the start).',
  params: s.struct({ pm: S.pm, rid: S.rid }),
  run: (raw, ctx) => {
    const a = raw as { pm: number | string; rid: number };
    return attempt('start_router', async () => {
      const pm = await findPm(ctx.services, a.pm);
      const { confirmed } = await ctx.services.guests.start(pm.domid, a.rid);
      return ok({ confirmed }, `router ${a.rid} of ${pm.name} running`);
    });
  },
};
export default def;
