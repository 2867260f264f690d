// bench/balancer: the balancer (D3.2 §2.2.7) and the flow-migration simulator (§2.3.3)
// beside the seed's figures, in one run of about a minute on the host.
//   node dist/bench/balancer/run.js
// Prints, besides tables of each figure:
//   RATIO balancer.time_1000_servers_vs_seed     median run time for 1000 servers (worst distribution) / D3.2's 7 ms (goal ≤ 0.3)
//   BENCH balancer.prefixes_per_server           worst over the five D3.2 distributions and Zipf, 10…1000 servers, imbalance 1.1 (D3.2: < 3; goal ≤ 2)
//   BENCH balancer.rules_50_servers              prefix-matching rules for 50 servers (D3.2: < 300), and with the return flows
//   BENCH migration.states_left_share_1s         states left after a 1 s idle phase (D3.2: two orders of magnitude fewer)
//   RATIO migration.downtime_vs_precopy_1e5      our downtime / pre-copy's at 10^5 states (D3.2: 0.01)
import { performance } from 'node:perf_hooks';
import { assignedPrefixes, balance, moves, prefixesPerServer, ruleCount, type Server } from '../../controller/balancer/index.js';
import { gaussian, seedDistributions, zipfDistribution } from '../../controller/balancer/synthetic.js';
import { ARP_LINE_MAX, SEED_COPY, figureA, figureB, flowMigration, precopy, processWithStates, statesLeft } from '../../controller/migration/index.js';
import { Rng } from '../../controller/placement/rng.js';

const SEED_MS_1000 = 7;
const SEED_PREFIXES = 3;
const SEED_RULES = 300;
const MAX_IMBALANCE = 1.1;
const SERVER_COUNTS = [10, 50, 100, 200, 500, 1000];

const t0 = performance.now();
const equal = (n: number): Server[] => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, capacity: 1 }));
const dists = [...seedDistributions(1), zipfDistribution(1)];
console.log(`bench/balancer: node ${process.version}, max imbalance ${MAX_IMBALANCE}, chunk threshold 20 % of the average load, equal capacities`);

// D3.2 Figures 2.3/2.4: prefixes per server against the number of servers
console.log('\nprefixes per server (assigned prefixes + the default 0/0, over servers) / imbalance reached');
console.log(`| distribution | ${SERVER_COUNTS.join(' | ')} |`);
console.log(`|---|${SERVER_COUNTS.map(() => '---').join('|')}|`);
const worst = new Map<string, number>();
for (const d of dists) {
  const cells = SERVER_COUNTS.map((n) => {
    const a = balance(equal(n), d.traffic, { maxImbalance: MAX_IMBALANCE });
    const p = prefixesPerServer(a);
    worst.set(d.name, Math.max(worst.get(d.name) ?? 0, p));
    return `${p.toFixed(2)} / ${a.imbalance.toFixed(3)}`;
  });
  console.log(`| ${d.name} | ${cells.join(' | ')} |`);
}

// run time for 1000 servers: warmed up, median of 21 runs per distribution
console.log('\nrun time for 1000 servers (ms, after 5 warm-up runs; 21 runs each)');
const medians: number[] = [];
for (const d of dists) {
  const servers = equal(1000);
  for (let k = 0; k < 5; k++) balance(servers, d.traffic);
  const ms: number[] = [];
  for (let k = 0; k < 21; k++) {
    const s = performance.now();
    balance(servers, d.traffic);
    ms.push(performance.now() - s);
  }
  ms.sort((x, y) => x - y);
  medians.push(ms[10]!);
  console.log(`  ${d.name}: min ${ms[0]!.toFixed(2)}, median ${ms[10]!.toFixed(2)}, max ${ms[20]!.toFixed(2)}`);
}

// rules for 50 servers (D3.2: 2 per prefix, "< 300 for a full deployment")
let prefixRules = 0;
let allRules = 0;
for (const d of dists) {
  const a = balance(equal(50), d.traffic, { maxImbalance: MAX_IMBALANCE });
  const assigned = assignedPrefixes(a).length;
  prefixRules = Math.max(prefixRules, 2 * (assigned + 1));
  allRules = Math.max(allRules, ruleCount(assigned, 50));
}

// D3.2 Figure 2.5: maximum imbalance against prefix count (100 servers, Gauss)
console.log('\nprefixes against maximum imbalance (100 servers, gauss-wide)');
for (const max of [1.01, 1.02, 1.05, 1.1, 1.2, 1.5]) {
  const a = balance(equal(100), gaussian(0.5, 0.1), { maxImbalance: max });
  console.log(`  ${max}: ${assignedPrefixes(a).length + 1} prefixes, imbalance ${a.imbalance.toFixed(4)}`);
}

// adding a server to 100: what an incremental run moves, against a fresh one
const g = gaussian(0.5, 0.1);
const before = balance(equal(100), g);
const plus = [...equal(100), { name: 'new', capacity: 1 }];
const movedShare = (after: ReturnType<typeof balance>) => moves(before.leaves, after.leaves).reduce((n, m) => n + g.load(m.prefix), 0) / g.total;
const inc = movedShare(balance(plus, g, { previous: before }));
const fresh = movedShare(balance(plus, g));
console.log(`\nadding a 101st server: incremental run moves ${(inc * 100).toFixed(2)} % of the traffic (its share: ${(100 / 101).toFixed(2)} %), a fresh run ${(fresh * 100).toFixed(1)} %`);

// D3.2 Figure 2.7
console.log(`\n${figureA(100_000, 1)}`);
console.log(`\n${figureB(1, 1).table}`);
const left = statesLeft(new Rng(1), processWithStates(100_000), [1]).points[0]!;
const pre = precopy(new Rng(2), processWithStates(100_000));
const ours = flowMigration(new Rng(2), processWithStates(100_000), 1);
// the same states at the size freeze-and-copy really moves: an ARPTable line (controller/migration/README.md "Downtime with real sizes")
const oursArp = flowMigration(new Rng(2), processWithStates(100_000), 1, { ...SEED_COPY, stateBytes: ARP_LINE_MAX });

console.log('');
console.log(`RATIO balancer.time_1000_servers_vs_seed ${(Math.max(...medians) / SEED_MS_1000).toPrecision(3)}`);
console.log(`BENCH balancer.time_1000_servers_ms ${Math.max(...medians).toFixed(2)}`);
for (const [name, p] of worst) console.log(`BENCH balancer.prefixes_per_server.${name} ${p.toFixed(2)}`);
const seedWorst = Math.max(...dists.slice(0, 5).map((d) => worst.get(d.name)!));
console.log(`BENCH balancer.prefixes_per_server ${Math.max(...worst.values()).toFixed(2)}`);
console.log(`RATIO balancer.prefixes_per_server_vs_seed ${(seedWorst / SEED_PREFIXES).toPrecision(3)}`);
console.log(`BENCH balancer.rules_50_servers ${prefixRules}`);
console.log(`RATIO balancer.rules_50_servers_vs_seed ${(prefixRules / SEED_RULES).toPrecision(3)}`);
console.log(`BENCH balancer.rules_50_servers_with_return_flows ${allRules}`);
console.log(`BENCH balancer.moved_share_adding_server ${inc.toPrecision(3)}`);
console.log(`BENCH migration.states_left_share_1s ${left.share.toPrecision(3)}`);
console.log(`RATIO migration.states_left_1s_vs_seed ${(left.share / 0.01).toPrecision(3)}`);
console.log(`BENCH migration.downtime_ms.precopy_1e5 ${(pre.downtimeS * 1000).toPrecision(3)}`);
console.log(`BENCH migration.downtime_ms.ours_1e5 ${(ours.downtimeS * 1000).toPrecision(3)}`);
console.log(`RATIO migration.downtime_vs_precopy_1e5 ${(ours.downtimeS / pre.downtimeS).toPrecision(3)}`);
console.log(`BENCH migration.downtime_ms.ours_1e5_arp_${ARP_LINE_MAX}B ${(oursArp.downtimeS * 1000).toPrecision(3)}`);
console.log(`\nbench/balancer: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
