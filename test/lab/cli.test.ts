// The `clickos` CLI as a user runs it in dom0: xl-like output, --json, -t, and
// exit codes (0 success, 1 failure with xl's message, 2 bad usage).
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { guestConfig, XlConfig } from '../../toolstack/index.js';
import { LEAN_SCRIPT } from '../../guests/index.js';
import { projectRoot } from '../../lab/paths.js';
import { waitFor, xsExists, CLICKOS } from './helpers.js';

const run = promisify(execFile);
const BIN = join(projectRoot, 'bin', 'clickos.js');
const NAME = `cli-t-${process.pid}`;

async function clickos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

t.test('create -p, list, --json, -t, destroy', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const file = join(dir, 'g.cfg');
  writeFileSync(file, guestConfig({ name: NAME, ...CLICKOS }).toString());
  t.teardown(() => run('xl', ['destroy', NAME]).catch(() => {}));

  const created = await clickos('-t', 'create', '-p', file);
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, new RegExp(`created ${NAME} as domain \\d+ \\(paused\\)`));
  t.match(created.stderr, /\[timing\] xl create -p: \d+\.\d ms/, '-t prints each step');

  const [list, jsonList, domidOut] = await Promise.all([clickos('list'), clickos('--json', 'list'), clickos('domid', NAME)]);
  t.equal(list.code, 0);
  t.match(list.stdout, /^Name\s+ID\s+Mem\s+VCPUs\tState\tTime\(s\)$/m, 'xl-like header');
  t.match(list.stdout, new RegExp(`^${NAME}\\s+\\d+\\s+16\\s+1\\t--p---\\t`, 'm'), 'the paused guest');

  const json = JSON.parse(jsonList.stdout) as { name: string; state: { paused: boolean } }[];
  t.ok(json.find((d) => d.name === NAME)?.state.paused, '--json gives typed domains');

  const domid = domidOut.stdout.trim();
  t.match(domid, /^\d+$/);
  t.equal((await clickos('domname', domid)).stdout.trim(), NAME);

  t.equal((await clickos('destroy', NAME)).code, 0);
  t.notMatch((await clickos('list')).stdout, new RegExp(NAME));
});

// Independent invocations run side by side: each `clickos` start costs seconds under emulation.
t.test('failures exit non-zero with a clear message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  writeFileSync(join(dir, 'bad.cfg'), 'name = "x"\nmemory 16\n');
  const [unknown, injection, usage, bad] = await Promise.all([
    clickos('destroy', 'no-such-domain'),
    clickos('destroy', 'a;reboot'),
    clickos('destroy'),
    clickos('create', join(dir, 'bad.cfg')),
  ]);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /no-such-domain is an invalid domain identifier/);
  t.equal(injection.code, 1);
  t.match(injection.stderr, /invalid domain name/);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /expected destroy <dom>/);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /bad\.cfg:2:8: expected "=" after memory/);
});

t.test('info and uptime', async (t) => {
  const [infoOut, uptime] = await Promise.all([clickos('--json', 'info'), clickos('uptime')]);
  const info = JSON.parse(infoOut.stdout) as { xenMajor: number; xenMinor: number };
  t.same([info.xenMajor, info.xenMinor], [4, 17]);
  t.match(uptime.stdout, /^Domain-0\s+0 \d+:\d\d:\d\d$/m);
});

t.test('the example configs xen-utils-common installs round-trip', async (t) => {
  const files = readdirSync('/etc/xen').filter((f) => f.startsWith('xlexample.'));
  t.ok(files.length >= 3, files.join(' '));
  for (const f of files) {
    const text = readFileSync(join('/etc/xen', f), 'utf8');
    t.equal(XlConfig.parse(text, f).toString(), text, f);
    const fixture = readFileSync(join(projectRoot, 'test', 'fixtures', 'xlcfg', f), 'utf8');
    t.equal(fixture, text, `${f}: the unit-test fixture is the shipped file`);
  }
});

t.test('ClickOS verbs: install -s, status, read, write, stop, remove', async (t) => {
  const name = `${NAME}-c`;
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  // Our lean hotplug script, as the toolstack uses it: Xen's vif-bridge ran past libxl's timeout under load.
  writeFileSync(join(dir, 'g.cfg'), guestConfig({ name, ...CLICKOS, vifs: [{ bridge: 'xenbr0', script: LEAN_SCRIPT }] }).toString());
  writeFileSync(join(dir, 'fwd.click'), 'src :: FromDevice(0);\nsink :: ToDevice(0);\nc :: Counter;\nsrc -> c -> sink;\n');
  t.teardown(() => run('xl', ['destroy', name]).catch(() => {}));
  const created = await clickos('create', join(dir, 'g.cfg'));
  t.equal(created.code, 0, created.stderr);
  const domid = (await clickos('domid', name)).stdout.trim();
  await waitFor('data/clickos', () => (xsExists(`/local/domain/${domid}/data/clickos`) ? true : undefined), 180_000);

  const inst = await clickos('-t', 'install', '-s', name, join(dir, 'fwd.click'));
  t.equal(inst.code, 0, inst.stderr);
  t.match(inst.stdout, new RegExp(`installed fwd.click as router 0 of domain ${domid}, Running`));
  t.match(inst.stderr, /\[timing\] install: .*\n\[timing\] xl list: .*\n\[timing\] start: /, 'install, the paused check, start');
  t.match((await clickos('status', name)).stdout, new RegExp(`^${name}\\s+${domid}\\s+0 Running\\s+fwd.click$`, 'm'));
  t.same(JSON.parse((await clickos('--json', 'status')).stdout).map((r: { name: string; status: string }) => [r.name, r.status]), [[name, 'Running']], 'every ClickOS guest');

  const read = await clickos('read', name, 'src', 'class');
  t.equal(read.code, 0, read.stderr);
  t.equal(read.stdout.trim(), 'FromDevice');
  t.equal((await clickos('write', name, 'c', 'reset', '1')).code, 0, 'the Counter reset write handler');

  t.equal((await clickos('stop', name, '0')).code, 0);
  const again = await clickos('stop', name, '0');
  t.equal(again.code, 1, 'stopping a stopped router is an error (exit 1)');
  t.match(again.stderr, /already Halted/);
  const timeout = await clickos('read', name, 'src', 'class');
  t.equal(timeout.code, 1);
  t.match(timeout.stderr, /no answer to src.class/);
  t.equal((await clickos('remove', name, '0')).code, 0);
  t.match((await clickos('status', name)).stdout, /^Name\s+ID\s+Router\s+Status\s+Config\n$/, 'no routers left: the header only');
  t.equal((await clickos('install', 'Domain-0', join(dir, 'fwd.click'))).code, 1, 'dom0 is not a ClickOS domain');
});
