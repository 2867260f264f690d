// The Debian packages the host needs, written once: `npm test` (test/run.ts) and
// `npm run demo` (lab/host.ts, QEMU only) check for them and, as root, install the
// missing ones with apt-get; .ci/run relies on `npm test` for it.
// `node dist/lab/host-packages.js` prints the whole list on one line.
import { execa } from 'execa';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a package must provide on the host: commands (names looked up in PATH, or paths) or files. */
export interface HostPackage {
  name: string;
  commands?: string[];
  files?: string[];
  /** what needs it */
  why: string;
  /** needed only when the lab boots (not by `LAB=0 npm test`) */
  labOnly?: boolean;
}

export const HOST_PACKAGES: readonly HostPackage[] = [
  { name: 'qemu-system-x86', commands: ['qemu-system-x86_64'], why: 'boots the lab (Xen under QEMU)', labOnly: true },
  { name: 'cpio', commands: ['cpio'], why: 'reads back the initramfs lab/cpio.ts writes' },
  { name: 'iproute2', commands: ['ip', 'tc', 'ss'], why: 'network namespaces, veths and tc mirrors of the switch tests; ss for sockets left open' },
  { name: 'procps', commands: ['sysctl'], why: "turns IPv6 off in the switch tests' namespaces" },
  { name: 'xz-utils', commands: ['xz'], why: "the lab unpacks Debian's kernel" },
  { name: 'gcc', commands: ['gcc'], why: 'C programs linked to libxenstore (lab guest helper, benchmarks)' },
  { name: 'libc6-dev', files: ['/usr/include/stdio.h'], why: "gcc's C headers" },
  { name: 'python3', commands: ['python3'], why: 'an independent XML-RPC client (xmlrpc.client)' },
  { name: 'openssl', commands: ['openssl'], why: "a self-signed certificate for the daemons' HTTPS test" },
  { name: 'vagrant', commands: ['vagrant'], why: '`vagrant validate` of the Vagrantfile' },
  { name: 'shellcheck', commands: ['shellcheck'], why: 'checks every shell script' },
  { name: 'git', commands: ['git'], why: "source-tree fixtures of clickos-build's tests" },
  {
    name: 'openvswitch-switch',
    commands: ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'],
    why: 'the real switch of the flow tests (on the host, and in dom0 which runs the host\'s binaries)',
  },
  { name: 'openssh-server', commands: ['/usr/sbin/sshd'], why: "the SSH server of the flow drivers' test" },
  { name: 'openssh-client', commands: ['ssh-keygen'], why: "keys for the flow drivers' test" },
  { name: 'tar', commands: ['tar'], why: 'unpacks the ClickOS source tarballs' },
  { name: 'coreutils', commands: ['sleep', 'true'], why: "the build stage tests' commands" },
  { name: 'chromium', commands: ['/usr/bin/chromium'], why: "the headless browser of webd's page tests (driven by playwright-core, nothing downloaded)" },
  { name: 'etcd-server', commands: ['etcd'], why: "the 3-member etcd cluster of the replicated controller's test" },
  { name: 'libxen-dev', files: ['/usr/include/libxlutil.h'], why: "Xen's own xl.cfg parser (libxlutil), the reference of the xl.cfg tests" },
  // ClickOS's build (clickos-build/build/README.md): the lab builds its image before it boots.
  { name: 'g++', commands: ['g++'], why: "compiles Click for ClickOS, and better-sqlite3 (resourced's store, lab/native-modules.ts)" },
  { name: 'make', commands: ['make'], why: 'drives the ClickOS, newlib and mini-os builds, and node-gyp\'s' },
  { name: 'patch', commands: ['patch'], why: "applies newlib's and our patches to the ClickOS sources" },
  { name: 'perl', commands: ['perl'], why: "the toolchain's newlib symbol rename" },
  { name: 'texinfo', commands: ['makeinfo'], why: "newlib's build" },
  { name: 'autoconf', commands: ['autoconf'], why: "newlib's and Click's configure" },
  { name: 'automake', commands: ['automake'], why: "newlib's configure" },
  { name: 'bison', commands: ['bison'], why: "Click's and newlib's build" },
  { name: 'flex', commands: ['flex'], why: "Click's and newlib's build" },
  { name: 'gawk', commands: ['gawk'], why: "newlib's build" },
];

/** What the lab needs before it boots: QEMU, and the compilers and tools that build its ClickOS image. */
export const LAB_PACKAGES: readonly HostPackage[] = HOST_PACKAGES.filter((p) =>
  ['qemu-system-x86', 'gcc', 'libc6-dev', 'g++', 'make', 'patch', 'perl', 'texinfo', 'autoconf', 'automake', 'bison', 'flex', 'gawk'].includes(p.name),
);

export class HostPackagesError extends Error {
  override name = 'HostPackagesError';
}

/** The one command that installs `names`. */
export function aptGetCommand(names: readonly string[]): string {
  return `apt-get install -y --no-install-recommends ${names.join(' ')}`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    accessSync(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `cmd` runs from: a path as given, a name through PATH (as execa finds it). */
export function findCommand(cmd: string, path = process.env.PATH ?? '', isExec = isExecutable): string | undefined {
  if (cmd.includes('/')) return isExec(cmd) ? cmd : undefined;
  for (const d of path.split(delimiter).filter(Boolean)) if (isExec(join(d, cmd))) return join(d, cmd);
  return undefined;
}

export interface Probe {
  command(cmd: string): boolean;
  file(path: string): boolean;
}

const realProbe: Probe = { command: (c) => findCommand(c) !== undefined, file: exists };

/** The packages of `wanted` whose commands or files the host lacks. */
export function missingPackages(wanted: readonly HostPackage[] = HOST_PACKAGES, probe: Probe = realProbe): HostPackage[] {
  return wanted.filter((p) => (p.commands ?? []).some((c) => !probe.command(c)) || (p.files ?? []).some((f) => !probe.file(f)));
}

export interface EnsureOptions {
  /** default: every package; `labOnly: false` leaves out what only the lab needs */
  packages?: readonly HostPackage[];
  probe?: Probe;
  isRoot?: boolean;
  /** runs apt-get with these arguments (tests replace it) */
  aptGet?: (args: string[]) => Promise<void>;
}

async function realAptGet(args: string[]): Promise<void> {
  await execa('apt-get', args, { env: { DEBIAN_FRONTEND: 'noninteractive' }, stdin: 'ignore' });
}

function stderrOf(e: unknown): string {
  return (e as { stderr?: string }).stderr || (e as Error).message || String(e);
}

/**
 * Makes sure every package's commands and files are there. As root, installs the missing
 * ones in one apt-get call (after `apt-get update` if the first attempt fails, as on a fresh
 * machine whose package lists are empty); otherwise throws with the one command to run.
 */
export async function ensureHostPackages(log: (msg: string) => void, opts: EnsureOptions = {}): Promise<void> {
  const wanted = opts.packages ?? HOST_PACKAGES;
  const probe = opts.probe ?? realProbe;
  const missing = missingPackages(wanted, probe).map((p) => p.name);
  if (missing.length === 0) return;
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) {
    throw new HostPackagesError(`missing on this host: ${missing.join(', ')}. As root, run:\n  ${aptGetCommand(missing)}`);
  }
  const aptGet = opts.aptGet ?? realAptGet;
  const install = ['install', '-y', '-q', '--no-install-recommends', ...missing];
  log(`installing ${missing.join(' ')} (apt-get install)`);
  try {
    await aptGet(install);
  } catch {
    log('apt-get install failed; running apt-get update and trying again');
    try {
      await aptGet(['update', '-q']);
      await aptGet(install);
    } catch (e) {
      throw new HostPackagesError(`${aptGetCommand(missing)} failed:\n${stderrOf(e)}`);
    }
  }
  const still = missingPackages(wanted, probe);
  if (still.length) {
    const what = still.map((p) => `${p.name} (${[...(p.commands ?? []), ...(p.files ?? [])].join(', ')})`);
    throw new HostPackagesError(`installed, but still missing: ${what.join('; ')}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(HOST_PACKAGES.map((p) => p.name).join(' ') + '\n');
}
