// The config-file mechanism hostd and resourced share (daemon/config-file.ts): keys
// declared with `cfg`, problems collected rather than thrown, defaults, paths anchored
// at the config file, secrets inline or in a file, and a missing or malformed file
// reported as a ConfigError. The daemons' own keys: hostd-config and resourced-config
// tests; --config and the exit codes: hostd-main and resourced-api.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, cfg, loadConfigFile, readConfig } from '../../daemon/config-file.js';

const problems = async (schema: Parameters<typeof readConfig>[1], raw: unknown, base = '/etc/x/c.json'): Promise<string[]> =>
  readConfig('d', schema, raw, base).then(
    () => [],
    (e: unknown) => (e as ConfigError).problems,
  );

t.test('every problem is collected; defaults fill missing keys', async (t) => {
  const schema = cfg.object({ a: cfg.int(2, 3), b: cfg.str(/^y$/, 'a y'), n: cfg.num(0, 1).default(0.5), f: cfg.bool(), r: cfg.int(0, 1).need() });
  t.same(await problems(schema, { a: 1, b: 'x', z: true, f: 'x' }), [
    'config.z: unknown key (known: a, b, n, f, r)',
    'config.a: expected an integer from 2 to 3',
    'config.b: expected a y',
    'config.f: expected true or false',
    'config.r: required',
  ]);
  t.same(await readConfig('d', schema, { r: 1 }, '/etc/x/c.json'), { n: 0.5, r: 1 }, 'a missing key is no problem; a default fills it');
  t.same(await problems(schema, []), ['config: expected an object']);
  t.same(await problems(cfg.object({ v: cfg.int(0, 1) }), { v: 0.5 }), ['config.v: expected an integer from 0 to 1'], 'an integer is whole');
});

t.test('file paths are relative to the config file; an empty one is refused', async (t) => {
  const schema = cfg.object({ f: cfg.path(), g: cfg.path() });
  t.same(await readConfig('d', schema, { f: 'audit.jsonl', g: '/var/log/a' }, '/etc/x/c.json'), { f: '/etc/x/audit.jsonl', g: '/var/log/a' });
  t.same(await problems(schema, { f: '' }), ['config.f: expected a path']);
});

t.test('secrets: inline or {"file": path}, one or per principal', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'config-secret-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'secret'), 'a-secret-0123456789\n');
  const base = join(dir, 'c.json');
  const schema = cfg.object({ secret: cfg.principals().need(), other: cfg.secret() });
  t.same(await readConfig('d', schema, { secret: { file: 'secret' }, other: 'inline-secret-0123456' }, base), { secret: { client: 'a-secret-0123456789' }, other: 'inline-secret-0123456' }, 'read beside the config, newline dropped');
  t.same(await readConfig('d', schema, { secret: { user: 'user-secret-0123456789', host: { file: 'secret' } } }, base), { secret: { user: 'user-secret-0123456789', host: 'a-secret-0123456789' } });
  t.match(await problems(schema, { secret: 'short', other: { file: 'missing' } }, base), [/^config\.secret: a secret is 16-512 printable ASCII/, /^config\.other\.file: cannot read .*missing: /]);
  t.match(await problems(schema, { secret: { 'bad name': 'x'.repeat(20) } }, base), [/^config\.secret\.bad name: principal names are/]);
  t.match(await problems(schema, { secret: 'has a space in it 0123' }, base), [/printable ASCII characters without spaces/], 'header-safe');
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
});
