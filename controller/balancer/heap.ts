// A binary max-heap of integer ids, each with a numeric key kept beside it: the balancer
// pops "the leaf with the most traffic" and "the server with the most unused capacity"
// (D3.2 §2.2.4) thousands of times per run. Ids and keys in typed arrays, so the hot loop
// allocates nothing and compares numbers, calling the caller's tie-break only on equal
// keys (README.md "Measured").
export class KeyHeap {
  private ids: Int32Array;
  private keys: Float64Array;
  private n = 0;
  /** `tie(x, y)`: of two ids with equal keys, x comes out first. */
  constructor(private readonly tie: (x: number, y: number) => boolean, capacity = 64) {
    this.ids = new Int32Array(Math.max(4, capacity));
    this.keys = new Float64Array(Math.max(4, capacity));
  }

  get size(): number {
    return this.n;
  }
  /** The first id; only when size > 0. */
  peek(): number {
    return this.ids[0]!;
  }
  /** The first id's key; only when size > 0. */
  peekKey(): number {
    return this.keys[0]!;
  }
  push(x: number, key: number): void {
    if (this.n === this.ids.length) this.grow();
    const ids = this.ids;
    const keys = this.keys;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const kp = keys[p]!;
      if (key < kp || (key === kp && !this.tie(x, ids[p]!))) break;
      ids[i] = ids[p]!;
      keys[i] = kp;
      i = p;
    }
    ids[i] = x;
    keys[i] = key;
  }
  pop(): number {
    const top = this.ids[0]!;
    this.n--;
    if (this.n > 0) this.sift(this.ids[this.n]!, this.keys[this.n]!);
    return top;
  }
  /** The first id's key is now `key`. */
  updateTop(key: number): void {
    this.sift(this.ids[0]!, key);
  }
  /** Puts (x, key) at the root and moves it down to its place. */
  private sift(x: number, key: number): void {
    const ids = this.ids;
    const keys = this.keys;
    const n = this.n;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n) {
        const kr = keys[r]!;
        const kl = keys[l]!;
        if (kr > kl || (kr === kl && this.tie(ids[r]!, ids[l]!))) m = r;
      }
      const km = keys[m]!;
      if (km < key || (km === key && !this.tie(ids[m]!, x))) break;
      ids[i] = ids[m]!;
      keys[i] = km;
      i = m;
    }
    ids[i] = x;
    keys[i] = key;
  }
  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.ids = ids;
    this.keys = keys;
  }
}
