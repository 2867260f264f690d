// Keeps the latest PlatformView while someone watches: polls every config.pollMs when at
// least one page is subscribed (nobody watching, nobody polled), at once on request
// (after an action), one poll at a time.
import { buildView, type PlatformView } from './view.js';
import type { PlatformLinks } from './links.js';

export class Poller {
  latest: PlatformView | null = null;
  private readonly subscribers = new Set<(v: PlatformView) => void>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PlatformView> | null = null;

  constructor(
    private readonly links: PlatformLinks,
    private readonly pollMs: number,
    private readonly log: (m: string) => void,
  ) {}

  /** Polls now (joining a poll already running) and tells every subscriber. */
  poll(): Promise<PlatformView> {
    this.running ??= buildView(this.links, this.pollMs)
      .then((v) => {
        this.latest = v;
        for (const s of this.subscribers) s(v);
        return v;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  subscribe(fn: (v: PlatformView) => void): () => void {
    this.subscribers.add(fn);
    if (this.latest) fn(this.latest);
    if (!this.timer) {
      void this.poll().catch((e: Error) => this.log(`poll: ${e.message}`));
      this.timer = setInterval(() => void this.poll().catch((e: Error) => this.log(`poll: ${e.message}`)), this.pollMs);
    }
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
