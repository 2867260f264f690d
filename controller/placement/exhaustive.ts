/**
 * Exhaustive search for tiny instances: every assignment of every PM to every server
 * (nServers^nPm of them), each evaluated from scratch. The reference the tests hold the
 * tabu search to; refuses instances beyond `limit` assignments.
 */
import type { Problem } from './services.js';
import { evaluate, type Breakdown } from './violations.js';

export interface ExhaustiveResult {
  best: Breakdown;
  assignment: Int32Array;
  /** How many assignments reach the best value. */
  optima: number;
  evaluated: number;
}

export function exhaustive(problem: Problem, limit = 2_000_000): ExhaustiveResult {
  const n = problem.nPm;
  const S = problem.platform.nServers;
  const count = S ** n;
  if (count > limit) throw new Error(`exhaustive: ${S}^${n} = ${count} assignments is over the limit ${limit}`);
  const a = new Int32Array(n);
  let best: Breakdown | undefined;
  let bestA = new Int32Array(n);
  let optima = 0;
  for (let k = 0; k < count; k++) {
    let x = k;
    for (let g = 0; g < n; g++) {
      a[g] = x % S;
      x = Math.floor(x / S);
    }
    const v = evaluate(problem, a);
    if (!best || v.total < best.total) {
      best = v;
      bestA = a.slice();
      optima = 1;
    } else if (v.total === best.total) optima++;
  }
  return { best: best!, assignment: bestA, optima, evaluated: count };
}
