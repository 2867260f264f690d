// What the step tasks recorded, in the order they ran (ctx.services.journal).
export default ({ s, ok }) => ({
  help: 'The labels recorded by step tasks, in order.',
  params: s.nil(),
  readOnly: true,
  run: (_arg, ctx) => ok([...ctx.services.journal]),
});
