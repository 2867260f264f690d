// dump_flows: the switch's flows with counters, all or one cookie's.
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('dump_flows', (arg, ctx) => ctx.services.flows(arg?.cookie));
