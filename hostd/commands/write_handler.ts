// write_handler: a Click write handler (the protocol has no acknowledgement).
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod } from '../services.js';

export default hostdMethod('write_handler', async (a, ctx) => {
  const pm = await findPm(ctx.services, a.pm);
  await ctx.services.guests.write(pm.domid, a.rid, a.element, a.handler, a.value);
  return ok(null, `${a.element}.${a.handler} written`);
});
