// clickos-build: plan and build ClickOS images holding just the elements the configs use.
//   clickos-build plan | image | fetch (USAGE below)
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from './catalog.js';
import { elementSet, type ConfigSource, type ElementSet } from './build/element-set.js';
import { BuildStepError, ElementSelectionError, MissingSourcesError, PlanError } from './build/errors.js';
import { buildImage } from './build/image.js';
import { ttyProgress } from './build/progress.js';
import { fetchScript, PINS } from './build/sources.js';

const USAGE = `usage:
  clickos-build plan  [--json] <config.click>...
  clickos-build image [--json] [--sources DIR] [--cache DIR] [--full] [--out FILE] [--name NAME]
                      [--memory MIB] [--bridge BR] [--jobs N] [--configure-arg ARG]... [--force]
                      <config.click>...
  clickos-build fetch [--print] DIR
plan: the element classes the configs use, checked against ClickOS's catalog.
image: builds ClickOS from the pinned sources (--sources, else $CLICKOS_SOURCES, else the
  repository's third-party/clickos-sources) in cached stages — toolchain, click (configure +
  element list), image (link) — with only the elements the configs use (--full: all), and
  writes the xl.cfg that boots it (--cache, else $CLICKOS_BUILD_CACHE, else ~/.cache/clickos-build).
fetch: writes the pinned tarballs into DIR from upstream git (needs git and internet).`;

class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  sources: { type: 'string' },
  cache: { type: 'string' },
  full: { type: 'boolean' },
  out: { type: 'string' },
  name: { type: 'string' },
  memory: { type: 'string' },
  bridge: { type: 'string' },
  jobs: { type: 'string', short: 'j' },
  'configure-arg': { type: 'string', multiple: true },
  force: { type: 'boolean' },
  print: { type: 'boolean' },
} as const;

function positiveInt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${what} wants a positive integer, not ${JSON.stringify(v)}`);
  return Number(v);
}

function readConfigs(files: string[]): ConfigSource[] {
  return files.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
  });
}

export function defaultCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLICKOS_BUILD_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clickos-build');
}

export function formatPlan(e: ElementSet): string {
  const out: string[] = [];
  for (const c of e.configs) out.push(`config ${c.file}: ${c.classes.length} element classes, ${c.devices} vif${c.devices === 1 ? '' : 's'}`);
  out.push(`elements (${e.classes.length}): ${e.classes.join(' ')}`);
  for (const [g, cs] of Object.entries(e.groups).sort()) out.push(`  ${g}: ${cs.join(' ')}`);
  out.push(`always built: ${e.alwaysBuilt.join(' ')}`);
  for (const w of e.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}

function plan(values: Record<string, unknown>, files: string[]): void {
  if (files.length === 0) throw new UsageError('name one or more Click configs');
  const set = elementSet(readConfigs(files), Catalog.load());
  process.stdout.write(values.json ? JSON.stringify(set, null, 2) + '\n' : formatPlan(set));
}

async function image(values: Record<string, unknown>, files: string[]): Promise<void> {
  if (files.length === 0 && !values.full) throw new UsageError('name one or more Click configs (or --full for every element)');
  const r = await buildImage({
    configs: readConfigs(files),
    full: values.full === true,
    catalog: Catalog.load(),
    sourcesDir: values.sources as string | undefined,
    cacheDir: (values.cache as string | undefined) ?? defaultCache(),
    configureArgs: (values['configure-arg'] as string[] | undefined) ?? [],
    jobs: positiveInt(values.jobs as string | undefined, 'jobs'),
    xlCfgPath: values.out as string | undefined,
    name: values.name as string | undefined,
    memory: positiveInt(values.memory as string | undefined, 'memory'),
    bridge: values.bridge as string | undefined,
    force: values.force === true,
    progress: values.json ? undefined : ttyProgress(),
  });
  if (values.json) {
    const { elements, ...rest } = r;
    process.stdout.write(JSON.stringify({ ...rest, classes: elements?.classes ?? [] }, null, 2) + '\n');
  } else {
    const m = r.manifest;
    process.stdout.write(
      `${r.cached ? 'cached' : 'built'} ${r.image} (${m.bytes} bytes, ${m.full ? 'all' : `${m.elementSources.length} of ${m.total}`} element sources)\n` +
        `xl.cfg ${r.xlCfg}\n` +
        r.stages.map((s) => `  ${s.kind} ${s.key} ${s.cached ? 'cached' : `built in ${s.seconds} s`} (log ${s.log})`).join('\n') + '\n',
    );
  }
}

async function fetch(values: Record<string, unknown>, args: string[]): Promise<void> {
  if (args.length !== 1) throw new UsageError('fetch wants one folder');
  const script = fetchScript(args[0]);
  if (values.print) {
    process.stdout.write(script);
    return;
  }
  const { execa } = await import('execa');
  process.stderr.write(`fetching ${PINS.length} pinned trees into ${args[0]}\n`);
  const r = await execa('sh', ['-c', script], { stdio: 'inherit', reject: false });
  if (r.exitCode !== 0) throw new MissingSourcesError(`fetch failed (exit ${r.exitCode}): it needs git, xz and access to github.com`, []);
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
  try {
    if (command === 'plan') plan(values, files);
    else if (command === 'image') await image(values, files);
    else if (command === 'fetch') await fetch(values, files);
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
