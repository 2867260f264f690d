// install_allocation (task, D3.2 §2.1.1, docs/platform.md): parse the request
// (clickos-build's parseAllocation; a malformed one fails with file:line:col and
// nothing is installed), place its PMs on the live hosts, create each through its
// host's hostd; on any failure roll back what was created and name the failing step.
// A compound task (D3.2 §3.1.1) of the low-level API's steps — place, create_pm per
// module, create_connections — run in order by the daemon (Resourced.installPlan).
// A task because it waits for guests to boot: the caller gets CODE_NOT_READY and a
// task id at once, and task.status gives the allocation id when done (D3.2 §2.1.3).
import { resourcedCompound } from '../daemon.js';

export default resourcedCompound('install_allocation', (arg, ctx) => ctx.services.installPlan(arg));
