// Tokens of the xl domain configuration format, as Xen's libxlutil reads them:
// lowercase identifiers that may hold dots (xl.conf's `vif.default.bridge`),
// raw numbers, single- or double-quoted strings with C escapes, `#` comments.
// test/unit/xlcfg.test.ts checks this against libxlutil itself.

export type TokenType = 'ident' | 'number' | 'string' | '=' | '+=' | ',' | ';' | '[' | ']' | 'newline' | 'eof';

export interface Token {
  type: TokenType;
  /** Source text of the token. */
  text: string;
  /** Decoded value, for strings. */
  value?: string;
  start: number;
  end: number;
  line: number;
  col: number;
}

export class XlCfgSyntaxError extends Error {
  override name = 'XlCfgSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${col}: ${reason}`);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export function tokenize(src: string, file = '<config>'): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const err = (at: number, reason: string): never => {
    throw new XlCfgSyntaxError(file, line, at - lineStart + 1, reason);
  };
  const push = (type: TokenType, start: number, end: number, value?: string): void => {
    tokens.push({ type, text: src.slice(start, end), value, start, end, line, col: start - lineStart + 1 });
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '\r') {
      err(i, 'carriage return: xl reads only \\n line ends (a CRLF file is refused)');
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '\n') {
      push('newline', i, i + 1);
      i++;
      line++;
      lineStart = i;
    } else if (/[a-z]/.test(c)) {
      const m = /^[a-z][._0-9a-z]*/.exec(src.slice(i, i + 256))!;
      push('ident', i, i + m[0].length);
      i += m[0].length;
    } else if (/[A-Z]/.test(c)) {
      err(i, `keys are lowercase in xl.cfg (found ${JSON.stringify(/^[A-Za-z_0-9]+/.exec(src.slice(i))![0])})`);
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9a-fx]*/.exec(src.slice(i, i + 256))!;
      push('number', i, i + m[0].length);
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length || src[i] === '\n') err(start, 'unterminated string');
        const d = src[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          if (e === undefined || e === '\n') err(i, 'backslash at the end of a line (strings cannot span lines)');
          if (SIMPLE_ESCAPES[e!] !== undefined) {
            value += SIMPLE_ESCAPES[e!];
            i += 2;
          } else if (e === 'x' || /[0-7]/.test(e!)) {
            // libxlutil refuses every \x escape and octal ones shorter than three digits,
            // and drops the character of a three-digit one ("a\101b" reads "ab")
            err(i, `numeric escape \\${e}: xl refuses or drops these; write the character itself`);
          } else {
            err(i, `unknown escape \\${e}`);
          }
        } else {
          value += d;
          i++;
        }
      }
      push('string', start, i, value);
    } else if (c === '+' && src[i + 1] === '=') {
      push('+=', i, i + 2);
      i += 2;
    } else if ('=,;[]'.includes(c)) {
      push(c as TokenType, i, i + 1);
      i++;
    } else {
      err(i, `illegal character ${JSON.stringify(c)}`);
    }
  }
  push('eof', i, i);
  return tokens;
}
