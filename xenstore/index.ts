export { XenStore, Transaction, NodeOps, checkPath, type ConnectOptions, type TransactionOptions } from './client.js';
export { Watch, type WatchEvent } from './watch.js';
export { XenStoreError, XenStoreArgumentError, XenStoreConnectionError, TransactionRetryError } from './errors.js';
export { type Permission, type Access } from './permissions.js';
export { connectSocket, connectXenbus, type Connection } from './connection.js';
