// A route table: one `PREFIX NEXTHOP` per line, `#` starts a comment (README.md "Route
// tables"). Prefixes are read by the balancer's strict IPv4 prefix parser
// (controller/balancer/prefix.ts, itself openflowd's match syntax), so a prefix means the
// same thing in a route, a FromNet match and a balancer rule. Lookup is longest-prefix
// match: a hash per prefix length, probed longest first (at most 33 probes).
import { BalancerInputError } from '../balancer/errors.js';
import { addressText, parsePrefix, prefixText, size, type Prefix } from '../balancer/prefix.js';
import { RouteTableError, type RouteLineError } from './errors.js';

export interface Route {
  prefix: Prefix;
  /** the next hop's name: a next-hop port (README.md "Next hops") */
  nexthop: string;
  /** where it was written, 1-based */
  line: number;
}

/** A next hop's name: what a config, a log line and a Click element name can all carry. */
export const NEXTHOP_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export class RouteTable {
  /** routes in the order written; a route's id (its index) is the prefix id TFO counts (controller/offload Bin) */
  readonly routes: readonly Route[];
  private readonly byLen = new Map<number, Map<number, number>>();
  /** prefix lengths present, longest first */
  private readonly lengths: number[];

  constructor(routes: readonly Route[]) {
    this.routes = routes;
    routes.forEach((r, i) => {
      let m = this.byLen.get(r.prefix.len);
      if (!m) this.byLen.set(r.prefix.len, (m = new Map()));
      m.set(r.prefix.base, i);
    });
    this.lengths = [...this.byLen.keys()].sort((a, b) => b - a);
  }

  get size(): number {
    return this.routes.length;
  }

  /** The id of the longest route covering `addr` (unsigned 32-bit), or undefined when none does. */
  lookup(addr: number): number | undefined {
    for (const len of this.lengths) {
      const base = len === 0 ? 0 : (addr - (addr % 2 ** (32 - len))) >>> 0;
      const id = this.byLen.get(len)!.get(base);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** Next-hop names, in first-use order. */
  nexthops(): string[] {
    return [...new Set(this.routes.map((r) => r.nexthop))];
  }

  /** The table as text, one route per line (parseRouteTable reads it back). */
  text(): string {
    return this.routes.map((r) => `${prefixText(r.prefix)} ${r.nexthop}\n`).join('');
  }
}

export interface ParseRouteOptions {
  /** named in errors (default 'routes') */
  source?: string;
  /** the next hops that exist; a route naming another is refused */
  nexthops?: readonly string[];
}

/**
 * Reads a route table. Every line is checked and every bad one reported, by number, in one
 * RouteTableError: a malformed prefix or one with host bits set, a missing or extra field, a
 * next-hop name that is malformed or unknown, a prefix given twice. An empty table is refused.
 */
export function parseRouteTable(text: string, o: ParseRouteOptions = {}): RouteTable {
  const source = o.source ?? 'routes';
  const known = o.nexthops ? new Set(o.nexthops) : undefined;
  const errors: RouteLineError[] = [];
  const routes: Route[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/#.*$/, '').trim();
    if (!body) return;
    const f = body.split(/\s+/);
    if (f.length !== 2) {
      errors.push({ line, message: `expected 'PREFIX NEXTHOP', got ${f.length} field${f.length === 1 ? '' : 's'}: '${body}'` });
      return;
    }
    const [p, nh] = f as [string, string];
    let prefix: Prefix;
    try {
      prefix = parsePrefix(p.includes('/') ? p : `${p}/32`);
    } catch (e) {
      if (!(e instanceof BalancerInputError)) throw e;
      errors.push({ line, message: e.message });
      return;
    }
    if (!NEXTHOP_NAME_RE.test(nh)) errors.push({ line, message: `next hop '${nh}' is not a name (a letter, then letters, digits, _ or -; at most 32)` });
    else if (known && !known.has(nh)) errors.push({ line, message: `next hop '${nh}' is not one of ${[...known].join(', ') || '(none)'}` });
    const key = prefixText(prefix);
    const prev = seen.get(key);
    if (prev !== undefined) errors.push({ line, message: `prefix ${key} already routed on line ${prev}` });
    else seen.set(key, line);
    routes.push({ prefix, nexthop: nh, line });
  });
  if (!errors.length && !routes.length) errors.push({ line: 1, message: 'no routes' });
  if (errors.length) throw new RouteTableError(source, errors);
  return new RouteTable(routes);
}

/** An address inside `p` that the table routes by `p` itself (not a longer route), or undefined when longer routes cover it all. Tests and traffic generators use it. */
export function addressRoutedBy(table: RouteTable, id: number): string | undefined {
  const p = table.routes[id]!.prefix;
  const n = size(p);
  // a few spread probes, then the start of each 1/256th: enough for any table a test writes
  const probes = [Math.floor(n / 2) + 1, 1, n - 2, ...Array.from({ length: 256 }, (_, k) => Math.floor((k * n) / 256) + 1)];
  for (const off of probes) {
    if (off < 0 || off >= n) continue;
    const a = p.base + off;
    if (table.lookup(a) === id) return addressText(a);
  }
  return undefined;
}
