// What resourced keeps across restarts (docs/controller-store.md): deployed PM types,
// known hosts, and each allocation with its steps. One contract, three stores: memory
// (tests; lost on exit), SQLite (the default, one machine), etcd (replicated controllers).
// Every write resolves only once it is durable in that store, so resourced writes a step
// before acting on it and a crash at any point leaves a record of what may exist.

/** install: reserved → PMs created one by one → flows → installed; delete: deleting → gone. */
export type StoredAllocationState = 'installing' | 'steering' | 'installed' | 'deleting';

export interface StoredPm {
  module: string;
  type: string;
  host: string;
  name: string;
  /** Null while create_pm has not answered: the PM may or may not exist at its host. */
  domid: number | null;
  /** `creating` is written before create_pm is sent; `created` once it answered. */
  status: 'creating' | 'created';
  /** vlan: set on a host behind a switch uplink, where the vif is an access port of that VLAN (docs/two-host-lab.md). */
  vifs: Array<{ bridge: string; mac: string; vlan?: number }>;
}

/**
 * What a record holds: an allocation of install_allocation (the default), one PM of the
 * low-level create_pm, or the flows of one create_connections (D3.2 §2.1.2,
 * controller/resourced/README.md "Low-level API").
 */
export type StoredKind = 'allocation' | 'pm' | 'connections';

export interface StoredAllocation {
  id: number;
  /** Absent: 'allocation' (records written before the low-level API). */
  kind?: StoredKind;
  /** kind 'pm': its module name, type and number of vifs (`request` is only a description then). */
  pm?: { name: string; type: string; vifs: number };
  /** kind 'connections': the switch and table create_connections named. */
  connections?: { switchName: string; table: number };
  /** The request text as submitted (parsed again on load). */
  request: string;
  state: StoredAllocationState;
  /** module → host, as placement decided. */
  planned: Record<string, string>;
  pms: StoredPm[];
  createdAt: string;
  /** Set when a reconciliation found a recorded PM missing at its host. */
  degraded?: string;
  /** A balanced module's replicas and its group's rules (controller/resourced/replicas.ts). */
  balanced?: StoredBalanced;
}

/**
 * A module asked for with replicas (`n :: NAT() x 4 by src`): its replicas are modules
 * `n#<slot>`, each a PM; the balancer's group (id = the allocation id) splits the
 * traffic between them by prefix rules (controller/balancer/README.md).
 */
export interface StoredBalanced {
  /** the module as the request names it */
  module: string;
  field: 'src' | 'dst';
  /** the group's members, `n#<slot>` */
  replicas: string[];
  /** replicas taken out of the group whose PM could not be deleted yet (delete_allocation retries them) */
  leaving: string[];
  /** the group's generation on the switch, -1 before its first */
  generation: number;
  /** the last assignment: the default replica and every leaf (a.b.c.d/len) with its replica */
  defaultServer?: string;
  leaves: Array<{ prefix: string; server: string }>;
}

export interface StoredType {
  name: string;
  description: string;
  cpu: number;
  memoryMiB: number;
  src: string;
  deployedAt: string;
}

export interface StoredHost {
  id: string;
  url: string;
  registeredAt: string;
}

/** Everything a store holds, as loaded at start. */
export interface StoreSnapshot {
  allocations: StoredAllocation[];
  types: StoredType[];
  hosts: StoredHost[];
  /** The next allocation id: ids (and so flow cookies) are never reused. */
  nextAllocationId: number;
}

export interface ControllerStore {
  /** `memory`, `sqlite:<path>` or `etcd:<endpoints>`, for logs. */
  readonly description: string;
  load(): Promise<StoreSnapshot>;
  /** Takes the next allocation id and writes the allocation, in one durable step. */
  reserveAllocation(a: Omit<StoredAllocation, 'id'>): Promise<StoredAllocation>;
  putAllocation(a: StoredAllocation): Promise<void>;
  deleteAllocation(id: number): Promise<void>;
  putType(t: StoredType): Promise<void>;
  putHost(h: StoredHost): Promise<void>;
  close(): Promise<void>;
}

/** One error base for the stores: a store that cannot be opened, read or written. */
export class StoreError extends Error {
  override name = 'StoreError';
}
