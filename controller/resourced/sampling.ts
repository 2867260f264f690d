// The switch's sFlow export as one resource shared by its users (README "Learning the
// traffic", "Routed modules"): a bridge has one sFlow row, so the balanced groups'
// learning and every routed module's loop share one collector and one set_sampling.
// Sampling is on while at least one user holds it, off (and the collector closed) when the
// last lets go. Each user drains its own copy of the samples, so one never steals
// another's. Rate, collector address, header and agent are config balancer.*'s.
import { SflowCollector, type FlowSample } from '../sflow/sflow.js';
import type { Steering } from '../openflowd/steering.js';
import type { SamplingState } from '../openflowd/sflow-export.js';
import type { ResourcedConfig } from './config.js';

export class SharedSampling {
  private collector: SflowCollector | undefined;
  private at: string | undefined;
  private readonly users = new Map<string, FlowSample[]>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly steering: Steering, private readonly config: ResourcedConfig['balancer']) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Who holds sampling now. */
  holders(): string[] {
    return [...this.users.keys()];
  }

  /** Sampling on for `user` (set again each call: idempotent at the switch, and the answer has every port's ifindex now). */
  acquire(user: string): Promise<SamplingState> {
    return this.serial(async () => {
      const c = this.config;
      if (!this.collector) {
        const col = new SflowCollector();
        const at = await col.listen(c.collector.host, c.collector.port);
        this.collector = col;
        this.at = `${at.host}:${at.port}`;
      }
      try {
        const state = await this.steering.sampling({ collector: this.at!, rate: c.samplingRate, header: c.header, ...(c.agent ? { agent: c.agent } : {}) });
        if (!this.users.has(user)) this.users.set(user, []);
        return state;
      } catch (e) {
        if (!this.users.size) await this.shut();
        throw e;
      }
    });
  }

  /** `user` lets go; the last one turns sampling off and closes the collector. Answers the switch's state when it turned off, else undefined. */
  release(user: string): Promise<SamplingState | undefined> {
    return this.serial(async () => {
      this.users.delete(user);
      if (this.users.size || !this.collector) return undefined;
      try {
        return await this.steering.sampling(null);
      } finally {
        await this.shut();
      }
    });
  }

  /** Closes the collector without asking the switch (a follower: the leader owns the export). */
  forget(user: string): Promise<void> {
    return this.serial(async () => {
      this.users.delete(user);
      if (!this.users.size) await this.shut();
    });
  }

  private async shut(): Promise<void> {
    const col = this.collector;
    this.collector = undefined;
    this.at = undefined;
    await col?.close();
  }

  /** `user`'s samples since its last drain. */
  drain(user: string): FlowSample[] {
    const fresh = this.collector?.drain() ?? [];
    if (fresh.length) for (const buf of this.users.values()) buf.push(...fresh);
    const mine = this.users.get(user) ?? [];
    if (this.users.has(user)) this.users.set(user, []);
    return mine;
  }
}
