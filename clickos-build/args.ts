/**
 * Configuration-string helpers. Click splits arguments at every comma that is not quoted,
 * escaped, inside '\<...>' data or a comment (click(5) "Configuration strings"); parentheses
 * do not protect commas. Arguments keep their quotes: elements unquote them themselves.
 */

/** Replaces comments with a space, leaving quoted text and '\<...>' data alone. */
export function stripComments(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const c = raw[i];
    if (c === '/' && raw[i + 1] === '/') {
      while (i < raw.length && raw[i] !== '\n' && raw[i] !== '\r') i++;
      out += ' ';
    } else if (c === '/' && raw[i + 1] === '*') {
      const end = raw.indexOf('*/', i + 2);
      i = end < 0 ? raw.length : end + 2;
      out += ' ';
    } else {
      const j = skipAtom(raw, i);
      out += raw.slice(i, j);
      i = j;
    }
  }
  return out;
}

/** End of the lexical atom at i: a quoted string, '\<...>' data, an escape or one character. */
function skipAtom(raw: string, i: number): number {
  const c = raw[i];
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < raw.length && raw[j] !== c) j += c === '"' && raw[j] === '\\' ? 2 : 1;
    return Math.min(j + 1, raw.length);
  }
  if (c === '\\' && raw[i + 1] === '<') {
    const end = raw.indexOf('>', i + 2);
    return end < 0 ? raw.length : end + 1;
  }
  if (c === '\\') return Math.min(i + 2, raw.length);
  return i + 1;
}

/** Splits a configuration string into trimmed arguments; an all-blank string has none. */
export function splitArgs(raw: string): string[] {
  const s = stripComments(raw);
  if (s.trim() === '') return [];
  const args: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; ) {
    if (s[i] === ',') {
      args.push(s.slice(start, i).trim());
      start = ++i;
    } else i = skipAtom(s, i);
  }
  args.push(s.slice(start).trim());
  return args;
}

/**
 * Substitutes '$name' and '${name}' for variables that env defines; others (Script's own
 * '$x', '$(...)' expressions) stay as written. Nothing is substituted inside single quotes.
 */
export function expandVariables(raw: string, env: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const c = raw[i];
    if (c === '$') {
      const m = /^\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(raw.slice(i));
      const name = m ? (m[1] ?? m[2]) : undefined;
      if (m && name !== undefined && env.has(name)) {
        out += env.get(name);
        i += m[0].length;
        continue;
      }
      out += c;
      i++;
    } else if (c === "'" || (c === '\\' && raw[i + 1] === '<') || c === '\\') {
      const j = skipAtom(raw, i);
      out += raw.slice(i, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
