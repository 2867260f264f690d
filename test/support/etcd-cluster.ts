// A real etcd cluster on loopback (Debian's etcd-server), for the replicated controller's
// tests: N members with their own data dirs and ports, each its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitFor } from './wait.js';

/** etcd's raft timings on loopback: elections in a few hundred ms rather than seconds (its defaults are 100 and 1000). */
export const ETCD_HEARTBEAT_MS = 50;
export const ETCD_ELECTION_TIMEOUT_MS = 500;

export interface EtcdCluster {
  /** Client URLs, one per member. */
  endpoints: string[];
  /** SIGKILLs member i. */
  kill(i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startEtcdCluster(n = 3): Promise<EtcdCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'etcd-cluster-'));
  const base = 23000 + Math.floor(Math.random() * 2000) * 4;
  const client = (i: number) => `http://127.0.0.1:${base + 2 * i}`;
  const peer = (i: number) => `http://127.0.0.1:${base + 2 * i + 1}`;
  const cluster = Array.from({ length: n }, (_, i) => `m${i}=${peer(i)}`).join(',');
  const logs: string[] = Array.from({ length: n }, () => '');
  const procs: ChildProcess[] = Array.from({ length: n }, (_, i) => {
    const p = spawn('etcd', [
      '--name', `m${i}`, '--data-dir', join(dir, `m${i}`),
      '--listen-client-urls', client(i), '--advertise-client-urls', client(i),
      '--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i),
      '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', `t-${base}`,
      '--heartbeat-interval', String(ETCD_HEARTBEAT_MS), '--election-timeout', String(ETCD_ELECTION_TIMEOUT_MS),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.on('data', (b: Buffer) => (logs[i] += b.toString()));
    return p;
  });
  const exited = procs.map((p) => new Promise<void>((r) => (p.exitCode !== null ? r() : p.once('exit', () => r()))));
  const stop = async (): Promise<void> => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Ready when every member has joined and the cluster has a leader.
    await waitFor('the etcd cluster to elect a leader', () => (logs.every((l) => /ready to serve client requests/.test(l)) && logs.some((l) => /elected leader|became leader/.test(l)) ? true : undefined), 60_000, 100);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${logs.map((l, i) => `m${i}: ${l.split('\n').slice(-5).join('\n')}`).join('\n')}`);
  }
  await sleep(200);
  return {
    endpoints: procs.map((_, i) => client(i)),
    async kill(i) {
      procs[i]!.kill('SIGKILL');
      await exited[i];
    },
    stop,
  };
}
