// install_allocation (task, D3.2 §2.1.1, docs/platform.md): parse the request
// (clickos-build's parseAllocation; a malformed one fails with file:line:col and
// nothing is installed), place its PMs on the live hosts, create each through its
// host's hostd; on any failure roll back what was created and name the failing step.
// A task because it waits for guests to boot: the caller gets CODE_NOT_READY and a
// task id at once, and task.status gives the allocation id when done (D3.2 §2.1.3).
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('install_allocation', (arg, ctx) => ctx.services.installAllocation(arg));
