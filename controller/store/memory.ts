// The memory store: the contract without durability, for tests and `store: {kind: "memory"}`.
// A restart forgets everything (the state resourced had before the durable stores).
import type { ControllerStore, StoreSnapshot, StoredAllocation, StoredHost, StoredType } from './contract.js';

const copy = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements ControllerStore {
  readonly description = 'memory (lost when resourced stops)';
  private readonly allocations = new Map<number, StoredAllocation>();
  private readonly types = new Map<string, StoredType>();
  private readonly hosts = new Map<string, StoredHost>();
  private nextId = 1;

  async load(): Promise<StoreSnapshot> {
    return copy({
      allocations: [...this.allocations.values()].sort((a, b) => a.id - b.id),
      types: [...this.types.values()],
      hosts: [...this.hosts.values()],
      nextAllocationId: this.nextId,
    });
  }

  async reserveAllocation(a: Omit<StoredAllocation, 'id'>): Promise<StoredAllocation> {
    const rec = { ...copy(a), id: this.nextId++ };
    this.allocations.set(rec.id, rec);
    return copy(rec);
  }

  async putAllocation(a: StoredAllocation): Promise<void> {
    this.allocations.set(a.id, copy(a));
  }

  async deleteAllocation(id: number): Promise<void> {
    this.allocations.delete(id);
  }

  async putType(t: StoredType): Promise<void> {
    this.types.set(t.name, copy(t));
  }

  async putHost(h: StoredHost): Promise<void> {
    this.hosts.set(h.id, copy(h));
  }

  async close(): Promise<void> {}
}
