// deploy_pm (command, D3.2 §2.1.1, docs/platform.md): registers a processing-module type — its name (the
// element class allocation requests use) and its Click source, checked by
// clickos-build's checker. A command, not a task: the check is quick and local; no
// host is touched until an allocation uses the type. D3.2's (pm_name, pm_src)
// travel as one struct (the daemon convention), with optional placement demands.
import { s, type CommandDefinition } from '../../../daemon/index.js';
import type { DeployRequest } from '../pm-types.js';
import type { Resourced } from '../resourced.js';

const def: CommandDefinition<Resourced> = {
  help: 'Deploys a PM type: {name, src, cpu?, memoryMiB?, description?}; src is a ClickOS Click config.',
  params: s.struct({
    name: s.str({ max: 64 }),
    src: s.str({ max: 256 * 1024 }),
    cpu: s.optional(s.double()),
    memoryMiB: s.optional(s.int({ min: 8, max: 1 << 20 })),
    description: s.optional(s.str({ max: 4096 })),
  }),
  run: (arg, ctx) => ctx.services.deployPm(arg as unknown as DeployRequest),
};
export default def;
