/** A position in Click source text: 1-based line and column (a tab counts as one column). */
export interface Pos {
  line: number;
  col: number;
}

/** The first error that stops a parse; Click's own lexer recovers and goes on, but a
 *  config that fails here would never reach a guest, so one precise message is enough. */
export class ClickSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${col}: ${reason}`);
    this.name = 'ClickSyntaxError';
  }
}
