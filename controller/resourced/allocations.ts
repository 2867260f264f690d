// Allocation records. An allocation is reserved (state "installing", with its planned
// hosts) before its first create_pm, so a placement running meanwhile counts it as
// load; it becomes "installed" once every PM runs, and is forgotten when its last PM
// is deleted (or when an install fails and is rolled back).
import type { AllocationRequest } from '../../clickos-build/index.js';

export interface PmRecord {
  module: string;
  type: string;
  host: string;
  /** Null until create_pm answered. */
  domid: number | null;
  name: string;
  /** The vifs asked for, in order: vif i of the guest is device i (FromDevice(i)/ToDevice(i)). */
  vifs: Array<{ bridge: string; mac: string }>;
}

export type AllocationState = 'installing' | 'installed' | 'deleting';

export interface AllocationRecord {
  id: number;
  /** The request text as submitted. */
  request: string;
  parsed: AllocationRequest;
  state: AllocationState;
  /** Where placement put each module (the plan; `pms` are those actually created). */
  planned: Map<string, string>;
  pms: PmRecord[];
  createdAt: string;
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

export class AllocationStore {
  private readonly records = new Map<number, AllocationRecord>();
  private nextId = 1;

  reserve(request: string, parsed: AllocationRequest, planned: Map<string, string>): AllocationRecord {
    const rec: AllocationRecord = { id: this.nextId++, request, parsed, state: 'installing', planned, pms: [], createdAt: new Date().toISOString() };
    this.records.set(rec.id, rec);
    return rec;
  }

  get(id: number): AllocationRecord | undefined {
    return this.records.get(id);
  }

  forget(id: number): void {
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
