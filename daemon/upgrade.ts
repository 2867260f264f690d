// The upgrade task (D3.2 §3.1.1, docs/platform.md): receives task/command files and writes them into
// the configured folders, then loads each to prove it works, so the next call runs
// the new code without a restart. It is remote code execution by design, so it is
// built in (not itself hot-patchable), runs only for authenticated callers allowed
// to upgrade, and writes only <folder>/{commands,tasks}/<name>.mjs for names matching
// [a-z0-9_-]+ — no separators, no "..", no absolute paths, no symlinked escape.
import { lstat, mkdir, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ok, fail, type ReturnValue } from './return-value.js';
import { s } from './schema.js';
import { EXT, kindDir, NAME_RE, type MethodLoader } from './loader.js';
import type { Kind } from './definition.js';

export const MAX_UPGRADE_FILE = 256 * 1024;

export const upgradeParams = s.struct({
  files: s.array(
    s.struct({
      kind: s.oneOf('command', 'task'),
      name: s.str({ max: 64, pattern: NAME_RE }), // refused at call time; checked again before writing
      source: s.bytes({ max: MAX_UPGRADE_FILE }),
      scope: s.optional(s.oneOf('daemon', 'common')),
    }),
    { min: 1, max: 64 },
  ),
});

export interface UpgradeFile {
  kind: Kind;
  name: string;
  source: Buffer;
  scope?: 'daemon' | 'common';
}

/** Why a file may not be installed, or undefined. */
export function refuseName(name: string): string | undefined {
  if (name.includes('/') || name.includes('\\')) return `name ${JSON.stringify(name)} contains a path separator`;
  if (name.includes('..')) return `name ${JSON.stringify(name)} contains ..`;
  if (!NAME_RE.test(name)) return `name ${JSON.stringify(name)} must match ${NAME_RE}`;
  return undefined;
}

async function installOne(loader: MethodLoader, f: UpgradeFile): Promise<{ file: string; replaced: boolean; previous: Buffer | undefined }> {
  const root = f.scope === 'common' ? loader.folders.common : loader.folders.daemon;
  if (!root) throw new Error('no common folder is configured');
  const dir = join(root, kindDir(f.kind));
  await mkdir(dir, { recursive: true, mode: 0o755 });
  // The kind folder must really be inside the configured root (a symlink there could point anywhere).
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  if (realDir !== join(realRoot, kindDir(f.kind))) throw new Error(`${dir} is not a plain folder inside ${root}`);
  const file = join(dir, `${f.name}${EXT}`);
  let previous: Buffer | undefined;
  try {
    const st = await lstat(file);
    if (!st.isFile()) throw new Error(`${file} exists and is not a regular file`);
    previous = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // Write beside, then rename: a concurrent call sees the old file or the new one, never half of one.
  const tmp = join(dir, `.${f.name}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, f.source, { flag: 'wx', mode: 0o644 });
  await rename(tmp, file);
  return { file, replaced: previous !== undefined, previous };
}

export async function upgrade(loader: MethodLoader, files: UpgradeFile[]): Promise<ReturnValue> {
  for (const f of files) {
    const why = refuseName(f.name);
    if (why) return fail(why);
    if (f.scope === 'common' && !loader.folders.common) return fail('no common folder is configured');
  }
  const installed: Array<Record<string, string | boolean>> = [];
  for (const f of files) {
    let r;
    try {
      r = await installOne(loader, f);
    } catch (e) {
      return fail(`installing ${f.kind} ${f.name}: ${(e as Error).message}`, installed);
    }
    try {
      await loader.loadFile(f.kind, f.name, r.file);
    } catch (e) {
      // Leave the folder as it was: a file that does not load must not shadow a working one.
      if (r.previous) await writeFile(r.file, r.previous);
      else await unlink(r.file).catch(() => {});
      return fail(`${f.kind} ${f.name} does not load, not installed: ${(e as Error).message}`, installed);
    }
    installed.push({ kind: f.kind, name: f.name, scope: f.scope ?? 'daemon', sha256: createHash('sha256').update(f.source).digest('hex'), replaced: r.replaced });
  }
  return ok(installed, `installed ${installed.length} file(s)`);
}
