// bench/controller-store: what keeping resourced's state in SQLite costs an install.
// install_allocation latency (submit, then task.status until it settles, as a client
// sees it) on resourced with the MemoryStore against the SqliteStore (a file in a
// fresh tmp dir; WAL, synchronous = FULL: each write is fsynced), in the same run, in
// interleaved rounds: each round installs then deletes one two-module chain on each
// store, the order alternating from round to round. Medians over the rounds, after
// warm-up rounds that are not counted.
// The module hosts are STAND-INS for hostd (test/support/resourced-standin.ts: real
// daemon processes whose create_pm keeps an in-memory record, no guest boots; real
// hostd needs Xen), the same processes for both stores: this process registers each
// with both resourced and forwards its host_stats as heartbeats to both. Their
// create_pm answers at once by default, so the figures are resourced's own cost
// (XML-RPC, the task queue, placement, the store's writes, calls to the hosts), the
// worst case for the ratio: a real create_pm boots a guest, beside which the store's
// milliseconds shrink. --create-ms=N makes each stand-in create_pm take N ms (ClickOS's
// NSDI'14 boot: about 30 ms; under the lab's emulation, seconds).
//   node dist/bench/controller-store/run.js [rounds, default 30] [warm-up rounds, default 3] [--create-ms=N]
// Prints `BENCH controller.install_ms.memory`, `BENCH controller.install_ms.sqlite` (medians)
// and `RATIO controller.install_latency_sqlite_vs_memory` (sqlite / memory; goal ≤ 1.1).
import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { XmlRpcClient, callApi, settleTask } from '../../daemon/index.js';
import { resourcedApi } from '../../controller/resourced/api.js';
import { parseConfig } from '../../controller/resourced/config.js';
import { createResourcedDaemon } from '../../controller/resourced/daemon.js';
import { Resourced } from '../../controller/resourced/resourced.js';
import { openStore, type ControllerStore } from '../../controller/store/index.js';
import type { HostStats } from '../../hostd/api.js';
import { CHAIN, COUNTING_SRC, HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, Standin } from '../../test/support/resourced.js';

const ARGS = process.argv.slice(2);
const POS = ARGS.filter((a) => !a.startsWith('--'));
const [ROUNDS, WARMUP] = [Number(POS[0] ?? 30), Number(POS[1] ?? 3)];
const CREATE_MS = Number(/^--create-ms=(\d+)$/.exec(ARGS.find((a) => a.startsWith('--create-ms=')) ?? '--create-ms=0')?.[1] ?? NaN);
if (!(ROUNDS >= 1 && WARMUP >= 0 && CREATE_MS >= 0) || ARGS.some((a) => a.startsWith('--') && !a.startsWith('--create-ms='))) throw new Error('usage: run.js [rounds] [warm-up rounds] [--create-ms=N]');
const HOSTS = ['mh-a', 'mh-b'];
const HEARTBEAT_MS = 500;

type Kind = 'memory' | 'sqlite';

/** Counts the store's writes (every method but load and close): one install's worth is printed. */
function counted(store: ControllerStore): { store: ControllerStore; writes: () => number } {
  let n = 0;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || prop === 'load' || prop === 'close') return v;
      return (...args: unknown[]) => {
        n++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, writes: () => n };
}

interface Controller {
  kind: Kind;
  url: string;
  client: XmlRpcClient;
  hostsClient: XmlRpcClient;
  description: string;
  writes: () => number;
  install: number[];
  del: number[];
  close: () => Promise<void>;
}

async function startController(kind: Kind, dir: string): Promise<Controller> {
  const config = await parseConfig(
    {
      listen: { host: '127.0.0.1', port: 0 },
      secret: { user: USER_SECRET, hosts: HOSTS_SECRET },
      folders: { patches: join(dir, `patches-${kind}`) },
      hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 60_000, pollMs: 10, taskTimeoutMs: 20_000 },
      pm: { memoryMiB: 64 },
      // Names differ so the two controllers' PMs can never collide on the shared stand-ins.
      pmPrefix: kind === 'memory' ? 'mem' : 'sql',
      store: kind === 'memory' ? { kind: 'memory' } : { kind: 'sqlite', path: join(dir, 'resourced.db') },
    },
    join(dir, `resourced-${kind}.json`),
  );
  const { store, writes } = counted(await openStore(config.store));
  const rd = new Resourced(config, () => {}, undefined, store);
  await rd.open();
  const daemon = createResourcedDaemon(config, rd, { log: () => {} });
  const { url } = await daemon.start();
  rd.start();
  const client = new XmlRpcClient({ url, secret: USER_SECRET });
  const hostsClient = new XmlRpcClient({ url, secret: HOSTS_SECRET });
  return {
    kind,
    url,
    client,
    hostsClient,
    description: store.description,
    writes,
    install: [],
    del: [],
    close: async () => {
      client.close();
      hostsClient.close();
      rd.stop();
      await daemon.close();
      await store.close();
    },
  };
}

async function hostStats(c: XmlRpcClient): Promise<HostStats> {
  const rv = (await c.call('host_stats')) as { code: number; message: string; value: HostStats };
  if (rv.code !== 0) throw new Error(`host_stats: ${rv.message}`);
  return rv.value;
}

function check(what: string, rv: { code: number; message: string }): void {
  if (rv.code !== 0) throw new Error(`${what}: ${rv.message}`);
}

/** One install then one delete on `c`, each timed from submission to the settled task; the store writes of each. */
async function round(c: Controller, counted: boolean): Promise<{ installWrites: number; deleteWrites: number }> {
  const w0 = c.writes();
  const t0 = performance.now();
  const inst = await settleTask(c.client, resourcedApi, 'install_allocation', await callApi(c.client, resourcedApi, 'install_allocation', CHAIN), { pollMs: 1, timeoutMs: 60_000 });
  const t1 = performance.now();
  check(`install_allocation on ${c.kind}`, inst);
  const id = inst.value as number;
  const w1 = c.writes();
  const del = await settleTask(c.client, resourcedApi, 'delete_allocation', await callApi(c.client, resourcedApi, 'delete_allocation', id), { pollMs: 1, timeoutMs: 60_000 });
  const t2 = performance.now();
  check(`delete_allocation ${id} on ${c.kind}`, del);
  if (counted) {
    c.install.push(t1 - t0);
    c.del.push(t2 - t1);
  }
  return { installWrites: w1 - w0, deleteWrites: c.writes() - w1 };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.ceil(i)]! - s[lo]!) * (i - lo);
};
const FS: Record<number, string> = { 0xef53: 'ext2/3/4', 0x01021994: 'tmpfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x794c7630: 'overlayfs' };

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-controller-store-'));
  const standins: Standin[] = [];
  const controllers: Controller[] = [];
  let beat: NodeJS.Timeout | undefined;
  try {
    for (const kind of ['memory', 'sqlite'] as const) controllers.push(await startController(kind, dir));
    // The stand-ins' own controller link points nowhere (port 9, nothing listens): this
    // process registers them with both controllers alike.
    for (const hostId of HOSTS) {
      const s = new Standin();
      standins.push(s);
      await s.start({ hostId, controllerUrl: 'http://127.0.0.1:9/RPC2', createDelayMs: CREATE_MS, heartbeatMs: 60_000, nrCpus: 4, totalMemoryMiB: 1024, reserveMiB: 256 });
    }
    const hostClients = standins.map((s) => new XmlRpcClient({ url: s.url, secret: STANDIN_SECRET }));
    for (const [i, hc] of hostClients.entries()) {
      const stats = await hostStats(hc);
      for (const c of controllers) {
        check(`register_host on ${c.kind}`, (await callApi(c.hostsClient, resourcedApi, 'register_host', { host_id: HOSTS[i]!, url: standins[i]!.url, daemon: 'standin', methods: ['create_pm', 'delete_pm', 'list_pms', 'host_stats'], stats })) as { code: number; message: string });
      }
    }
    const heartbeat = async (): Promise<void> => {
      for (const [i, hc] of hostClients.entries()) {
        const stats = await hostStats(hc);
        for (const c of controllers) await callApi(c.hostsClient, resourcedApi, 'heartbeat', { host_id: HOSTS[i]!, stats });
      }
    };
    await heartbeat();
    beat = setInterval(() => void heartbeat().catch((e: Error) => console.error(`# heartbeat: ${e.message}`)), HEARTBEAT_MS);
    for (const c of controllers) check(`deploy_pm on ${c.kind}`, await callApi(c.client, resourcedApi, 'deploy_pm', { name: 'Counting', src: COUNTING_SRC }));

    const fsType = statfsSync(dir).type;
    console.log(`bench/controller-store: install_allocation + delete_allocation of a two-module chain, ${ROUNDS} rounds after ${WARMUP} warm-up, memory and sqlite interleaved (order alternating), node ${process.version}`);
    console.log(`  module hosts: ${HOSTS.length} STAND-INS for hostd (in-memory create_pm, no guest, answering ${CREATE_MS ? `after ${CREATE_MS} ms` : 'at once'}), the same processes for both stores`);
    console.log(`  stores: ${controllers.map((c) => c.description).join(' | ')} (WAL, synchronous=FULL; ${FS[fsType] ?? `fs type 0x${fsType.toString(16)}`})`);
    console.log('  latency: client-side, submission to settled task (task.status polled every 1 ms); resourced polls the hosts\' tasks every 10 ms (its minimum)');

    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      const order = r % 2 === 0 ? controllers : [...controllers].reverse();
      for (const c of order) {
        const w = await round(c, r >= WARMUP);
        if (r === 0 && c.kind === 'sqlite') console.log(`  store writes (each one fsync on sqlite): ${w.installWrites} per install, ${w.deleteWrites} per delete`);
      }
    }

    const fmt = (xs: number[]): string => `median ${quantile(xs, 0.5).toFixed(2)} ms, min ${Math.min(...xs).toFixed(2)}, p90 ${quantile(xs, 0.9).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}`;
    for (const c of controllers) {
      console.log(`  ${c.kind} install: ${fmt(c.install)}`);
      console.log(`  ${c.kind} delete:  ${fmt(c.del)}`);
    }
    const [mem, sql] = controllers as [Controller, Controller];
    const [mi, si] = [quantile(mem.install, 0.5), quantile(sql.install, 0.5)];
    console.log(`BENCH controller.install_ms.memory ${mi.toFixed(2)}`);
    console.log(`BENCH controller.install_ms.sqlite ${si.toFixed(2)}`);
    console.log(`BENCH controller.delete_ms.memory ${quantile(mem.del, 0.5).toFixed(2)}`);
    console.log(`BENCH controller.delete_ms.sqlite ${quantile(sql.del, 0.5).toFixed(2)}`);
    console.log(`# goal ≤ 1.1 (stand-in hosts${CREATE_MS ? `, create_pm ${CREATE_MS} ms` : ': no guest boots, so this is the store\'s share at its largest'})`);
    console.log(`RATIO controller.install_latency_sqlite_vs_memory ${(si / mi).toFixed(3)}`);
    for (const hc of hostClients) hc.close();
  } finally {
    if (beat) clearInterval(beat);
    for (const c of controllers) await c.close();
    for (const s of standins) await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench/controller-store: ${e.message}`);
    process.exit(1);
  },
);
