// delete_allocation (task, D3.2 §2.1.1, docs/platform.md): a compound task (D3.2
// §3.1.1) of the low-level API's steps — its flows removed (delete_connections' step),
// then delete_pm of every PM it created, newest first. PMs that cannot be deleted stay
// recorded and are named in the reply, so a second call retries them
// (Resourced.deletePlan).
import { resourcedCompound } from '../daemon.js';

export default resourcedCompound('delete_allocation', (arg, ctx) => ctx.services.deletePlan(arg));
