// bench/controller-failover: a replicated controller's failover (docs/controller-store.md).
// Each round starts a real 3-member etcd cluster on loopback (Debian's etcd-server), two
// resourced processes on it and two hostd STAND-INS (real daemons, in-memory PMs: no guest
// boots), kills the leader with SIGKILL while it installs (right after placing) together
// with one etcd member, and times from the kill to the next install the other instance
// accepts. That wait is the leader's lease running out (store.leaseSeconds), the election,
// the new leader's reload and reconciliation, then the install itself.
//   node dist/bench/controller-failover/run.js [rounds, default 3]
// Prints `BENCH controller.failover_s` (median) beside `BENCH controller.etcd_election_timeout_s`
// and `BENCH controller.lease_s` of the same run.
import { startReplicated, userCall } from '../../test/support/replicated.js';
import { ETCD_ELECTION_TIMEOUT_MS } from '../../test/support/etcd-cluster.js';
import { CHAIN } from '../../test/support/resourced.js';
import { waitFor } from '../../test/support/wait.js';

const ROUNDS = Number(process.argv[2] ?? 3);
if (!(ROUNDS >= 1)) throw new Error('usage: run.js [rounds]');

async function round(): Promise<{ ms: number; lease: number }> {
  const r = await startReplicated({ createDelayMs: 100 });
  try {
    const follower = 1 - r.leader;
    const killed = r.rds[r.leader]!.killOn(/allocation \d+: placed/);
    const interrupted = userCall(r.urls[r.leader]!, 'install_allocation', CHAIN).catch((e: Error) => e);
    await killed;
    const t0 = Date.now();
    await r.etcd.kill(r.leader === 0 ? 2 : 0);
    await interrupted;
    await waitFor('the other instance to accept an install', async () => {
      const rv = await userCall(r.urls[follower]!, 'install_allocation', CHAIN).catch(() => undefined);
      return rv && rv.code === 0 ? rv : undefined;
    }, 60_000, 50);
    return { ms: Date.now() - t0, lease: r.leaseSeconds };
  } finally {
    await r.stop();
  }
}

async function main(): Promise<void> {
  const runs: number[] = [];
  let lease = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round();
    runs.push(r.ms);
    lease = r.lease;
  }
  const sorted = [...runs].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  console.log(`bench/controller-failover: ${ROUNDS} rounds, each: 3-member etcd on loopback, 2 resourced (lease ${lease} s), 2 STAND-IN hosts (no guests); leader and one etcd member SIGKILLed mid-install, node ${process.version}`);
  console.log(`  kill → next accepted install: ${runs.map((ms) => `${ms} ms`).join(', ')} (median ${median} ms)`);
  console.log(`BENCH controller.failover_s ${(median / 1000).toFixed(3)}`);
  console.log(`BENCH controller.etcd_election_timeout_s ${(ETCD_ELECTION_TIMEOUT_MS / 1000).toFixed(3)}`);
  console.log(`BENCH controller.lease_s ${lease.toFixed(3)}`);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench/controller-failover: ${e.message}`);
    process.exit(1);
  },
);
