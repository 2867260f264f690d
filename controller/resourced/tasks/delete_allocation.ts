// delete_allocation (task, D3.2 §2.1.1, docs/platform.md): delete_pm of every PM the allocation created,
// newest first. PMs that cannot be deleted stay recorded and are named in the reply,
// so a second call retries them.
import { s, type TaskDefinition } from '../../../daemon/index.js';
import type { Resourced } from '../resourced.js';

const def: TaskDefinition<Resourced> = {
  help: 'Deletes allocation {id} (an integer) and every PM it created.',
  params: s.int({ min: 1 }),
  priority: 'high',
  run: (arg, ctx) => ctx.services.deleteAllocation(arg as number),
};
export default def;
