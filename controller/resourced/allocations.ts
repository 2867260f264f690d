// Allocation records, written through to the controller's store (controller/store/) at
// every step: an allocation is reserved (state "installing", with its planned hosts)
// before its first create_pm, so a placement running meanwhile counts it as load; each
// PM is recorded "creating" before create_pm is sent; the state becomes "steering"
// before its flows go in and "installed" once they are; "deleting" is written before
// anything is removed, and the record goes with its last PM. A restarted resourced
// reads where each allocation stood and finishes or undoes it (reconcile.ts).
// The low-level API's PMs and connections (D3.2 §2.1.2) are records too, of kind "pm"
// and "connections", so they share the id space (ids are flow cookies), the store and
// reconciliation with whole allocations.
import { parseAllocation, type AllocationRequest } from '../../clickos-build/index.js';
import type { ControllerStore, StoredAllocation, StoredKind, StoredPm } from '../store/index.js';
import type { SteeredAllocation } from '../openflowd/steering.js';
import { expandReplicas, type BalancedRecord } from './replicas.js';

export type PmRecord = StoredPm;

export type AllocationState = StoredAllocation['state'];

export interface AllocationRecord {
  id: number;
  /** Absent or 'allocation': install_allocation's. */
  kind?: StoredKind;
  /** kind 'pm': the PM create_pm asked for. */
  pm?: { name: string; type: string; vifs: number };
  /** kind 'connections': where create_connections put its flows. */
  connections?: { switchName: string; table: number };
  /** The request text as submitted. */
  request: string;
  /** The request as placed and installed: a balanced module stands as its replicas (replicas.ts expandReplicas). */
  parsed: AllocationRequest;
  state: AllocationState;
  /** Where placement put each module (the plan; `pms` are those actually created). */
  planned: Map<string, string>;
  pms: PmRecord[];
  createdAt: string;
  /** Why the allocation is not whole (a PM missing at its host), from the last reconciliation. */
  degraded?: string;
  /** A module with replicas: its members and its group's rules (replicas.ts). */
  balanced?: BalancedRecord;
}

/** What openflowd needs to steer traffic: where each module runs and which vif carries which port. */
export interface FlowMap {
  id: number;
  fromNet: Array<{ name: string; match: string }>;
  toNet: Array<{ name: string; port: string }>;
  modules: Array<{ module: string; type: string; host: string; name: string; domid: number | null; vifs: Array<{ index: number; bridge: string; mac: string }> }>;
  /** Module ports map to vifs one to one: input/output port p of a module is its vif p. */
  connections: Array<{ from: string; fromPort: number; to: string; toPort: number }>;
}

/** Where the steering finds each module of an allocation whose PMs were created (openflowd/steering.ts). */
export const steeredModules = (a: AllocationRecord): SteeredAllocation['modules'] =>
  a.pms.map((p) => ({
    module: p.module,
    host: p.host,
    domid: p.domid!,
    vifs: p.vifs.length,
    ...(p.vifs.every((v) => v.vlan !== undefined) && p.vifs.length ? { vlans: p.vifs.map((v) => v.vlan!) } : {}),
  }));

const toStored = (a: AllocationRecord): StoredAllocation => ({
  id: a.id,
  ...(a.kind && a.kind !== 'allocation' ? { kind: a.kind } : {}),
  ...(a.pm ? { pm: a.pm } : {}),
  ...(a.connections ? { connections: a.connections } : {}),
  request: a.request,
  state: a.state,
  planned: Object.fromEntries(a.planned),
  pms: a.pms,
  createdAt: a.createdAt,
  ...(a.degraded ? { degraded: a.degraded } : {}),
  ...(a.balanced ? { balanced: a.balanced } : {}),
});

/**
 * The one-module request a low-level PM stands for: no FromNet/ToNet, no connections
 * (which parseAllocation refuses), `vifs` ports in and out, so placement counts it and
 * the installer gives it that many vifs.
 */
export function pmRequest(pm: { name: string; type: string; vifs: number }, baseSystem: string): AllocationRequest {
  const pos = { line: 1, col: 1 };
  return { header: { BASESYS: baseSystem }, baseSystem, fromNet: [], toNet: [], connections: [], modules: [{ name: pm.name, type: pm.type, config: '', args: [], inputs: pm.vifs, outputs: pm.vifs, pos }] };
}

/** A stored allocation as resourced works with it; its request was accepted once, so it parses again. */
export const fromStored = (s: StoredAllocation): AllocationRecord => ({
  ...s,
  parsed: s.pm ? pmRequest(s.pm, 'xen.clickos') : s.balanced ? expandReplicas(parseAllocation(s.request, 'allocation'), s.balanced) : parseAllocation(s.request, 'allocation'),
  planned: new Map(Object.entries(s.planned)),
});

export class AllocationStore {
  private readonly records = new Map<number, AllocationRecord>();
  /** Every id below this was issued once (ids, and so flow cookies, are never reused). */
  issuedBelow = 1;

  constructor(private readonly store: ControllerStore) {}

  /** Takes in what the store holds (at start; on a follower before each read), replacing what was here. */
  restore(records: AllocationRecord[], nextId: number): void {
    this.records.clear();
    for (const r of records) this.records.set(r.id, r);
    this.issuedBelow = nextId;
  }

  /** `low`: a low-level record's kind and what it holds (create_pm's PM, create_connections' switch). */
  async reserve(
    request: string,
    parsed: AllocationRequest,
    planned: Map<string, string>,
    low: Pick<AllocationRecord, 'pm' | 'connections' | 'balanced'> & { kind?: StoredKind; state?: AllocationState } = {},
  ): Promise<AllocationRecord> {
    const { kind = 'allocation', state = 'installing', ...held } = low;
    const s = await this.store.reserveAllocation({ kind, ...held, request, state, planned: Object.fromEntries(planned), pms: [], createdAt: new Date().toISOString() });
    const rec: AllocationRecord = { ...s, kind, parsed, planned };
    this.records.set(rec.id, rec);
    this.issuedBelow = Math.max(this.issuedBelow, rec.id + 1);
    return rec;
  }

  /** Writes the record as it stands; called before acting on the step it names. */
  save(rec: AllocationRecord): Promise<void> {
    return this.store.putAllocation(toStored(rec));
  }

  get(id: number): AllocationRecord | undefined {
    return this.records.get(id);
  }

  async forget(id: number): Promise<void> {
    await this.store.deleteAllocation(id);
    this.records.delete(id);
  }

  list(): AllocationRecord[] {
    return [...this.records.values()].sort((a, b) => a.id - b.id);
  }
}

/** The module → host/vif mapping of one allocation, for openflowd. */
export function flowMap(a: AllocationRecord): FlowMap {
  return {
    id: a.id,
    fromNet: a.parsed.fromNet.map((f) => ({ name: f.name, match: f.value })),
    toNet: a.parsed.toNet.map((t) => ({ name: t.name, port: t.value })),
    modules: a.pms.map((p) => ({ module: p.module, type: p.type, host: p.host, name: p.name, domid: p.domid, vifs: p.vifs.map((v, index) => ({ index, ...v })) })),
    connections: a.parsed.connections.map((c) => ({ from: c.from, fromPort: c.fromPort, to: c.to, toPort: c.toPort })),
  };
}
