// add_flows: flows the caller made, under its cookie, all or none (a balanced group's
// generations, controller/balancer/README.md "On a switch"; resourced's RemoteSteering).
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('add_flows', (arg, ctx) => ctx.services.addFlows(arg.cookie, arg.flows));
