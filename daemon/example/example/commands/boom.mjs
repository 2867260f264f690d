// A command that throws: the caller gets a ReturnValue with code 1, not a crash.
export default ({ s }) => ({
  help: 'Always throws.',
  params: s.nil(),
  run: () => {
    throw new Error('boom');
  },
});
