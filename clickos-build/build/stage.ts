// One cached build stage: its output folder is <cache>/<kind>/<key>, where the key hashes
// every input of the stage, so a finished folder is reused as it is. A stage runs under a
// lock file, logs every command to <cache>/logs/<kind>-<key>.log, and marks itself done
// last: a folder without the mark is a failed or interrupted build and is started afresh.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BuildStepError } from './errors.js';
import { sha256 } from './keys.js';
import type { ProgressSink } from './progress.js';

export type StageKind = 'toolchain' | 'click' | 'image';

const DONE = '.stage-done.json';

export interface StageLog {
  path: string;
  /** runs a program, its output appended to the log; throws BuildStepError naming the stage */
  run(argv: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<void>;
  note(text: string): void;
}

export interface StageResult {
  dir: string;
  cached: boolean;
  log: string;
  seconds: number;
}

/** The last lines of a log, indented, for an error message. */
export function logTail(path: string, lines = 20): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs fn holding lockPath; a lock left by a dead process is taken over. */
export async function withLock<T>(lockPath: string, what: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
        throw new BuildStepError('lock', lockPath, `${what} is being built by process ${holder} (${lockPath}); wait for it to finish`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function openLog(stage: string, path: string, progress: ProgressSink): StageLog {
  writeFileSync(path, '');
  const append = (text: string) => {
    const fd = openSync(path, 'a');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  };
  return {
    path,
    note: (text) => append(`${text}\n`),
    async run(argv, opts = {}) {
      append(`$ ${opts.cwd ? `cd ${opts.cwd} && ` : ''}${argv.join(' ')}\n`);
      const child = execa(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env, stdin: 'ignore', all: true, buffer: false, reject: false });
      const fd = openSync(path, 'a');
      let last = '';
      child.all?.on('data', (b: Buffer) => {
        writeSync(fd, b);
        const lines = b.toString().trimEnd().split('\n');
        last = lines[lines.length - 1] ?? last;
        progress.tick(stage, last);
      });
      const r = await child;
      closeSync(fd);
      if (r.exitCode !== 0) {
        const why = r.exitCode !== undefined ? `exit ${r.exitCode}` : (r.signal ?? r.shortMessage);
        throw new BuildStepError(stage, path, `stage ${stage} failed (${why}): ${argv.join(' ')}${opts.cwd ? ` in ${opts.cwd}` : ''}\n  log: ${path}\n  last lines:\n${logTail(path)}`);
      }
    },
  };
}

export interface StageSpec {
  kind: StageKind;
  /** what the key hashes, recorded beside the output */
  inputs: unknown;
  about: string;
  build(dir: string, log: StageLog): Promise<void>;
}

export function stageKey(inputs: unknown): string {
  return sha256(JSON.stringify(inputs)).slice(0, 20);
}

export function stageDir(cacheDir: string, kind: StageKind, inputs: unknown): string {
  return join(cacheDir, kind, stageKey(inputs));
}

export function stageDone(dir: string): boolean {
  return existsSync(join(dir, DONE));
}

/** Returns the stage's folder, building it unless a finished one is cached (or force). */
export async function runStage(cacheDir: string, spec: StageSpec, progress: ProgressSink, force = false): Promise<StageResult> {
  const key = stageKey(spec.inputs);
  const dir = join(cacheDir, spec.kind, key);
  const logs = join(cacheDir, 'logs');
  const log = join(logs, `${spec.kind}-${key}.log`);
  progress.stage(spec.kind, spec.about);
  if (!force && stageDone(dir)) {
    progress.done(spec.kind, 'cached', dir);
    return { dir, cached: true, log, seconds: 0 };
  }
  mkdirSync(join(cacheDir, spec.kind), { recursive: true });
  mkdirSync(logs, { recursive: true });
  const started = performance.now();
  return withLock(`${dir}.lock`, `${spec.kind} ${key}`, async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const l = openLog(spec.kind, log, progress);
    try {
      await spec.build(dir, l);
    } catch (e) {
      progress.done(spec.kind, 'failed', `log: ${log}`);
      if (e instanceof BuildStepError) throw e;
      l.note(String((e as Error).message));
      throw new BuildStepError(spec.kind, log, `stage ${spec.kind} failed: ${(e as Error).message}\n  log: ${log}`);
    }
    const seconds = (performance.now() - started) / 1000;
    writeFileSync(join(dir, DONE), JSON.stringify({ key, inputs: spec.inputs, seconds: Math.round(seconds * 10) / 10, at: new Date().toISOString() }, null, 2) + '\n');
    progress.done(spec.kind, 'built', `${seconds.toFixed(1)} s`);
    return { dir, cached: false, log, seconds };
  });
}
