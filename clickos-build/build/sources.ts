// The four source trees a ClickOS image is built from: where they come from, how to tell
// one is there, and a revision id for the cache key.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { execa } from 'execa';
import { MissingSourcesError } from './errors.js';

export type SourceName = 'clickos' | 'minios' | 'toolchain' | 'xen';
export const SOURCE_NAMES: readonly SourceName[] = ['clickos', 'minios', 'toolchain', 'xen'];

export interface SourceInfo {
  name: SourceName;
  what: string;
  /** git URL and ref to clone */
  url: string;
  ref?: string;
  /** default folder name under the sources root */
  dir: string;
  /** a file (relative) that every checkout of this tree has */
  marker: string;
}

export const SOURCES: Record<SourceName, SourceInfo> = {
  clickos: { name: 'clickos', what: 'ClickOS (Click with the mini-os target)', url: 'https://github.com/sysml/clickos.git', dir: 'clickos', marker: 'configure' },
  minios: { name: 'minios', what: "mini-os (ClickOS's fork)", url: 'https://github.com/sysml/mini-os.git', dir: 'mini-os', marker: 'Makefile' },
  toolchain: { name: 'toolchain', what: 'the newlib + lwip toolchain for mini-os', url: 'https://github.com/sysml/toolchain.git', dir: 'toolchain', marker: 'Makefile' },
  // Only the public headers are used; the guest ABI is stable, so an older release builds
  // images that boot on the lab's 4.17. RELEASE-4.11.4 is the combination clickos-docker builds.
  xen: { name: 'xen', what: 'the Xen source tree (for its public headers)', url: 'https://xenbits.xen.org/git-http/xen.git', ref: 'RELEASE-4.11.4', dir: 'xen', marker: 'xen/include/public/xen.h' },
};

export type SourceDirs = Record<SourceName, string>;

/** Sources root: CLICKOS_BUILD_SRC, else ~/clickos-src. */
export function defaultSourceRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLICKOS_BUILD_SRC || join(homedir(), 'clickos-src');
}

/** Each tree's folder: the one given, else <root>/<default name>; absolute. */
export function sourceDirs(given: Partial<SourceDirs>, root = defaultSourceRoot()): SourceDirs {
  const out = {} as SourceDirs;
  for (const n of SOURCE_NAMES) out[n] = resolve(given[n] ?? join(root, SOURCES[n].dir));
  return out;
}

/** The shell lines that fetch one tree into dir. */
export function fetchCommand(name: SourceName, dir: string): string {
  const s = SOURCES[name];
  return `git clone ${s.ref ? `--depth 1 -b ${s.ref} ` : ''}${s.url} ${dir}`;
}

/** Throws MissingSourcesError naming every absent tree, its URL, and the command to run after. */
export function requireSources(dirs: SourceDirs, rerun: string): void {
  const missing = SOURCE_NAMES.filter((n) => !existsSync(join(dirs[n], SOURCES[n].marker)));
  if (missing.length === 0) return;
  const lines = ['missing ClickOS build sources:'];
  for (const n of missing) {
    const why = existsSync(dirs[n]) ? `has no ${SOURCES[n].marker}` : 'does not exist';
    lines.push(`  --${n} ${dirs[n]}: ${why} (want ${SOURCES[n].what})`);
  }
  lines.push('fetch them (needs internet; the Vagrant lab does this in vagrant/clickos.sh):');
  for (const n of missing) lines.push(`  ${fetchCommand(n, dirs[n])}`);
  lines.push('build prerequisites (Debian): apt-get install build-essential autoconf automake texinfo git wget');
  lines.push('(the toolchain downloads newlib 1.16.0 and lwip 1.3.0 tarballs while it builds)');
  lines.push('then run:');
  lines.push(`  ${rerun}`);
  throw new MissingSourcesError(lines.join('\n'), missing);
}

/** Build outputs that live inside source trees and must not change their id. */
const GENERATED_DIRS = new Set(['.git', 'build', 'x86_64-root', 'autom4te.cache', 'node_modules']);
const SOURCE_FILE = /\.(c|cc|cpp|h|hh|S|s|in|ac|m4|mk|y|l|py|pl|sh)$|^(configure|Makefile|Config\.mk|Rules\.mk)$/;

/**
 * A revision id: `git:<HEAD>` for a clean git checkout, `git:<HEAD>+<diff hash>` with local
 * changes to tracked files, and for other trees `tree:<hash>` over the source files' paths
 * and sizes (files a configure step generates from a `.in` beside them are left out).
 */
export async function sourceId(dir: string): Promise<string> {
  if (existsSync(join(dir, '.git'))) {
    const head = await execa('git', ['-C', dir, 'rev-parse', 'HEAD'], { reject: false });
    if (head.exitCode === 0) {
      const diff = await execa('git', ['-C', dir, 'diff', 'HEAD', '--no-ext-diff', '--binary'], { reject: false, stripFinalNewline: false });
      const rev = `git:${head.stdout.trim()}`;
      return diff.stdout === '' ? rev : `${rev}+${sha256(diff.stdout).slice(0, 16)}`;
    }
  }
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const names = readdirSync(join(dir, rel)).sort();
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = statSync(join(dir, r), { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        if (!GENERATED_DIRS.has(name)) walk(r);
      } else if (st.isFile() && SOURCE_FILE.test(name) && !names.includes(`${name}.in`)) {
        h.update(`${r}\0${st.size}\n`);
      }
    }
  };
  walk('');
  return `tree:${h.digest('hex').slice(0, 24)}`;
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
