// Hot-patching (seed 3.1.1): tasks and commands are looked up when called, in the
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

interface CacheEntry {
  stamp: string;
  loaded: Loaded<CommandDefinition | TaskDefinition>;
}

export class LoadError extends Error {}

export function kindDir(kind: Kind): string {
  return kind === 'command' ? 'commands' : 'tasks';
}

export class MethodLoader {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Loaded<CommandDefinition | TaskDefinition>>>();

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
    for (const file of this.roots().flatMap((root) => EXTS.map((ext) => this.fileFor(root, kind, name, ext)))) {
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
      const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const hit = this.cache.get(file);
      if (hit && hit.stamp === stamp) return hit.loaded;
      return this.load(kind, name, file, stamp);
    }
    return undefined;
  }

  /** Loads (or reloads) one file now, bypassing the search; upgrade uses it to prove a new file works. */
  async loadFile(kind: Kind, name: string, file: string): Promise<Loaded<CommandDefinition | TaskDefinition>> {
    const st = await stat(file);
    return this.load(kind, name, file, `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`);
  }

  private load(kind: Kind, name: string, file: string, stamp: string): Promise<Loaded<CommandDefinition | TaskDefinition>> {
    const key = `${file}\0${stamp}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.doLoad(kind, name, file, stamp).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async doLoad(kind: Kind, name: string, file: string, stamp: string): Promise<Loaded<CommandDefinition | TaskDefinition>> {
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
