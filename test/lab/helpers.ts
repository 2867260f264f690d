// Shared by the lab tests, which run inside dom0 against the real xl and xenstored.
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clickosKernel } from '../../lab/clickos-image.js';
import { testGuestConfig } from '../../lab/guest-kit.js';
import { waitFor as poll } from '../support/wait.js';
import type { ReturnValue, XmlRpcClient } from '../../daemon/index.js';

const run = promisify(execFile);

/**
 * The lab's real ClickOS guest: the image built from lab/clickos/*.click (lab/clickos-image.ts).
 * 16 MiB: 8 crashed once a router ran, 12 and 16 worked (docs/clickos.md).
 */
export const CLICKOS = { kernel: clickosKernel, memory: 16 } as const;

/** hostd's `guests` section for the lab's ClickOS guest (one vif on xenbr0), with timeouts for boots under emulation. */
export const HOSTD_GUESTS = {
  ...CLICKOS,
  maxMemoryMiB: 64,
  vifs: [{ bridge: 'xenbr0' }],
  bootTimeoutMs: 300_000,
  initGraceMs: 60_000,
  handlerTimeoutMs: 30_000,
};

export async function xl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('xl', args, { encoding: 'utf8', timeout: 120_000 });
}

export async function xsRead(path: string): Promise<string | undefined> {
  try {
    return (await run('xenstore-read', [path], { encoding: 'utf8' })).stdout.replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

export function xsExists(path: string): boolean {
  try {
    execFileSync('xenstore-exists', [path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Polls until `fn` returns a value other than undefined; throws after `timeoutMs`. Xen is slow: a minute by default. */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  return poll(what, fn, timeoutMs, 200);
}

/** `xl create` of a ClickOS guest from a private config file; returns its domid. */
export async function createTestGuest(o: { name: string; vifs?: string[] }): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-guest-'));
  const cfg = join(dir, `${o.name}.cfg`);
  const vifs = (o.vifs ?? []).map((v) => `"${v}"`).join(', ');
  writeFileSync(cfg, `name = "${o.name}"\ntype = "pv"\nkernel = "${CLICKOS.kernel}"\nmemory = ${CLICKOS.memory}\nvif = [ ${vifs} ]\non_crash = "preserve"\n`);
  await xl('create', cfg);
  return Number((await xl('domid', o.name)).stdout.trim());
}

/**
 * Stand-in: the lab's Linux guest (lab/guest/init.sh), for the one test that needs a guest to
 * run a command with its own XenStore rights (its data/probe); ClickOS has no shell to do that.
 */
export async function createStandinGuest(o: { name: string }): Promise<number> {
  const cfg = join(mkdtempSync(join(tmpdir(), 'lab-standin-')), `${o.name}.cfg`);
  writeFileSync(cfg, testGuestConfig({ name: o.name }));
  await xl('create', cfg);
  return Number((await xl('domid', o.name)).stdout.trim());
}

export async function domainNames(): Promise<string[]> {
  const { stdout } = await xl('list');
  return stdout.split('\n').slice(1).map((l) => l.split(/\s+/)[0]!).filter(Boolean);
}

/** Calls a method; for a task (first reply CODE_NOT_READY), polls task.status until it settles. */
export async function call(c: XmlRpcClient, method: string, arg?: unknown, timeoutMs = 20 * 60_000): Promise<ReturnValue> {
  let rv = (await (arg === undefined ? c.call(method) : c.call(method, arg as never))) as ReturnValue;
  const end = Date.now() + timeoutMs;
  if (rv.code === -1) {
    const id = rv.value as string;
    while (rv.code === -1) {
      if (Date.now() > end) throw new Error(`${method}: task ${id} not finished after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
      rv = (await c.call('task.status', id)) as ReturnValue;
    }
  }
  return rv;
}
