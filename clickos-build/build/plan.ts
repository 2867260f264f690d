// A build plan: the element set, the steps the build runs, and the cache key of the image.
import { ALWAYS_BUILT, type ElementSet } from './element-set.js';
import { sha256, type SourceDirs, type SourceName } from './sources.js';

/** Bump when the image directory's layout or the steps change what an image contains. */
export const CACHE_FORMAT = 1;

export interface ImageOptions {
  /** extra ./configure arguments (e.g. --enable-stats=1) */
  configureArgs: string[];
}

export interface PlanStep {
  name: string;
  /** folder the program runs in; '' for steps the driver does itself */
  cwd: string;
  argv: string[];
  /** what the step does, for the plan's reader */
  about: string;
}

export interface BuildPlan {
  elements: ElementSet;
  /** classes the element list must keep: the configs' plus ALWAYS_BUILT */
  selection: string[];
  steps: PlanStep[];
  /** source revision ids, when the trees were given */
  sourceIds?: Record<SourceName, string>;
  /** sha256 prefix over the element set, source ids and options; absent without sources */
  cacheKey?: string;
  /** sha256 prefix over the element set and options alone (stable without sources) */
  elementsKey: string;
  options: ImageOptions;
}

export const NEWLIB_SUBDIR = 'x86_64-root/x86_64-xen-elf';

/** The commands, in order, for the given trees (paths as given; folders must be absolute). */
export function buildSteps(dirs: SourceDirs, options: ImageOptions, jobs: number, make = 'make'): PlanStep[] {
  const root = `${dirs.toolchain}/${NEWLIB_SUBDIR}`;
  return [
    { name: 'toolchain', cwd: dirs.toolchain, argv: [make, `-j${jobs}`], about: `newlib 1.16.0 + lwip 1.3.0 for mini-os into ${root} (skipped when built)` },
    {
      name: 'configure',
      cwd: dirs.clickos,
      argv: ['./configure', '--enable-minios', `--with-xen=${dirs.xen}`, `--with-minios=${dirs.minios}`, `--with-newlib=${root}`, `--with-lwip=${root}`, ...options.configureArgs],
      about: 'configure Click for the mini-os target against the Xen headers',
    },
    { name: 'elemlist', cwd: dirs.clickos, argv: [make, 'elemlist'], about: 'list the element sources of the enabled groups (elements.conf)' },
    { name: 'select', cwd: '', argv: [], about: 'rewrite elements.conf to the sources the configs need, closed over ELEMENT_REQUIRES' },
    { name: 'minios', cwd: dirs.clickos, argv: [make, `-j${jobs}`, 'minios'], about: 'compile and link minios/build/clickos_x86_64' },
    { name: 'install', cwd: '', argv: [], about: 'copy the image into the cache and write its xl.cfg' },
  ];
}

function key(parts: unknown): string {
  return sha256(JSON.stringify(parts)).slice(0, 24);
}

/** The plan; the cache key needs the trees' revision ids. */
export function makePlan(elements: ElementSet, options: ImageOptions, dirs: SourceDirs, sourceIds?: Record<SourceName, string>, jobs = 1, make = 'make'): BuildPlan {
  const selection = [...new Set([...elements.classes, ...ALWAYS_BUILT])].sort();
  const base = { format: CACHE_FORMAT, classes: elements.classes, configureArgs: options.configureArgs };
  const plan: BuildPlan = {
    elements,
    selection,
    steps: buildSteps(dirs, options, jobs, make),
    elementsKey: key(base),
    options,
  };
  if (sourceIds) {
    plan.sourceIds = sourceIds;
    // Sorted keys: the key must not depend on property order.
    plan.cacheKey = key({ ...base, sources: Object.keys(sourceIds).sort().map((k) => [k, sourceIds[k as SourceName]]) });
  }
  return plan;
}
