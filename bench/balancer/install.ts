// bench/balancer/install: a 50-replica group's rules on a private Open vSwitch
// (test/support/ovs.ts, userspace datapath; root), through the ovs-ofctl driver, as
// controller/balancer/switch.ts installs them (controller/balancer/README.md "On a switch").
//   node dist/bench/balancer/install.js
// Prints:
//   BENCH balancer.install_50_servers_ms      first generation, all rules (conntrack commits included), median of 5
//   BENCH balancer.rebalance_50_servers_ms    next generation make-before-break with the idle phase's flows, then endIdle, median of 5
// D3.2 gives no install time to compare with (its NOX controller's is not reported).
import { performance } from 'node:perf_hooks';
import { balance, SwitchGroup, moves, type GroupPorts, type Server } from '../../controller/balancer/index.js';
import { seedDistributions } from '../../controller/balancer/synthetic.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { startOvs } from '../../test/support/ovs.js';

const SERVERS = 50;
const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ovs = await startOvs(`bbi${process.pid % 1000}`);
try {
  const nsName = `${ovs.swNs}-r`;
  const fwd = await ovs.addVethPort('bbifwd', 'f0', nsName);
  const rev = await ovs.addVethPort('bbirev', 'r0', nsName);
  const servers: Server[] = Array.from({ length: SERVERS }, (_, i) => ({ name: `s${i}`, capacity: 1 }));
  const replicas: Record<string, number[]> = {};
  // routers on a stick: one port each (D3.2 §2.2.6)
  for (const s of servers) replicas[s.name] = [await ovs.addVethPort(`bbi${s.name}`, `e${s.name}`, nsName)];
  const ports: GroupPorts = { field: 'src', forward: { port: fwd }, reverse: { port: rev }, replicas, conntrack: { zone: 3, marks: Object.fromEntries(servers.map((s, i) => [s.name, i + 1])) } };
  const [d1, d2] = seedDistributions(1);
  const a1 = balance(servers, d1!.traffic);
  const a2 = balance(servers, d2!.traffic, { previous: a1 });
  const moved = moves(a1.leaves, a2.leaves);
  const driver = createOfctlDriver({ target: ovs.target, env: ovs.env });
  const first: number[] = [];
  const next: number[] = [];
  let rules = 0;
  let migration = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const sw = new SwitchGroup(driver, { group: 1 + i });
    let t0 = performance.now();
    rules = (await sw.install(a1, ports)).rules.length;
    first.push(performance.now() - t0);
    t0 = performance.now();
    migration = (await sw.install(a2, ports, moved)).migration.length;
    await sw.endIdle();
    next.push(performance.now() - t0);
    await sw.remove();
  }
  await driver.close();
  console.log(`bench/balancer/install: ${SERVERS} replicas, ${d1!.name} then ${d2!.name}: ${rules} rules per generation, ${moved.length} moved pieces (${migration} idle-phase flows)`);
  console.log(`BENCH balancer.install_50_servers_ms ${median(first).toFixed(1)}`);
  console.log(`BENCH balancer.rebalance_50_servers_ms ${median(next).toFixed(1)}`);
} finally {
  await ovs.stop();
}
