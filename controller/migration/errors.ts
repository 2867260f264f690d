// Freeze-and-copy's errors (README.md "Freeze-and-copy"). Each one names the element, its
// class and what to fix. Refusals (FreezeCopyRefused) come from planning, before the caller
// freezes anything; a CodecError while exporting stops the copy before any write to the new
// replica; only FreezeCopyIncomplete comes after writes (the new replica's state is then
// checked against the old one and the difference named).
export class FreezeCopyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FreezeCopyRefused';
  }
}

/** A handler's text is not what the Click source prints (the function is named in the message). */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

export class FreezeCopyIncomplete extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FreezeCopyIncomplete';
  }
}
