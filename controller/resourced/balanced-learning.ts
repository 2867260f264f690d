// Learning a balanced module's traffic and rebalancing it (issue 18 item 2; README
// "Learning the traffic"): the switch samples 1 in N packets (Open vSwitch's sFlow, turned
// on through openflowd's set_sampling) toward a collector this daemon runs; each sample
// that entered at a group's forward port is counted on the group's field (source or
// destination) by its TrafficEstimator; every interval a window closes and the group's
// RebalanceTrigger judges the imbalance of the recorded assignment under the estimate. On
// 'rebalance' resourced installs the next generation through the path scale_module uses
// (an incremental run: only what must move moves). Oscillation is held off by the
// trigger's three brakes (controller/balancer/trigger.ts): hysteresis (fire above
// maxImbalance, balance to the tighter target), confirmations (several windows in a
// row) and a minimum interval between runs; the estimator's moving average smooths
// single noisy windows. Why sFlow rather than the replicas' Click counters: it needs no
// element in the module's configuration and sees the field the group splits on before
// the replica (a NAT rewrites the source), at no cost to the OpenFlow channel.
import { imbalanceUnder, RebalanceTrigger, TrafficEstimator, type Traffic, type Verdict } from '../balancer/index.js';
import type { SharedSampling } from './sampling.js';
import type { Steering } from '../openflowd/steering.js';
import type { AllocationRecord } from './allocations.js';
import type { ResourcedConfig } from './config.js';
import { recordedAssignment, type GroupTraffic } from './replicas.js';

/** This learner's name among the shared sampling's holders. */
const USER = 'balanced';

export type LearningConfig = ResourcedConfig['balancer'];

/** A window's outcome: the trigger's verdict, or 'busy' when it fired but the group was being changed (tried again next window). */
export type LearnedVerdict = Verdict | 'busy';

export interface LearningHooks {
  steering: Steering;
  /** the switch's sFlow export, shared with routed modules (sampling.ts) */
  sampling: SharedSampling;
  config: LearningConfig;
  log: (m: string) => void;
  /** The balanced allocations installed now. */
  groups(): AllocationRecord[];
  /** Whether this instance acts (the leader): a follower leaves the switch's sampling to the leader. */
  acting(): boolean;
  /** The OpenFlow port a group's forward traffic enters at (replicas.ts groupPorts). */
  forwardPort(a: AllocationRecord): Promise<number>;
  /** Installs the group's next generation with learned() traffic (resourced's steerGroup); false if the group is busy. */
  rebalance(id: number): Promise<boolean>;
}

interface GroupState {
  field: 'src' | 'dst';
  forwardPort: number;
  estimator: TrafficEstimator;
  trigger: RebalanceTrigger;
  windows: number;
  last?: { time: string; samples: number; imbalance: number; verdict: LearnedVerdict };
}

export class BalancedLearning {
  /** whether this learner holds the shared sampling */
  private target: boolean | undefined;
  /** OpenFlow port → the ifindex sFlow reports it by (set_sampling's answer) */
  private ifindex = new Map<number, number>();
  private readonly groups = new Map<number, GroupState>();
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastError = '';
  private closed = false;

  constructor(private readonly h: LearningHooks) {}

  /** Closes a window every intervalMs. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.h.config.intervalMs);
    this.timer.unref?.();
    void this.sync();
  }

  /** One at a time: sync, tick and close never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private report(e: unknown, what: string): void {
    const m = `balancer learning: ${what}: ${(e as Error).message}`;
    // the same failure every window is said once
    if (m !== this.lastError) this.h.log(m);
    this.lastError = m;
  }

  /** Sampling on while a balanced allocation is installed, off (and the collector closed) once none is. */
  sync(): Promise<void> {
    return this.serial(() => this.syncNow());
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    if (!this.h.acting()) {
      // no longer (or not yet) the leader: the leader owns the switch's export; only our socket goes
      this.groups.clear();
      this.target = undefined;
      await this.h.sampling.forget(USER);
      return;
    }
    const live = this.h.groups().filter((a) => a.balanced && a.state === 'installed' && a.balanced.generation >= 0);
    for (const id of this.groups.keys()) if (!live.some((a) => a.id === id)) this.groups.delete(id);
    const c = this.h.config;
    for (const a of live) {
      if (this.groups.has(a.id)) continue;
      try {
        this.groups.set(a.id, {
          field: a.balanced!.field,
          forwardPort: await this.h.forwardPort(a),
          estimator: new TrafficEstimator({ depth: c.depth, samplingRate: c.samplingRate, smoothing: c.smoothing }),
          trigger: new RebalanceTrigger({ maxImbalance: c.maxImbalance, ...(c.targetImbalance !== undefined ? { targetImbalance: c.targetImbalance } : {}), confirmations: c.confirmations, minIntervalMs: c.minIntervalMs }),
          windows: 0,
        });
      } catch (e) {
        this.report(e, `allocation ${a.id}'s forward port`);
      }
    }
    try {
      if (this.groups.size && (!this.target || [...this.groups.values()].some((g) => !this.ifindex.has(g.forwardPort)))) await this.samplingOn();
      else if (!this.groups.size && this.target) await this.samplingOff();
    } catch (e) {
      this.report(e, this.groups.size ? 'turning sampling on' : 'turning sampling off');
    }
  }

  private async samplingOn(): Promise<void> {
    const c = this.h.config;
    // set again when a group's port is not known yet (idempotent: the switch's row is replaced)
    const state = await this.h.sampling.acquire(USER);
    this.ifindex = new Map(state.ports.map((p) => [p.port, p.ifindex]));
    if (!this.target) this.h.log(`audit: balancer learning: bridge ${state.bridge} samples 1 in ${c.samplingRate} toward ${state.collector} for ${[...this.groups.keys()].map((id) => `allocation ${id}`).join(', ')}`);
    this.target = true;
  }

  private async samplingOff(): Promise<void> {
    this.target = undefined;
    const state = await this.h.sampling.release(USER);
    if (state) this.h.log(`audit: balancer learning: no balanced allocation left: bridge ${state.bridge} samples no more`);
    else this.h.log('audit: balancer learning: no balanced allocation left (sampling stays on for routed modules)');
  }

  /** Closes a window: the samples since the last one, per group, then the trigger; a rebalance where it fires. */
  tick(now = Date.now()): Promise<void> {
    return this.serial(async () => {
      await this.syncNow();
      const samples = this.target ? this.h.sampling.drain(USER) : [];
      for (const [id, g] of this.groups) {
        const at = this.ifindex.get(g.forwardPort);
        for (const s of samples) {
          const addr = g.field === 'src' ? s.src : s.dst;
          if (s.input === at && addr !== undefined) g.estimator.sample(addr);
        }
        const n = g.estimator.samples;
        // no traffic this window: nothing to learn (an empty window would fold zeros into the average)
        if (!n) continue;
        const a = this.h.groups().find((x) => x.id === id);
        const assigned = a?.balanced && recordedAssignment(a.balanced);
        if (!assigned) continue;
        const traffic = g.estimator.endWindow();
        g.windows++;
        const imbalance = imbalanceUnder(assigned, traffic);
        let verdict: LearnedVerdict = g.trigger.observe(imbalance, now);
        if (verdict === 'rebalance') {
          this.h.log(`audit: balancer learning: allocation ${id}: imbalance ${imbalance.toFixed(3)} above ${g.trigger.maxImbalance} for ${g.trigger.confirmations} window(s): rebalancing to ${g.trigger.targetImbalance}`);
          try {
            if (await this.h.rebalance(id)) g.trigger.ran(now);
            else verdict = 'busy';
          } catch (e) {
            this.h.log(`balancer learning: allocation ${id}: rebalance failed, the group is as it was: ${(e as Error).message}`);
          }
        }
        g.last = { time: new Date(now).toISOString(), samples: n, imbalance, verdict };
      }
    });
  }

  /** What a run of this group balances now: the estimate (once a window closed) and the trigger's target. */
  learned(id: number): GroupTraffic {
    const g = this.groups.get(id);
    if (!g || !g.windows) return {};
    return { traffic: g.estimator.estimate(), maxImbalance: g.trigger.targetImbalance };
  }

  /** get_pm_info's view: each replica's share of the estimate, the last window's figures. */
  info(a: AllocationRecord): { shares: Map<string, number>; learned?: { time: string; windows: number; samples: number; imbalance: number; verdict: LearnedVerdict } } | undefined {
    const g = this.groups.get(a.id);
    const assigned = a.balanced && recordedAssignment(a.balanced);
    if (!g || !g.windows || !g.last || !assigned) return undefined;
    const t: Traffic = g.estimator.estimate();
    const shares = new Map<string, number>();
    for (const l of assigned.leaves) shares.set(l.server, (shares.get(l.server) ?? 0) + t.load(l.prefix) / (t.total || 1));
    return { shares, learned: { ...g.last, windows: g.windows } };
  }

  /** Stops the windows, turns sampling off and closes the collector. */
  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.serial(async () => {
      this.groups.clear();
      try {
        if (this.target) await this.samplingOff();
      } catch (e) {
        this.report(e, 'turning sampling off');
      }
      this.closed = true;
    });
  }
}
