// Runs inside dom0 (started by lab/dom0/boot.sh): executes the host's commands
// with an argument vector (never a shell) and streams their output back.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { LineReader, type ExecMessage, type ExecRequest } from './protocol.js';

function send(sock: Socket, m: ExecMessage): void {
  sock.write(JSON.stringify(m) + '\n');
}

function authorised(token: Buffer, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const g = Buffer.from(given);
  return g.length === token.length && timingSafeEqual(g, token);
}

function run(sock: Socket, req: ExecRequest, dropCaches: boolean): void {
  const argv = req.argv ?? [];
  if (argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    send(sock, { t: 'error', message: 'argv must be a non-empty array of strings' });
    sock.end();
    return;
  }
  // dom0 mounts the host's files with cache=loose (lab/dom0/init.sh): forget what was cached,
  // so that a command sees a rebuild made since the last one.
  if (dropCaches) writeFileSync('/proc/sys/vm/drop_caches', '3');
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: req.cwd ?? '/',
    env: { ...process.env, ...(req.env ?? {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // own process group, so a timeout or a lost host kills the whole tree
  });
  const killTree = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const timer = req.timeoutMs ? setTimeout(killTree, req.timeoutMs) : undefined;
  child.stdout.on('data', (d: Buffer) => send(sock, { t: 'out', d: d.toString('base64') }));
  child.stderr.on('data', (d: Buffer) => send(sock, { t: 'err', d: d.toString('base64') }));
  child.stdin.on('error', () => {});
  child.stdin.end(req.stdin ?? '');
  child.on('error', (e) => {
    clearTimeout(timer);
    send(sock, { t: 'error', message: `cannot run ${argv[0]}: ${e.message}` });
    sock.end();
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    send(sock, { t: 'exit', code, signal });
    sock.end();
  });
  sock.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) killTree();
  });
}

/**
 * An exec server for `token`; the caller chooses where it listens. `dropCaches` (dom0 only)
 * empties the kernel's caches before each command.
 */
export function agentServer(token: string, o: { dropCaches?: boolean } = {}): Server {
  const secret = Buffer.from(token);
  return createServer((sock) => {
    sock.on('error', () => {});
    let started = false;
    const reader = new LineReader((value) => {
      if (started) return;
      started = true;
      const req = value as ExecRequest;
      if (!authorised(secret, req.token)) {
        send(sock, { t: 'error', message: 'bad token' });
        sock.end();
      } else if (req.op === 'ping') {
        send(sock, { t: 'pong', uptime: process.uptime() });
        sock.end();
      } else {
        run(sock, req, o.dropCaches ?? false);
      }
    });
    sock.on('data', (d) => {
      try {
        reader.push(d);
      } catch {
        send(sock, { t: 'error', message: 'malformed request' });
        sock.end();
      }
    });
  });
}
