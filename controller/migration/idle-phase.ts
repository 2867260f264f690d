// D3.2 §2.3.2.1's idle phase, simulated: from the moment a prefix moves, new flows go to
// the new replica and the old one keeps only the states it has; how many are left after
// an idle phase of each length (Figure 2.7(a)). What is left when the phase ends is
// what freeze-and-copy (§2.3.2.2) must move.
import type { Rng } from '../placement/rng.js';
import { aliveResiduals, type FlowProcess } from './flow-process.js';

export interface IdlePoint {
  idleS: number;
  /** states still on the old replica */
  left: number;
  /** left over the states at the start */
  share: number;
}

/** States left on the old replica after each idle-phase length, for one draw of the flows in progress. */
export function statesLeft(rng: Rng, p: FlowProcess, idleS: number[]): { initial: number; points: IdlePoint[] } {
  const residuals = aliveResiduals(rng, p).sort();
  const initial = residuals.length;
  const points = idleS.map((s) => {
    // residuals are sorted: those above s are the flows still alive
    let lo = 0;
    let hi = initial;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (residuals[mid]! <= s) lo = mid + 1;
      else hi = mid;
    }
    const left = initial - lo;
    return { idleS: s, left, share: initial ? left / initial : 0 };
  });
  return { initial, points };
}
