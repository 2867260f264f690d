// Background execution of tasks (D3.2 §3.1.1, docs/platform.md): a call returns an id at once; the task
// waits in a high or a normal queue and runs when a slot is free. Normal tasks start
// only while no high task exists at the daemon (none waiting, none running), which
// is D3.2's wording; high tasks take any free slot.
import { randomBytes } from 'node:crypto';
import { fail, notReady, isReturnValue, type ReturnValue } from './return-value.js';
import type { Priority } from './definition.js';

export type TaskState = 'queued' | 'running' | 'done';

export interface TaskRecord {
  id: string;
  name: string;
  priority: Priority;
  who: string;
  state: TaskState;
  submittedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  result?: ReturnValue;
}

export interface TaskQueueOptions {
  /** Tasks running at once. */
  concurrency?: number;
  /** Finished tasks whose result stays retrievable (oldest forgotten first). */
  retain?: number;
  /** Waiting tasks accepted before submissions are refused. */
  maxQueued?: number;
  /** Called when a task finishes (audit). */
  onDone?: (t: TaskRecord) => void;
}

type Job = (t: TaskRecord) => Promise<ReturnValue>;

export class QueueFullError extends Error {}

export class TaskQueue {
  readonly concurrency: number;
  private readonly retain: number;
  private readonly maxQueued: number;
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly jobs = new Map<string, Job>();
  private readonly high: string[] = [];
  private readonly normal: string[] = [];
  private readonly finished: string[] = [];
  private running = 0;
  private runningHigh = 0;
  private seq = 0;
  private paused = false;
  private readonly boot = randomBytes(4).toString('hex'); // ids stay unique across restarts
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: TaskQueueOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.retain = opts.retain ?? 1000;
    this.maxQueued = opts.maxQueued ?? 10_000;
  }

  submit(name: string, priority: Priority, who: string, job: Job): TaskRecord {
    if (this.high.length + this.normal.length >= this.maxQueued) throw new QueueFullError(`more than ${this.maxQueued} tasks waiting`);
    const id = `${this.boot}-${++this.seq}`;
    const rec: TaskRecord = { id, name, priority, who, state: 'queued', submittedAt: new Date() };
    this.tasks.set(id, rec);
    this.jobs.set(id, job);
    (priority === 'high' ? this.high : this.normal).push(id);
    this.pump();
    return rec;
  }

  get(id: string): TaskRecord | undefined {
    return this.tasks.get(id);
  }

  /** D3.2's reply for a task: NOT_READY while queued or running, then its own result. */
  status(id: string): ReturnValue {
    const t = this.tasks.get(id);
    if (!t) return fail(`no task ${id} (unknown or forgotten)`);
    if (t.state !== 'done') return notReady(t.state, { id, name: t.name, state: t.state, priority: t.priority });
    return t.result!;
  }

  list(): TaskRecord[] {
    return [...this.tasks.values()];
  }

  /** Holds new starts (running tasks carry on); for orderly shutdown and for tests that fill the queues first. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && (this.paused || this.high.length + this.normal.length === 0)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (!this.paused && this.running < this.concurrency) {
      let id: string | undefined;
      if (this.high.length > 0) id = this.high.shift();
      else if (this.normal.length > 0 && this.runningHigh === 0) id = this.normal.shift();
      if (id === undefined) break;
      this.start(this.tasks.get(id)!);
    }
    if (this.running === 0 && (this.paused || this.high.length + this.normal.length === 0)) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  private start(t: TaskRecord): void {
    const job = this.jobs.get(t.id)!;
    this.jobs.delete(t.id);
    this.running++;
    if (t.priority === 'high') this.runningHigh++;
    t.state = 'running';
    t.startedAt = new Date();
    Promise.resolve()
      .then(() => job(t))
      .then(
        (rv) => (isReturnValue(rv) && rv.code !== -1 ? rv : fail(`task ${t.name} returned no final ReturnValue`)),
        (e: unknown) => fail(`task ${t.name} threw: ${e instanceof Error ? e.message : String(e)}`),
      )
      .then((rv) => {
        t.result = rv;
        t.state = 'done';
        t.finishedAt = new Date();
        this.running--;
        if (t.priority === 'high') this.runningHigh--;
        this.forgetOld(t.id);
        try {
          this.opts.onDone?.(t);
        } finally {
          this.pump();
        }
      });
  }

  private forgetOld(id: string): void {
    this.finished.push(id);
    while (this.finished.length > this.retain) this.tasks.delete(this.finished.shift()!);
  }
}
