// The xl.cfg document: settings in source order with the text around them kept,
// so that an unchanged file prints back byte for byte and an edited one changes
// only the settings that were edited. Grammar (as libxlutil parses it):
//   file    := (setting? (NEWLINE | ';'))*
//   setting := IDENT ('=' | '+=') value
//   value   := STRING | NUMBER | '[' NEWLINE* (value NEWLINE* (',' NEWLINE* value NEWLINE*)* ','? NEWLINE*)? ']'
import { tokenize, XlCfgSyntaxError, type Token } from './lexer.js';

export type XlValue = string | number | XlValue[];

/** A parsed value; numbers keep their source text (xl reads 0x10 as 16, 010 as 8, and 09 only as text). */
export type Node = { kind: 'string'; value: string } | { kind: 'number'; raw: string } | { kind: 'list'; items: Node[] };

interface Setting {
  key: string;
  op: '=' | '+=';
  node: Node;
  /** Source text of `key = value`; undefined once edited (printed canonically). */
  raw?: string;
  line: number;
}

/**
 * A number as xl's xlu_cfg_get_long reads a value: C's strtol in base 0 over the whole text
 * (leading blanks and a sign allowed; 0x hex, 0 octal), within a 64-bit long.
 */
export function parseXlLong(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  const big = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits) * (m[1] === '-' ? -1n : 1n);
  if (big > 2n ** 63n - 1n || big < -(2n ** 63n)) return undefined;
  return Number(big);
}

/** The text of a string or number value, which is all xl keeps of either. */
function atomText(n: Node): string | undefined {
  return n.kind === 'string' ? n.value : n.kind === 'number' ? n.raw : undefined;
}

type Effective = { node: Node; added: boolean };

type Segment = { text: string } | { setting: Setting };

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private fail(t: Token, reason: string): never {
    throw new XlCfgSyntaxError(this.file, t.line, t.col, reason);
  }
  private skipNewlines(): void {
    while (this.peek().type === 'newline') this.i++;
  }
  private describe(t: Token): string {
    return t.type === 'eof' ? 'end of file' : t.type === 'newline' ? 'end of line' : JSON.stringify(t.text);
  }

  value(): Node {
    const t = this.next();
    if (t.type === 'string') return { kind: 'string', value: t.value! };
    if (t.type === 'number') return { kind: 'number', raw: t.text };
    if (t.type === '[') {
      const items: Node[] = [];
      this.skipNewlines();
      while (this.peek().type !== ']') {
        items.push(this.value());
        this.skipNewlines();
        const sep = this.peek();
        if (sep.type === ',') {
          this.i++;
          this.skipNewlines();
        } else if (sep.type !== ']') this.fail(sep, `expected "," or "]" in a list, found ${this.describe(sep)}`);
      }
      this.i++;
      return { kind: 'list', items };
    }
    return this.fail(t, `expected a value (a "string", a number or a [list]), found ${this.describe(t)}`);
  }

  settings(): { setting: Setting; start: number; end: number; value: Token }[] {
    const out: { setting: Setting; start: number; end: number; value: Token }[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'eof') return out;
      if (t.type === 'newline' || t.type === ';') {
        this.i++;
        continue;
      }
      if (t.type !== 'ident') this.fail(t, `expected a setting name, found ${this.describe(t)}`);
      this.i++;
      const op = this.next();
      if (op.type !== '=' && op.type !== '+=') this.fail(op, `expected "=" after ${t.text}, found ${this.describe(op)}`);
      const first = this.peek();
      const node = this.value();
      const last = this.toks[this.i - 1]!;
      const end = this.peek();
      if (end.type !== 'newline' && end.type !== ';' && end.type !== 'eof') this.fail(end, `expected end of line or ";" after the value of ${t.text}, found ${this.describe(end)}`);
      out.push({ setting: { key: t.text, op: op.type, node, line: t.line }, start: t.start, end: last.end, value: first });
    }
  }
}

function toValue(n: Node): XlValue {
  if (n.kind === 'string') return n.value;
  if (n.kind === 'list') return n.items.map(toValue);
  return parseXlLong(n.raw) ?? n.raw;
}

/** A list as xl's getters give it: every atom as text. */
type XlList = Array<string | XlList>;
function toList(n: Node): XlList {
  return n.kind === 'list' ? n.items.map((i) => (i.kind === 'list' ? toList(i) : atomText(i)!)) : [];
}

function toNode(v: XlValue, key: string): Node {
  if (typeof v === 'string') {
    // xl's parser has no way to carry NUL, and newlines make configs unreadable.
    if (/[\0\n\r]/.test(v)) throw new RangeError(`${key}: value contains a NUL or newline`);
    return { kind: 'string', value: v };
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${key}: xl.cfg numbers are non-negative integers (got ${v})`);
    return { kind: 'number', raw: String(v) };
  }
  if (Array.isArray(v)) return { kind: 'list', items: v.map((x) => toNode(x, key)) };
  throw new TypeError(`${key}: unsupported value ${String(v)}`);
}

export function formatNode(n: Node): string {
  if (n.kind === 'number') return n.raw;
  if (n.kind === 'list') return n.items.length === 0 ? '[]' : `[ ${n.items.map(formatNode).join(', ')} ]`;
  return `"${n.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, '\\t')}"`;
}

const KEY = /^[a-z][._0-9a-z]*$/;

export class XlConfig {
  private constructor(private readonly segments: Segment[]) {}

  /** Parses xl.cfg text; errors are XlCfgSyntaxError with file:line:col. */
  static parse(text: string, file = '<config>'): XlConfig {
    const found = new Parser(tokenize(text, file), file).settings();
    // xl refuses '+=' of a list to a string or number, or the other way round
    const kinds = new Map<string, boolean>();
    for (const { setting: s, value } of found) {
      const isList = s.node.kind === 'list';
      const before = kinds.get(s.key);
      if (s.op === '+=' && before !== undefined && before !== isList)
        throw new XlCfgSyntaxError(file, value.line, value.col, `${s.key} += ${isList ? 'a list' : 'a value'}: xl cannot add a list to a string or number, or the other way round`);
      kinds.set(s.key, isList);
    }
    const segments: Segment[] = [];
    let at = 0;
    for (const f of found) {
      segments.push({ text: text.slice(at, f.start) });
      f.setting.raw = text.slice(f.start, f.end);
      segments.push({ setting: f.setting });
      at = f.end;
    }
    segments.push({ text: text.slice(at) });
    return new XlConfig(segments);
  }

  /** A new document from plain values, in the given key order. */
  static from(values: Record<string, XlValue>): XlConfig {
    const cfg = new XlConfig([{ text: '' }]);
    for (const [k, v] of Object.entries(values)) cfg.set(k, v);
    return cfg;
  }

  private settings(): Setting[] {
    return this.segments.flatMap((s) => ('setting' in s ? [s.setting] : []));
  }

  /** The value xl ends up with: the last `=` with any later `+=` appended (atoms as text). */
  private effective(key: string): Effective | undefined {
    let eff: Effective | undefined;
    for (const s of this.settings()) {
      if (s.key !== key) continue;
      if (s.op === '=' || !eff) eff = { node: s.node, added: s.op === '+=' };
      else if (eff.node.kind === 'list' && s.node.kind === 'list') eff = { node: { kind: 'list', items: [...eff.node.items, ...s.node.items] }, added: true };
      else eff = { node: { kind: 'string', value: atomText(eff.node)! + atomText(s.node)! }, added: true };
    }
    return eff;
  }

  /**
   * The effective value of a key, typed by its syntax: a quoted value is a string, a bare
   * number a number when xl reads it as one (`010` is 8; `09`, `1e3` stay text), a `+=` of
   * atoms their concatenated text (xl reads no number from it).
   */
  get(key: string): XlValue | undefined {
    const eff = this.effective(key);
    return eff && (eff.added && eff.node.kind !== 'list' ? atomText(eff.node)! : toValue(eff.node));
  }

  /** xl's xlu_cfg_get_long: a quoted number counts too; nothing after `+=`. */
  getLong(key: string): number | undefined {
    const eff = this.effective(key);
    if (!eff || eff.added || eff.node.kind === 'list') return undefined;
    return parseXlLong(atomText(eff.node)!);
  }

  /** xl's xlu_cfg_get_string: the text of a string or number. */
  getString(key: string): string | undefined {
    const eff = this.effective(key);
    return eff && atomText(eff.node);
  }

  /** xl's xlu_cfg_get_list: the items as text, nested lists as lists. */
  getList(key: string): XlList | undefined {
    const eff = this.effective(key);
    return eff?.node.kind === 'list' ? toList(eff.node) : undefined;
  }

  has(key: string): boolean {
    return this.settings().some((s) => s.key === key);
  }

  /** Setting names in first-appearance order. */
  keys(): string[] {
    return [...new Set(this.settings().map((s) => s.key))];
  }

  toObject(): Record<string, XlValue> {
    return Object.fromEntries(this.keys().map((k) => [k, this.get(k)!]));
  }

  /** Replaces every assignment of `key` by one (in place of the first), or appends it. */
  set(key: string, value: XlValue): this {
    if (!KEY.test(key)) throw new RangeError(`invalid xl.cfg key ${JSON.stringify(key)} (lowercase letters, digits, _ and .)`);
    const node = toNode(value, key);
    const idx = this.segments.findIndex((s) => 'setting' in s && s.setting.key === key);
    if (idx < 0) {
      // Append after everything (trailing comments included), on a line of its own.
      const last = this.segments[this.segments.length - 1] as { text: string };
      if ((this.segments.length > 1 || last.text !== '') && !last.text.endsWith('\n')) last.text += '\n';
      this.segments.push({ setting: { key, op: '=', node, line: 0 } }, { text: '\n' });
    } else {
      (this.segments[idx] as { setting: Setting }).setting = { key, op: '=', node, line: 0 };
      this.removeFrom(key, idx + 1);
    }
    return this;
  }

  delete(key: string): boolean {
    const before = this.segments.length;
    this.removeFrom(key, 0);
    return this.segments.length !== before;
  }

  private removeFrom(key: string, from: number): void {
    for (let i = this.segments.length - 1; i >= from; i--) {
      const s = this.segments[i]!;
      if ('setting' in s && s.setting.key === key) {
        // Drop the setting and the end of its line (a newline or ';').
        const after = this.segments[i + 1] as { text: string };
        after.text = after.text.replace(/^[ \t]*(#[^\n]*)?(\n|;)?/, '');
        this.segments.splice(i, 1);
        const prev = this.segments[i - 1] as { text: string } | undefined;
        if (prev && 'text' in prev) {
          prev.text += after.text;
          this.segments.splice(i, 1);
        }
      }
    }
  }

  /** The document as text: untouched settings verbatim, edited ones canonical. */
  toString(): string {
    return this.segments
      .map((s) => ('text' in s ? s.text : (s.setting.raw ?? `${s.setting.key} ${s.setting.op} ${formatNode(s.setting.node)}`)))
      .join('');
  }
}
