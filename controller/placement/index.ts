/**
 * Placement engine of the controller's resource daemon (D3.2 §3.2, docs/platform.md): which server runs
 * each processing module. place() = rack-first greedy round robin, then tabu search,
 * minimising the total violations of the CPU, memory, bandwidth and delay constraints.
 * Works the same for D3.2's simulated data centres and for a handful of real module
 * hosts (build a Platform with one ToR and the hosts as servers).
 */
import { greedyRackFirst, type GreedyOptions } from './greedy.js';
import { Platform } from './platform.js';
import { Problem, type ServiceSpec } from './services.js';
import { tabuSearch, type HistoryPoint, type TabuOptions } from './tabu.js';
import { State, type Breakdown } from './violations.js';

export { Platform } from './platform.js';
export type { LinkSpec, NodeKind, ServerSpec } from './platform.js';
export { Problem, CPU_SCALE } from './services.js';
export type { EndpointSpec, ModuleSpec, ServiceSpec } from './services.js';
export { State, evaluate } from './violations.js';
export type { Breakdown } from './violations.js';
export { greedyRackFirst } from './greedy.js';
export { tabuSearch } from './tabu.js';
export type { HistoryPoint, TabuOptions, TabuResult } from './tabu.js';
export { exhaustive } from './exhaustive.js';
export { Rng } from './rng.js';

export interface PlaceOptions extends Omit<TabuOptions, 't0' | 'lowerBound'>, GreedyOptions {
  /** An existing assignment to start from (e.g. live allocations already running), −1 = free. */
  initial?: ArrayLike<number>;
  /** Keep the PMs placed by `initial` where they are (running guests are not migrated). */
  pinInitial?: boolean;
}

export interface Placement {
  /** Per service, per module (spec order): the server index (platform.serverNode[i] is its node). */
  assignment: number[][];
  /** Flat: server of each PM, in Problem order. */
  flat: Int32Array;
  violations: Breakdown;
  initial: Breakdown;
  feasible: boolean;
  /** A proven lower bound on the violations (0 unless the instance is infeasible by construction). */
  lowerBound: number;
  /** Best solution over time: the greedy's, then every improvement (throttled to 50 ms). */
  history: HistoryPoint[];
  /** ms from the call to the first feasible solution (greedy included); null if none. */
  timeToFeasibleMs: number | null;
  greedyMs: number;
  iterations: number;
  stop: 'feasible' | 'lower-bound' | 'time' | 'iterations';
}

export function place(platform: Platform, services: readonly ServiceSpec[] | Problem, opts: PlaceOptions = {}): Placement {
  const t0 = performance.now();
  const problem = services instanceof Problem ? services : new Problem(platform, services);
  if (problem.platform !== platform) throw new Error('place: problem built for another platform');
  const state = new State(problem);
  const frozen = opts.pinInitial ? new Uint8Array(problem.nPm) : undefined;
  if (opts.initial) {
    for (let g = 0; g < problem.nPm; g++) {
      if (opts.initial[g]! < 0) continue;
      state.move(g, opts.initial[g]!);
      if (frozen) frozen[g] = 1;
    }
  }
  greedyRackFirst(state, opts);
  const greedyMs = performance.now() - t0;
  const initial = state.breakdown();
  const cap = problem.capacityLowerBound();
  const lowerBound = problem.delayLowerBound() + cap.cpu + cap.mem;
  const r = tabuSearch(state, { ...opts, t0, lowerBound, ...(frozen ? { frozen } : {}) });
  r.history[0] = { ...r.history[0]!, ms: greedyMs };
  const flat = state.assign.slice();
  const assignment: number[][] = [];
  for (let s = 0; s < problem.nServices; s++) {
    const first = problem.svcFirstPm[s]!;
    assignment.push(Array.from(flat.subarray(first, first + problem.svcPmCount[s]!)));
  }
  return {
    assignment,
    flat,
    violations: r.best,
    initial,
    feasible: r.best.total === 0,
    lowerBound,
    history: r.history,
    timeToFeasibleMs: initial.total === 0 ? greedyMs : r.timeToFeasibleMs,
    greedyMs,
    iterations: r.iterations,
    stop: r.stop,
  };
}
