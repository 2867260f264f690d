// monitord as its own process (controller/monitord/main.ts): its config checked with
// every problem listed, and a running monitord answering get_stats over XML-RPC with a
// host that does not answer recorded as such (the others are not held up by it).
import t from 'tap';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient, callApi } from '../../daemon/index.js';
import { monitordApi } from '../../controller/monitord/api.js';
import { parseConfig } from '../../controller/monitord/config.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'monitord-test-secret-0123456789';
const MAIN = join(projectRoot, 'dist', 'controller', 'monitord', 'main.js');

t.test('config: every problem listed', async (t) => {
  const e = await parseConfig({ secret: { u: SECRET }, hosts: [{ url: 'ftp://x', secret: 'short' }], resourced: { url: 'http://r/RPC2' }, intervalMs: 5 }).catch((e: Error) => e);
  t.ok(e instanceof Error, 'refused');
  for (const key of ['config.hosts', 'config.resourced.secret', 'config.intervalMs']) t.match((e as Error).message, key, `names ${key}`);
  const c = await parseConfig({ secret: { u: SECRET } });
  t.same([c.hosts, c.intervalMs, c.listen.port], [[], 5000, 7050], 'defaults: no host, every 5 s, port 7050');
});

t.test('a monitord process answers get_stats; an unreachable host is recorded, not fatal', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'monitord-main-'));
  const d = new DaemonProcess('monitord', MAIN);
  t.teardown(async () => {
    await d.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const bad = join(dir, 'bad.json');
  await writeFile(bad, JSON.stringify({ secret: { u: SECRET }, intervalMs: 1 }));
  const r = await execa('node', [MAIN, '--config', bad], { reject: false });
  t.equal(r.exitCode, 2, 'a bad config: exit 2');
  t.match(r.stderr, /intervalMs/);

  const config = join(dir, 'monitord.json');
  await writeFile(config, JSON.stringify({ listen: { port: 0 }, secret: { u: SECRET }, folders: { patches: join(dir, 'p') }, hosts: [{ url: 'http://127.0.0.1:1/RPC2', secret: 'hostd-secret-0123456789', hostId: 'gone' }], intervalMs: 200, timeoutMs: 1000 }));
  const c = new XmlRpcClient({ url: await d.start(config), secret: SECRET });
  t.teardown(() => c.close());
  const snap = await waitFor('a snapshot', async () => {
    const rv = await callApi(c, monitordApi, 'get_stats');
    return rv.code === 0 ? rv.value : undefined;
  });
  t.equal(snap.hosts.length, 1);
  t.equal(snap.hosts[0]!.ok, false, 'the host that does not answer is recorded as not ok');
  t.match(snap.hosts[0]!.error, /ECONNREFUSED/);
  t.equal(await d.stop('SIGTERM'), 0, 'a clean exit on SIGTERM');
});
