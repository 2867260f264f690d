import { splitArgs, stripComments } from './args.js';
import type {
  ClassRef, ClickConfig, CompoundBody, CompoundClass, Config, Definition, Edge, ElementExpr, Endpoint,
  Formal, PortList, Statement,
} from './ast.js';
import type { Pos } from './errors.js';
import { Lexer, describe, type Token } from './lexer.js';

export interface ParseOptions {
  /** line number of the text's first line, for texts cut out of a larger file */
  startLine?: number;
}

/** One element of a set while its connections are worked out: its ports as Click lists them,
 *  an expandable list ending in -1 ('[]' is [0, -1]). */
interface Side {
  ep: Endpoint;
  name: string;
  ins: number[];
  outs: number[];
}

function flat(p: PortList | null): number[] {
  if (!p) return [];
  if (!p.expandable) return p.ports;
  return [...(p.ports.length ? p.ports : [0]), -1];
}

/** The position of offset i in a configuration string. */
function posIn(config: Config, i: number): Pos {
  let { line, col } = config.pos;
  for (let j = 0; j < i; j++) {
    const c = config.raw[j];
    if (c === '\n' || (c === '\r' && config.raw[j + 1] !== '\n')) {
      line++;
      col = 1;
    } else col++;
  }
  return { line, col };
}

/** Per-scope bookkeeping: Click numbers anonymous elements by their index in the scope. */
class Scope {
  readonly elements = new Set<string>();
  readonly classes = new Set<string>();
  readonly anonymous: Array<{ kind: 'anon'; name: string }> = [];
  /** formals and 'define's: one namespace, each name defined once */
  readonly vars = new Set<string>();
  count = 0;
  constructor(readonly parent: Scope | null) {}

  hasClass(name: string): boolean {
    return this.classes.has(name) || (this.parent?.hasClass(name) ?? false);
  }

  /** Click renames an anonymous 'C@N' that clashes with a declared name to the next free N. */
  finish(): void {
    const used = new Set(this.elements);
    for (const a of this.anonymous) {
      let name = a.name;
      const at = name.lastIndexOf('@');
      let n = Number(name.slice(at + 1));
      while (used.has(name)) name = `${name.slice(0, at + 1)}${++n}`;
      a.name = name;
      used.add(name);
    }
  }
}

/** Parses a whole Click configuration; throws ClickSyntaxError on the first error. */
export function parse(text: string, file = 'config', options: ParseOptions = {}): ClickConfig {
  return new Parser(new Lexer(text, file, options.startLine ?? 1)).config();
}

class Parser {
  private scope = new Scope(null);
  /** names of the groups being read, innermost last */
  private groups: string[] = [];

  constructor(private readonly lx: Lexer) {}

  private fail(pos: Pos, message: string): never {
    throw this.lx.error(pos, message);
  }

  private expect(kind: Token['kind'], what = `'${kind}'`): Token {
    const t = this.lx.next();
    if (t.kind !== kind) this.fail(t.pos, `expected ${what}, found ${describe(t)}`);
    return t;
  }

  config(): ClickConfig {
    const statements = this.statements('file');
    this.scope.finish();
    return { file: this.lx.file, statements };
  }

  /** Statements up to the end of the file, a compound body ('}' or '||') or a group (')'). */
  private statements(context: 'file' | 'compound' | 'group'): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      const t = this.lx.peek();
      switch (t.kind) {
        case 'ident':
        case '[':
        case '{':
        case '(':
        case '->':
        case '=>':
          out.push(this.connection());
          break;
        case 'elementclass':
          out.push(this.elementclass());
          break;
        case 'require':
          out.push(this.require());
          break;
        case 'define':
          out.push(this.define());
          break;
        case ';':
          this.lx.next();
          break;
        case '}':
        case '||':
          if (context !== 'compound') this.fail(t.pos, `syntax error near ${describe(t)}`);
          return out;
        case ')':
          if (context !== 'group') this.fail(t.pos, `syntax error near ${describe(t)}`);
          return out;
        case 'eof':
          if (context === 'compound') this.fail(t.pos, "expected '}' before end of file");
          if (context === 'group') this.fail(t.pos, "expected ')' before end of file");
          return out;
        default:
          this.fail(t.pos, `syntax error near ${describe(t)}`);
      }
    }
  }

  /** '[0]', '[0, 1]', '[]' or '[2,]'; an empty or comma-ended list is expandable. */
  private portList(): PortList | null {
    if (this.lx.peek().kind !== '[') return null;
    this.lx.next();
    const ports: number[] = [];
    for (;;) {
      const t = this.lx.next();
      if (t.kind === ']') return { ports, expandable: true };
      if (t.kind !== 'ident') this.fail(t.pos, 'syntax error: expected port number');
      // Click reads the number with IntArg; a ClickOS config has no use for hex or octal ports
      if (!/^\d+$/.test(t.text)) this.fail(t.pos, `syntax error: port number should be integer, not '${t.text}'`);
      ports.push(Number(t.text));
      const sep = this.lx.next();
      if (sep.kind === ']') return { ports, expandable: false };
      if (sep.kind !== ',') this.fail(sep.pos, `syntax error: expected ',' or ']', found ${describe(sep)}`);
    }
  }

  private optConfig(): Config | null {
    const open = this.lx.peek();
    if (open.kind !== '(') return null;
    this.lx.next();
    const { raw, pos } = this.lx.readConfig(open.pos);
    this.expect(')');
    return { raw, args: splitArgs(raw), pos };
  }

  private checkNewElement(name: string, pos: Pos): void {
    if (name.split('/').some((part) => /^\d+$/.test(part)))
      this.fail(pos, `element name '${name}' has all-digit component`);
    if (this.scope.elements.has(name)) this.fail(pos, `redeclaration of element '${name}'`);
    if (this.scope.hasClass(name)) this.fail(pos, `class '${name}' used as element name`);
    this.scope.elements.add(name);
  }

  private classRef(): ClassRef {
    const t = this.lx.peek();
    if (t.kind === 'ident') {
      this.lx.next();
      return { kind: 'class', name: t.text, pos: t.pos };
    }
    if (t.kind === '{') return { kind: 'compound', compound: this.compound(null), pos: t.pos };
    this.fail(t.pos, `missing element class in declaration, found ${describe(t)}`);
  }

  /** Named when its element set ends (finishSet), as Click numbers elements in that order. */
  private anonymous(cls: ClassRef, config: Config | null, pos: Pos): ElementExpr {
    return { kind: 'anon', name: '', class: cls, config, pos };
  }

  private get nested(): boolean {
    return this.scope.parent !== null || this.groups.length > 0;
  }

  /** The name an edge uses for a written element name: inside a group, its own ports. */
  private local(name: string): string {
    const g = this.groups[this.groups.length - 1];
    return g && (name === 'input' || name === 'output') ? `${g}/${name}` : name;
  }

  /** One element with its ports, or null after a trailing comma (Click skips it). */
  private endpoint(first: boolean, count: number): { ep: Endpoint; ins: number[]; outs: number[] } | null {
    const pos = this.lx.peek().pos;
    const inPorts = this.portList();
    let ins = flat(inPorts);
    const t = this.lx.peek();
    let element: ElementExpr;
    let outs: number[] = [];
    if (t.kind === 'ident') {
      this.lx.next();
      const after = this.lx.peek();
      if (after.kind === '::') {
        this.lx.next();
        const cls = this.classRef();
        const config = this.optConfig();
        this.checkNewElement(t.text, t.pos);
        element = { kind: 'decl', name: t.text, class: cls, config, pos: t.pos };
      } else if (after.kind === '(') {
        if (this.scope.elements.has(t.text)) this.fail(after.pos, 'configuration string ignored on element reference');
        element = this.anonymous({ kind: 'class', name: t.text, pos: t.pos }, this.optConfig(), t.pos);
      } else if (this.scope.elements.has(t.text)) element = { kind: 'ref', name: t.text, pos: t.pos };
      else element = this.anonymous({ kind: 'class', name: t.text, pos: t.pos }, null, t.pos);
    } else if (t.kind === '{') {
      const cls = this.classRef();
      element = this.anonymous(cls, this.optConfig(), t.pos);
    } else if (t.kind === '(') {
      const g = this.group();
      element = g.element;
      if (!inPorts) ins = g.inputs;
      outs = g.outputs;
    } else {
      // a port standing for 'input' or 'output', as Click's lexer decides it
      const arrow = t.kind === '->' || t.kind === '=>';
      const implicit = !this.nested ? false
        : arrow ? first && (inPorts !== null || count === 0)
        : t.kind === ',' ? inPorts !== null
        : t.kind !== '::' && !first && (inPorts !== null || count === 0);
      if (implicit) {
        const name = first ? 'input' : 'output';
        const ep: Endpoint = first
          ? { inPorts: null, element: { kind: 'implicit', name, pos }, outPorts: inPorts, pos }
          : { inPorts, element: { kind: 'implicit', name, pos }, outPorts: null, pos };
        return first ? { ep, ins: [], outs: ins } : { ep, ins, outs: [] };
      }
      if (inPorts) this.fail(pos, 'stranded port ignored');
      if (count === 0) this.fail(t.pos, `syntax error near ${describe(t)}`);
      return null;
    }
    const outPorts = this.portList();
    if (outPorts) outs = flat(outPorts);
    return { ep: { inPorts, element, outPorts, pos }, ins, outs };
  }

  /** '( statements )': the group is the element '@N' and counts three elements, as in Click
   *  (itself and its 'input' and 'output' tunnels). Its port counts are implied ports. */
  private group(): { element: ElementExpr; inputs: number[]; outputs: number[] } {
    const open = this.lx.next();
    const name = `@${this.scope.count + 1}`;
    this.scope.count += 3;
    this.scope.elements.add(name);
    this.groups.push(name);
    const statements = this.statements('group');
    this.groups.pop();
    const close = this.expect(')');
    const [inputs, outputs] = this.checkPseudo(statements, `${name}/input`, `${name}/output`, '<anonymous group>', close.pos);
    const after = this.lx.peek();
    if (after.kind === '::' || after.kind === '(') this.fail(after.pos, `syntax error near ${describe(after)}`);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    return { element: { kind: 'group', name, statements, pos: open.pos }, inputs: range(inputs), outputs: range(outputs) };
  }

  /** Click's check of a compound's or group's 'input' and 'output': each used only on its own
   *  side, and no port missing below the highest one used. Returns the port counts. */
  private checkPseudo(statements: Statement[], input: string, output: string, label: string, pos: Pos): [number, number] {
    const used = [new Set<number>(), new Set<number>()];
    for (const s of statements) {
      if (s.kind !== 'connection') continue;
      for (const e of s.edges) {
        if (e.to === input) this.fail(pos, `'${label}' pseudoelement 'input' may only be used as output`);
        if (e.from === output) this.fail(pos, `'${label}' pseudoelement 'output' may only be used as input`);
        if (e.from === input) used[0].add(e.fromPort);
        if (e.to === output) used[1].add(e.toPort);
      }
    }
    const counts = used.map((u) => (u.size ? Math.max(...u) + 1 : 0)) as [number, number];
    for (const [k, side] of (['input', 'output'] as const).entries())
      for (let p = 0; p < counts[k]; p++) if (!used[k].has(p)) this.fail(pos, `'${label}' ${side} ${p} missing`);
    return counts;
  }

  /**
   * A connection or declaration: element sets ('a, b :: C, [1] d') joined by '->' or '=>'.
   * The edges follow Click's rules: each side of an arrow lists its ports in order (an element
   * with no port, or one, gives one); a side with one port fans out to all of the other's;
   * otherwise ports pair up in order, which only '=>' allows.
   */
  private connection(): Statement {
    const start = this.lx.peek().pos;
    const sets: Endpoint[][] = [];
    const connectors: Array<'->' | '=>'> = [];
    let arrowPos = start;
    const edges: Edge[] = [];
    let prev: Side[] = [];
    for (;;) {
      const first = sets.length === 0;
      const set: Endpoint[] = [];
      const sides: Side[] = [];
      let anyImplicit = false;
      for (;;) {
        const r = this.endpoint(first, set.length);
        if (r) {
          set.push(r.ep);
          sides.push({ ep: r.ep, name: '', ins: r.ins, outs: r.outs });
          if (r.ep.element.kind === 'implicit') anyImplicit = true;
        }
        if (!r || this.lx.peek().kind !== ',') break;
        this.lx.next();
      }
      const t = this.lx.peek();
      const arrow = t.kind === '->' || t.kind === '=>';
      if (anyImplicit && !first && arrow) this.fail(t.pos, 'implicit ports used in the middle of a chain');
      // 'a, b, c :: Queue(10)' alone declares all three
      const last = set[set.length - 1];
      if (first && !arrow && set.length > 1 && last.element.kind === 'decl'
        && sides.every((s) => !s.ins.length && !s.outs.length) && !anyImplicit
        && set.slice(0, -1).every((e) => e.element.kind === 'ref' || (e.element.kind === 'anon' && e.element.class.kind === 'class' && !e.element.config))) {
        const decl = last.element;
        const bare = (e: ElementExpr) => (e.kind === 'anon' && e.class.kind === 'class' ? e.class.name : e.kind === 'ref' ? e.name : decl.name);
        const names = set.map((e) => ({ name: bare(e.element), pos: e.element.pos }));
        for (const n of names.slice(0, -1)) this.checkNewElement(n.name, n.pos);
        this.scope.count += names.length;
        if (t.kind === ';') this.lx.next();
        else this.connectionEnd(t);
        return { kind: 'declaration', names, class: decl.class, config: decl.config, pos: start };
      }
      this.finishSet(set);
      for (const s of sides) s.name = this.local(s.ep.element.kind === 'implicit' ? s.ep.element.name : (s.ep.element as { name: string }).name);
      if (first) {
        if (sides.some((s) => s.ins.length)) this.fail(sides.find((s) => s.ins.length)!.ep.pos, 'input ports ignored at start of chain');
      } else edges.push(...this.connectAll(prev, sides, connectors[connectors.length - 1], arrowPos));
      sets.push(set);
      prev = sides;
      if (arrow) {
        this.lx.next();
        connectors.push(t.kind as '->' | '=>');
        arrowPos = t.pos;
        continue;
      }
      if (t.kind === ';') this.lx.next();
      else this.connectionEnd(t);
      break;
    }
    const withOut = prev.find((s) => s.outs.length);
    if (withOut) this.fail(withOut.ep.pos, 'output ports ignored at end of chain');
    const only = sets[0];
    if (sets.length === 1 && only.length === 1 && only[0].element.kind === 'decl') {
      const d = only[0].element;
      return { kind: 'declaration', names: [{ name: d.name, pos: d.pos }], class: d.class, config: d.config, pos: start };
    }
    return { kind: 'connection', sets, connectors, edges, pos: start };
  }

  /** What may follow a finished connection without a ';'. */
  private connectionEnd(t: Token): void {
    if (t.kind === ',' || t.kind === '::') this.fail(t.pos, `syntax error near ${describe(t)}`);
    if (!['ident', '{', '}', '[', ')', '||', 'eof', 'elementclass', 'require', 'provide', 'define'].includes(t.kind))
      this.fail(t.pos, `syntax error near ${describe(t)}`);
  }

  /** Declared and anonymous elements of a finished set take the scope's next numbers. */
  private finishSet(set: Endpoint[]): void {
    for (const e of set) {
      const el = e.element;
      if (el.kind === 'decl') this.scope.count++;
      else if (el.kind === 'anon') {
        el.name = `${el.class.kind === 'class' ? el.class.name : ''}@${++this.scope.count}`;
        this.scope.anonymous.push(el);
      }
    }
  }

  private connectAll(outputs: Side[], inputs: Side[], connector: '->' | '=>', pos: Pos): Edge[] {
    const fail = (m: string) => this.fail(pos, m);
    // side 0 is the inputs (after the arrow), side 1 the outputs (before it), as in Click
    const lists = [inputs.map((s) => s.ins), outputs.map((s) => s.outs)];
    const minp = [0, 0];
    const expandable = [0, 0];
    for (const k of [0, 1])
      for (const p of lists[k]) {
        if (p.length <= 1) minp[k] += 1;
        else if (p[p.length - 1] === -1) {
          minp[k] += p.length - 1;
          expandable[k]++;
        } else minp[k] += p.length;
      }
    if (expandable[0] + expandable[1] > 1) fail('at most one expandable port allowed per connection');
    // '=>' reads a lone element with no ports on one side as expandable
    if (connector === '=>')
      for (const k of [0, 1]) if (minp[k] === 1 && minp[1 - k] > 1 && lists[k][0].length === 0) expandable[k] = 1;
    const step = [0, 1].map((k) => minp[k] > 1 || expandable[k] > 0);
    const more = [0, 1].map((k) => (expandable[k] ? minp[1 - k] - minp[k] : 0));
    if (step[0] && step[1]) {
      if (connector !== '=>') fail("syntax error: many-to-many connections require '=>'");
      if (!expandable[0] && !expandable[1] && minp[0] !== minp[1]) fail(`connection mismatch: ${minp[1]} outputs connected to ${minp[0]} inputs`);
      if (!expandable[0] && minp[0] < minp[1]) fail(`connection mismatch: ${minp[1]} or more outputs connected to ${minp[0]} inputs`);
      if (!expandable[1] && minp[1] < minp[0]) fail(`connection mismatch: ${minp[1]} outputs connected to ${minp[0]} or more inputs`);
    } else if (!step[0] && !step[1]) step[0] = true;

    const sides = [inputs, outputs];
    const it = [0, 0];
    const ppos = [0, 0];
    const port = [-1, -1];
    const edges: Edge[] = [];
    while (it[0] < inputs.length && it[1] < outputs.length) {
      for (const k of [0, 1]) if (port[k] < 0) port[k] = lists[k][it[k]].length ? lists[k][it[k]][0] : 0;
      const to = sides[0][it[0]];
      edges.push({ from: sides[1][it[1]].name, fromPort: port[1], to: to.name, toPort: port[0], pos: to.ep.pos });
      for (const k of [0, 1]) {
        if (!step[k]) continue;
        const pv = lists[k][it[k]];
        const np = pv.length;
        ppos[k]++;
        if (ppos[k] < np && pv[ppos[k]] >= 0) port[k] = pv[ppos[k]];
        else if (np && pv[np - 1] === -1 && more[k] > 0) {
          port[k] = pv[np - 2] + ppos[k] - (np - 2);
          more[k]--;
        } else if (np === 0 && minp[k] === 1 && more[k] > 0) {
          port[k] = ppos[k];
          more[k]--;
        } else {
          port[k] = -1;
          ppos[k] = 0;
          it[k]++;
        }
      }
    }
    return edges;
  }

  private elementclass(): Statement {
    const kw = this.lx.next();
    const name = this.lx.next();
    if (name.kind !== 'ident') this.fail(name.pos, `expected element class name, found ${describe(name)}`);
    if (this.scope.elements.has(name.text)) this.fail(name.pos, `'${name.text}' is already an element name`);
    const t = this.lx.peek();
    if (t.kind === 'ident') {
      this.lx.next();
      this.scope.classes.add(name.text);
      return { kind: 'synonym', name: name.text, target: { name: t.text, pos: t.pos }, pos: kw.pos };
    }
    if (t.kind !== '{') this.fail(t.pos, `syntax error near ${describe(t)}: expected '{' or a class name`);
    const compound = this.compound(name.text);
    // the class is visible only after its definition: a body naming it means the outer one
    this.scope.classes.add(name.text);
    return { kind: 'elementclass', name: name.text, compound, pos: kw.pos };
  }

  private compound(name: string | null): CompoundClass {
    const open = this.expect('{');
    const bodies: CompoundBody[] = [];
    let extendsPrevious = false;
    for (;;) {
      const t = this.lx.peek();
      if (t.kind === '...') {
        this.lx.next();
        const close = this.lx.next();
        if (!bodies.length || close.kind !== '}') this.fail(t.pos, "'...' should occur last, after one or more compounds");
        if (name === null) this.fail(t.pos, "'...' cannot extend an anonymous compound");
        extendsPrevious = true;
        break;
      }
      bodies.push(this.body(t.pos, name));
      const sep = this.lx.next();
      if (sep.kind === '}') break;
      if (sep.kind !== '||') this.fail(sep.pos, `expected '||' or '}', found ${describe(sep)}`);
    }
    return { bodies, extendsPrevious, pos: open.pos };
  }

  private body(pos: Pos, name: string | null): CompoundBody {
    const outer = this.scope;
    const groups = this.groups;
    this.scope = new Scope(outer);
    this.groups = []; // a compound's 'input' and 'output' are its own, even inside a group
    this.scope.elements.add('input');
    this.scope.elements.add('output');
    const formals = this.formals();
    const statements = this.statements('compound');
    this.checkPseudo(statements, 'input', 'output', name ?? '<anonymous>', pos);
    this.scope.finish();
    this.scope = outer;
    this.groups = groups;
    return { formals, statements, pos };
  }

  private formals(): Formal[] {
    const formals: Formal[] = [];
    for (;;) {
      const t = this.lx.peek();
      let f: Formal;
      if (t.kind === 'ident' && this.lx.peek(1).kind === 'var') {
        this.lx.next();
        f = { name: this.lx.next().text, keyword: t.text, pos: t.pos };
      } else if (t.kind === 'var') {
        this.lx.next();
        f = { name: t.text, keyword: null, pos: t.pos };
      } else if (t.kind === '|' && formals.length === 0) {
        this.lx.next();
        return formals;
      } else {
        if (formals.length) this.fail(t.pos, `expected variable, found ${describe(t)}`);
        return formals;
      }
      this.defineVar(f.name, f.pos);
      const prev = formals[formals.length - 1];
      if (prev && ((f.keyword === null && prev.keyword !== null) || prev.keyword === '__REST__'))
        this.fail(f.pos, "compound element parameters out of order: positional, then keywords, then '__REST__'");
      if (f.keyword !== null && formals.some((g) => g.keyword === f.keyword))
        this.fail(f.pos, `repeated keyword parameter '${f.keyword}' in compound element`);
      formals.push(f);
      const sep = this.lx.next();
      if (sep.kind === '|') return formals;
      if (sep.kind !== ',') this.fail(sep.pos, `expected ',' or '|', found ${describe(sep)}`);
    }
  }

  /** Click keeps formals and 'define's of one compound (or the file) in one table and refuses a
   *  name defined twice there; an inner compound may reuse an outer name. */
  private defineVar(name: string, pos: Pos): void {
    if (this.scope.vars.has(name)) this.fail(pos, `parameter '$${name}' multiply defined`);
    this.scope.vars.add(name);
  }

  private keywordConfig(): { kw: Token; config: Config } {
    const kw = this.lx.next();
    if (this.lx.peek().kind !== '(') this.fail(this.lx.peek().pos, `expected '(' after '${kw.text}'`);
    const config = this.optConfig()!;
    return { kw, config };
  }

  private require(): Statement {
    const { kw, config } = this.keywordConfig();
    return { kind: 'require', config, requirements: config.args.filter((a) => a !== ''), pos: kw.pos };
  }

  private define(): Statement {
    const { kw, config } = this.keywordConfig();
    const definitions: Definition[] = [];
    let from = 0;
    for (const arg of splitArgs(config.raw)) {
      if (arg === '') continue;
      const m = /^\$([A-Za-z0-9_]+)(?:\s+([\s\S]*))?$/.exec(arg);
      if (!m) this.fail(config.pos, `bad 'define' declaration: '${stripComments(arg).trim()}' is not a variable and value`);
      // the variable as written, for the position of a second definition
      const at = config.raw.indexOf(`$${m[1]}`, from);
      from = at < 0 ? from : at + m[1].length + 1;
      this.defineVar(m[1], at < 0 ? config.pos : posIn(config, at));
      definitions.push({ name: m[1], value: (m[2] ?? '').trim() });
    }
    return { kind: 'define', config, definitions, pos: kw.pos };
  }
}
