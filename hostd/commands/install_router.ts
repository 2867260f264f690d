// install_router: a new router (Halted) from a Click config in one XenStore transaction.
import { ok } from '../../daemon/index.js';
import { checkConfigSize, findPm, hostdMethod } from '../services.js';

export default hostdMethod('install_router', async (a, ctx) => {
  checkConfigSize(ctx.services, a.config);
  const pm = await findPm(ctx.services, a.pm);
  return ok(await ctx.services.guests.install(pm.domid, a.config, a.configName), `router installed in ${pm.name}`);
});
