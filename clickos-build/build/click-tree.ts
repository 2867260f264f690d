// Stage 2, Click configured for mini-os: the patched ClickOS tree, ./configure against the
// toolchain stage, and `make elemlist`, whose element list (every source of the enabled
// groups) is kept as elements.conf.full. The image stage links in this tree.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatches, CXX_DIALECT, patchesFor } from './adaptations.js';
import { unpack, type Sources } from './sources.js';
import type { StageSpec } from './stage.js';
import type { ToolchainTrees } from './toolchain.js';

/** Where `make elemlist` writes the list and `make minios` reads it, in the ClickOS tree. */
export const ELEMENTS_CONF = 'minios/build/click/elements/elements.conf';
export const FULL_LIST = 'elements.conf.full';

/** configure's arguments for a toolchain; --enable-stats=0 as ClickOS's own build does. */
export function configureArgs(tc: ToolchainTrees, extra: readonly string[]): string[] {
  return [
    `CXX=g++ ${CXX_DIALECT}`,
    '--enable-minios',
    `--with-xen=${tc.xen}`,
    `--with-minios=${tc.minios}`,
    `--with-newlib=${tc.newlib}`,
    `--with-lwip=${tc.newlib}`,
    '--enable-stats=0',
    ...extra,
  ];
}

export function clickStage(sources: Sources, toolchainKey: string, tc: ToolchainTrees, extraArgs: readonly string[]): StageSpec {
  return {
    kind: 'click',
    about: 'ClickOS configured for mini-os, and its full element list',
    inputs: {
      stage: 'click/1',
      toolchain: toolchainKey,
      clickos: sources.digests.clickos,
      patches: patchesFor('clickos').map((p) => [p.file, p.text]),
      configure: configureArgs({ xen: 'XEN', minios: 'MINIOS', newlib: 'NEWLIB' }, extraArgs),
    },
    async build(dir, log) {
      const tree = await unpack(sources, 'clickos', dir);
      log.note(`patched clickos: ${(await applyPatches('clickos', tree)).join(' ')}`);
      await log.run(['./configure', ...configureArgs(tc, extraArgs)], { cwd: tree });
      await log.run(['make', 'elemlist'], { cwd: tree });
      const conf = join(tree, ELEMENTS_CONF);
      if (!existsSync(conf)) throw new Error(`make elemlist wrote no ${ELEMENTS_CONF}`);
      copyFileSync(conf, join(dir, FULL_LIST));
    },
  };
}
