// A balanced module in an allocation (`n :: NAT() x 4 by src`; README "Replicas"):
// each replica is a module of its own, `n#<slot>`, so placement puts each as a PM of
// its own (they may land on different hosts) and the installer creates, rolls back and
// deletes them as any module. The traffic is split over them by the balancer
// (controller/balancer): one group per allocation (group id = allocation id, so its
// cookies say whose they are), its prefix rules installed through the steering
// (openflowd) make-before-break, generation by generation.
import type { AllocationRequest, ProcessingModule } from '../../clickos-build/index.js';
import { balance, BalancerInputError, parsePrefix, prefixText, SwitchGroup, Traffic, type Assignment, type GroupPorts } from '../balancer/index.js';
import { cookieGroup, groupCookie } from '../balancer/cookies.js';
import { matchText, type Flow } from '../openflow/model.js';
import type { Leaf } from '../balancer/leaves.js';
import type { PortDesc } from '../openflow/model.js';
import { FlowPlanError } from '../openflowd/flows.js';
import { parseMatchText, MatchSyntaxError } from '../openflowd/ofctl-syntax.js';
import { resolveModulePorts, type SteeredAllocation, type Steering } from '../openflowd/steering.js';
import type { StoredBalanced } from '../store/index.js';
import { MAX_REPLICAS } from '../../toolstack/limits.js';

export type BalancedRecord = StoredBalanced;

/** Replica `slot` of module `module`: '#' is no Click name character, so it never clashes with a module's name. */
export const replicaName = (module: string, slot: number): string => `${module}#${slot}`;

/** The slot of a replica's module name, or undefined for any other module. */
export function replicaSlot(name: string): number | undefined {
  const m = /#(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The `count` lowest slots (1..MAX_REPLICAS) none of `taken` uses: a slot names a PM and its MACs (installer.ts pmMac). */
export function freeSlots(taken: readonly string[], count: number): number[] | undefined {
  const used = new Set(taken.map(replicaSlot));
  const out: number[] = [];
  for (let s = 1; s <= MAX_REPLICAS && out.length < count; s++) if (!used.has(s)) out.push(s);
  return out.length === count ? out : undefined;
}

/** A request's balanced module and the check of where it sits, as `{line, col, reason}` for a refusal; undefined: none asked for. */
export function balancedModule(req: AllocationRequest): { module: ProcessingModule } | { line: number; col: number; reason: string } | undefined {
  const asked = req.modules.filter((m) => m.replicas);
  if (!asked.length) return undefined;
  const m = asked[0]!;
  const at = (reason: string, pos = m.replicas!.pos) => ({ line: pos.line, col: pos.col, reason });
  // Why so narrow: the group's rules take the traffic between two outside ports (controller/balancer/README.md "Rules").
  if (req.modules.length > 1) return at(`module '${m.name}' has replicas: it must be its request's only processing module (README "Replicas")`);
  const ins = req.connections.filter((c) => c.to === m.name);
  const outs = req.connections.filter((c) => c.from === m.name);
  for (const c of ins) if (!req.fromNet.some((f) => f.name === c.from)) return at(`module '${m.name}' has replicas: its input ${c.toPort} must come from a FromNet, not '${c.from}'`, c.pos);
  for (const c of outs) if (!req.toNet.some((t) => t.name === c.to)) return at(`module '${m.name}' has replicas: its output ${c.fromPort} must go to a ToNet, not '${c.to}'`, c.pos);
  if (m.inputs > 2 || m.inputs !== m.outputs) return at(`module '${m.name}' has replicas: it takes port 0 (forward) and optionally port 1 (reverse), each in and out, not ${m.inputs} input(s) and ${m.outputs} output(s)`);
  for (let p = 0; p < m.inputs; p++) {
    if (ins.filter((c) => c.toPort === p).length !== 1) return at(`module '${m.name}' has replicas: its input ${p} takes one FromNet`);
    if (outs.filter((c) => c.fromPort === p).length !== 1) return at(`module '${m.name}' has replicas: its output ${p} goes to one ToNet`);
  }
  return { module: m };
}

/** A fresh group's record: `count` replicas, no rules yet. */
export function newBalanced(m: ProcessingModule): BalancedRecord {
  const r = m.replicas!;
  return { module: m.name, field: r.field, replicas: Array.from({ length: r.count }, (_, k) => replicaName(m.name, k + 1)), leaving: [], generation: -1, leaves: [] };
}

/**
 * The request placement and the installer see: the balanced module as one module per
 * replica (members, then those leaving), each with the module's connections.
 */
export function expandReplicas(req: AllocationRequest, b: BalancedRecord): AllocationRequest {
  const m = req.modules.find((x) => x.name === b.module);
  if (!m) return req;
  const names = [...b.replicas, ...b.leaving];
  const { replicas: _r, ...plain } = m;
  return {
    ...req,
    modules: names.map((name) => ({ ...plain, name })),
    connections: req.connections.flatMap((c) =>
      c.from === b.module || c.to === b.module ? names.map((name) => ({ ...c, from: c.from === b.module ? name : c.from, to: c.to === b.module ? name : c.to })) : [c],
    ),
  };
}

/** The group's members as the balancer's servers: capacities 1, the record keeps none (every replica is the same PM type). */
export const replicaServers = (b: BalancedRecord) => b.replicas.map((name) => ({ name, capacity: 1 }));

/** The recorded assignment over the members (an incremental run starts from it; the trigger measures against it), undefined before the first. */
export function recordedAssignment(b: BalancedRecord): Assignment | undefined {
  if (!b.leaves.length || !b.defaultServer) return undefined;
  const leaves: Leaf[] = b.leaves.map((l) => ({ prefix: parsePrefix(l.prefix), server: l.server, load: 0 }));
  return { defaultServer: b.defaultServer, leaves, servers: replicaServers(b).map((s) => ({ ...s, load: 0, share: 0 })), total: 0, maxImbalance: 1, imbalance: 1, met: true };
}

/** What a run balances: the learned estimate and the trigger's target (balanced-learning.ts), or uniform traffic at the balancer's default imbalance. */
export interface GroupTraffic {
  traffic?: Traffic;
  maxImbalance?: number;
  /**
   * Put the recorded assignment back as it is while its replicas are all members (restore_flows,
   * a failover's new vifs): a learned assignment is unbalanced under uniform traffic, and
   * only a change of members or a learned rebalance may move prefixes.
   */
  keep?: boolean;
}

/**
 * The group's outside ports and replica ports on the switch as it is now. The forward
 * port is where the FromNet into port 0 enters (its in_port; the rest of its match is
 * kept), the reverse port the ToNet out of port 0; a port 1 pair, if the request has
 * one, must be the same two ports the other way round. Replica vifs: one = a router on
 * a stick (VLAN-tagged directions), two = forward on vif 0, reverse on vif 1.
 */
export function groupPorts(req: AllocationRequest, b: BalancedRecord, modules: SteeredAllocation['modules'], ports: PortDesc[], uplinks: Readonly<Record<string, string>>): GroupPorts {
  const byName = new Map(ports.map((p) => [p.name, p.port]));
  const portOf = (name: string, what: string): number => {
    const n = /^\d+$/.test(name) ? Number(name) : byName.get(name);
    if (typeof n !== 'number') throw new FlowPlanError(`${what} '${name}' is not a port of the switch`);
    return n;
  };
  const first = b.replicas[0]!;
  const into = (p: number) => {
    const c = req.connections.find((x) => x.to === first && x.toPort === p)!;
    const f = req.fromNet.find((x) => x.name === c.from)!;
    let match;
    try {
      match = parseMatchText(f.value, (n) => {
        const x = byName.get(n);
        return typeof x === 'number' ? x : undefined;
      });
    } catch (e) {
      if (e instanceof MatchSyntaxError) throw new FlowPlanError(`FromNet '${f.name}': ${e.message}`);
      throw e;
    }
    if (match.inPort === undefined) throw new FlowPlanError(`FromNet '${f.name}' feeds a balanced module: its match names the port traffic enters at (in_port=...)`);
    const { inPort, ethType: _e, ...rest } = match;
    return { port: inPort, match: rest, name: f.name };
  };
  const outOf = (p: number) => {
    const c = req.connections.find((x) => x.from === first && x.fromPort === p)!;
    const t = req.toNet.find((x) => x.name === c.to)!;
    return portOf(t.value, `ToNet '${t.name}'`);
  };
  const fwd = into(0);
  const revPort = outOf(0);
  let revMatch = {};
  const m = req.modules.find((x) => x.name === first)!;
  if (m.inputs === 2) {
    const rev = into(1);
    if (rev.port !== revPort) throw new FlowPlanError(`FromNet '${rev.name}' into port 1 enters at port ${rev.port}; a balanced module's reverse traffic enters where its port 0 leads (${revPort})`);
    if (outOf(1) !== fwd.port) throw new FlowPlanError(`a balanced module's port 1 leads back where its forward traffic enters (port ${fwd.port})`);
    revMatch = rev.match;
  }
  const vifs = resolveModulePorts(
    modules.filter((x) => b.replicas.includes(x.module)),
    ports,
    uplinks,
  );
  const replicas: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(vifs)) {
    if (v.some((x) => typeof x !== 'number')) throw new FlowPlanError(`replica '${name}' is behind a host uplink: balanced groups take vifs on this switch only (README "Replicas")`);
    replicas[name] = v as number[];
  }
  return { field: b.field, forward: { port: fwd.port, match: fwd.match }, reverse: { port: revPort, match: revMatch }, replicas };
}

/**
 * Balances over the group's members now (uniform traffic, or the estimate learned from
 * the switch's samples when config balancer.learn is on), incrementally from the recorded assignment,
 * so a replica that comes or goes moves only what must move (controller/balancer/README.md
 * "Incremental runs"), and installs it as the group's next generation, make-before-break.
 * Updates `b` (generation, assignment) only once the switch took it; answers the flows.
 */
export async function installGroup(steering: Steering, groupId: number, b: BalancedRecord, ports: GroupPorts, learned: GroupTraffic = {}): Promise<number> {
  try {
    const previous = recordedAssignment(b);
    const kept = learned.keep && previous && b.replicas.includes(previous.defaultServer) && previous.leaves.every((l) => b.replicas.includes(l.server));
    const a = kept ? previous : balance(replicaServers(b), learned.traffic ?? Traffic.uniform(), { ...(previous ? { previous } : {}), ...(learned.maxImbalance !== undefined ? { maxImbalance: learned.maxImbalance } : {}) });
    const group = new SwitchGroup(steering, { group: groupId, generation: b.generation });
    // A switch replaces a flow of the same place whatever its cookie (as openflowd.ts install
    // refuses), and a flow of the same match in the group's other band would shadow it or
    // be shadowed: another allocation's or group's flow of the same table and match, at any
    // priority the group's generations use, refuses the install.
    const next = group.plan(a, ports);
    const [lo, hi] = group.priorities;
    const place = (f: Flow) => `${f.table}/${matchText(f.match)}`;
    const taken = new Map<string, bigint>();
    for (const f of await steering.flowPlaces()) if (cookieGroup(f.cookie) !== groupId && f.priority >= lo && f.priority <= hi) taken.set(`${f.table}/${f.match}`, f.cookie);
    for (const f of [...next.rules, ...next.migration]) {
      const owner = taken.get(place(f));
      if (owner !== undefined) throw new FlowPlanError(`flow table=${f.table},${matchText(f.match)} would meet the flow of cookie 0x${owner.toString(16)} (another allocation's or group's) at priorities ${lo}-${hi}: refused, nothing installed`);
    }
    const done = await group.install(a, ports);
    b.generation = done.generation;
    b.defaultServer = a.defaultServer;
    b.leaves = a.leaves.map((l) => ({ prefix: prefixText(l.prefix), server: l.server }));
    return done.rules.length;
  } catch (e) {
    if (e instanceof BalancerInputError) throw new FlowPlanError(e.message);
    throw e;
  }
}

/** Removes every flow the group may have on the switch: its generation, the one before (a delete that failed), the idle phase's. */
export async function removeGroup(steering: Steering, groupId: number, b: BalancedRecord): Promise<void> {
  if (b.generation < 0) return;
  await new SwitchGroup(steering, { group: groupId, generation: b.generation }).remove();
  if (b.generation > 0) await steering.deleteFlows(groupCookie(groupId, 'rules', b.generation - 1));
}

/** The cookie the group's rules carry now (reconciliation looks for it), or undefined before its first generation. */
export const groupRulesCookie = (groupId: number, b: BalancedRecord): bigint | undefined => (b.generation < 0 ? undefined : groupCookie(groupId, 'rules', b.generation));

/** Each member's prefixes (the default replica's leftovers included: every address is some replica's). */
export function prefixesByReplica(b: BalancedRecord): Map<string, string[]> {
  const out = new Map(b.replicas.map((r) => [r, [] as string[]]));
  for (const l of b.leaves) out.get(l.server)?.push(l.prefix);
  return out;
}
