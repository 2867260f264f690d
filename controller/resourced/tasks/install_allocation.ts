// install_allocation (task, D3.2 §2.1.1, docs/platform.md): parse the request (clickos-build's
// parseAllocation; a malformed one fails with file:line:col and nothing is installed),
// place its PMs on the live hosts, create each through its host's hostd; on any
// failure roll back what was created and name the failing step. A task because it
// waits for guests to boot: the caller gets CODE_NOT_READY and a task id at once,
// and task.status gives the allocation id when done (D3.2 §2.1.3).
import { s, type TaskDefinition } from '../../../daemon/index.js';
import type { Resourced } from '../resourced.js';

const def: TaskDefinition<Resourced> = {
  help: 'Installs an allocation request (D3.2 §2.1.4 syntax); value: the allocation id.',
  params: s.str({ max: 256 * 1024 }),
  priority: 'high',
  run: (arg, ctx) => ctx.services.installAllocation(arg as string),
};
export default def;
