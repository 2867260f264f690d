// Calls to a module host's hostd, through hostd's API (hostd/api.ts): arguments typed
// by its schemas, a success's value checked against the method's result schema.
// create_pm and delete_pm are tasks: the first reply is CODE_NOT_READY with a task id,
// polled with task.status until it settles. Every way a call can go wrong (fault, HTTP
// error, network, timeout, a reply that breaks the API) ends as a CODE_FAILURE
// ReturnValue whose message says what happened, so the installer handles one shape.
import { XmlRpcClient, callApi, checkReply, errorOf, fail, type ArgOf, type Failure, type Pending, type Reply, type ResultOf, type ReturnValue } from '../../daemon/index.js';
import { hostdApi, type HostdApi, type HostdError } from '../../hostd/api.js';

export interface HostdCallOptions {
  callTimeoutMs: number;
  taskTimeoutMs: number;
  pollMs: number;
}

type Methods = HostdApi['methods'];
type TaskName = { [K in keyof Methods]: Methods[K]['kind'] extends 'task' ? K : never }[keyof Methods];

/** A failure of our own making (no answer, timeout), not hostd's: the task may still be running at the host. */
const TRANSPORT = 'transport';

export class HostdClient {
  private readonly client: XmlRpcClient;

  constructor(
    readonly url: string,
    secret: string,
    private readonly o: HostdCallOptions,
  ) {
    this.client = new XmlRpcClient({ url, secret, timeoutMs: o.callTimeoutMs });
  }

  /** One call: its checked reply, or a transport failure describing why there is none. */
  async command<K extends keyof Methods & string>(method: K, arg: ArgOf<Methods[K]>): Promise<Reply<ResultOf<Methods[K]>> | Pending> {
    try {
      return await callApi(this.client, hostdApi, method, ...([arg] as [ArgOf<Methods[K]>]));
    } catch (e) {
      return transportFailure(`${method} at ${this.url}: ${(e as Error).message}`);
    }
  }

  /**
   * A task, run to completion: its final reply. A transport failure carries value
   * {error: "transport", taskId?}: the task may still be running at the host, which a
   * rollback must take into account.
   */
  async task<K extends TaskName & string>(method: K, arg: ArgOf<Methods[K]>): Promise<Reply<ResultOf<Methods[K]>>> {
    const rv = await this.command(method, arg);
    if (rv.code !== -1) return rv;
    if (typeof rv.value !== 'string') return fail(`${method}: not-ready reply without a task id`);
    return this.settle(method, rv.value);
  }

  /** Polls task `id` until it settles or taskTimeoutMs passes (then a transport failure carrying {taskId}). */
  async settle<K extends TaskName & string>(method: K, id: string): Promise<Reply<ResultOf<Methods[K]>>> {
    const end = Date.now() + this.o.taskTimeoutMs;
    for (;;) {
      let rv: Reply<ResultOf<Methods[K]>> | Pending;
      try {
        rv = checkReply(hostdApi, method, await this.client.call('task.status', id));
      } catch (e) {
        rv = transportFailure(`task.status at ${this.url}: ${(e as Error).message}`);
      }
      if (rv.code !== -1 && !isTransportFailure(rv)) return rv;
      if (Date.now() > end) return transportFailure(`${method}: task ${id} at ${this.url} not finished after ${this.o.taskTimeoutMs / 1000} s`, id);
      await new Promise((r) => setTimeout(r, this.o.pollMs));
    }
  }

  close(): void {
    this.client.close();
  }
}

function transportFailure(message: string, taskId?: string): Failure {
  return fail(message, { error: TRANSPORT, ...(taskId ? { taskId } : {}) });
}

/** True when a failed ReturnValue came from us (transport, timeout) rather than from hostd. */
export function isTransportFailure(rv: ReturnValue): boolean {
  return errorOf(rv) === TRANSPORT;
}

/** True when hostd failed with this error code. */
export function isHostdError(rv: ReturnValue, error: HostdError): boolean {
  return errorOf(rv) === error;
}
