// What every verb gets: the drivers (XenStore opened only when a verb needs it),
// output in text or --json, and step timings for -t.
import { Xl } from '../toolstack/index.js';
import { XenStore } from '../xenstore/index.js';
import { ClickosGuests, resolveDomain } from '../guests/index.js';

export class UsageError extends Error {}

export class Context {
  readonly xl = new Xl();
  readonly times: [string, number][] = [];
  private guestsP: Promise<ClickosGuests> | undefined;
  private xs: XenStore | undefined;

  constructor(
    readonly json: boolean,
    readonly timings: boolean,
  ) {}

  guests(): Promise<ClickosGuests> {
    this.guestsP ??= XenStore.connect().then((xs) => {
      this.xs = xs;
      return new ClickosGuests({ xs, xl: this.xl });
    });
    return this.guestsP;
  }

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      this.times.push([name, Number(process.hrtime.bigint() - t0) / 1e6]);
    }
  }

  print(human: string, data: unknown): void {
    if (this.json) console.log(JSON.stringify(data, null, 2));
    else if (human !== '') console.log(human);
  }

  /** A domain name or id to a domid, through XenStore (an xl process costs far more). */
  async domid(ref: string): Promise<number> {
    const g = await this.guests();
    return this.step('resolve domain', () => resolveDomain(g.xs, ref));
  }

  close(): void {
    this.xs?.close();
  }
}

export function takeFlag(args: string[], ...names: string[]): boolean {
  let found = false;
  for (const n of names) {
    const i = args.indexOf(n);
    if (i >= 0) {
      args.splice(i, 1);
      found = true;
    }
  }
  return found;
}

export function takeOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

export function want(args: string[], n: number, what: string): string[] {
  if (args.length !== n) throw new UsageError(`expected ${what}`);
  return args;
}

export function int(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`${what} must be a number, got ${JSON.stringify(s)}`);
  return Number(s);
}

export function pad(s: string | number, n: number, right = false): string {
  const str = String(s);
  return right ? str.padStart(n) : str.padEnd(n);
}
