import type { ClickConfig } from './ast.js';
import { Catalog, outputRange, portProcessing, type ElementInfo, type Processing } from './catalog.js';
import { ClickSyntaxError, type Pos } from './errors.js';
import { flatten, type FlatElement, type FlatRouter } from './flatten.js';
import { parse } from './parser.js';

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  severity: 'error' | 'warning';
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

export interface CheckOptions {
  /** 'clickos' (default) also names elements a ClickOS image does not build */
  target?: 'clickos' | 'any';
}

/** Levenshtein distance, case-insensitive: 'queue' is one edit from 'Queue' in intent, not five. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    // The distance is at least the length difference.
    if (Math.abs(c.length - name.length) >= bestD) continue;
    const d = editDistance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Catalog names by length, so a suggestion only visits names of a near length. */
const byLength = new WeakMap<Catalog, Map<number, [number, string][]>>();

function closestClass(name: string, catalog: Catalog): string | undefined {
  let buckets = byLength.get(catalog);
  if (!buckets) {
    buckets = new Map();
    for (const [i, n] of catalog.names().entries()) {
      const b = buckets.get(n.length);
      if (b) b.push([i, n]);
      else buckets.set(n.length, [[i, n]]);
    }
    byLength.set(catalog, buckets);
  }
  const reach = Math.max(1, Math.floor(name.length / 3)); // closest() accepts distances up to this
  const near: [number, string][] = [];
  for (let len = name.length - reach; len <= name.length + reach; len++) near.push(...(buckets.get(len) ?? []));
  // In catalog order, as a full scan would meet them: ties go the same way.
  return closest(name, near.sort((a, b) => a[0] - b[0]).map((x) => x[1]));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Parses, flattens and checks a configuration; a syntax error is the only diagnostic then. */
export function checkText(text: string, file: string, catalog: Catalog, options: CheckOptions = {}): Diagnostic[] {
  let config: ClickConfig;
  try {
    config = parse(text, file);
  } catch (e) {
    if (!(e instanceof ClickSyntaxError)) throw e;
    return [{ file: e.file, line: e.line, col: e.col, severity: 'error', message: e.reason }];
  }
  return check(flatten(config), catalog, options);
}

/** Checks a flattened router against the element catalog. */
export function check(router: FlatRouter, catalog: Catalog, options: CheckOptions = {}): Diagnostic[] {
  const target = options.target ?? 'clickos';
  const out: Diagnostic[] = [];
  const report = (pos: Pos, message: string, severity: Diagnostic['severity'] = 'error') =>
    out.push({ file: router.file, line: pos.line, col: pos.col, severity, message });
  for (const e of router.errors) report(e.pos, e.message);

  const info = new Map<string, ElementInfo>();
  // An unknown class usually recurs (a missing package's elements): suggest once per name.
  const suggestions = new Map<string, string | undefined>();
  const declared = router.elements.map((e) => e.name).filter((n) => !n.includes('@'));
  for (const e of router.elements) {
    const entries = catalog.lookup(e.class);
    if (!entries.length) {
      let cls = suggestions.get(e.class);
      if (cls === undefined && !suggestions.has(e.class)) suggestions.set(e.class, (cls = closestClass(e.class, catalog)));
      const el = /^[a-z]/.test(e.class) ? closest(e.class, declared) : undefined;
      const hint = el !== undefined && (cls === undefined || editDistance(e.class, el) <= editDistance(e.class, cls))
        ? ` (did you mean element '${el}', declared later or elsewhere?)`
        : cls !== undefined ? ` (did you mean '${cls}'?)` : '';
      report(e.pos, `unknown element class '${e.class}'${hint}`);
      continue;
    }
    const built = catalog.forClickOS(e.class);
    if (target === 'clickos' && !built) {
      const groups = [...new Set(entries.map((x) => x.group))].join(', ');
      report(e.pos, `ClickOS does not build element class '${e.class}' (${groups} element) used by '${e.name}'`);
    }
    info.set(e.name, built ?? entries[0]);
  }

  checkPorts(router, info, report);
  checkProcessing(router, info, report);
  // one compound definition used twice reports the same line twice: once is enough
  const unique = new Map(out.map((d) => [formatDiagnostic(d), d]));
  return [...unique.values()].sort((a, b) => a.line - b.line || a.col - b.col);
}

type Report = (pos: Pos, message: string) => void;

function describeEl(e: FlatElement): string {
  return `'${e.name}' :: ${e.class}`;
}

function checkPorts(router: FlatRouter, info: Map<string, ElementInfo>, report: Report): void {
  for (const e of router.elements) {
    const ei = info.get(e.name);
    if (!ei) continue;
    const ins = router.connections.filter((c) => c.to === e.name);
    const outs = router.connections.filter((c) => c.from === e.name);
    const usedIn = Math.max(0, ...ins.map((c) => c.toPort + 1));
    const usedOut = Math.max(0, ...outs.map((c) => c.fromPort + 1));
    const inRange = ei.portSpec.inputs;
    const nIn = Math.min(Math.max(usedIn, inRange.min), inRange.max);
    const outRange = outputRange(ei.portSpec, nIn);
    const nOut = Math.min(Math.max(usedOut, outRange.min), outRange.max);
    const side = (dir: 'input' | 'output', n: number, range: { max: number }, conns: typeof ins) => {
      const port = (c: (typeof ins)[number]) => (dir === 'input' ? c.toPort : c.fromPort);
      const reported = new Set<number>();
      for (const c of conns) {
        const p = port(c);
        if (p >= range.max && !reported.has(p)) {
          reported.add(p);
          const allowed = range.max === 0 ? `no ${dir}s` : `at most ${plural(range.max, dir)}`;
          report(c.pos, `${describeEl(e)} has no ${dir} ${p}: ${e.class} has ${allowed} (ports '${ei.ports}')`);
        }
      }
      for (let p = 0; p < n; p++)
        if (!conns.some((c) => port(c) === p)) report(e.pos, `${describeEl(e)} ${dir} ${p} not connected`);
    };
    side('input', nIn, inRange, ins);
    side('output', nOut, outRange, outs);
  }
}

/**
 * Push/pull: agnostic ports of one element share a type (Click's default flow code 'x/x'), and
 * connected ports must have the same type; a union-find over ports resolves both.
 */
function checkProcessing(router: FlatRouter, info: Map<string, ElementInfo>, report: Report): void {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const key = (el: string, dir: 'input' | 'output', p: number) => `${el}\u0000${dir}\u0000${p}`;
  const kindOf = (el: string, dir: 'input' | 'output', p: number): Processing | undefined => {
    const ei = info.get(el);
    return ei && portProcessing(ei.processing, dir, p);
  };
  const conns = router.connections.filter((c) => info.has(c.from) && info.has(c.to));

  const ports = new Map<string, Array<[string, 'input' | 'output', number]>>();
  for (const c of conns) {
    for (const [el, dir, p] of [[c.from, 'output', c.fromPort], [c.to, 'input', c.toPort]] as const) {
      const list = ports.get(el) ?? [];
      if (!list.some(([, d, q]) => d === dir && q === p)) list.push([el, dir, p]);
      ports.set(el, list);
    }
    union(key(c.from, 'output', c.fromPort), key(c.to, 'input', c.toPort));
  }
  for (const [el, list] of ports) {
    const agn = list.filter(([, d, p]) => kindOf(el, d, p) === 'agnostic');
    for (let i = 1; i < agn.length; i++) union(key(...agn[0]), key(...agn[i]));
  }
  const fixed = new Map<string, Set<Processing>>();
  for (const [el, list] of ports)
    for (const [, d, p] of list) {
      const k = kindOf(el, d, p)!;
      if (k === 'agnostic') continue;
      const g = find(key(el, d, p));
      fixed.set(g, (fixed.get(g) ?? new Set()).add(k));
    }

  const byName = new Map(router.elements.map((e) => [e.name, e]));
  const explained = new Set<string>();
  for (const c of conns) {
    const a = kindOf(c.from, 'output', c.fromPort);
    const b = kindOf(c.to, 'input', c.toPort);
    if (a !== 'agnostic' && b !== 'agnostic' && a !== b) {
      explained.add(find(key(c.from, 'output', c.fromPort)));
      report(c.pos, `${a} output ${c.fromPort} of ${describeEl(byName.get(c.from)!)} connected to ${b} input ${c.toPort} of ${describeEl(byName.get(c.to)!)}`);
    }
  }
  for (const [el, list] of ports) {
    for (const [, d, p] of list) {
      if (kindOf(el, d, p) !== 'agnostic') continue;
      const g = find(key(el, d, p));
      if ((fixed.get(g)?.size ?? 0) > 1 && !explained.has(g)) {
        explained.add(g);
        report(byName.get(el)!.pos, `agnostic ${describeEl(byName.get(el)!)} is used in both push and pull context`);
      }
    }
  }

  // a push output feeds exactly one input; a pull input is fed by exactly one output
  const resolved = (el: string, d: 'input' | 'output', p: number): Processing => {
    const k = kindOf(el, d, p)!;
    if (k !== 'agnostic') return k;
    const f = fixed.get(find(key(el, d, p)));
    return f && f.size === 1 ? [...f][0] : 'push';
  };
  const seen = new Set<string>();
  for (const c of conns) {
    const outKey = key(c.from, 'output', c.fromPort);
    const inKey = key(c.to, 'input', c.toPort);
    if (resolved(c.from, 'output', c.fromPort) === 'push' && !seen.has(outKey)) {
      const n = conns.filter((x) => x.from === c.from && x.fromPort === c.fromPort).length;
      if (n > 1) {
        seen.add(outKey);
        report(c.pos, `push output ${c.fromPort} of ${describeEl(byName.get(c.from)!)} connected to ${n} inputs (use a Tee)`);
      }
    }
    if (resolved(c.to, 'input', c.toPort) === 'pull' && !seen.has(inKey)) {
      const n = conns.filter((x) => x.to === c.to && x.toPort === c.toPort).length;
      if (n > 1) {
        seen.add(inKey);
        report(c.pos, `pull input ${c.toPort} of ${describeEl(byName.get(c.to)!)} connected to ${n} outputs`);
      }
    }
  }
}
