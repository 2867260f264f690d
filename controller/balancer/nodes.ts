// The tree's nodes while one balancer run builds it, as a struct of typed arrays: a run
// on 1000 servers splits thousands of nodes, and one object each was most of its time
// (README.md "Measured").
import { MAX_LEN } from './prefix.js';
import type { Traffic } from './traffic.js';

export class Nodes {
  base: Float64Array;
  len: Uint8Array;
  load: Float64Array;
  count = 0;

  constructor(capacity: number) {
    this.base = new Float64Array(capacity);
    this.len = new Uint8Array(capacity);
    this.load = new Float64Array(capacity);
  }

  add(base: number, len: number, load: number): number {
    if (this.count === this.base.length) this.grow();
    const i = this.count++;
    this.base[i] = base;
    this.len[i] = len;
    this.load[i] = load;
    return i;
  }

  /** Two new nodes, the halves of node i; the second's load is the rest of i's, so one lookup per split. */
  split(i: number, traffic: Traffic): [number, number] {
    const len = this.len[i]! + 1;
    const base = this.base[i]!;
    const half = 2 ** (MAX_LEN - len);
    const first = traffic.load({ base, len });
    const a = this.add(base, len, first);
    const b = this.add(base + half, len, Math.max(0, this.load[i]! - first));
    return [a, b];
  }

  private grow(): void {
    const n = this.base.length * 2;
    const base = new Float64Array(n);
    base.set(this.base);
    const len = new Uint8Array(n);
    len.set(this.len);
    const load = new Float64Array(n);
    load.set(this.load);
    this.base = base;
    this.len = len;
    this.load = load;
  }
}
