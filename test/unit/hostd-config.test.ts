// hostd's config file: defaults filled in, every problem reported at once, secrets
// inline or from a file, relative paths anchored at the config file.
import t from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../hostd/config.js';

const SECRET = 'hostd-secret-0123456789';
const minimal = { secret: SECRET, guests: { kernel: '/usr/lib/clickos/clickos_x86_64' } };

async function problems(raw: unknown): Promise<string[]> {
  try {
    await parseConfig(raw, '/etc/clickos/hostd.json');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

t.test('a minimal config gets the documented defaults', async (t) => {
  const c = await parseConfig(minimal, '/etc/clickos/hostd.json');
  t.same(c.listen, { host: '127.0.0.1', port: 7010 }, 'loopback by default');
  t.equal(c.name, 'hostd');
  t.same(c.upgraders, [], 'hot-patching off unless principals are named');
  t.equal(c.folders.patches, '/var/lib/clickos/hostd');
  t.equal(c.guests.memory, 16);
  t.same(c.guests.allowedKernels, ['/usr/lib/clickos/clickos_x86_64'], 'the default kernel is allowed');
  t.equal(c.guests.maxConfigBytes, 64 * 1024);
  t.equal(c.pool, undefined);
  t.equal(c.controller, undefined);
  t.equal(c.xentop, true);
});

t.test('a full config', async (t) => {
  const c = await parseConfig(
    {
      name: 'hostd-a',
      hostId: 'mh1',
      listen: { host: '0.0.0.0', port: 7011 },
      secret: SECRET,
      upgraders: ['controller'],
      auditLog: 'audit.jsonl',
      folders: { patches: '/srv/patches' },
      guests: { kernel: '/k', ramdisk: '/r', extra: 'console=hvc0', memory: 96, maxMemoryMiB: 512, allowedKernels: ['/k2'], vifs: [{ bridge: 'xenbr0', mac: '00:16:3E:00:00:01' }], initGraceMs: 500 },
      pool: { size: 2, template: { memory: 96 } },
      controller: { url: 'http://10.0.0.1:7000/RPC2', secret: 'controller-secret-0123', heartbeatSeconds: 5 },
      xentop: false,
    },
    '/etc/clickos/hostd.json',
  );
  t.equal(c.auditLog, '/etc/clickos/audit.jsonl', 'relative paths are relative to the config file');
  t.same(c.guests.allowedKernels, ['/k', '/k2']);
  t.same(c.guests.vifs, [{ bridge: 'xenbr0', mac: '00:16:3e:00:00:01' }], 'MACs lower-cased');
  t.same(c.pool, { size: 2, prefix: 'hostd-a-pool', template: { kernel: '/k', ramdisk: '/r', extra: 'console=hvc0', memory: 96, vifs: [{ bridge: 'xenbr0', mac: '00:16:3e:00:00:01' }] } }, 'the pool template inherits from guests');
  t.same(c.controller, { url: 'http://10.0.0.1:7000/RPC2', secret: 'controller-secret-0123', heartbeatSeconds: 5 });
  t.equal(c.xentop, false);
});

t.test('every problem is listed', async (t) => {
  const p = await problems({
    listen: { port: 70000, hots: 'x' },
    secret: 'short',
    guests: { kernel: 'relative/k', memory: 2, vifs: [{ bridge: 'a-bridge-name-too-long', mac: '01:00:00:00:00:00' }, {}] },
    pool: { template: { kernel: '/../etc/passwd' } },
    controller: { url: 'ftp://x', heartbeatSeconds: 0 },
    upgraders: 'everyone',
    bogus: 1,
  });
  const want = [
    /config\.bogus: unknown key \(known: name, listen, secret, upgraders, auditLog, folders, hostId, /,
    /config\.listen\.hots: unknown key \(known: host, port\)/,
    /config\.listen\.port: expected an integer from 0 to 65535/,
    /config\.secret: a secret is 16-512/,
    /config\.upgraders: expected an array/,
    /config\.guests\.kernel: expected an absolute path/,
    /config\.guests\.memory: expected an integer from 4/,
    /config\.guests\.vifs: expected an array of at most 8 vifs \[\{bridge, mac\?\}\]/,
    /config\.pool\.template\.kernel: expected an absolute path/,
    /config\.pool\.size: required/,
    /config\.controller\.url: expected an http\(s\) URL/,
    /config\.controller\.secret: required/,
    /config\.controller\.heartbeatSeconds: expected an integer from 1/,
  ];
  for (const re of want) t.ok(p.some((x) => re.test(x)), `reports ${re}`);
  t.equal(p.length, want.length, `nothing else: ${p.join(' | ')}`);
});

t.test('required parts', async (t) => {
  t.match(await problems({}), [/config\.secret: required/, /config\.guests: required/]);
  t.match(await problems({ secret: SECRET, guests: {} }), [/config\.guests\.kernel: required/]);
  t.match(await problems(null), [/config: expected an object/]);
  t.match(await problems([]), [/config: expected an object/]);
  t.match(await problems({ ...minimal, secretFile: '/x' }), [/config\.secretFile: unknown key/], 'one way to give a secret: {"file": path}');
  t.match(await problems({ ...minimal, secret: 'has a space in it 0123' }), [/printable ASCII characters without spaces/], 'a secret must be header-safe');
  t.match(await problems({ ...minimal, guests: { kernel: '/k', extra: 'a"b' } }), [/config\.guests\.extra/]);
  t.match(await problems({ ...minimal, name: 'bad name' }), [/config\.name/]);
});

t.test('loadConfig: secret files, JSON errors, missing files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hostd-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'secret'), `${SECRET}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'hostd.json'), JSON.stringify({ secret: { file: 'secret' }, guests: { kernel: '/k' } }));
  const c = await loadConfig(join(dir, 'hostd.json'));
  t.same(c.secret, { client: SECRET }, 'read from the file next to the config, newline dropped');

  await writeFile(join(dir, 'bad.json'), '{ "secret": ');
  await t.rejects(loadConfig(join(dir, 'bad.json')), { name: 'ConfigError', message: /is not JSON/ });
  await t.rejects(loadConfig(join(dir, 'nope.json')), { name: 'ConfigError', message: /cannot read/ });
  await writeFile(join(dir, 'nosecret.json'), JSON.stringify({ secret: { file: 'missing' }, guests: { kernel: '/k' } }));
  await t.rejects(loadConfig(join(dir, 'nosecret.json')), { name: 'ConfigError', message: /config\.secret\.file: cannot read/ });
});

t.test('hostd.example.json is a valid config', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hostd-example-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const raw = JSON.parse(await readFile(new URL('../../hostd/hostd.example.json', import.meta.url), 'utf8')) as Record<string, any>;
  // Its secret files are /etc/clickos/*.secret: point them at private copies.
  await writeFile(join(dir, 'hostd.secret'), `${SECRET}\n`);
  await writeFile(join(dir, 'controller.secret'), 'controller-secret-0123\n');
  raw.secret = { file: join(dir, 'hostd.secret') };
  raw.controller.secret = { file: join(dir, 'controller.secret') };
  const c = await parseConfig(raw, join(dir, 'hostd.json'));
  t.same(c.secret, { client: SECRET });
  t.equal(c.controller!.secret, 'controller-secret-0123');
  t.equal(c.pool!.template.kernel, c.guests.kernel);
});
