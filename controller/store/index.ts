export * from './contract.js';
export { MemoryStore } from './memory.js';
export { SqliteStore, MIGRATIONS } from './sqlite.js';
export { openStore, type StoreConfig } from './open.js';
