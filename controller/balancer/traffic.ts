// A traffic distribution over the IPv4 space (on the balanced field): disjoint
// "atoms", each a prefix with a load spread evenly over its addresses. A histogram of
// /16 buckets, an estimator's per-prefix counters (estimator.ts) and a list of hot /24s
// are all atoms. load(prefix) is what the algorithm asks thousands of times per run, so
// it is two binary searches over prefix sums, never a scan.
import { BalancerInputError, checkNumber } from './errors.js';
import { checkPrefix, end, prefixText, ROOT, SIZES, type Prefix } from './prefix.js';

export interface Atom {
  prefix: Prefix;
  /** packets, bytes or a rate: any unit, as long as one distribution uses one */
  load: number;
}

export class Traffic {
  readonly total: number;
  private readonly bases: Float64Array;
  private readonly lens: Uint8Array;
  private readonly loads: Float64Array;
  /** cum[i] = sum of loads of atoms 0..i-1 */
  private readonly cum: Float64Array;

  private constructor(atoms: Atom[]) {
    const n = atoms.length;
    this.bases = new Float64Array(n);
    this.lens = new Uint8Array(n);
    this.loads = new Float64Array(n);
    this.cum = new Float64Array(n + 1);
    atoms.forEach((a, i) => {
      this.bases[i] = a.prefix.base;
      this.lens[i] = a.prefix.len;
      this.loads[i] = a.load;
      this.cum[i + 1] = this.cum[i]! + a.load;
    });
    this.total = this.cum[n]!;
  }

  /** Atoms in any order; they must not overlap. Zero loads are dropped. */
  static fromAtoms(atoms: Iterable<Atom>): Traffic {
    const list: Atom[] = [];
    for (const a of atoms) {
      checkPrefix(a.prefix);
      checkNumber(a.load, `load of ${prefixText(a.prefix)}`, 0);
      if (a.load > 0) list.push(a);
    }
    list.sort((x, y) => x.prefix.base - y.prefix.base);
    for (let i = 1; i < list.length; i++)
      if (list[i]!.prefix.base < end(list[i - 1]!.prefix))
        throw new BalancerInputError(`traffic atoms ${prefixText(list[i - 1]!.prefix)} and ${prefixText(list[i]!.prefix)} overlap`);
    return new Traffic(list);
  }

  /** The same load on every address: what the balancer assumes before it has learnt anything (D3.2 §2.2.5). */
  static uniform(total = 1): Traffic {
    return Traffic.fromAtoms([{ prefix: ROOT, load: total }]);
  }

  /** counts[i] is the load of the i-th /depth prefix. */
  static fromHistogram(depth: number, counts: ArrayLike<number>): Traffic {
    if (!Number.isInteger(depth) || depth < 0 || depth > 24) throw new BalancerInputError(`histogram depth ${depth} is not 0..24`);
    if (counts.length !== 2 ** depth) throw new BalancerInputError(`a /${depth} histogram has ${2 ** depth} buckets, not ${counts.length}`);
    const step = 2 ** (32 - depth);
    const atoms: Atom[] = [];
    for (let i = 0; i < counts.length; i++) if (counts[i]! !== 0) atoms.push({ prefix: { base: i * step, len: depth }, load: counts[i]! });
    return Traffic.fromAtoms(atoms);
  }

  get atomCount(): number {
    return this.loads.length;
  }

  /** Load inside prefix p. */
  load(p: Prefix): number {
    return this.loadAt(p.base, p.len);
  }

  /** load() without a prefix object. */
  loadAt(base: number, len: number): number {
    const lo = this.firstAtOrAfter(base);
    const host = this.container(base, len, lo);
    return host >= 0 ? this.part(host, len) : this.sum(lo, this.firstAtOrAfter(base + SIZES[len]!));
  }

  /** The atom containing the prefix (base, len) whole, or -1; lo is firstAtOrAfter(base). */
  container(base: number, len: number, lo: number): number {
    // an atom starting before the prefix that reaches into it contains it
    if (lo > 0 && this.bases[lo - 1]! + SIZES[this.lens[lo - 1]!]! > base) return lo - 1;
    return this.host(base, len, lo, this.bases.length);
  }

  /** Index of the first atom starting at or after addr, searching atoms lo..hi-1 only (nodes.ts narrows it as the tree deepens). */
  firstAtOrAfter(addr: number, lo = 0, hi = this.bases.length): number {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.bases[mid]! < addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Atom lo when it starts at base and is at least as large as the prefix (base, len) (so contains it), else -1; hi bounds the atoms to look at. */
  host(base: number, len: number, lo: number, hi: number): number {
    if (lo < hi && this.bases[lo] === base && this.lens[lo]! <= len) return lo;
    return -1;
  }

  /** Load of atoms lo..hi-1. */
  sum(lo: number, hi: number): number {
    return this.cum[hi]! - this.cum[lo]!;
  }

  /** The share of atom i that the prefix of length len inside it carries. */
  part(i: number, len: number): number {
    return this.loads[i]! * (SIZES[len]! / SIZES[this.lens[i]!]!);
  }
}
