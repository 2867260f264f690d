// What every verb gets: the drivers (XenStore opened only when a verb needs it),
// output in text or --json, and step timings for -t.
import { parseArgs } from 'node:util';
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
    public json: boolean,
    public timings: boolean,
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

/** Options every command takes, before the command or among its own arguments. */
const COMMON = {
  json: { type: 'boolean' },
  timings: { type: 'boolean', short: 't' },
} as const;

export type OptionSpec = Record<string, { type: 'boolean' | 'string'; short?: string }>;

function parse(args: string[], options: OptionSpec, allowPositionals: boolean): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, strict: true, allowPositionals });
  } catch (e) {
    // node's message names the option and, for an unknown one, says a value starting with '-' goes after '--'
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
}

/**
 * The command line up to the command: options before the first word are clickos's own;
 * everything from the command on is the command's, read by its verb with parseVerb.
 */
export function parseCommandLine(argv: string[]): { json: boolean; timings: boolean; help: boolean; cmd: string | undefined; rest: string[] } {
  const at = argv.findIndex((a) => !a.startsWith('-') || a === '-' || a === '--');
  const head = at < 0 ? argv : argv.slice(0, at);
  const tail = at < 0 ? [] : argv[at] === '--' ? argv.slice(at + 1) : argv.slice(at);
  const { values } = parse(head, { help: { type: 'boolean', short: 'h' } }, false);
  return { json: !!values.json, timings: !!values.timings, help: !!values.help, cmd: tail[0], rest: tail.slice(1) };
}

/**
 * A command's arguments: its options (and --json, -t) anywhere before '--', the rest
 * positional. A handler value such as '-t' is written after '--' and stays a value.
 */
export function parseVerb(args: string[], ctx: Context, options: OptionSpec = {}): { opts: Record<string, string | boolean | undefined>; pos: string[] } {
  const { values, positionals } = parse(args, options, true);
  if (values.json) ctx.json = true;
  if (values.timings) ctx.timings = true;
  return { opts: values as Record<string, string | boolean | undefined>, pos: positionals };
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
