// bench/click: throughput of the Click config front end (clickos-build/) over the whole
// corpus test/fixtures/click/configs/*.click, read once into memory and processed
// repeatedly in one process for ~3 s per phase:
//   - parse alone (parse(text, file)),
//   - parse + flatten + check against the element catalog (what guests.install and
//     hostd's create_pm run before a config reaches a guest).
// The catalog is loaded once (Catalog.load) and timed separately. MB/s counts the UTF-8
// bytes of the config files (1 MB = 10^6 bytes).
//   node dist/bench/click/run.js [seconds-per-phase]
// Prints `BENCH click.parse_only_mb_s <MB/s>` and `BENCH click.parse_mb_s <MB/s>` (parse+flatten+check).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Catalog, check, ClickSyntaxError, flatten, parse } from '../../clickos-build/index.js';
import { projectRoot } from '../../lab/paths.js';

const SECONDS = Number(process.argv[2] ?? 3);
const dir = join(projectRoot, 'test', 'fixtures', 'click', 'configs');

interface Config {
  file: string;
  text: string;
}

const configs: Config[] = readdirSync(dir)
  .filter((f) => f.endsWith('.click'))
  .sort()
  .map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
const corpusBytes = configs.reduce((n, c) => n + Buffer.byteLength(c.text), 0);

// Configs that do not parse (the corpus has some on purpose) are still timed: the
// parser's work up to the error counts, as it would in guests.install.
function parseOne(c: Config): ReturnType<typeof parse> | undefined {
  try {
    return parse(c.text, c.file);
  } catch (e) {
    if (e instanceof ClickSyntaxError) return undefined;
    throw e;
  }
}

let sink = 0; // keeps results alive so the work cannot be optimised away

function phase(name: string, pass: () => void): number {
  // warm-up: a few passes so the JIT has settled before timing
  const warmEnd = performance.now() + Math.min(500, SECONDS * 200);
  while (performance.now() < warmEnd) pass();
  let passes = 0;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let t = t0;
  while (t < end) {
    pass();
    passes++;
    t = performance.now();
  }
  const s = (t - t0) / 1000;
  const mbs = (passes * corpusBytes) / 1e6 / s;
  console.log(`click.${name}: ${passes} passes over the corpus in ${s.toFixed(2)} s: ${mbs.toFixed(2)} MB/s, ${((s / (passes * configs.length)) * 1e6).toFixed(1)} µs per config`);
  return mbs;
}

function main(): void {
  const tc = performance.now();
  const catalog = Catalog.load();
  const catalogMs = performance.now() - tc;

  let parsed = 0;
  let diagnostics = 0;
  for (const c of configs) {
    const ast = parseOne(c);
    if (!ast) continue;
    parsed++;
    diagnostics += check(flatten(ast), catalog).length;
  }
  console.log(`bench/click: parse and parse+flatten+check of ${configs.length} configs (${(corpusBytes / 1024).toFixed(1)} KiB) from test/fixtures/click/configs, repeated in memory for ${SECONDS} s per phase, one thread`);
  console.log(`click: ${parsed}/${configs.length} configs parse, ${diagnostics} diagnostics in all; Catalog.load() ${catalogMs.toFixed(1)} ms (once, not in the figures)`);

  const parseOnly = phase('parse', () => {
    for (const c of configs) if (parseOne(c)) sink++;
  });
  // where the time goes: each stage timed on its own (performance.now() per stage adds
  // well under 1% at these durations)
  const spent = { parse: 0, flatten: 0, check: 0 };
  const full = phase('parse+flatten+check', () => {
    for (const c of configs) {
      const t0 = performance.now();
      const ast = parseOne(c);
      const t1 = performance.now();
      spent.parse += t1 - t0;
      if (!ast) continue;
      const router = flatten(ast);
      const t2 = performance.now();
      sink += check(router, catalog).length;
      spent.flatten += t2 - t1;
      spent.check += performance.now() - t2;
    }
  });
  const total = spent.parse + spent.flatten + spent.check;
  const share = (k: keyof typeof spent): string => `${k} ${((spent[k] / total) * 100).toFixed(1)}%`;
  console.log(`click.parse+flatten+check time: ${share('parse')}, ${share('flatten')}, ${share('check')} (check's unknown-class suggestions, an edit distance to every catalog name, dominate: conf_wifi_* configs)`);
  if (sink < 0) console.log(sink);
  console.log(`BENCH click.parse_only_mb_s ${parseOnly.toFixed(2)}`);
  console.log(`BENCH click.parse_mb_s ${full.toFixed(2)}`);
}

main();
