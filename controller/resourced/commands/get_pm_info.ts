// get_pm_info (command, D3.2 §2.1.1, docs/platform.md): the processing-module types this platform offers,
// with a description each, plus the allocations and where each of their PMs runs.
import { s, type CommandDefinition } from '../../../daemon/index.js';
import type { Resourced } from '../resourced.js';

const def: CommandDefinition<Resourced> = {
  help: 'PM types [{name, description, cpu, memoryMiB, deployedAt, src}] and allocations [{id, state, request, planned, pms: [{module, type, host, domid, name}]}].',
  params: s.optional(s.nil()),
  readOnly: true,
  run: (_arg, ctx) => ctx.services.pmInfo(),
};
export default def;
