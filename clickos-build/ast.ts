import type { Pos } from './errors.js';

export type { Pos };

/** A configuration string: the raw text between the parentheses, and its arguments split at
 *  top-level commas with comments removed and whitespace trimmed (nothing is unquoted). */
export interface Config {
  raw: string;
  args: string[];
  pos: Pos;
}

export interface Name {
  name: string;
  pos: Pos;
}

/** Where an element's class comes from: a name (primitive or elementclass) or an inline compound. */
export type ClassRef =
  | { kind: 'class'; name: string; pos: Pos }
  | { kind: 'compound'; compound: CompoundClass; pos: Pos };

/** One element in a connection. */
export type ElementExpr =
  /** a previously declared element */
  | { kind: 'ref'; name: string; pos: Pos }
  /** 'name :: Class(config)' written inside a connection */
  | { kind: 'decl'; name: string; class: ClassRef; config: Config | null; pos: Pos }
  /** 'Class(config)': name is generated as Click does, 'Class@N' (N counts the scope's elements) */
  | { kind: 'anon'; name: string; class: ClassRef; config: Config | null; pos: Pos }
  /** a port with no element inside a compound or group: '[1] -> x' is 'input [1] -> x' and
   *  'x -> [1]' at a chain's end is 'x -> [1] output' */
  | { kind: 'implicit'; name: 'input' | 'output'; pos: Pos }
  /** '( statements )': an element group named '@N'; inside it 'input' and 'output' are the
   *  group's own ports, while the elements it declares belong to the enclosing scope */
  | { kind: 'group'; name: string; statements: Statement[]; pos: Pos };

/** '[0]', '[0, 2]', and the expandable '[]' or '[3,]' (ports counting up from the last one). */
export interface PortList {
  ports: number[];
  expandable: boolean;
}

/** One element of an element set, with the ports written before and after it. */
export interface Endpoint {
  inPorts: PortList | null;
  element: ElementExpr;
  outPorts: PortList | null;
  pos: Pos;
}

/** A connection between two elements of one scope; names are as written in that scope, with
 *  a group's ports as '@N/input' and '@N/output'. */
export interface Edge {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  pos: Pos;
}

export interface Formal {
  /** variable name without '$' */
  name: string;
  /** keyword for keyword formals ('KEY $x'), or null for positional ones */
  keyword: string | null;
  pos: Pos;
}

/** One body of a compound: 'formals | statements'. */
export interface CompoundBody {
  formals: Formal[];
  statements: Statement[];
  pos: Pos;
}

/** '{ body || body || ... }': overloads, optionally extending an earlier class with '...'. */
export interface CompoundClass {
  bodies: CompoundBody[];
  extendsPrevious: boolean;
  pos: Pos;
}

export interface Definition {
  name: string;
  value: string;
}

export type Statement =
  | { kind: 'declaration'; names: Name[]; class: ClassRef; config: Config | null; pos: Pos }
  /** element sets joined by '->' or '=>' ('a, b -> c'); edges are the connections they make */
  | { kind: 'connection'; sets: Endpoint[][]; connectors: Array<'->' | '=>'>; edges: Edge[]; pos: Pos }
  | { kind: 'elementclass'; name: string; compound: CompoundClass; pos: Pos }
  | { kind: 'synonym'; name: string; target: Name; pos: Pos }
  | { kind: 'require'; config: Config; requirements: string[]; pos: Pos }
  | { kind: 'define'; config: Config; definitions: Definition[]; pos: Pos };

export interface ClickConfig {
  file: string;
  statements: Statement[];
}

/** A deep copy without 'pos' fields, to compare ASTs from different texts. */
export function stripPositions<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n) => stripPositions(n)) as T;
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== 'pos') out[k] = stripPositions(v);
    return out as T;
  }
  return node;
}
