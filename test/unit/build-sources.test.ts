// clickos-build/build/sources.ts on the vendored tarballs and on broken copies of them.
import t, { type Test } from 'tap';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { MissingSourcesError } from '../../clickos-build/build/errors.js';
import { projectRoot } from '../../toolstack/project-root.js';
import { fetchScript, locateSources, PINS, sourcesCandidates } from '../../clickos-build/build/sources.js';

const VENDORED = join(projectRoot, 'third-party', 'clickos-sources');

/** A copy of the vendored folder (tarballs and SHA256SUMS) to break. */
function copyOfSources(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(VENDORED)) copyFileSync(join(VENDORED, f), join(dir, f));
  return dir;
}

function missingSources(t: Test, dir: string): MissingSourcesError {
  const e = t.throws(() => locateSources(dir)) as unknown as MissingSourcesError;
  t.type(e, MissingSourcesError);
  return e;
}

t.test('the vendored tarballs check against their SHA256SUMS', async (t) => {
  const s = locateSources(VENDORED);
  t.equal(s.dir, VENDORED);
  t.same(Object.keys(s.digests).sort(), PINS.map((p) => p.name).sort());
  const sums = readFileSync(join(VENDORED, 'SHA256SUMS'), 'utf8');
  for (const p of PINS) t.match(sums, `${s.digests[p.name]}  ${p.tarball}`, p.tarball);
});

t.test('a corrupted tarball is named', async (t) => {
  const clickos = PINS.find((p) => p.name === 'clickos')!.tarball;
  const corrupt = copyOfSources(t.testdir());
  const bytes = readFileSync(join(corrupt, clickos));
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(join(corrupt, clickos), bytes);
  const e1 = missingSources(t, corrupt);
  t.match(e1.message, `ClickOS sources in ${corrupt} do not check:`);
  t.match(e1.message, new RegExp(`${clickos}: sha256 [0-9a-f]{64}, SHA256SUMS says [0-9a-f]{64}`));
  t.equal(e1.missing.length, 1, 'only the corrupted one');
  t.match(e1.message, `clickos-build fetch ${corrupt}`);
});

t.test('a missing tarball is named', async (t) => {
  const newlib = PINS.find((p) => p.name === 'newlib')!.tarball;
  const dir = copyOfSources(t.testdir());
  rmSync(join(dir, newlib));
  t.same(missingSources(t, dir).missing, [`${newlib}: missing`]);
});

t.test('a tarball SHA256SUMS does not list is named', async (t) => {
  const lwip = PINS.find((p) => p.name === 'lwip')!.tarball;
  const dir = copyOfSources(t.testdir());
  const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
  writeFileSync(join(dir, 'SHA256SUMS'), sums.split('\n').filter((l) => !l.includes(lwip)).join('\n'));
  t.same(missingSources(t, dir).missing, [`${lwip}: not listed in SHA256SUMS`]);
});

t.test('no sources: every candidate is named with the fetch commands', async (t) => {
  const empty = t.testdir();
  const e = missingSources(t, empty);
  t.match(e.message, `no ClickOS sources: none of ${empty} holds SHA256SUMS`);
  t.match(e.message, '  clickos-build fetch DIR\n  clickos-build image <config.click> --sources DIR');
  t.same(e.missing, PINS.map((p) => p.tarball));
});

t.test('candidates: the folder given, else $CLICKOS_SOURCES, else the repository copy, then ../shared', async (t) => {
  const root = projectRoot;
  t.same(sourcesCandidates('rel/dir', { CLICKOS_SOURCES: '/env' }), [resolve('rel/dir')], 'the given folder wins');
  t.same(sourcesCandidates(undefined, { CLICKOS_SOURCES: '/env/src' }), ['/env/src']);
  t.same(sourcesCandidates(undefined, {}), [join(root, 'third-party', 'clickos-sources'), resolve(root, '..', 'shared', 'third-party', 'clickos-sources')]);
  t.same(sourcesCandidates(undefined, { CLICKOS_SOURCES: '' }), sourcesCandidates(undefined, {}), 'an empty variable is unset');
});

t.test('fetchScript: each pin cloned at its commit, archived, and SHA256SUMS written', async (t) => {
  const dir = "/tmp/it's here";
  const s = fetchScript(dir);
  t.match(s, /^set -eu\n/);
  t.match(s, `mkdir -p '/tmp/it'\\''s here'\ncd '/tmp/it'\\''s here'\n`, 'the folder quoted for sh');
  for (const p of PINS) {
    t.match(s, `fetch -q --depth 1 '${p.url}' ${p.commit} || git -C "$work/${p.name}" fetch -q '${p.url}' '${p.ref}'`, `${p.name}: url and commit`);
    t.match(s, `archive --prefix=${p.folder}/ ${p.commit} | xz -9 > '${p.tarball}'`, `${p.name}: tarball`);
  }
  t.match(s, `sha256sum ${PINS.map((p) => `'${p.tarball}'`).join(' ')} > SHA256SUMS\n`);
  const r = await execa('sh', ['-n'], { input: s, reject: false });
  t.equal(r.exitCode, 0, `sh -n: ${r.stderr}`);
  // The pins agree with the vendored folder's README table.
  const readme = readFileSync(join(VENDORED, 'README.md'), 'utf8');
  for (const p of PINS) t.match(readme, new RegExp(`\`${p.tarball.replace(/\./g, '\\.')}\` \\|[^\\n]*\\| ${p.commit} \\|`), `${p.tarball} in README`);
});
