import { ClickSyntaxError, type Pos } from './errors.js';

export type TokenKind =
  | 'ident' | 'var' | 'elementclass' | 'require' | 'provide' | 'define'
  | '->' | '=>' | '::' | '||' | '...' | '(' | ')' | '[' | ']' | '{' | '}' | ',' | ';' | '|'
  | 'other' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  pos: Pos;
}

// Click's lexer has these four; 'provide' is reserved but starts no statement. The long-gone
// 'connectiontunnel' is an ordinary word, as in current Click.
const KEYWORDS = new Set(['elementclass', 'require', 'provide', 'define']);
const WORD = /[A-Za-z0-9_@]/;

/** Describes a token the way Click's lexer does in its messages. */
export function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of file';
  if (t.kind === 'var') return `'$${t.text}'`;
  return `'${t.text}'`;
}

/**
 * On-demand lexer: configuration strings do not follow the token rules, so the parser asks
 * for one with readConfig() right after consuming '('; hence one token of lookahead at most.
 */
export class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private queue: Token[] = [];

  constructor(
    readonly text: string,
    readonly file: string,
    startLine = 1,
  ) {
    this.line = startLine;
  }

  error(pos: Pos, message: string): ClickSyntaxError {
    return new ClickSyntaxError(this.file, pos.line, pos.col, message);
  }

  private here(): Pos {
    return { line: this.line, col: this.i - this.lineStart + 1 };
  }

  /** Advances over one character, counting \n, \r\n and lone \r as line ends. */
  private step(): void {
    const c = this.text[this.i];
    this.i++;
    if (c === '\r' && this.text[this.i] === '\n') this.i++;
    if (c === '\n' || c === '\r') {
      this.line++;
      this.lineStart = this.i;
    }
  }

  private skipLine(): void {
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      this.step();
      if (c === '\n' || c === '\r') return;
    }
  }

  private skipBlockComment(): void {
    const start = this.here();
    this.i += 2;
    while (this.i < this.text.length) {
      if (this.text[this.i] === '*' && this.text[this.i + 1] === '/') {
        this.i += 2;
        return;
      }
      this.step();
    }
    throw this.error(start, "unterminated '/*' comment");
  }

  /** '# 12 "file"' and '#line 12' directives from cpp; only at the very start of a line. */
  private skipLineDirective(): void {
    const start = this.here();
    // positions stay physical: editors jump to the line in this file, not cpp's source
    if (!/^#[ \t]*(line[ \t]+)?\d/.test(this.text.slice(this.i, this.i + 80))) throw this.error(start, 'unknown preprocessor directive');
    this.skipLine();
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) return;
      if (/\s/.test(c)) this.step();
      else if (c === '/' && this.text[this.i + 1] === '/') this.skipLine();
      else if (c === '/' && this.text[this.i + 1] === '*') this.skipBlockComment();
      else if (c === '#' && this.i === this.lineStart) this.skipLineDirective();
      else return;
    }
  }

  private lex(): Token {
    this.skipSpace();
    const pos = this.here();
    const s = this.text;
    const start = this.i;
    if (start >= s.length) return { kind: 'eof', text: '', pos };
    const c = s[start];
    if (WORD.test(c)) {
      let j = start + 1;
      for (;;) {
        while (j < s.length && WORD.test(s[j])) j++;
        // '/' joins name components, but never two slashes: 'a//b' is 'a' and a comment
        if (s[j] === '/' && j + 1 < s.length && WORD.test(s[j + 1])) j++;
        else break;
      }
      this.i = j;
      const text = s.slice(start, j);
      return { kind: KEYWORDS.has(text) ? (text as TokenKind) : 'ident', text, pos };
    }
    if (c === '$') {
      let j = start + 1;
      while (j < s.length && /[A-Za-z0-9_]/.test(s[j])) j++;
      if (j > start + 1) {
        this.i = j;
        return { kind: 'var', text: s.slice(start + 1, j), pos };
      }
    }
    for (const op of ['->', '=>', '::', '||', '...'] as const) {
      if (s.startsWith(op, start)) {
        this.i += op.length;
        return { kind: op, text: op, pos };
      }
    }
    this.i++;
    const single = '()[]{},;|'.includes(c) ? (c as TokenKind) : 'other';
    return { kind: single, text: c, pos };
  }

  /** The token n places ahead; never look past a '(' whose configuration is still unread. */
  peek(n = 0): Token {
    while (this.queue.length <= n) this.queue.push(this.lex());
    return this.queue[n];
  }

  next(): Token {
    this.peek();
    return this.queue.shift()!;
  }

  /**
   * The raw text after an already consumed '(' up to its unbalanced ')', which is left for
   * the parser. Quotes, comments and '\<hex>' data may hold parentheses that do not count.
   */
  readConfig(open: Pos): { raw: string; pos: Pos } {
    if (this.queue.length) throw new Error('readConfig with a token pending');
    const s = this.text;
    const start = this.i;
    const pos = this.here();
    let depth = 1;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '(') depth++;
      else if (c === ')') {
        if (--depth === 0) return { raw: s.slice(start, this.i), pos };
      } else if (c === '/' && s[this.i + 1] === '/') {
        this.skipLine();
        continue;
      } else if (c === '/' && s[this.i + 1] === '*') {
        this.skipBlockComment();
        continue;
      } else if (c === '"' || c === "'") {
        this.skipQuote(c);
        continue;
      } else if (c === '\\' && s[this.i + 1] === '<') {
        this.skipHexData();
        continue;
      } else if (c === '\\' && this.i + 1 < s.length) {
        this.step(); // a backslash quotes the next character, parentheses included
      }
      this.step();
    }
    throw this.error(open, "unbalanced '(': configuration string has no closing ')'");
  }

  private skipQuote(q: string): void {
    const start = this.here();
    const s = this.text;
    this.i++;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === q) {
        this.i++;
        return;
      }
      if (q === '"' && c === '\\' && s[this.i + 1] === '<') {
        this.skipHexData();
        continue;
      }
      if (q === '"' && c === '\\' && this.i + 1 < s.length) this.step();
      this.step();
    }
    throw this.error(start, 'unterminated string');
  }

  private skipHexData(): void {
    const start = this.here();
    const s = this.text;
    this.i += 2;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '>') {
        this.i++;
        return;
      }
      if (c === '/' && s[this.i + 1] === '/') {
        this.skipLine();
        continue;
      }
      if (c === '/' && s[this.i + 1] === '*') {
        this.skipBlockComment();
        continue;
      }
      if (!/[0-9A-Fa-f\s]/.test(c)) throw this.error(this.here(), `bad character '${c}' in '\\<...>' hex data`);
      this.step();
    }
    throw this.error(start, "unterminated '\\<' hex data");
  }
}
