// hostd's registration and heartbeat against a tiny real controller: the daemon
// library's own createDaemon serving register_host and heartbeat commands from a
// temporary folder. Failures (controller down, wrong secret, unknown host, stats
// that cannot be read) are logged and retried, never fatal.
import t, { type Test } from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDaemon, type Daemon } from '../../daemon/index.js';
import { ControllerLink } from '../../hostd/controller.js';
import type { HostStats } from '../../hostd/api.js';
import { freePort } from '../support/ports.js';

const CONTROLLER_SECRET = 'controller-secret-0123456789';

interface Journal {
  calls: { method: string; arg: any; who: string }[];
  /** When set, heartbeat answers code 1 (a controller that forgot the host). */
  forget: boolean;
}

const REGISTER = `export default ({ s, ok }) => ({
  help: 'Registers a module host.',
  params: s.struct({ host_id: s.str(), url: s.str(), methods: s.array(s.str()), stats: s.any() }),
  run: (arg, ctx) => { ctx.services.calls.push({ method: 'register_host', arg, who: ctx.who }); return ok({ host_id: 'assigned-' + arg.host_id }); },
});
`;
const HEARTBEAT = `export default ({ s, ok, fail }) => ({
  help: 'A module host is alive.',
  params: s.struct({ host_id: s.str(), stats: s.optional(s.any()), statsError: s.optional(s.str()) }),
  run: (arg, ctx) => {
    ctx.services.calls.push({ method: 'heartbeat', arg, who: ctx.who });
    return ctx.services.forget ? fail('unknown host ' + arg.host_id) : ok();
  },
});
`;

const STATS: HostStats = { hostname: 'mh1', xenVersion: '4.17', nrCpus: 2, totalMemoryMiB: 1024, freeMemoryMiB: 512, cpuPercent: null, dom0LoadAvg: [0.1, 0.2, 0.3], pms: 2, pool: null, domains: [] };

async function controller(t: Test, port = 0): Promise<{ daemon: Daemon; url: string; journal: Journal }> {
  const dir = await mkdtemp(join(tmpdir(), 'hostd-controller-'));
  await mkdir(join(dir, 'commands'));
  await writeFile(join(dir, 'commands', 'register_host.mjs'), REGISTER);
  await writeFile(join(dir, 'commands', 'heartbeat.mjs'), HEARTBEAT);
  const journal: Journal = { calls: [], forget: false };
  const daemon = createDaemon<Journal>({ name: 'controller', listen: { port }, secret: { hostd: CONTROLLER_SECRET }, folders: { daemon: dir }, services: journal, log: () => {} });
  const { url } = await daemon.start();
  t.teardown(async () => {
    await daemon.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { daemon, url, journal };
}

function link(t: Test, url: string, o: { secret?: string; stats?: () => Promise<any> } = {}): { link: ControllerLink; logs: string[] } {
  const logs: string[] = [];
  const l = new ControllerLink({
    url,
    secret: o.secret ?? CONTROLLER_SECRET,
    heartbeatSeconds: 1,
    maxBackoffMs: 1000,
    timeoutMs: 5000,
    info: () => ({ host_id: 'mh1', url: 'http://127.0.0.1:7010/RPC2', methods: ['create_pm'], stats: STATS }),
    stats: o.stats ?? (async () => STATS),
    log: (m) => logs.push(m),
  });
  t.teardown(() => l.stop());
  return { link: l, logs };
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

t.test('registers, then heartbeats with the assigned id and the stats', async (t) => {
  const c = await controller(t);
  const { link: l } = link(t, c.url);
  l.start();
  await until('two heartbeats', () => c.journal.calls.filter((x) => x.method === 'heartbeat').length >= 2);
  const [reg, hb] = c.journal.calls;
  t.same(reg, { method: 'register_host', arg: { host_id: 'mh1', url: 'http://127.0.0.1:7010/RPC2', methods: ['create_pm'], stats: STATS }, who: 'hostd' });
  t.same(hb, { method: 'heartbeat', arg: { host_id: 'assigned-mh1', stats: STATS }, who: 'hostd' }, 'the id the controller assigned');
  t.equal(l.state, 'registered');
  t.equal(l.counts.registered, 1);
  await l.stop();
  const n = c.journal.calls.length;
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(c.journal.calls.length, n, 'nothing after stop()');
});

t.test('a controller that is down at first: retried until it is up', async (t) => {
  const port = await freePort();
  const { link: l, logs } = link(t, `http://127.0.0.1:${port}/RPC2`);
  l.start();
  await until('a failed attempt', () => l.counts.failures >= 1);
  t.match(logs[0], /register_host at .* failed \(.*ECONNREFUSED.*\); retrying in 1s/);
  const c = await controller(t, port);
  await until('registration', () => l.state === 'registered', 15_000);
  await until('a heartbeat', () => c.journal.calls.some((x) => x.method === 'heartbeat'));
  t.pass('registered once the controller came up');
});

t.test('a wrong secret is logged and retried, never thrown', async (t) => {
  const c = await controller(t);
  const { link: l, logs } = link(t, c.url, { secret: 'not-the-controller-secret' });
  l.start();
  await until('two failures', () => l.counts.failures >= 2, 15_000);
  t.match(logs[0], /fault -32001/);
  t.equal(l.state, 'registering');
  t.same(c.journal.calls, [], 'the controller never ran a method');
});

t.test('a heartbeat the controller refuses sends the link back to registering', async (t) => {
  const c = await controller(t);
  const { link: l, logs } = link(t, c.url);
  l.start();
  await until('registered', () => l.counts.registered === 1);
  c.journal.forget = true;
  await until('the refused heartbeat', () => logs.some((m) => /heartbeat failed \(code 1: unknown host assigned-mh1\); registering again/.test(m)));
  c.journal.forget = false;
  await until('registered again', () => l.counts.registered === 2, 15_000);
  t.pass('registered again after the controller forgot the host');
});

t.test('stats that cannot be read still make a heartbeat', async (t) => {
  const c = await controller(t);
  const { link: l } = link(t, c.url, {
    stats: async () => {
      throw new Error('xl info timed out');
    },
  });
  l.start();
  await until('a heartbeat', () => c.journal.calls.some((x) => x.method === 'heartbeat'));
  t.same(c.journal.calls.find((x) => x.method === 'heartbeat')!.arg, { host_id: 'assigned-mh1', statsError: 'xl info timed out' }, 'no stats, and why');
  t.equal(l.state, 'registered');
});

t.test('stats that hang do not hold the heartbeat: it goes without them, in time', async (t) => {
  const c = await controller(t);
  let asked = 0;
  // xl or xentop stuck on a busy dom0: the stats never come
  const { link: l } = link(t, c.url, {
    stats: () => {
      asked++;
      return new Promise<never>(() => {});
    },
  });
  l.start();
  const t0 = Date.now();
  await until('three heartbeats', () => c.journal.calls.filter((x) => x.method === 'heartbeat').length >= 3, 8000);
  t.ok(Date.now() - t0 < 7000, `three heartbeats within ${Date.now() - t0} ms (1 s period)`);
  const hb = c.journal.calls.find((x) => x.method === 'heartbeat')!.arg;
  t.equal(hb.stats, undefined, 'no stats');
  t.match(hb.statsError, /host stats not ready within 1000 ms/, 'and why');
  t.ok(asked >= 3, 'each heartbeat asked');
  t.equal(l.state, 'registered', 'still registered');
});
