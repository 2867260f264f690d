// stop_router: status=Halted (the config stays installed; start_router runs it again).
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod } from '../services.js';

export default hostdMethod('stop_router', async (a, ctx) => {
  const pm = await findPm(ctx.services, a.pm);
  await ctx.services.guests.stop(pm.domid, a.rid);
  return ok(null, `router ${a.rid} of ${pm.name} halted`);
});
