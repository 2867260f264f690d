// The pinned upstream sources a ClickOS image is built from: six `git archive` tarballs,
// found in a folder (the repository's third-party/clickos-sources by default), checked
// against their SHA256SUMS, and unpacked where a stage wants them. `fetchScript` writes the
// same tarballs from the upstream repositories on a machine with internet.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../toolstack/project-root.js';
import { MissingSourcesError } from './errors.js';

export type SourceName = 'clickos' | 'minios' | 'toolchain' | 'newlib' | 'lwip' | 'xen';

export interface SourcePin {
  name: SourceName;
  tarball: string;
  /** the one folder the tarball unpacks into */
  folder: string;
  url: string;
  /** the ref we pinned and its commit */
  ref: string;
  commit: string;
}

/** The pins of third-party/clickos-sources/README.md, in build order. */
export const PINS: readonly SourcePin[] = [
  { name: 'xen', tarball: 'xen-RELEASE-4.14.6.tar.xz', folder: 'xen', url: 'https://github.com/xen-project/xen.git', ref: 'RELEASE-4.14.6', commit: '297fce96e1329107f48c08f539bc3000652610cd' },
  { name: 'minios', tarball: 'mini-os-50cfef1.tar.xz', folder: 'mini-os', url: 'https://github.com/sysml/mini-os.git', ref: 'master', commit: '50cfef19656604232a2e800b8d36b78dc38bf8df' },
  { name: 'toolchain', tarball: 'toolchain-f5aa696.tar.xz', folder: 'toolchain', url: 'https://github.com/sysml/toolchain.git', ref: 'master', commit: 'f5aa6964dd5145fd6d75037c89576cc40fe990a1' },
  { name: 'newlib', tarball: 'newlib-1.16.0.tar.xz', folder: 'newlib-1.16.0', url: 'https://github.com/bminor/newlib.git', ref: 'newlib-1_16_0', commit: '07b4b67a88f386ce4716a14e0ff2c2bce992b985' },
  { name: 'lwip', tarball: 'lwip-EXPERIMENTAL-1_4_1_GSOv4.tar.xz', folder: 'lwip', url: 'https://github.com/sysml/lwip.git', ref: 'EXPERIMENTAL-1_4_1_GSOv4', commit: '4761090b8685570c3b09a1c93a2c32065e7026bf' },
  { name: 'clickos', tarball: 'clickos-a092d40.tar.xz', folder: 'clickos', url: 'https://github.com/sysml/clickos.git', ref: 'master', commit: 'a092d40e53ddca514cd9a0bff56b1cd1e0228399' },
];

export function pin(name: SourceName): SourcePin {
  return PINS.find((p) => p.name === name) as SourcePin;
}


/**
 * Where the tarballs are: the folder given, else $CLICKOS_SOURCES, else the repository's
 * own copy, else ../shared/third-party/clickos-sources beside the repository.
 */
export function sourcesCandidates(given?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (given) return [resolve(given)];
  if (env.CLICKOS_SOURCES) return [resolve(env.CLICKOS_SOURCES)];
  const root = projectRoot;
  return [join(root, 'third-party', 'clickos-sources'), resolve(root, '..', 'shared', 'third-party', 'clickos-sources')];
}

export interface Sources {
  dir: string;
  /** sha256 of each tarball, checked against SHA256SUMS */
  digests: Record<SourceName, string>;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Finds the tarballs and checks every digest; throws MissingSourcesError saying what to do. */
export function locateSources(given?: string, rerun = 'clickos-build image <config.click>'): Sources {
  const candidates = sourcesCandidates(given);
  const dir = candidates.find((d) => existsSync(join(d, 'SHA256SUMS')));
  if (!dir) {
    throw new MissingSourcesError(
      [
        `no ClickOS sources: none of ${candidates.join(', ')} holds SHA256SUMS and the tarballs`,
        'on a machine with internet, fetch the pinned commits into a folder and build from it:',
        '  clickos-build fetch DIR',
        `  ${rerun} --sources DIR`,
      ].join('\n'),
      PINS.map((p) => p.tarball),
    );
  }
  const sums = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (m) sums.set(m[2], m[1]);
  }
  const problems: string[] = [];
  const digests = {} as Record<SourceName, string>;
  for (const p of PINS) {
    const path = join(dir, p.tarball);
    if (!existsSync(path)) problems.push(`${p.tarball}: missing`);
    else if (!sums.has(p.tarball)) problems.push(`${p.tarball}: not listed in SHA256SUMS`);
    else {
      const got = sha256File(path);
      if (got !== sums.get(p.tarball)) problems.push(`${p.tarball}: sha256 ${got}, SHA256SUMS says ${sums.get(p.tarball)}`);
      digests[p.name] = got;
    }
  }
  if (problems.length > 0) {
    throw new MissingSourcesError(`ClickOS sources in ${dir} do not check:\n  ${problems.join('\n  ')}\nfetch them again with: clickos-build fetch ${dir}`, problems);
  }
  return { dir, digests };
}

/** Unpacks one tarball into parent (it creates parent/<folder>). */
export async function unpack(sources: Sources, name: SourceName, parent: string): Promise<string> {
  const p = pin(name);
  await execa('tar', ['-xJf', join(sources.dir, p.tarball), '-C', parent]);
  return join(parent, p.folder);
}

/** The shell script that writes the tarballs and SHA256SUMS into dir from upstream (needs git and internet). */
export function fetchScript(dir: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = ['set -eu', `mkdir -p ${q(dir)}`, `cd ${q(dir)}`, 'work=$(mktemp -d)', 'trap \'rm -rf "$work"\' EXIT'];
  for (const p of PINS) {
    lines.push(
      `git init -q "$work/${p.name}"`,
      `git -C "$work/${p.name}" fetch -q --depth 1 ${q(p.url)} ${p.commit} || git -C "$work/${p.name}" fetch -q ${q(p.url)} ${q(p.ref)}`,
      `git -C "$work/${p.name}" archive --prefix=${p.folder}/ ${p.commit} | xz -9 > ${q(p.tarball)}`,
    );
  }
  lines.push(`sha256sum ${PINS.map((p) => q(p.tarball)).join(' ')} > SHA256SUMS`);
  return lines.join('\n') + '\n';
}
