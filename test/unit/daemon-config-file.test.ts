// The config-file checks hostd and resourced share (daemon/config-file.ts): problems
// collected rather than thrown, paths anchored at the config file, and a missing or
// malformed file reported as a ConfigError. The daemons' own keys: hostd-config and
// resourced-config tests; --config and the exit codes: hostd-main and resourced-api.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigChecker, ConfigError, loadConfigFile } from '../../daemon/config-file.js';

t.test('checks collect every problem and return undefined for it', async (t) => {
  const c = new ConfigChecker('/etc/x');
  const o = c.obj({ a: 1, b: 'x', z: true }, 'config', ['a', 'b', 'n', 'f']);
  t.equal(c.int(o, 'a', 'config', 2, 3), undefined);
  t.equal(c.num(o, 'n', 'config', 0, 1), undefined, 'a missing key is no problem');
  t.equal(c.str(o, 'b', 'config', /^y$/, 'a y'), undefined);
  t.equal(c.bool(o, 'b', 'config'), undefined);
  t.equal(c.obj([], 'config.list', []), undefined);
  t.same(c.problems, [
    'config.z: unknown key (known: a, b, n, f)',
    'config.a: expected an integer from 2 to 3',
    'config.b: expected a y',
    'config.b: expected true or false',
    'config.list: expected an object',
  ]);
  t.equal(c.num({ v: 0.5 }, 'v', 'config', 0, 1), 0.5);
  t.equal(c.int({ v: 0.5 }, 'v', 'config', 0, 1), undefined, 'an integer is whole');
});

t.test('file paths are relative to the config file; an empty one is refused', async (t) => {
  const c = new ConfigChecker('/etc/x');
  t.equal(c.file({ f: 'audit.jsonl' }, 'f', 'config'), '/etc/x/audit.jsonl');
  t.equal(c.file({ f: '/var/log/a' }, 'f', 'config'), '/var/log/a');
  t.equal(c.file({ f: '' }, 'f', 'config'), undefined);
  t.same(c.problems, ['config.f: expected a path']);
});

t.test('loadConfigFile: unreadable and non-JSON files are ConfigErrors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'config-file-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const parse = async (raw: unknown, path: string) => ({ raw, path });
  await writeFile(join(dir, 'ok.json'), '{"a": 1}');
  t.same(await loadConfigFile('d', join(dir, 'ok.json'), parse), { raw: { a: 1 }, path: join(dir, 'ok.json') });
  await writeFile(join(dir, 'bad.json'), '{');
  const bad = await loadConfigFile('d', join(dir, 'bad.json'), parse).catch((e: unknown) => e);
  t.ok(bad instanceof ConfigError);
  t.match((bad as ConfigError).message, /^invalid d configuration:\n {2}.*bad\.json is not JSON: /);
  await t.rejects(loadConfigFile('d', join(dir, 'nope.json'), parse), { name: 'ConfigError', problems: [/^cannot read .*nope\.json: /] });
  await writeFile(join(dir, 'secret'), 'a-secret-0123456789\n');
  t.equal(await new ConfigChecker(dir).readSecret('secret'), 'a-secret-0123456789', 'read beside the config, newline dropped');
});
