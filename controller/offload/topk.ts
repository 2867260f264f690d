/**
 * Top-k by partial selection: a 3-way quickselect finds the k-th largest value in
 * O(m), and only the k winners are sorted. A full sort of 10^6 prefixes each bin is
 * what would make TFO too slow to keep up (README "Cost").
 */
let scratch = new Float64Array(0);

/**
 * Positions of the k largest of values[0..m), largest first, ties by the smaller
 * position (so results are deterministic). Zeros and negatives are never ranked.
 */
export function topK(values: Float64Array, k: number, m: number = values.length): Uint32Array {
  if (k <= 0) return new Uint32Array(0);
  let nz = 0;
  for (let i = 0; i < m; i++) if (values[i]! > 0) nz++;
  let out: Uint32Array;
  if (nz <= k) {
    out = new Uint32Array(nz);
    for (let i = 0, g = 0; i < m; i++) if (values[i]! > 0) out[g++] = i;
  } else {
    if (scratch.length < nz) scratch = new Float64Array(nz);
    for (let i = 0, j = 0; i < m; i++) if (values[i]! > 0) scratch[j++] = values[i]!;
    const t = selectAscending(scratch, nz, nz - k);
    out = new Uint32Array(k);
    let g = 0;
    for (let i = 0; i < m; i++) if (values[i]! > t) out[g++] = i;
    for (let i = 0; i < m && g < k; i++) if (values[i] === t) out[g++] = i;
  }
  sortByValueDesc(out, values, 0, out.length - 1);
  return out;
}

/** a before b: larger value first, then smaller position. */
function before(values: Float64Array, a: number, b: number): boolean {
  const va = values[a]!;
  const vb = values[b]!;
  return va > vb || (va === vb && a < b);
}

/**
 * Quicksort of positions by value, monomorphic: about three times faster here than
 * TypedArray.sort with a comparator, which was most of TFO's update time.
 */
function sortByValueDesc(idx: Uint32Array, values: Float64Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    if (before(values, idx[mid]!, idx[lo]!)) swap(idx, mid, lo);
    if (before(values, idx[hi]!, idx[lo]!)) swap(idx, hi, lo);
    if (before(values, idx[hi]!, idx[mid]!)) swap(idx, hi, mid);
    const p = idx[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(values, idx[i]!, p)) i++;
      while (before(values, p, idx[j]!)) j--;
      if (i <= j) swap(idx, i++, j--);
    }
    // recurse into the smaller side, loop on the larger: bounded stack
    if (j - lo < hi - i) {
      sortByValueDesc(idx, values, lo, j);
      lo = i;
    } else {
      sortByValueDesc(idx, values, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const x = idx[i]!;
    let j = i - 1;
    while (j >= lo && before(values, x, idx[j]!)) {
      idx[j + 1] = idx[j]!;
      j--;
    }
    idx[j + 1] = x;
  }
}

function swap(a: Uint32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** The value that would sit at index `target` of a[0..n) sorted ascending; reorders a. */
function selectAscending(a: Float64Array, n: number, target: number): number {
  let lo = 0;
  let hi = n - 1;
  for (;;) {
    if (lo >= hi) return a[lo]!;
    const x = a[lo]!;
    const y = a[(lo + hi) >>> 1]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    // 3-way partition: packet counts have many ties, which a 2-way split handles badly
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i++] = a[lt]!;
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt--] = v;
      } else i++;
    }
    if (target < lt) hi = lt - 1;
    else if (target > gt) lo = gt + 1;
    else return pivot;
  }
}
