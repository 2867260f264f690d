// Returns its argument unchanged: exercises every XML-RPC type both ways.
export default ({ s, ok }) => ({
  help: 'Returns its argument unchanged.',
  params: s.any(),
  readOnly: true,
  run: (arg) => ok(arg),
});
