// Errors of the ClickOS guest layer, each saying what to do next.
export class GuestError extends Error {
  override name = 'GuestError';
}

/** The guest did not answer in time (no `data/clickos`, no handler reply). */
export class GuestTimeoutError extends GuestError {
  override name = 'GuestTimeoutError';
}

/** The guest said on its console that the Click configuration failed to initialise. */
export class RouterInitError extends GuestError {
  override name = 'RouterInitError';
  constructor(
    readonly domid: number,
    readonly rid: number,
    readonly consoleLines: string[],
  ) {
    super(`router ${rid} of domain ${domid} failed to initialise:\n${consoleLines.join('\n')}`);
  }
}

/** The domain went away (crashed, destroyed) while we were working with it. */
export class GuestDiedError extends GuestError {
  override name = 'GuestDiedError';
}
