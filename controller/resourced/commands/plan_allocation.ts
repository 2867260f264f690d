// plan_allocation (command): where install_allocation would place a request now, with
// the hosts' measured load; nothing is reserved or installed.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('plan_allocation', (arg, ctx) => ctx.services.planOnly(arg));
