// Keeps the latest PlatformView while someone watches: polls config.pollMs after the
// previous poll ended while at least one page is subscribed (nobody watching, nobody
// polled), at once on request (after an action), one poll at a time.
import { buildView, type PlatformView } from './view.js';
import type { PlatformLinks } from './links.js';

export class Poller {
  latest: PlatformView | null = null;
  private readonly subscribers = new Set<(v: PlatformView) => void>();
  private timer: NodeJS.Timeout | null = null;
  private looping = false;
  /** Bumped by stop(): a poll of an older loop schedules nothing. */
  private generation = 0;
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
    if (!this.looping) {
      this.looping = true;
      this.loop();
    }
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** A poll, then the next pollMs after it ends (not a fixed rate: a slow poll is not followed by another at once). */
  private loop(): void {
    const gen = this.generation;
    void this.poll()
      .catch((e: Error) => this.log(`poll: ${e.message}`))
      .finally(() => {
        if (this.looping && gen === this.generation) this.timer = setTimeout(() => this.loop(), this.pollMs);
      });
  }

  stop(): void {
    this.looping = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
