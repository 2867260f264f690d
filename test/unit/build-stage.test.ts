// clickos-build/build/stage.ts with a tiny real stage whose build runs `sh -c` commands.
import t from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BuildStepError } from '../../clickos-build/build/errors.js';
import { silent } from '../../clickos-build/build/progress.js';
import { runStage, stageDone, stageKey, withLock, type StageSpec } from '../../clickos-build/build/stage.js';

/** A stage writing `text` to out.txt with sh; `fail` makes its second command exit 3. */
function shStage(text: string, calls: { n: number }, fail = false): StageSpec {
  return {
    kind: 'click',
    about: 'a test stage',
    inputs: { stage: 'test/1', text },
    async build(dir, log) {
      calls.n++;
      await log.run(['sh', '-c', `printf '%s\\n' "$1" > out.txt; echo wrote out.txt`, 'sh', text], { cwd: dir });
      if (fail) await log.run(['sh', '-c', 'for i in 1 2 3 4 5; do echo "line $i"; done; echo "the error" >&2; exit 3']);
    },
  };
}

t.test('builds once, then the cached folder is returned without building', async (t) => {
  const cache = t.testdir();
  const calls = { n: 0 };
  const first = await runStage(cache, shStage('one', calls), silent);
  t.equal(first.cached, false);
  t.equal(first.dir, join(cache, 'click', stageKey({ stage: 'test/1', text: 'one' })));
  t.equal(readFileSync(join(first.dir, 'out.txt'), 'utf8'), 'one\n');
  t.ok(stageDone(first.dir));
  const mark = JSON.parse(readFileSync(join(first.dir, '.stage-done.json'), 'utf8'));
  t.same(mark.inputs, { stage: 'test/1', text: 'one' }, 'the done-mark records the inputs');
  t.equal(first.log, join(cache, 'logs', `click-${stageKey({ stage: 'test/1', text: 'one' })}.log`));
  t.match(readFileSync(first.log, 'utf8'), /^\$ cd .* && sh -c .*\nwrote out\.txt\n$/);
  t.notOk(existsSync(`${first.dir}.lock`), 'the lock is gone');

  const second = await runStage(cache, shStage('one', calls), silent);
  t.equal(second.cached, true);
  t.equal(second.dir, first.dir);
  t.equal(calls.n, 1, 'build not called again');

  const forced = await runStage(cache, shStage('one', calls), silent, true);
  t.equal(forced.cached, false, 'force rebuilds');
  t.equal(calls.n, 2);

  const other = await runStage(cache, shStage('two', calls), silent);
  t.not(other.dir, first.dir, 'another input, another key and folder');
  t.equal(calls.n, 3);
  t.same(readdirSync(join(cache, 'click')).sort(), [first.dir, other.dir].map((d) => d.split('/').pop()).sort());
});

t.test('a failing command: BuildStepError naming the stage, the log and its last lines; the next run starts afresh', async (t) => {
  const cache = t.testdir();
  const calls = { n: 0 };
  const e = (await runStage(cache, shStage('bad', calls, true), silent).then(
    () => undefined,
    (err: unknown) => err,
  )) as BuildStepError;
  t.type(e, BuildStepError);
  t.equal(e.step, 'click');
  const key = stageKey({ stage: 'test/1', text: 'bad' });
  const log = join(cache, 'logs', `click-${key}.log`);
  t.equal(e.log, log);
  t.match(e.message, /^stage click failed \(exit 3\): sh -c for i in/);
  t.match(e.message, `\n  log: ${log}\n  last lines:\n`);
  t.match(e.message, /    line 5\n    the error$/, 'the end of the log, indented');
  const dir = join(cache, 'click', key);
  t.notOk(stageDone(dir), 'no done-mark');
  t.notOk(existsSync(`${dir}.lock`), 'the lock is released');

  writeFileSync(join(dir, 'stale'), 'left by the failed run');
  const ok = await runStage(cache, shStage('bad', calls), silent);
  t.equal(ok.cached, false, 'not taken as cached');
  t.notOk(existsSync(join(dir, 'stale')), 'the folder was started afresh');
  t.equal(calls.n, 2);
});

t.test('an error thrown by build (not a command) is a BuildStepError too', async (t) => {
  const cache = t.testdir();
  const spec: StageSpec = { kind: 'image', about: 'x', inputs: 1, build: async () => Promise.reject(new Error('no image left')) };
  const e = (await runStage(cache, spec, silent).catch((err: unknown) => err)) as BuildStepError;
  t.type(e, BuildStepError);
  t.match(e.message, /^stage image failed: no image left\n  log: /);
  t.match(readFileSync(e.log, 'utf8'), 'no image left');
});

t.test('withLock: refused while a live process holds it, taken over from a dead one', async (t) => {
  const dir = t.testdir();
  const lock = join(dir, 'x.lock');
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => sleeper.kill());
  writeFileSync(lock, `${sleeper.pid}\n`);
  const e = (await withLock(lock, 'the click tree', async () => 'ran').catch((err: unknown) => err)) as BuildStepError;
  t.type(e, BuildStepError);
  t.equal(e.step, 'lock');
  t.match(e.message, `the click tree is being built by process ${sleeper.pid} (${lock}); wait for it to finish`);
  t.equal(readFileSync(lock, 'utf8'), `${sleeper.pid}\n`, 'the live lock is left alone');

  const dead = spawn('true', { stdio: 'ignore' });
  await new Promise((r) => dead.on('exit', r));
  writeFileSync(lock, `${dead.pid}\n`);
  const seen: string[] = [];
  t.equal(await withLock(lock, 'the click tree', async () => (seen.push(readFileSync(lock, 'utf8')), 'ran')), 'ran');
  t.same(seen, [`${process.pid}\n`], 'held by this process while fn runs');
  t.notOk(existsSync(lock), 'released after');
});
