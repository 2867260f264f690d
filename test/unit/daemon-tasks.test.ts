// Tasks (D3.2 §3.1.1, docs/platform.md): an id at once, status polled; high before normal; a concurrency
// limit; compound tasks in order, stopping at the first failure. Order is asserted
// through what the tasks record (gates hold a task until the test opens them), never
// through wall-clock time.
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startExample, SECRET, type Started } from '../support/daemon.js';
import { XmlRpcClient, type ReturnValue } from '../../daemon/index.js';
import { TaskQueue } from '../../daemon/task-queue.js';
import { ok } from '../../daemon/return-value.js';

function gate(s: Started, name: string): () => void {
  let open!: () => void;
  s.services.gates.set(name, new Promise<void>((r) => (open = r)));
  return open;
}

const tick = () => new Promise((r) => setImmediate(r));

async function submit(s: Started, label: string, prio?: 'high' | 'normal', g?: string): Promise<string> {
  const arg: Record<string, string> = { label };
  if (g) arg.gate = g;
  const rv = (await s.daemon.call('step', prio ? [arg, prio] : [arg])) as ReturnValue;
  if (rv.code !== -1) throw new Error(JSON.stringify(rv));
  return rv.value as string;
}

t.test('with one slot, waiting high tasks run before waiting normal ones', async (t) => {
  const s = await startExample(t, { concurrency: 1 });
  const open = gate(s, 'g');
  await submit(s, 'first', 'normal', 'g'); // occupies the only slot
  for (const [label, prio] of [['n1', 'normal'], ['n2', 'normal'], ['h1', 'high'], ['n3', 'normal'], ['h2', 'high']] as const) await submit(s, label, prio);
  await tick();
  t.same(s.services.journal, [], 'nothing ran past the held task');
  open();
  await s.daemon.tasks.idle();
  t.same(s.services.journal, ['first', 'h1', 'h2', 'n1', 'n2', 'n3']);
});

t.test('a running high task holds normal ones back even with free slots (D3.2: "no high priority tasks exist")', async (t) => {
  const s = await startExample(t, { concurrency: 3 });
  const open = gate(s, 'h');
  const h = await submit(s, 'H', 'high', 'h');
  const n = await submit(s, 'N', 'normal');
  await tick();
  t.equal(s.daemon.tasks.get(h)!.state, 'running');
  t.equal(s.daemon.tasks.get(n)!.state, 'queued');
  const h2 = await submit(s, 'H2', 'high');
  await tick();
  t.equal(s.daemon.tasks.get(h2)!.state, 'done', 'another high task takes a free slot');
  open();
  await s.daemon.tasks.idle();
  t.same(s.services.journal, ['H2', 'H', 'N']);
});

t.test('the concurrency limit holds', async (t) => {
  const s = await startExample(t, { concurrency: 2 });
  const opens = ['a', 'b', 'c', 'd'].map((g) => gate(s, g));
  const ids = [];
  for (const g of ['a', 'b', 'c', 'd']) ids.push(await submit(s, g, 'normal', g));
  await tick();
  t.same(ids.map((id) => s.daemon.tasks.get(id)!.state), ['running', 'running', 'queued', 'queued']);
  opens[1]!();
  await new Promise((r) => setTimeout(r, 20));
  t.same(ids.map((id) => s.daemon.tasks.get(id)!.state), ['running', 'done', 'running', 'queued'], 'a freed slot goes to the next');
  opens.forEach((o) => o());
  await s.daemon.tasks.idle();
  t.same(s.services.journal, ['b', 'a', 'c', 'd']);
});

t.test('task status over XML-RPC: not ready, then the result', async (t) => {
  const s = await startExample(t, { concurrency: 1 });
  const c = new XmlRpcClient({ url: s.url, secret: SECRET });
  t.teardown(() => c.close());
  const open = gate(s, 'g');
  const q1 = (await c.call('step', { label: 'one', gate: 'g' })) as ReturnValue;
  const q2 = (await c.call('step', { label: 'two', fail: true })) as ReturnValue;
  t.match(q1, { code: -1, message: 'task step queued (normal)', value: String });
  t.match(await c.call('task.status', q1.value as string), { code: -1, message: 'running', value: { state: 'running', name: 'step' } });
  t.match(await c.call('task.status', q2.value as string), { code: -1, message: 'queued', value: { state: 'queued', priority: 'normal' } });
  open();
  await s.daemon.tasks.idle();
  t.same(await c.call('task.status', q1.value as string), { code: 0, message: 'step one done', value: 'one' });
  t.same(await c.call('task.status', q2.value as string), { code: 1, message: 'step two failed as asked', value: null });
  t.match(await c.call('task.status', 'nope'), { code: 1, message: /no task nope/ });
  t.match(await c.call('task.list'), { code: 0, value: [{ id: q1.value, state: 'done' }, { id: q2.value, state: 'done' }] });
});

t.test('compound tasks run their parts in order and stop at the first failure', async (t) => {
  const s = await startExample(t, { concurrency: 4 });
  const run = async (method: string, params: unknown[]) => {
    const q = (await s.daemon.call(method, params as never)) as ReturnValue;
    await s.daemon.tasks.idle();
    return s.daemon.tasks.status(q.value as string);
  };
  const all = await run('deploy', [{ prefix: 'a' }]);
  t.match(all, { code: 0, message: '3 part(s) succeeded' });
  t.same(s.services.journal.splice(0), ['a1', 'a2', 'a3'], 'in order');
  for (const n of [1, 2, 3]) {
    const r = await run('deploy', [{ prefix: 'f', failAt: n }]);
    t.equal(r.code, 1);
    t.equal(r.message, `part ${n}/3 (step) failed: step f${n} failed as asked`);
    t.equal((r.value as unknown[]).length, n, `stopped after part ${n}`);
    t.same(s.services.journal.splice(0), ['f1', 'f2', 'f3'].slice(0, n));
  }
  // Parts given at call time, one of which is itself compound; a part that does not exist stops the rest.
  const nested = await run('task.compound', [[{ task: 'step', arg: { label: 'x' } }, { task: 'deploy', arg: { prefix: 'n' } }, { task: 'step', arg: { label: 'y' } }]]);
  t.equal(nested.code, 0);
  t.same(s.services.journal.splice(0), ['x', 'n1', 'n2', 'n3', 'y']);
  // Parts may come from the common folder too.
  const mixed = await run('task.compound', [[{ task: 'step', arg: { label: 'p' } }, { task: 'sleep', arg: { ms: 1 } }, { task: 'step', arg: { label: 'q' } }]]);
  t.equal(mixed.code, 0);
  t.same(s.services.journal.splice(0), ['p', 'q']);
  // Compound parts run one after another even with free slots.
  const open = gate(s, 'slow');
  const q = (await s.daemon.call('task.compound', [[{ task: 'step', arg: { label: 's1', gate: 'slow' } }, { task: 'step', arg: { label: 's2' } }]])) as ReturnValue;
  await tick();
  t.same(s.services.journal, [], 'the second part waits for the first');
  open();
  await s.daemon.tasks.idle();
  t.same(s.services.journal.splice(0), ['s1', 's2']);
  t.match(s.daemon.tasks.status(q.value as string), { code: 0 });
});

t.test('a compound definition may run its parts in-process and settle the reply (resourced\'s install_allocation)', async (t) => {
  const s = await startExample(t, { concurrency: 4 });
  // Steps share what their closure holds; settle sees the compound's reply and answers the task's own.
  await writeFile(
    join(s.dir, 'example', 'tasks', 'staged.mjs'),
    `export default ({ s, ok, fail }) => ({
      help: 'steps a, b, c in-process; settle undoes the done ones on a failure',
      params: s.struct({ failAt: s.int() }),
      parts: (arg, ctx) => {
        const made = [];
        const step = (n) => ({ task: 'make ' + n, run: async () => {
          ctx.services.journal.push(n);
          if (n === arg.failAt) return fail('cannot make ' + n);
          made.push(n);
          return ok(n);
        } });
        return {
          parts: [1, 2, 3].map(step),
          settle: async (rv) => {
            if (rv.code === 0) return ok(made.length, 'made ' + made.join(', '));
            for (const n of made.reverse()) ctx.services.journal.push('undo ' + n);
            return fail('undone after: ' + rv.message, rv.value);
          },
        };
      },
    });
`,
  );
  const run = async (failAt: number) => {
    const q = (await s.daemon.call('staged', [{ failAt }])) as ReturnValue;
    await s.daemon.tasks.idle();
    return s.daemon.tasks.status(q.value as string);
  };
  t.match(await run(0), { code: 0, value: 3, message: 'made 1, 2, 3' }, 'all parts done: settle answers the value');
  t.same(s.services.journal.splice(0), [1, 2, 3], 'in order');
  const r = await run(2);
  t.equal(r.code, 1);
  t.equal(r.message, 'undone after: part 2/3 (make 2) failed: cannot make 2');
  t.same((r.value as Array<{ task: string }>).map((p) => p.task), ['make 1', 'make 2'], 'the parts that ran, with their replies');
  t.same(s.services.journal.splice(0), [1, 2, 'undo 1'], 'the third part never ran; settle undid the first');
});

t.test('TaskQueue: throwing or malformed tasks fail cleanly, old results are forgotten, a full queue refuses', async (t) => {
  const done: string[] = [];
  const q = new TaskQueue({ concurrency: 1, retain: 2, maxQueued: 3, onDone: (r) => done.push(`${r.name}:${r.result!.code}`) });
  q.pause();
  const a = q.submit('throws', 'normal', 'w', async () => {
    throw new Error('kaput');
  });
  const b = q.submit('malformed', 'normal', 'w', async () => ({ nope: 1 }) as never);
  const c = q.submit('notready', 'normal', 'w', async () => ({ code: -1, message: 'x', value: null }));
  t.throws(() => q.submit('one-too-many', 'normal', 'w', async () => ok()), /more than 3 tasks waiting/);
  q.resume();
  await q.idle();
  t.same(done, ['throws:1', 'malformed:1', 'notready:1']);
  t.match(q.status(a.id), { code: 1, message: /no task/ }, 'oldest result forgotten (retain 2)');
  t.match(q.status(b.id), { code: 1, message: 'task malformed returned no final ReturnValue' });
  t.match(q.status(c.id), { code: 1, message: 'task notready returned no final ReturnValue' });
  const d = q.submit('x', 'high', 'w', async () => {
    throw 'a string';
  });
  await q.idle();
  t.match(q.status(d.id), { code: 1, message: 'task x threw: a string' });
});
