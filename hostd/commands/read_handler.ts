// read_handler: a Click read handler through the ClickOS XenStore protocol.
import { ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, findPm, type HostdServices } from '../services.js';
import * as S from '../schemas.js';

const def: CommandDefinition<HostdServices> = {
  help: 'Reads handler {pm, rid, element, handler}; value = the handler text.',
  params: s.struct({ pm: S.pm, rid: S.rid, element: S.element, handler: S.handler }),
  readOnly: true,
  run: (raw, ctx) => {
    const a = raw as { pm: number | string; rid: number; element: string; handler: string };
    return attempt('read_handler', async () => {
      const pm = await findPm(ctx.services, a.pm);
      return ok(await ctx.services.guests.read(pm.domid, a.rid, a.element, a.handler));
    });
  },
};
export default def;
