// heartbeat (command): {host_id, stats} every few seconds from each hostd; stats are
// its host_stats (PM domains only) and feed the capacities placement uses. An unknown
// host is refused, which sends hostd back to register_host.
import { s, type CommandDefinition } from '../../../daemon/index.js';
import type { Resourced } from '../resourced.js';

const def: CommandDefinition<Resourced> = {
  help: 'A module host is alive: {host_id, stats}.',
  params: s.struct({ host_id: s.either(s.str({ max: 128 }), s.nil()), stats: s.any() }),
  // Every few seconds per host: kept out of the audit log.
  readOnly: true,
  run: (arg, ctx) => ctx.services.heartbeat(arg as { host_id: string | null; stats: unknown }, ctx.who),
};
export default def;
