// The QEMU command line that boots Xen 4.17 with a PV dom0 (TCG: KVM cannot run
// Xen here), and the process control around it.
import { readFileSync, existsSync } from 'node:fs';
import type { LabImages } from './images.js';
import { labDir, paths, projectRoot, runPaths, type RunPaths } from './paths.js';

export const AGENT_PORT_IN_DOM0 = 7000;
/** A second forward, for services the host talks to in dom0 (hostd's XML-RPC in the tests). */
export const SERVICE_PORT_IN_DOM0 = 7001;

export interface QemuOptions {
  hostPort: number;
  servicePort: number;
  memoryMiB: number;
  dom0MemoryMiB: number;
  cpus: number;
  /** The lab's state folder (default: the default lab's). */
  run?: RunPaths;
  /**
   * A second NIC on a host tap device (eth1 in dom0), for the two-host lab's fabric: the
   * tap joins an Open vSwitch bridge on the host (docs/two-host-lab.md).
   */
  fabric?: { tap: string; mac: string };
}

function checkPath(p: string): string {
  // QEMU's multiboot -initrd list is comma-separated and the kernel command line space-separated.
  if (/[\s,]/.test(p)) throw new Error(`the lab cannot use a path with spaces or commas: ${p}`);
  return p;
}

export function qemuArgs(img: LabImages, o: QemuOptions): string[] {
  const run = o.run ?? runPaths();
  const dom0Cmdline = [checkPath(img.dom0Kernel), 'console=hvc0', 'loglevel=4', `labboot=${checkPath(paths.dom0Boot)}`, `labrun=${checkPath(run.run)}`, `labproject=${checkPath(projectRoot)}`];
  return [
    '-accel', 'tcg,thread=multi',
    '-cpu', 'qemu64,+svm',
    '-m', String(o.memoryMiB),
    '-smp', String(o.cpus),
    '-display', 'none', '-vga', 'none', '-monitor', 'none',
    '-no-reboot', // a Xen panic or a dom0 poweroff ends QEMU instead of looping
    '-serial', `file:${checkPath(run.consoleLog)}`,
    '-kernel', checkPath(img.xen),
    '-append', `console=com1 dom0_mem=${o.dom0MemoryMiB}M,max:${o.dom0MemoryMiB}M dom0_max_vcpus=${o.cpus}`,
    '-initrd', `${dom0Cmdline.join(' ')},${checkPath(img.dom0Initrd)}`,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on',
    '-virtfs', `local,path=${checkPath(paths.xenRoot)},mount_tag=xenroot,security_model=none,readonly=on`,
    // the project once more, cached in dom0 (lab/dom0/init.sh)
    '-virtfs', `local,path=${checkPath(projectRoot)},mount_tag=project,security_model=none,readonly=on`,
    '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${o.hostPort}-:${AGENT_PORT_IN_DOM0},hostfwd=tcp:127.0.0.1:${o.servicePort}-:${SERVICE_PORT_IN_DOM0}`,
    '-device', 'virtio-net-pci,netdev=n0',
    ...(o.fabric ? ['-netdev', `tap,id=n1,ifname=${o.fabric.tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n1,mac=${o.fabric.mac}`] : []),
    '-pidfile', run.pidFile,
    '-daemonize',
  ];
}

/** The pid of the lab's QEMU if it is still running (checked against /proc, not just the pid file). */
export function runningPid(run: RunPaths = runPaths()): number | undefined {
  if (!existsSync(run.pidFile)) return undefined;
  const pid = Number(readFileSync(run.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isLabQemu(pid, run) ? pid : undefined;
}

/** Whether `pid` is a lab's QEMU (the one of `run` if given, else any lab's). */
export function isLabQemu(pid: number, run?: RunPaths): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('qemu-system') && (run ? cmdline.includes(`${run.pidFile}\0`) : cmdline.includes(`${labDir}/`));
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export async function stopQemu(pid: number): Promise<void> {
  const alive = (): boolean => isLabQemu(pid);
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) throw new Error(`QEMU (pid ${pid}) did not exit after SIGKILL`);
}
