export * from './contract.js';
export { MemoryStore } from './memory.js';
export { SqliteStore, MIGRATIONS } from './sqlite.js';
export { openStore, type StoreConfig } from './open.js';
export { SOLE_LEADER, EtcdLeadership, ELECTION, type Leadership } from './leadership.js';
// etcd.ts is loaded by openStore only when asked for: the etcd3 client is hundreds of modules.
