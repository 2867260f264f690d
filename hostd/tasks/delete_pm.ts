// delete_pm (task): destroys one of this hostd's PMs. `xl destroy` takes the
// domain, its vifs (hotplug scripts run) and its XenStore home with it, and with
// that hostd's marker: nothing is left to forget. An unknown PM fails with
// pm_not_found, which resourced takes as "already deleted". A PM whose create_pm is
// still running is waited for first: a restarted resourced rolls back an install it
// was killed in, and answering "not found" then would leave the guest being made.
import { ok } from '../../daemon/index.js';
import { findPm, hostdMethod } from '../services.js';

const settled = async (creating: Set<string>, name: string): Promise<void> => {
  while (creating.has(name)) await new Promise((r) => setTimeout(r, 100));
};

export default hostdMethod('delete_pm', async (a, ctx) => {
  const sv = ctx.services;
  if (typeof a.pm === 'string') await settled(sv.creating, a.pm);
  const pm = await findPm(sv, a.pm);
  await sv.guests.destroy(pm.domid);
  ctx.log(`delete_pm ${pm.name}: domain ${pm.domid} destroyed`);
  return ok({ domid: pm.domid, name: pm.name }, `${pm.name} destroyed`);
});
