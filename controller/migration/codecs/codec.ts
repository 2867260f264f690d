// An element-state codec: how one Click class's state is read out of its read handlers and
// put back through its write handlers (README.md "Freeze-and-copy"). The copy itself
// (../freeze-copy.ts) only drives a codec; everything class-specific is here.

/** A write handler call, in the order the import makes them. */
export interface HandlerWrite {
  handler: string;
  value: string;
}

export interface ElementCodec<S> {
  /** Click class names this codec copies (the `class` handler's answer). */
  readonly classes: readonly string[];
  /**
   * The most bytes `exportHandler` can answer: fixed, or from a small read handler's answer
   * read first. ClickOS cannot send a larger reply (toolstack/limits.ts
   * clickosMaxReadReply), so the copy refuses rather than read it.
   */
  readonly bound: { fixed: number } | { handler: string; bytes(value: string): number };
  /** The read handler whose text is the state. */
  readonly exportHandler: string;
  /** Parses `exportHandler`'s text; a CodecError when it is not what the Click source prints. */
  parse(text: string): S;
  /** Entries in a state (what "copied" counts). */
  entries(s: S): number;
  /**
   * The writes that put `from` into an element whose state is `into` (the new replica's,
   * read just before): only what must change, in order.
   */
  importWrites(from: S, into: S): HandlerWrite[];
  /** What of `from` is missing or different in `got` (the new replica's state after the import); empty when the copy is complete. */
  missing(from: S, got: S): string[];
}
