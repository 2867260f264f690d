// Runs a program with an argument vector (never a shell), a timeout, an optional stdin, and
// its output collected. The daemons' and the toolstack's hot paths (every xl, xentop and
// ovs-ofctl call, every CLI start) use this instead of execa: execa loads over a hundred modules, seconds of every `clickos` start under
// emulation (docs/xl.md), and the xl path needs none of its features.
import { spawn } from 'node:child_process';

export interface RunResult {
  /** undefined when the program could not start or was killed */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** why it could not start (e.g. ENOENT), else undefined */
  spawnError?: Error;
}

/**
 * Resolves (never rejects) with what the program did. A timeout sends SIGTERM, then SIGKILL
 * 5 s later. The child is not killed when we exit: an xl cut short would leave a half-made domain.
 */
export function runProgram(bin: string, args: readonly string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
    if (o.input !== undefined) {
      child.stdin!.on('error', () => {}); // a program that exits without reading: its exit code tells
      child.stdin!.end(o.input);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let spawnError: Error | undefined;
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, o.timeoutMs);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let done = false;
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      const exitCode = spawnError || code === null ? undefined : code;
      resolve({ exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut, spawnError });
    };
    child.on('error', (e) => (spawnError = e));
    child.on('close', finish);
    // Cut short, it may leave children holding its pipes open ('close' would wait for them).
    child.on('exit', (code) => {
      if (timedOut) {
        child.stdout!.destroy();
        child.stderr!.destroy();
        finish(code);
      }
    });
  });
}
