// An assignment → OpenFlow flows (D3.2 §2.2.6, README.md "Rules"), in openflowd's flow
// model so any of its drivers installs them under the group's cookie.
//   - Two outside ports. Traffic entering at `forward.port` is matched on the balanced
//     field (nw_src for a NAT, nw_dst for a firewall), traffic entering at
//     `reverse.port` on the other one, so both directions of a connection reach the same
//     replica.
//   - Two flows per assigned prefix (one per direction); the default server's leftovers
//     are two catch-all flows one priority lower.
//   - A replica with one switch port is a router on a stick: the direction travels as
//     the VLAN tag of its Click port (forward = port 0, reverse = port 1, as openflowd
//     tags a shared vif), pushed on the way in and popped on the way out. A replica with
//     two ports takes forward traffic on the first and reverse on the second, untagged.
//   - Two return flows per replica, matched on its port (and tag): what it sends back
//     leaves by the other outside port.
import { ETH_TYPE_IPV4 } from '../openflow/constants.js';
import { flowKey, type Action, type Flow, type Match } from '../openflow/model.js';
import { DEFAULT_FLOW_PRIORITY, DEFAULT_VLAN_BASE, MAX_VLAN_ID, retagActions } from '../openflowd/flows.js';
import { flowLine } from '../openflowd/ofctl-syntax.js';
import { assignedPrefixes, type Assignment } from './balance.js';
import { BalancerInputError } from './errors.js';
import { toIpv4Prefix, type Prefix } from './prefix.js';

/** Which address the balancer splits on, for traffic entering at the forward port (D3.2 §2.2.3: source for a NAT, destination for a firewall). */
export type Field = 'src' | 'dst';

export interface OutsidePort {
  port: number;
  /** more to match on traffic entering here (e.g. tcp, tp_dst=80); never the balanced addresses or a VLAN */
  match?: Match;
}

export interface GroupPorts {
  field: Field;
  forward: OutsidePort;
  reverse: OutsidePort;
  /** the switch port(s) of each replica by server name: [p] router on a stick, [forward, reverse] one per direction */
  replicas: Record<string, number[]>;
  /** of the per-prefix and return flows (default openflowd's); the leftovers take one less */
  priority?: number;
  /** VLAN of Click port 0 on a one-port replica; port 1 is vlanBase + 1 (default openflowd's) */
  vlanBase?: number;
  table?: number;
  /**
   * Commit every connection entering at an outside port in this conntrack zone, marked
   * with its replica's mark (README.md "Flow migration"): what lets a later move keep
   * established connections on their old replica. ovs-ofctl driver only.
   */
  conntrack?: { zone: number; marks: Record<string, number> };
}

/** Flows for `assigned` prefixes over `replicas` replicas: 2 per prefix, 2 catch-alls for the default server, 2 return flows per replica. */
export function ruleCount(assigned: number, replicas: number): number {
  return 2 * assigned + 2 + 2 * replicas;
}

export interface Hop {
  port: number;
  vlan?: number;
}

/** Where a replica takes direction k (0 forward, 1 reverse): Click port k (README.md "Rules"). */
export function replicaHop(g: GroupPorts, server: string, k: 0 | 1): Hop {
  const ports = g.replicas[server];
  if (!ports) throw new BalancerInputError(`replica '${server}' has no switch port`);
  const vlanBase = g.vlanBase ?? DEFAULT_VLAN_BASE;
  return ports.length === 1 ? { port: ports[0]!, vlan: vlanBase + k } : { port: ports[k]! };
}

/** The mark of a replica's connections; each replica needs its own, 1..2^32-1. */
export function replicaMark(g: GroupPorts, server: string): number {
  const m = g.conntrack?.marks[server];
  if (m === undefined || !Number.isInteger(m) || m < 1 || m > 0xffffffff) throw new BalancerInputError(`replica '${server}' has no conntrack mark 1..0xffffffff`);
  return m;
}

function checkPorts(a: Assignment, g: GroupPorts): void {
  if (g.field !== 'src' && g.field !== 'dst') throw new BalancerInputError(`balanced field must be 'src' or 'dst', not '${String(g.field)}'`);
  const used = new Map<number, string>([[g.forward.port, 'the forward port'], [g.reverse.port, 'the reverse port']]);
  if (g.forward.port === g.reverse.port) throw new BalancerInputError(`the forward and reverse ports are both ${g.forward.port}`);
  for (const side of [g.forward, g.reverse]) {
    const m = side.match ?? {};
    if (m.ipv4Src || m.ipv4Dst) throw new BalancerInputError(`an outside port's match may not name nw_src or nw_dst: the balancer owns them`);
    if (m.vlanVid !== undefined) throw new BalancerInputError(`an outside port's match may not name a VLAN: tags are the platform's own`);
    if (m.ethType !== undefined && m.ethType !== ETH_TYPE_IPV4) throw new BalancerInputError(`balanced traffic is IPv4; the match says dl_type=0x${m.ethType.toString(16)}`);
    if (m.inPort !== undefined) throw new BalancerInputError(`give the outside port as 'port', not in its match`);
  }
  if (g.conntrack) {
    const z = g.conntrack.zone;
    if (!Number.isInteger(z) || z < 0 || z > 0xffff) throw new BalancerInputError(`conntrack zone ${z} is not 0..65535`);
    const marks = a.servers.map((s) => replicaMark(g, s.name));
    if (new Set(marks).size !== marks.length) throw new BalancerInputError(`two replicas share a conntrack mark`);
  }
  const vb = g.vlanBase ?? DEFAULT_VLAN_BASE;
  if (!Number.isInteger(vb) || vb < 1 || vb + 1 > MAX_VLAN_ID) throw new BalancerInputError(`VLAN base ${vb} leaves no room for two tags up to ${MAX_VLAN_ID}`);
  for (const s of a.servers) {
    const ports = g.replicas[s.name];
    if (!ports || (ports.length !== 1 && ports.length !== 2)) throw new BalancerInputError(`replica '${s.name}' needs one switch port (router on a stick) or two (forward, reverse)`);
    for (const p of ports) {
      if (used.has(p)) throw new BalancerInputError(`switch port ${p} of replica '${s.name}' is also ${used.get(p)}`);
      used.set(p, `a port of replica '${s.name}'`);
    }
  }
}

export function balancerFlows(a: Assignment, g: GroupPorts): Flow[] {
  checkPorts(a, g);
  const priority = g.priority ?? DEFAULT_FLOW_PRIORITY;
  const table = g.table ?? 0;
  // Click port 0 carries the forward direction, port 1 the reverse
  const hop = (server: string, k: 0 | 1): Hop => replicaHop(g, server, k);
  const ct = g.conntrack;
  const fwdField = g.field === 'src' ? 'ipv4Src' : 'ipv4Dst';
  const revField = g.field === 'src' ? 'ipv4Dst' : 'ipv4Src';
  const entry = (side: OutsidePort, field: 'ipv4Src' | 'ipv4Dst', p: Prefix | undefined, server: string, k: 0 | 1, prio: number): Flow => ({
    table,
    priority: prio,
    match: { ...side.match, inPort: side.port, ethType: ETH_TYPE_IPV4, ...(p ? { [field]: toIpv4Prefix(p) } : {}) },
    actions: [...(ct ? [commitAction(ct.zone, replicaMark(g, server))] : []), ...toReplica(hop(server, k))],
  });

  const flows: Flow[] = [];
  for (const l of assignedPrefixes(a)) {
    flows.push(entry(g.forward, fwdField, l.prefix, l.server, 0, priority));
    flows.push(entry(g.reverse, revField, l.prefix, l.server, 1, priority));
  }
  flows.push(entry(g.forward, fwdField, undefined, a.defaultServer, 0, priority - 1));
  flows.push(entry(g.reverse, revField, undefined, a.defaultServer, 1, priority - 1));
  for (const s of a.servers) {
    for (const [k, out] of [[0, g.reverse.port], [1, g.forward.port]] as const) {
      const from = hop(s.name, k);
      flows.push({
        table,
        priority,
        match: from.vlan === undefined ? { inPort: from.port } : { inPort: from.port, vlanVid: from.vlan },
        actions: [...retagActions(from.vlan, undefined), { type: 'output', port: out }],
      });
    }
  }
  return flows;
}

/** Into a replica's Click port: tag it if the replica is a router on a stick, output. */
export function toReplica(to: Hop): Action[] {
  return [...retagActions(undefined, to.vlan), { type: 'output', port: to.port }];
}

/** ct(commit) in the group's zone, marking the connection as the replica's; the action list goes on. */
export function commitAction(zone: number, mark: number): Action {
  return { type: 'ct', commit: true, zone, mark };
}

/** ovs-ofctl add-flows text of a group's flows, all under its cookie. */
export function renderFlows(cookie: bigint, flows: Flow[]): string {
  return flows.map((f) => `${flowLine(cookie, f)}\n`).join('');
}

/**
 * What turns one rule set into the next: flows to add or overwrite (same match and
 * priority: OpenFlow's add replaces the actions) and flows to remove (their match is
 * gone). Unchanged flows are in neither, so a rebalance touches only what moved.
 */
export function diffFlows(before: Flow[], after: Flow[]): { add: Flow[]; remove: Flow[] } {
  const where = (f: Flow) => flowKey({ ...f, actions: [] });
  const old = new Map(before.map((f) => [where(f), flowKey(f)]));
  const next = new Set(after.map(where));
  return {
    add: after.filter((f) => old.get(where(f)) !== flowKey(f)),
    remove: before.filter((f) => !next.has(where(f))),
  };
}
