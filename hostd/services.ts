// What hostd hands every task and command as ctx.services (D3.2 §3.1.1, docs/platform.md: shared
// functionality lives with the daemon, not in each task), plus the helpers the
// method modules share. Built once by main.ts from the config.
import type { XenStore } from '../xenstore/index.js';
import type { Xl } from '../toolstack/index.js';
import type { ClickosGuests, WarmPool } from '../guests/index.js';
import type { HostdConfig } from './config.js';
import type { Pm, Registry } from './registry.js';
import type { HostStats } from './stats.js';
import { fail, type ReturnValue } from '../daemon/index.js';

export interface HostdServices {
  config: HostdConfig;
  xs: XenStore;
  xl: Xl;
  guests: ClickosGuests;
  pool?: WarmPool;
  registry: Registry;
  /** Names with a create_pm running in this process: a second one for the same name is refused. */
  creating: Set<string>;
  stats(o?: { xentop?: boolean }): Promise<HostStats>;
  log(message: string): void;
}

export class PmNotFound extends Error {
  override name = 'PmNotFound';
}

/** A PM of this hostd by domid or name; any other domain (dom0, someone else's guest) is refused. */
export async function findPm(sv: HostdServices, ref: number | string): Promise<Pm> {
  const pm = await sv.registry.find(ref);
  if (!pm) throw new PmNotFound(`no processing module ${JSON.stringify(ref)} on this host (see list_pms)`);
  return pm;
}

/** Runs a method body; an error becomes a code-1 ReturnValue naming the method (never a fault: the call was valid). */
export async function attempt(what: string, body: () => Promise<ReturnValue>): Promise<ReturnValue> {
  try {
    return await body();
  } catch (e) {
    return fail(`${what} failed: ${(e as Error).message}`);
  }
}
