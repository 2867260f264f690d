// delete_pm (task): destroys one of this hostd's PMs. `xl destroy` takes the
// domain, its vifs (hotplug scripts run) and its XenStore home with it, and with
// that hostd's marker: nothing is left to forget.
import { fail, ok, s, type TaskDefinition } from '../../daemon/index.js';
import { findPm, type HostdServices } from '../services.js';
import * as S from '../schemas.js';

const def: TaskDefinition<HostdServices> = {
  help: 'Destroys the processing module {pm: domid or name}; value {domid, name}.',
  params: s.struct({ pm: S.pm }),
  priority: 'high',
  run: async (raw, ctx) => {
    const { pm: ref } = raw as { pm: number | string };
    const sv = ctx.services;
    try {
      const pm = await findPm(sv, ref);
      await sv.guests.destroy(pm.domid);
      ctx.log(`delete_pm ${pm.name}: domain ${pm.domid} destroyed`);
      return ok({ domid: pm.domid, name: pm.name }, `${pm.name} destroyed`);
    } catch (e) {
      return fail(`delete_pm ${JSON.stringify(ref)} failed: ${(e as Error).message}`);
    }
  },
};
export default def;
