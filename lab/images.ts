// Builds what QEMU and `xl create` boot: the Xen ELF, the dom0 initramfs, and the
// test guest kit (uncompressed vmlinux + busybox initramfs). Each output is
// rebuilt only when its inputs change (a content key stored beside it).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync, lstatSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { packCpioGz, type CpioEntry } from './cpio.js';
import { compileStaticWithXenHeaders } from './xen-c.js';
import { paths, projectRoot } from './paths.js';

/** Modules dom0 needs before its root exists: the 9p share and the overlay. */
const DOM0_EARLY_MODULES = ['virtio_pci', 'virtio_net', '9pnet_virtio', '9p', 'overlay'];
/** Guest side: netfront for vifs. */
const GUEST_MODULES = ['xen-netfront', 'bridge'];
const GUEST_TOOLS = ['xenstore-read', 'xenstore-write', 'xenstore-rm', 'xenstore-ls', 'xenstore-exists', 'xenstore-watch', 'xenstore-chmod'];

export interface LabImages {
  xen: string;
  dom0Kernel: string;
  dom0Initrd: string;
  guestKernel: string;
  guestInitrd: string;
  kernelVersion: string;
}

export function kernelVersion(tree: string): string {
  const dir = join(tree, 'usr', 'lib', 'modules');
  const v = readdirSync(dir).find((d) => /^\d+\.\d+/.test(d));
  if (!v) throw new Error(`no kernel modules under ${dir}`);
  return v;
}

/** Runs busybox's depmod so that modprobe works in dom0 and the initramfs list can be resolved. */
export async function depmod(tree: string, busybox: string): Promise<void> {
  const version = kernelVersion(tree);
  if (existsSync(join(tree, 'usr', 'lib', 'modules', version, 'modules.dep'))) return;
  await execa(busybox, ['depmod', '-b', join(tree, 'usr'), version]);
}

/** Module files for `names` and all their dependencies, in a valid load order. */
export function moduleClosure(tree: string, names: string[]): string[] {
  const base = join(tree, 'usr', 'lib', 'modules', kernelVersion(tree));
  const deps = new Map<string, string[]>();
  for (const line of readFileSync(join(base, 'modules.dep'), 'utf8').split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod) deps.set(mod, (rest ?? '').trim().split(/\s+/).filter(Boolean));
  }
  const byName = new Map<string, string>();
  for (const mod of deps.keys()) byName.set(basename(mod).replace(/\.ko(\.xz)?$/, '').replace(/-/g, '_'), mod);
  const order: string[] = [];
  const visit = (mod: string): void => {
    if (order.includes(mod)) return;
    for (const d of deps.get(mod) ?? []) visit(d);
    order.push(mod);
  };
  for (const n of names) {
    const mod = byName.get(n.replace(/-/g, '_'));
    if (!mod) throw new Error(`kernel module ${n} not found in ${base}`);
    visit(mod);
  }
  return order.map((m) => join(base, m));
}

function key(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Writes `out` from `build()` unless the stored key matches; atomic via rename. */
async function cached(out: string, k: string, build: () => Promise<Buffer> | Buffer): Promise<string> {
  const keyFile = `${out}.key`;
  if (existsSync(out) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === k) return out;
  const data = await build();
  writeFileSync(`${out}.tmp`, data);
  renameSync(`${out}.tmp`, out);
  writeFileSync(keyFile, k);
  return out;
}

function dirsFor(path: string, have: Set<string>): CpioEntry[] {
  const out: CpioEntry[] = [];
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const d = parts.slice(0, i).join('/');
    if (!have.has(d)) {
      have.add(d);
      out.push({ kind: 'dir', path: d });
    }
  }
  return out;
}

/** A small initramfs: busybox, a /init script, the listed kernel modules and extra files. */
function initramfs(busybox: string, init: Buffer, modules: string[], extra: { path: string; data: Buffer; mode?: number }[]): Buffer {
  const have = new Set<string>();
  const entries: CpioEntry[] = [];
  const add = (path: string, data: Buffer, mode?: number): void => {
    entries.push(...dirsFor(path, have), { kind: 'file', path, data, mode: mode ?? 0o644 });
  };
  for (const d of ['dev', 'proc', 'sys', 'run', 'tmp', 'mnt', 'usr', 'usr/lib', 'usr/bin', 'usr/sbin']) {
    have.add(d);
    entries.push({ kind: 'dir', path: d });
  }
  // The kernel opens /dev/console before /init runs; devtmpfs is not mounted yet.
  entries.push({ kind: 'chardev', path: 'dev/console', major: 5, minor: 1 });
  for (const [link, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib']] as const) {
    entries.push({ kind: 'symlink', path: link, target });
  }
  add('usr/bin/busybox', readFileSync(busybox), 0o755);
  add('init', init, 0o755);
  const list: string[] = [];
  for (const m of modules) {
    const dest = `usr/lib/lab-modules/${basename(m)}`;
    add(dest, readFileSync(m));
    list.push(`/${dest}`);
  }
  add('usr/lib/lab-modules/load-order', Buffer.from(list.join('\n') + '\n'));
  for (const e of extra) add(e.path.replace(/^\//, ''), e.data, e.mode);
  return packCpioGz(entries);
}

/** Shared libraries a binary from the Xen tree needs, resolved by the host's ld.so. */
async function sharedLibs(bin: string, tree: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [bin], { env: { LD_LIBRARY_PATH: join(tree, 'usr', 'lib', 'x86_64-linux-gnu') } });
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s+(\S+)/.exec(line) ?? /^\s*(\/\S+)/.exec(line);
    if (m && m[1]!.startsWith('/')) libs.push(m[1]!);
  }
  return libs;
}

/** The payload of a bzImage is xz-compressed; the uncompressed ELF boots far faster under TCG. */
async function extractVmlinux(vmlinuz: string): Promise<Buffer> {
  const img = readFileSync(vmlinuz);
  const magic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
  const at = img.indexOf(magic);
  if (at < 0) throw new Error(`${vmlinuz}: no xz payload found`);
  const { stdout } = await execa('xz', ['-dc', '--single-stream'], { input: img.subarray(at), encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 });
  const elf = Buffer.from(stdout);
  if (elf.subarray(0, 4).toString('latin1') !== '\x7fELF') throw new Error(`${vmlinuz}: payload is not an ELF`);
  return elf;
}

export async function buildImages(log: (msg: string) => void): Promise<LabImages> {
  mkdirSync(paths.images, { recursive: true });
  const tree = paths.xenRoot;
  const version = kernelVersion(tree);
  const busybox = join(tree, 'usr', 'bin', 'busybox');
  await depmod(tree, busybox);
  const stamp = readFileSync(join(tree, '.lab-stamp'));
  const dom0Kernel = join(tree, 'boot', `vmlinuz-${version}`);

  const xenGz = join(tree, 'boot', 'xen-4.17-amd64.gz');
  const xen = await cached(join(paths.images, 'xen-4.17.elf'), key(stamp), () => gunzipSync(readFileSync(xenGz)));

  const dom0Init = readFileSync(join(projectRoot, 'lab', 'dom0', 'init.sh'));
  const dom0Modules = moduleClosure(tree, DOM0_EARLY_MODULES);
  const dom0Initrd = await cached(join(paths.images, 'dom0-initrd.cpio.gz'), key(stamp, dom0Init), () => initramfs(busybox, dom0Init, dom0Modules, []));

  const guestKernel = await cached(join(paths.images, 'guest-vmlinux'), key(stamp), () => extractVmlinux(dom0Kernel));

  const guestInit = readFileSync(join(projectRoot, 'lab', 'guest', 'init.sh'));
  const agent = readFileSync(join(projectRoot, 'lab', 'guest', 'clickos-agent.sh'));
  const helperSrc = join(projectRoot, 'lab', 'guest', 'clickos-xs.c');
  const guestInitrd = await cached(join(paths.images, 'guest-initrd.cpio.gz'), key(stamp, guestInit, agent, readFileSync(helperSrc), GUEST_MODULES.join()), async () => {
    const extra: { path: string; data: Buffer; mode?: number }[] = [{ path: 'usr/bin/clickos-agent', data: agent, mode: 0o755 }];
    // The stand-in's XenStore helper, static: each start execs it once.
    const helper = await compileStaticWithXenHeaders(helperSrc, join(paths.images, 'clickos-xs'), log);
    extra.push({ path: 'usr/bin/clickos-xs', data: readFileSync(helper), mode: 0o755 });
    const seen = new Set<string>();
    for (const tool of GUEST_TOOLS) {
      const bin = join(tree, 'usr', 'bin', tool);
      const real = lstatSync(bin).isSymbolicLink() ? join(tree, 'usr', 'bin', readlinkSync(bin)) : bin;
      extra.push({ path: `usr/bin/${tool}`, data: readFileSync(real), mode: 0o755 });
      for (const lib of await sharedLibs(real, tree)) {
        const name = basename(lib);
        if (seen.has(name)) continue;
        seen.add(name);
        // The ELF interpreter is looked up at /lib64 (a symlink to usr/lib here), the rest on ld.so's default path.
        const dest = lib.startsWith('/lib64/') ? `usr/lib/${name}` : `usr/lib/x86_64-linux-gnu/${name}`;
        extra.push({ path: dest, data: readFileSync(lib), mode: 0o755 });
      }
    }
    return initramfs(busybox, guestInit, moduleClosure(tree, GUEST_MODULES), extra);
  });

  return { xen, dom0Kernel, dom0Initrd, guestKernel, guestInitrd, kernelVersion: version };
}
