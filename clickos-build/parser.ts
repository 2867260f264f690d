import { splitArgs, stripComments } from './args.js';
import type {
  ChainItem, ClassRef, ClickConfig, CompoundBody, CompoundClass, Config, Definition, ElementExpr,
  Formal, Name, Statement,
} from './ast.js';
import type { Pos } from './errors.js';
import { Lexer, describe, type Token } from './lexer.js';

export interface ParseOptions {
  /** line number of the text's first line, for texts cut out of a larger file */
  startLine?: number;
}

/** Per-scope bookkeeping: Click numbers anonymous elements by their index in the scope. */
class Scope {
  readonly elements = new Set<string>();
  readonly classes = new Set<string>();
  readonly anonymous: Array<{ kind: 'anon'; name: string }> = [];
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
    const statements = this.statements(false);
    this.scope.finish();
    return { file: this.lx.file, statements };
  }

  private statements(nested: boolean): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      const t = this.lx.peek();
      switch (t.kind) {
        case 'ident':
        case '[':
        case '{':
          out.push(this.connection());
          break;
        case 'elementclass':
          out.push(this.elementclass());
          break;
        case 'connectiontunnel':
          out.push(this.tunnel());
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
          if (!nested) this.fail(t.pos, `syntax error near ${describe(t)}`);
          return out;
        case 'eof':
          if (nested) this.fail(t.pos, "expected '}' before end of file");
          return out;
        default:
          this.fail(t.pos, `syntax error near ${describe(t)}`);
      }
    }
  }

  private port(): number | null {
    if (this.lx.peek().kind !== '[') return null;
    this.lx.next();
    const t = this.lx.next();
    if (t.kind === ']' || t.kind !== 'ident') this.fail(t.pos, 'expected port number');
    if (!/^\d+$/.test(t.text)) this.fail(t.pos, `port number should be an integer, not '${t.text}'`);
    this.expect(']');
    return Number(t.text);
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
    if (this.scope.hasClass(name)) this.fail(pos, `'${name}' is an element class`);
    this.scope.elements.add(name);
    this.scope.count++;
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

  private anonymous(cls: ClassRef, config: Config | null, pos: Pos): ElementExpr {
    const base = cls.kind === 'class' ? cls.name : '';
    const e = { kind: 'anon' as const, name: `${base}@${++this.scope.count}`, class: cls, config, pos };
    this.scope.anonymous.push(e);
    return e;
  }

  /** An element in a chain, or null if the next token cannot start one. */
  private element(first: boolean): ElementExpr | { kind: 'multi'; names: Name[]; class: ClassRef; config: Config | null; pos: Pos } | null {
    const t = this.lx.peek();
    if (t.kind === '{') {
      const cls = this.classRef();
      return this.anonymous(cls, this.optConfig(), t.pos);
    }
    if (t.kind !== 'ident') return null;
    this.lx.next();
    const after = this.lx.peek();
    if (after.kind === '(') {
      const cls: ClassRef = { kind: 'class', name: t.text, pos: t.pos };
      return this.anonymous(cls, this.optConfig(), t.pos);
    }
    if (after.kind === '::' || (after.kind === ',' && first)) {
      const names: Name[] = [{ name: t.text, pos: t.pos }];
      while (this.lx.peek().kind === ',') {
        this.lx.next();
        const n = this.lx.next();
        if (n.kind !== 'ident') this.fail(n.pos, `expected element name, found ${describe(n)}`);
        names.push({ name: n.text, pos: n.pos });
      }
      const sep = this.lx.next();
      if (sep.kind !== '::') this.fail(sep.pos, `expected '::' or ',', found ${describe(sep)}`);
      const cls = this.classRef();
      const config = this.optConfig();
      for (const n of names) this.checkNewElement(n.name, n.pos);
      if (names.length === 1) return { kind: 'decl', name: t.text, class: cls, config, pos: t.pos };
      return { kind: 'multi', names, class: cls, config, pos: t.pos };
    }
    if (this.scope.elements.has(t.text)) return { kind: 'ref', name: t.text, pos: t.pos };
    return this.anonymous({ kind: 'class', name: t.text, pos: t.pos }, null, t.pos);
  }

  private connection(): Statement {
    const start = this.lx.peek().pos;
    const chain: ChainItem[] = [];
    for (;;) {
      const itemPos = this.lx.peek().pos;
      const inPort = this.port();
      const e = this.element(chain.length === 0);
      if (!e) {
        const t = this.lx.peek();
        this.fail(t.pos, `expected element after '->', found ${describe(t)}`);
      }
      if (e.kind === 'multi') {
        const t = this.lx.peek();
        if (t.kind === '->' || t.kind === '[') this.fail(t.pos, 'a declaration of several elements cannot start a connection');
        return { kind: 'declaration', names: e.names, class: e.class, config: e.config, pos: start };
      }
      if (inPort !== null && chain.length === 0) this.fail(itemPos, 'input port useless at start of chain');
      const item: ChainItem = { inPort, element: e, outPort: null, pos: itemPos };
      chain.push(item);
      item.outPort = this.port();
      const t = this.lx.peek();
      if (t.kind === '->') {
        this.lx.next();
        continue;
      }
      if (t.kind === ',' || t.kind === '::') this.fail(t.pos, `syntax error before ${describe(t)}`);
      if (t.kind === '[') this.fail(t.pos, 'two output ports on one element');
      if (!['ident', '{', '}', '||', ';', 'eof', 'elementclass', 'connectiontunnel', 'require', 'define'].includes(t.kind))
        this.fail(t.pos, `syntax error near ${describe(t)}`);
      if (item.outPort !== null) this.fail(itemPos, 'output port useless at end of chain');
      if (t.kind === ';') this.lx.next();
      break;
    }
    const only = chain[0];
    if (chain.length === 1 && only.element.kind === 'decl')
      return { kind: 'declaration', names: [{ name: only.element.name, pos: only.element.pos }], class: only.element.class, config: only.element.config, pos: start };
    return { kind: 'connection', chain, pos: start };
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
      bodies.push(this.body(t.pos));
      const sep = this.lx.next();
      if (sep.kind === '}') break;
      if (sep.kind !== '||') this.fail(sep.pos, `expected '||' or '}', found ${describe(sep)}`);
    }
    return { bodies, extendsPrevious, pos: open.pos };
  }

  private body(pos: Pos): CompoundBody {
    const outer = this.scope;
    this.scope = new Scope(outer);
    this.scope.elements.add('input');
    this.scope.elements.add('output');
    const formals = this.formals();
    const statements = this.statements(true);
    this.scope.finish();
    this.scope = outer;
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
      if (formals.some((g) => g.name === f.name)) this.fail(f.pos, `parameter '$${f.name}' multiply defined`);
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

  private tunnel(): Statement {
    const kw = this.lx.next();
    const from = this.expect('ident', 'tunnel input name');
    this.expect('->');
    const to = this.expect('ident', 'tunnel output name');
    for (const n of [from, to]) {
      if (this.scope.elements.has(n.text)) this.fail(n.pos, `redeclaration of element '${n.text}'`);
      this.scope.elements.add(n.text);
    }
    return { kind: 'tunnel', from: { name: from.text, pos: from.pos }, to: { name: to.text, pos: to.pos }, pos: kw.pos };
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
    for (const arg of splitArgs(config.raw)) {
      if (arg === '') continue;
      const m = /^\$([A-Za-z0-9_]+)(?:\s+([\s\S]*))?$/.exec(arg);
      if (!m) this.fail(config.pos, `bad 'define' declaration: '${stripComments(arg).trim()}' is not a variable and value`);
      definitions.push({ name: m[1], value: (m[2] ?? '').trim() });
    }
    return { kind: 'define', config, definitions, pos: kw.pos };
  }
}
