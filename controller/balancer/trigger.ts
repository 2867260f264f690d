// When to rerun the balancer (D3.2 §2.2.5: "if the imbalance grows the algorithm is
// rerun"), without oscillating (README.md "Not oscillating"). Three brakes:
//   - hysteresis: the trigger fires above maxImbalance but the rerun balances to the
//     tighter targetImbalance, so after a rebalance the traffic must drift by the whole
//     band before the next one;
//   - confirmation: the imbalance must stay above the maximum for several windows in a
//     row, so one noisy estimate (sampling error, estimator.ts) moves nothing;
//   - a minimum interval between two runs, so that moves (and the flow migrations they
//     start) never pile up.
import { BalancerInputError, checkNumber } from './errors.js';

export interface TriggerOptions {
  /** fire when the imbalance exceeds this (≥ 1) */
  maxImbalance: number;
  /** what a rerun balances to: 1 ≤ target ≤ max (default halfway between 1 and max) */
  targetImbalance?: number;
  /** consecutive windows above the maximum before firing (default 2) */
  confirmations?: number;
  /** least time between two runs (default 30 s) */
  minIntervalMs?: number;
}

export type Verdict = 'balanced' | 'confirming' | 'too-soon' | 'rebalance';

export class RebalanceTrigger {
  readonly maxImbalance: number;
  readonly targetImbalance: number;
  readonly confirmations: number;
  readonly minIntervalMs: number;
  private above = 0;
  private lastRunMs = -Infinity;

  constructor(o: TriggerOptions) {
    this.maxImbalance = checkNumber(o.maxImbalance, 'maximum imbalance', 1);
    this.targetImbalance = checkNumber(o.targetImbalance ?? 1 + (this.maxImbalance - 1) / 2, 'target imbalance', 1);
    if (this.targetImbalance > this.maxImbalance) throw new BalancerInputError(`target imbalance ${this.targetImbalance} is above the maximum ${this.maxImbalance}: that would fire again at once`);
    this.confirmations = checkNumber(o.confirmations ?? 2, 'confirmations', 1);
    this.minIntervalMs = checkNumber(o.minIntervalMs ?? 30_000, 'minimum interval', 0);
  }

  /** One window's measured imbalance at time `nowMs`: rebalance now or not, and why. */
  observe(imbalance: number, nowMs: number): Verdict {
    if (imbalance <= this.maxImbalance) {
      this.above = 0;
      return 'balanced';
    }
    this.above++;
    if (this.above < this.confirmations) return 'confirming';
    if (nowMs - this.lastRunMs < this.minIntervalMs) return 'too-soon';
    return 'rebalance';
  }

  /** A rebalance ran at `nowMs` (fired by observe or forced, e.g. a replica added). */
  ran(nowMs: number): void {
    this.lastRunMs = nowMs;
    this.above = 0;
  }
}
