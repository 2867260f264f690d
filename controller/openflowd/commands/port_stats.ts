// port_stats: per-port counters, as monitord reports them.
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('port_stats', (_arg, ctx) => ctx.services.portStats());
