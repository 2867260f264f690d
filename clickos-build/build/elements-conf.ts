// Element selection in the file the ClickOS build reads. `make elemlist` has
// `click-buildtool findelem` list every element source of the enabled groups in
// elements.conf (one source per line, then its quoted header and `Cxx-ClickName` pairs);
// `make minios` compiles what that file lists. We keep only the sources providing the
// classes the configs use, closed over their ELEMENT_REQUIRES, as findelem would.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ElementSelectionError } from './errors.js';

/**
 * The folder of a ClickOS tree that the list's paths start from: findelem runs from
 * minios/ with `-p ..`, so it writes `../elements/standard/counter.cc`.
 */
export const LIST_BASE = 'minios';

export interface ElementSource {
  /** the line's first field, as written */
  file: string;
  line: string;
  /** Click class names the source exports */
  classes: string[];
  /** C++ names, ELEMENT_PROVIDES and class names: what a requirement may name */
  provides: string[];
  /** ELEMENT_REQUIRES words; `a|b` is one alternative */
  requires: string[];
}

const EXPORT = /EXPORT_ELEMENT\(\s*([A-Za-z_]\w*)\s*\)/g;
const CLASS_NAME = /class_name\(\)\s*const\s*(?:override\s*)?\{\s*return\s*"([^"]+)"/g;
const REQUIRES = /ELEMENT_REQUIRES\(([^)]*)\)/g;
const PROVIDES = /ELEMENT_PROVIDES\(([^)]*)\)/g;

function words(text: string, re: RegExp): string[] {
  return [...text.matchAll(re)].flatMap((m) => m[1].split(/\s+/).filter((w) => w !== ''));
}

/**
 * Reads the source and its header to learn what a listed element source provides and
 * needs; baseDir is where the list's relative paths start (LIST_BASE in a ClickOS tree).
 */
export function scanElementSource(line: string, baseDir: string): ElementSource {
  const [file, ...fields] = line.trim().split(/\s+/);
  const path = isAbsolute(file) ? file : join(baseDir, file);
  // A source that is not there would silently lose its ELEMENT_REQUIRES: refuse instead.
  if (!existsSync(path)) throw new ElementSelectionError(`element source ${file} of the element list is not in ${baseDir}`);
  let text = '';
  for (const p of [path, path.replace(/\.(cc|c|cpp)$/, '.hh')]) if (existsSync(p)) text += readFileSync(p, 'utf8') + '\n';
  const pairs = fields.filter((f) => !f.startsWith('"') && !f.startsWith('<'));
  const fromLine = pairs.map((p) => p.split('-')).filter((p) => p.length === 2 && p[1] !== '');
  const classes = new Set([...fromLine.map((p) => p[1]), ...words(text, CLASS_NAME)]);
  const cxx = new Set([...fromLine.map((p) => p[0]), ...words(text, EXPORT)]);
  // A source exporting one element whose class_name the scan missed is named as its C++ class.
  if (classes.size === 0) for (const c of cxx) classes.add(c);
  return {
    file,
    line,
    classes: [...classes],
    provides: [...new Set([...classes, ...cxx, ...words(text, PROVIDES)])],
    requires: words(text, REQUIRES).filter((w) => w !== 'false'),
  };
}

export interface Selection {
  /** the lines kept, in the original order */
  kept: ElementSource[];
  /** every source the full list had */
  total: number;
  /** requirements no listed source provides: driver features such as `minios` or `int64` */
  external: string[];
  /** the new file's text */
  text: string;
}

/**
 * Keeps the sources providing `needed` and, transitively, what they require; classes in
 * `alsoKeep` are kept when listed and not missed when absent.
 */
export function selectElements(confText: string, baseDir: string, needed: readonly string[], alsoKeep: readonly string[] = []): Selection {
  const lines = confText.split('\n');
  const sources = lines.filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')).map((l) => scanElementSource(l, baseDir));
  const provider = new Map<string, ElementSource>();
  for (const s of sources) for (const p of s.provides) if (!provider.has(p)) provider.set(p, s);

  const missing = needed.filter((c) => !sources.some((s) => s.classes.includes(c)));
  if (missing.length > 0)
    throw new ElementSelectionError(
      `no source in the ClickOS element list provides ${missing.join(', ')}: its group may be disabled ` +
        `(configure --enable-<group>) or the class is not in this ClickOS tree`,
    );

  const kept = new Set<ElementSource>();
  const external = new Set<string>();
  const queue = [...needed, ...alsoKeep].flatMap((c) => sources.filter((s) => s.classes.includes(c)).slice(0, 1));
  while (queue.length > 0) {
    const s = queue.pop() as ElementSource;
    if (kept.has(s)) continue;
    kept.add(s);
    for (const req of s.requires) {
      const alternatives = req.split('|');
      const found = alternatives.map((a) => provider.get(a)).find((p) => p !== undefined);
      if (found) queue.push(found);
      else external.add(req);
    }
  }
  const keptLines = sources.filter((s) => kept.has(s));
  const comments = lines.filter((l) => l.trimStart().startsWith('#'));
  const header = `# selected by clickos-build: ${keptLines.length} of ${sources.length} element sources for ${needed.join(' ')}`;
  return {
    kept: keptLines,
    total: sources.length,
    external: [...external].sort(),
    text: [...comments, header, ...keptLines.map((s) => s.line), ''].join('\n'),
  };
}
