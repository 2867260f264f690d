// Hot-patching: upgrade installs new code that runs without a restart, a changed
// file is reloaded on the next call, and the upgrade path refuses traversal names,
// unauthenticated callers, principals not allowed to upgrade, symlinked folders and
// files that do not load.
import t from 'tap';
import { readdir, readFile, writeFile, rm, mkdir, symlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startExample, SECRET } from '../support/daemon.js';
import { XmlRpcClient, Fault, FaultCode, type ReturnValue } from '../../daemon/index.js';
import { upgrade, refuseName } from '../../daemon/upgrade.js';
import { createDaemon } from '../../daemon/index.js';
import { fileURLToPath } from 'node:url';

const command = (text: string) => Buffer.from(`export default ({ s, ok }) => ({ help: 'v', params: s.nil(), run: () => ok(${JSON.stringify(text)}) });\n`);

async function until(c: XmlRpcClient, id: string): Promise<ReturnValue> {
  for (let i = 0; i < 500; i++) {
    const rv = (await c.call('task.status', id)) as ReturnValue;
    if (rv.code !== -1) return rv;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`task ${id} never finished`);
}

async function upgradeVia(c: XmlRpcClient, files: object[]): Promise<ReturnValue> {
  const queued = (await c.call('upgrade', { files } as never)) as ReturnValue;
  if (queued.code !== -1) throw new Error(`upgrade not queued: ${JSON.stringify(queued)}`);
  return until(c, queued.value as string);
}

async function fault(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 'no fault';
  } catch (e) {
    return e instanceof Fault ? e.faultCode : String(e);
  }
}

t.test('upgrade installs a new command and a new task that then work, no restart', async (t) => {
  const d = await startExample(t);
  const c = new XmlRpcClient({ url: d.url, secret: SECRET });
  t.teardown(() => c.close());
  t.equal(await fault(c.call('hello')), FaultCode.METHOD_NOT_FOUND, 'not there before');
  const task = Buffer.from("export default ({ s, ok }) => ({ help: 'doubles n', params: s.struct({ n: s.int() }), run: async (a) => ok(a.n * 2) });\n");
  const rv = await upgradeVia(c, [
    { kind: 'command', name: 'hello', source: command('hello v1') },
    { kind: 'task', name: 'double', source: task, scope: 'common' },
  ]);
  t.equal(rv.code, 0, rv.message);
  t.match(rv.value, [{ kind: 'command', name: 'hello', scope: 'daemon', replaced: false }, { kind: 'task', name: 'double', scope: 'common', replaced: false }]);
  t.match(await c.call('hello'), { code: 0, value: 'hello v1' });
  const q = (await c.call('double', { n: 21 })) as ReturnValue;
  t.match(await until(c, q.value as string), { code: 0, value: 42 });
  t.ok((await stat(join(d.dir, 'example', 'commands', 'hello.mjs'))).isFile(), 'written into the daemon folder');
  t.ok((await stat(join(d.dir, 'common', 'tasks', 'double.mjs'))).isFile(), 'and into the common one when asked');
  t.match(await c.call('system.methodHelp', 'double'), /^task: doubles n/);

  // Replacing it: the next call runs the new code.
  const again = await upgradeVia(c, [{ kind: 'command', name: 'hello', source: command('hello v2') }]);
  t.match(again.value, [{ replaced: true }]);
  t.match(await c.call('hello'), { value: 'hello v2' });
  const audit = (await readFile(d.auditLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const up = audit.filter((e) => e.method === 'upgrade');
  t.equal(up.length, 4, 'two upgrades audited at submission and at completion');
  t.match(JSON.stringify(up[0].args), /bytes sha256:/, 'source summarised, not logged');
});

t.test('a file changed on disk is reloaded on the next call; unchanged ones are not re-imported', async (t) => {
  const d = await startExample(t);
  const file = join(d.dir, 'example', 'commands', 'add.mjs');
  t.match(await d.daemon.call('add', [{ a: 2, b: 3 }]), { value: 5 });
  const first = await d.daemon.loader.command('add');
  t.equal(await d.daemon.loader.command('add'), first, 'same definition object while the file is unchanged');
  await writeFile(file, "export default ({ s, ok }) => ({ help: 'multiplies', params: s.struct({ a: s.int(), b: s.int() }), run: (x) => ok(x.a * x.b) });\n");
  t.match(await d.daemon.call('add', [{ a: 2, b: 3 }]), { value: 6 }, 'new code runs');
  t.not((await d.daemon.loader.command('add'))!.hash, first!.hash);
  // A changed task: the next run uses it.
  await writeFile(join(d.dir, 'example', 'tasks', 'step.mjs'), "export default ({ s, ok }) => ({ help: 'v2', params: s.any(), run: (a, ctx) => { ctx.services.journal.push('v2:' + a.label); return ok(null); } });\n");
  await d.daemon.call('step', [{ label: 'x' }]);
  await d.daemon.tasks.idle();
  t.same(d.services.journal, ['v2:x']);
  // Same content rewritten (new mtime): same hash, same definition.
  const src = await readFile(file);
  const before = await d.daemon.loader.command('add');
  await writeFile(file, src);
  t.equal(await d.daemon.loader.command('add'), before, 'touching a file does not re-import it');
  // A per-daemon file shadows a common one of the same name.
  await writeFile(join(d.dir, 'example', 'commands', 'ping.mjs'), "export default ({ s, ok }) => ({ help: 'mine', params: s.nil(), run: () => ok('daemon ping') });\n");
  t.match(await d.daemon.call('ping', []), { value: 'daemon ping' });
  await rm(join(d.dir, 'example', 'commands', 'ping.mjs'));
  t.match(await d.daemon.call('ping', []), { value: 'pong from example' }, 'and the common one is back when it goes');
});

t.test('.js modules (compiled TypeScript) load too, and a .mjs beside one shadows it', async (t) => {
  const fixture = fileURLToPath(new URL('../fixtures/daemon/compiled', import.meta.url));
  const d = createDaemon({ name: 'compiled', secret: SECRET, folders: { daemon: fixture }, log: () => {} });
  t.teardown(() => d.close());
  t.match(await d.call('hello_js', []), { code: 0, value: 'hello from a .js module' });
  const s = await startExample(t);
  await writeFile(join(s.dir, 'example', 'commands', 'twin.js'), 'this is not JavaScript at all');
  await writeFile(join(s.dir, 'example', 'commands', 'twin.mjs'), command('the .mjs one'));
  t.match(await s.daemon.call('twin', []), { value: 'the .mjs one' });
  t.equal((await s.daemon.call('system.listMethods', []) as string[]).filter((m) => m === 'twin').length, 1);
});

t.test('names that could leave the folders are refused, at the call and in the task', async (t) => {
  const d = await startExample(t);
  const c = new XmlRpcClient({ url: d.url, secret: SECRET });
  t.teardown(() => c.close());
  const before = await readdir(d.dir, { recursive: true });
  for (const name of ['../evil', '../../tmp/evil', '/etc/passwd', '..', 'a/b', 'a\\b', 'UPPER', 'dot.name', '', 'x'.repeat(65), 'nul\u0000']) {
    // (a NUL cannot even travel in XML: our client refuses to encode it)
    if (!name.includes('\u0000')) t.equal(await fault(c.call('upgrade', { files: [{ kind: 'command', name, source: command('x') }] })), FaultCode.INVALID_PARAMS, `call refused: ${JSON.stringify(name)}`);
    t.ok(refuseName(name), `task refuses too: ${JSON.stringify(name)}`);
    const rv = await upgrade(d.daemon.loader, [{ kind: 'command', name, source: command('x') }]);
    t.equal(rv.code, 1, `upgrade() itself refuses ${JSON.stringify(name)}`);
  }
  t.equal(await fault(c.call('upgrade', { files: [{ kind: 'library', name: 'x', source: command('x') }] })), FaultCode.INVALID_PARAMS, 'unknown kind');
  t.equal(await fault(c.call('upgrade', { files: [{ kind: 'command', name: 'x', source: 'not base64 bytes' }] })), FaultCode.INVALID_PARAMS, 'source must be base64');
  t.same(await readdir(d.dir, { recursive: true }), before, 'nothing was written anywhere');
});

t.test('upgrade needs authentication, and the right principal when configured', async (t) => {
  const d = await startExample(t, { secret: { controller: SECRET, monitor: 'monitor-secret-0123456789' }, upgraders: ['controller'] });
  const stranger = new XmlRpcClient({ url: d.url, secret: 'not-the-secret-at-all-123' });
  const monitor = new XmlRpcClient({ url: d.url, secret: 'monitor-secret-0123456789' });
  const controller = new XmlRpcClient({ url: d.url, secret: SECRET });
  t.teardown(() => [stranger, monitor, controller].forEach((c) => c.close()));
  const files = [{ kind: 'command', name: 'sneaky', source: command('x') }];
  t.equal(await fault(stranger.call('upgrade', { files } as never)), FaultCode.UNAUTHENTICATED);
  t.equal(await fault(monitor.call('upgrade', { files } as never)), FaultCode.FORBIDDEN, 'authenticated but not an upgrader');
  t.match(await monitor.call('ping'), { code: 0 }, 'the monitor may still call the rest');
  t.equal(await fault(stat(join(d.dir, 'example', 'commands', 'sneaky.mjs'))), 'Error: ENOENT: no such file or directory, stat \'' + join(d.dir, 'example', 'commands', 'sneaky.mjs') + "'");
  t.match(await upgradeVia(controller, files), { code: 0 });
  t.match(await controller.call('sneaky'), { value: 'x' });
});

t.test('a file that does not load is not installed and the old one keeps working', async (t) => {
  const d = await startExample(t);
  const c = new XmlRpcClient({ url: d.url, secret: SECRET });
  t.teardown(() => c.close());
  for (const [why, src] of [
    ['syntax error', 'export default ({ s, ok }) => ({ help: ;'],
    ['no run()', "export default { help: 'x', params: { describe: 'any', check: () => undefined } };"],
    ['throws at import', "throw new Error('nope'); export default {};"],
  ]) {
    const rv = await upgradeVia(c, [{ kind: 'command', name: 'add', source: Buffer.from(src!) }]);
    t.equal(rv.code, 1, `${why}: refused`);
    t.match(rv.message, /does not load, not installed/);
    t.match(await c.call('add', { a: 1, b: 1 }), { code: 0, value: 2 }, `${why}: old add still works`);
  }
  const rv = await upgradeVia(c, [{ kind: 'command', name: 'brandnew', source: Buffer.from('export default 42;') }]);
  t.equal(rv.code, 1);
  t.equal(await fault(c.call('brandnew')), FaultCode.METHOD_NOT_FOUND, 'a new broken file is removed again');
});

t.test('a symlinked kind folder is not written through', async (t) => {
  const d = await startExample(t);
  const outside = join(d.dir, 'outside');
  await mkdir(outside);
  await rm(join(d.dir, 'example', 'tasks'), { recursive: true });
  await symlink(outside, join(d.dir, 'example', 'tasks'));
  const rv = await upgrade(d.daemon.loader, [{ kind: 'task', name: 'x', source: command('x') }]);
  t.equal(rv.code, 1);
  t.match(rv.message, /not a plain folder/);
  t.same(await readdir(outside), []);
});
