/**
 * bench/placement: the experiments of D3.2 §3.2.4 (docs/platform.md) on our generator's instances, beside
 * D3.2's published figures (seed-results.ts). Pure computation on the host — no lab.
 */
import { place, Problem } from '../../controller/placement/index.js';
import { instance } from '../../controller/placement/generator.js';
import type { Breakdown } from '../../controller/placement/violations.js';
import { SEED_BASIC, SEED_LARGE, seedTimeToFeasible } from './seed-results.js';

export interface InstanceResult {
  instance: string;
  pms: number;
  generateMs: number;
  greedyMs: number;
  initial: Breakdown;
  best: Breakdown;
  /** Best total at each checkpoint (s) within the cap. */
  overTime: Array<[number, number]>;
  timeToFeasibleMs: number | null;
  lowerBound: number;
  capMs: number;
  stop: string;
  iterations: number;
  seedTimeToFeasibleS: number | null;
}

export const CHECKPOINTS_S = [1, 5, 10, 30, 60, 120];

export function runInstance(name: string, capMs: number, seed = 1): InstanceResult {
  const t = performance.now();
  const { platform, services } = instance(name, { seed });
  const problem = new Problem(platform, services);
  const generateMs = performance.now() - t;
  const r = place(platform, problem, { timeLimitMs: capMs, seed });
  const overTime: Array<[number, number]> = [];
  for (const cp of CHECKPOINTS_S) {
    if (cp * 1000 > capMs) break;
    let v = r.history[0]!.total;
    for (const h of r.history) if (h.ms <= cp * 1000) v = h.total;
    overTime.push([cp, v]);
  }
  return {
    instance: name,
    pms: problem.nPm,
    generateMs,
    greedyMs: r.greedyMs,
    initial: r.initial,
    best: r.violations,
    overTime,
    timeToFeasibleMs: r.timeToFeasibleMs,
    lowerBound: r.lowerBound,
    capMs,
    stop: r.stop,
    iterations: r.iterations,
    seedTimeToFeasibleS: seedTimeToFeasible(name),
  };
}

const fmtB = (b: Breakdown): string => `total ${b.total} (cpu ${b.cpu} mem ${b.mem} bw ${b.bw} delay ${b.delay})`;

/** Human-readable lines for one instance, then its RATIO line when both sides found a feasible solution. */
export function report(r: InstanceResult): string[] {
  const out: string[] = [];
  const seedRows = SEED_LARGE.filter((x) => x.instance === r.instance);
  const seedInit = seedRows.find((x) => x.search === 'initial');
  out.push(`${r.instance}  #PM ${r.pms}  (generated in ${(r.generateMs / 1000).toFixed(2)} s)`);
  out.push(`  initial (greedy rack-first, ${(r.greedyMs / 1000).toFixed(3)} s): ${fmtB(r.initial)}` + (seedInit ? `   | D3.2 initial: ${fmtB(seedInit)} in ${seedInit.timeS} s` : ''));
  out.push(`  best over time: ${r.overTime.map(([s, v]) => `${s}s ${v}`).join(', ')}` + (seedRows.length ? `   | D3.2: ${seedRows.filter((x) => x.search !== 'initial').map((x) => `${x.search} ${x.total}`).join(', ')}` : ''));
  out.push(`  final: ${fmtB(r.best)}; ${r.iterations} tabu iterations; stop: ${r.stop}` + (r.lowerBound > 0 ? ` (proven lower bound ${r.lowerBound})` : '') + `; cap ${r.capMs / 1000} s`);
  const ours = r.timeToFeasibleMs === null ? 'none within the cap' : `${(r.timeToFeasibleMs / 1000).toFixed(3)} s`;
  const seed = r.seedTimeToFeasibleS === null ? `never (${r.instance in SEED_BASIC ? 'basic platform' : 'within 3600 s'})` : `${r.seedTimeToFeasibleS} s`;
  out.push(`  first feasible: ours ${ours}, D3.2 ${seed}`);
  if (r.timeToFeasibleMs !== null && r.seedTimeToFeasibleS !== null) {
    out.push(`RATIO placement.${r.instance}.time_to_feasible ${(r.timeToFeasibleMs / 1000 / r.seedTimeToFeasibleS).toPrecision(3)}`);
  } else if (r.timeToFeasibleMs !== null) {
    out.push(`  (no ratio: feasible here, D3.2 found no feasible solution)`);
  } else if (r.seedTimeToFeasibleS !== null) {
    out.push(`  (no ratio: D3.2 found a feasible solution, we did not within ${r.capMs / 1000} s)`);
  } else {
    out.push(`  (no ratio: neither found a feasible solution${r.stop === 'lower-bound' ? '; ours is optimal, infeasible by construction' : ''})`);
  }
  return out;
}

/** Instance names: the 4 basic ones and the 55 large ones of D3.2 §3.2.4. */
export function allInstances(): string[] {
  const names = ['NS40', 'NS44', 'NS48', 'NS52'];
  for (const x of [4000, 6000, 8000, 10000, 12000]) for (let d = 10; d <= 20; d++) names.push(`NS${x}-D${d}`);
  return names;
}
