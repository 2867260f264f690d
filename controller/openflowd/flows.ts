// From an installed allocation to switch flows (D3.2 §1.1, §2.2.6, §3.1; docs/platform.md, docs/openflow.md). Every connection
// of the request becomes one flow: "what leaves X goes into Y".
//   FromNet f -> [j]m     match f's FromNet("...") at its network port, output to m's vif j
//   a[i] -> [j]b          match packets coming back from a's vif i, output to b's vif j
//   a[i] -> ToNet t       match packets coming back from a's vif i, output to port t
// A processing module's Click port k is its vif k (ClickOS' FromDevice(k)/ToDevice(k)).
// A module with one vif but several ports is a router on a stick (D3.2 §2.2.6): port k is
// that vif with VLAN tag vlanBase+k, so the switch tells directions (and ports) apart by
// tag; tags are pushed, rewritten and popped on the way. A vif on another host's switch
// is reached the same way: that host's uplink port with the vif's own VLAN tag (its
// dom0 switch makes the vif an access port of that VLAN; docs/two-host-lab.md). The
// allocation's id is the cookie of all its flows, so deleting them removes exactly these.
import type { AllocationRequest } from '../../clickos-build/allocation.js';
import { ETH_TYPE_VLAN } from '../openflow/constants.js';
import type { Action, Flow, Match } from '../openflow/model.js';
import { MatchSyntaxError, parseMatchText } from './ofctl-syntax.js';

export interface InstalledAllocation {
  /** allocation id from install_allocation; the cookie of its flows */
  id: bigint;
  request: AllocationRequest;
  /** per processing module, the switch port of its vif 0, 1, ... (a tagged one: behind a host's uplink) */
  modulePorts: Record<string, VifPort[]>;
}

/** A vif on this switch (its port number), or one behind a host's uplink port with its own VLAN tag. */
export type VifPort = number | { port: number; vlan: number };

export interface FlowPlanOptions {
  /** switch port numbers by name: ToNet("name") and in_port=name in FromNet matches */
  portByName: (name: string) => number | undefined;
  /** where a FromNet's traffic enters when its match names no in_port */
  networkPort?: number;
  /** priority of every flow (default 1000) */
  priority?: number;
  /** VLAN id of port k on a shared vif: vlanBase + k (default 100) */
  vlanBase?: number;
  table?: number;
}

export class FlowPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowPlanError';
  }
}

interface Hop {
  port: number;
  vlan?: number;
}

/** Priority of every flow when none is given. */
export const DEFAULT_FLOW_PRIORITY = 1000;
/** VLAN id of port 0 on a shared vif when none is given; port k is vlanBase + k. */
export const DEFAULT_VLAN_BASE = 100;
/** The largest VLAN id a tag may carry (4095 is reserved). */
export const MAX_VLAN_ID = 4094;

/**
 * The tag actions between a hop entered with `inVlan` and one left with `outVlan`
 * (undefined: untagged): push on entry to a shared vif, pop on the way out, rewrite
 * between two shared vifs (D3.2 §2.2.6).
 */
export function retagActions(inVlan: number | undefined, outVlan: number | undefined): Action[] {
  if (inVlan === undefined && outVlan !== undefined) return [{ type: 'push_vlan', ethertype: ETH_TYPE_VLAN }, { type: 'set_vlan_vid', vid: outVlan }];
  if (inVlan !== undefined && outVlan === undefined) return [{ type: 'pop_vlan' }];
  if (inVlan !== undefined && outVlan !== undefined && inVlan !== outVlan) return [{ type: 'set_vlan_vid', vid: outVlan }];
  return [];
}

export function planFlows(alloc: InstalledAllocation, o: FlowPlanOptions): Flow[] {
  const req = alloc.request;
  const priority = o.priority ?? DEFAULT_FLOW_PRIORITY;
  const vlanBase = o.vlanBase ?? DEFAULT_VLAN_BASE;
  const table = o.table ?? 0;

  // Who owns each vif: an untagged port number, or "port.vlan" behind an uplink.
  const owner = new Map<string, string>();
  const key = (v: VifPort): string => (typeof v === 'number' ? String(v) : `${v.port}.${v.vlan}`);
  const uplinks = new Set<number>();
  for (const m of req.modules) {
    const vifs = alloc.modulePorts[m.name];
    if (!vifs?.length) throw new FlowPlanError(`processing module '${m.name}' has no vif port on the switch`);
    const ports = Math.max(m.inputs, m.outputs);
    if (vifs.length !== 1 && vifs.length < ports)
      throw new FlowPlanError(`processing module '${m.name}' uses ${ports} ports but has ${vifs.length} vifs (give one vif per port, or one shared vif)`);
    for (const v of vifs) {
      if (typeof v !== 'number') {
        if (vifs.length < ports) throw new FlowPlanError(`processing module '${m.name}' is behind a host uplink: it needs one vif per port (${ports}), not a shared vif`);
        if (!Number.isInteger(v.vlan) || v.vlan < 1 || v.vlan > MAX_VLAN_ID) throw new FlowPlanError(`processing module '${m.name}': VLAN ${v.vlan} is not 1-${MAX_VLAN_ID}`);
        uplinks.add(v.port);
      }
      const k = key(v);
      if (owner.has(k) && owner.get(k) !== m.name) throw new FlowPlanError(`switch port ${k} is the vif of both '${owner.get(k)}' and '${m.name}'`);
      owner.set(k, m.name);
    }
    if (ports - 1 + vlanBase > MAX_VLAN_ID && vifs.length === 1) throw new FlowPlanError(`VLAN ids from ${vlanBase} for '${m.name}' run past ${MAX_VLAN_ID}`);
  }
  for (const v of req.modules.flatMap((m) => alloc.modulePorts[m.name]))
    if ((typeof v === 'number' ? v : v.port) === o.networkPort) throw new FlowPlanError(`switch port ${key(v)} is both a vif and the network port`);

  const hop = (module: string, k: number): Hop => {
    const m = req.modules.find((x) => x.name === module)!;
    const vifs = alloc.modulePorts[module];
    const v = vifs[k] ?? vifs[0]!;
    if (typeof v !== 'number') return { port: v.port, vlan: v.vlan };
    const shared = vifs.length === 1 && Math.max(m.inputs, m.outputs) > 1;
    return shared ? { port: v, vlan: vlanBase + k } : { port: v };
  };
  const named = (name: string, what: string): number => {
    const n = /^\d+$/.test(name) ? Number(name) : o.portByName(name);
    if (n === undefined) throw new FlowPlanError(`${what} '${name}' is not a port of the switch`);
    return n;
  };

  const flows: Flow[] = [];
  for (const c of req.connections) {
    const from = req.fromNet.find((f) => f.name === c.from);
    let match: Match;
    let inVlan: number | undefined;
    if (from) {
      try {
        match = parseMatchText(from.value, o.portByName);
      } catch (e) {
        if (e instanceof MatchSyntaxError) throw new FlowPlanError(`FromNet '${from.name}': ${e.message}`);
        throw e;
      }
      if (match.vlanVid !== undefined) throw new FlowPlanError(`FromNet '${from.name}' matches a VLAN: tags are the platform's own (D3.2 §2.2.6)`);
      // conntrack state exists only after a ct() action, which allocations' flows never run
      if (match.ctState !== undefined || match.ctMark !== undefined) throw new FlowPlanError(`FromNet '${from.name}' matches ct_state/ct_mark: connection tracking is the balancer's own (controller/balancer/README.md)`);
      match.inPort ??= o.networkPort;
      if (match.inPort === undefined) throw new FlowPlanError(`FromNet '${from.name}' names no in_port and no network port is configured`);
      if (owner.has(String(match.inPort))) throw new FlowPlanError(`FromNet '${from.name}' enters at port ${match.inPort}, the vif of '${owner.get(String(match.inPort))}'`);
      if (uplinks.has(match.inPort)) throw new FlowPlanError(`FromNet '${from.name}' enters at port ${match.inPort}, a host's uplink`);
    } else {
      const h = hop(c.from, c.fromPort);
      match = h.vlan === undefined ? { inPort: h.port } : { inPort: h.port, vlanVid: h.vlan };
      inVlan = h.vlan;
    }
    const to = req.toNet.find((t) => t.name === c.to);
    const out: Hop = to ? { port: named(to.value, `ToNet '${to.name}'`) } : hop(c.to, c.toPort);
    const actions = retagActions(inVlan, out.vlan);
    // OpenFlow never sends a packet back where it came in unless told IN_PORT
    actions.push({ type: 'output', port: out.port === match.inPort ? 'IN_PORT' : out.port });
    flows.push({ table, priority, match, actions });
  }
  return flows;
}
