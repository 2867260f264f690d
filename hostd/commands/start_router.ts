// start_router: status=Running, then the guest's console is watched for an init
// failure (ClickOS reports a bad config only there); such a router goes back to Halted.
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod } from '../services.js';

export default hostdMethod('start_router', async (a, ctx) => {
  const pm = await findPm(ctx.services, a.pm);
  const { confirmed } = await ctx.services.guests.start(pm.domid, a.rid);
  return ok({ confirmed }, `router ${a.rid} of ${pm.name} running`);
});
