// heartbeat (command): {host_id, stats} every few seconds from each hostd; stats are
// its host_stats (PM domains only) and feed the capacities placement uses. An unknown
// host is refused (unknown_host), which sends hostd back to register_host.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('heartbeat', (arg, ctx) => ctx.services.heartbeat(arg, ctx.who));
