// Runs a Python script that calls a daemon with Python's own xmlrpc.client and
// prints what it saw as one JSON document. The script may `import xmlrpc_proxy`
// (the authenticated ServerProxy every such script needs).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';

/** The folder of xmlrpc_proxy.py: the source tree's, since tsc copies no .py into dist/ (dom0 sees the same tree). */
export const PYTHON_PATH = join(projectRoot, 'test', 'support');

/** `python3 script ...args`, its stdout parsed as JSON; `what` names it in the error when it fails. */
export function runPython<T>(script: string, args: string[], timeoutMs: number, what = 'python3'): Promise<T> {
  const env = { ...process.env, PYTHONPATH: [PYTHON_PATH, process.env.PYTHONPATH].filter(Boolean).join(':') };
  return new Promise((resolve, reject) => {
    execFile('python3', [script, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20, env }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${what}: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as T);
    });
  });
}
