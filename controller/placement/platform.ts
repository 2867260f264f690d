/**
 * The Flowstream platform of D3.2 §3.2.2 (docs/platform.md): servers (CPU, memory, internal bandwidth),
 * ToR / intermediate (aggregation) / core switches, I/O nodes, and directed links with a
 * bandwidth and a delay.
 *
 * Topology: a tree below the intermediates (server → ToR → intermediate; a ToR or an
 * intermediate may also be the root when there are no higher layers), and a core layer
 * joining the tree roots bipartitely (every root is linked to every core, as in D3.2's
 * 32 core × 32 intermediate data centre). I/O nodes hang off any switch. Routing is fixed
 * (D3.2's path function): up to the lowest common ancestor and down; between two
 * roots through core (a + b) mod nCores — a static ECMP stand-in; to or from an I/O node
 * on a core, through that core. Each bidirectional link is two directed links ("one
 * separate link in each direction", D3.2 §3.2.1), so traffic in and out never compete.
 * A server's internal bandwidth is a directed link of its own, used by traffic between
 * two modules on that server, with the server's intra-server delay (D3.2 §3.2.1).
 *
 * Units are the caller's; the generator uses cores, MB, Mbit/s and link-delay units.
 */

export type NodeKind = 'server' | 'tor' | 'intermediate' | 'core' | 'io';

export interface LinkSpec {
  bandwidth: number;
  delay: number;
}

export interface ServerSpec {
  cores: number;
  memoryMb: number;
  internalBandwidth: number;
  /** Delay between two modules on this server (D3.2: "a given value associated with the server"). */
  internalDelay: number;
}

const NONE = -1;

export class Platform {
  // Nodes (switches, servers, I/O nodes).
  readonly kind: NodeKind[] = [];
  readonly name: string[] = [];
  readonly parent: number[] = [];
  readonly depth: number[] = [];
  /** Directed link node → parent, and parent → node. */
  readonly upLink: number[] = [];
  readonly downLink: number[] = [];
  /** Per node: its server index, or -1. */
  readonly serverOf: number[] = [];

  // Directed links.
  readonly linkBandwidth: number[] = [];
  readonly linkDelay: number[] = [];
  readonly linkName: string[] = [];
  /** The node below each link: the child for up/down links, the server for an internal
   *  link, the tree root for a core link. Traffic on a link comes from PMs under its owner
   *  (or talking to it, for an I/O node). */
  readonly linkOwner: number[] = [];

  // Servers, indexed 0..nServers-1 (what the placement assigns modules to).
  readonly serverNode: number[] = [];
  readonly serverCpu: number[] = [];
  readonly serverMemory: number[] = [];
  readonly internalLink: number[] = [];
  /** Rack (ToR node) of each server, and the servers of each rack, for rack-first search. */
  readonly serverRack: number[] = [];
  readonly racks: number[][] = [];
  private readonly rackIndex = new Map<number, number>();

  readonly ioNodes: number[] = [];
  readonly cores: number[] = [];
  private readonly coreIndex = new Map<number, number>();
  /** Roots of the tree part (no parent, not a core), indexed for core routing. */
  private readonly rootIndex = new Map<number, number>();
  /** coreUp[root * nCores + c]: root → core c; coreDown: core c → root. */
  private coreUp: number[] = [];
  private coreDown: number[] = [];
  private sealed = false;

  get nNodes(): number {
    return this.kind.length;
  }
  get nServers(): number {
    return this.serverNode.length;
  }
  get nLinks(): number {
    return this.linkBandwidth.length;
  }

  private addLink(name: string, owner: number, l: LinkSpec): number {
    this.linkOwner.push(owner);
    this.linkBandwidth.push(l.bandwidth);
    this.linkDelay.push(l.delay);
    this.linkName.push(name);
    return this.linkBandwidth.length - 1;
  }

  private addNode(kind: NodeKind, name: string, parent: number, link: LinkSpec | undefined): number {
    if (this.sealed) throw new Error('platform: cannot add nodes after the first path query');
    const id = this.kind.length;
    this.kind.push(kind);
    this.name.push(name);
    this.parent.push(parent);
    this.serverOf.push(NONE);
    if (parent === NONE) {
      this.depth.push(0);
      this.upLink.push(NONE);
      this.downLink.push(NONE);
    } else {
      if (!link) throw new Error(`platform: ${name} needs a link to its parent`);
      if (this.kind[parent] === 'server' || this.kind[parent] === 'io') {
        throw new Error(`platform: ${name} cannot hang off ${this.kind[parent]} ${this.name[parent]}`);
      }
      this.depth.push(this.depth[parent]! + 1);
      this.upLink.push(this.addLink(`${name}->${this.name[parent]}`, id, link));
      this.downLink.push(this.addLink(`${this.name[parent]}->${name}`, id, link));
    }
    return id;
  }

  addCore(name: string): number {
    const id = this.addNode('core', name, NONE, undefined);
    this.coreIndex.set(id, this.cores.length);
    this.cores.push(id);
    return id;
  }

  /** An intermediate (aggregation) switch; a root of the tree part unless given a parent. */
  addIntermediate(name: string, parent = NONE, link?: LinkSpec): number {
    return this.addNode('intermediate', name, parent, link);
  }

  /** A top-of-rack switch; its servers form one rack. */
  addTor(name: string, parent = NONE, link?: LinkSpec): number {
    const id = this.addNode('tor', name, parent, link);
    this.rackIndex.set(id, this.racks.length);
    this.racks.push([]);
    return id;
  }

  addServer(name: string, tor: number, spec: ServerSpec, link: LinkSpec): number {
    if (this.kind[tor] !== 'tor') throw new Error(`platform: server ${name} must hang off a ToR`);
    const node = this.addNode('server', name, tor, link);
    const s = this.serverNode.length;
    this.serverNode.push(node);
    this.serverOf[node] = s;
    this.serverCpu.push(spec.cores);
    this.serverMemory.push(spec.memoryMb);
    this.internalLink.push(this.addLink(`${name}:internal`, node, { bandwidth: spec.internalBandwidth, delay: spec.internalDelay }));
    const rack = this.rackIndex.get(tor)!;
    this.serverRack.push(rack);
    this.racks[rack]!.push(s);
    return s;
  }

  /** An I/O node (Internet uplink) attached to any switch. Returns the node id. */
  addIo(name: string, attachedTo: number, link: LinkSpec): number {
    const id = this.addNode('io', name, attachedTo, link);
    this.ioNodes.push(id);
    return id;
  }

  /** Link a tree root to a core switch (both directions). Every root must reach every core. */
  connectCore(root: number, core: number, link: LinkSpec): void {
    if (this.parent[root] !== NONE || this.kind[root] === 'core') throw new Error(`platform: ${this.name[root]} is not a tree root`);
    if (this.kind[core] !== 'core') throw new Error(`platform: ${this.name[core]} is not a core switch`);
    let r = this.rootIndex.get(root);
    if (r === undefined) {
      r = this.rootIndex.size;
      this.rootIndex.set(root, r);
    }
    const c = this.coreIndex.get(core)!;
    const k = r * this.cores.length + c;
    this.coreUp[k] = this.addLink(`${this.name[root]}->${this.name[core]}`, root, link);
    this.coreDown[k] = this.addLink(`${this.name[core]}->${this.name[root]}`, root, link);
  }

  /** Checks the core layer is complete; called lazily by the first path query. */
  seal(): void {
    if (this.sealed) return;
    const nC = this.cores.length;
    const roots = this.kind.map((k, i) => (this.parent[i] === NONE && k !== 'core' ? i : NONE)).filter((i) => i !== NONE);
    if (roots.length > 1 && nC === 0) throw new Error('platform: several tree roots but no core switch to join them');
    for (const root of roots) {
      const r = this.rootIndex.get(root);
      for (let c = 0; c < nC; c++) {
        if (r === undefined || this.coreUp[r * nC + c] === undefined) {
          throw new Error(`platform: root ${this.name[root]} is not linked to core ${this.name[this.cores[c]!]}`);
        }
      }
    }
    this.sealed = true;
  }

  /**
   * Writes the directed links from node a to node b into out; returns how many.
   * A server to itself uses its internal link. At most 2·depth + 2 links.
   */
  path(a: number, b: number, out: Int32Array): number {
    if (!this.sealed) this.seal();
    if (a === b) {
      const s = this.serverOf[a]!;
      if (s === NONE) return 0;
      out[0] = this.internalLink[s]!;
      return 1;
    }
    let n = 0;
    // Down links are collected from the far end, stored from the back of a small stack.
    const down = this.downScratch;
    let nd = 0;
    let x = a;
    let y = b;
    const depth = this.depth;
    const parent = this.parent;
    while (depth[x]! > depth[y]!) {
      out[n++] = this.upLink[x]!;
      x = parent[x]!;
    }
    while (depth[y]! > depth[x]!) {
      down[nd++] = this.downLink[y]!;
      y = parent[y]!;
    }
    while (x !== y && parent[x] !== NONE && parent[y] !== NONE) {
      out[n++] = this.upLink[x]!;
      x = parent[x]!;
      down[nd++] = this.downLink[y]!;
      y = parent[y]!;
    }
    if (x !== y) {
      const nC = this.cores.length;
      const xCore = this.kind[x] === 'core';
      const yCore = this.kind[y] === 'core';
      if (xCore && yCore) throw new Error(`platform: no path between ${this.name[a]} and ${this.name[b]} (two cores)`);
      if (xCore) {
        down[nd++] = this.coreDown[this.rootIndex.get(y)! * nC + this.coreIndex.get(x)!]!;
      } else if (yCore) {
        out[n++] = this.coreUp[this.rootIndex.get(x)! * nC + this.coreIndex.get(y)!]!;
      } else {
        const rx = this.rootIndex.get(x)!;
        const ry = this.rootIndex.get(y)!;
        const c = (rx + ry) % nC;
        out[n++] = this.coreUp[rx * nC + c]!;
        down[nd++] = this.coreDown[ry * nC + c]!;
      }
    }
    while (nd > 0) out[n++] = down[--nd]!;
    return n;
  }
  private readonly downScratch = new Int32Array(64);

  /** Sum of link delays from a to b. */
  delay(a: number, b: number): number {
    const buf = this.delayScratch;
    const n = this.path(a, b, buf);
    let d = 0;
    for (let i = 0; i < n; i++) d += this.linkDelay[buf[i]!]!;
    return d;
  }
  private readonly delayScratch = new Int32Array(64);

  /** Servers in the subtree of a node (a server: itself; a core or an I/O node: none). */
  serversUnder(node: number): number[] {
    let memo = this.underMemo.get(node);
    if (!memo) {
      memo = [];
      for (let s = 0; s < this.nServers; s++) {
        for (let x = this.serverNode[s]!; x !== NONE; x = this.parent[x]!) {
          if (x === node) {
            memo.push(s);
            break;
          }
        }
      }
      this.underMemo.set(node, memo);
    }
    return memo;
  }
  private readonly underMemo = new Map<number, number[]>();

  /** Node id by name (for small, hand-built platforms). */
  nodeByName(name: string): number {
    const i = this.name.indexOf(name);
    if (i < 0) throw new Error(`platform: no node named ${name}`);
    return i;
  }
}
