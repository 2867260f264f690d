// Runs lab test files one after another in one node process in dom0 (test/run.ts runs
// them a few files per process):
//   node dist/test/lab/one-process.js guest.test.js vif.test.js …
// Under TCG a node start with tap and the project's modules costs 15–25 s of dom0's CPU;
// paid once a group instead of once a file. Each file's tests run in order under tap's one root
// (their top-level t.test calls are collected while the file loads, and awaited before the
// next file loads), and a `# <file> took N s` comment follows each file. Root teardowns
// (a file's t.teardown) run at the very end.
// dom0's Open vSwitch daemons are shared by the files (test/lab/dom0-ovs.ts): each file
// removes its bridge; the daemons stop after the last file.
import t from 'tap';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stopDom0OvsDaemons } from './dom0-ovs.js';

const files = process.argv.slice(2);
if (!files.length) throw new Error('usage: one-process.js FILE.test.js …');
process.env.LAB_OVS_SHARED = '1';
for (const f of files) {
  const started = Date.now();
  const orig = t.test;
  const runs: Array<Promise<unknown>> = [];
  t.test = function (this: typeof t, ...args: Parameters<typeof t.test>) {
    const p = orig.apply(this, args);
    runs.push(p);
    return p;
  } as typeof t.test;
  try {
    await import(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), f)).href);
  } finally {
    t.test = orig;
  }
  await Promise.allSettled(runs);
  t.comment(`${f} took ${Math.round((Date.now() - started) / 1000)} s`);
}
await stopDom0OvsDaemons();
