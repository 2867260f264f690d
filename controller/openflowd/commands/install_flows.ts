// install_flows: an allocation's flows, planned from its request and its modules' vif
// ports, installed under its cookie all or none (openflowd.ts Openflowd.install).
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('install_flows', (arg, ctx) => ctx.services.install(arg.cookie, arg.request, arg.module_ports));
