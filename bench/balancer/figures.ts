// bench/balancer's figures (D3.2 §2.2.7 and §2.3.3), computed here and printed by run.ts;
// test/unit/balancer-bench.test.ts computes them with fewer timing runs and checks the
// deterministic ones, so the bench runs in CI. Everything but the run time is the same
// in both (same servers, distributions, maximum imbalance, seeds).
import { performance } from 'node:perf_hooks';
import { assignedPrefixes, balance, moves, prefixesPerServer, ruleCount, type Assignment, type Server } from '../../controller/balancer/index.js';
import { uniformPrefixBound } from '../../controller/balancer/bounds.js';
import { gaussian, seedDistributions, zipfDistribution } from '../../controller/balancer/synthetic.js';
import { ARP_LINE_MAX, SEED_COPY, figureA, figureB, flowMigration, precopy, processWithStates, statesLeft, survivingShare } from '../../controller/migration/index.js';
import { Rng } from '../../controller/placement/rng.js';

export const SEED_MS_1000 = 7;
export const SEED_PREFIXES = 3;
export const SEED_RULES = 300;
export const MAX_IMBALANCE = 1.1;
export const SERVER_COUNTS = [10, 50, 100, 200, 500, 1000];

export interface Cell {
  servers: number;
  prefixesPerServer: number;
  imbalance: number;
  met: boolean;
}

export interface BalancerFigures {
  /** per distribution, per SERVER_COUNTS entry */
  table: Array<{ name: string; cells: Cell[] }>;
  /** uniformPrefixBound per SERVER_COUNTS entry: what no assignment of disjoint prefixes beats on the constant distribution */
  uniformBound: number[];
  /** run time for 1000 servers per distribution, sorted ms */
  times: Array<{ name: string; ms: number[] }>;
  worstMedianMs: number;
  prefixRules50: number;
  allRules50: number;
  byImbalance: Array<{ max: number; prefixes: number; imbalance: number }>;
  movedShareIncremental: number;
  movedShareFresh: number;
  statesLeft1s: { share: number; closedForm: number };
  downtime: { precopyS: number; oursS: number; oursArpS: number };
  figureA: string;
  figureB: string;
}

const equal = (n: number): Server[] => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, capacity: 1 }));
const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;

/** All figures; `timingRuns` runs per distribution after `warmups` (the bench: 21 after 5). */
export function balancerFigures(o: { timingRuns?: number; warmups?: number } = {}): BalancerFigures {
  const timingRuns = o.timingRuns ?? 21;
  const warmups = o.warmups ?? 5;
  const dists = [...seedDistributions(1), zipfDistribution(1)];

  // D3.2 Figures 2.3/2.4: prefixes per server against the number of servers
  const table = dists.map((d) => ({
    name: d.name,
    cells: SERVER_COUNTS.map((n): Cell => {
      const a = balance(equal(n), d.traffic, { maxImbalance: MAX_IMBALANCE });
      return { servers: n, prefixesPerServer: prefixesPerServer(a), imbalance: a.imbalance, met: a.met };
    }),
  }));
  const uniformBound = SERVER_COUNTS.map((n) => uniformPrefixBound(n, MAX_IMBALANCE));

  // run time for 1000 servers (D3.2: "less than 7ms")
  const times = dists.map((d) => {
    const servers = equal(1000);
    for (let k = 0; k < warmups; k++) balance(servers, d.traffic, { maxImbalance: MAX_IMBALANCE });
    const ms: number[] = [];
    for (let k = 0; k < timingRuns; k++) {
      const s = performance.now();
      balance(servers, d.traffic, { maxImbalance: MAX_IMBALANCE });
      ms.push(performance.now() - s);
    }
    return { name: d.name, ms: ms.sort((x, y) => x - y) };
  });

  // rules for 50 servers (D3.2: 2 per prefix, "< 300 for a full deployment")
  let prefixRules50 = 0;
  let allRules50 = 0;
  for (const d of dists) {
    const a = balance(equal(50), d.traffic, { maxImbalance: MAX_IMBALANCE });
    const assigned = assignedPrefixes(a).length;
    prefixRules50 = Math.max(prefixRules50, 2 * (assigned + 1));
    allRules50 = Math.max(allRules50, ruleCount(assigned, 50));
  }

  // D3.2 Figure 2.5: prefixes against the maximum imbalance (100 servers, Gauss)
  const byImbalance = [1.01, 1.02, 1.05, 1.1, 1.2, 1.5].map((max) => {
    const a = balance(equal(100), gaussian(0.5, 0.1), { maxImbalance: max });
    return { max, prefixes: assignedPrefixes(a).length + 1, imbalance: a.imbalance };
  });

  // adding a 101st server: what an incremental run moves, against a fresh one
  const g = gaussian(0.5, 0.1);
  const before = balance(equal(100), g);
  const plus = [...equal(100), { name: 'new', capacity: 1 }];
  const movedShare = (after: Assignment) => moves(before.leaves, after.leaves).reduce((n, m) => n + g.load(m.prefix), 0) / g.total;

  // D3.2 Figure 2.7
  const left = statesLeft(new Rng(1), processWithStates(100_000), [1]).points[0]!;
  const pre = precopy(new Rng(2), processWithStates(100_000));
  const ours = flowMigration(new Rng(2), processWithStates(100_000), 1);
  // the same states at the size freeze-and-copy really moves: an ARPTable line (controller/migration/README.md "Downtime with real sizes")
  const oursArp = flowMigration(new Rng(2), processWithStates(100_000), 1, { ...SEED_COPY, stateBytes: ARP_LINE_MAX });

  return {
    table,
    uniformBound,
    times,
    worstMedianMs: Math.max(...times.map((t) => median(t.ms))),
    prefixRules50,
    allRules50,
    byImbalance,
    movedShareIncremental: movedShare(balance(plus, g, { previous: before })),
    movedShareFresh: movedShare(balance(plus, g)),
    statesLeft1s: { share: left.share, closedForm: survivingShare(processWithStates(100_000), 1) },
    downtime: { precopyS: pre.downtimeS, oursS: ours.downtimeS, oursArpS: oursArp.downtimeS },
    figureA: figureA(100_000, 1),
    figureB: figureB(1, 1).table,
  };
}

/** Worst prefixes per server of one distribution over SERVER_COUNTS. */
export const worstOf = (row: { cells: Cell[] }): number => Math.max(...row.cells.map((c) => c.prefixesPerServer));

/** The tables, then the RATIO/BENCH lines, as bench/balancer prints them. */
export function report(f: BalancerFigures, timingRuns: number, warmups: number): string[] {
  const out: string[] = [];
  out.push('prefixes per server (assigned prefixes + the default 0/0, over servers) / imbalance reached');
  out.push(`| distribution | ${SERVER_COUNTS.join(' | ')} |`);
  out.push(`|---|${SERVER_COUNTS.map(() => '---').join('|')}|`);
  for (const row of f.table) out.push(`| ${row.name} | ${row.cells.map((c) => `${c.prefixesPerServer.toFixed(2)} / ${c.imbalance.toFixed(3)}`).join(' | ')} |`);
  out.push(`| no algorithm below, on constant (bounds.ts) | ${f.uniformBound.map((b) => b.toFixed(2)).join(' | ')} |`);

  out.push('', `run time for 1000 servers (ms, after ${warmups} warm-up runs; ${timingRuns} runs each)`);
  for (const t of f.times) out.push(`  ${t.name}: min ${t.ms[0]!.toFixed(2)}, median ${median(t.ms).toFixed(2)}, max ${t.ms[t.ms.length - 1]!.toFixed(2)}`);

  out.push('', 'prefixes against maximum imbalance (100 servers, gauss-wide)');
  for (const b of f.byImbalance) out.push(`  ${b.max}: ${b.prefixes} prefixes, imbalance ${b.imbalance.toFixed(4)}`);
  out.push('', `adding a 101st server: incremental run moves ${(f.movedShareIncremental * 100).toFixed(2)} % of the traffic (its share: ${(100 / 101).toFixed(2)} %), a fresh run ${(f.movedShareFresh * 100).toFixed(1)} %`);
  out.push('', f.figureA, '', f.figureB, '');

  const worst = Math.max(...f.table.map(worstOf));
  const seedWorst = Math.max(...f.table.slice(0, 5).map(worstOf));
  out.push(`RATIO balancer.time_1000_servers_vs_seed ${(f.worstMedianMs / SEED_MS_1000).toPrecision(3)}`);
  out.push(`BENCH balancer.time_1000_servers_ms ${f.worstMedianMs.toFixed(2)}`);
  for (const row of f.table) out.push(`BENCH balancer.prefixes_per_server.${row.name} ${worstOf(row).toFixed(2)}`);
  out.push(`BENCH balancer.prefixes_per_server ${worst.toFixed(2)}`);
  out.push(`BENCH balancer.prefixes_per_server_lower_bound_constant ${Math.max(...f.uniformBound).toFixed(2)}`);
  out.push(`RATIO balancer.prefixes_per_server_vs_seed ${(seedWorst / SEED_PREFIXES).toPrecision(3)}`);
  out.push(`BENCH balancer.rules_50_servers ${f.prefixRules50}`);
  out.push(`RATIO balancer.rules_50_servers_vs_seed ${(f.prefixRules50 / SEED_RULES).toPrecision(3)}`);
  out.push(`BENCH balancer.rules_50_servers_with_return_flows ${f.allRules50}`);
  out.push(`BENCH balancer.moved_share_adding_server ${f.movedShareIncremental.toPrecision(3)}`);
  out.push(`BENCH migration.states_left_share_1s ${f.statesLeft1s.share.toPrecision(3)}`);
  out.push(`RATIO migration.states_left_1s_vs_seed ${(f.statesLeft1s.share / 0.01).toPrecision(3)}`);
  out.push(`BENCH migration.downtime_ms.precopy_1e5 ${(f.downtime.precopyS * 1000).toPrecision(3)}`);
  out.push(`BENCH migration.downtime_ms.ours_1e5 ${(f.downtime.oursS * 1000).toPrecision(3)}`);
  out.push(`RATIO migration.downtime_vs_precopy_1e5 ${(f.downtime.oursS / f.downtime.precopyS).toPrecision(3)}`);
  out.push(`BENCH migration.downtime_ms.ours_1e5_arp_${ARP_LINE_MAX}B ${(f.downtime.oursArpS * 1000).toPrecision(3)}`);
  return out;
}
