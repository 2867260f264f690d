// The host's packages (lab/host-packages.ts): what is missing, one apt-get for all of it
// as root, the command to run otherwise; and the list covers every program the tests
// and the lab's shell scripts run, so no test dies with ENOENT for a missing tool.
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  aptGetCommand,
  ensureHostPackages,
  findCommand,
  HOST_PACKAGES,
  HostPackagesError,
  missingPackages,
  type HostPackage,
  type Probe,
} from '../../lab/host-packages.js';

const ROOT = join(import.meta.dirname, '..', '..');

function probeWith(present: Set<string>): Probe {
  return { command: (c) => present.has(c), file: (f) => present.has(f) };
}

const PKGS: HostPackage[] = [
  { name: 'cpio', commands: ['cpio'], why: '' },
  { name: 'openvswitch-switch', commands: ['ovsdb-tool', 'ovs-vsctl'], why: '' },
  { name: 'libc6-dev', files: ['/usr/include/stdio.h'], why: '' },
];

t.test('a package is missing when any of its commands or files is', async (t) => {
  const have = probeWith(new Set(['cpio', 'ovs-vsctl']));
  t.same(missingPackages(PKGS, have).map((p) => p.name), ['openvswitch-switch', 'libc6-dev']);
  t.same(missingPackages(PKGS, probeWith(new Set(['cpio', 'ovsdb-tool', 'ovs-vsctl', '/usr/include/stdio.h']))), []);
});

t.test('a command name is looked up in PATH, a path as given', async (t) => {
  const exec = new Set(['/opt/bin/cpio', '/usr/sbin/sshd']);
  t.equal(findCommand('cpio', '/usr/bin:/opt/bin', (p) => exec.has(p)), '/opt/bin/cpio');
  t.equal(findCommand('sshd', '/usr/bin', (p) => exec.has(p)), undefined, 'not in PATH');
  t.equal(findCommand('/usr/sbin/sshd', '/usr/bin', (p) => exec.has(p)), '/usr/sbin/sshd');
  t.equal(findCommand('ovsdb-tool', '/usr/bin:/opt/bin', (p) => exec.has(p)), undefined);
});

t.test('not root: fails at once with the one apt-get command, installs nothing', async (t) => {
  const calls: string[][] = [];
  const err = await ensureHostPackages(() => {}, {
    packages: PKGS,
    probe: probeWith(new Set(['cpio'])),
    isRoot: false,
    aptGet: async (a) => void calls.push(a),
  }).catch((e: unknown) => e);
  t.type(err, HostPackagesError);
  t.match((err as Error).message, 'apt-get install -y --no-install-recommends openvswitch-switch libc6-dev');
  t.same(calls, []);
});

t.test('root: one apt-get install for everything missing', async (t) => {
  const present = new Set(['cpio']);
  const calls: string[][] = [];
  await ensureHostPackages(() => {}, {
    packages: PKGS,
    probe: probeWith(present),
    isRoot: true,
    aptGet: async (a) => {
      calls.push(a);
      for (const c of ['ovsdb-tool', 'ovs-vsctl', '/usr/include/stdio.h']) present.add(c);
    },
  });
  t.same(calls, [['install', '-y', '-q', '--no-install-recommends', 'openvswitch-switch', 'libc6-dev']]);
});

t.test('root: a failed install runs apt-get update and tries once more', async (t) => {
  const present = new Set<string>();
  const calls: string[] = [];
  await ensureHostPackages(() => {}, {
    packages: PKGS.slice(0, 1),
    probe: probeWith(present),
    isRoot: true,
    aptGet: async (a) => {
      calls.push(a[0]!);
      if (calls.length === 1) throw Object.assign(new Error('exit 100'), { stderr: 'E: Unable to locate package cpio' });
      if (a[0] === 'install') present.add('cpio');
    },
  });
  t.same(calls, ['install', 'update', 'install']);

  const failing = await ensureHostPackages(() => {}, {
    packages: PKGS.slice(0, 1),
    probe: probeWith(new Set()),
    isRoot: true,
    aptGet: async (a) => {
      if (a[0] === 'install') throw Object.assign(new Error('exit 100'), { stderr: 'E: Unable to locate package cpio' });
    },
  }).catch((e: unknown) => e);
  t.type(failing, HostPackagesError);
  t.match((failing as Error).message, /apt-get install .* cpio failed:\nE: Unable to locate package cpio/);
});

t.test('root: a package that installs without its command is an error', async (t) => {
  const err = await ensureHostPackages(() => {}, { packages: PKGS.slice(0, 1), probe: probeWith(new Set()), isRoot: true, aptGet: async () => {} }).catch((e: unknown) => e);
  t.type(err, HostPackagesError);
  t.match((err as Error).message, 'still missing: cpio (cpio)');
});

t.test('nothing missing: no apt-get, even as non-root', async (t) => {
  await ensureHostPackages(() => {}, { packages: PKGS, probe: probeWith(new Set(['cpio', 'ovsdb-tool', 'ovs-vsctl', '/usr/include/stdio.h'])), isRoot: false });
  t.pass();
});

function files(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (ext.test(name)) out.push(p);
  }
  return out;
}

// Programs every Debian system has, Node itself (and its npm), and dom0's own: Xen's tools and
// busybox-static come with the lab's Xen tree (lab/debian.ts), not from the host.
const BASE = new Set(['node', 'npm', 'sh', 'bash', 'apt-get', 'apt-cache', 'dpkg-deb', 'ldd']);
const IN_DOM0 = /^(xl|xenstore-[a-z]+|xen-[a-z0-9-]+|xenstored|oxenstored|xenconsoled|busybox)$/;

t.test('every program the tests run is in the package list', async (t) => {
  const provided = new Set(HOST_PACKAGES.flatMap((p) => p.commands ?? []));
  const self = join(ROOT, 'test', 'unit', 'host-packages.test.ts');
  const sources = [...files(join(ROOT, 'test'), /\.ts$/), ...files(join(ROOT, 'lab'), /\.ts$/)].filter((f) => f !== self);
  const spawned = new Map<string, string>(); // as called: a name or a path
  for (const f of sources) {
    const text = readFileSync(f, 'utf8');
    // execa('cpio', …), execFileSync('/usr/sbin/sshd', …), ns(name, 'sysctl', …), ['netns', 'exec', x, 'ovs-vswitchd', …]
    const re = /\b(?:execa|execaSync|execFileSync|execFile|spawn|spawnSync)\(\s*'([^']+)'|\bns\([^,()]+,\s*'([^']+)'|'netns', 'exec', [^,]+, '([^']+)'/g;
    for (const m of text.matchAll(re)) spawned.set(m[1] ?? m[2] ?? m[3]!, f);
  }
  t.ok(spawned.has('cpio') && spawned.has('ovsdb-tool') && spawned.has('sysctl'), 'the scan finds the programs it is meant to');
  for (const [cmd, f] of spawned) {
    if (BASE.has(basename(cmd)) || IN_DOM0.test(basename(cmd))) continue;
    t.ok(provided.has(cmd), `${cmd} (run by ${f.slice(ROOT.length + 1)}) is provided by a package of lab/host-packages.ts`);
  }
});

t.test('the Open vSwitch programs lab/dom0/openvswitch.sh runs are covered too', async (t) => {
  const provided = new Set(HOST_PACKAGES.flatMap((p) => p.commands ?? []));
  const script = readFileSync(join(ROOT, 'lab', 'dom0', 'openvswitch.sh'), 'utf8');
  for (const cmd of new Set(script.match(/\bovs(?:db)?-[a-z]+(?=\s)/g) ?? [])) {
    if (cmd === 'ovs-netdev') continue; // the userspace datapath's device, not a program
    t.ok(provided.has(cmd), `${cmd} (lab/dom0/openvswitch.sh)`);
  }
});

t.test('the package list is written once: .ci/run installs nothing itself', async (t) => {
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
  t.notMatch(ci, /apt-get\s+install/);
  t.match(ci, /npm test/);
  t.equal(aptGetCommand(['a', 'b']), 'apt-get install -y --no-install-recommends a b');
});
