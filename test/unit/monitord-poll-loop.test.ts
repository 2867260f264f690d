// monitord's poll loop rests intervalMs after each poll ends (controller/monitord/monitor.ts):
// a poll slower than the interval is not followed by another at once. The hostd here is
// a STAND-IN (a createDaemon with host_stats and pm_stats commands; real hostd needs
// Xen) whose host_stats takes 300 ms, as xentop and xl make it on a busy dom0.
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDaemon } from '../../daemon/index.js';
import { Monitor } from '../../controller/monitord/monitor.js';

const SECRET = 'standin-hostd-secret-0123456789';
const STATS = { hostname: 'mh1', xenVersion: '4.17', nrCpus: 2, totalMemoryMiB: 1024, freeMemoryMiB: 512, cpuPercent: null, dom0LoadAvg: [0.1, 0.2, 0.3], pms: 0, pool: null, domains: [] };
const HOST_STATS = `export default ({ s, ok }) => ({
  help: 'stand-in host_stats: 300 ms, like xentop and xl on a busy dom0',
  params: s.optional(s.any()),
  readOnly: true,
  run: async (_a, ctx) => {
    const j = ctx.services;
    j.calls.push({ start: Date.now() });
    j.now++;
    j.most = Math.max(j.most, j.now);
    await new Promise((r) => setTimeout(r, 300));
    j.now--;
    j.calls[j.calls.length - 1].end = Date.now();
    return ok(${JSON.stringify(STATS)});
  },
});
`;
const PM_STATS = `export default ({ s, ok }) => ({ help: 'stand-in pm_stats', params: s.optional(s.any()), readOnly: true, run: async () => ok([]) });
`;

t.test('a poll slower than the interval: the next starts intervalMs after it ends, never two at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'monitord-loop-'));
  await mkdir(join(dir, 'commands'));
  await writeFile(join(dir, 'commands', 'host_stats.mjs'), HOST_STATS);
  await writeFile(join(dir, 'commands', 'pm_stats.mjs'), PM_STATS);
  const journal = { calls: [] as Array<{ start: number; end?: number }>, now: 0, most: 0 };
  const hostd = createDaemon({ name: 'hostd-standin', listen: { port: 0 }, secret: { monitord: SECRET }, folders: { daemon: dir }, services: journal, log: () => {} });
  const { url } = await hostd.start();
  const m = new Monitor({ hosts: [{ url, secret: SECRET, name: 'mh1' }], intervalMs: 200 });
  t.teardown(async () => {
    await m.stop();
    await hostd.close();
    await rm(dir, { recursive: true, force: true });
  });
  m.start();
  await new Promise((r) => setTimeout(r, 2600));
  await m.stop();
  const done = journal.calls.filter((c) => c.end !== undefined);
  t.ok(done.length >= 3, `${done.length} polls`);
  t.equal(m.latest?.hosts[0]?.ok, true, 'the stand-in answered');
  t.equal(journal.most, 1, 'never two host_stats at once');
  const rests = done.slice(1).map((c, i) => c.start - done[i]!.end!);
  t.ok(rests.every((r) => r >= 180), `the host rests about intervalMs between polls: ${rests.join(', ')} ms`);
});
