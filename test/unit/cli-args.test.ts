import t from 'tap';
import { Context, UsageError, parseCommandLine, parseVerb } from '../../cli/context.js';

const ROUTER = { router: { type: 'string', short: 'r' } } as const;

/** The error fn throws, if it throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

t.test("clickos's own options come before the command; the rest is the command's", async (t) => {
  t.same(parseCommandLine(['--json', '-t', 'list']), { json: true, timings: true, help: false, cmd: 'list', rest: [] });
  t.same(parseCommandLine(['write', 'fw1', 'c', 'note', '-t']), { json: false, timings: false, help: false, cmd: 'write', rest: ['fw1', 'c', 'note', '-t'] }, 'a -t after the command is not taken as clickos\'s');
  t.same(parseCommandLine(['--timings', 'install', '-s', 'fw1', 'f.click']).rest, ['-s', 'fw1', 'f.click']);
  t.same(parseCommandLine(['-h']).help, true);
  t.same(parseCommandLine([]).cmd, undefined);
  t.same(parseCommandLine(['--', '-odd']).cmd, '-odd', "'--' ends clickos's options");
  t.ok(thrown(() => parseCommandLine(['-x', 'list'])) instanceof UsageError, 'an unknown option is bad usage');
  t.ok(thrown(() => parseCommandLine(['--json=yes', 'list'])) instanceof UsageError);
});

t.test("a command's options, with --json and -t among them, and values after '--'", async (t) => {
  const ctx = () => new Context(false, false);
  const c1 = ctx();
  t.same(parseVerb(['fw1', 'c', 'note', '--', '-t'], c1, ROUTER), { opts: {}, pos: ['fw1', 'c', 'note', '-t'] }, "a handler value '-t' after '--'");
  t.equal(c1.timings, false, 'and it does not turn timings on');
  const c2 = ctx();
  t.same(parseVerb(['--json'], c2).pos, []);
  t.equal(c2.json, true, "'clickos list --json' still prints JSON");
  const c3 = ctx();
  t.same(parseVerb(['-r', '2', 'fw1', 'src', 'count'], c3, ROUTER), { opts: { router: '2' }, pos: ['fw1', 'src', 'count'] });
  t.same(parseVerb(['fw1', 'src', 'count', '-r2'], ctx(), ROUTER).opts, { router: '2' });
  t.ok(thrown(() => parseVerb(['-r', '-t', 'fw1'], ctx(), ROUTER)) instanceof UsageError, "-r does not swallow an option");
  const dash = thrown(() => parseVerb(['fw1', 'c', 'note', '-1'], ctx(), ROUTER));
  t.ok(dash instanceof UsageError && /after '--'/.test(dash.message), 'a value starting with - needs --');
  t.ok(thrown(() => parseVerb(['-p', 'x.cfg'], ctx())) instanceof UsageError, 'an option the command does not have');
  t.same(parseVerb(['-p', 'x.cfg'], ctx(), { paused: { type: 'boolean', short: 'p' } }), { opts: { paused: true }, pos: ['x.cfg'] });
});
