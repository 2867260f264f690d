// The traffic of D3.2 §2.3.3's simulations: flows arrive as a Poisson process and last
// a Pareto-distributed time (mean 200 ms, minimum 100 ms, hence shape 2). What the
// experiments need of it is the flows in progress at the moment a migration starts and
// how long each still has to live. aliveResiduals() draws exactly that from the
// stationary process (README.md "Sampling the flows in progress"); simulateAlive() is
// the plain event simulation it is checked against.
import type { Rng } from '../placement/rng.js';

export interface FlowProcess {
  /** flow arrivals per second */
  rate: number;
  /** mean flow duration, seconds (D3.2: 0.2) */
  meanS: number;
  /** shortest flow, seconds (D3.2: 0.1) */
  minS: number;
}

/** D3.2 §2.3.3's durations at `rate` arrivals per second. */
export const seedProcess = (rate: number): FlowProcess => ({ rate, meanS: 0.2, minS: 0.1 });

/** A process whose stationary number of flows in progress is `states` (Little's law: rate × mean duration). */
export const processWithStates = (states: number, p: Omit<FlowProcess, 'rate'> = seedProcess(0)): FlowProcess => ({ ...p, rate: states / p.meanS });

/** Pareto shape α for a mean and a minimum: mean = α·min/(α−1). */
export function paretoShape(meanS: number, minS: number): number {
  if (!(meanS > minS && minS > 0)) throw new RangeError(`a Pareto mean (${meanS}) must exceed its positive minimum (${minS})`);
  return meanS / (meanS - minS);
}

export function pareto(rng: Rng, minS: number, shape: number): number {
  return minS * (1 - rng.next()) ** (-1 / shape);
}

export function exponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng.next()) / rate;
}

/** Arrival times of a Poisson process of `rate` per second on [from, to). */
export function poissonArrivals(rng: Rng, rate: number, from: number, to: number): Float64Array {
  const out: number[] = [];
  for (let t = from + exponential(rng, rate); t < to; t += exponential(rng, rate)) out.push(t);
  return Float64Array.from(out);
}

/**
 * Remaining lifetimes of the flows in progress at one moment, in a process that has run
 * forever (or only for the last `maxAgeS` seconds: the flows that arrived within that
 * window and are still alive). Flows of age a are in progress with intensity
 * rate·P(D > a); their count is Poisson with mean rate·∫P(D > a)da, drawn here as the
 * points of a unit-rate process in that integral's scale, and each one's duration is
 * then drawn given that it exceeds its age (a Pareto tail above a is a Pareto from a).
 */
export function aliveResiduals(rng: Rng, p: FlowProcess, maxAgeS = Infinity): Float64Array {
  const m = p.minS;
  const a = paretoShape(p.meanS, p.minS);
  // Λ(age) = ∫₀^age P(D > x) dx, and its inverse
  const cumSurvival = (age: number): number => (age <= m ? age : m + (m * (1 - (m / age) ** (a - 1))) / (a - 1));
  const ageAt = (u: number): number => (u <= m ? u : m * (1 - ((u - m) * (a - 1)) / m) ** (-1 / (a - 1)));
  const end = cumSurvival(maxAgeS);
  const out: number[] = [];
  for (let u = exponential(rng, p.rate); u < end; u += exponential(rng, p.rate)) {
    const age = ageAt(u);
    const duration = age < m ? pareto(rng, m, a) : pareto(rng, age, a);
    out.push(duration - age);
  }
  return Float64Array.from(out);
}

/** Event simulation: arrivals on [−warmupS, 0), each with a Pareto duration; the remaining lifetimes of those still in progress at 0. */
export function simulateAlive(rng: Rng, p: FlowProcess, warmupS: number): { arrivals: number; residuals: Float64Array } {
  const a = paretoShape(p.meanS, p.minS);
  const times = poissonArrivals(rng, p.rate, -warmupS, 0);
  const out: number[] = [];
  for (const t of times) {
    const endsAt = t + pareto(rng, p.minS, a);
    if (endsAt > 0) out.push(endsAt);
  }
  return { arrivals: times.length, residuals: Float64Array.from(out) };
}

/** The stationary share of flows in progress that are still alive `s` seconds later: P(residual > s). */
export function survivingShare(p: FlowProcess, s: number): number {
  const m = p.minS;
  const a = paretoShape(p.meanS, p.minS);
  // ∫_s^∞ P(D > x) dx / mean
  const tail = s <= m ? m - s + m / (a - 1) : (m * (m / s) ** (a - 1)) / (a - 1);
  return tail / p.meanS;
}
