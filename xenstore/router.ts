// Matches replies to requests by req_id (they may come back out of order) and
// hands watch events to their subscribers by token, over one connection.
import type { Connection } from './connection.js';
import { Op, setRequestId, type Packet } from './wire.js';
import { XenStoreConnectionError } from './errors.js';

/** A call waiting for its reply. */
class Pending<T> {
  constructor(
    /** Turns the reply into the caller's value (or throws): run as the reply arrives, so a call costs one promise. */
    private readonly map: (p: Packet) => T,
    private readonly resolve: (v: T) => void,
    readonly reject: (e: Error) => void,
  ) {}

  settle(p: Packet): void {
    try {
      this.resolve(this.map(p));
    } catch (e) {
      this.reject(e as Error);
    }
  }
}

export interface WatchSubscriber {
  event(path: string, token: string): void;
  end(err?: Error): void;
}

export class Router {
  private readonly pending = new Map<number, Pending<unknown>>();
  private readonly watches = new Map<string, WatchSubscriber>();
  private nextId = 1;
  private closedWith: Error | undefined;
  /** Replies that matched no request (a daemon bug, or a request we gave up on). */
  unmatchedReplies = 0;

  constructor(private readonly conn: Connection) {
    conn.onPacket = (p) => this.dispatch(p);
    conn.onClose = (err) => this.shutdown(err ?? new XenStoreConnectionError(`connection to ${conn.description} closed`));
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /**
   * Sends a request made by wire.frame (its req_id is set here); resolves with
   * `map(reply)` (ERROR replies included: `map` decides), or rejects with what
   * `map` throws.
   */
  request<T>(frame: Buffer, map: (p: Packet) => T): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    let id = this.nextId;
    while (this.pending.has(id)) id = (id + 1) >>> 0;
    this.nextId = (id + 1) >>> 0;
    setRequestId(frame, id);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, new Pending(map, resolve, reject) as Pending<unknown>);
      this.conn.send(frame);
    });
  }

  subscribe(token: string, sub: WatchSubscriber): void {
    this.watches.set(token, sub);
  }

  unsubscribe(token: string): void {
    this.watches.delete(token);
  }

  private dispatch(p: Packet): void {
    if (p.type === Op.WATCH_EVENT) {
      const [path, token] = p.payload.toString('utf8').split('\0');
      if (path !== undefined && token !== undefined) this.watches.get(token)?.event(path, token);
      return;
    }
    const waiter = this.pending.get(p.reqId);
    if (!waiter) {
      this.unmatchedReplies++;
      return;
    }
    this.pending.delete(p.reqId);
    waiter.settle(p);
  }

  /** Rejects every pending call and ends every watch with `err`. */
  private shutdown(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
    for (const s of this.watches.values()) s.end(err);
    this.watches.clear();
  }

  close(): void {
    this.shutdown(new XenStoreConnectionError('the XenStore client was closed'));
    this.conn.close();
  }
}
