// The lab's operations: up (fetch, build, boot, wait for dom0), down, status, exec.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';
import { download, extract, kernelPackage, XEN_PACKAGES } from './debian.js';
import { buildImages } from './images.js';
import { labClickosImage } from './clickos-image.js';
import { ensureHostTools } from './host.js';
import { qemuArgs, runningPid, stopQemu } from './qemu.js';
import { paths, projectRoot } from './paths.js';
import { Progress } from './progress.js';
import { execInDom0, ping, type ExecOptions, type ExecResult } from './agent/client.js';

export interface LabState {
  pid: number;
  port: number;
  /** Host port forwarded to SERVICE_PORT_IN_DOM0 (7001) in dom0. */
  servicePort?: number;
  xenstored: 'xenstored' | 'oxenstored';
  startedAt: string;
  bootSeconds?: number;
}

export interface UpOptions {
  xenstored?: 'xenstored' | 'oxenstored';
  /** Kill the lab when this process dies (the test harness passes its own pid). */
  ownerPid?: number;
  timeoutMs?: number;
  log?: (msg: string) => void;
  /** Set on the one retry after a hung boot (internal). */
  retried?: boolean;
}

/**
 * A boot whose console prints nothing for this long, before dom0 is ready, has hung: it
 * happened once in ≈20 CI boots (dom0's kernel silent after "about to get started..."),
 * where a whole boot takes 25-70 s. up() then boots once more.
 */
const STALL_MS = 180_000;

export class LabBootError extends Error {
  override name = 'LabBootError';
  constructor(readonly step: string, detail: string, readonly consoleTail: string, readonly stalled = false) {
    super(`lab boot failed at step "${step}": ${detail}\n--- last console lines (${paths.consoleLog}) ---\n${consoleTail}`);
  }
}

export class LabNotRunningError extends Error {
  override name = 'LabNotRunningError';
  constructor() {
    super('the lab is not running: start it with `clickos-lab up`');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function readState(): LabState | undefined {
  if (!existsSync(paths.stateFile)) return undefined;
  return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as LabState;
}

function token(): string {
  return readFileSync(paths.tokenFile, 'utf8').trim();
}

export function consoleTail(lines = 25): string {
  if (!existsSync(paths.consoleLog)) return '(no console output)';
  return readFileSync(paths.consoleLog, 'utf8').replace(/\r/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Fetches the Debian parts and builds the images and ClickOS; cached after the first run. */
export async function prepare(log: (msg: string) => void): Promise<Awaited<ReturnType<typeof buildImages>>> {
  await ensureHostTools(log);
  const kernel = await kernelPackage();
  const debs = await download([...XEN_PACKAGES, kernel, 'busybox-static'], log);
  if (await extract(debs, paths.xenRoot)) log(`extracted ${debs.length} packages into ${paths.xenRoot}`);
  const images = await buildImages(log);
  await labClickosImage(log);
  return images;
}

/** Boot markers the dom0 scripts print (LAB-STEP) and milestones of Xen and Linux. */
function stepOf(line: string): string | undefined {
  const m = /LAB-STEP (\S+)/.exec(line);
  if (m) return m[1];
  if (line.includes('Xen version 4.')) return 'xen';
  if (line.includes('Linux version')) return 'dom0-kernel';
  return undefined;
}

class ConsoleFollower {
  private offset = 0;
  readLines(): string[] {
    if (!existsSync(paths.consoleLog)) return [];
    const fd = openSync(paths.consoleLog, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      const text = buf.toString('latin1');
      const end = text.lastIndexOf('\n') + 1;
      this.offset += end;
      return text.slice(0, end).replace(/\r/g, '').split('\n').filter(Boolean);
    } finally {
      closeSync(fd);
    }
  }
}

export async function up(opts: UpOptions = {}): Promise<LabState> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`lab: ${m}\n`));
  const existing = readState();
  if (existing && runningPid() === existing.pid) {
    try {
      await ping(existing.port, token());
      log(`already up (QEMU pid ${existing.pid})`);
      return existing;
    } catch {
      log('a previous lab is running but not answering: stopping it');
    }
  }
  await down();

  const t0 = Date.now();
  const images = await prepare(log);
  const xenstored = opts.xenstored ?? 'xenstored';
  mkdirSync(paths.run, { recursive: true });
  const port = await freePort();
  let servicePort = await freePort();
  while (servicePort === port) servicePort = await freePort();
  writeFileSync(paths.tokenFile, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
  writeFileSync(
    join(paths.run, 'boot.env'),
    [
      `LAB_PORT=7000`,
      `LAB_TOKEN_FILE=${paths.tokenFile}`,
      `LAB_NODE=${process.execPath}`,
      `LAB_AGENT=${paths.agentServer}`,
      `LAB_XENSTORED=${xenstored}`,
      '',
    ].join('\n'),
  );
  if (!existsSync(paths.agentServer)) throw new Error(`${paths.agentServer} is missing: run \`npm run build\` first`);
  rmSync(paths.consoleLog, { force: true });

  const tBoot = Date.now();
  try {
    await execa('qemu-system-x86_64', qemuArgs(images, { hostPort: port, servicePort, memoryMiB: 4096, dom0MemoryMiB: 1536, cpus: 2 }));
  } catch (e) {
    throw new LabBootError('qemu', `qemu-system-x86_64 failed to start: ${(e as { stderr?: string }).stderr ?? e}`, consoleTail());
  }
  const pid = runningPid();
  if (!pid) throw new LabBootError('qemu', 'QEMU exited right after starting', consoleTail());
  const state: LabState = { pid, port, servicePort, xenstored, startedAt: new Date().toISOString() };
  writeFileSync(paths.stateFile, JSON.stringify(state, null, 2));
  if (opts.ownerPid) startWatchdog(opts.ownerPid, pid);

  const progress = new Progress('booting Xen 4.17 + dom0 under QEMU');
  const follower = new ConsoleFollower();
  let step = 'qemu';
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  let lastOutput = Date.now();
  try {
    for (;;) {
      const lines = follower.readLines();
      if (lines.length) lastOutput = Date.now();
      for (const line of lines) {
        const s = stepOf(line);
        if (s) {
          step = s;
          progress.set(s);
        }
        const f = /LAB-FAIL (.*)/.exec(line);
        if (f) throw new LabBootError(step, f[1]!, consoleTail());
        if (/Panic on CPU|Kernel panic/.test(line)) throw new LabBootError(step, line.trim(), consoleTail());
      }
      if (runningPid() !== pid) throw new LabBootError(step, 'QEMU exited', consoleTail());
      if (step === 'ready') {
        try {
          await ping(port, token());
          break;
        } catch {
          /* not listening yet: Node starts in ≈6 s under TCG */
        }
      }
      if (step !== 'ready' && Date.now() - lastOutput > STALL_MS) throw new LabBootError(step, `the console has been silent for ${STALL_MS / 1000}s (a hung boot)`, consoleTail(), true);
      if (Date.now() > deadline) throw new LabBootError(step, `no answer after ${(opts.timeoutMs ?? 600_000) / 1000}s`, consoleTail());
      await sleep(250);
    }
  } catch (e) {
    progress.stop();
    await down();
    if (e instanceof LabBootError && e.stalled && !opts.retried) {
      log(`${e.message.split('\n')[0]}: booting once more`);
      return up({ ...opts, retried: true });
    }
    throw e;
  }
  progress.stop();
  state.bootSeconds = (Date.now() - tBoot) / 1000;
  writeFileSync(paths.stateFile, JSON.stringify(state, null, 2));
  log(`dom0 ready for xl in ${state.bootSeconds.toFixed(1)}s (boot), ${((Date.now() - t0) / 1000).toFixed(1)}s in all; xenstore: ${xenstored}; QEMU pid ${pid}`);
  return state;
}

function startWatchdog(ownerPid: number, qemuPid: number): void {
  const child = spawn(process.execPath, [join(projectRoot, 'dist', 'lab', 'watchdog.js'), String(ownerPid), String(qemuPid)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

/** Stops QEMU (if any) and forgets the run state. Safe to call when nothing runs. */
export async function down(): Promise<boolean> {
  const pid = runningPid();
  if (pid) await stopQemu(pid);
  rmSync(paths.pidFile, { force: true });
  rmSync(paths.stateFile, { force: true });
  return pid !== undefined;
}

export interface LabStatus {
  running: boolean;
  state?: LabState;
  agent: boolean;
  dom0UptimeSeconds?: number;
}

export async function status(): Promise<LabStatus> {
  const state = readState();
  if (!state || runningPid() !== state.pid) return { running: false, agent: false };
  try {
    const uptime = await ping(state.port, token());
    return { running: true, state, agent: true, dom0UptimeSeconds: uptime };
  } catch {
    return { running: true, state, agent: false };
  }
}

/** Runs argv in dom0; the working directory defaults to the same path as on the host. */
export async function exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const state = readState();
  if (!state || runningPid() !== state.pid) throw new LabNotRunningError();
  return execInDom0(state.port, token(), argv, { cwd: process.cwd(), ...opts });
}
