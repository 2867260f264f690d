// The lab's operations: up (fetch, build, boot, wait for dom0), down, status, exec.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';
import { download, extract, kernelPackage, XEN_PACKAGES } from './debian.js';
import { freePort } from './free-port.js';
import { buildImages } from './images.js';
import { labClickosImage } from './clickos-image.js';
import { ensureHostTools } from './host.js';
import { qemuArgs, runningPid, stopQemu } from './qemu.js';
import { paths, projectRoot, runPaths, type RunPaths } from './paths.js';
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
  /** A named lab beside the default one (its state in .lab/run-<name>/; docs/two-host-lab.md). */
  instance?: string;
  /** QEMU's memory, dom0's share of it and the CPUs (default 4096, 1536, 2). */
  memoryMiB?: number;
  dom0MemoryMiB?: number;
  cpus?: number;
  /** A second NIC on this host tap device (dom0's eth1), for a fabric between labs. */
  fabric?: { tap: string; mac: string };
}

/**
 * A boot whose console prints nothing for this long, before dom0 is ready, has hung: it
 * happened once in ≈20 CI boots (dom0's kernel silent after "about to get started..."),
 * where a whole boot takes 25-70 s. up() then boots once more.
 */
const STALL_MS = 180_000;

export class LabBootError extends Error {
  override name = 'LabBootError';
  constructor(readonly step: string, detail: string, readonly consoleTail: string, readonly stalled = false, consoleLog = paths.consoleLog) {
    super(`lab boot failed at step "${step}": ${detail}\n--- last console lines (${consoleLog}) ---\n${consoleTail}`);
  }
}

export class LabNotRunningError extends Error {
  override name = 'LabNotRunningError';
  constructor() {
    super('the lab is not running: start it with `clickos-lab up`');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function readState(instance?: string): LabState | undefined {
  const run = runPaths(instance);
  if (!existsSync(run.stateFile)) return undefined;
  return JSON.parse(readFileSync(run.stateFile, 'utf8')) as LabState;
}

function token(run: RunPaths): string {
  return readFileSync(run.tokenFile, 'utf8').trim();
}

export function consoleTail(lines = 25, instance?: string): string {
  const { consoleLog } = runPaths(instance);
  if (!existsSync(consoleLog)) return '(no console output)';
  return readFileSync(consoleLog, 'utf8').replace(/\r/g, '').trimEnd().split('\n').slice(-lines).join('\n');
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
  constructor(private readonly consoleLog: string) {}
  readLines(): string[] {
    if (!existsSync(this.consoleLog)) return [];
    const fd = openSync(this.consoleLog, 'r');
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
  const log = opts.log ?? ((m: string) => process.stderr.write(`lab${opts.instance ? ` ${opts.instance}` : ''}: ${m}\n`));
  const run = runPaths(opts.instance);
  const existing = readState(opts.instance);
  if (existing && runningPid(run) === existing.pid) {
    try {
      await ping(existing.port, token(run));
      log(`already up (QEMU pid ${existing.pid})`);
      return existing;
    } catch {
      log('a previous lab is running but not answering: stopping it');
    }
  }
  await down(opts.instance);

  const t0 = Date.now();
  const images = await prepare(log);
  const xenstored = opts.xenstored ?? 'xenstored';
  mkdirSync(run.run, { recursive: true });
  const port = await freePort();
  let servicePort = await freePort();
  while (servicePort === port) servicePort = await freePort();
  writeFileSync(run.tokenFile, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
  writeFileSync(
    join(run.run, 'boot.env'),
    [
      `LAB_PORT=7000`,
      `LAB_TOKEN_FILE=${run.tokenFile}`,
      `LAB_NODE=${process.execPath}`,
      `LAB_AGENT=${paths.agentServer}`,
      `LAB_XENSTORED=${xenstored}`,
      '',
    ].join('\n'),
  );
  if (!existsSync(paths.agentServer)) throw new Error(`${paths.agentServer} is missing: run \`npm run build\` first`);
  rmSync(run.consoleLog, { force: true });
  const tail = (): string => consoleTail(25, opts.instance);
  const bootError = (step: string, detail: string, stalled = false): LabBootError => new LabBootError(step, detail, tail(), stalled, run.consoleLog);

  const tBoot = Date.now();
  try {
    await execa(
      'qemu-system-x86_64',
      qemuArgs(images, { hostPort: port, servicePort, memoryMiB: opts.memoryMiB ?? 4096, dom0MemoryMiB: opts.dom0MemoryMiB ?? 1536, cpus: opts.cpus ?? 2, run, ...(opts.fabric ? { fabric: opts.fabric } : {}) }),
    );
  } catch (e) {
    throw bootError('qemu', `qemu-system-x86_64 failed to start: ${(e as { stderr?: string }).stderr ?? e}`);
  }
  const pid = runningPid(run);
  if (!pid) throw bootError('qemu', 'QEMU exited right after starting');
  const state: LabState = { pid, port, servicePort, xenstored, startedAt: new Date().toISOString() };
  writeFileSync(run.stateFile, JSON.stringify(state, null, 2));
  if (opts.ownerPid) startWatchdog(opts.ownerPid, pid);

  const progress = new Progress(`booting Xen 4.17 + dom0 under QEMU${opts.instance ? ` (lab ${opts.instance})` : ''}`);
  const follower = new ConsoleFollower(run.consoleLog);
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
        if (f) throw bootError(step, f[1]!);
        if (/Panic on CPU|Kernel panic/.test(line)) throw bootError(step, line.trim());
      }
      if (runningPid(run) !== pid) throw bootError(step, 'QEMU exited');
      if (step === 'ready') {
        try {
          await ping(port, token(run));
          break;
        } catch {
          /* not listening yet: Node starts in ≈6 s under TCG */
        }
      }
      if (step !== 'ready' && Date.now() - lastOutput > STALL_MS) throw bootError(step, `the console has been silent for ${STALL_MS / 1000}s (a hung boot)`, true);
      if (Date.now() > deadline) throw bootError(step, `no answer after ${(opts.timeoutMs ?? 600_000) / 1000}s`);
      await sleep(250);
    }
  } catch (e) {
    progress.stop();
    await down(opts.instance);
    if (e instanceof LabBootError && e.stalled && !opts.retried) {
      log(`${e.message.split('\n')[0]}: booting once more`);
      return up({ ...opts, retried: true });
    }
    throw e;
  }
  progress.stop();
  state.bootSeconds = (Date.now() - tBoot) / 1000;
  writeFileSync(run.stateFile, JSON.stringify(state, null, 2));
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
export async function down(instance?: string): Promise<boolean> {
  const run = runPaths(instance);
  const pid = runningPid(run);
  if (pid) await stopQemu(pid);
  rmSync(run.pidFile, { force: true });
  rmSync(run.stateFile, { force: true });
  return pid !== undefined;
}

export interface LabStatus {
  running: boolean;
  state?: LabState;
  agent: boolean;
  dom0UptimeSeconds?: number;
}

export async function status(instance?: string): Promise<LabStatus> {
  const run = runPaths(instance);
  const state = readState(instance);
  if (!state || runningPid(run) !== state.pid) return { running: false, agent: false };
  try {
    const uptime = await ping(state.port, token(run));
    return { running: true, state, agent: true, dom0UptimeSeconds: uptime };
  } catch {
    return { running: true, state, agent: false };
  }
}

/** Runs argv in dom0 (of the named lab, if `instance`); the working directory defaults to the same path as on the host. */
export async function exec(argv: string[], opts: ExecOptions & { instance?: string } = {}): Promise<ExecResult> {
  const { instance, ...o } = opts;
  const run = runPaths(instance);
  const state = readState(instance);
  if (!state || runningPid(run) !== state.pid) throw new LabNotRunningError();
  return execInDom0(state.port, token(run), argv, { cwd: process.cwd(), ...o });
}
