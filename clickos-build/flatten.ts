import { expandVariables, splitArgs } from './args.js';
import type { ClassRef, ClickConfig, CompoundBody, CompoundClass, Config, Formal, Statement } from './ast.js';
import type { Pos } from './errors.js';

export interface FlatElement {
  /** full name; components of compounds are 'compound/component' as Click names them */
  name: string;
  /** a primitive element class */
  class: string;
  /** the configuration string after variable substitution */
  config: string;
  args: string[];
  pos: Pos;
}

export interface FlatConnection {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  pos: Pos;
}

export interface FlattenError {
  pos: Pos;
  message: string;
}

export interface FlatRouter {
  file: string;
  elements: FlatElement[];
  connections: FlatConnection[];
  requirements: string[];
  /** errors Click would report while expanding compounds */
  errors: FlattenError[];
}

type ClassDef =
  | { kind: 'primitive'; name: string }
  | { kind: 'compound'; name: string; compound: CompoundClass; previous: ClassDef | null; classes: ClassEnv };
type ClassEnv = ReadonlyMap<string, ClassDef>;

interface Edge {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  pos: Pos;
}

interface Instance {
  name: string;
  def: ClassDef;
  config: Config | null;
  pos: Pos;
}

/** Expands compounds, element groups and 'define' variables into a flat router graph. */
export function flatten(config: ClickConfig): FlatRouter {
  return new Flattener(config.file).run(config.statements);
}

/** A body's port counts: the highest 'input' output and 'output' input it connects, plus one. */
function bodyPorts(body: CompoundBody): { inputs: number; outputs: number } {
  let inputs = 0;
  let outputs = 0;
  for (const s of body.statements) {
    if (s.kind !== 'connection') continue;
    for (const e of s.edges) {
      if (e.from === 'input') inputs = Math.max(inputs, e.fromPort + 1);
      if (e.to === 'output') outputs = Math.max(outputs, e.toPort + 1);
    }
  }
  return { inputs, outputs };
}

/** Click's cp_keyword: a word of [A-Za-z0-9_.:?!] up to the first space, then the rest. */
function keywordOf(arg: string): { keyword: string; rest: string } | null {
  const m = /^([A-Za-z0-9_.:?!]+)(?:\s+([\s\S]*))?$/.exec(arg);
  return m ? { keyword: m[1], rest: m[2] ?? '' } : null;
}

/**
 * Click's cp_assign_arguments. With no keyword formals the arguments must match the positional
 * ones in number. Otherwise the positional ones are filled first, in order (even by an argument
 * that looks like 'KEY value'); after them 'KEY value' arguments fill keyword formals (the
 * last one given wins); every formal is mandatory. A non-keyword argument after a keyword one,
 * or a positional one too many, goes to '__REST__' if there is one and fails the match if not.
 */
export function assignArguments(formals: Formal[], args: string[]): Map<string, string> | null {
  const values = new Map<string, string>();
  const last = formals[formals.length - 1];
  if (!last || last.keyword === null) {
    if (args.length !== formals.length) return null;
    formals.forEach((f, i) => values.set(f.name, args[i]));
    return values;
  }
  const rest = last.keyword === '__REST__' ? last : undefined;
  const named = formals.filter((f) => f !== rest);
  const positional = named.filter((f) => f.keyword === null);
  const unused: string[] = [];
  let supplied = 0;
  let anyKeyword = false;
  for (const a of args) {
    if (supplied >= positional.length) {
      const k = keywordOf(a);
      const f = k && named.find((g) => g.keyword === k.keyword);
      if (k && f) {
        values.set(f.name, k.rest);
        anyKeyword = true;
        continue;
      }
      if (anyKeyword) {
        if (!rest) return null;
        unused.push(a);
        continue;
      }
    }
    if (supplied < positional.length) values.set(positional[supplied].name, a);
    else unused.push(a);
    supplied++;
  }
  if (named.some((f) => !values.has(f.name))) return null;
  if (supplied > positional.length && !rest) return null;
  if (rest) values.set(rest.name, unused.join(', '));
  return values;
}

function signature(name: string, nargs: number, ninputs: number, noutputs: number): string {
  const pl = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${name || '<anonymous>'}[${pl(nargs, 'argument')}, ${pl(ninputs, 'input')}, ${pl(noutputs, 'output')}]`;
}

class Flattener {
  private readonly elements: FlatElement[] = [];
  private readonly real = new Set<string>();
  private readonly taken = new Set<string>();
  private readonly edges: Edge[] = [];
  private readonly tunnels = new Map<string, string>();
  private readonly requirements: string[] = [];
  private readonly errors: FlattenError[] = [];

  constructor(private readonly file: string) {}

  run(statements: Statement[]): FlatRouter {
    this.scope(statements, '', new Map(), new Map());
    return {
      file: this.file,
      elements: this.elements,
      connections: this.resolve(),
      requirements: this.requirements,
      errors: this.errors,
    };
  }

  private classOf(ref: ClassRef, classes: ClassEnv): ClassDef {
    if (ref.kind === 'compound') return { kind: 'compound', name: '', compound: ref.compound, previous: null, classes };
    return classes.get(ref.name) ?? { kind: 'primitive', name: ref.name };
  }

  /** Expands one scope's statements under prefix ('' or 'compound/'). */
  private scope(statements: Statement[], prefix: string, outerClasses: ClassEnv, outerVars: ReadonlyMap<string, string>): void {
    const classes = new Map(outerClasses);
    const vars = new Map(outerVars);
    const instances: Instance[] = [];
    const local = (n: string) => prefix + n;
    const declare = (name: string, def: ClassDef, config: Config | null, pos: Pos) => instances.push({ name, def, config, pos });

    // a group's statements belong to the enclosing scope; only its ports are its own
    const walk = (list: Statement[]): void => {
      for (const s of list) {
        switch (s.kind) {
          case 'declaration':
            for (const n of s.names) declare(n.name, this.classOf(s.class, classes), s.config, n.pos);
            break;
          case 'connection':
            for (const set of s.sets)
              for (const { element: e } of set) {
                if (e.kind === 'decl' || e.kind === 'anon') declare(e.name, this.classOf(e.class, classes), e.config, e.pos);
                else if (e.kind === 'group') {
                  this.tunnels.set(local(e.name), local(`${e.name}/input`));
                  this.tunnels.set(local(`${e.name}/output`), local(e.name));
                  walk(e.statements);
                }
              }
            for (const e of s.edges) this.edges.push({ ...e, from: local(e.from), to: local(e.to) });
            break;
          case 'elementclass':
            classes.set(s.name, { kind: 'compound', name: s.name, compound: s.compound, previous: classes.get(s.name) ?? { kind: 'primitive', name: s.name }, classes: new Map(classes) });
            break;
          case 'synonym':
            classes.set(s.name, classes.get(s.target.name) ?? { kind: 'primitive', name: s.target.name });
            break;
          case 'require':
            this.requirements.push(...s.requirements);
            break;
          case 'define':
            for (const d of s.definitions) vars.set(d.name, expandVariables(d.value, vars));
            break;
        }
      }
    };
    walk(statements);

    // compounds expand after the scope, like Click, so every connection to them is known
    for (const inst of instances) {
      const name = local(inst.name);
      if (this.taken.has(name)) {
        this.errors.push({ pos: inst.pos, message: `redeclaration of element '${name}'` });
        continue;
      }
      this.taken.add(name);
      const config = expandVariables(inst.config?.raw ?? '', vars);
      this.instantiate(name, inst.def, config, inst.pos, vars);
    }
  }

  private instantiate(name: string, def: ClassDef, config: string, pos: Pos, vars: ReadonlyMap<string, string>): void {
    const args = splitArgs(config);
    if (def.kind === 'primitive') {
      this.real.add(name);
      this.elements.push({ name, class: def.name, config, args, pos });
      return;
    }
    let inputs = 0;
    let outputs = 0;
    for (const e of this.edges) {
      if (e.to === name) inputs = Math.max(inputs, e.toPort + 1);
      if (e.from === name) outputs = Math.max(outputs, e.fromPort + 1);
    }
    const chosen = this.choose(def, args, inputs, outputs);
    if (!chosen) {
      this.errors.push({ pos, message: `no match for '${signature(def.name, args.length, inputs, outputs)}'` });
      return;
    }
    if ('primitive' in chosen) {
      this.instantiate(name, chosen.primitive, config, pos, vars);
      return;
    }
    const { body, values, classes } = chosen;
    const inner = new Map(vars);
    for (const [k, v] of values) inner.set(k, v);
    this.tunnels.set(name, `${name}/input`);
    this.tunnels.set(`${name}/output`, name);
    const before = this.edges.length;
    this.scope(body.statements, `${name}/`, classes, inner);
    this.checkCompoundPorts(name, this.edges.slice(before));
  }

  /** Picks the overload whose port counts and arguments fit, as Click's Compound::resolve does. */
  private choose(def: ClassDef & { kind: 'compound' }, args: string[], inputs: number, outputs: number):
    | { body: CompoundBody; values: Map<string, string>; classes: ClassEnv }
    | { primitive: ClassDef }
    | null {
    let fallback: { body: CompoundBody; values: Map<string, string>; classes: ClassEnv } | null = null;
    let candidates = 0;
    for (let d: ClassDef | null = def; d; d = d.kind === 'compound' && d.compound.extendsPrevious ? d.previous : null) {
      if (d.kind === 'primitive') return { primitive: d };
      for (const body of d.compound.bodies) {
        candidates++;
        const values = assignArguments(body.formals, args);
        if (!values) continue;
        const p = bodyPorts(body);
        if (p.inputs === inputs && p.outputs === outputs) return { body, values, classes: d.classes };
        fallback ??= { body, values, classes: d.classes };
      }
    }
    return candidates === 1 ? fallback : null;
  }

  /** Click's "has no input", "input unused" errors for a compound instance's ports. */
  private checkCompoundPorts(name: string, inner: Edge[]): void {
    const outer = this.edges.filter((e) => !inner.includes(e));
    const report = (p: Pos, message: string) => this.errors.push({ pos: p, message });
    for (const e of outer) {
      if (e.to === name && !inner.some((i) => i.from === `${name}/input` && i.fromPort === e.toPort)) report(e.pos, `'${name}' has no input ${e.toPort}`);
      if (e.from === name && !inner.some((i) => i.to === `${name}/output` && i.toPort === e.fromPort)) report(e.pos, `'${name}' has no output ${e.fromPort}`);
    }
    for (const i of inner) {
      if (i.from === `${name}/input` && !outer.some((e) => e.to === name && e.toPort === i.fromPort)) report(i.pos, `'${name}' input ${i.fromPort} unused`);
      if (i.to === `${name}/output` && !outer.some((e) => e.from === name && e.fromPort === i.toPort)) report(i.pos, `'${name}' output ${i.toPort} unused`);
    }
  }

  /** Real connections: from each real output, follow tunnels (compound ports) to real inputs. */
  private resolve(): FlatConnection[] {
    const byFrom = new Map<string, Edge[]>();
    for (const e of this.edges) {
      const list = byFrom.get(e.from) ?? [];
      list.push(e);
      byFrom.set(e.from, list);
    }
    const sinks = (node: string, port: number, seen: Set<string>): Array<[string, number]> => {
      const exit = this.tunnels.get(node);
      if (exit === undefined) return this.real.has(node) ? [[node, port]] : [];
      const key = `${node}\u0000${port}`;
      if (seen.has(key)) return []; // Click ignores circular tunnels
      seen.add(key);
      return (byFrom.get(exit) ?? []).filter((e) => e.fromPort === port).flatMap((e) => sinks(e.to, e.toPort, seen));
    };
    const out: FlatConnection[] = [];
    const dup = new Set<string>();
    for (const e of this.edges) {
      if (!this.real.has(e.from)) continue;
      for (const [to, toPort] of sinks(e.to, e.toPort, new Set())) {
        const key = `${e.from}[${e.fromPort}]->[${toPort}]${to}`;
        if (dup.has(key)) continue;
        dup.add(key);
        out.push({ from: e.from, fromPort: e.fromPort, to, toPort, pos: e.pos });
      }
    }
    return out;
  }
}
