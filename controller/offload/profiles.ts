import type { SyntheticOptions } from './synthetic.js';

/**
 * The synthetic stand-in for the seed's residential-ISP trace (README "Synthetic trace"
 * gives each number's source). Calibrated on what the seed says of the *traffic* —
 * Fig. 2.9(a)'s prefix popularity, the bin-optimal load and churn of §2.4.1.2–3 — never
 * on TFO's own results, which are what the evaluation measures.
 */
export const ISP_LIKE: SyntheticOptions = {
  prefixes: 300_000,
  zipf: 1.4,
  zipfOffset: 10,
  meanPps: 42_500,
  binSeconds: 10,
  bins: 240,
  stepSeconds: 10,
  daySeconds: 2400,
  dayAmplitude: 0.5,
  churnTop: 8e-5,
  churnExponent: 1.08,
  churnMax: 0.5,
  churnSpread: 1.5,
  burst: 0.3,
  seed: 1,
};
