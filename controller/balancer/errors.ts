// The one error type of the balancer: bad input (capacities, prefixes, imbalance,
// ports) is refused before anything is computed, with what to fix in the message.
export class BalancerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BalancerInputError';
  }
}

/** A finite number of at least `min` (strictly above when `strict`), else a BalancerInputError naming `what`. */
export function checkNumber(v: number, what: string, min: number, strict = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min))
    throw new BalancerInputError(`${what} must be a finite number ${strict ? 'above' : 'of at least'} ${min}, not ${String(v)}`);
  return v;
}
