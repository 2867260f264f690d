// A command shared by every daemon: the default export may be a function of the kit.
export default ({ s, ok }) => ({
  help: 'Answers "pong" with the daemon name.',
  params: s.nil(),
  readOnly: true,
  run: (_arg, ctx) => ok(`pong from ${ctx.daemon}`),
});
