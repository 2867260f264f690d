// Which of an allocation's switch flows carries which link of its graph, so the page can
// label each drawn edge with its own packet and byte counters (controller/webd/README.md).
// Every connection of the request is one flow under the allocation's cookie
// (controller/openflowd/flows.ts planFlows), but the switch's dump does not say which, and
// webd does not know the modules' switch ports. It needs not: in planFlows a module's port
// k is one switch "hop" (a port, and a VLAN tag for a shared vif or a vif behind a host's
// uplink) both where packets leave the module (the flow's in_port/dl_vlan) and where they
// are sent to it (the flow's output port with the tag its actions leave). So the links are
// matched to the flows by a small search for one hop per module port, different ports
// different hops, consistent with every flow; a FromNet is its flow's whole match, a
// ToNet its output port. What the switch's port names tell (linkAnchors: a FromNet's match
// and a ToNet's port by name, a local module's vif<domid>.<k>) pins ends down; without
// them a two-way chain reads as well backwards. A link that two consistent matchings give
// different counters (symmetric branches, modules behind one uplink) is reported as
// unknown, not guessed.

export interface FlowCount {
  match: string;
  actions: string;
  packets: number;
  bytes: number;
}

export interface LinkRef {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
}

export interface GraphRef {
  nodes: Array<{ name: string; kind: 'in' | 'module' | 'out' }>;
  links: LinkRef[];
}

/** Per link (in the graph's order): its flow's counters, or null when they cannot be told. */
export type LinkCounters = Array<{ packets: number; bytes: number; flow: number } | null>;

interface Hops {
  /** the flow's in_port[.dl_vlan] when its match is nothing else (a module's output), else undefined */
  from?: string;
  /** where the flow sends packets: port[.vlan], or undefined for actions that are not one output */
  to?: string;
  /** the output carries no VLAN tag (a ToNet's) */
  untagged: boolean;
}

/** Search steps before giving up (a request has tens of connections; this is far more than any needs). */
const MAX_STEPS = 50_000;
/** Matchings compared to find links that cannot be told apart. */
const MAX_SOLUTIONS = 16;

/** The hops of a flow, from the texts openflowd prints (controller/openflow/model.ts matchText, actionsText). */
export function flowHops(f: Pick<FlowCount, 'match' | 'actions'>): Hops {
  const fields = new Map(f.match.split(',').filter(Boolean).map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]));
  const inPort = fields.get('in_port');
  const inVlan = fields.get('dl_vlan');
  const pure = inPort !== undefined && [...fields.keys()].every((k) => k === 'in_port' || k === 'dl_vlan');
  let vlan = inVlan;
  let out: string | undefined;
  let outputs = 0;
  for (const a of f.actions.split(',')) {
    const set = /^set_field:(\d+)->vlan_vid$/.exec(a);
    if (set) vlan = String(Number(set[1]) & 0xfff);
    else if (a === 'pop_vlan') vlan = undefined;
    else if (a.startsWith('output:')) {
      outputs++;
      const p = a.slice('output:'.length);
      out = `${p === 'IN_PORT' ? inPort : p}.${vlan ?? '-'}`;
    }
  }
  return { ...(pure ? { from: `${inPort}.${inVlan ?? '-'}` } : {}), ...(outputs === 1 && out ? { to: out } : {}), untagged: vlan === undefined };
}

/**
 * What an end of a link may be bound to, by variable: `in <FromNet>` (its flow's match),
 * `out <ToNet>` and `m <module> <port>` (a hop, "port.vlan" or "port.-"). No anchor: anything consistent.
 */
export type Anchors = ReadonlyMap<string, (value: string) => boolean>;

export function linkCounters(graph: GraphRef, flows: readonly FlowCount[], anchors: Anchors = new Map()): LinkCounters {
  const kind = new Map(graph.nodes.map((n) => [n.name, n.kind]));
  const hops = flows.map(flowHops);
  const links = graph.links;
  // each link's two ends as variables: a module port, a FromNet, a ToNet
  const src = links.map((l) => (kind.get(l.from) === 'in' ? `in ${l.from}` : `m ${l.from} ${l.fromPort}`));
  const dst = links.map((l) => (kind.get(l.to) === 'out' ? `out ${l.to}` : `m ${l.to} ${l.toPort}`));
  const bound = new Map<string, string>();
  const owner = new Map<string, string>(); // module hop -> the module port holding it
  const used = new Set<number>();
  const pick: number[] = [];
  const solutions: number[][] = [];
  let steps = 0;

  /** What link k's source end would be bound to by flow i: its whole match for a FromNet, else its in-hop. */
  const source = (k: number, i: number): string | undefined => (src[k]!.startsWith('in ') ? flows[i]!.match : hops[i]!.from);
  const bind = (v: string, val: string, undo: Array<() => void>): boolean => {
    const was = bound.get(v);
    if (was !== undefined) return was === val;
    if (anchors.get(v)?.(val) === false) return false;
    if (v.startsWith('m ')) {
      if (owner.has(val)) return false; // two module ports are never one hop
      if (!sameKind(v, val)) return false;
      owner.set(val, v);
      undo.push(() => owner.delete(val));
    }
    bound.set(v, val);
    undo.push(() => bound.delete(v));
    return true;
  };
  // A module's hops are all untagged (a vif per port) or all tagged on one port (a shared
  // vif, or vifs behind one host's uplink): planFlows' hop().
  const sameKind = (v: string, val: string): boolean => {
    const mod = v.slice(0, v.lastIndexOf(' ') + 1);
    const [port, vlan] = val.split('.');
    for (const [w, other] of bound) {
      if (!w.startsWith(mod) || w.lastIndexOf(' ') + 1 !== mod.length) continue;
      const [p2, vlan2] = other.split('.');
      if ((vlan === '-') !== (vlan2 === '-') || (vlan !== '-' && p2 !== port)) return false;
    }
    return true;
  };
  const search = (): void => {
    if (solutions.length >= MAX_SOLUTIONS || ++steps > MAX_STEPS) return;
    const k = pick.length;
    if (k === links.length) {
      solutions.push([...pick]);
      return;
    }
    for (let i = 0; i < flows.length; i++) {
      if (used.has(i)) continue;
      const s = source(k, i);
      const d = hops[i]!.to;
      if (s === undefined || d === undefined) continue;
      if (dst[k]!.startsWith('out ') && !hops[i]!.untagged) continue;
      const undo: Array<() => void> = [];
      if (bind(src[k]!, s, undo) && bind(dst[k]!, d, undo)) {
        used.add(i);
        pick.push(i);
        search();
        pick.pop();
        used.delete(i);
      }
      for (const u of undo.reverse()) u();
    }
  };
  search();
  if (solutions.length === 0 || steps > MAX_STEPS) return links.map(() => null);
  const first = solutions[0]!;
  return links.map((_, k) => {
    const i = first[k]!;
    // told apart only if every matching found gives this link the same counters
    if (solutions.some((s) => flows[s[k]!]!.packets !== flows[i]!.packets || flows[s[k]!]!.bytes !== flows[i]!.bytes)) return null;
    return { packets: flows[i]!.packets, bytes: flows[i]!.bytes, flow: i };
  });
}

/** The switch's ports by name, as monitord reads them (its snapshot's switch.names). */
export type PortNames = ReadonlyMap<string, number>;

const withoutInPort = (match: string): string => match.split(',').filter((f) => f && !f.startsWith('in_port=')).join(',');
const inPortOf = (match: string): string | undefined => match.split(',').find((f) => f.startsWith('in_port='))?.slice('in_port='.length);

/**
 * Anchors from what the page knows besides the flows: each FromNet's match (its in_port
 * by name through `ports`; one it does not name is the network port's, so only the rest
 * is compared), each ToNet's port, and the vif ports of modules whose guest's vifs are on
 * this switch (vif<domid>.<k>, controller/openflowd/steering.ts; a shared vif is .0 with a
 * tag per port). Modules behind another host's uplink have no vif here: no anchor.
 */
export function linkAnchors(
  o: { fromNet: Array<{ name: string; value: string }>; toNet: Array<{ name: string; value: string }>; modules: Array<{ name: string; domid: number | null; ports: number }> },
  ports: PortNames,
  parseMatch: (text: string, portByName: (name: string) => number | undefined) => { text: string; inPort?: number },
): Map<string, (value: string) => boolean> {
  const anchors = new Map<string, (value: string) => boolean>();
  const byName = (n: string): number | undefined => (/^\d+$/.test(n) ? Number(n) : ports.get(n));
  for (const f of o.fromNet) {
    let want: { text: string; inPort?: number };
    try {
      want = parseMatch(f.value, byName);
    } catch {
      continue; // a port name this switch has not (yet): leave it free
    }
    const rest = withoutInPort(want.text);
    anchors.set(`in ${f.name}`, (match) => withoutInPort(match) === rest && (want.inPort === undefined || inPortOf(match) === String(want.inPort)));
  }
  for (const t of o.toNet) {
    const port = byName(t.value);
    if (port !== undefined) anchors.set(`out ${t.name}`, (hop) => hop === `${port}.-`);
  }
  for (const m of o.modules) {
    if (m.domid === null) continue;
    const vif0 = ports.get(`vif${m.domid}.0`);
    for (let k = 0; k < m.ports; k++) {
      const own = ports.get(`vif${m.domid}.${k}`);
      if (own !== undefined) anchors.set(`m ${m.name} ${k}`, (hop) => hop.startsWith(`${own}.`));
      else if (vif0 !== undefined) anchors.set(`m ${m.name} ${k}`, (hop) => hop.startsWith(`${vif0}.`));
    }
  }
  return anchors;
}
