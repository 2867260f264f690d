// Learning the traffic (D3.2 §2.2.5, README.md "Learning the traffic"): the replicas
// sample 1 packet in N and count samples per sub-prefix of the balanced field; the
// estimator scales the counts back by N, one window between two balancer runs at a
// time, and smooths windows with an exponential moving average so that one noisy
// window does not move traffic on its own. Per-rule switch counters are not enough:
// they say how much a rule's prefix carries, not where inside it (D3.2 §2.2.5).
import type { Rng } from '../placement/rng.js';
import { BalancerInputError, checkNumber } from './errors.js';
import { prefixText, size, type Prefix } from './prefix.js';
import { Traffic } from './traffic.js';

export interface EstimatorOptions {
  /** counters per /depth prefix (the "accuracy" of D3.2 §2.2.5; default 16: 65 536 counters) */
  depth?: number;
  /** 1 in this many packets is sampled (default 100, as D3.2's servers did) */
  samplingRate?: number;
  /** weight of the newest window in the moving average, 0 < α ≤ 1 (default 0.5; 1 = no memory) */
  smoothing?: number;
}

/** Samples 1 packet in `rate`, at random (a fixed stride would alias with periodic traffic). */
export class Sampler {
  constructor(readonly rate: number, private readonly rng: Rng) {
    checkNumber(rate, 'sampling rate', 1);
  }
  take(): boolean {
    return this.rng.next() * this.rate < 1;
  }
}

export class TrafficEstimator {
  readonly depth: number;
  readonly samplingRate: number;
  readonly smoothing: number;
  private window: Float64Array;
  private average: Float64Array | null = null;
  /** samples in the current window */
  samples = 0;

  constructor(o: EstimatorOptions = {}) {
    this.depth = o.depth ?? 16;
    if (!Number.isInteger(this.depth) || this.depth < 0 || this.depth > 24) throw new BalancerInputError(`estimator depth ${this.depth} is not 0..24`);
    this.samplingRate = checkNumber(o.samplingRate ?? 100, 'sampling rate', 1);
    this.smoothing = checkNumber(o.smoothing ?? 0.5, 'smoothing', 0, true);
    if (this.smoothing > 1) throw new BalancerInputError(`smoothing must be at most 1, not ${this.smoothing}`);
    this.window = new Float64Array(2 ** this.depth);
  }

  /** One sampled packet with this address (on the balanced field); `weight` e.g. its bytes. */
  sample(address: number, weight = 1): void {
    this.window[Math.floor(address / 2 ** (32 - this.depth))]! += weight;
    this.samples++;
  }

  /**
   * A replica's counter of samples inside `prefix`. A prefix coarser than the
   * estimator's depth is spread evenly over its buckets (nothing is known inside it).
   */
  count(prefix: Prefix, samples: number): void {
    checkNumber(samples, `sample count of ${prefixText(prefix)}`, 0);
    const step = 2 ** (32 - this.depth);
    const first = Math.floor(prefix.base / step);
    const buckets = Math.max(1, size(prefix) / step);
    for (let i = 0; i < buckets; i++) this.window[first + i]! += samples / buckets;
    this.samples += samples;
  }

  /** Closes the window: folds its scaled counts into the average and starts a new one. */
  endWindow(): Traffic {
    const scaled = this.window.map((c) => c * this.samplingRate);
    if (!this.average) this.average = scaled;
    else for (let i = 0; i < scaled.length; i++) this.average[i] = this.smoothing * scaled[i]! + (1 - this.smoothing) * this.average[i]!;
    this.window = new Float64Array(this.window.length);
    this.samples = 0;
    return this.estimate();
  }

  /** The smoothed estimate (uniform, total 1, before any window has closed: D3.2 §2.2.5's starting assumption). */
  estimate(): Traffic {
    return this.average ? Traffic.fromHistogram(this.depth, this.average) : Traffic.uniform();
  }
}

/**
 * Relative standard error of an estimate built from `samples` samples (binomial
 * sampling: ≈ 1/√samples). A rebalance trigger band narrower than this on the
 * smallest share chases noise.
 */
export function samplingError(samples: number): number {
  return samples > 0 ? 1 / Math.sqrt(samples) : Infinity;
}
