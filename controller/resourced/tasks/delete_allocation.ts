// delete_allocation (task, D3.2 §2.1.1, docs/platform.md): delete_pm of every PM the
// allocation created, newest first. PMs that cannot be deleted stay recorded and are
// named in the reply, so a second call retries them.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('delete_allocation', (arg, ctx) => ctx.services.deleteAllocation(arg));
