// A daemon-specific command with a struct argument.
export default ({ s, ok }) => ({
  help: 'Adds {a, b}.',
  params: s.struct({ a: s.int(), b: s.int() }),
  readOnly: true,
  run: (arg) => ok(arg.a + arg.b),
});
