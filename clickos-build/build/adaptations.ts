// The project's own adaptations of the pinned sources: two patches for Debian 12's gcc 12,
// one for an upstream bug (clickos-build/patches/, each with its reason in
// patches/README.md) and the C++ dialect flag. Every stage that uses one hashes it into its cache key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../toolstack/project-root.js';
import type { SourceName } from './sources.js';

export interface Patch {
  file: string;
  /** the tree it applies to, at -p1 */
  tree: SourceName;
  why: string;
}

export const PATCHES: readonly Patch[] = [
  {
    file: 'mini-os-thread-stack-alignment.patch',
    tree: 'minios',
    why: "thread_starter calls each thread with %rsp off by 8; gcc 12 emits aligned SSE stores to stack slots, so the image crashes at boot in newlib's _vfprintf_r",
  },
  {
    file: 'clickos-blkfront-persistent-grants.patch',
    tree: 'clickos',
    why: 'with blkfront persistent grants off, mini-os still calls blkfront_ptpool_avail (an inverted #ifdef) and the link fails',
  },
  {
    file: 'clickos-handler-write-value.patch',
    tree: 'clickos',
    why: 'upstream passes a handler write\'s value as String(void *), which is String(bool): every write handler got "true"',
  },
];

/**
 * g++ 12 defaults to gnu++17, whose sized and aligned operator delete/new MiniOS's
 * -nostdlib link lacks (Click's lib/glue.cc defines only the classic ones).
 */
export const CXX_DIALECT = '-std=gnu++11';

export function patchPath(p: Patch): string {
  return join(projectRoot, 'clickos-build', 'patches', p.file);
}

/** The patches of one tree with their text, for cache keys. */
export function patchesFor(tree: SourceName): Array<Patch & { text: string }> {
  return PATCHES.filter((p) => p.tree === tree).map((p) => ({ ...p, text: readFileSync(patchPath(p), 'utf8') }));
}

/** Applies the tree's patches in order; a patch that does not apply throws with patch's output. */
export async function applyPatches(tree: SourceName, dir: string): Promise<string[]> {
  const applied: string[] = [];
  for (const p of PATCHES.filter((q) => q.tree === tree)) {
    const r = await execa('patch', ['-p1', '--forward', '--batch', '-i', patchPath(p)], { cwd: dir, reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`patch ${p.file} does not apply in ${dir}:\n${r.all}`);
    applied.push(p.file);
  }
  return applied;
}

/** The first line of `gcc --version` and `g++ --version`: a new compiler makes new objects. */
export async function compilerId(): Promise<string> {
  const out: string[] = [];
  for (const cc of ['gcc', 'g++']) {
    const r = await execa(cc, ['--version'], { reject: false });
    out.push(r.exitCode === 0 ? r.stdout.split('\n')[0] : `${cc}: missing`);
  }
  return out.join('; ');
}
