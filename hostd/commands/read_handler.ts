// read_handler: a Click read handler through the ClickOS XenStore protocol.
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod } from '../services.js';

export default hostdMethod('read_handler', async (a, ctx) => {
  const pm = await findPm(ctx.services, a.pm);
  return ok(await ctx.services.guests.read(pm.domid, a.rid, a.element, a.handler));
});
