// host_stats: CPU and memory of the host (xl info) and of every domain (xl list,
// CPU% from xentop -b when installed). Queries only: kept out of the audit log.
import { ok } from '../../daemon/index.js';
import { hostdMethod } from '../services.js';

export default hostdMethod('host_stats', async (a, ctx) =>
  ok(await ctx.services.stats(typeof a?.xentop === 'boolean' ? { xentop: a.xentop } : {})),
);
