// set_sampling: the steered bridge's sFlow export on toward a collector, or off (sflow-export.ts).
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('set_sampling', (arg, ctx) => ctx.services.sampling(arg));
