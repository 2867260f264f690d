// xl failures as values: the command, xl's exit code and its own message.
export { XlArgumentError } from './validate.js';

export class XlError extends Error {
  override name = 'XlError';
  constructor(
    readonly args: string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    hint?: string,
  ) {
    super(`xl ${args.join(' ')} failed${exitCode !== undefined ? ` (exit ${exitCode})` : ''}: ${summarise(stderr)}${hint ? `\n${hint}` : ''}`);
  }
}

export class XlTimeoutError extends XlError {
  override name = 'XlTimeoutError';
  constructor(args: string[], timeoutMs: number, stderr: string) {
    super(args, undefined, stderr, `xl did not finish within ${timeoutMs / 1000}s and was killed`);
  }
}

/** Xl's useful lines: libxl's errors without the noise of "Parsing config". */
function summarise(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Parsing config from'));
  return lines.length ? lines.join('\n') : '(no message)';
}
