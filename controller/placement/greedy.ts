/**
 * The initial solution of D3.2 §3.2.3 (docs/platform.md): greedy round robin, in its improved rack-first form.
 *
 * Services are taken one at a time, their PMs in topological order (so each PM's DAG
 * links to already placed neighbours and I/O nodes are counted). Within the current rack,
 * each PM goes to the first server, round robin from the rack's pointer (the server that
 * took the previous PM — which is what packs a service's chain onto one server when it
 * fits), where it adds no violation at all (CPU, memory, bandwidth, or delay of the part of
 * the bounded paths already placed). If some PM of the service fits nowhere in the rack,
 * the service is taken back out and tried whole in the next rack (our refinement: D3.2
 * moves on to the next rack only for the next service, leaving that service split
 * across racks, which costs delay). After maxRackProbes racks D3.2's base rule
 * applies: each PM to the least-violating server among the probed racks.
 */
import type { State } from './violations.js';

export interface GreedyOptions {
  /** Racks tried for one service before falling back to least-violation placement. */
  maxRackProbes?: number;
}

export function greedyRackFirst(state: State, opts: GreedyOptions = {}): void {
  const p = state.problem;
  const pf = state.pf;
  const racks = pf.racks.filter((r) => r.length > 0);
  if (racks.length === 0) throw new Error('greedy: the platform has no server');
  const maxProbes = Math.min(racks.length, opts.maxRackProbes ?? 8);
  const ptr = new Int32Array(racks.length);
  let cur = 0;

  for (let svc = 0; svc < p.nServices; svc++) {
    const order = topoOrder(state, svc).filter((g) => state.assign[g]! < 0);
    if (order.length === 0) continue;
    let placed = false;
    for (let probe = 0; probe < maxProbes && !placed; probe++) {
      const r = (cur + probe) % racks.length;
      const rack = racks[r]!;
      let ok = true;
      let done = 0;
      for (const g of order) {
        let found = -1;
        for (let k = 0; k < rack.length; k++) {
          const idx = (ptr[r]! + k) % rack.length;
          if (state.delta(g, rack[idx]!) === 0) {
            found = idx;
            break;
          }
        }
        if (found < 0) {
          ok = false;
          break;
        }
        state.move(g, rack[found]!);
        ptr[r] = found;
        done++;
      }
      if (ok) {
        placed = true;
        cur = r;
      } else {
        for (let i = 0; i < done; i++) state.move(order[i]!, -1);
      }
    }
    if (!placed) {
      // Seed's base rule, over the probed racks: first violation-free server, else the least violating.
      for (const g of order) {
        let best = -1;
        let bestD = Infinity;
        for (let probe = 0; probe < maxProbes && bestD > 0; probe++) {
          const r = (cur + probe) % racks.length;
          const rack = racks[r]!;
          for (let k = 0; k < rack.length; k++) {
            const j = rack[(ptr[r]! + k) % rack.length]!;
            const d = state.delta(g, j);
            if (d < bestD) {
              bestD = d;
              best = j;
              if (d <= 0) break;
            }
          }
        }
        state.move(g, best);
      }
      cur = (cur + 1) % racks.length;
    }
  }
}

/** PMs of service svc in topological order of its DAG (sources first). */
function topoOrder(state: State, svc: number): number[] {
  const p = state.problem;
  const first = p.svcFirstPm[svc]!;
  const n = p.svcPmCount[svc]!;
  const indeg = new Int32Array(n);
  for (let g = first; g < first + n; g++) {
    for (let k = p.pmEdgeStart[g]!; k < p.pmEdgeStart[g + 1]!; k++) {
      const e = p.pmEdges[k]!;
      const from = p.edgeFrom[e]!;
      if (p.edgeTo[e] === g && from < p.nPm) indeg[g - first]!++;
    }
  }
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(first + i);
  const out: number[] = [];
  while (queue.length) {
    const g = queue.shift()!;
    out.push(g);
    for (let k = p.pmEdgeStart[g]!; k < p.pmEdgeStart[g + 1]!; k++) {
      const e = p.pmEdges[k]!;
      const to = p.edgeTo[e]!;
      if (p.edgeFrom[e] === g && to < p.nPm && --indeg[to - first]! === 0) queue.push(to);
    }
  }
  return out;
}
