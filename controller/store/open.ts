// Opens the store resourced's config names (controller/resourced/config.ts `store`).
import type { ControllerStore } from './contract.js';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';

export type StoreConfig = { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'etcd'; endpoints: string[]; leaseSeconds: number };

export const DEFAULT_STORE_PATH = '/var/lib/clickos/resourced.db';

export async function openStore(c: StoreConfig): Promise<ControllerStore> {
  if (c.kind === 'memory') return new MemoryStore();
  if (c.kind === 'sqlite') return new SqliteStore(c.path);
  const { EtcdStore } = await import('./etcd.js');
  return new EtcdStore(c.endpoints);
}
