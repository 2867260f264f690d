// The image build: three cached stages (toolchain, click, image), each keyed by a hash of
// its inputs, so a second config's image reuses the toolchain and the configured Click.
// The image stage cuts Click's element list to what the configs use (or keeps it whole
// with `full`), links in the click stage's tree, and keeps the image with its manifest.
// Then the xl.cfg that boots it is written.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Catalog } from '../catalog.js';
import { CXX_DIALECT } from './adaptations.js';
import { clickStage, ELEMENTS_CONF, FULL_LIST } from './click-tree.js';
import { elementSet, type ConfigSource, type ElementSet } from './element-set.js';
import { LIST_BASE, selectElements } from './elements-conf.js';
import { guestName, imageXlCfg } from './guest-cfg.js';
import { silent, type ProgressSink } from './progress.js';
import { locateSources, pin } from './sources.js';
import { runStage, stageKey, withLock, type StageKind, type StageResult } from './stage.js';
import { compilerId, toolchainStage, toolchainTrees } from './toolchain.js';

export const IMAGE_FILE = 'clickos_x86_64';
/** Where `make minios` leaves the image, relative to the ClickOS tree. */
export const IMAGE_OUTPUT = 'minios/build/clickos_x86_64';

export interface ImageRequest {
  /** the configs the image must run; with `full` they only shape the xl.cfg */
  configs: ConfigSource[];
  /** keep every element of the enabled groups, as ClickOS's own build does */
  full?: boolean;
  catalog: Catalog;
  /** the folder of tarballs (default: see sources.ts) */
  sourcesDir?: string;
  /** cache root: toolchain/, click/, image/, logs/ */
  cacheDir: string;
  configureArgs?: string[];
  jobs?: number;
  /** where to write the xl.cfg (default: ./<name>.cfg) */
  xlCfgPath?: string;
  name?: string;
  memory?: number;
  bridge?: string;
  progress?: ProgressSink;
  /** rebuild the image stage even when cached (earlier stages stay cached) */
  force?: boolean;
}

export interface StageRecord {
  kind: StageKind;
  key: string;
  cached: boolean;
  seconds: number;
  log: string;
}

export interface Manifest {
  format: 1;
  keys: Record<StageKind, string>;
  classes: string[];
  full: boolean;
  elementSources: string[];
  total: number;
  external: string[];
  bytes: number;
}

export interface ImageResult {
  cached: boolean;
  image: string;
  imageDir: string;
  xlCfg: string;
  manifest: Manifest;
  stages: StageRecord[];
  elements: ElementSet | undefined;
}

function record(kind: StageKind, r: StageResult): StageRecord {
  return { kind, key: r.dir.split('/').pop() as string, cached: r.cached, seconds: Math.round(r.seconds * 10) / 10, log: r.log };
}

/** Builds (or finds in the cache) the image for the configs, and writes its xl.cfg. */
export async function buildImage(req: ImageRequest): Promise<ImageResult> {
  const progress = req.progress ?? silent;
  const jobs = req.jobs ?? availableParallelism();
  const cacheDir = resolve(req.cacheDir);
  // The configs check before anything is unpacked: a bad config costs nothing.
  const elements = req.configs.length > 0 || !req.full ? elementSet(req.configs, req.catalog) : undefined;
  const sources = locateSources(req.sourcesDir);
  const stages: StageRecord[] = [];

  const tcSpec = toolchainStage(sources, jobs, await compilerId());
  const tc = await runStage(cacheDir, tcSpec, progress);
  stages.push(record('toolchain', tc));
  const trees = toolchainTrees(tc.dir);

  const clickSpec = clickStage(sources, stageKey(tcSpec.inputs), trees, req.configureArgs ?? []);
  const click = await runStage(cacheDir, clickSpec, progress);
  stages.push(record('click', click));
  const tree = join(click.dir, pin('clickos').folder);

  const fullList = readFileSync(join(click.dir, FULL_LIST), 'utf8');
  const sel = req.full
    ? { text: fullList, kept: [], total: 0, external: [] as string[], all: true }
    : { ...selectElements(fullList, join(tree, LIST_BASE), elements?.classes ?? [], elements?.alwaysBuilt ?? []), all: false };
  const lines = sel.text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const imageInputs = { stage: 'image/1', click: stageKey(clickSpec.inputs), elements: [...lines].sort(), cxx: CXX_DIALECT };
  const imageSpec = {
    kind: 'image' as const,
    about: sel.all ? `link every element (${lines.length} sources)` : `link ${lines.length} of ${sel.total} element sources`,
    inputs: imageInputs,
    async build(dir: string, log: import('./stage.js').StageLog) {
      // One link at a time in a configured tree; objects of earlier links are reused by make.
      await withLock(`${click.dir}.link.lock`, `a link in ${tree}`, async () => {
        writeFileSync(join(tree, ELEMENTS_CONF), sel.text.endsWith('\n') ? sel.text : `${sel.text}\n`);
        log.note(`elements.conf: ${lines.length} sources${sel.all ? ' (all)' : ''}`);
        await log.run(['make', `-j${jobs}`, 'minios', `STUB_CXXFLAGS=${CXX_DIALECT}`], { cwd: tree });
        const built = join(tree, IMAGE_OUTPUT);
        if (!existsSync(built)) throw new Error(`make minios finished but left no ${built}`);
        copyFileSync(built, join(dir, IMAGE_FILE));
        copyFileSync(join(tree, ELEMENTS_CONF), join(dir, 'elements.conf'));
      });
      const manifest: Manifest = {
        format: 1,
        keys: { toolchain: stageKey(tcSpec.inputs), click: stageKey(clickSpec.inputs), image: stageKey(imageInputs) },
        classes: elements?.classes ?? [],
        full: sel.all,
        elementSources: lines.map((l) => l.split(/\s+/)[0]),
        total: sel.all ? lines.length : sel.total,
        external: sel.external,
        bytes: statSync(join(dir, IMAGE_FILE)).size,
      };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    },
  };
  const img = await runStage(cacheDir, imageSpec, progress, req.force);
  stages.push(record('image', img));

  const image = join(img.dir, IMAGE_FILE);
  const manifest = JSON.parse(readFileSync(join(img.dir, 'manifest.json'), 'utf8')) as Manifest;
  const name = req.name ?? (req.configs[0] ? guestName(req.configs[0].file) : 'clickos');
  const xlCfg = resolve(req.xlCfgPath ?? `${name}.cfg`);
  mkdirSync(dirname(xlCfg), { recursive: true });
  writeFileSync(xlCfg, imageXlCfg({ name, kernel: image, devices: elements?.devices ?? 0, memory: req.memory, bridge: req.bridge }));
  return { cached: img.cached, image, imageDir: img.dir, xlCfg, manifest, stages, elements };
}
