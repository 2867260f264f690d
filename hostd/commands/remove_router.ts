// remove_router: deletes a router's XenStore subtree; a Running one only with force.
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod } from '../services.js';

export default hostdMethod('remove_router', async (a, ctx) => {
  const pm = await findPm(ctx.services, a.pm);
  await ctx.services.guests.remove(pm.domid, a.rid, { force: a.force ?? false });
  return ok(null, `router ${a.rid} of ${pm.name} removed`);
});
