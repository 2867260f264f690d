// monitord: polls a hostd (a real daemon/ daemon answering host_stats, standing in for
// hostd, which is written elsewhere) and a real Open vSwitch's counters, and serves the
// snapshot as get_stats over XML-RPC; an unreachable host is reported, not fatal.
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDaemon, XmlRpcClient } from '../../daemon/index.js';
import { createMonitord, formatStats, type StatsSnapshot } from '../../controller/monitord/index.js';
import { createOfctlDriver } from '../../controller/openflowd/index.js';
import { startOvs } from '../support/ovs.js';
import { execa } from 'execa';
import { projectRoot } from '../../lab/paths.js';
import type { HostStats } from '../../hostd/api.js';

const SECRET = 'monitord-test-secret-0123456789';
/** A host_stats value as hostd's API declares it (monitord checks the reply against it). */
const STATS: HostStats = { hostname: 'mh-a', xenVersion: '4.17', nrCpus: 4, totalMemoryMiB: 2048, freeMemoryMiB: 1234, cpuPercent: null, dom0LoadAvg: [0, 0, 0], pms: 2, pool: null, domains: [] };

t.test('get_stats: host_stats of every hostd plus switch flow and port counters', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flows-hostd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'commands'));
  await writeFile(join(dir, 'commands', 'host_stats.mjs'),
    `export default ({ s, ok }) => ({ help: 'stats', params: s.optional(s.nil()), readOnly: true, run: () => ok(${JSON.stringify(STATS)}) });\n`);
  const hostd = createDaemon({ name: 'hostd', secret: SECRET, folders: { daemon: dir }, log: () => {} });
  const { url: hostUrl } = await hostd.start();
  t.teardown(() => hostd.close());

  const ovs = await startOvs(`mo${process.pid % 100000}`);
  t.teardown(() => ovs.stop());
  const driver = createOfctlDriver({ target: ovs.target });
  await driver.addFlows(0x42n, [
    { table: 0, priority: 10, match: { ethType: 0x0800 }, actions: [] },
    { table: 0, priority: 11, match: { ethType: 0x0806 }, actions: [] },
  ]);

  const m = createMonitord({
    hosts: [{ url: hostUrl, secret: SECRET, name: 'host-a' }, { url: 'http://127.0.0.1:1/RPC2', secret: SECRET, name: 'host-down' }],
    driver,
    secret: SECRET,
    intervalMs: 60_000,
    timeoutMs: 2000,
  });
  const { url } = await m.start();
  t.teardown(() => m.close());

  const rv = (await new XmlRpcClient({ url, secret: SECRET }).call('get_stats')) as unknown as { code: number; value: StatsSnapshot };
  t.equal(rv.code, 0);
  const s = rv.value;
  t.same(s.hosts[0], { name: 'host-a', hostId: 'host-a', url: hostUrl, ok: true, stats: STATS, pmsError: 'fault -32601: no method pm_stats' }, 'a hostd without pm_stats: its host figures all the same');
  t.equal(s.hosts[1].ok, false);
  t.match(s.hosts[1].error, /ECONNREFUSED|connect/);
  t.ok(s.switch.ok);
  t.same(s.switch.allocations, [{ cookie: '0x42', flows: 2, packets: 0, bytes: 0 }]);
  t.ok(s.switch.ports.some((p) => p.port === 'LOCAL'), 'port counters include the bridge port');
  t.match(formatStats(s), /host-a\s+ok\s+\{"hostname":"mh-a"/);
  t.match(formatStats(s), /0x42\s+2\s+0\s+0/);

  // the CLI: `clickos stats URL`, the secret from the environment or a file
  const cli = join(projectRoot, 'dist', 'cli', 'main.js');
  const text = await execa('node', [cli, 'stats', url], { env: { CLICKOS_SECRET: SECRET }, reject: false });
  t.equal(text.exitCode, 0, text.stderr);
  t.match(text.stdout, /host-a\s+ok\s+\{"hostname":"mh-a"/);
  t.match(text.stdout, /0x42\s+2\s+0\s+0/);
  await writeFile(join(dir, 'secret'), `${SECRET}\n`);
  const json = await execa('node', [cli, '--json', 'stats', '--secret-file', join(dir, 'secret'), url], { reject: false });
  t.equal(json.exitCode, 0, json.stderr);
  t.same(JSON.parse(json.stdout).switch.allocations, [{ cookie: '0x42', flows: 2, packets: 0, bytes: 0 }], '--json prints the snapshot');
  const none = await execa('node', [cli, 'stats', url], { env: { CLICKOS_SECRET: '' }, reject: false });
  t.equal(none.exitCode, 2, 'no secret: a usage error');
  const wrong = await execa('node', [cli, 'stats', url], { env: { CLICKOS_SECRET: 'wrong-secret-0123456789abcdef' }, reject: false });
  t.equal(wrong.exitCode, 1, 'a wrong secret: a failure');
  t.match(wrong.stderr, /^clickos: .*(auth|secret|401|denied)/im);

  await ovs.stopVswitchd();
  const after = await m.monitor.poll();
  t.equal(after.switch.ok, false, 'a switch that went away is reported');
  t.match(formatStats(after), /switch: FAILED/);
  t.equal(after.hosts[0].ok, true, 'and the hosts are still polled');
});
