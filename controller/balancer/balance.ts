// The load-balancing algorithm of D3.2 §2.2.4 (README.md "The algorithm"): a binary tree
// of IPv4 prefixes whose leaves are assigned to servers. A "default" server starts with
// the whole space; while it is overloaded, the leaf with the most traffic goes to the
// server with the most unused capacity if it fits there, else it is split in two. Below
// the chunk threshold a leaf "fits" as long as it does not overload the server, which
// saves splits. Given the previous assignment the run is incremental: every leaf stays
// where it was unless its server left or is overloaded, so a rebalance moves only what
// must move (README.md "Incremental runs").
import { BalancerInputError, checkNumber } from './errors.js';
import { KeyHeap } from './heap.js';
import { mergeSiblings, sortedCover, type Leaf } from './leaves.js';
import { Nodes } from './nodes.js';
import { MAX_LEN, ROOT } from './prefix.js';
import type { Traffic } from './traffic.js';

export interface Server {
  name: string;
  /** any positive number; only the proportions between servers matter */
  capacity: number;
}

export interface BalanceOptions {
  /** the proportionally most overworked server's load over its share may not exceed this (≥ 1; default 1.1, D3.2 §2.2.5) */
  maxImbalance?: number;
  /** as a fraction of the average load per server (default 0.2, D3.2 §2.2.7) */
  chunkThreshold?: number;
  /** the server taking every unassigned prefix (default: the previous one, else the largest) */
  defaultServer?: string;
  /** the last run's assignment: start from it and move only what must move */
  previous?: Assignment;
}

export interface Assignment {
  defaultServer: string;
  /** the tree's leaves, sorted by address, covering 0.0.0.0/0; the default server's own included */
  leaves: Leaf[];
  /** per server: its load, and its share (total × capacity / all capacities) */
  servers: Array<Server & { load: number; share: number }>;
  total: number;
  maxImbalance: number;
  imbalance: number;
  /** imbalance ≤ maxImbalance (false only when a single address carries more than a server may take) */
  met: boolean;
}

export const DEFAULT_MAX_IMBALANCE = 1.1;
export const DEFAULT_CHUNK_THRESHOLD = 0.2;

/** The proportionally most overworked server's load over its share (1 when there is no traffic). */
export function imbalance(servers: Array<{ load: number; share: number }>): number {
  let worst = 1;
  for (const s of servers) if (s.share > 0) worst = Math.max(worst, s.load / s.share);
  return worst;
}

/** The imbalance of an assignment under other traffic (e.g. the latest estimate): what the rebalance trigger watches. */
export function imbalanceUnder(a: Assignment, traffic: Traffic): number {
  const load = new Map<string, number>(a.servers.map((s) => [s.name, 0]));
  for (const l of a.leaves) load.set(l.server, load.get(l.server)! + traffic.load(l.prefix));
  const cap = a.servers.reduce((n, s) => n + s.capacity, 0);
  return imbalance(a.servers.map((s) => ({ load: load.get(s.name)!, share: (traffic.total * s.capacity) / cap })));
}

/** Each server's position by name, once the servers are checked. */
function checkServers(servers: Server[]): Map<string, number> {
  if (!servers.length) throw new BalancerInputError('no servers to balance over');
  const index = new Map<string, number>();
  for (let i = 0; i < servers.length; i++) {
    const s = servers[i]!;
    if (typeof s.name !== 'string' || !s.name) throw new BalancerInputError('a server has no name');
    if (index.has(s.name)) throw new BalancerInputError(`server '${s.name}' is listed twice`);
    index.set(s.name, i);
    // (the message only when it is needed: a run checks a thousand servers)
    if (!(s.capacity > 0 && Number.isFinite(s.capacity))) checkNumber(s.capacity, `capacity of server '${s.name}'`, 0, true);
  }
  return index;
}

export function balance(servers: Server[], traffic: Traffic, o: BalanceOptions = {}): Assignment {
  const index = checkServers(servers);
  const maxImbalance = checkNumber(o.maxImbalance ?? DEFAULT_MAX_IMBALANCE, 'maximum imbalance', 1);
  const chunk = checkNumber(o.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD, 'chunk threshold', 0);
  const n = servers.length;
  const total = traffic.total;
  let capacity = 0;
  for (const s of servers) capacity += s.capacity;
  const threshold = (chunk * total) / n;
  const share = new Float64Array(n);
  const bound = new Float64Array(n);
  // a chunk (a leaf at or above the threshold) fits when it keeps its server within its share plus the threshold; a
  // smaller leaf when it keeps it within the bound; never beyond the bound (README.md "The algorithm")
  const chunkRoom = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    share[c] = (total * servers[c]!.capacity) / capacity;
    bound[c] = share[c]! * maxImbalance;
    chunkRoom[c] = Math.min(bound[c]!, share[c]! + threshold);
  }
  // shedding splits no piece below this (2.5 % of the average share)
  const smallestPiece = total / n / 40;
  // float sums of many leaves: compare loads with this much slack
  const eps = total * 1e-12;

  let d: number;
  const named = o.defaultServer ?? (o.previous && index.has(o.previous.defaultServer) ? o.previous.defaultServer : undefined);
  if (named !== undefined) {
    if (!index.has(named)) throw new BalancerInputError(`default server '${named}' is not one of the servers`);
    d = index.get(named)!;
  } else {
    d = 0;
    for (let c = 1; c < n; c++) if (servers[c]!.capacity > servers[d]!.capacity) d = c;
  }

  const load = new Float64Array(n);
  const nodes = new Nodes(traffic, 8 * n + 64);
  // each server's leaves, for an incremental run's shedding (a fresh run needs only nodes.owner)
  const held: number[][] = o.previous ? servers.map(() => []) : [];
  // the default server's leaves: those it just received (from a server that left or shed) before those it already had, so
  // that a rerun moves what must move and not something else of the same size; then the largest first, ties by address
  // (two heaps keyed by load: the just received, then the kept)
  const byAddress = (x: number, y: number): boolean => nodes.base[x]! < nodes.base[y]! || (nodes.base[x] === nodes.base[y] && nodes.len[x]! < nodes.len[y]!);
  const received = new KeyHeap(byAddress, 4 * n + 64);
  const kept = new KeyHeap(byAddress, 64);
  const toPool = (leaf: number): void => (nodes.kept[leaf] ? kept : received).push(leaf, nodes.load[leaf]!);
  const give = (leaf: number, to: number): void => {
    load[to]! += nodes.load[leaf]!;
    nodes.owner[leaf] = to;
    if (to === d) toPool(leaf);
    else held[to]!.push(leaf);
  };

  if (o.previous) {
    // a server that left gives its leaves to the default server; the rest keep theirs
    const start = sortedCover(o.previous.leaves).map((l) => ({ ...l, server: index.has(l.server) ? l.server : `\u0000${l.server}` }));
    for (const l of mergeSiblings(start.map((x) => ({ ...x, load: 0 })))) {
      const owner = index.get(l.server) ?? d;
      give(nodes.add(l.prefix.base, l.prefix.len, owner === d && index.has(l.server) ? 1 : 0), owner);
    }
    // an overloaded server gives to a server far below its share when one can take the leaf, else back to the pool
    const sink = (leaf: number): number => {
      let best = d;
      for (let u = 0; u < n; u++)
        if (u !== d && underloaded(u) && share[u]! - load[u]! >= nodes.load[leaf]! && (best === d || share[u]! - load[u]! > share[best]! - load[best]!)) best = u;
      return best;
    };
    for (let c = 0; c < n; c++) if (c !== d && load[c]! > bound[c]! + eps) shed(c, share[c]!, sink);
    // a starved server (a new replica) is filled straight from the others, the most loaded first: each donor gives down
    // to a common level (load/share, never below 1/maxImbalance) chosen so that the donations cover what the starved lack
    let lack = 0;
    for (let c = 0; c < n; c++) if (c !== d && starved(c)) lack += share[c]! - load[c]!;
    const donors = [...Array(n).keys()].filter((c) => c !== d && !starved(c));
    const given = (level: number) => donors.reduce((t, c) => t + Math.max(0, load[c]! - level * share[c]!), 0);
    let lo = 1 / maxImbalance;
    let hi = maxImbalance;
    for (let k = 0; k < 50 && lack > eps; k++) {
      const mid = (lo + hi) / 2;
      if (given(mid) > lack) lo = mid;
      else hi = mid;
    }
    donors.sort((x, y) => load[y]! / share[y]! - load[x]! / share[x]! || x - y);
    for (let u = 0; u < n && lack > eps; u++) {
      if (u === d || !starved(u)) continue;
      for (const c of donors) {
        const want = share[u]! - load[u]!;
        if (want <= eps) break;
        if (load[c]! > hi * share[c]! + eps) shed(c, Math.max(hi * share[c]!, load[c]! - want), () => u, share[c]! / maxImbalance);
      }
    }
  } else give(nodes.add(ROOT.base, ROOT.len), d);

  function underloaded(c: number): boolean {
    return load[c]! < share[c]! / maxImbalance - eps;
  }
  /** Below half its share: a new replica, or one whose traffic went elsewhere. */
  function starved(c: number): boolean {
    return load[c]! < share[c]! / 2;
  }

  /** Server c hands leaves to `dest(leaf)` (the default server: back to the pool) until its load is down to `to` (README.md "Incremental runs"). */
  function shed(c: number, to: number, dest: (leaf: number) => number, floor = Infinity): void {
    const mine = held[c]!;
    const release = (k: number): void => {
      const [leaf] = mine.splice(k, 1);
      load[c]! -= nodes.load[leaf!]!;
      give(leaf!, dest(leaf!));
    };
    while (load[c]! > to + eps && mine.length) {
      const excess = load[c]! - to;
      mine.sort((x, y) => nodes.load[y]! - nodes.load[x]! || nodes.base[x]! - nodes.base[y]!);
      const big = mine[0]!;
      if (nodes.load[big]! <= excess + eps) release(0);
      else if (nodes.load[big]! / 2 >= smallestPiece && nodes.len[big]! < MAX_LEN) {
        // too large to give away whole: keep both halves and look again (not into crumbs: every piece is two rules)
        mine.shift();
        const a = nodes.split(big);
        mine.push(a, a + 1);
      } else {
        const k = mine.findIndex((l) => nodes.load[l]! <= excess + eps);
        if (k >= 0) release(k);
        else if (load[c]! > bound[c]! + eps) release(mine.length - 1);
        // every piece left is larger than the excess: give the smallest anyway when the server keeps 1/maxImbalance of its share
        else if (load[c]! - nodes.load[mine[mine.length - 1]!]! >= floor - eps) release(mine.length - 1);
        else break;
      }
    }
  }

  // the other servers, the one with the most unused capacity first
  const others = new KeyHeap((x, y) => x < y, n);
  for (let c = 0; c < n; c++) if (c !== d) others.push(c, share[c]! - load[c]!);

  // no server can ever take more than this: loads only grow in the loop below, the first server in `others` has the most
  // unused share, and below the chunk threshold a server takes up to its bound, (maxImbalance − 1) × its share more
  let largestShare = 0;
  for (let c = 0; c < n; c++) if (c !== d) largestShare = Math.max(largestShare, share[c]!);
  const slack = (maxImbalance - 1) * largestShare + eps;
  /** Splits the leaf, and at once its halves that will never fit anywhere either (the loop would pop and split them next): the pool sees only pieces that may fit. */
  const split = (leaf: number, most: number): void => {
    if (nodes.host[leaf]! >= 0) {
      // inside one atom every piece of a level weighs the same: go straight to the first level that may fit
      let bits = 1;
      for (let piece = nodes.load[leaf]! / 2; piece > most && nodes.len[leaf]! + bits < MAX_LEN; piece /= 2) bits++;
      const a = nodes.splitEven(leaf, bits);
      for (let h = a; h < a + 2 ** bits; h++) toPool(h);
      return;
    }
    const a = nodes.split(leaf);
    for (let h = a; h <= a + 1; h++) {
      if (nodes.load[h]! > most && nodes.len[h]! < MAX_LEN) split(h, most);
      else toPool(h);
    }
  };

  while (load[d]! > bound[d]! + eps && others.size) {
    const heap = received.size ? received : kept;
    if (!heap.size) break;
    const leaf = heap.peek();
    const size = nodes.load[leaf]!;
    if (size <= eps) break;
    const c = others.peek();
    const room = (size >= threshold ? chunkRoom[c]! : bound[c]!) - load[c]!;
    heap.pop();
    if (size <= room + eps) {
      nodes.owner[leaf] = c;
      load[c]! += size;
      load[d]! -= size;
      others.updateTop(share[c]! - load[c]!);
    } else if (nodes.len[leaf]! < MAX_LEN) split(leaf, share[c]! - load[c]! + slack);
    // else a single address that fits nowhere: the default server keeps it
  }

  // the leaves in address order, each with its server, siblings of one server merged
  const leaves = nodes.inOrder();
  const sum = new Float64Array(n);
  for (const l of leaves) sum[nodes.owner[l]!]! += nodes.load[l]!;
  const result = servers.map((s, c) => ({ name: s.name, capacity: s.capacity, load: sum[c]!, share: share[c]! }));
  const merged = nodes.leaves(leaves, nodes.owner, servers.map((s) => s.name));
  const imb = imbalance(result);
  return { defaultServer: servers[d]!.name, leaves: merged, servers: result, total, maxImbalance, imbalance: imb, met: imb <= maxImbalance * (1 + 1e-9) };
}

/** Prefixes assigned to servers other than the default one: each is two flows (rules.ts). */
export function assignedPrefixes(a: Assignment): Leaf[] {
  return a.leaves.filter((l) => l.server !== a.defaultServer);
}

/** Prefixes per server as D3.2 §2.2.7 counts them: every assigned prefix, plus one for the default server's 0/0. */
export function prefixesPerServer(a: Assignment): number {
  return (assignedPrefixes(a).length + 1) / a.servers.length;
}
