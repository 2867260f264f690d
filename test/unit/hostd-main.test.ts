// hostd's entry point as a process (dist/hostd/main.js, as systemd runs it): a bad
// config stops it with every problem listed (exit 2); a host without xenstored stops
// it with a clear message (exit 1). What it does on a Xen host: test/lab/hostd.test.ts.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';

const main = join(projectRoot, 'dist', 'hostd', 'main.js');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [main, ...args], { timeout: 30_000, env: { ...process.env, ...env } }, (err, _stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

t.test('hostd main', { skip: existsSync(main) ? false : `${main} not built (npx tsc -p tsconfig.json)` }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hostd-main-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const missing = await run(['--config', join(dir, 'nope.json')]);
  t.equal(missing.code, 2, 'a missing config file: exit 2');
  t.match(missing.stderr, /hostd: invalid hostd configuration:\n {2}cannot read .*nope\.json/);

  await writeFile(join(dir, 'bad.json'), JSON.stringify({ secret: 'short', guests: { kernel: 'k' }, listen: { port: -1 } }));
  const bad = await run(['--config', join(dir, 'bad.json')]);
  t.equal(bad.code, 2, 'an invalid config: exit 2');
  t.match(bad.stderr, /config\.listen\.port/);
  t.match(bad.stderr, /config\.secret: a secret is 16-512/);
  t.match(bad.stderr, /config\.guests\.kernel/);

  t.equal((await run(['--config'])).code, 2, '--config without a path: exit 2');

  await writeFile(join(dir, 'good.json'), JSON.stringify({ secret: 'hostd-secret-0123456789', listen: { port: 0 }, guests: { kernel: '/k' } }));
  const noXen = await run(['--config', join(dir, 'good.json')], { XENSTORED_PATH: join(dir, 'no-such-socket') });
  t.equal(noXen.code, 1, 'no xenstored: exit 1');
  t.match(noXen.stderr, /cannot connect to xenstored \(is this dom0, and xenstored running\?\)/);
});
