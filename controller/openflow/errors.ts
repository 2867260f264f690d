// Every error the OpenFlow code throws derives from OpenFlowBaseError, so a caller (and
// the channel's receive path) can tell "the switch or its bytes were at fault" from a
// bug in one instanceof test.
import type { Flow } from './model.js';

export class OpenFlowBaseError extends Error {
  override name = 'OpenFlowBaseError';
}

/** Bytes that are not a well-formed OpenFlow 1.3 message (or one this controller cannot read). */
export class OpenFlowDecodeError extends OpenFlowBaseError {
  override name = 'OpenFlowDecodeError';
}

/** The switch refused a request; `flow` names the flow when it was a flow_mod. */
export class OpenFlowError extends OpenFlowBaseError {
  override name = 'OpenFlowError';
  constructor(message: string, readonly type: number, readonly code: number, readonly flow?: Flow) {
    super(message);
  }
}

/** The connection to the switch is gone (or never came): pending requests end with this. */
export class ChannelClosedError extends OpenFlowBaseError {
  override name = 'ChannelClosedError';
}

/** A flow the native OpenFlow 1.3 encoder cannot say (conntrack is a Nicira extension: model.ts CONNTRACK). */
export class OpenFlowUnsupportedError extends OpenFlowBaseError {
  override name = 'OpenFlowUnsupportedError';
}
