// Host side of the exec channel (see protocol.ts).
import { connect } from 'node:net';
import { LineReader, type ExecMessage, type ExecRequest } from './protocol.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  signal: string | null;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export class AgentError extends Error {
  override name = 'AgentError';
}

function request(port: number, req: ExecRequest, onMessage: (m: ExecMessage) => boolean | void): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    const reader = new LineReader((v) => {
      if (onMessage(v as ExecMessage)) finish();
    });
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d) => {
      try {
        reader.push(d);
      } catch (e) {
        finish(new AgentError(`malformed reply from the lab agent: ${(e as Error).message}`));
      }
    });
    sock.on('error', (e) => finish(new AgentError(`lab agent on port ${port}: ${e.message}`)));
    sock.on('close', () => finish(new AgentError('the lab agent closed the connection before answering (is the lab up?)')));
  });
}

/** Resolves when dom0's agent answers with the right token. */
export async function ping(port: number, token: string): Promise<number> {
  let uptime = -1;
  await request(port, { token, op: 'ping' }, (m) => {
    if (m.t === 'pong') uptime = m.uptime;
    else if (m.t === 'error') throw new AgentError(m.message);
    return true;
  });
  return uptime;
}

/** Runs argv in dom0 and collects its output; never rejects for a non-zero exit. */
export async function execInDom0(port: number, token: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let exitCode = -1;
  let signal: string | null = null;
  let failure: string | undefined;
  const req: ExecRequest = { token, op: 'exec', argv, cwd: opts.cwd, env: opts.env, stdin: opts.stdin, timeoutMs: opts.timeoutMs };
  await request(port, req, (m) => {
    if (m.t === 'out' || m.t === 'err') {
      const b = Buffer.from(m.d, 'base64');
      (m.t === 'out' ? out : err).push(b);
      (m.t === 'out' ? opts.onStdout : opts.onStderr)?.(b);
      return false;
    }
    if (m.t === 'exit') {
      exitCode = m.code ?? 128;
      signal = m.signal;
    } else if (m.t === 'error') failure = m.message;
    return true;
  });
  if (failure) throw new AgentError(failure);
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode, signal };
}
