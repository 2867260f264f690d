// hostd's stats are collected once at a time (hostd/stats.ts statsSource): host_stats
// callers and the heartbeat that ask while a collection runs share it. The xl and
// xentop here are STAND-IN scripts (real ones need Xen) that log when each run starts
// and ends and take 400 ms, as a busy dom0's do; the test counts how many ran at once.
import t from 'tap';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Xl } from '../../toolstack/index.js';
import { statsSource } from '../../hostd/stats.js';

const XL = `#!/bin/sh
echo "start xl $1" >> "$LOG"; sleep 0.4
case "$1 $2" in
  "info ") printf 'xen_major              : 4\\nxen_minor              : 17\\nnr_cpus                : 2\\ntotal_memory           : 2048\\nfree_memory            : 1024\\n' ;;
  "list -l") echo '[]' ;;
  "list ") printf 'Name                                        ID   Mem VCPUs\\tState\\tTime(s)\\nDomain-0                                     0  1024     2     r-----     100.0\\n' ;;
esac
echo "end xl $1" >> "$LOG"
`;
const XENTOP = `#!/bin/sh
echo "start xentop" >> "$LOG"; sleep 0.4; echo "end xentop" >> "$LOG"; exit 1
`;

/** The most runs of `what` that were running at once, and how many started. */
function overlap(log: string, what: string): { most: number; runs: number } {
  let now = 0, most = 0, runs = 0;
  for (const l of log.split('\n')) {
    if (l === `start ${what}`) {
      runs++;
      most = Math.max(most, ++now);
    } else if (l === `end ${what}`) now--;
  }
  return { most, runs };
}

t.test('concurrent stats calls share one collection: one xentop, one xl info at a time', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hostd-stats-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, 'log');
  await writeFile(join(dir, 'xl'), XL);
  await writeFile(join(dir, 'xentop'), XENTOP);
  await chmod(join(dir, 'xl'), 0o755);
  await chmod(join(dir, 'xentop'), 0o755);
  const env = { PATH: process.env.PATH, LOG: process.env.LOG };
  process.env.PATH = `${dir}:${env.PATH}`;
  process.env.LOG = log;
  t.teardown(() => {
    process.env.PATH = env.PATH;
    if (env.LOG === undefined) delete process.env.LOG;
    else process.env.LOG = env.LOG;
  });
  const stats = statsSource({ xl: new Xl({ xl: join(dir, 'xl') }), registry: { list: async () => [] }, xentop: true });

  // five pollers (monitord, webd, a retry after a client timeout, the heartbeat...) at once
  const all = await Promise.all([stats(), stats(), stats(), stats({ xentop: false }), stats()]);
  t.equal(all[0]!.nrCpus, 2, 'figures from the stand-in xl info');
  t.ok(all.every((s) => s === all[0]), 'every caller got the one collection');
  let text = await readFile(log, 'utf8');
  t.same(overlap(text, 'xentop'), { most: 1, runs: 1 }, 'one xentop ran');
  t.same(overlap(text, 'xl info'), { most: 1, runs: 1 }, 'one xl info ran');

  // a call after it ended collects anew (figures are not kept beyond the collection)
  await stats();
  text = await readFile(log, 'utf8');
  t.equal(overlap(text, 'xentop').runs, 2, 'a later call runs its own collection');
});
