// The lab's ClickOS image: built from the pinned sources with the elements of lab/clickos/*.click
// (cached under the lab's cache; a second `up` finds it at once), and copied to a stable path
// that tests and the demo boot. The lab shares the host's root, so dom0 sees the same path.
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../clickos-build/catalog.js';
import { buildImage, type Manifest } from '../clickos-build/build/image.js';
import { ttyProgress } from '../clickos-build/build/progress.js';
import { paths, projectRoot } from './paths.js';

export const labConfigsDir = join(projectRoot, 'lab', 'clickos');
/** What `xl create` boots as the lab's ClickOS guest. */
export const clickosKernel = join(paths.images, 'clickos_x86_64');
export const clickosManifest = join(paths.images, 'clickos.json');
export const clickosCache = join(paths.cache, 'clickos-build');

export function labConfigs(): Array<{ file: string; text: string }> {
  return readdirSync(labConfigsDir)
    .filter((f) => f.endsWith('.click'))
    .sort()
    .map((f) => ({ file: join(labConfigsDir, f), text: readFileSync(join(labConfigsDir, f), 'utf8') }));
}

/** Builds (or finds) the image and installs it at clickosKernel. */
export async function labClickosImage(log: (msg: string) => void): Promise<{ kernel: string; manifest: Manifest; built: boolean }> {
  const r = await buildImage({
    configs: labConfigs(),
    catalog: Catalog.load(),
    cacheDir: clickosCache,
    xlCfgPath: join(paths.images, 'clickos-lab.cfg'),
    name: 'clickos-lab',
    progress: ttyProgress(),
  });
  const key = r.manifest.keys.image;
  const installed = existsSync(clickosManifest) ? (JSON.parse(readFileSync(clickosManifest, 'utf8')) as Manifest).keys.image : undefined;
  if (installed !== key || !existsSync(clickosKernel)) {
    copyFileSync(r.image, `${clickosKernel}.tmp`);
    renameSync(`${clickosKernel}.tmp`, clickosKernel);
    writeFileSync(clickosManifest, JSON.stringify(r.manifest, null, 2) + '\n');
  }
  if (!r.cached) log(`built ClickOS (${r.manifest.elementSources.length} element sources, ${r.manifest.bytes} bytes): ${r.stages.map((s) => `${s.kind} ${s.cached ? 'cached' : `${s.seconds} s`}`).join(', ')}`);
  return { kernel: clickosKernel, manifest: r.manifest, built: !r.cached };
}
