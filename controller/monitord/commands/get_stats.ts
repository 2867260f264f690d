// monitord's get_stats: the latest snapshot of hostd host_stats and switch counters
// (polled now if there is none yet). The Monitor comes in as ctx.services.monitor.
import { ok } from '../../../daemon/index.js';
import { monitordMethod } from '../folders.js';

export default monitordMethod('get_stats', async (_arg, ctx) => ok(ctx.services.monitor.latest ?? (await ctx.services.monitor.poll())));
