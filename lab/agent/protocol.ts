// The lab's exec channel: one TCP connection per command, newline-delimited JSON.
// The host sends one Request; dom0 answers with output chunks, then one exit or
// error message, and closes. A per-boot token authenticates the host.

export interface ExecRequest {
  token: string;
  op: 'exec' | 'ping';
  argv?: string[];
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
}

export type ExecMessage =
  | { t: 'out' | 'err'; d: string /* base64 */ }
  | { t: 'exit'; code: number | null; signal: string | null }
  | { t: 'pong'; uptime: number }
  | { t: 'error'; message: string };

/** Splits a byte stream into JSON lines. */
export class LineReader {
  private buf = '';
  constructor(private readonly onLine: (value: unknown) => void) {}
  push(chunk: Buffer | string): void {
    this.buf += chunk.toString();
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.trim() !== '') this.onLine(JSON.parse(line));
    }
  }
}
