// Hot-patching (D3.2 §3.1.1, docs/platform.md): tasks and commands are looked up when called, in the
// per-daemon folder first and then the common one, and (re)imported whenever the
// file changed. ES modules cannot be unloaded, so a new version is imported under a
// new URL (?v=<sha256>); returning to an earlier content reuses that earlier instance.
// Modules a task file imports itself are not reloaded (Node caches them by URL).
import { statSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateDefinition, type CommandDefinition, type Kind, type TaskDefinition } from './definition.js';

export const NAME_RE = /^[a-z0-9_-]{1,64}$/;
/** .mjs: an ES module whatever package.json (or none) sits above the folder; upgrade writes these. */
export const EXT = '.mjs';
/**
 * Also .js, for tasks written in TypeScript and compiled into this project's dist/
 * ("type": "module" makes them ES modules there). In one folder .mjs wins, so an
 * upgrade shadows a shipped .js without touching it.
 */
export const EXTS = [EXT, '.js'] as const;

export interface Folders {
  /** Daemon-specific tasks and commands; searched first, and the default target of upgrade. */
  daemon: string;
  /** Tasks and commands shared by all daemons. */
  common?: string;
}

export interface Loaded<D> {
  kind: Kind;
  name: string;
  file: string;
  hash: string;
  def: D;
}

/** What identifies one version of a file; compared field by field on every call. */
interface Stamp {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface CacheEntry {
  stamp: Stamp;
  loaded: Loaded<CommandDefinition | TaskDefinition>;
}

const stampOf = ({ ino, size, mtimeMs, ctimeMs }: Stamp): Stamp => ({ ino, size, mtimeMs, ctimeMs });
const sameStamp = (a: Stamp, b: Stamp): boolean => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/** Distinct names whose candidate paths are kept; callers choose the names, so the map is bounded. */
const MAX_PATH_CACHE = 1024;

export class LoadError extends Error {}

export function kindDir(kind: Kind): string {
  return kind === 'command' ? 'commands' : 'tasks';
}

export class MethodLoader {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Loaded<CommandDefinition | TaskDefinition>>>();
  /** kind/name -> the files searched, in order: joined once, not on every call. */
  private readonly paths = new Map<string, string[]>();

  constructor(readonly folders: Folders) {}

  roots(): string[] {
    return this.folders.common ? [this.folders.daemon, this.folders.common] : [this.folders.daemon];
  }

  fileFor(root: string, kind: Kind, name: string, ext: string = EXT): string {
    return join(root, kindDir(kind), `${name}${ext}`);
  }

  /** The current definition of a command, or undefined when no folder has one. */
  async command(name: string): Promise<Loaded<CommandDefinition> | undefined> {
    return (await this.find('command', name)) as Loaded<CommandDefinition> | undefined;
  }

  async task(name: string): Promise<Loaded<TaskDefinition> | undefined> {
    return (await this.find('task', name)) as Loaded<TaskDefinition> | undefined;
  }

  async find(kind: Kind, name: string): Promise<Loaded<CommandDefinition | TaskDefinition> | undefined> {
    if (!NAME_RE.test(name)) return undefined;
    for (const file of this.candidates(kind, name)) {
      // Synchronous on purpose: this runs on every call, and a stat of a local file
      // (a few µs) is far cheaper than fs/promises' round trip through the thread pool,
      // which the bench's profile showed taking ~40% of the daemon's time for a trivial
      // command. No ENOENT exception either for the folders searched in vain.
      let st;
      try {
        st = statSync(file, { throwIfNoEntry: false });
      } catch {
        continue; // EACCES, ENOTDIR...: not a usable method file
      }
      if (!st?.isFile()) continue;
      // Cheap per-call check; the hash decides whether to re-import.
      const hit = this.cache.get(file);
      if (hit && sameStamp(hit.stamp, st)) return hit.loaded;
      return this.load(kind, name, file, stampOf(st));
    }
    return undefined;
  }

  private candidates(kind: Kind, name: string): string[] {
    const key = `${kind}/${name}`;
    let files = this.paths.get(key);
    if (!files) {
      if (this.paths.size >= MAX_PATH_CACHE) this.paths.clear();
      files = this.roots().flatMap((root) => EXTS.map((ext) => this.fileFor(root, kind, name, ext)));
      this.paths.set(key, files);
    }
    return files;
  }

  /** Loads (or reloads) one file now, bypassing the search; upgrade uses it to prove a new file works. */
  async loadFile(kind: Kind, name: string, file: string): Promise<Loaded<CommandDefinition | TaskDefinition>> {
    return this.load(kind, name, file, stampOf(await stat(file)));
  }

  private load(kind: Kind, name: string, file: string, stamp: Stamp): Promise<Loaded<CommandDefinition | TaskDefinition>> {
    const key = `${file}\0${stamp.ino}:${stamp.size}:${stamp.mtimeMs}:${stamp.ctimeMs}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.doLoad(kind, name, file, stamp).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async doLoad(kind: Kind, name: string, file: string, stamp: Stamp): Promise<Loaded<CommandDefinition | TaskDefinition>> {
    const source = await readFile(file);
    const hash = createHash('sha256').update(source).digest('hex');
    const prev = this.cache.get(file);
    if (prev && prev.loaded.hash === hash) {
      prev.stamp = stamp; // touched, not changed
      return prev.loaded;
    }
    let mod: { default?: unknown };
    try {
      mod = (await import(`${pathToFileURL(file).href}?v=${hash}`)) as { default?: unknown };
    } catch (e) {
      throw new LoadError(`cannot load ${kind} ${name}: ${(e as Error).message}`);
    }
    const def = validateDefinition(kind, mod.default);
    if (typeof def === 'string') throw new LoadError(`${kind} ${name}: ${def}`);
    const loaded = { kind, name, file, hash, def };
    this.cache.set(file, { stamp, loaded });
    return loaded;
  }

  /** Names available in the folders now (files, whether or not loaded yet). */
  async list(kind: Kind): Promise<string[]> {
    const names = new Set<string>();
    for (const root of this.roots()) {
      let entries: string[] = [];
      try {
        entries = await readdir(join(root, kindDir(kind)));
      } catch {
        continue;
      }
      for (const f of entries) {
        const ext = EXTS.find((e) => f.endsWith(e));
        if (ext && NAME_RE.test(f.slice(0, -ext.length))) names.add(f.slice(0, -ext.length));
      }
    }
    return [...names].sort();
  }
}
