// resourced's config (defaults, secrets inline or from files, every problem listed)
// and deploy_pm's checker with and without the element catalog.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../controller/resourced/config.js';
import { PmTypes } from '../../controller/resourced/pm-types.js';
import { projectRoot } from '../../lab/paths.js';

t.test('defaults, documented in the README', async (t) => {
  const c = await parseConfig({ secret: 'a-secret-0123456789abc' }, '/etc/clickos/resourced.json');
  t.same(c.secret, { client: 'a-secret-0123456789abc' });
  t.same(c.listen, { host: '127.0.0.1', port: 7020 });
  t.same(c.pm, { cpu: 0.25, memoryMiB: 16, bandwidthMbps: 100 });
  t.match(c.hosts, { secrets: {}, heartbeatTimeoutMs: 35_000, callTimeoutMs: 30_000, taskTimeoutMs: 600_000, pollMs: 500 });
  t.equal(c.pmPrefix, 'rd');
  t.equal(c.bridge, 'xenbr0');
  t.same(c.upgraders, []);
  t.equal(c.folders.patches, '/var/lib/clickos/resourced');
  t.equal(c.catalog, undefined);
});

t.test('secrets from files, relative to the config; per-host secrets', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'resourced-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'user.secret'), 'user-secret-from-a-file\n');
  const c = await parseConfig(
    { secret: { user: { file: 'user.secret' }, hostd: 'hostd-secret-0123456789' }, hosts: { secrets: { 'mh-1': 'mh1-secret-0123456789' }, defaultSecret: 'default-0123456789abc' }, catalog: null },
    join(dir, 'resourced.json'),
  );
  t.same(c.secret, { user: 'user-secret-from-a-file', hostd: 'hostd-secret-0123456789' });
  t.same(c.hosts.secrets, { 'mh-1': 'mh1-secret-0123456789' });
  t.equal(c.hosts.defaultSecret, 'default-0123456789abc');
  t.equal(c.catalog, null);
});

t.test('every problem listed at once', async (t) => {
  const e = await parseConfig({ secret: { 'bad name': 'x' }, pm: { cpu: -1, colour: 1 }, pmPrefix: '-x', bridge: 'a-very-long-bridge-name' }, '/x/r.json').catch((e: unknown) => e);
  t.ok(e instanceof ConfigError);
  const m = (e as Error).message;
  for (const re of [/config\.secret\.bad name: principal names/, /config\.secret\.bad name: a secret is/, /config\.pm\.cpu: expected a number from 0 to 1024/, /config\.pm\.colour: unknown key \(known: cpu, memoryMiB, bandwidthMbps\)/, /config\.pmPrefix/, /config\.bridge/]) t.match(m, re);
  await t.rejects(parseConfig({}, '/x/r.json'), /config\.secret: required/);
  await t.rejects(parseConfig({ secret: { user: 'user-secret-0123456789' }, hosts: { principals: ['hostd'] } }, '/x/r.json'), /config\.hosts\.principals: expected an array of principals named in config\.secret/);
});

t.test('deploy_pm checker: with the catalog, and syntax-only without it', async (t) => {
  const d = { cpu: 0.25, memoryMiB: 16, bandwidthMbps: 100 };
  const full = new PmTypes(d, undefined);
  t.same(full.check('x', 'not click\n'), ["pm/x:1:1: unknown element class 'not'", "pm/x:1:5: unknown element class 'click'"]);
  const bare = new PmTypes(d, null);
  t.same(bare.check('x', 'not click\n'), [], 'without a catalog, class names cannot be checked');
  t.same(bare.check('x', 'src :: FromDevice(0) -> ;\n'), ["pm/x:1:25: syntax error near ';'"]);
  t.match(full.deploy({ name: 'T', src: 'a :: Counter;\n' }), /refused by the checker:\npm\/T:1:1: /, 'with the catalog, unconnected ports are refused');
  t.type(bare.deploy({ name: 'Ok', src: 'a :: Counter;\n', cpu: 2, memoryMiB: 32 }), 'object');
  t.match(bare.get('Ok'), { cpu: 2, memoryMiB: 32, description: 'ClickOS processing module Ok' });
  t.match(bare.deploy({ name: 'C', src: 'a :: Counter;\n', cpu: -1 }), /cpu of C must be/);
  t.match(full.deploy({ name: 'ToNet', src: 'a :: Counter;\n' }), /not FromNet or ToNet/);
  t.match(full.deploy({ name: 'E', src: '  \n' }), /is empty/);
});

t.test('the example config in the README parses (its secret files stubbed)', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const raw = JSON.parse(await readFile(join(projectRoot, 'controller', 'resourced', 'resourced.example.json'), 'utf8'));
  const dir = await mkdtemp(join(tmpdir(), 'resourced-example-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Point every {file} at a stub so the example is checked here, not in /etc.
  const stub = join(dir, 's');
  await writeFile(stub, 'stub-secret-0123456789\n');
  const fix = (o: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && 'file' in v) o[k] = { file: stub };
      else if (v && typeof v === 'object') fix(v as Record<string, unknown>);
    }
  };
  fix(raw);
  const c = await parseConfig(raw, join(dir, 'resourced.json'));
  t.same(Object.keys(c.secret), ['user', 'hosts']);
  t.same(Object.keys(c.hosts.secrets), ['module-host-1']);
});
