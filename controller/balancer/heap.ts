// A binary heap of integer ids under a caller's order: the balancer pops "the leaf with
// the most traffic" and "the server with the most unused capacity" (D3.2 §2.2.4)
// thousands of times per run. Ids, not objects, so the hot loop allocates nothing.
export class IdHeap {
  private a: Int32Array;
  private n = 0;
  /** `before(x, y)`: id x comes out first. */
  constructor(private readonly before: (x: number, y: number) => boolean, capacity = 64) {
    this.a = new Int32Array(Math.max(4, capacity));
  }

  get size(): number {
    return this.n;
  }
  /** The first id; only when size > 0. */
  peek(): number {
    return this.a[0]!;
  }
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    const a = this.a;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(x, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const top = this.a[0]!;
    this.n--;
    if (this.n > 0) {
      this.a[0] = this.a[this.n]!;
      this.sift();
    }
    return top;
  }
  /** After the first id's key changed in place. */
  updateTop(): void {
    if (this.n > 1) this.sift();
  }
  /** Every id, in no order. */
  ids(): Int32Array {
    return this.a.subarray(0, this.n);
  }
  private sift(): void {
    const a = this.a;
    const n = this.n;
    const x = a[0]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.before(a[r]!, a[l]!) ? r : l;
      if (!this.before(a[m]!, x)) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = x;
  }
}
