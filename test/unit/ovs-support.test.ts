// test/support/ovs.ts: a run killed before stop() leaves its namespaces; the next run with
// the same tag removes them, and a tag a live process holds is refused (real namespaces).
import t from 'tap';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { startOvs } from '../support/ovs.js';

const TAG = `os${process.pid % 100000}`;
const namespaces = async (): Promise<string[]> => (await execa('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!);

t.test('leftovers of a dead owner are removed; a live owner is refused', async (t) => {
  // What a killed run leaves: its switch namespace, a host namespace, the owner file with its pid.
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.once('exit', r));
  await execa('ip', ['netns', 'add', `fl-${TAG}-sw`]);
  await execa('ip', ['netns', 'add', `${TAG}-h1`]);
  await mkdir('/run/clickos-test-ovs', { recursive: true });
  await writeFile(`/run/clickos-test-ovs/${TAG}.json`, JSON.stringify({ pid: dead.pid, dir: '/tmp/ovs-gone', namespaces: [`${TAG}-h1`] }));
  t.teardown(async () => {
    for (const n of [`fl-${TAG}-sw`, `${TAG}-h1`]) await execa('ip', ['netns', 'del', n], { reject: false });
  });

  const ovs = await startOvs(TAG);
  t.notOk((await namespaces()).includes(`${TAG}-h1`), "the dead run's host namespace is gone");
  t.ok((await namespaces()).includes(`fl-${TAG}-sw`), 'the new switch has its namespace');
  await t.rejects(startOvs(TAG), new RegExp(`test switch "${TAG}" is in use by process ${process.pid}`), 'a second switch with a live owner is refused');
  t.ok((await namespaces()).includes(`fl-${TAG}-sw`), "the refusal leaves the live switch's namespace alone");
  await ovs.stop();
  t.notOk((await namespaces()).some((n) => n.startsWith(`fl-${TAG}`)), 'stop removes it');
  const again = await startOvs(TAG);
  await again.stop();
  t.pass('the tag is free again after stop');
});
