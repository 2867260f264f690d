// Builds the xl.cfg of a ClickOS-style PV guest from validated fields.
import { XlConfig } from './xlcfg/index.js';
import { checkInt, checkName, checkPath, XlArgumentError } from './validate.js';
import { formatVif, type VifSpec } from './vif.js';

export type CrashAction = 'destroy' | 'restart' | 'preserve' | 'coredump-destroy' | 'coredump-restart' | 'rename-restart' | 'soft-reset';
const CRASH_ACTIONS: CrashAction[] = ['destroy', 'restart', 'preserve', 'coredump-destroy', 'coredump-restart', 'rename-restart', 'soft-reset'];

export interface GuestSpec {
  name: string;
  /** The image: a ClickOS kernel (clickos_x86_64) or any PV kernel. */
  kernel: string;
  ramdisk?: string;
  /** Kernel command line; ClickOS takes none. */
  extra?: string;
  /** MiB (ClickOS: 8-16; a Linux PV kernel ≥ ~80). */
  memory: number;
  vcpus?: number;
  vifs?: VifSpec[];
  onCrash?: CrashAction;
  /**
   * Credit-scheduler cap, % of one CPU (xl.cfg `cap`; 0 or absent: none). A Running ClickOS
   * router polls and takes its whole vCPU (docs/clickos.md); a cap bounds that at density.
   */
  cap?: number;
}

/** An xl.cfg for the guest; throws XlArgumentError naming the bad field. */
export function guestConfig(g: GuestSpec): XlConfig {
  const values: Record<string, string | number | string[]> = {
    name: checkName(g.name),
    type: 'pv',
    kernel: checkPath(g.kernel, 'kernel'),
  };
  if (g.ramdisk !== undefined) values.ramdisk = checkPath(g.ramdisk, 'ramdisk');
  if (g.extra !== undefined) {
    if (/[\n\0"\\]/.test(g.extra)) throw new XlArgumentError('extra: no newline, NUL, quote or backslash');
    values.extra = g.extra;
  }
  values.memory = checkInt(g.memory, 'memory (MiB)', 4, 1 << 20);
  values.vcpus = checkInt(g.vcpus ?? 1, 'vcpus', 1, 128);
  values.vif = (g.vifs ?? []).map(formatVif);
  if (g.cap !== undefined && g.cap !== 0) values.cap = checkInt(g.cap, 'cap (% of a CPU)', 1, 100 * 128);
  const onCrash = g.onCrash ?? 'destroy';
  if (!CRASH_ACTIONS.includes(onCrash)) throw new XlArgumentError(`invalid on_crash ${JSON.stringify(onCrash)}: one of ${CRASH_ACTIONS.join(', ')}`);
  values.on_crash = onCrash;
  return XlConfig.from(values);
}
