// ClickOS image builds, full element set against the lab's minimal one, in one run and in a
// fresh cache: the toolchain and click stages are built once (both images share them), then
// each image is linked from a clean build folder (no object reused). Prints the stage times,
// BENCH clickos.image_build_s and clickos.image_bytes for both, and their ratios.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../../clickos-build/catalog.js';
import { buildImage, type ImageResult } from '../../clickos-build/build/image.js';
import { labConfigs } from '../../lab/clickos-image.js';

async function main(): Promise<void> {
  const cache = process.env.CLICKOS_BENCH_CACHE ?? mkdtempSync(join(tmpdir(), 'clickos-bench-'));
  const catalog = Catalog.load();
  const configs = labConfigs();
  const out = join(cache, 'out');
  const build = (full: boolean): Promise<ImageResult> =>
    buildImage({ configs, full, catalog, cacheDir: cache, xlCfgPath: join(out, `${full ? 'full' : 'minimal'}.cfg`), force: true, cleanLink: true });
  try {
    const minimal = await build(false);
    const full = await build(true);
    const shared = minimal.stages.filter((s) => s.kind !== 'image').reduce((a, s) => a + s.seconds, 0);
    const link = (r: ImageResult): number => r.stages.find((s) => s.kind === 'image')!.seconds;
    for (const s of minimal.stages.filter((x) => x.kind !== 'image')) console.log(`# stage ${s.kind}: ${s.seconds} s (shared by both images)`);
    console.log(`# minimal: ${minimal.manifest.elementSources.length} of ${minimal.manifest.total} element sources (${minimal.manifest.classes.join(' ')}), link ${link(minimal)} s`);
    console.log(`# full: ${full.manifest.elementSources.length} element sources, link ${link(full)} s`);
    const tMin = shared + link(minimal);
    const tFull = shared + link(full);
    console.log(`BENCH clickos.image_build_s.full ${tFull.toFixed(1)}`);
    console.log(`BENCH clickos.image_build_s.minimal ${tMin.toFixed(1)}`);
    console.log(`BENCH clickos.image_bytes.full ${full.manifest.bytes}`);
    console.log(`BENCH clickos.image_bytes.minimal ${minimal.manifest.bytes}`);
    console.log(`RATIO clickos.image_build_minimal_vs_full ${(tMin / tFull).toFixed(3)}`);
    console.log(`RATIO clickos.image_bytes_minimal_vs_full ${(minimal.manifest.bytes / full.manifest.bytes).toFixed(3)}`);
  } finally {
    if (!process.env.CLICKOS_BENCH_CACHE) rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
