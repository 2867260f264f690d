/**
 * The objective of D3.2 §3.2.3 (docs/platform.md): v(s), the total violation of the constraints of 3.2.2 —
 *   CPU:       Σ_servers max(0, Σ c_i − C_j)            (in 1/100 core)
 *   memory:    Σ_servers max(0, Σ m_i − M_j)
 *   bandwidth: Σ_directed links max(0, Σ b_i − B_j)     (server internal links included)
 *   delay:     Σ_bounded paths max(0, Σ DELAY(h) − z)
 * A module not yet placed (server −1) contributes nothing, and neither do its DAG links,
 * so the greedy can build a solution one module at a time.
 *
 * State keeps every load and the four totals, and evaluates or applies moving one module
 * in O(its DAG links × path length + bounded paths through them) — never a full recount,
 * which is what makes thousands of moves per second possible on 54 000 modules.
 */
import type { Platform } from './platform.js';
import { CPU_SCALE, type Problem } from './services.js';

export interface Breakdown {
  cpu: number;
  mem: number;
  bw: number;
  delay: number;
  total: number;
}

const over = (load: number, cap: number): number => (load > cap ? load - cap : 0);

/** An O(1) add/remove/has/random-pick set of small integers. */
export class IndexSet {
  readonly items: number[] = [];
  private readonly pos: Int32Array;
  constructor(universe: number) {
    this.pos = new Int32Array(universe).fill(-1);
  }
  get size(): number {
    return this.items.length;
  }
  has(x: number): boolean {
    return this.pos[x]! >= 0;
  }
  add(x: number): void {
    if (this.pos[x]! >= 0) return;
    this.pos[x] = this.items.length;
    this.items.push(x);
  }
  delete(x: number): void {
    const i = this.pos[x]!;
    if (i < 0) return;
    const last = this.items.pop()!;
    if (last !== x) {
      this.items[i] = last;
      this.pos[last] = i;
    }
    this.pos[x] = -1;
  }
  set(x: number, on: boolean): void {
    if (on) this.add(x);
    else this.delete(x);
  }
}

/** From-scratch evaluation of an assignment (the reference the incremental State is checked against). */
export function evaluate(problem: Problem, assign: ArrayLike<number>): Breakdown {
  const pf = problem.platform;
  const cpu = new Float64Array(pf.nServers);
  const mem = new Float64Array(pf.nServers);
  for (let g = 0; g < problem.nPm; g++) {
    const s = assign[g]!;
    if (s < 0) continue;
    cpu[s]! += problem.pmCpu[g]!;
    mem[s]! += problem.pmMem[g]!;
  }
  const link = new Float64Array(pf.nLinks);
  const edgeDelay = new Float64Array(problem.nEdges);
  const buf = new Int32Array(64);
  const node = (v: number): number => (v < problem.nPm ? (assign[v]! < 0 ? -1 : pf.serverNode[assign[v]!]!) : problem.fixedNode[v - problem.nPm]!);
  for (let e = 0; e < problem.nEdges; e++) {
    const a = node(problem.edgeFrom[e]!);
    const b = node(problem.edgeTo[e]!);
    if (a < 0 || b < 0) continue;
    const n = pf.path(a, b, buf);
    for (let i = 0; i < n; i++) {
      link[buf[i]!]! += problem.edgeBw[e]!;
      edgeDelay[e]! += pf.linkDelay[buf[i]!]!;
    }
  }
  const r: Breakdown = { cpu: 0, mem: 0, bw: 0, delay: 0, total: 0 };
  for (let s = 0; s < pf.nServers; s++) {
    r.cpu += over(cpu[s]!, Math.round(pf.serverCpu[s]! * CPU_SCALE));
    r.mem += over(mem[s]!, pf.serverMemory[s]!);
  }
  for (let l = 0; l < pf.nLinks; l++) r.bw += over(link[l]!, pf.linkBandwidth[l]!);
  for (let p = 0; p < problem.nPaths; p++) {
    let d = 0;
    for (let k = problem.pathEdgeStart[p]!; k < problem.pathEdgeStart[p + 1]!; k++) d += edgeDelay[problem.pathEdges[k]!]!;
    r.delay += over(d, problem.pathBound[p]!);
  }
  r.total = r.cpu + r.mem + r.bw + r.delay;
  return r;
}

export class State {
  readonly pf: Platform;
  /** Server of each PM, −1 if not placed. */
  readonly assign: Int32Array;
  readonly cpuLoad: Float64Array;
  readonly memLoad: Float64Array;
  readonly cpuCap: Float64Array;
  readonly linkLoad: Float64Array;
  readonly edgeDelay: Float64Array;
  readonly pathDelay: Float64Array;
  cpu = 0;
  mem = 0;
  bw = 0;
  delay = 0;
  /** Servers over CPU or memory, links over bandwidth, paths over their delay bound. */
  readonly badServers: IndexSet;
  readonly badLinks: IndexSet;
  readonly badPaths: IndexSet;
  /** PMs on each server, with each PM's index in its server's list. */
  readonly pmsOn: number[][];
  private readonly pmPos: Int32Array;

  // Scratch for evaluating one move, reused (no allocation per move).
  private readonly buf = new Int32Array(64);
  private readonly linkDelta: Float64Array;
  private readonly linkTouched: number[] = [];
  private readonly pathDeltaArr: Float64Array;
  private readonly pathTouched: number[] = [];
  private readonly newEdgeDelay: number[] = [];
  private lastG = -1;
  private lastJ = -2;
  private lastParts = { cpu: 0, mem: 0, bw: 0, delay: 0 };

  constructor(readonly problem: Problem) {
    const pf = (this.pf = problem.platform);
    this.assign = new Int32Array(problem.nPm).fill(-1);
    this.cpuLoad = new Float64Array(pf.nServers);
    this.memLoad = new Float64Array(pf.nServers);
    this.cpuCap = Float64Array.from(pf.serverCpu, (c) => Math.round(c * CPU_SCALE));
    this.linkLoad = new Float64Array(pf.nLinks);
    this.edgeDelay = new Float64Array(problem.nEdges);
    this.pathDelay = new Float64Array(problem.nPaths);
    this.badServers = new IndexSet(pf.nServers);
    this.badLinks = new IndexSet(pf.nLinks);
    this.badPaths = new IndexSet(problem.nPaths);
    this.pmsOn = Array.from({ length: pf.nServers }, () => []);
    this.pmPos = new Int32Array(problem.nPm).fill(-1);
    this.linkDelta = new Float64Array(pf.nLinks);
    this.pathDeltaArr = new Float64Array(problem.nPaths);
  }

  get total(): number {
    return this.cpu + this.mem + this.bw + this.delay;
  }
  /** The combined capacity constraint of Algorithm 1 (CPU + memory + bandwidth). */
  get cmb(): number {
    return this.cpu + this.mem + this.bw;
  }
  breakdown(): Breakdown {
    return { cpu: this.cpu, mem: this.mem, bw: this.bw, delay: this.delay, total: this.total };
  }

  /** Platform node of a DAG vertex under the current assignment (−1: not placed). */
  nodeOf(v: number): number {
    const p = this.problem;
    if (v >= p.nPm) return p.fixedNode[v - p.nPm]!;
    const s = this.assign[v]!;
    return s < 0 ? -1 : this.pf.serverNode[s]!;
  }

  /** Change of v(s) if PM g moved to server j (−1: unplace). Does not change the state. */
  delta(g: number, j: number): number {
    const p = this.problem;
    const pf = this.pf;
    const old = this.assign[g]!;
    this.lastG = g;
    this.lastJ = j;
    this.resetScratch();
    const parts = this.lastParts;
    parts.cpu = parts.mem = parts.bw = parts.delay = 0;
    if (old === j) return 0;
    const c = p.pmCpu[g]!;
    const m = p.pmMem[g]!;
    if (old >= 0) {
      parts.cpu += over(this.cpuLoad[old]! - c, this.cpuCap[old]!) - over(this.cpuLoad[old]!, this.cpuCap[old]!);
      parts.mem += over(this.memLoad[old]! - m, pf.serverMemory[old]!) - over(this.memLoad[old]!, pf.serverMemory[old]!);
    }
    if (j >= 0) {
      parts.cpu += over(this.cpuLoad[j]! + c, this.cpuCap[j]!) - over(this.cpuLoad[j]!, this.cpuCap[j]!);
      parts.mem += over(this.memLoad[j]! + m, pf.serverMemory[j]!) - over(this.memLoad[j]!, pf.serverMemory[j]!);
    }
    const newNode = j < 0 ? -1 : pf.serverNode[j]!;
    const buf = this.buf;
    for (let k = p.pmEdgeStart[g]!; k < p.pmEdgeStart[g + 1]!; k++) {
      const e = p.pmEdges[k]!;
      const from = p.edgeFrom[e]!;
      const to = p.edgeTo[e]!;
      const other = this.nodeOf(from === g ? to : from);
      const w = p.edgeBw[e]!;
      let newDelay = 0;
      if (other >= 0) {
        const oldNode = this.nodeOf(g);
        if (oldNode >= 0) {
          const n = from === g ? pf.path(oldNode, other, buf) : pf.path(other, oldNode, buf);
          for (let i = 0; i < n; i++) this.addLinkDelta(buf[i]!, -w);
        }
        if (newNode >= 0) {
          const n = from === g ? pf.path(newNode, other, buf) : pf.path(other, newNode, buf);
          for (let i = 0; i < n; i++) {
            this.addLinkDelta(buf[i]!, w);
            newDelay += pf.linkDelay[buf[i]!]!;
          }
        }
      }
      this.newEdgeDelay.push(e, newDelay);
      const dd = newDelay - this.edgeDelay[e]!;
      if (dd !== 0) {
        for (let q = p.edgePathStart[e]!; q < p.edgePathStart[e + 1]!; q++) {
          const path = p.edgePaths[q]!;
          if (this.pathDeltaArr[path] === 0 && !this.pathTouchedHas(path)) this.pathTouched.push(path);
          this.pathDeltaArr[path]! += dd;
        }
      }
    }
    for (const l of this.linkTouched) {
      const load = this.linkLoad[l]!;
      const cap = pf.linkBandwidth[l]!;
      parts.bw += over(load + this.linkDelta[l]!, cap) - over(load, cap);
    }
    for (const path of this.pathTouched) {
      const d = this.pathDelay[path]!;
      const b = p.pathBound[path]!;
      parts.delay += over(d + this.pathDeltaArr[path]!, b) - over(d, b);
    }
    return parts.cpu + parts.mem + parts.bw + parts.delay;
  }

  /** Move PM g to server j (−1: unplace) and update every total. Returns the change of v(s). */
  move(g: number, j: number): number {
    const d = this.lastG === g && this.lastJ === j ? this.lastParts.cpu + this.lastParts.mem + this.lastParts.bw + this.lastParts.delay : this.delta(g, j);
    const old = this.assign[g]!;
    if (old === j) return 0;
    const p = this.problem;
    const pf = this.pf;
    const parts = this.lastParts;
    this.cpu += parts.cpu;
    this.mem += parts.mem;
    this.bw += parts.bw;
    this.delay += parts.delay;
    const c = p.pmCpu[g]!;
    const m = p.pmMem[g]!;
    if (old >= 0) {
      this.cpuLoad[old]! -= c;
      this.memLoad[old]! -= m;
      this.badServers.set(old, this.cpuLoad[old]! > this.cpuCap[old]! || this.memLoad[old]! > pf.serverMemory[old]!);
      // Swap-remove from the old server's list.
      const list = this.pmsOn[old]!;
      const i = this.pmPos[g]!;
      const last = list.pop()!;
      if (last !== g) {
        list[i] = last;
        this.pmPos[last] = i;
      }
      this.pmPos[g] = -1;
    }
    if (j >= 0) {
      this.cpuLoad[j]! += c;
      this.memLoad[j]! += m;
      this.badServers.set(j, this.cpuLoad[j]! > this.cpuCap[j]! || this.memLoad[j]! > pf.serverMemory[j]!);
      this.pmPos[g] = this.pmsOn[j]!.length;
      this.pmsOn[j]!.push(g);
    }
    for (const l of this.linkTouched) {
      this.linkLoad[l]! += this.linkDelta[l]!;
      this.badLinks.set(l, this.linkLoad[l]! > pf.linkBandwidth[l]!);
    }
    for (let i = 0; i < this.newEdgeDelay.length; i += 2) this.edgeDelay[this.newEdgeDelay[i]!] = this.newEdgeDelay[i + 1]!;
    for (const path of this.pathTouched) {
      this.pathDelay[path]! += this.pathDeltaArr[path]!;
      this.badPaths.set(path, this.pathDelay[path]! > p.pathBound[path]!);
    }
    this.assign[g] = j;
    this.resetScratch();
    this.lastG = -1;
    return d;
  }

  private addLinkDelta(l: number, w: number): void {
    if (!this.linkMark[l]) {
      this.linkMark[l] = 1;
      this.linkTouched.push(l);
    }
    this.linkDelta[l]! += w;
  }
  private get linkMark(): Uint8Array {
    return (this._linkMark ??= new Uint8Array(this.pf.nLinks));
  }
  private _linkMark: Uint8Array | undefined;
  private pathTouchedHas(path: number): boolean {
    // Few paths per move (a PM sits on a handful of bounded paths): a scan beats a mark array reset.
    return this.pathTouched.includes(path);
  }

  private resetScratch(): void {
    const mark = this.linkMark;
    for (const l of this.linkTouched) {
      this.linkDelta[l] = 0;
      mark[l] = 0;
    }
    this.linkTouched.length = 0;
    for (const path of this.pathTouched) this.pathDeltaArr[path] = 0;
    this.pathTouched.length = 0;
    this.newEdgeDelay.length = 0;
  }
}
