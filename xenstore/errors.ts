// Errors the XenStore client throws. Each says what failed and where.

/** The daemon answered ERROR: `errno` is its name (ENOENT, EACCES, EAGAIN, ...). */
export class XenStoreError extends Error {
  override name = 'XenStoreError';
  constructor(
    readonly errno: string,
    readonly op: string,
    readonly path?: string,
  ) {
    super(`${op}${path !== undefined ? ` ${path}` : ''}: ${errno}${HINTS[errno] ? ` (${HINTS[errno]})` : ''}`);
  }
}

const HINTS: Record<string, string> = {
  ENOENT: 'no such node',
  EACCES: 'permission denied by the node permissions',
  EAGAIN: 'transaction conflict: retry it',
  E2BIG: 'too large for one message',
  EQUOTA: 'a xenstored quota was exceeded',
  EINVAL: 'invalid argument',
  EEXIST: 'already exists',
  ENOSYS: 'not supported by this xenstored',
};

/** Refused before sending: the request would break the protocol's limits. */
export class XenStoreArgumentError extends Error {
  override name = 'XenStoreArgumentError';
}

/** The connection is gone: every pending call and every watch ends with this. */
export class XenStoreConnectionError extends Error {
  override name = 'XenStoreConnectionError';
}

/** `transaction()` gave up after its attempts all ended in EAGAIN. */
export class TransactionRetryError extends Error {
  override name = 'TransactionRetryError';
  constructor(readonly attempts: number) {
    super(`transaction still conflicting (EAGAIN) after ${attempts} attempts`);
  }
}
