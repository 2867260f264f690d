// Leaf sets: the leaves of a prefix tree with an owner each, sorted by address and
// covering the whole space (README.md "The tree"). Two operations on them: merging
// sibling leaves of one owner (fewer prefixes, so fewer rules, for the same traffic),
// and overlaying two leaf sets to see which address ranges changed owner (what a
// rebalance moves).
import { BalancerInputError } from './errors.js';
import { end, parent, prefixText, siblings, type Prefix } from './prefix.js';

export interface Leaf {
  prefix: Prefix;
  /** the server (replica) name */
  server: string;
  load: number;
}

/** Sorted by address and checked to cover 0.0.0.0/0 exactly once. */
export function sortedCover(leaves: Leaf[]): Leaf[] {
  const s = [...leaves].sort((a, b) => a.prefix.base - b.prefix.base);
  let next = 0;
  for (const l of s) {
    if (l.prefix.base !== next) throw new BalancerInputError(`leaves ${next < l.prefix.base ? 'leave a gap before' : 'overlap at'} ${prefixText(l.prefix)}`);
    next = end(l.prefix);
  }
  if (next !== 2 ** 32) throw new BalancerInputError('leaves do not reach 255.255.255.255');
  return s;
}

/** Merges sibling leaves with the same owner, repeatedly (a stack walk over leaves sorted by address). */
export function mergeSiblings(sorted: Leaf[]): Leaf[] {
  const out: Leaf[] = [];
  for (const l of sorted) {
    let cur = l;
    for (;;) {
      const top = out[out.length - 1];
      if (!top || top.server !== cur.server || !siblings(top.prefix, cur.prefix)) break;
      out.pop();
      cur = { prefix: parent(cur.prefix), server: cur.server, load: top.load + cur.load };
    }
    out.push(cur);
  }
  return out;
}

export interface Move {
  prefix: Prefix;
  from: string;
  to: string;
}

/**
 * The address ranges whose owner differs between two covers, as prefixes (pieces of
 * the finer of the two trees, siblings moving between the same pair merged).
 */
export function moves(before: Leaf[], after: Leaf[]): Move[] {
  const a = sortedCover(before);
  const b = sortedCover(after);
  const out: Array<Leaf & { from: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    // both start at the same address; the longer prefix is the piece
    const piece = x.prefix.len >= y.prefix.len ? x.prefix : y.prefix;
    if (x.server !== y.server) out.push({ prefix: piece, server: `${x.server}\u0000${y.server}`, load: 0, from: x.server });
    if (end(x.prefix) === end(piece)) i++;
    if (end(y.prefix) === end(piece)) j++;
  }
  // the owner pair is the merge key: siblings merge only when they move between the same two servers
  return mergeSiblings(out).map((m) => {
    const [from, to] = m.server.split('\u0000') as [string, string];
    return { prefix: m.prefix, from, to };
  });
}
