import { ClickSyntaxError, type Pos } from './errors.js';
import { flatten } from './flatten.js';
import { parse } from './parser.js';
import { editDistance } from './checker.js';
import { readReplicas, type Replicas } from './replicas.js';
import { checkRoutedPlace, readRouted, ROUTED_CLASS, RoutedSyntaxError, type Routed } from './routed.js';

/**
 * Allocation requests (CHANGE deliverable D3.2 §2.1.4, docs/platform.md): 'KEY=value' header lines,
 * then Click syntax whose FromNet("match") and ToNet("port") elements say where traffic
 * comes from and goes to, and whose other elements are processing modules.
 */

export interface NetEndpoint {
  name: string;
  /** FromNet: the OpenFlow-style match; ToNet: the port or interface name */
  value: string;
  pos: Pos;
}

export interface ProcessingModule {
  name: string;
  type: string;
  config: string;
  args: string[];
  /** ports in use: highest connected port + 1 */
  inputs: number;
  outputs: number;
  pos: Pos;
  /** `x N [by src|dst]` after its declaration: N instances, balanced (replicas.ts) */
  replicas?: Replicas;
  /** an `IPRouter(ROUTES "…", N n, MACS "…")`: the platform's routing primitive (routed.ts) */
  routed?: Routed;
}

export interface AllocationConnection {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  pos: Pos;
}

export interface AllocationRequest {
  header: Record<string, string>;
  /** the BASESYS header: how modules are instantiated, e.g. 'xen.clickos' */
  baseSystem: string;
  fromNet: NetEndpoint[];
  toNet: NetEndpoint[];
  modules: ProcessingModule[];
  connections: AllocationConnection[];
}

export class AllocationError extends ClickSyntaxError {
  constructor(file: string, line: number, col: number, reason: string) {
    super(file, line, col, reason);
    this.name = 'AllocationError';
  }
}

export interface AllocationOptions {
  /** processing module types the platform offers; others are refused with a suggestion */
  knownModules?: Iterable<string>;
}

const HEADER = /^([ \t]*)([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(.*)$/;

/** A single double-quoted string argument, unquoted; null if the argument is anything else. */
function quoted(arg: string): string | null {
  const m = /^"((?:[^"\\]|\\.)*)"$/s.exec(arg);
  return m ? m[1].replace(/\\(.)/gs, '$1') : null;
}

export function parseAllocation(text: string, file = 'allocation', options: AllocationOptions = {}): AllocationRequest {
  function fail(pos: Pos, message: string): never {
    throw new AllocationError(file, pos.line, pos.col, message);
  }
  const lines = text.split(/\r\n|\n|\r/);
  const header: Record<string, string> = {};
  const headerPos = new Map<string, Pos>();
  let body = 0;
  for (; body < lines.length; body++) {
    const line = lines[body];
    if (/^\s*(\/\/.*)?$/.test(line)) continue;
    const m = HEADER.exec(line);
    if (!m) break;
    const pos = { line: body + 1, col: m[1].length + 1 };
    const key = m[2];
    const value = m[3].trim();
    if (key in header) fail(pos, `duplicate header key '${key}' (first set on line ${headerPos.get(key)!.line})`);
    if (value === '') fail({ line: body + 1, col: line.indexOf('=') + 2 }, `header key '${key}' has an empty value`);
    header[key] = value;
    headerPos.set(key, pos);
  }
  for (let i = body; i < lines.length; i++) {
    const m = HEADER.exec(lines[i]);
    if (m && !lines[i].includes('::') && !lines[i].includes('->'))
      fail({ line: i + 1, col: m[1].length + 1 }, `header line '${m[2]}=...' after the module section; header lines come first`);
  }
  const bodyPos = { line: Math.min(body, lines.length - 1) + 1, col: 1 };
  if (!('BASESYS' in header)) fail({ line: 1, col: 1 }, "missing 'BASESYS=' header line (for example 'BASESYS=xen.clickos')");

  // blank the header lines so that Click positions stay those of the whole request
  const withReplicas = readReplicas(lines.map((l, i) => (i < body ? '' : l)).join('\n'), file);
  const clickText = withReplicas.text;
  const router = flatten(parse(clickText, file));
  if (router.errors.length) fail(router.errors[0].pos, router.errors[0].message);

  const fromNet: NetEndpoint[] = [];
  const toNet: NetEndpoint[] = [];
  const modules: ProcessingModule[] = [];
  const known = options.knownModules ? [...options.knownModules] : null;
  for (const e of router.elements) {
    const replicas = withReplicas.replicas.get(e.name);
    if (e.class === 'FromNet' || e.class === 'ToNet') {
      if (replicas) fail(replicas.pos, `${e.class} '${e.name}' is where traffic enters or leaves: it has no replicas`);
      const value = e.args.length === 1 ? quoted(e.args[0]) : null;
      if (value === null || value.trim() === '')
        fail(e.pos, e.class === 'FromNet'
          ? `FromNet '${e.name}' takes one quoted, non-empty match, as in FromNet("ip,nw_dst=10.0.0.1")`
          : `ToNet '${e.name}' takes one quoted, non-empty port name, as in ToNet("tun1")`);
      (e.class === 'FromNet' ? fromNet : toNet).push({ name: e.name, value, pos: e.pos });
      continue;
    }
    if (e.class === ROUTED_CLASS) {
      if (replicas) fail(replicas.pos, `IPRouter '${e.name}' is the platform's router: it has no replicas`);
      let routed: Routed;
      try {
        routed = readRouted(clickText, e.pos, e.config, e.name);
      } catch (x) {
        if (x instanceof RoutedSyntaxError) fail(x.pos, x.message);
        throw x;
      }
      modules.push({ name: e.name, type: e.class, config: e.config, args: e.args, inputs: 0, outputs: 0, pos: e.pos, routed: routed! });
      continue;
    }
    if (known && !known.includes(e.class)) {
      const near = known.filter((k) => editDistance(k, e.class) <= Math.max(1, Math.floor(e.class.length / 3)));
      fail(e.pos, `unknown processing module type '${e.class}'${near.length ? ` (did you mean '${near[0]}'?)` : ''}`);
    }
    modules.push({ name: e.name, type: e.class, config: e.config, args: e.args, inputs: 0, outputs: 0, pos: e.pos, ...(replicas ? { replicas } : {}) });
  }
  const connections: AllocationConnection[] = router.connections.map((c) => ({ ...c }));

  for (const c of connections) {
    if (fromNet.some((f) => f.name === c.to)) fail(c.pos, `FromNet '${c.to}' has no inputs: traffic enters the platform there`);
    if (toNet.some((t) => t.name === c.from)) fail(c.pos, `ToNet '${c.from}' has no outputs: traffic leaves the platform there`);
    if (fromNet.some((f) => f.name === c.from) && c.fromPort !== 0) fail(c.pos, `FromNet '${c.from}' has only output 0, not ${c.fromPort}`);
    if (toNet.some((t) => t.name === c.to) && c.toPort !== 0) fail(c.pos, `ToNet '${c.to}' has only input 0, not ${c.toPort}`);
  }
  if (!fromNet.length) fail(bodyPos, 'allocation has no FromNet("match") element: no traffic would reach it');
  if (!toNet.length) fail(bodyPos, 'allocation has no ToNet("port") element: its traffic would go nowhere');
  for (const f of fromNet) if (!connections.some((c) => c.from === f.name)) fail(f.pos, `FromNet '${f.name}' is not connected`);
  for (const t of toNet) if (!connections.some((c) => c.to === t.name)) fail(t.pos, `ToNet '${t.name}' is not connected`);
  for (const m of modules) {
    const ins = connections.filter((c) => c.to === m.name).map((c) => c.toPort);
    const outs = connections.filter((c) => c.from === m.name).map((c) => c.fromPort);
    if (!ins.length && !outs.length) fail(m.pos, `processing module '${m.name}' is not connected`);
    m.inputs = Math.max(0, ...ins.map((p) => p + 1));
    m.outputs = Math.max(0, ...outs.map((p) => p + 1));
    for (let p = 0; p < m.inputs; p++) if (!ins.includes(p)) fail(m.pos, `processing module '${m.name}' input ${p} is not connected`);
    for (let p = 0; p < m.outputs; p++) if (!outs.includes(p)) fail(m.pos, `processing module '${m.name}' output ${p} is not connected`);
  }
  for (const m of modules) {
    if (!m.routed) continue;
    const bad = checkRoutedPlace(m as ProcessingModule & { routed: Routed }, modules.length, fromNet, toNet, connections);
    if (bad) fail(bad.pos, bad.message);
  }
  return { header, baseSystem: header.BASESYS, fromNet, toNet, modules, connections };
}
