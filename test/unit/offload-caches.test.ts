import t from 'tap';
import { makeBin } from '../../controller/offload/bin.js';
import { Lfu } from '../../controller/offload/lfu.js';
import { Lru } from '../../controller/offload/lru.js';
import { packetOrder } from '../../controller/offload/packets.js';

/** A bin whose packets arrive in exactly this order. */
function ordered(index: number, packets: number[]) {
  const counts = new Map<number, number>();
  for (const p of packets) counts.set(p, (counts.get(p) ?? 0) + 1);
  return makeBin(index, 1, counts, Uint32Array.from(packets));
}
const list = (a: Uint32Array): number[] => [...a];

t.test('LRU, n = 2, hand-computed', async (t) => {
  const lru = new Lru(2);
  // 1 miss, 2 miss, 1 hit, 3 miss (evicts 2), 2 miss (evicts 1), 1 miss (evicts 3)
  let u = lru.update(ordered(0, [1, 2, 1, 3, 2, 1]));
  t.equal(u.software, 5, 'each miss goes to the software router');
  t.equal(u.changes, 5, 'each miss installs its prefix');
  t.equal(u.total, 6);
  t.same(list(u.installed), [1, 2]);
  u = lru.update(ordered(1, [2, 2, 1]));
  t.equal(u.software, 0);
  t.equal(u.changes, 0);
  t.same(list(u.added), []);
  u = lru.update(ordered(2, [3]));
  t.same(list(u.removed), [2], 'the least recently used goes');
  t.same(list(u.added), [3]);
});

t.test('LFU, n = 2, hand-computed: keeps the frequent prefix LRU would drop', async (t) => {
  const packets = [1, 1, 2, 3, 3, 1];
  const lfu = new Lfu(2);
  // 1 miss, 1 hit (1:2), 2 miss (2:1), 3 miss evicts 2 (fewest), 3 hit, 1 hit
  const u = lfu.update(ordered(0, packets));
  t.equal(u.software, 3);
  t.equal(u.changes, 3);
  t.same(list(u.installed), [1, 3]);
  // LRU on the same packets: 3 evicts 1 (least recent), then 1 misses again
  t.equal(new Lru(2).update(ordered(0, packets)).software, 4);
});

t.test('LFU ties: a newcomer is not the next victim', async (t) => {
  const lfu = new Lfu(2);
  t.same(list(lfu.update(ordered(0, [1, 2, 3])).installed), [2, 3], '3 evicts 1, the older of two count-1 entries');
  t.same(list(lfu.update(ordered(1, [4])).installed), [3, 4]);
});

t.test('caches replace within a bin, so they can beat a table fixed per bin', async (t) => {
  // top-1 of this bin carries 3 packets; LRU with one entry hits 4 (1 m h h, 2 m h h)
  t.equal(new Lru(1).update(ordered(0, [1, 1, 1, 2, 2, 2])).software, 2);
});

t.test('a synthetic bin replays the same shuffled order to every cache', async (t) => {
  const b = makeBin(7, 10, { 1: 3, 2: 2, 5: 1 });
  const a = packetOrder(b);
  t.equal(a, packetOrder(b), 'memoised per bin');
  t.same([...a].sort(), [1, 1, 1, 2, 2, 5]);
  t.same(list(packetOrder(makeBin(7, 10, { 1: 3, 2: 2, 5: 1 }))), list(a), 'seeded by the bin index');
});
