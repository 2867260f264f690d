import type { Bin } from './bin.js';
import { growInt32 } from './grow.js';

/** The forwarder's table: a set of prefix ids with O(1) add, remove and lookup. */
export class Table {
  /** Where each id sits in `members`, -1 if absent. */
  private pos = new Int32Array(0);
  private members: Uint32Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.members = new Uint32Array(capacity);
  }

  has(id: number): boolean {
    return id < this.pos.length && this.pos[id]! >= 0;
  }

  add(id: number): void {
    if (this.has(id)) return;
    if (this.size >= this.capacity) throw new Error(`table full (${this.capacity} entries): remove before adding ${id}`);
    this.pos = growInt32(this.pos, id + 1, -1);
    this.pos[id] = this.size;
    this.members[this.size++] = id;
  }

  remove(id: number): void {
    if (!this.has(id)) return;
    const p = this.pos[id]!;
    const last = this.members[--this.size]!;
    this.members[p] = last;
    this.pos[last] = p;
    this.pos[id] = -1;
  }

  /** The members, ascending. */
  snapshot(): Uint32Array {
    return this.members.slice(0, this.size).sort();
  }

  /** Packets of the bin whose prefix is in the table. */
  offloaded(bin: Bin): number {
    let s = 0;
    for (let i = 0; i < bin.ids.length; i++) if (this.has(bin.ids[i]!)) s += bin.counts[i]!;
    return s;
  }
}

/** Members of `after` not in `before` (both ascending). */
export function sortedMinus(after: Uint32Array, before: Uint32Array): Uint32Array {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < after.length; i++) {
    const x = after[i]!;
    while (j < before.length && before[j]! < x) j++;
    if (j >= before.length || before[j] !== x) out.push(x);
  }
  return Uint32Array.from(out);
}
