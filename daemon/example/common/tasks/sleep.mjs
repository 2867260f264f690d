// A task shared by every daemon: waits ms milliseconds in the background.
export default ({ s, ok }) => ({
  help: 'Waits {ms} milliseconds, then succeeds with the time waited.',
  params: s.struct({ ms: s.int({ min: 0, max: 60000 }) }),
  run: async (arg) => {
    await new Promise((r) => setTimeout(r, arg.ms));
    return ok(arg.ms, 'slept');
  },
});
