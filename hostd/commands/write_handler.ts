// write_handler: a Click write handler (the protocol has no acknowledgement).
import { ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, findPm, type HostdServices } from '../services.js';
import * as S from '../schemas.js';

const def: CommandDefinition<HostdServices> = {
  help: 'Writes {value} to handler {pm, rid, element, handler}.',
  params: s.struct({ pm: S.pm, rid: S.rid, element: S.element, handler: S.handler, value: S.handlerValue }),
  run: (raw, ctx) => {
    const a = raw as { pm: number | string; rid: number; element: string; handler: string; value: string };
    return attempt('write_handler', async () => {
      const pm = await findPm(ctx.services, a.pm);
      await ctx.services.guests.write(pm.domid, a.rid, a.element, a.handler, a.value);
      return ok(null, `${a.element}.${a.handler} written`);
    });
  },
};
export default def;
