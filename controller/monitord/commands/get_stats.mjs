// monitord's get_stats: the latest snapshot of hostd host_stats and switch counters
// (polled now if there is none yet). A plain .mjs so that it loads from the source tree
// and from a hot-patch alike; the Monitor comes in as ctx.services.monitor.
export default ({ s, ok }) => ({
  help: 'Latest platform statistics: every hostd host_stats, switch flow counters (per allocation cookie) and port counters.',
  params: s.nil(),
  readOnly: true,
  run: async (_arg, ctx) => ok(ctx.services.monitor.latest ?? (await ctx.services.monitor.poll())),
});
