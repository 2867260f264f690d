// The etcd store, for a controller replicated over several machines (docs/controller-store.md):
// state under one key prefix of an etcd cluster through the etcd3 client, so any
// resourced instance can take over; a write returns once etcd's quorum has it. Allocation
// ids come from a counter key bumped in the same transaction that writes the allocation,
// compared on its revision, so two instances never hand out one id.
import { Etcd3, type Namespace } from 'etcd3';
import { StoreError, type ControllerStore, type StoreSnapshot, type StoredAllocation, type StoredHost, type StoredType } from './contract.js';

export const ETCD_PREFIX = '/clickos/resourced/';
const COUNTER = 'counter/next_allocation_id';
/** Zero-padded so that etcd's key order is id order. */
const allocKey = (id: number): string => `alloc/${String(id).padStart(12, '0')}`;

export class EtcdStore implements ControllerStore {
  readonly description: string;
  readonly client: Etcd3;
  private readonly ns: Namespace;

  constructor(readonly endpoints: string[], o: { prefix?: string; timeoutMs?: number } = {}) {
    if (endpoints.length === 0) throw new StoreError('the etcd store needs at least one endpoint');
    this.description = `etcd:${endpoints.join(',')}`;
    this.client = new Etcd3({ hosts: endpoints, dialTimeout: o.timeoutMs ?? 5000, defaultCallOptions: () => ({ deadline: Date.now() + (o.timeoutMs ?? 10_000) }) });
    this.ns = this.client.namespace(o.prefix ?? ETCD_PREFIX);
  }

  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new StoreError(`etcd ${what} (${this.endpoints.join(',')}): ${(e as Error).message}`);
    }
  }

  private async all<T>(prefix: string): Promise<T[]> {
    const kv = await this.ns.getAll().prefix(prefix).sort('Key', 'Ascend').strings();
    return Object.values(kv).map((v) => JSON.parse(v) as T);
  }

  load(): Promise<StoreSnapshot> {
    return this.guard('load', async () => ({
      allocations: (await this.all<StoredAllocation>('alloc/')).sort((a, b) => a.id - b.id),
      types: await this.all<StoredType>('type/'),
      hosts: await this.all<StoredHost>('host/'),
      nextAllocationId: Number((await this.ns.get(COUNTER).string()) ?? 1),
    }));
  }

  reserveAllocation(a: Omit<StoredAllocation, 'id'>): Promise<StoredAllocation> {
    return this.guard('reserve', async () => {
      for (;;) {
        const res = await this.ns.get(COUNTER).exec();
        const kv = res.kvs[0];
        const id = kv ? Number(kv.value.toString()) : 1;
        const rec: StoredAllocation = { ...a, id };
        // Written only if nobody bumped the counter since we read it (mod_revision 0: absent).
        const txn = await this.ns
          .if(COUNTER, 'Mod', '==', kv ? Number(kv.mod_revision) : 0)
          .then(this.ns.put(COUNTER).value(String(id + 1)), this.ns.put(allocKey(id)).value(JSON.stringify(rec)))
          .commit();
        if (txn.succeeded) return rec;
      }
    });
  }

  putAllocation(a: StoredAllocation): Promise<void> {
    return this.guard('put', async () => void (await this.ns.put(allocKey(a.id)).value(JSON.stringify(a))));
  }

  deleteAllocation(id: number): Promise<void> {
    return this.guard('delete', async () => void (await this.ns.delete().key(allocKey(id))));
  }

  putType(t: StoredType): Promise<void> {
    return this.guard('put', async () => void (await this.ns.put(`type/${t.name}`).value(JSON.stringify(t))));
  }

  putHost(h: StoredHost): Promise<void> {
    return this.guard('put', async () => void (await this.ns.put(`host/${h.id}`).value(JSON.stringify(h))));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
