// The replica suffix of an allocation request's declaration (docs/platform.md §2.2,
// controller/balancer/README.md "Replicas in a request"): `n :: NAT() x 4 by src` asks
// for four instances of n, its traffic split between them on the source address (a NAT:
// D3.2 §2.2.3) or, with `by dst`, the destination (a firewall). Click has no such syntax,
// so the suffix is read here, token by token with Click's own lexer (configuration
// strings, quotes and comments are skipped as Click skips them), and blanked out of the
// text before the Click parse, leaving every other position where it was.
import { MAX_REPLICAS } from '../toolstack/limits.js';
import { ClickSyntaxError, type Pos } from './errors.js';
import { Lexer, type Token } from './lexer.js';

export type BalancedField = 'src' | 'dst';
export const BALANCED_FIELDS: readonly BalancedField[] = ['src', 'dst'];

export interface Replicas {
  /** 1..MAX_REPLICAS instances */
  count: number;
  /** the address the balancer splits on (default 'src') */
  field: BalancedField;
  /** where the suffix starts (its 'x') */
  pos: Pos;
}

/**
 * Finds every replica suffix in `text` (header lines already blanked); answers the text
 * with the suffixes blanked (newlines kept) and the replicas by declared element name.
 */
export function readReplicas(text: string, file: string): { text: string; replicas: Map<string, Replicas> } {
  const fail = (pos: Pos, reason: string): never => {
    throw new ClickSyntaxError(file, pos.line, pos.col, reason);
  };
  const lineStart = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStart.push(i + 1);
  const offset = (p: Pos): number => lineStart[p.line - 1]! + p.col - 1;
  const lx = new Lexer(text, file);
  const replicas = new Map<string, Replicas>();
  const blank: Array<[number, number]> = [];
  const isCount = (t: Token) => t.kind === 'ident' && /^\d/.test(t.text);
  // the last three tokens before the current one (a declaration is `name :: Class`)
  let back: Token[] = [];
  let afterDecl: { name: string; listed: boolean } | undefined;
  // inside an elementclass body: its elements are the class's, not the request's modules
  let depth = 0;
  for (;;) {
    const t = lx.next();
    if (t.kind === 'eof') break;
    if (t.kind === '{') depth++;
    if (t.kind === '}') depth--;
    if (t.kind === 'ident' && t.text === 'x' && isCount(lx.peek())) {
      const n = lx.next();
      if (depth > 0) fail(t.pos, 'replicas are asked for in the request itself, not inside an elementclass');
      if (!afterDecl) fail(t.pos, "a replica count ('x N') follows a named declaration, as in 'n :: NAT() x 4'");
      if (afterDecl!.listed) fail(t.pos, `replicas are asked for one element at a time ('${afterDecl!.name}' is declared in a list)`);
      if (!/^\d+$/.test(n.text)) fail(n.pos, `replica count '${n.text}' is not a whole number`);
      const count = Number(n.text);
      if (count < 1 || count > MAX_REPLICAS) fail(n.pos, `replica count ${n.text} is not 1..${MAX_REPLICAS}`);
      let end = offset(n.pos) + n.text.length;
      let field: BalancedField = 'src';
      const by = lx.peek();
      if (by.kind === 'ident' && by.text === 'by') {
        lx.next();
        const f = lx.next();
        if (f.kind !== 'ident' || !BALANCED_FIELDS.includes(f.text as BalancedField)) fail(f.pos, `'by' takes src or dst (the address the balancer splits on), not ${f.kind === 'eof' ? 'end of file' : `'${f.text}'`}`);
        field = f.text as BalancedField;
        end = offset(f.pos) + f.text.length;
      }
      if (replicas.has(afterDecl!.name)) fail(t.pos, `element '${afterDecl!.name}' already has a replica count`);
      replicas.set(afterDecl!.name, { count, field, pos: t.pos });
      blank.push([offset(t.pos), end]);
      afterDecl = undefined;
      back = [];
      continue;
    }
    afterDecl = undefined;
    // `name :: Class` then an optional configuration: the suffix may come next
    if (t.kind === 'ident' && back.length >= 2 && back[back.length - 1]!.kind === '::' && back[back.length - 2]!.kind === 'ident') {
      const name = back[back.length - 2]!.text;
      const listed = back[back.length - 3]?.kind === ',';
      if (lx.peek().kind === '(') {
        const open = lx.next();
        lx.readConfig(open.pos);
        lx.next(); // ')'
      }
      afterDecl = { name, listed };
      back = [];
      continue;
    }
    if (t.kind === '(') {
      // a configuration (or a group): skipped as the parser reads it
      lx.readConfig(t.pos);
      lx.next();
      back = [];
      continue;
    }
    back = [...back.slice(-2), t];
  }
  let out = text;
  for (const [from, to] of blank) out = out.slice(0, from) + out.slice(from, to).replace(/[^\n]/g, ' ') + out.slice(to);
  return { text: out, replicas };
}
