// A guest's console as xenconsoled logs it (--log=guest): read straight from the
// log file, because ClickOS reports a config it cannot initialise only there.
// xenconsoled names the file after the domain's name when it first saw it; the
// pool records that name (see pool.ts) since a pool guest is renamed later.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { XenStore } from '../xenstore/index.js';

/** Where a guest's console name is kept when it differs from its current name. */
export const consoleNameNode = (domid: number): string => `/local/domain/${domid}/clickos-toolstack/console-name`;

export class ConsoleLogs {
  constructor(
    private readonly xs: XenStore,
    readonly dir = '/var/log/xen/console',
  ) {}

  async file(domid: number): Promise<string> {
    const name =
      (await this.xs.readOptional(consoleNameNode(domid))) ??
      (await this.xs.readOptional(`/local/domain/${domid}/name`)) ??
      String(domid);
    return join(this.dir, `guest-${name}.log`);
  }

  /** The log's current size: the offset later reads start from. */
  async size(file: string): Promise<number> {
    return stat(file).then((s) => s.size, () => 0);
  }

  /** What was logged after `offset`. */
  async since(file: string, offset: number): Promise<string> {
    const fh = await open(file, 'r').catch(() => undefined);
    if (!fh) return '';
    try {
      const { size } = await fh.stat();
      if (size <= offset) return '';
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      return buf.toString('utf8');
    } finally {
      await fh.close();
    }
  }

  /**
   * Changes to a log file from now on (inotify): `next(ms)` resolves at the next
   * write, at once if one came since the last call, or after `ms`. Waiting this way
   * keeps dom0 quiet while a guest starts: polling the file took CPU the guest needed.
   */
  changes(file: string): { next(ms: number): Promise<void>; close(): void } {
    let dirty = false;
    let wake: (() => void) | undefined;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(file, () => {
        dirty = true;
        wake?.();
      });
      watcher.on('error', () => {}); // the file went away with its domain: the caller's checks notice
    } catch {
      // no such file yet: next() falls back to its timeout
    }
    return {
      next(ms: number): Promise<void> {
        if (dirty) {
          dirty = false;
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          function done(): void {
            clearTimeout(timer);
            wake = undefined;
            dirty = false;
            resolve();
          }
          wake = done;
        });
      },
      close(): void {
        watcher?.close();
      },
    };
  }

  async all(domid: number): Promise<string> {
    return this.since(await this.file(domid), 0);
  }
}
