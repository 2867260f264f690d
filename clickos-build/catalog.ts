import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot } from '../toolstack/project-root.js';

/** Element groups (folders under Click's elements/) that a default ClickOS build compiles. */
export const CLICKOS_GROUPS: readonly string[] = [
  'analysis', 'app', 'aqm', 'ethernet', 'icmp', 'ip', 'simple', 'standard', 'tcpudp', 'test', 'threads', 'minios',
];

export interface PortRange {
  min: number;
  /** Infinity when unbounded */
  max: number;
}

/** Click's port-count notation: '1/1-2', '-/=', '2-/=+'. */
export interface PortSpec {
  inputs: PortRange;
  /** '=' means as many outputs as inputs; '=+' one more than inputs */
  outputs: PortRange | 'same' | 'same+1';
}

export type Processing = 'push' | 'pull' | 'agnostic';

export interface ElementInfo {
  name: string;
  group: string;
  ports: string;
  processing: string;
  portSpec: PortSpec;
}

function parseRange(s: string, spec: string): PortRange {
  const m = /^(\d*)(-?)(\d*)$/.exec(s);
  if (!m || (m[2] === '' && (m[1] === '' || m[3] !== ''))) throw new Error(`bad port count '${spec}'`);
  const min = m[1] === '' ? 0 : Number(m[1]);
  if (m[2] === '') return { min, max: min };
  return { min, max: m[3] === '' ? Infinity : Number(m[3]) };
}

export function parsePortSpec(spec: string): PortSpec {
  const [ins, outs = ins] = spec.split('/');
  const inputs = parseRange(ins, spec);
  if (outs === '=') return { inputs, outputs: 'same' };
  if (outs === '=+') return { inputs, outputs: 'same+1' };
  return { inputs, outputs: parseRange(outs, spec) };
}

/** The allowed output range once the number of inputs is known. */
export function outputRange(spec: PortSpec, ninputs: number): PortRange {
  if (spec.outputs === 'same') return { min: ninputs, max: ninputs };
  if (spec.outputs === 'same+1') return { min: ninputs + 1, max: ninputs + 1 };
  return spec.outputs;
}

/** Processing of one port from a code like 'h/lh': one letter per port, the last one repeats. */
export function portProcessing(code: string, side: 'input' | 'output', port: number): Processing {
  const parts = code.split('/');
  const letters = side === 'input' ? parts[0] : (parts[1] ?? parts[0]);
  const c = letters === '' ? 'a' : letters[Math.min(port, letters.length - 1)];
  return c === 'h' ? 'push' : c === 'l' ? 'pull' : 'agnostic';
}

/** Finds ../shared/data/click-elements.json beside the project root; CLICK_ELEMENTS overrides. */
export function defaultCatalogPath(): string {
  if (process.env.CLICK_ELEMENTS) return process.env.CLICK_ELEMENTS;
  return resolve(projectRoot, 'clickos-build', 'data', 'click-elements.json');
}

/**
 * Classes of Click's elements/standard that the shipped click-elements.json lacks although
 * the shipped configs use them (an extraction gap in that file, reported upstream of here).
 * Port and processing codes are the ones in Click's headers for these classes.
 */
export const CATALOG_ADDITIONS: ReadonlyArray<{ name: string; group: string; ports: string; processing: string }> = [
  { name: 'AddressInfo', group: 'standard', ports: '0/0', processing: 'a' },
  { name: 'AlignmentInfo', group: 'standard', ports: '0/0', processing: 'a' },
  { name: 'ScheduleInfo', group: 'standard', ports: '0/0', processing: 'a' },
  { name: 'FullNoteQueue', group: 'standard', ports: '1/1-2', processing: 'h/lh' },
];

export class Catalog {
  private readonly byName = new Map<string, ElementInfo[]>();

  constructor(entries: Array<{ name: string; group: string; ports: string; processing: string }>) {
    for (const e of entries) {
      const info: ElementInfo = { ...e, portSpec: parsePortSpec(e.ports) };
      const list = this.byName.get(e.name) ?? [];
      list.push(info);
      this.byName.set(e.name, list);
    }
  }

  /** Loads the catalog file, plus CATALOG_ADDITIONS for classes it lacks unless told not to. */
  static load(path = defaultCatalogPath(), options: { additions?: boolean } = {}): Catalog {
    const entries: Array<{ name: string; group: string; ports: string; processing: string }> = JSON.parse(readFileSync(path, 'utf8'));
    if (options.additions !== false)
      for (const a of CATALOG_ADDITIONS) if (!entries.some((e) => e.name === a.name)) entries.push(a);
    return new Catalog(entries);
  }

  /** Every entry for a class name: one per source group that defines it. */
  lookup(name: string): ElementInfo[] {
    return this.byName.get(name) ?? [];
  }

  /** The entry a ClickOS image would use, if ClickOS builds the class at all. */
  forClickOS(name: string): ElementInfo | undefined {
    const list = this.lookup(name);
    return list.find((e) => e.group === 'minios') ?? list.find((e) => CLICKOS_GROUPS.includes(e.group));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
