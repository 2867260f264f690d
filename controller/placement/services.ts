/**
 * Network services (D3.2 §3.2.1–3.2.2, docs/platform.md): DAGs of Source nodes, processing modules (PMs) and
 * Sink nodes. PMs demand CPU cores (fractional) and memory; each DAG link carries a
 * bandwidth demand; some Source→Sink paths carry a delay bound.
 *
 * Sources and sinks are pinned to I/O nodes: D3.2 pins sources (U_i) and lets the
 * solver choose a sink among V_i, but its own experiments place both "randomly on I/O
 * nodes" once and move only PMs (Algorithm 1), and so do we (a sink's I/O node is fixed
 * in the spec).
 *
 * compile() flattens every service into one problem of typed arrays (D3.2's single
 * graph S = (G, H)); the search works on that.
 */
import type { Platform } from './platform.js';

export interface ModuleSpec {
  name: string;
  /** CPU cores, may be fractional (0.5, 0.7, …). */
  cpu: number;
  memoryMb: number;
}

export interface EndpointSpec {
  name: string;
  /** Platform node id of an I/O node. */
  io: number;
}

export interface ServiceSpec {
  name: string;
  /** Table 3.1 type, informative only. */
  type?: string;
  modules: ModuleSpec[];
  sources: EndpointSpec[];
  sinks: EndpointSpec[];
  /** [from, to, bandwidth] by module/endpoint name, in the platform's bandwidth unit. */
  edges: Array<[string, string, number]>;
  /** Delay bound on the bounded paths; none means no delay constraint. */
  delayBound?: number;
  /**
   * Which paths are bounded: lists of node names from a source to a sink. Default: every
   * Source→Sink path of the DAG (D3.2's set T, which it leaves to the input).
   */
  boundedPaths?: string[][];
}

/** Violation units are integers so incremental sums stay exact: CPU in 1/100 core
 *  (D3.2's CPU violations are all multiples of ten, i.e. tenths of a core in 1/100),
 *  memory, bandwidth and delay rounded up to whole units. */
export const CPU_SCALE = 100;

export class Problem {
  readonly nPm: number;
  /** Per PM: CPU (1/100 core), memory, service index, name. */
  readonly pmCpu: Int32Array;
  readonly pmMem: Int32Array;
  readonly pmService: Int32Array;
  readonly pmName: string[];
  /** Per service: first PM and PM count (PMs of a service are contiguous). */
  readonly svcFirstPm: Int32Array;
  readonly svcPmCount: Int32Array;
  readonly svcName: string[];
  /**
   * Edges. Endpoint v < nPm is a PM; v >= nPm is a pinned endpoint whose platform node is
   * fixedNode[v - nPm].
   */
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeBw: Int32Array;
  readonly fixedNode: Int32Array;
  /** CSR: the edges incident to each PM. */
  readonly pmEdgeStart: Int32Array;
  readonly pmEdges: Int32Array;
  /** Bounded paths: their edges (CSR) and bounds; and, per edge, the paths through it (CSR). */
  readonly pathEdgeStart: Int32Array;
  readonly pathEdges: Int32Array;
  readonly pathBound: Int32Array;
  readonly pathService: Int32Array;
  readonly edgePathStart: Int32Array;
  readonly edgePaths: Int32Array;

  constructor(
    readonly platform: Platform,
    readonly services: readonly ServiceSpec[],
  ) {
    const pmCpu: number[] = [];
    const pmMem: number[] = [];
    const pmService: number[] = [];
    const pmName: string[] = [];
    const svcFirst: number[] = [];
    const svcCount: number[] = [];
    const from: number[] = [];
    const to: number[] = [];
    const bw: number[] = [];
    const fixed: number[] = [];
    const paths: number[][] = [];
    const bounds: number[] = [];
    const pathSvc: number[] = [];

    services.forEach((svc, si) => {
      const id = new Map<string, number>();
      svcFirst.push(pmCpu.length);
      svcCount.push(svc.modules.length);
      for (const m of svc.modules) {
        if (id.has(m.name)) throw new Error(`service ${svc.name}: duplicate name ${m.name}`);
        if (!(m.cpu >= 0 && m.memoryMb >= 0)) throw new Error(`service ${svc.name}: module ${m.name} has negative demands`);
        id.set(m.name, pmCpu.length);
        pmCpu.push(Math.round(m.cpu * CPU_SCALE));
        pmMem.push(Math.ceil(m.memoryMb));
        pmService.push(si);
        pmName.push(`${svc.name}/${m.name}`);
      }
      const endpoint = new Map<string, 'source' | 'sink'>();
      for (const [kind, list] of [['source', svc.sources], ['sink', svc.sinks]] as const) {
        for (const e of list) {
          if (id.has(e.name)) throw new Error(`service ${svc.name}: duplicate name ${e.name}`);
          if (platform.kind[e.io] !== 'io') throw new Error(`service ${svc.name}: ${kind} ${e.name} is not on an I/O node`);
          id.set(e.name, -1 - fixed.length);
          endpoint.set(e.name, kind);
          fixed.push(e.io);
        }
      }
      const svcEdges = new Map<string, number>();
      const out = new Map<string, string[]>();
      for (const [a, b, w] of svc.edges) {
        const va = id.get(a);
        const vb = id.get(b);
        if (va === undefined || vb === undefined) throw new Error(`service ${svc.name}: edge ${a}->${b} names an unknown node`);
        // Seed 3.2.2: no link enters a Source or leaves a Sink; I/O nodes never talk to each other.
        if (endpoint.get(b) === 'source' || endpoint.get(a) === 'sink') throw new Error(`service ${svc.name}: edge ${a}->${b} enters a source or leaves a sink`);
        if (va < 0 && vb < 0) throw new Error(`service ${svc.name}: edge ${a}->${b} joins two I/O endpoints`);
        if (a === b) throw new Error(`service ${svc.name}: self loop on ${a}`);
        svcEdges.set(`${a}\u0000${b}`, from.length);
        from.push(va);
        to.push(vb);
        bw.push(Math.ceil(w));
        if (!out.has(a)) out.set(a, []);
        out.get(a)!.push(b);
      }
      // The DAG must be acyclic (D3.2 §3.2.2).
      const state = new Map<string, number>();
      const visit = (n: string): void => {
        const st = state.get(n);
        if (st === 1) throw new Error(`service ${svc.name}: cycle through ${n}`);
        if (st === 2) return;
        state.set(n, 1);
        for (const m of out.get(n) ?? []) visit(m);
        state.set(n, 2);
      };
      for (const n of id.keys()) visit(n);

      if (svc.delayBound !== undefined) {
        let named = svc.boundedPaths;
        if (!named) {
          named = [];
          const walk = (n: string, acc: string[]): void => {
            if (endpoint.get(n) === 'sink') {
              named!.push(acc);
              return;
            }
            for (const m of out.get(n) ?? []) walk(m, [...acc, m]);
          };
          for (const s of svc.sources) walk(s.name, [s.name]);
        }
        for (const p of named) {
          const edges: number[] = [];
          for (let i = 0; i + 1 < p.length; i++) {
            const e = svcEdges.get(`${p[i]}\u0000${p[i + 1]}`);
            if (e === undefined) throw new Error(`service ${svc.name}: bounded path has no edge ${p[i]}->${p[i + 1]}`);
            edges.push(e);
          }
          paths.push(edges);
          bounds.push(Math.floor(svc.delayBound));
          pathSvc.push(si);
        }
      }
    });

    const nPm = pmCpu.length;
    this.nPm = nPm;
    // Pinned endpoints are numbered after the PMs.
    const fix = (v: number): number => (v < 0 ? nPm + (-1 - v) : v);
    this.pmCpu = Int32Array.from(pmCpu);
    this.pmMem = Int32Array.from(pmMem);
    this.pmService = Int32Array.from(pmService);
    this.pmName = pmName;
    this.svcFirstPm = Int32Array.from(svcFirst);
    this.svcPmCount = Int32Array.from(svcCount);
    this.svcName = services.map((s) => s.name);
    this.edgeFrom = Int32Array.from(from, fix);
    this.edgeTo = Int32Array.from(to, fix);
    this.edgeBw = Int32Array.from(bw);
    this.fixedNode = Int32Array.from(fixed);

    const pmEdgeLists: number[][] = Array.from({ length: nPm }, () => []);
    for (let e = 0; e < from.length; e++) {
      if (this.edgeFrom[e]! < nPm) pmEdgeLists[this.edgeFrom[e]!]!.push(e);
      if (this.edgeTo[e]! < nPm) pmEdgeLists[this.edgeTo[e]!]!.push(e);
    }
    [this.pmEdgeStart, this.pmEdges] = csr(pmEdgeLists);
    [this.pathEdgeStart, this.pathEdges] = csr(paths);
    this.pathBound = Int32Array.from(bounds);
    this.pathService = Int32Array.from(pathSvc);
    const edgePathLists: number[][] = Array.from({ length: from.length }, () => []);
    paths.forEach((p, pi) => {
      for (const e of p) edgePathLists[e]!.push(pi);
    });
    [this.edgePathStart, this.edgePaths] = csr(edgePathLists);
  }

  get nEdges(): number {
    return this.edgeBw.length;
  }
  get nPaths(): number {
    return this.pathBound.length;
  }
  get nServices(): number {
    return this.svcFirstPm.length;
  }

  /**
   * A lower bound on the delay violations of any placement: each edge costs at least its
   * cheapest possible embedding (I/O node to its nearest server, or the cheaper of the
   * intra-server delay and the shortest server-to-server hop), plus one extra hop for each
   * group of tight paths too big for any server. Lets the search stop and say "optimal" on
   * instances infeasible by construction (e.g. a bound below 11 for an intrusion-detection
   * chain).
   */
  delayLowerBound(): number {
    const pf = this.platform;
    let internalMin = Infinity;
    for (let s = 0; s < pf.nServers; s++) internalMin = Math.min(internalMin, pf.linkDelay[pf.internalLink[s]!]!);
    // Shortest delay between two distinct servers: two servers in one rack, if any rack has two.
    let crossMin = Infinity;
    for (const rack of pf.racks) if (rack.length > 1) crossMin = Math.min(crossMin, pf.delay(pf.serverNode[rack[0]!]!, pf.serverNode[rack[1]!]!));
    if (crossMin === Infinity && pf.nServers > 1) crossMin = 0; // servers only in one-server racks: not worth bounding
    const minHop = Math.min(internalMin, crossMin);
    const ioMin = new Map<number, number>();
    const ioDelay = (node: number): number => {
      let d = ioMin.get(node);
      if (d === undefined) {
        d = Infinity;
        // Tree routing: every server of a rack is equally far; one per rack is enough.
        for (const rack of pf.racks) if (rack.length) d = Math.min(d, pf.delay(node, pf.serverNode[rack[0]!]!), pf.delay(pf.serverNode[rack[0]!]!, node));
        ioMin.set(node, d);
      }
      return d;
    };
    let maxCpu = 0;
    let maxMem = 0;
    for (let s = 0; s < pf.nServers; s++) {
      maxCpu = Math.max(maxCpu, Math.round(pf.serverCpu[s]! * CPU_SCALE));
      maxMem = Math.max(maxMem, pf.serverMemory[s]!);
    }
    let lb = 0;
    // Tight paths (no slack even with every PM-to-PM hop at its cheapest), per service.
    const tight = new Map<number, number[]>();
    for (let p = 0; p < this.nPaths; p++) {
      let d = 0;
      for (let k = this.pathEdgeStart[p]!; k < this.pathEdgeStart[p + 1]!; k++) {
        const e = this.pathEdges[k]!;
        const a = this.edgeFrom[e]!;
        const b = this.edgeTo[e]!;
        if (a >= this.nPm) d += ioDelay(this.fixedNode[a - this.nPm]!);
        else if (b >= this.nPm) d += ioDelay(this.fixedNode[b - this.nPm]!);
        else d += minHop;
      }
      lb += Math.max(0, d - this.pathBound[p]!);
      if (d >= this.pathBound[p]!) {
        const svc = this.pathService[p]!;
        if (!tight.has(svc)) tight.set(svc, []);
        tight.get(svc)!.push(p);
      }
    }
    // If the cheapest hop is intra-server, tight paths must keep all their PMs on one server.
    // Tight paths sharing PMs then share that server; if the PMs of such a connected group
    // fit on no server, some hop of the group crosses servers and costs at least
    // crossMin − internalMin more (e.g. a load balancer whose six path modules need > 8 cores).
    if (internalMin < crossMin) {
      for (const paths of tight.values()) {
        const pmsOf = paths.map((p) => {
          const set = new Set<number>();
          for (let k = this.pathEdgeStart[p]!; k < this.pathEdgeStart[p + 1]!; k++) {
            const e = this.pathEdges[k]!;
            if (this.edgeFrom[e]! < this.nPm) set.add(this.edgeFrom[e]!);
            if (this.edgeTo[e]! < this.nPm) set.add(this.edgeTo[e]!);
          }
          return set;
        });
        const done = new Array<boolean>(paths.length).fill(false);
        for (let i = 0; i < paths.length; i++) {
          if (done[i]) continue;
          // Connected component of paths by shared PMs.
          const union = new Set<number>(pmsOf[i]);
          done[i] = true;
          for (let grew = true; grew; ) {
            grew = false;
            for (let j = 0; j < paths.length; j++) {
              if (done[j] || ![...pmsOf[j]!].some((g) => union.has(g))) continue;
              for (const g of pmsOf[j]!) union.add(g);
              done[j] = true;
              grew = true;
            }
          }
          let cpu = 0;
          let mem = 0;
          for (const g of union) {
            cpu += this.pmCpu[g]!;
            mem += this.pmMem[g]!;
          }
          if (cpu > maxCpu || mem > maxMem) lb += crossMin - internalMin;
        }
      }
    }
    return lb;
  }

  /**
   * A lower bound on CPU + memory violations: total demand beyond total capacity
   * (violations are summed per server, so the excess cannot vanish).
   */
  capacityLowerBound(): { cpu: number; mem: number } {
    const pf = this.platform;
    let cpu = 0;
    let mem = 0;
    for (let g = 0; g < this.nPm; g++) {
      cpu += this.pmCpu[g]!;
      mem += this.pmMem[g]!;
    }
    for (let s = 0; s < pf.nServers; s++) {
      cpu -= Math.round(pf.serverCpu[s]! * CPU_SCALE);
      mem -= pf.serverMemory[s]!;
    }
    return { cpu: Math.max(0, cpu), mem: Math.max(0, mem) };
  }
}

function csr(lists: number[][]): [Int32Array, Int32Array] {
  const start = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) start[i + 1] = start[i]! + lists[i]!.length;
  const flat = new Int32Array(start[lists.length]!);
  lists.forEach((l, i) => flat.set(l, start[i]!));
  return [start, flat];
}
