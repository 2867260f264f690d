// install_router: a new router (Halted) from a Click config in one XenStore transaction.
import { fail, ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, findPm, type HostdServices } from '../services.js';
import * as S from '../schemas.js';

const def: CommandDefinition<HostdServices> = {
  help: 'Installs a Click config {pm, config, configName?} as a new (Halted) router; value = rid.',
  params: s.struct({ pm: S.pm, config: S.clickConfig, configName: s.optional(S.configName) }),
  run: (raw, ctx) => {
    const a = raw as { pm: number | string; config: string; configName?: string };
    return attempt('install_router', async () => {
      const max = ctx.services.config.guests.maxConfigBytes;
      const bytes = Buffer.byteLength(a.config, 'utf8');
      if (bytes > max) return fail(`config is ${bytes} bytes; this host accepts at most ${max}`);
      const pm = await findPm(ctx.services, a.pm);
      return ok(await ctx.services.guests.install(pm.domid, a.config, a.configName), `router installed in ${pm.name}`);
    });
  },
};
export default def;
