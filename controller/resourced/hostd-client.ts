// Calls to a module host's hostd (its XML-RPC: hostd/README.md). create_pm and
// delete_pm are tasks: the first reply is CODE_NOT_READY with a task id, polled with
// task.status until it settles. Every way a call can go wrong (fault, HTTP error,
// network, timeout, a reply that is not a ReturnValue) ends as a CODE_FAILURE
// ReturnValue whose message says what happened, so the installer handles one shape.
import { XmlRpcClient, fail, isReturnValue, type Encodable, type ReturnValue } from '../../daemon/index.js';

export interface HostdCallOptions {
  callTimeoutMs: number;
  taskTimeoutMs: number;
  pollMs: number;
}

export class HostdClient {
  private readonly client: XmlRpcClient;

  constructor(
    readonly url: string,
    secret: string,
    private readonly o: HostdCallOptions,
  ) {
    this.client = new XmlRpcClient({ url, secret, timeoutMs: o.callTimeoutMs });
  }

  /** A command: its ReturnValue, or a failure describing why there is none. */
  async command(method: string, arg?: Encodable): Promise<ReturnValue> {
    try {
      const rv = await (arg === undefined ? this.client.call(method) : this.client.call(method, arg));
      return isReturnValue(rv) ? rv : fail(`${method}: the reply is not a ReturnValue`);
    } catch (e) {
      return fail(`${method} at ${this.url}: ${(e as Error).message}`, { transport: true });
    }
  }

  /**
   * A task, run to completion: its final ReturnValue. A failure of our own making (no
   * answer, timeout) carries value {transport: true}: the task may still be running at
   * the host, which a rollback must take into account.
   */
  async task(method: string, arg: Encodable): Promise<ReturnValue> {
    const rv = await this.command(method, arg);
    if (rv.code !== -1) return rv;
    if (typeof rv.value !== 'string') return fail(`${method}: not-ready reply without a task id`);
    return this.settle(method, rv.value);
  }

  /** Polls task `id` until it settles or taskTimeoutMs passes (then a transport failure carrying {taskId}). */
  async settle(method: string, id: string): Promise<ReturnValue> {
    const end = Date.now() + this.o.taskTimeoutMs;
    for (;;) {
      const rv = await this.command('task.status', id);
      if (rv.code !== -1 && !(rv.code === 1 && isTransportFailure(rv))) return rv;
      if (Date.now() > end) return fail(`${method}: task ${id} at ${this.url} not finished after ${this.o.taskTimeoutMs / 1000} s`, { transport: true, taskId: id });
      await new Promise((r) => setTimeout(r, this.o.pollMs));
    }
  }

  close(): void {
    this.client.close();
  }
}

/** True when a failed ReturnValue came from us (transport, timeout) rather than from hostd. */
export function isTransportFailure(rv: ReturnValue): boolean {
  return rv.code === 1 && rv.value !== null && typeof rv.value === 'object' && (rv.value as Record<string, unknown>).transport === true;
}
