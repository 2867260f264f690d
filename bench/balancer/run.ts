// bench/balancer: the balancer (D3.2 §2.2.7) and the flow-migration simulator (§2.3.3)
// beside the seed's figures, in one run of a few seconds on the host (figures.ts computes them;
// test/unit/balancer-bench.test.ts runs the same with fewer timing runs in CI).
//   node dist/bench/balancer/run.js
// Prints, besides tables of each figure:
//   RATIO balancer.time_1000_servers_vs_seed     median run time for 1000 servers (worst distribution) / D3.2's 7 ms (goal ≤ 0.3)
//   BENCH balancer.prefixes_per_server           worst over the five D3.2 distributions and Zipf, 10…1000 servers, imbalance 1.1 (D3.2: < 3; goal ≤ 2)
//   BENCH balancer.prefixes_per_server_lower_bound_constant   what no assignment of disjoint prefixes beats on the constant distribution
//   BENCH balancer.rules_50_servers              prefix-matching rules for 50 servers (D3.2: < 300), and with the return flows
//   BENCH migration.states_left_share_1s         states left after a 1 s idle phase (D3.2: two orders of magnitude fewer)
//   RATIO migration.downtime_vs_precopy_1e5      our downtime / pre-copy's at 10^5 states (D3.2: 0.01)
import { performance } from 'node:perf_hooks';
import { MAX_IMBALANCE, balancerFigures, report } from './figures.js';

const TIMING_RUNS = 21;
const WARMUPS = 5;
const t0 = performance.now();
console.log(`bench/balancer: node ${process.version}, max imbalance ${MAX_IMBALANCE}, chunk threshold 20 % of the average load, equal capacities\n`);
const figures = balancerFigures({ timingRuns: TIMING_RUNS, warmups: WARMUPS });
for (const line of report(figures, TIMING_RUNS, WARMUPS)) console.log(line);
console.log(`\nbench/balancer: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
