// A replicated controller for tests and benchmarks (docs/controller-store.md): a real etcd
// cluster on loopback (etcd-cluster.ts), resourced instances as their own processes on
// it, and hostd STAND-INS (resourced-standin.ts: real daemons, in-memory PMs) registered
// with every instance, as hostd is with `controller.urls`. test/unit/controller-etcd.test.ts
// and bench/controller-failover use it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XmlRpcClient, type ReturnValue } from '../../daemon/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from './daemon-process.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';
import { COUNTING_SRC, HOSTS_SECRET, STANDIN_SECRET, USER_SECRET, Standin } from './resourced.js';
import { waitFor } from './wait.js';

/** A call as a user; a task is polled until it settles. */
export async function userCall(url: string, method: string, arg?: unknown): Promise<ReturnValue> {
  const c = new XmlRpcClient({ url, secret: USER_SECRET, timeoutMs: 30_000 });
  try {
    let rv = (await (arg === undefined ? c.call(method) : c.call(method, arg as never))) as ReturnValue;
    const id = rv.value as string;
    while (rv.code === -1) {
      await new Promise((r) => setTimeout(r, 50));
      rv = (await c.call('task.status', id)) as ReturnValue;
    }
    return rv;
  } finally {
    c.close();
  }
}

export interface Replicated {
  etcd: EtcdCluster;
  rds: DaemonProcess[];
  urls: string[];
  hosts: Standin[];
  /** Index of the instance that accepted the first write. */
  leader: number;
  /** The etcd lease of the instances' election, in seconds. */
  leaseSeconds: number;
  stop(): Promise<void>;
}

/**
 * etcd (3 members), `instances` resourced processes and two stand-in hosts; resolves once
 * a leader accepted deploy_pm of "Counting" and both hosts heartbeat to it.
 */
export async function startReplicated(o: { instances?: number; leaseSeconds?: number; createDelayMs?: number } = {}): Promise<Replicated> {
  const leaseSeconds = o.leaseSeconds ?? 2;
  const etcd = await startEtcdCluster(3);
  const dir = await mkdtemp(join(tmpdir(), 'replicated-'));
  const main = join(projectRoot, 'dist', 'controller', 'resourced', 'main.js');
  const rds = Array.from({ length: o.instances ?? 2 }, (_, i) => new DaemonProcess(`resourced-${i}`, main));
  const hosts: Standin[] = [];
  const stop = async (): Promise<void> => {
    for (const h of hosts) await h.stop();
    for (const r of rds) await r.stop('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const base = 24000 + (process.pid % 1000) * 4;
    const urls: string[] = [];
    for (const [i, r] of rds.entries()) {
      const file = join(dir, `resourced-${i}.json`);
      await writeFile(file, JSON.stringify({
        listen: { host: '127.0.0.1', port: base + i },
        secret: { user: USER_SECRET, hosts: HOSTS_SECRET },
        folders: { patches: join(dir, `patches-${i}`) },
        hosts: { principals: ['hosts'], defaultSecret: STANDIN_SECRET, heartbeatTimeoutMs: 3000, pollMs: 20, taskTimeoutMs: 20_000 },
        pm: { memoryMiB: 64 },
        placement: { timeLimitMs: 300 },
        store: { kind: 'etcd', endpoints: etcd.endpoints, leaseSeconds },
      }));
      urls.push(await r.start(file));
    }
    for (const hostId of ['mh-a', 'mh-b']) {
      const s = new Standin();
      hosts.push(s);
      await s.start({ hostId, controllerUrl: urls, createDelayMs: o.createDelayMs ?? 400, secret: STANDIN_SECRET, controllerSecret: HOSTS_SECRET });
    }
    const leader = await waitFor('a leader to be elected', async () => {
      const rvs = await Promise.all(urls.map((u) => userCall(u, 'deploy_pm', { name: 'Counting', src: COUNTING_SRC })));
      const i = rvs.findIndex((r) => r.code === 0);
      return i < 0 ? undefined : i;
    }, 30_000, 200);
    await waitFor('both hosts live at the leader', async () => {
      const h = (await userCall(urls[leader]!, 'list_hosts')).value as Array<{ heartbeats: number }>;
      return h.filter((x) => x.heartbeats > 0).length === 2 ? true : undefined;
    });
    return { etcd, rds, urls, hosts, leader, leaseSeconds, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
