// Stage 1, the toolchain: Xen's headers, the patched mini-os, and newlib + lwIP built for
// mini-os by sysml's toolchain Makefile — everything a Click build links against. The
// Makefile normally downloads newlib and lwIP; we hand it the unpacked pinned trees and
// mark its download and unpack steps done, then run its build targets.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatches, compilerId, patchesFor } from './adaptations.js';
import { pin, unpack, type Sources } from './sources.js';
import type { StageLog, StageSpec } from './stage.js';

/** Where newlib and lwIP land inside the stage folder (configure's --with-newlib/--with-lwip). */
export const NEWLIB_PREFIX = 'toolchain/x86_64-root/x86_64-xen-elf';

export interface ToolchainTrees {
  xen: string;
  minios: string;
  newlib: string;
}

export function toolchainTrees(dir: string): ToolchainTrees {
  return { xen: join(dir, 'xen'), minios: join(dir, 'mini-os'), newlib: join(dir, NEWLIB_PREFIX) };
}

/** The stamp files of the toolchain Makefile's download and unpack steps (toolchain/config.mk). */
const FETCHED = [
  { archive: 'newlib-1.16.0.tar.gz', stamp: '_newlib-src' },
  { archive: 'EXPERIMENTAL-1_4_1_GSOv4.tar.gz', stamp: '_lwip-src' },
];

/** newlib's patches in the order its _newlib-src target applies them, then its symbol rename. */
async function prepareNewlib(tc: string, log: StageLog): Promise<void> {
  const src = join(tc, pin('newlib').folder);
  log.note('# newlib: the toolchain\'s own patches and rename, as its _newlib-src target does');
  for (const [patch, strip] of [['newlib.patch', '-p0'], ['newlib-chk.patch', '-p0'], ['newlib-stdint-size_max-fix-from-1.17.0.patch', '-p1']]) {
    await log.run(['patch', '-d', src, strip, '--batch', '-i', join(tc, 'patches', patch)]);
  }
  await log.run(['sh', '-c', `find '${src}' -type f -print0 | xargs -0 perl -i -pe 's/\\b_(tzname|daylight|timezone)\\b/$1/g'`]);
}

export function toolchainStage(sources: Sources, jobs: number, compiler: string): StageSpec {
  const trees = ['xen', 'minios', 'toolchain', 'newlib', 'lwip'] as const;
  return {
    kind: 'toolchain',
    about: 'Xen headers, patched mini-os, newlib 1.16.0 + lwIP built for mini-os',
    inputs: {
      stage: 'toolchain/1',
      sources: trees.map((t) => [t, sources.digests[t]]),
      patches: patchesFor('minios').map((p) => [p.file, p.text]),
      compiler,
    },
    async build(dir, log) {
      for (const t of ['xen', 'minios', 'toolchain'] as const) await unpack(sources, t, dir);
      log.note(`patched mini-os: ${(await applyPatches('minios', join(dir, 'mini-os'))).join(' ')}`);
      const tc = join(dir, 'toolchain');
      await unpack(sources, 'newlib', tc);
      await unpack(sources, 'lwip', tc);
      await prepareNewlib(tc, log);
      // Archives older than their stamps: make neither downloads nor unpacks again.
      for (const f of FETCHED) {
        writeFileSync(join(tc, f.archive), '');
        utimesSync(join(tc, f.archive), 1, 1);
        writeFileSync(join(tc, f.stamp), '');
      }
      const env = { ...process.env, XEN_ROOT: join(dir, 'xen'), MINIOS_ROOT: join(dir, 'mini-os') };
      await log.run(['make', `-j${jobs}`, '-C', tc, `MINIOS_ROOT=${join(dir, 'mini-os')}`, 'CC=gcc', 'CXX=g++', 'cross-newlib', 'cross-lwip'], { env });
    },
  };
}

export { compilerId };
