// Opens the store resourced's config names (controller/resourced/config.ts `store`).
import type { ControllerStore } from './contract.js';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';

export type StoreConfig = { kind: 'memory' } | { kind: 'sqlite'; path: string };

export const DEFAULT_STORE_PATH = '/var/lib/clickos/resourced.db';

export function openStore(c: StoreConfig): ControllerStore {
  return c.kind === 'memory' ? new MemoryStore() : new SqliteStore(c.path);
}
