import t from 'tap';
import { makeBin } from '../../controller/offload/bin.js';
import { MultiScaleStats } from '../../controller/offload/timescales.js';
import { Tfo, inverseOrders, pickSwaps, roundRobin } from '../../controller/offload/tfo.js';

const u32 = (xs: number[]): Uint32Array => Uint32Array.from(xs);
const list = (a: Uint32Array): number[] => [...a];

t.test('step 1: round-robin over the time scales, repeats skipped, stops at n', async (t) => {
  const lists = [u32([1, 2, 3]), u32([2, 4, 5]), u32([6, 1, 7])];
  t.same(list(roundRobin(lists, 5)), [1, 2, 6, 4, 3], 'rank 0 of each list, then rank 1, …');
  t.same(list(roundRobin(lists, 2)), [1, 2]);
  t.same(list(roundRobin(lists, 100)), [1, 2, 6, 4, 3, 5, 7], 'lists exhausted before n');
  t.same(list(roundRobin([u32([9, 8]), u32([])], 3)), [9, 8], 'an empty scale is skipped');
});

t.test('step 3: additions most traffic first, removals least first', async (t) => {
  const share: Record<number, number> = { 1: 5, 2: 50, 3: 20, 7: 9, 8: 1, 9: 30 };
  const add = u32([1, 2, 3]);
  const rem = u32([7, 8, 9]);
  inverseOrders(add, rem, (id) => share[id]!);
  t.same(list(add), [2, 3, 1]);
  t.same(list(rem), [8, 7, 9]);
});

t.test('step 4: a swap only where the addition carries at least factor × the removal', async (t) => {
  const share: Record<number, number> = { 10: 100, 11: 30, 12: 9, 20: 10, 21: 20, 22: 40 };
  const s = (id: number): number => share[id]!;
  const add = u32([10, 11, 12]);
  const rem = u32([20, 21, 22]);
  t.same(pickSwaps(add, rem, s, 2, 0), { added: [10], removed: [20] }, '30 < 2×20: the second pair is refused, and the rest with it');
  t.same(pickSwaps(add, rem, s, 1.5, 0), { added: [10, 11], removed: [20, 21] }, '30 ≥ 1.5×20 is enough');
  t.same(pickSwaps(add, rem, s, 11, 0), { added: [], removed: [] }, '100 < 11×10: nothing changes');
  t.same(pickSwaps(add, rem, s, 2, 1), { added: [10, 11], removed: [20] }, 'a free slot takes the first addition without a removal');
  t.same(pickSwaps(u32([5]), u32([6]), () => 0, 2, 0), { added: [], removed: [] }, 'no traffic, no swap');
});

t.test('TFO end to end: hysteresis holds a prefix until the newcomer doubles it', async (t) => {
  const tfo = new Tfo({ n: 2, timeScales: [1] });
  const A = 0;
  const B = 1;
  const C = 2;
  let u = tfo.update(makeBin(0, 10, { [A]: 100, [B]: 50, [C]: 10 }));
  t.same(list(u.installed), [A, B], 'empty table: the top two go in');
  t.equal(u.software, 160, 'nothing was offloaded in the first bin');
  t.equal(u.changes, 2);
  u = tfo.update(makeBin(1, 10, { [A]: 100, [B]: 50, [C]: 90 }));
  t.same(list(u.installed), [A, B], 'C (90) < 2 × B (50): kept out');
  t.equal(u.changes, 0);
  t.equal(u.software, 90);
  u = tfo.update(makeBin(2, 10, { [A]: 100, [B]: 40, [C]: 90 }));
  t.same(list(u.installed), [A, C], 'C (90) ≥ 2 × B (40): swapped');
  t.same(list(u.added), [C]);
  t.same(list(u.removed), [B]);
  t.equal(u.software, 90, 'the swap serves the next bin, not this one');
  u = tfo.update(makeBin(3, 10, { [A]: 100, [B]: 40, [C]: 90 }));
  t.equal(u.software, 40);
  t.equal(u.changes, 0);

  const eager = new Tfo({ n: 2, timeScales: [1], factor: 1 });
  eager.update(makeBin(0, 10, { [A]: 100, [B]: 50, [C]: 10 }));
  t.same(list(eager.update(makeBin(1, 10, { [A]: 100, [B]: 50, [C]: 90 })).installed), [A, C], 'factor 1: the same bin swaps at once');
});

t.test('a sudden heavy hitter enters in one round', async (t) => {
  const tfo = new Tfo({ n: 3 });
  for (let b = 0; b < 50; b++) tfo.update(makeBin(b, 10, { 1: 1000, 2: 500, 3: 300, 4: 100 }));
  const u = tfo.update(makeBin(50, 10, { 1: 1000, 2: 500, 3: 300, 4: 100, 9: 5000 }));
  t.ok(u.installed.includes(9), 'the newcomer is in after one bin');
  t.same(list(u.removed), [3], 'the least busy makes room');
});

t.test('time scales: the smallest is the last bin, longer ones remember; observe is idempotent per bin', async (t) => {
  const st = new MultiScaleStats([10, 1]);
  t.same(st.scales, [1, 10]);
  const b0 = makeBin(0, 10, { 1: 100 });
  st.observe(b0);
  st.observe(b0);
  st.observe(makeBin(1, 10, { 2: 50 }));
  t.equal(st.value(0, 1), 0, 'gone from the last bin');
  t.equal(st.value(0, 2), 50);
  t.ok(Math.abs(st.value(1, 1) - 100 * 0.1 * 0.9) < 1e-9, 'EWMA with τ = 10, bin 0 counted once');
  t.same(list(st.top(1, 5)), [1, 2], 'the long scale still ranks prefix 1 first');
  t.same(list(st.top(0, 5)), [2]);
  t.same(list(roundRobin([st.top(0, 2), st.top(1, 2)], 2)), [2, 1], 'round-robin brings in the long-term heavy hitter');
  t.throws(() => st.observe(makeBin(0, 10, { 1: 1 })), /in order/);
  t.throws(() => new MultiScaleStats([0.5]), /at least 1 bin/);
  t.throws(() => new Tfo({ n: 0 }), /n must be at least 1/);
});
