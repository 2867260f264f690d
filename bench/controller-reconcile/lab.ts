// bench/controller-reconcile, the lab's part: the same measure against the REAL hostd and
// real ClickOS guests in dom0 (run.ts does 1000 PMs on stand-ins). resourced and hostd run
// as their own processes; N two-module allocations are installed (2N guests), resourced is
// stopped and started again on its SQLite file, and the time from its start to the end of
// a reconciliation that adopts every allocation is taken (hostd's list_pms is real here).
//   node dist/lab/cli.js exec --cwd $PWD --timeout 3600 -- node dist/bench/controller-reconcile/lab.js [allocations, default 3]
// Prints `BENCH controller.reconcile_s.lab_real_hostd` and the PM count beside it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { XmlRpcClient } from '../../daemon/index.js';
import { Xl } from '../../toolstack/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../../test/support/daemon-process.js';
import { writeHostdConfig, writeResourcedConfig } from '../../test/lab/controller-configs.js';
import { call, waitFor } from '../../test/lab/helpers.js';

const N = Number(process.argv[2] ?? 3);
if (!(N >= 1)) throw new Error('usage: lab.js [allocations]');
const PREFIX = `rb-${process.pid}`;
const HOST_ID = `${PREFIX}-host`;
const COUNTING = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
const CHAIN = 'BASESYS=xen.clickos\nin :: FromNet("ip,nw_dst=10.0.0.1")\nout :: ToNet("tun1")\nc1 :: Counting()\nc2 :: Counting()\nin -> c1 -> c2 -> out\n';

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-reconcile-lab-'));
  const secrets = { hostd: randomBytes(24).toString('hex'), hosts: randomBytes(24).toString('hex'), user: randomBytes(24).toString('hex') };
  const resourced = new DaemonProcess('resourced', join(projectRoot, 'dist', 'controller', 'resourced', 'main.js'));
  const hostd = new DaemonProcess('hostd', join(projectRoot, 'dist', 'hostd', 'main.js'));
  const xl = new Xl({ timeoutMs: 300_000 });
  let user: XmlRpcClient | undefined;
  try {
    const rdConfig = await writeResourcedConfig(dir, { prefix: PREFIX, hostId: HOST_ID, secrets, bridge: 'xenbr0', extra: { listen: { host: '127.0.0.1', port: 7091 } } });
    const start = async (): Promise<void> => {
      user?.close();
      user = new XmlRpcClient({ url: await resourced.start(rdConfig), secret: secrets.user, timeoutMs: 600_000 });
    };
    await start();
    await hostd.start(await writeHostdConfig(dir, { name: `hostd-${PREFIX}`, hostId: HOST_ID, secrets, controllerUrl: 'http://127.0.0.1:7091/' }));
    await waitFor('hostd to register', async () => (((await call(user!, 'list_hosts')).value as Array<{ heartbeats: number }>).some((h) => h.heartbeats > 0) ? true : undefined), 120_000);
    if ((await call(user!, 'deploy_pm', { name: 'Counting', src: COUNTING })).code !== 0) throw new Error('deploy_pm failed');
    for (let i = 0; i < N; i++) {
      const rv = await call(user!, 'install_allocation', CHAIN);
      if (rv.code !== 0) throw new Error(`install ${i + 1}: ${rv.message}`);
    }
    await resourced.stop('SIGTERM');
    const t0 = performance.now();
    await start();
    const listening = (performance.now() - t0) / 1000;
    // The reconcile task waits for the one resourced runs at start (they share one lock) and must adopt all.
    const rv = await call(user!, 'reconcile', { dry_run: false });
    const s = (performance.now() - t0) / 1000;
    // Once more on the warm process: the comparison alone, hostd's list_pms included.
    const w0 = performance.now();
    await call(user!, 'reconcile', { dry_run: true });
    const warm = (performance.now() - w0) / 1000;
    const kinds = (rv.value as Array<{ kind: string }>).map((a) => a.kind);
    if (kinds.length !== N || kinds.some((k) => k !== 'adopt')) throw new Error(`reconcile: ${kinds.join(',')}`);
    console.log(`bench/controller-reconcile (lab): ${2 * N} real ClickOS PMs (${N} two-module allocations) on the lab's real hostd, resourced on SQLite in dom0, under TCG emulation`);
    console.log(`  restart → reconcile done: ${(s * 1000).toFixed(0)} ms, of which node starting resourced until it listens ${(listening * 1000).toFixed(0)} ms; every allocation adopted`);
    console.log(`  warm (reconcile on demand, dry run): ${(warm * 1000).toFixed(0)} ms`);
    console.log(`BENCH controller.reconcile_s.lab_real_hostd ${s.toFixed(3)}`);
    console.log(`BENCH controller.reconcile_s.lab_real_hostd_warm ${warm.toFixed(3)}`);
    console.log(`BENCH controller.reconcile_pms.lab_real_hostd ${2 * N}`);
  } finally {
    user?.close();
    await hostd.stop('SIGKILL').catch(() => {});
    await resourced.stop('SIGKILL').catch(() => {});
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench/controller-reconcile (lab): ${e.message}`);
    process.exit(1);
  },
);
