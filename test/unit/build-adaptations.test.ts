// Our patches (clickos-build/patches/) apply to the pinned trees, and their README names each.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { applyPatches, CXX_DIALECT, PATCHES, patchesFor, patchPath } from '../../clickos-build/build/adaptations.js';
import { configureArgs } from '../../clickos-build/build/click-tree.js';
import { projectRoot } from '../../toolstack/project-root.js';
import { locateSources, pin } from '../../clickos-build/build/sources.js';

const PATCH_DIR = join(projectRoot, 'clickos-build', 'patches');
const sources = locateSources(join(projectRoot, 'third-party', 'clickos-sources'));

/** Unpacks only the files the patches touch from their tree's vendored tarball. */
async function unpackFor(dir: string, files: string[], folder: string, tarball: string): Promise<string> {
  const touched = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => `${folder}/${m[1]}`));
  await execa('tar', ['-xJf', join(sources.dir, tarball), '-C', dir, ...touched]);
  return join(dir, folder);
}

for (const p of PATCHES) {
  t.test(`${p.file} applies to the pinned ${p.tree} with patch -p1`, async (t) => {
    const { folder, tarball } = pin(p.tree);
    // every patch of the tree: applyPatches applies them all, in order
    const tree = await unpackFor(t.testdir(), PATCHES.filter((q) => q.tree === p.tree).map(patchPath), folder, tarball);
    const dry = await execa('patch', ['-p1', '--dry-run', '--batch', '-i', patchPath(p)], { cwd: tree, reject: false, all: true });
    t.equal(dry.exitCode, 0, dry.all);
    t.notMatch(dry.all, /fuzz|offset/i, 'applies exactly');
    t.same(await applyPatches(p.tree, tree), PATCHES.filter((q) => q.tree === p.tree).map((q) => q.file), 'applyPatches applies it');
    await t.rejects(applyPatches(p.tree, tree), /does not apply/, 'a second time is refused (--forward)');
  });
}

t.test('patches/README.md names every patch, and every patch file is listed in PATCHES', async (t) => {
  const readme = readFileSync(join(PATCH_DIR, 'README.md'), 'utf8');
  const rows = readme.split('\n').filter((l) => l.startsWith('| `'));
  for (const p of PATCHES) t.ok(rows.some((r) => r.startsWith(`| \`${p.file}\` |`)), `${p.file} in the table`);
  t.ok(rows.some((r) => r.includes(`\`${CXX_DIALECT}\``)), 'the dialect flag in the table');
  t.same(readdirSync(PATCH_DIR).filter((f) => f.endsWith('.patch')).sort(), PATCHES.map((p) => p.file).sort(), 'no patch file outside PATCHES');
  t.same(patchesFor('minios').map((p) => p.file), ['mini-os-thread-stack-alignment.patch']);
  t.ok(configureArgs({ xen: 'X', minios: 'M', newlib: 'N' }, []).includes(`CXX=g++ ${CXX_DIALECT}`), 'configure gets the dialect');
});
