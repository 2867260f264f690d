// Runs a Python script that calls a daemon with Python's own xmlrpc.client and
// prints what it saw as JSON: once per run (runPython), or as a session that answers
// request after request (pythonSession; the script serves with json_lines.serve). The
// script may `import xmlrpc_proxy` (the authenticated ServerProxy every such script needs).
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';

/** The folder of xmlrpc_proxy.py: the source tree's, since tsc copies no .py into dist/ (dom0 sees the same tree). */
export const PYTHON_PATH = join(projectRoot, 'test', 'support');

/** `python3 script ...args`, its stdout parsed as JSON; `what` names it in the error when it fails. */
export function runPython<T>(script: string, args: string[], timeoutMs: number, what = 'python3'): Promise<T> {
  const env = pythonEnv();
  return new Promise((resolve, reject) => {
    execFile('python3', [script, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20, env }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${what}: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as T);
    });
  });
}

const pythonEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PYTHONPATH: [PYTHON_PATH, process.env.PYTHONPATH].filter(Boolean).join(':') });

export interface PythonSession {
  /** handle(*args) in the script; rejects with the script's traceback when it raised */
  request<T>(...args: unknown[]): Promise<T>;
  /** closes stdin; resolves once the script has exited (killed after 5 s if a request still runs) */
  close(): Promise<void>;
}

/**
 * One long-lived `python3 script` serving requests (test/support/json_lines.py). In the
 * lab's emulated dom0 a Python start costs 2–3 s; a session pays it once.
 */
export function pythonSession(script: string, what = 'python3'): PythonSession {
  const child = spawn('python3', ['-u', script], { env: pythonEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let stderr = '';
  let next = 0;
  let ended: Error | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { id: number; out?: unknown; error?: string };
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error !== undefined) w?.reject(new Error(`${what}: ${msg.error}`));
    else w?.resolve(msg.out);
  });
  const exited = new Promise<void>((resolve) =>
    child.on('close', (code) => {
      ended = new Error(`${what}: the session exited (${code}) ${stderr}`);
      for (const w of waiting.values()) w.reject(ended);
      waiting.clear();
      resolve();
    }),
  );
  return {
    request<T>(...args: unknown[]): Promise<T> {
      if (ended) return Promise.reject(ended);
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.stdin.write(JSON.stringify({ id, args }) + '\n');
      });
    },
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
