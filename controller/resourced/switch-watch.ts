// Flows the switch may hold that no record owns: an install whose flows went in but whose
// answer was lost (openflowd killed mid-call), and whose removal could not reach the
// switch either. Nothing records such flows, so the watch owes a reconciliation: while it
// does, it asks the switch for its cookies every intervalMs; the first answer runs
// reconciliation, which removes flows no allocation owns and restores missing ones
// (reconcile.ts, docs/controller-store.md). The debt stands until a reconciliation ends
// with every action done.
export interface SwitchWatchDeps {
  /** Resolves once the switch (or openflowd) answers. */
  probe(): Promise<unknown>;
  /** Reconciles; resolves true when every action was done. */
  settle(): Promise<boolean>;
  intervalMs: number;
  log(m: string): void;
}

export class SwitchWatch {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private why: string | undefined;

  constructor(private readonly d: SwitchWatchDeps) {}

  /** What is owed, if anything. */
  get owed(): string | undefined {
    return this.why;
  }

  /** Notes that the switch may hold flows no record owns; reconciles once it answers. */
  owe(why: string): void {
    if (this.why === undefined) this.d.log(`switch: ${why}; reconciling when it answers`);
    this.why = why;
    this.timer ??= setInterval(() => void this.check(), this.d.intervalMs);
    this.timer.unref();
  }

  /** One probe and, if the switch answers, one reconciliation. */
  async check(): Promise<void> {
    if (this.checking || this.why === undefined) return;
    this.checking = true;
    try {
      await this.d.probe();
      if (await this.d.settle()) {
        this.d.log(`switch: answering again; reconciled (${this.why})`);
        this.why = undefined;
        this.stop();
      }
    } catch {
      // still unreachable: the next tick tries again
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
