// A routed module in an allocation request (issue 19 part 3; controller/routing/README.md
// "In a request"): `r :: IPRouter(ROUTES "10.1.0.0/16 east, 10.2.0.0/24 west", N 2000,
// MACS "east 02:00:00:00:0e:01, west 02:00:00:00:0e:02")` asks the platform for its IP
// routing primitive: a software router (a ClickOS module) whose n heaviest prefixes the
// switch forwards. The next hops are the request's ToNet elements, by element name: each
// output of r goes to one, and MACS gives the MAC each answers to. Only the syntax is
// read here, with every route's position in the request: the table's own rules (prefixes,
// duplicates) are controller/routing/routes.ts's, and resourced maps its line numbers
// back through `positions` (clickos-build imports nothing of the controller).
import { splitArgs } from './args.js';
import type { Pos } from './errors.js';

/** The class name that asks for a routed module: not a deployable type, the platform's primitive. */
export const ROUTED_CLASS = 'IPRouter';

export interface Routed {
  /** the route table, one route per line (controller/routing/routes.ts's syntax) */
  routes: string;
  /** positions[i]: where line i+1 of `routes` was written in the request */
  positions: Pos[];
  /** how many prefixes the switch holds at most */
  n: number;
  /** next hop (a ToNet's element name) → its MAC, as written */
  macs: Record<string, string>;
  /** where each MACS entry was written */
  macPositions: Record<string, Pos>;
  pos: Pos;
}

/** Thrown with the position to report; allocation.ts turns it into an AllocationError. */
export class RoutedSyntaxError extends Error {
  constructor(readonly pos: Pos, message: string) {
    super(message);
  }
}

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

/**
 * Reads `IPRouter(...)`'s configuration, `config` being found in `text` at or after the
 * declaration at `at`. Keywords: ROUTES "…" and MACS "…" (entries separated by commas or
 * newlines), N (a whole number ≥ 1); each once, all three required.
 */
export function readRouted(text: string, at: Pos, config: string, name: string): Routed {
  const lineStart = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStart.push(i + 1);
  const posOf = (off: number): Pos => {
    let l = lineStart.length - 1;
    while (lineStart[l]! > off) l--;
    return { line: l + 1, col: off - lineStart[l]! + 1 };
  };
  const declAt = lineStart[at.line - 1]! + at.col - 1;
  const cfgAt = text.indexOf(config, declAt);
  const fail = (off: number, m: string): never => {
    throw new RoutedSyntaxError(cfgAt >= 0 ? posOf(off) : at, m);
  };
  if (cfgAt < 0 || !config.trim()) fail(declAt, `IPRouter '${name}' takes ROUTES "PREFIX NEXTHOP, …", N COUNT and MACS "NEXTHOP MAC, …"`);
  // each argument with its offset in the text
  const args: Array<{ text: string; off: number }> = [];
  let from = 0;
  for (const a of splitArgs(config)) {
    const i = config.indexOf(a, from);
    args.push({ text: a, off: cfgAt + i });
    from = i + a.length;
  }
  const seen = new Map<string, { value: string; off: number }>();
  for (const a of args) {
    const m = /^([A-Z]+)\s+([\s\S]*)$/.exec(a.text);
    if (!m || !['ROUTES', 'N', 'MACS'].includes(m[1]!)) fail(a.off, `IPRouter '${name}': '${a.text.slice(0, 20)}' is not ROUTES "…", N COUNT or MACS "…"`);
    if (seen.has(m![1]!)) fail(a.off, `IPRouter '${name}': ${m![1]} given twice`);
    seen.set(m![1]!, { value: m![2]!, off: a.off + a.text.indexOf(m![2]!, m![1]!.length) });
  }
  for (const k of ['ROUTES', 'N', 'MACS']) if (!seen.has(k)) fail(cfgAt, `IPRouter '${name}' needs ${k === 'N' ? 'N COUNT (how many prefixes the switch holds)' : `${k} "…"`}`);
  // a quoted list: entries with their offsets
  const entries = (k: string): Array<{ text: string; off: number }> => {
    const { value, off } = seen.get(k)!;
    if (!/^"[^"\\]*"$/.test(value)) fail(off, `IPRouter '${name}': ${k} takes one double-quoted string (no backslashes)`);
    const out: Array<{ text: string; off: number }> = [];
    const body = value.slice(1, -1);
    let start = 0;
    for (let i = 0; i <= body.length; i++) {
      if (i < body.length && body[i] !== ',' && body[i] !== '\n') continue;
      const raw = body.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim()) out.push({ text: raw.trim(), off: off + 1 + start + lead });
      start = i + 1;
    }
    return out;
  };
  const n = seen.get('N')!;
  if (!/^\d+$/.test(n.value) || Number(n.value) < 1) fail(n.off, `IPRouter '${name}': N '${n.value}' is not a whole number ≥ 1`);
  const routes = entries('ROUTES');
  if (!routes.length) fail(seen.get('ROUTES')!.off, `IPRouter '${name}': ROUTES has no route`);
  const macs: Record<string, string> = {};
  const macPositions: Record<string, Pos> = {};
  for (const e of entries('MACS')) {
    const f = e.text.split(/\s+/);
    if (f.length !== 2 || !MAC.test(f[1]!)) fail(e.off, `IPRouter '${name}': MACS entry '${e.text}' is not 'NEXTHOP aa:bb:cc:dd:ee:ff'`);
    if (macs[f[0]!] !== undefined) fail(e.off, `IPRouter '${name}': next hop '${f[0]}' has a MAC already`);
    macs[f[0]!] = f[1]!.toLowerCase();
    macPositions[f[0]!] = posOf(e.off);
  }
  return { routes: routes.map((r) => r.text).join('\n') + '\n', positions: routes.map((r) => posOf(r.off)), n: Number(n.value), macs, macPositions, pos: at };
}

interface Placed {
  name: string;
  inputs: number;
  pos: Pos;
}

/**
 * Where a routed module may sit (controller/routing/README.md "In a request"): its
 * request's only processing module, input 0 from one FromNet (where the traffic to route
 * enters), each output to one ToNet (a next hop, named by its element), every next hop
 * with a MAC in MACS and every MACS entry a next hop. Answers the refusal, or undefined.
 */
export function checkRoutedPlace(
  m: Placed & { routed: Routed },
  modules: number,
  fromNet: ReadonlyArray<{ name: string }>,
  toNet: ReadonlyArray<{ name: string }>,
  connections: ReadonlyArray<{ from: string; fromPort: number; to: string; toPort: number; pos: Pos }>,
): { pos: Pos; message: string } | undefined {
  const at = (message: string, pos = m.pos) => ({ pos, message });
  if (modules > 1) return at(`IPRouter '${m.name}' must be its request's only processing module (the switch steers between its FromNet and its next hops)`);
  const ins = connections.filter((c) => c.to === m.name);
  if (m.inputs !== 1 || ins.length !== 1 || !fromNet.some((f) => f.name === ins[0]!.from)) return at(`IPRouter '${m.name}' takes one input, port 0, from a FromNet (where the traffic to route enters)`, ins.find((c) => c.toPort > 0 || !fromNet.some((f) => f.name === c.from))?.pos ?? m.pos);
  const hops = new Set<string>();
  for (const c of connections.filter((x) => x.from === m.name)) {
    if (!toNet.some((t) => t.name === c.to)) return at(`IPRouter '${m.name}': output ${c.fromPort} must go to a ToNet (a next hop), not '${c.to}'`, c.pos);
    if (hops.has(c.to)) return at(`IPRouter '${m.name}': ToNet '${c.to}' is reached by two outputs`, c.pos);
    hops.add(c.to);
    if (m.routed.macs[c.to] === undefined) return at(`IPRouter '${m.name}': next hop '${c.to}' has no MAC in MACS`, c.pos);
  }
  for (const [h, pos] of Object.entries(m.routed.macPositions)) if (!hops.has(h)) return at(`IPRouter '${m.name}': MACS names '${h}', which no output of '${m.name}' reaches (next hops are ToNets)`, pos);
  return undefined;
}
