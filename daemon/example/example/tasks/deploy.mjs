// A compound task: three steps in order; {failAt} makes that step fail, which must
// stop the ones after it.
export default ({ s }) => ({
  help: 'Compound: steps <prefix>1, <prefix>2, <prefix>3; {failAt: n} fails step n.',
  params: s.struct({ prefix: s.str({ max: 32 }), failAt: s.optional(s.int({ min: 1, max: 3 })) }),
  priority: 'high',
  parts: (arg) => [1, 2, 3].map((n) => ({ task: 'step', arg: { label: `${arg.prefix}${n}`, fail: arg.failAt === n } })),
});
