// clickos-build: plan and build ClickOS images holding just the elements the configs use.
//   clickos-build plan [--json] [sources] <config.click>...
//   clickos-build image [--json] [sources] [--cache DIR] [--out FILE] ... <config.click>...
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from './catalog.js';
import { elementSet, type ConfigSource } from './build/element-set.js';
import { BuildStepError, ElementSelectionError, MissingSourcesError, PlanError } from './build/errors.js';
import { buildImage, sourceIds } from './build/image.js';
import { makePlan, type BuildPlan } from './build/plan.js';
import { ttyProgress } from './build/progress.js';
import { defaultSourceRoot, fetchCommand, SOURCE_NAMES, SOURCES, sourceDirs, type SourceDirs } from './build/sources.js';

const USAGE = `usage:
  clickos-build plan  [--json] [SOURCES] [--configure-arg ARG]... <config.click>...
  clickos-build image [--json] [SOURCES] [--cache DIR] [--out FILE] [--name NAME]
                      [--memory MIB] [--bridge BR] [--jobs N] [--configure-arg ARG]... [--force]
                      <config.click>...
SOURCES: --clickos DIR --minios DIR --toolchain DIR --xen DIR, each defaulting to
  --src DIR (or $CLICKOS_BUILD_SRC, else ~/clickos-src) + /clickos, /mini-os, /toolchain, /xen.
The image holds only the element sources the configs need (closed over ELEMENT_REQUIRES);
images are cached by a key over that set, the trees' revisions and the options
(--cache, else $CLICKOS_BUILD_CACHE, else ~/.cache/clickos-build).`;

class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  clickos: { type: 'string' },
  minios: { type: 'string' },
  toolchain: { type: 'string' },
  xen: { type: 'string' },
  src: { type: 'string' },
  cache: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  memory: { type: 'string' },
  bridge: { type: 'string' },
  jobs: { type: 'string', short: 'j' },
  'configure-arg': { type: 'string', multiple: true },
  force: { type: 'boolean' },
} as const;

function positiveInt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${what} wants a positive integer, not ${JSON.stringify(v)}`);
  return Number(v);
}

function readConfigs(files: string[]): ConfigSource[] {
  if (files.length === 0) throw new UsageError('name one or more Click configs');
  return files.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
  });
}

function defaultCache(): string {
  return process.env.CLICKOS_BUILD_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clickos-build');
}

function rerunLine(dirs: SourceDirs, files: string[]): string {
  return ['clickos-build image', ...SOURCE_NAMES.map((n) => `--${n} ${dirs[n]}`), ...files].join(' ');
}

export function formatPlan(plan: BuildPlan, dirs: SourceDirs): string {
  const e = plan.elements;
  const out: string[] = [];
  for (const c of e.configs) out.push(`config ${c.file}: ${c.classes.length} element classes, ${c.devices} vif${c.devices === 1 ? '' : 's'}`);
  out.push(`elements (${e.classes.length}): ${e.classes.join(' ')}`);
  for (const [g, cs] of Object.entries(e.groups).sort()) out.push(`  ${g}: ${cs.join(' ')}`);
  out.push(`always built: ${e.alwaysBuilt.join(' ')}`);
  for (const w of e.warnings) out.push(`warning: ${w}`);
  if (plan.cacheKey) {
    out.push(`cache key: ${plan.cacheKey}`);
    for (const n of SOURCE_NAMES) out.push(`  ${n} ${plan.sourceIds?.[n]} (${dirs[n]})`);
  } else {
    const missing = SOURCE_NAMES.filter((n) => !existsSync(join(dirs[n], SOURCES[n].marker)));
    out.push(`cache key: needs the source trees (missing: ${missing.map((n) => `--${n} ${dirs[n]}`).join(', ')})`);
    out.push(`elements key: ${plan.elementsKey}`);
  }
  out.push('steps:');
  for (const [i, s] of plan.steps.entries())
    out.push(`  ${i + 1}. ${s.name}: ${s.about}${s.argv.length ? `\n       (cd ${s.cwd} && ${s.argv.join(' ')})` : ''}`);
  return out.join('\n') + '\n';
}

async function plan(values: Record<string, unknown>, files: string[], dirs: SourceDirs): Promise<void> {
  const set = elementSet(readConfigs(files), Catalog.load());
  const have = SOURCE_NAMES.every((n) => existsSync(join(dirs[n], SOURCES[n].marker)));
  const options = { configureArgs: (values['configure-arg'] as string[] | undefined) ?? [] };
  const p = makePlan(set, options, dirs, have ? await sourceIds(dirs) : undefined, positiveInt(values.jobs as string | undefined, 'jobs') ?? 1);
  if (values.json) {
    const fetch = have ? [] : SOURCE_NAMES.filter((n) => !existsSync(join(dirs[n], SOURCES[n].marker))).map((n) => fetchCommand(n, dirs[n]));
    process.stdout.write(JSON.stringify({ ...p, dirs, fetch }, null, 2) + '\n');
  } else process.stdout.write(formatPlan(p, dirs));
}

async function image(values: Record<string, unknown>, files: string[], dirs: SourceDirs): Promise<void> {
  const r = await buildImage({
    configs: readConfigs(files),
    dirs,
    catalog: Catalog.load(),
    cacheDir: (values.cache as string | undefined) ?? defaultCache(),
    options: { configureArgs: (values['configure-arg'] as string[] | undefined) ?? [] },
    jobs: positiveInt(values.jobs as string | undefined, 'jobs'),
    xlCfgPath: values.out as string | undefined,
    name: values.name as string | undefined,
    memory: positiveInt(values.memory as string | undefined, 'memory'),
    bridge: values.bridge as string | undefined,
    force: values.force === true,
    progress: values.json ? undefined : ttyProgress(),
    rerun: rerunLine(dirs, files),
  });
  if (values.json) {
    const { plan: p, ...rest } = r;
    process.stdout.write(JSON.stringify({ ...rest, classes: p.elements.classes }, null, 2) + '\n');
  } else {
    process.stdout.write(`${r.cached ? 'cached' : 'built'} ${r.image}\nxl.cfg ${r.xlCfg}\n${r.cached ? '' : `logs ${r.logDir}\n`}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`clickos-build: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...files] = positionals;
  if (values.help || command === 'help' || command === undefined) {
    (command === undefined && !values.help ? process.stderr : process.stdout).write(USAGE + '\n');
    return command === undefined && !values.help ? 2 : 0;
  }
  const dirs = sourceDirs({ clickos: values.clickos, minios: values.minios, toolchain: values.toolchain, xen: values.xen }, values.src ?? defaultSourceRoot());
  try {
    if (command === 'plan') await plan(values, files, dirs);
    else if (command === 'image') await image(values, files, dirs);
    else throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`clickos-build: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof PlanError || e instanceof MissingSourcesError || e instanceof BuildStepError || e instanceof ElementSelectionError) {
      process.stderr.write(`clickos-build: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

// Run directly (node dist/clickos-build/cli.js); bin/clickos-build.js calls main itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    process.stderr.write(`clickos-build: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}
