// Records its label in ctx.services.journal; may first wait on a named gate
// (ctx.services.gates, a Map of promises the test resolves) and may fail.
export default ({ s, ok, fail }) => ({
  help: 'Records {label}; waits for {gate} first if given; fails when {fail} is true.',
  params: s.struct({ label: s.str({ max: 64 }), fail: s.optional(s.bool()), gate: s.optional(s.str({ max: 64 })) }),
  run: async (arg, ctx) => {
    if (arg.gate) await ctx.services.gates.get(arg.gate);
    ctx.services.journal.push(arg.label);
    return arg.fail ? fail(`step ${arg.label} failed as asked`) : ok(arg.label, `step ${arg.label} done`);
  },
});
