// host_stats: CPU and memory of the host (xl info) and of every domain (xl list,
// CPU% from xentop -b when installed). Queries only: kept out of the audit log.
import { ok, s, type CommandDefinition } from '../../daemon/index.js';
import { attempt, type HostdServices } from '../services.js';

const def: CommandDefinition<HostdServices> = {
  help: 'Host and per-domain CPU and memory; {xentop: false} skips the 1 s xentop sample.',
  params: s.optional(s.either(s.nil(), s.struct({ xentop: s.optional(s.bool()) }))),
  readOnly: true,
  run: (raw, ctx) =>
    attempt('host_stats', async () => {
      const a = (raw ?? {}) as { xentop?: boolean };
      return ok(await ctx.services.stats(a.xentop === undefined ? {} : { xentop: a.xentop }));
    }),
};
export default def;
