// list_hosts (command): the registered module hosts, their capacity and our PMs on them.
import { s, type CommandDefinition } from '../../../daemon/index.js';
import type { Resourced } from '../resourced.js';

const def: CommandDefinition<Resourced> = {
  help: 'The registered module hosts: [{host_id, url, hostname, cores, total_memory_mib, free_memory_mib, heartbeats, last_seen_ms_ago, pms}].',
  params: s.optional(s.nil()),
  readOnly: true,
  run: (_arg, ctx) => ctx.services.listHosts(),
};
export default def;
