// A watch as an async iterator of events. Events queue until read; a lost
// connection ends the iteration with its error; close() unregisters.
import type { WatchSubscriber } from './router.js';

export interface WatchEvent {
  /** The node that changed (or @introduceDomain / @releaseDomain). */
  path: string;
  token: string;
}

export class Watch implements AsyncIterable<WatchEvent>, WatchSubscriber {
  private readonly queue: WatchEvent[] = [];
  /** Pending next() calls, oldest first (a caller may race next() against a timer). */
  private readonly waiting: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: Error) => void }[] = [];
  private ended = false;
  private error: Error | undefined;

  constructor(
    readonly path: string,
    readonly token: string,
    private readonly unregister: () => Promise<void>,
  ) {}

  event(path: string, token: string): void {
    if (this.ended) return;
    const ev = { path, token };
    const w = this.waiting.shift();
    if (w) w.resolve({ value: ev, done: false });
    else this.queue.push(ev);
  }

  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    for (const w of this.waiting.splice(0)) err ? w.reject(err) : w.resolve({ value: undefined, done: true });
  }

  /**
   * The next event; rejects if the connection is lost, resolves done after close().
   * With timeoutMs, resolves 'timeout' when none comes in time and withdraws its place in
   * the queue of waiters: a waiter left behind would swallow the next event.
   */
  next(): Promise<IteratorResult<WatchEvent>>;
  next(timeoutMs: number): Promise<IteratorResult<WatchEvent> | 'timeout'>;
  next(timeoutMs?: number): Promise<IteratorResult<WatchEvent> | 'timeout'> {
    const ev = this.queue.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.ended) return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (r: IteratorResult<WatchEvent>) => {
          if (timer) clearTimeout(timer);
          resolve(r);
        },
        reject: (e: Error) => {
          if (timer) clearTimeout(timer);
          reject(e);
        },
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              const i = this.waiting.indexOf(waiter);
              if (i >= 0) this.waiting.splice(i, 1);
              resolve('timeout');
            }, Math.max(0, timeoutMs));
      this.waiting.push(waiter);
    });
  }

  /** Removes the watch from xenstored (UNWATCH) and ends the iteration. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.end();
    await this.unregister();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.next() as Promise<IteratorResult<WatchEvent>>,
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
