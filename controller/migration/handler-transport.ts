// How freeze-and-copy reaches a replica's handlers: the shape of hostd's read_handler /
// write_handler ({pm, rid, element, handler[, value]}, hostd/api.ts), so the controller can
// copy between replicas on one host or two. hostdTransport is the real one; a test's
// stand-in must say it is one (test/support/click-handlers-standin.ts).
import { callApi, type XmlRpcClient } from '../../daemon/index.js';
import { hostdApi } from '../../hostd/api.js';

/** A router on a processing module: hostd's pm (domid or name) and the router id. */
export interface RouterRef {
  pm: number | string;
  rid: number;
}

export interface HandlerRef extends RouterRef {
  element: string;
  handler: string;
}

export interface HandlerTransport {
  read_handler(ref: HandlerRef): Promise<string>;
  write_handler(ref: HandlerRef & { value: string }): Promise<void>;
}

/** A handler call that failed, with hostd's message. */
export class HandlerCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerCallError';
  }
}

/** hostd's read_handler and write_handler, as a transport. */
export function hostdTransport(client: XmlRpcClient): HandlerTransport {
  const where = (r: HandlerRef) => `${r.element}.${r.handler} on pm ${r.pm} router ${r.rid}`;
  return {
    async read_handler(ref) {
      const rv = await callApi(client, hostdApi, 'read_handler', { pm: ref.pm, rid: ref.rid, element: ref.element, handler: ref.handler });
      if (rv.code !== 0) throw new HandlerCallError(`read ${where(ref)}: ${rv.message ?? 'failed'}`);
      return rv.value as string;
    },
    async write_handler(ref) {
      const rv = await callApi(client, hostdApi, 'write_handler', { pm: ref.pm, rid: ref.rid, element: ref.element, handler: ref.handler, value: ref.value });
      if (rv.code !== 0) throw new HandlerCallError(`write ${where(ref)}: ${rv.message ?? 'failed'}`);
    },
  };
}
