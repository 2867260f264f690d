import { Rng } from '../placement/rng.js';
import { binTotal, type Bin } from './bin.js';

/**
 * The bin's packets in arrival order, for the caches (they decide per packet, seed
 * §2.4.2.1). A capture gives the real order; a synthetic bin has only counts, so its
 * packets are shuffled uniformly, seeded by the bin index so that every cache sees the
 * same order. Uniform mixing has no bursts, which is harder on LRU than real traffic.
 */
const orders = new WeakMap<Bin, Uint32Array>();
const SALT = 0x5eed0ff;

export function packetOrder(bin: Bin): Uint32Array {
  if (bin.packets) return bin.packets;
  const known = orders.get(bin);
  if (known) return known;
  const out = new Uint32Array(Math.round(binTotal(bin)));
  let g = 0;
  for (let i = 0; i < bin.ids.length; i++) for (let c = Math.round(bin.counts[i]!); c > 0; c--) out[g++] = bin.ids[i]!;
  const rng = new Rng((bin.index * 0x9e3779b1) ^ SALT);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  orders.set(bin, out);
  return out;
}
