/**
 * Tabu search of D3.2 §3.2.3 (docs/platform.md), Algorithm 1, minimising v(s), the total violations.
 *
 * Per iteration, as in D3.2:
 *  - CMB (CPU + memory + bandwidth) violated: pick PMs that contribute to it and the
 *    server that minimises v(s[g, j]); take the move if g is not tabu or it beats the best
 *    solution (aspiration), else the best move of a non-tabu contributor (lines 4–13);
 *  - otherwise: one of the three bounded paths with the most delay violation, at random,
 *    and the best acceptable move of one of its PMs (lines 15–20);
 *  - the moved PM becomes tabu for `tenure` (+ a random 0..tenure/2) iterations.
 * What makes it fast, beyond D3.2:
 *  - every v(s[g, j]) is an incremental delta (violations.ts), not a re-evaluation;
 *  - "contributes much" is read on one violated resource drawn at random (a server over
 *    CPU/memory, a link over bandwidth): its few largest contributors are evaluated, not
 *    all PMs;
 *  - on platforms larger than fullScanServers, a PM's candidate servers are its DAG
 *    neighbours' servers and racks, its own rack, a sweeping window and random servers,
 *    instead of all 10 000;
 *  - the best solution is kept as an undo journal since it was reached, not copied;
 *  - it stops as soon as v(s*) reaches a proven lower bound (0, or the delay / capacity
 *    bound of an instance infeasible by construction).
 */
import { Rng } from './rng.js';
import type { Breakdown, State } from './violations.js';

export interface TabuOptions {
  /** Wall-clock budget for the search (ms). Default 10 000. */
  timeLimitMs?: number;
  /** Iteration budget. Default unlimited. */
  maxIterations?: number;
  seed?: number;
  /** Base tabu tenure in iterations; default min(10, ⌈#PM/4⌉). */
  tenure?: number;
  /** Platforms up to this many servers are scanned whole for each PM (exactly Algorithm 1). */
  fullScanServers?: number;
  /** Stop when v(s*) reaches this (a proven lower bound). Default 0. */
  lowerBound?: number;
  /** Iterations without a new best before a random kick (a few PMs to random servers). Default 100 + #PM. */
  stallIterations?: number;
  /** Contributors of a violated resource evaluated per iteration. Default 6. */
  contributors?: number;
  /** PMs the search must not move (e.g. modules already running on live hosts). */
  frozen?: Uint8Array;
  /** Clock origin (performance.now()) for history and time to feasible; default: now. */
  t0?: number;
}

export interface HistoryPoint extends Breakdown {
  ms: number;
  iteration: number;
}

export interface TabuResult {
  best: Breakdown;
  iterations: number;
  history: HistoryPoint[];
  /** ms from t0 to the first solution with v = 0; null if none. */
  timeToFeasibleMs: number | null;
  /** Why it stopped. */
  stop: 'feasible' | 'lower-bound' | 'time' | 'iterations';
}

export function tabuSearch(state: State, opts: TabuOptions = {}): TabuResult {
  const t0 = opts.t0 ?? performance.now();
  const p = state.problem;
  const pf = state.pf;
  const rng = new Rng(opts.seed ?? 1);
  const timeLimit = opts.timeLimitMs ?? 10_000;
  const maxIter = opts.maxIterations ?? Infinity;
  const lowerBound = opts.lowerBound ?? 0;
  const tenure = Math.max(1, opts.tenure ?? Math.min(10, Math.ceil(p.nPm / 4)));
  const fullScan = pf.nServers <= (opts.fullScanServers ?? 256);
  const nContrib = opts.contributors ?? 6;
  const tabuUntil = new Float64Array(p.nPm);
  const stallLimit = opts.stallIterations ?? 100 + p.nPm;
  let lastBestIter = 0;

  let best = state.total;
  const journal: number[] = []; // (pm, previous server) pairs since s* was reached
  const history: HistoryPoint[] = [{ ms: performance.now() - t0, iteration: 0, ...state.breakdown() }];
  let timeToFeasible: number | null = best === 0 ? history[0]!.ms : null;
  let lastRecord = history[0]!.ms;
  let iter = 0;
  let stop: TabuResult['stop'] = 'time';

  // Candidate-server generation for big platforms.
  const mark = new Uint8Array(pf.nServers);
  const cands: number[] = [];
  let sweep = 0;
  const addCand = (s: number): void => {
    if (s >= 0 && !mark[s]) {
      mark[s] = 1;
      cands.push(s);
    }
  };
  const addRack = (s: number): void => {
    if (s < 0) return;
    for (const x of pf.racks[pf.serverRack[s]!]!) addCand(x);
  };
  const candidateServers = (g: number): number[] => {
    for (const s of cands) mark[s] = 0;
    cands.length = 0;
    if (fullScan) {
      for (let s = 0; s < pf.nServers; s++) cands.push(s);
      return cands;
    }
    addRack(state.assign[g]!);
    for (let k = p.pmEdgeStart[g]!; k < p.pmEdgeStart[g + 1]!; k++) {
      const e = p.pmEdges[k]!;
      const other = p.edgeFrom[e] === g ? p.edgeTo[e]! : p.edgeFrom[e]!;
      if (other < p.nPm) addRack(state.assign[other]!);
    }
    for (let i = 0; i < 16; i++) addCand((sweep + i) % pf.nServers);
    sweep = (sweep + 16) % pf.nServers;
    for (let i = 0; i < 24; i++) addCand(rng.int(pf.nServers));
    return cands;
  };

  const frozen = opts.frozen;
  const isTabu = (g: number): boolean => tabuUntil[g]! > iter;
  const movable = (g: number): boolean => !frozen || !frozen[g];
  /** Best server for g: [server, delta], ties broken at random. */
  const bestServer = (g: number): [number, number] => {
    let bj = -1;
    let bd = Infinity;
    let ties = 0;
    const cur = state.assign[g]!;
    for (const j of candidateServers(g)) {
      if (j === cur) continue;
      const d = state.delta(g, j);
      if (d < bd) {
        bd = d;
        bj = j;
        ties = 1;
      } else if (d === bd && rng.int(++ties) === 0) {
        bj = j;
      }
    }
    return [bj, bd];
  };

  // Contributors to one random violated CMB resource, largest first.
  const contributors = (): number[] => {
    const nS = state.badServers.size;
    const nL = state.badLinks.size;
    const pick = rng.int(nS + nL);
    const scored: Array<[number, number]> = [];
    if (pick < nS) {
      const s = state.badServers.items[pick]!;
      const cpuOver = state.cpuLoad[s]! > state.cpuCap[s]!;
      const memOver = state.memLoad[s]! > pf.serverMemory[s]!;
      for (const g of state.pmsOn[s]!) scored.push([g, (cpuOver ? p.pmCpu[g]! : 0) + (memOver ? p.pmMem[g]! : 0)]);
    } else {
      const l = state.badLinks.items[pick - nS]!;
      const owner = pf.linkOwner[l]!;
      const pms: number[] = [];
      if (pf.kind[owner] === 'io') {
        for (const g of pmsByIo().get(owner) ?? []) pms.push(g);
      } else {
        for (const s of pf.serversUnder(owner)) for (const g of state.pmsOn[s]!) pms.push(g);
      }
      // A link's traffic is the edges whose path crosses it; both ends of such an edge
      // contribute (moving the sender next to the receiver helps as much as the reverse).
      const buf = new Int32Array(64);
      const credit = new Map<number, number>();
      const seenEdge = new Set<number>();
      for (const g of pms) {
        for (let k = p.pmEdgeStart[g]!; k < p.pmEdgeStart[g + 1]!; k++) {
          const e = p.pmEdges[k]!;
          if (seenEdge.has(e)) continue;
          seenEdge.add(e);
          const a = state.nodeOf(p.edgeFrom[e]!);
          const b = state.nodeOf(p.edgeTo[e]!);
          if (a < 0 || b < 0) continue;
          const n = pf.path(a, b, buf);
          let uses = false;
          for (let i = 0; i < n; i++) if (buf[i] === l) uses = true;
          if (!uses) continue;
          for (const v of [p.edgeFrom[e]!, p.edgeTo[e]!]) if (v < p.nPm) credit.set(v, (credit.get(v) ?? 0) + p.edgeBw[e]!);
        }
      }
      for (const [g, w] of credit) scored.push([g, w]);
    }
    // Random order first so equal scores do not always favour the same PM.
    for (let i = scored.length - 1; i > 0; i--) {
      const k = rng.int(i + 1);
      [scored[i], scored[k]] = [scored[k]!, scored[i]!];
    }
    scored.sort((x, y) => y[1] - x[1]);
    return scored.map((x) => x[0]).filter(movable);
  };
  let ioIndex: Map<number, number[]> | undefined;
  const pmsByIo = (): Map<number, number[]> => {
    if (!ioIndex) {
      ioIndex = new Map();
      for (let e = 0; e < p.nEdges; e++) {
        const a = p.edgeFrom[e]!;
        const b = p.edgeTo[e]!;
        const [pm, fixed] = a < p.nPm ? [a, b] : [b, a];
        if (fixed < p.nPm) continue;
        const node = p.fixedNode[fixed - p.nPm]!;
        if (!ioIndex.has(node)) ioIndex.set(node, []);
        ioIndex.get(node)!.push(pm);
      }
    }
    return ioIndex;
  };

  /** Best acceptable move over a set of PMs: not tabu, or tabu but aspirating. */
  const bestMove = (pms: Iterable<number>, limit: number): [number, number, number] => {
    let bg = -1;
    let bj = -1;
    let bd = Infinity;
    let seen = 0;
    for (const g of pms) {
      if (seen >= limit) break;
      const tabu = isTabu(g);
      const [j, d] = bestServer(g);
      if (j < 0) continue;
      if (tabu && !(state.total + d < best)) continue;
      seen++;
      if (d < bd || (d === bd && rng.int(2) === 0)) {
        bg = g;
        bj = j;
        bd = d;
      }
    }
    return [bg, bj, bd];
  };

  /**
   * Best plan to move a whole group of PMs onto one server j: the group, then — if j is now
   * over CPU or memory — ejection of j's other PMs, largest first, each to its own best
   * server (an ejection chain of depth one). Tabu members must aspirate. Returns the plan
   * as (pm, server) pairs and its delta; the state is left unchanged.
   */
  const groupCands: number[] = [];
  const bestGroupPlan = (group: Set<number>): [number[], number] => {
    let cpu = 0;
    let mem = 0;
    let anyTabu = false;
    for (const g of group) {
      cpu += p.pmCpu[g]!;
      mem += p.pmMem[g]!;
      anyTabu ||= isTabu(g);
    }
    groupCands.length = 0;
    for (const g of group) if (state.assign[g]! >= 0 && !groupCands.includes(state.assign[g]!)) groupCands.push(state.assign[g]!);
    if (fullScan) for (let s = 0; s < pf.nServers; s++) groupCands.push(s);
    else {
      // Servers with room for the whole group, by sampling (O(1) each), and a few at random.
      for (let tries = 0, found = 0; tries < 256 && found < 8; tries++) {
        const s = rng.int(pf.nServers);
        if (state.cpuLoad[s]! + cpu <= state.cpuCap[s]! && state.memLoad[s]! + mem <= pf.serverMemory[s]!) {
          groupCands.push(s);
          found++;
        }
      }
      for (let k = 0; k < 4; k++) groupCands.push(rng.int(pf.nServers));
    }
    let bestPlan: number[] = [];
    let bd = Infinity;
    const undo: number[] = [];
    const plan: number[] = [];
    const before = state.total;
    for (const j of groupCands) {
      plan.length = 0;
      for (const g of group) {
        undo.push(g, state.assign[g]!);
        plan.push(g, j);
        state.move(g, j);
      }
      let tabuOk = !anyTabu;
      for (let guard = 0; guard < 8 && (state.cpuLoad[j]! > state.cpuCap[j]! || state.memLoad[j]! > pf.serverMemory[j]!); guard++) {
        const cpuOver = state.cpuLoad[j]! > state.cpuCap[j]!;
        const memOver = state.memLoad[j]! > pf.serverMemory[j]!;
        let x = -1;
        let xs = -1;
        for (const y of state.pmsOn[j]!) {
          if (group.has(y) || !movable(y)) continue;
          const sc = (cpuOver ? p.pmCpu[y]! : 0) + (memOver ? p.pmMem[y]! : 0) - (isTabu(y) ? 1e6 : 0);
          if (sc > xs) {
            xs = sc;
            x = y;
          }
        }
        if (x < 0) break;
        if (isTabu(x)) tabuOk = false;
        const [to] = bestServer(x);
        if (to < 0) break;
        undo.push(x, j);
        plan.push(x, to);
        state.move(x, to);
      }
      const d = state.total - before;
      for (let i = undo.length - 2; i >= 0; i -= 2) state.move(undo[i]!, undo[i + 1]!);
      undo.length = 0;
      if (!tabuOk && !(before + d < best)) continue;
      if (d < bd) {
        bd = d;
        bestPlan = plan.slice();
      }
    }
    return [bestPlan, bd];
  };

  const apply = (g: number, j: number): void => {
    journal.push(g, state.assign[g]!);
    state.move(g, j);
    tabuUntil[g] = iter + tenure + rng.int(Math.max(1, (tenure >> 1) + 1));
  };

  const deadline = t0 + timeLimit;
  while (best > lowerBound) {
    if (iter >= maxIter) {
      stop = 'iterations';
      break;
    }
    if ((iter & 15) === 0 && performance.now() >= deadline) {
      stop = 'time';
      break;
    }
    iter++;
    let g = -1;
    let j = -1;
    if (state.cmb > 0) {
      // Lines 4–13: a contributor to the CMB violation and its best server.
      const contrib = contributors();
      [g, j] = bestMove(contrib, nContrib);
    } else {
      // Lines 15–20: one of the three most delay-violated bounded paths, at random.
      const top: number[] = [];
      // Scan from a random offset so that equally violated paths take turns.
      const bad = state.badPaths.items;
      const off = rng.int(bad.length);
      for (let k = 0; k < bad.length; k++) {
        const path = bad[(off + k) % bad.length]!;
        const v = state.pathDelay[path]! - p.pathBound[path]!;
        if (top.length < 3) top.push(path);
        else {
          let worst = 0;
          for (let i = 1; i < 3; i++) if (excess(top[i]!) < excess(top[worst]!)) worst = i;
          if (v > excess(top[worst]!)) top[worst] = path;
        }
      }
      if (top.length === 0) break; // cannot happen while best > 0 and cmb == 0
      const path = top[rng.int(top.length)]!;
      const cand = new Set<number>();
      for (let k = p.pathEdgeStart[path]!; k < p.pathEdgeStart[path + 1]!; k++) {
        const e = p.pathEdges[k]!;
        if (p.edgeFrom[e]! < p.nPm && movable(p.edgeFrom[e]!)) cand.add(p.edgeFrom[e]!);
        if (p.edgeTo[e]! < p.nPm && movable(p.edgeTo[e]!)) cand.add(p.edgeTo[e]!);
      }
      [g, j] = bestMove(cand, Infinity);
      // Our compound move: the whole path's PMs onto one server, ejecting what no longer
      // fits there (a chain needing every hop intra-server cannot get there one module at a
      // time without passing through worse solutions). Taken when better than the best
      // single move.
      const single = g < 0 ? Infinity : state.delta(g, j);
      const [plan, gd] = cand.size ? bestGroupPlan(cand) : [[], Infinity];
      if (plan.length && gd < single) {
        for (let i = 0; i < plan.length; i += 2) apply(plan[i]!, plan[i + 1]!);
        g = -2;
      }
    }
    if (iter - lastBestIter >= stallLimit) {
      // Diversification (ours; D3.2 has none): the neighbourhood is a trap here —
      // kick a few PMs of violated services to random servers and forget the tabu list.
      lastBestIter = iter;
      tabuUntil.fill(0);
      const kicks = Math.min(p.nPm, 3);
      for (let k = 0; k < kicks; k++) {
        const x = g >= 0 && k === 0 ? g : rng.int(p.nPm);
        if (!movable(x)) continue;
        journal.push(x, state.assign[x]!);
        state.move(x, rng.int(pf.nServers));
      }
      continue;
    }
    if (g === -1) continue; // every candidate tabu and none aspirating: let tenures run out
    if (g >= 0) apply(g, j);
    const v = state.total;
    const now = performance.now() - t0;
    if (v < best) {
      best = v;
      lastBestIter = iter;
      journal.length = 0;
      if (v === 0 && timeToFeasible === null) timeToFeasible = now;
      if (now - lastRecord >= 50 || v <= lowerBound) {
        history.push({ ms: now, iteration: iter, ...state.breakdown() });
        lastRecord = now;
      }
    }
  }
  if (best <= lowerBound) stop = best === 0 ? 'feasible' : 'lower-bound';
  // Back to s*: undo the moves made since it was reached.
  for (let i = journal.length - 2; i >= 0; i -= 2) state.move(journal[i]!, journal[i + 1]!);
  const final = { ms: performance.now() - t0, iteration: iter, ...state.breakdown() };
  if (history[history.length - 1]!.total !== final.total || history.length === 1) history.push(final);
  return { best: state.breakdown(), iterations: iter, history, timeToFeasibleMs: timeToFeasible, stop };

  function excess(path: number): number {
    return state.pathDelay[path]! - p.pathBound[path]!;
  }
}
