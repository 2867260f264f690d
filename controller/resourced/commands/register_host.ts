// register_host (command; D3.2 §3.1.1's own example of a command, docs/platform.md): a module host's
// hostd announces itself; the reply's {host_id} is the id it heartbeats with.
import { s, type CommandDefinition } from '../../../daemon/index.js';
import type { HostInfo } from '../hosts.js';
import type { Resourced } from '../resourced.js';

const def: CommandDefinition<Resourced> = {
  help: 'A module host registers: {host_id, url, daemon?, hostname?, xen_version?, nr_cpus?, total_memory_mib?, methods?}; value {host_id}.',
  params: s.struct({
    host_id: s.str({ max: 128 }),
    url: s.str({ max: 2048 }),
    daemon: s.optional(s.str({ max: 64 })),
    hostname: s.optional(s.str({ max: 255 })),
    xen_version: s.optional(s.str({ max: 64 })),
    nr_cpus: s.optional(s.int({ min: 1, max: 65536 })),
    total_memory_mib: s.optional(s.int({ min: 0 })),
    methods: s.optional(s.array(s.str({ max: 64 }), { max: 256 })),
  }),
  run: (arg, ctx) => ctx.services.registerHost(arg as unknown as HostInfo, ctx.who),
};
export default def;
