// The image build driver: checks the trees, runs the documented ClickOS build with the
// element list cut to the configs' needs, logs every step, and caches the image by key.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { execa } from 'execa';
import type { Catalog } from '../catalog.js';
import { elementSet, type ConfigSource } from './element-set.js';
import { findElementsConf, selectElements, ELEMENTS_CONF_CANDIDATES } from './elements-conf.js';
import { BuildStepError, ElementSelectionError } from './errors.js';
import { guestName, imageXlCfg } from './guest-cfg.js';
import { makePlan, NEWLIB_SUBDIR, type BuildPlan, type ImageOptions, type PlanStep } from './plan.js';
import { silent, type ProgressSink } from './progress.js';
import { requireSources, sha256, SOURCE_NAMES, sourceId, type SourceDirs, type SourceName } from './sources.js';

export const IMAGE_FILE = 'clickos_x86_64';
/** Where `make minios` leaves the image, relative to the ClickOS tree. */
export const IMAGE_OUTPUT = 'minios/build';

export interface ImageRequest {
  configs: ConfigSource[];
  dirs: SourceDirs;
  catalog: Catalog;
  /** cache root: images/<key>/ and builds/<key>/logs/ */
  cacheDir: string;
  options?: Partial<ImageOptions>;
  jobs?: number;
  /** the make program (default: $MAKE or make) */
  make?: string;
  /** where to write the xl.cfg (default: ./<name>.cfg) */
  xlCfgPath?: string;
  name?: string;
  memory?: number;
  bridge?: string;
  progress?: ProgressSink;
  /** the command line to print in the missing-sources message */
  rerun?: string;
  /** cleanly rebuild even when the cache has the image */
  force?: boolean;
}

export interface StepRecord {
  name: string;
  outcome: 'ok' | 'skipped';
  log?: string;
}

export interface ImageResult {
  cached: boolean;
  cacheKey: string;
  image: string;
  imageDir: string;
  xlCfg: string;
  logDir: string;
  plan: BuildPlan;
  steps: StepRecord[];
  /** element sources kept out of the full list (absent on a cache hit) */
  selected?: { kept: number; total: number; external: string[] };
}

export interface Manifest {
  format: number;
  cacheKey: string;
  classes: string[];
  sourceIds: Record<SourceName, string>;
  configureArgs: string[];
  elementSources: string[];
  builtFrom: string[];
}

/** Absolute, order-stable source ids of the four trees. */
export async function sourceIds(dirs: SourceDirs): Promise<Record<SourceName, string>> {
  const ids = {} as Record<SourceName, string>;
  for (const n of SOURCE_NAMES) ids[n] = await sourceId(dirs[n]);
  return ids;
}

function tail(path: string, lines = 15): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

async function runStep(step: PlanStep, log: string, env: NodeJS.ProcessEnv): Promise<void> {
  writeFileSync(log, `$ cd ${step.cwd} && ${step.argv.join(' ')}\n`);
  const out = { file: log, append: true } as const;
  const r = await execa(step.argv[0], step.argv.slice(1), { cwd: step.cwd, env, stdin: 'ignore', stdout: out, stderr: out, reject: false });
  if (r.exitCode !== 0 || r.failed) {
    const why = r.exitCode !== undefined ? `exit ${r.exitCode}` : (r.signal ?? r.shortMessage);
    throw new BuildStepError(step.name, log, `step ${step.name} failed (${why}): ${step.argv.join(' ')} in ${step.cwd}\n  log: ${log}\n${tail(log)}`);
  }
}

/** Builds (or finds in the cache) the image for the configs, and writes its xl.cfg. */
export async function buildImage(req: ImageRequest): Promise<ImageResult> {
  const progress = req.progress ?? silent;
  const options: ImageOptions = { configureArgs: req.options?.configureArgs ?? [] };
  const jobs = req.jobs ?? availableParallelism();
  const make = req.make ?? process.env.MAKE ?? 'make';
  const elements = elementSet(req.configs, req.catalog);
  requireSources(req.dirs, req.rerun ?? 'clickos-build image --clickos DIR --minios DIR --toolchain DIR --xen DIR <config.click>...');
  const plan = makePlan(elements, options, req.dirs, await sourceIds(req.dirs), jobs, make);
  const key = plan.cacheKey as string;
  const cacheDir = resolve(req.cacheDir);
  const imageDir = join(cacheDir, 'images', key);
  const logDir = join(cacheDir, 'builds', key, 'logs');
  const image = join(imageDir, IMAGE_FILE);
  const name = req.name ?? guestName(req.configs[0].file);
  const xlCfg = resolve(req.xlCfgPath ?? `${name}.cfg`);
  const writeCfg = () => {
    mkdirSync(dirname(xlCfg), { recursive: true });
    writeFileSync(xlCfg, imageXlCfg({ name, kernel: image, devices: elements.devices, memory: req.memory, bridge: req.bridge }));
  };

  if (!req.force && existsSync(join(imageDir, 'manifest.json')) && existsSync(image)) {
    writeCfg();
    progress.note(`cached: ${image}`);
    return { cached: true, cacheKey: key, image, imageDir, xlCfg, logDir, plan, steps: [] };
  }

  mkdirSync(logDir, { recursive: true });
  // Builds configure and cut elements.conf inside the ClickOS tree: one at a time per tree.
  const lock = join(cacheDir, 'builds', `tree-${sha256(req.dirs.clickos).slice(0, 16)}.lock`);
  try {
    writeFileSync(lock, `${process.pid} ${req.dirs.clickos}\n`, { flag: 'wx' });
  } catch {
    throw new BuildStepError('lock', lock, `another build in ${req.dirs.clickos} holds ${lock}; wait for it, or remove the file if no clickos-build is running`);
  }
  try {
    const root = `${req.dirs.toolchain}/${NEWLIB_SUBDIR}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XEN_ROOT: req.dirs.xen,
      MINIOS_ROOT: req.dirs.minios,
      TOOLCHAIN_ROOT: req.dirs.toolchain,
      NEWLIB_ROOT: root,
      LWIP_ROOT: root,
    };
    const steps: StepRecord[] = [];
    let selected: ImageResult['selected'];
    let elementSources: string[] = [];
    const total = plan.steps.length;
    for (const [i, step] of plan.steps.entries()) {
      progress.step(i + 1, total, step.name, step.about);
      const log = join(logDir, `${String(i + 1).padStart(2, '0')}-${step.name}.log`);
      try {
        if (step.name === 'toolchain' && existsSync(join(root, 'lib', 'libc.a')) && existsSync(join(root, 'lib', 'liblwip.a'))) {
          writeFileSync(log, `skipped: ${root}/lib has libc.a and liblwip.a\n`);
          steps.push({ name: step.name, outcome: 'skipped', log });
          progress.done(step.name, 'skipped', 'already built');
          continue;
        }
        if (step.name === 'select') {
          const conf = findElementsConf(req.dirs.clickos);
          if (!conf)
            throw new ElementSelectionError(
              `make elemlist wrote no elements.conf (looked for ${ELEMENTS_CONF_CANDIDATES.join(', ')} under ${req.dirs.clickos})`,
            );
          const full = readFileSync(conf, 'utf8');
          writeFileSync(join(logDir, 'elements.conf.full'), full);
          const sel = selectElements(full, req.dirs.clickos, elements.classes, elements.alwaysBuilt);
          writeFileSync(conf, sel.text);
          writeFileSync(log, `${conf}: kept ${sel.kept.length} of ${sel.total} element sources\n${sel.kept.map((s) => `  ${s.file} (${s.classes.join(' ')})`).join('\n')}\nexternal requirements: ${sel.external.join(' ') || 'none'}\n`);
          selected = { kept: sel.kept.length, total: sel.total, external: sel.external };
          elementSources = sel.kept.map((s) => s.file);
          steps.push({ name: step.name, outcome: 'ok', log });
          progress.done(step.name, 'ok', `${sel.kept.length} of ${sel.total} element sources`);
          continue;
        }
        if (step.name === 'install') {
          const built = join(req.dirs.clickos, IMAGE_OUTPUT, IMAGE_FILE);
          if (!existsSync(built)) throw new BuildStepError('install', log, `make minios finished but left no ${built}; see ${join(logDir, '05-minios.log')}`);
          const tmp = `${imageDir}.tmp-${process.pid}`;
          rmSync(tmp, { recursive: true, force: true });
          mkdirSync(tmp, { recursive: true });
          const copied: string[] = [];
          for (const f of [IMAGE_FILE, `${IMAGE_FILE}.gz`]) {
            const src = join(req.dirs.clickos, IMAGE_OUTPUT, f);
            if (existsSync(src)) {
              copyFileSync(src, join(tmp, f));
              copied.push(src);
            }
          }
          const conf = findElementsConf(req.dirs.clickos);
          if (conf) copyFileSync(conf, join(tmp, 'elements.conf'));
          const manifest: Manifest = {
            format: 1,
            cacheKey: key,
            classes: elements.classes,
            sourceIds: plan.sourceIds as Record<SourceName, string>,
            configureArgs: options.configureArgs,
            elementSources,
            builtFrom: copied,
          };
          writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
          rmSync(imageDir, { recursive: true, force: true });
          renameSync(tmp, imageDir);
          writeCfg();
          writeFileSync(log, `installed ${copied.join(', ')} into ${imageDir}\nxl.cfg: ${xlCfg}\n`);
          steps.push({ name: step.name, outcome: 'ok', log });
          progress.done(step.name, 'ok', image);
          continue;
        }
        await runStep(step, log, env);
        steps.push({ name: step.name, outcome: 'ok', log });
        progress.done(step.name, 'ok');
      } catch (e) {
        // Steps the driver does itself leave their error in their log too.
        if (!existsSync(log)) writeFileSync(log, `${(e as Error).message}\n`);
        progress.done(step.name, 'failed', `see ${log}`);
        throw e;
      }
    }
    return { cached: false, cacheKey: key, image, imageDir, xlCfg, logDir, plan, steps, selected };
  } finally {
    rmSync(lock, { force: true });
  }
}
