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
  private waiting: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: Error) => void } | undefined;
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
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value: ev, done: false });
    } else this.queue.push(ev);
  }

  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    const w = this.waiting;
    this.waiting = undefined;
    if (w) err ? w.reject(err) : w.resolve({ value: undefined, done: true });
  }

  /** The next event; rejects if the connection is lost, resolves done after close(). */
  next(): Promise<IteratorResult<WatchEvent>> {
    const ev = this.queue.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.ended) return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    if (this.waiting) return Promise.reject(new Error('Watch.next() called while another next() is pending'));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Removes the watch from xenstored (UNWATCH) and ends the iteration. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.end();
    await this.unregister();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
