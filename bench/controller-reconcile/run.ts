// bench/controller-reconcile: how long resourced takes to reconcile 1000 recorded PMs over
// 10 module hosts (docs/controller-store.md): after a restart (the SQLite file read back,
// then every host's list_pms compared with the records), and again on a warm resourced.
// The module hosts are STAND-INS for hostd (test/support/resourced-standin.ts: real daemon
// processes, each its own process with its own XML-RPC server, whose PMs are in-memory
// records: no guest boots; real hostd needs Xen). The PMs are put there by resourced
// itself: 500 two-module allocations installed through install_allocation.
// The lab's real hostd gives the figure for a few real ClickOS PMs: test/lab/controller-crash.test.ts
// prints `reconcile after restart: N ms` for each kill point.
//   node dist/bench/controller-reconcile/run.js [allocations, default 500] [hosts, default 10]
// Prints `BENCH controller.reconcile_s` (restart: load + reconcile) and `BENCH controller.reconcile_s.warm`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { XmlRpcClient, callApi, settleTask } from '../../daemon/index.js';
import { resourcedApi } from '../../controller/resourced/api.js';
import { parseConfig, type ResourcedConfig } from '../../controller/resourced/config.js';
import { createResourcedDaemon } from '../../controller/resourced/daemon.js';
import { Resourced } from '../../controller/resourced/resourced.js';
import { openStore } from '../../controller/store/index.js';
import { CHAIN, COUNTING_SRC, HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, Standin } from '../../test/support/resourced.js';
import { waitFor } from '../../test/support/wait.js';

const [ALLOCS, HOSTS] = [Number(process.argv[2] ?? 500), Number(process.argv[3] ?? 10)];
if (!(ALLOCS >= 1 && HOSTS >= 1)) throw new Error('usage: run.js [allocations] [hosts]');

async function startResourced(config: ResourcedConfig) {
  const store = await openStore(config.store);
  const rd = new Resourced(config, () => {}, undefined, store);
  const t0 = performance.now();
  await rd.open();
  const loadMs = performance.now() - t0;
  const daemon = createResourcedDaemon(config, rd, { log: () => {} });
  const { url } = await daemon.start();
  rd.start();
  return {
    rd,
    url,
    loadMs,
    close: async () => {
      rd.stop();
      await daemon.close();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-controller-reconcile-'));
  const standins: Standin[] = [];
  let rd: Awaited<ReturnType<typeof startResourced>> | undefined;
  try {
    const config = await parseConfig(
      {
        listen: { host: '127.0.0.1', port: 0 },
        secret: { user: USER_SECRET, hosts: HOSTS_SECRET },
        folders: { patches: join(dir, 'patches') },
        hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 600_000, pollMs: 10, taskTimeoutMs: 60_000 },
        // Small PMs (memory, CPU and bandwidth) so that 1000 fit on 10 stand-in hosts.
        pm: { memoryMiB: 8, cpu: 0.01, bandwidthMbps: 0.1 },
        placement: { timeLimitMs: 50 },
        store: { kind: 'sqlite', path: join(dir, 'resourced.db') },
      },
      join(dir, 'resourced.json'),
    );
    rd = await startResourced(config);
    for (let i = 0; i < HOSTS; i++) {
      const s = new Standin();
      standins.push(s);
      // Room for a tenth of the PMs and a few more: placement packs a host before the next, so this spreads them.
      await s.start({ hostId: `mh-${String(i).padStart(2, '0')}`, controllerUrl: rd.url, heartbeatMs: 2000, nrCpus: 64, totalMemoryMiB: 256 + (Math.ceil((2 * ALLOCS) / HOSTS) + 4) * 8, reserveMiB: 256, createDelayMs: 0 });
    }
    const first = rd;
    await waitFor('every stand-in to register', () => (first.rd.hosts.live().length === HOSTS ? true : undefined), 60_000, 50);
    const user = new XmlRpcClient({ url: rd.url, secret: USER_SECRET });
    await callApi(user, resourcedApi, 'deploy_pm', { name: 'Counting', src: COUNTING_SRC, memoryMiB: 8, cpu: 0.01 });
    const t0 = performance.now();
    for (let i = 0; i < ALLOCS; i++) {
      const rv = await settleTask(user, resourcedApi, 'install_allocation', await callApi(user, resourcedApi, 'install_allocation', CHAIN), { pollMs: 2, timeoutMs: 60_000 });
      if (rv.code !== 0) throw new Error(`install ${i + 1}: ${rv.message}`);
    }
    const installS = (performance.now() - t0) / 1000;
    user.close();
    const pms = rd.rd.allocations.list().reduce((n, a) => n + a.pms.length, 0);
    const perHost = rd.rd.hosts.live().map((h) => rd!.rd.allocations.list().reduce((n, a) => n + a.pms.filter((p) => p.host === h.id).length, 0));

    const w0 = performance.now();
    const warm = await rd.rd.reconcile();
    const warmS = (performance.now() - w0) / 1000;
    const adopted = warm.filter((a) => a.kind === 'adopt').length;
    if (adopted !== ALLOCS || warm.length !== ALLOCS) throw new Error(`warm reconcile: ${warm.length} actions, ${adopted} adopt (expected ${ALLOCS} adopt)`);

    // A restart: a new resourced on the same file, before any host registers again (the
    // hosts' URLs come from the store).
    await rd.close();
    rd = undefined;
    const c0 = performance.now();
    rd = await startResourced(config);
    const cold = await rd.rd.reconcile();
    const coldS = (performance.now() - c0) / 1000;
    if (cold.filter((a) => a.kind === 'adopt').length !== ALLOCS) throw new Error(`reconcile after restart: ${cold.map((a) => a.kind).join(',')}`);

    console.log(`bench/controller-reconcile: ${pms} recorded PMs (${ALLOCS} two-module allocations) over ${HOSTS} module hosts, SQLite store, node ${process.version}`);
    console.log(`  module hosts: ${HOSTS} STAND-INS for hostd (real daemon processes, in-memory PMs, no guests); PMs per host ${Math.min(...perHost)}-${Math.max(...perHost)}`);
    console.log(`  the PMs were installed through install_allocation in ${installS.toFixed(1)} s`);
    console.log(`  restart: store loaded in ${rd.loadMs.toFixed(0)} ms; load + ${HOSTS} list_pms + comparison: ${(coldS * 1000).toFixed(0)} ms; every allocation adopted`);
    console.log(`  warm (the same process, reconcile on demand): ${(warmS * 1000).toFixed(0)} ms`);
    console.log(`BENCH controller.reconcile_s ${coldS.toFixed(3)}`);
    console.log(`BENCH controller.reconcile_s.warm ${warmS.toFixed(3)}`);
  } finally {
    await rd?.close();
    for (const s of standins) await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench/controller-reconcile: ${e.message}`);
    process.exit(1);
  },
);
