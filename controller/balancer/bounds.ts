// How few prefixes any balancer could use, for the bench and tests (README.md
// "Measured"): on uniform traffic (D3.2 §2.2.7's "constant function") with equal
// capacities, a lower bound on prefixes per server that no assignment of disjoint
// prefixes (a tree's leaves, one server each) can beat, whatever the algorithm.
import { DEFAULT_MAX_IMBALANCE } from './balance.js';
import { MAX_LEN, SIZES } from './prefix.js';

/**
 * Prefixes per server (assigned prefixes + the default 0/0, over servers), at least, for
 * `servers` equal servers on uniform traffic at `maxImbalance`.
 *
 * Every server holds at most bound = maxImbalance / servers of the space, the default
 * one included, so the other servers together hold at least 1 − bound. A server with
 * c prefixes holds at most `bound` cut to its c leading binary digits (the largest sum
 * of c powers of two not above it), and each added prefix gains less than the one
 * before: so the fewest prefixes reaching 1 − bound give every server its first digit,
 * then every server its second, and so on. Alignment is ignored (a relaxation), so
 * this is a bound, not always reachable.
 */
export function uniformPrefixBound(servers: number, maxImbalance = DEFAULT_MAX_IMBALANCE): number {
  const space = 2 ** MAX_LEN;
  const bound = (maxImbalance / servers) * space;
  const need = space - bound;
  // the leading binary digits of bound, as prefix sizes, largest first
  const digits: number[] = [];
  let rest = bound;
  for (let len = 0; len <= MAX_LEN; len++)
    if (SIZES[len]! <= rest) {
      digits.push(SIZES[len]!);
      rest -= SIZES[len]!;
    }
  let held = 0;
  let assigned = 0;
  for (const digit of digits)
    for (let s = 1; s < servers && held < need; s++) {
      held += digit;
      assigned++;
    }
  return (assigned + 1) / servers;
}
