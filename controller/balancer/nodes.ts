// The tree's nodes while one balancer run builds it, as a struct of typed arrays: a run
// on 1000 servers splits thousands of nodes, and one object each was most of its time
// (README.md "Measured").
import type { Leaf } from './leaves.js';
import { SIZES as SIZE } from './prefix.js';
import type { Traffic } from './traffic.js';

/** Node ids below this fit beside a 32-bit address in a double's 53 bits. */
const ID_SPACE = 2 ** 21;

export class Nodes {
  base: Float64Array;
  len: Uint8Array;
  load: Float64Array;
  /** the traffic atoms starting inside the node are lo..hi-1; host ≥ 0 is an atom containing the node whole */
  lo: Int32Array;
  hi: Int32Array;
  host: Int32Array;
  /** 1: the default server held it before this run (split halves inherit it) */
  kept: Uint8Array;
  /** the server holding the leaf (set by the balancer; halves inherit it) */
  owner: Int32Array;
  /** the first piece's id once the node is split, else -1: a leaf; the node's 2^fan pieces are first, first + 1, … */
  first: Int32Array;
  fan: Uint8Array;
  count = 0;
  /** nodes made by add(), not by splitting: the tops of the run's trees */
  private readonly roots: number[] = [];

  constructor(private readonly traffic: Traffic, capacity: number) {
    this.base = new Float64Array(capacity);
    this.len = new Uint8Array(capacity);
    this.load = new Float64Array(capacity);
    this.lo = new Int32Array(capacity);
    this.hi = new Int32Array(capacity);
    this.host = new Int32Array(capacity);
    this.kept = new Uint8Array(capacity);
    this.first = new Int32Array(capacity);
    this.fan = new Uint8Array(capacity);
    this.owner = new Int32Array(capacity);
  }

  /** A node for any prefix (its atoms found from scratch). */
  add(base: number, len: number, kept = 0): number {
    const t = this.traffic;
    const lo = t.firstAtOrAfter(base);
    const hi = t.firstAtOrAfter(base + SIZE[len]!);
    const i = this.put(base, len, lo, hi, t.container(base, len, lo));
    this.kept[i] = kept;
    this.roots.push(i);
    return i;
  }

  private put(base: number, len: number, lo: number, hi: number, host: number): number {
    if (this.count === this.base.length) this.grow();
    const i = this.count++;
    this.base[i] = base;
    this.len[i] = len;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.host[i] = host;
    this.first[i] = -1;
    this.load[i] = host >= 0 ? this.traffic.part(host, len) : this.traffic.sum(lo, hi);
    return i;
  }

  /** Two new nodes, the halves of node i: the first is the returned id, the second the next one. The search for the atoms of each half stays inside i's. */
  split(i: number): number {
    const t = this.traffic;
    const len = this.len[i]! + 1;
    const base = this.base[i]!;
    const mid = base + SIZE[len]!;
    const host = this.host[i]!;
    const kept = this.kept[i]!;
    let a: number;
    if (host >= 0) {
      a = this.put(base, len, 0, 0, host);
      this.put(mid, len, 0, 0, host);
    } else {
      const lo = this.lo[i]!;
      const hi = this.hi[i]!;
      const cut = t.firstAtOrAfter(mid, lo, hi);
      a = this.put(base, len, lo, cut, t.host(base, len, lo, cut));
      this.put(mid, len, cut, hi, t.host(mid, len, cut, hi));
    }
    this.kept[a] = this.kept[a + 1] = kept;
    this.owner[a] = this.owner[a + 1] = this.owner[i]!;
    this.first[i] = a;
    this.fan[i] = 1;
    return a;
  }

  /**
   * Node i, which lies inside one atom (host ≥ 0: its traffic is even), cut at once into its 2^bits pieces `bits`
   * longer, all of the same load: ids a … a + 2^bits − 1 in address order (a returned). What `bits` rounds of split()
   * give, without the nodes in between.
   */
  splitEven(i: number, bits: number): number {
    const len = this.len[i]! + bits;
    const host = this.host[i]!;
    const step = SIZE[len]!;
    const base = this.base[i]!;
    const kept = this.kept[i]!;
    const owner = this.owner[i]!;
    const a = this.count;
    for (let j = 0; j < 2 ** bits; j++) {
      const x = this.put(base + j * step, len, 0, 0, host);
      this.kept[x] = kept;
      this.owner[x] = owner;
    }
    this.first[i] = a;
    this.fan[i] = bits;
    return a;
  }

  /** Every leaf (unsplit node), in address order: the trees walked from their roots, first halves first (no sort). */
  inOrder(): Int32Array {
    const out = new Int32Array(this.count);
    const stack = new Int32Array(this.count);
    let m = 0;
    for (const root of this.byAddress(this.roots)) {
      let top = 0;
      stack[top++] = root;
      while (top > 0) {
        const i = stack[--top]!;
        const a = this.first[i]!;
        if (a < 0) out[m++] = i;
        else for (let j = 2 ** this.fan[i]! - 1; j >= 0; j--) stack[top++] = a + j;
      }
    }
    return out.subarray(0, m);
  }

  /** Ids sorted by address (a numeric sort of base·2²¹ + id: exact in a double, no comparator). */
  byAddress(ids: ArrayLike<number>): Int32Array {
    if (this.count > ID_SPACE) throw new Error(`more than ${ID_SPACE} tree nodes`);
    const keys = new Float64Array(ids.length);
    for (let k = 0; k < ids.length; k++) keys[k] = this.base[ids[k]!]! * ID_SPACE + ids[k]!;
    keys.sort();
    const out = new Int32Array(ids.length);
    for (let k = 0; k < keys.length; k++) out[k] = keys[k]! % ID_SPACE;
    return out;
  }

  /**
   * The leaves `sorted` (by address) as Leaf objects, leaf l with server `names[owner[l]]`, siblings of one server
   * merged repeatedly (leaves.ts mergeSiblings, done on numbers so that only the merged leaves become objects).
   */
  leaves(sorted: ArrayLike<number>, owner: Int32Array, names: string[]): Leaf[] {
    const m = sorted.length;
    const base = new Float64Array(m);
    const len = new Uint8Array(m);
    const who = new Int32Array(m);
    const load = new Float64Array(m);
    let top = 0;
    for (let k = 0; k < m; k++) {
      const l = sorted[k]!;
      let b = this.base[l]!;
      let n = this.len[l]!;
      let sum = this.load[l]!;
      const o = owner[l]!;
      // the last one kept and this one are the two halves of one prefix of the same server: that prefix instead
      while (top > 0 && who[top - 1] === o && len[top - 1] === n && n > 0 && base[top - 1]! + SIZE[n]! === b && base[top - 1]! % (2 * SIZE[n]!) === 0) {
        top--;
        b = base[top]!;
        n--;
        sum = load[top]! + sum;
      }
      base[top] = b;
      len[top] = n;
      who[top] = o;
      load[top] = sum;
      top++;
    }
    const out: Leaf[] = new Array(top);
    for (let k = 0; k < top; k++) out[k] = { prefix: { base: base[k]!, len: len[k]! }, server: names[who[k]!]!, load: load[k]! };
    return out;
  }

  private grow(): void {
    const n = this.base.length * 2;
    const base = new Float64Array(n);
    base.set(this.base);
    const len = new Uint8Array(n);
    len.set(this.len);
    const load = new Float64Array(n);
    load.set(this.load);
    const lo = new Int32Array(n);
    lo.set(this.lo);
    const hi = new Int32Array(n);
    hi.set(this.hi);
    const host = new Int32Array(n);
    host.set(this.host);
    const kept = new Uint8Array(n);
    kept.set(this.kept);
    const first = new Int32Array(n);
    first.set(this.first);
    const owner = new Int32Array(n);
    owner.set(this.owner);
    const fan = new Uint8Array(n);
    fan.set(this.fan);
    Object.assign(this, { base, len, load, lo, hi, host, kept, first, owner, fan });
  }
}
