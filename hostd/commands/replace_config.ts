// replace_config (processing module daemon role, hostd/README.md): a PM's processing
// changed in place. The order keeps the PM working whatever fails: the new config is
// checked and installed Halted first (a refused one leaves everything as it was); the
// old routers are stopped before the new one starts, since both would open the same
// vifs (FromDevice(N)); a new router that fails to start is removed and the old ones
// are started again; the old ones are removed only once the new one runs.
import { ok } from '../../daemon/index.js';
import { GuestError } from '../../guests/index.js';
import { HostdFailure, checkConfigSize, findPm, hostdMethod } from '../services.js';

export default hostdMethod('replace_config', async (a, ctx) => {
  const sv = ctx.services;
  checkConfigSize(sv, a.config);
  const pm = await findPm(sv, a.pm);
  try {
    sv.guests.check(a.config, a.configName ?? pm.name);
  } catch (e) {
    throw new HostdFailure('refused', (e as Error).message);
  }
  const old = (await sv.guests.routers(pm.domid)).filter((r) => r.status === 'Running').map((r) => r.rid);
  const rid = await sv.guests.install(pm.domid, a.config, a.configName);
  const stopped: number[] = [];
  let confirmed: boolean;
  try {
    for (const r of old) {
      await sv.guests.stop(pm.domid, r);
      stopped.push(r);
    }
    ({ confirmed } = await sv.guests.start(pm.domid, rid));
  } catch (e) {
    // If the failed router cannot be removed (the guest died, XenStore refused), the
    // message says so rather than claiming it is gone.
    const notRemoved = await sv.guests.remove(pm.domid, rid, { force: true }).then(() => '', (x: Error) => `; router ${rid} could NOT be removed: ${x.message}`);
    const back: string[] = [];
    for (const r of stopped) await sv.guests.start(pm.domid, r).catch((x: Error) => back.push(`router ${r}: ${x.message}`));
    const why = e instanceof GuestError ? e.message : String(e);
    throw new Error(`replace_config ${pm.name}: the new config did not start (${why}); ${notRemoved ? '' : 'it was removed and '}the old router(s) ${stopped.join(', ') || '(none)'} ${back.length ? `could not all be restarted: ${back.join('; ')}` : 'run again'}${notRemoved}`);
  }
  for (const r of old) await sv.guests.remove(pm.domid, r, { force: true });
  ctx.log(`replace_config ${pm.name}: router ${rid} replaces ${old.join(', ') || 'none'}`);
  return ok({ rid, replaced: old, confirmed }, `router ${rid} of ${pm.name} running${old.length ? `; ${old.join(', ')} removed` : ''}`);
});
