// What hostd hands every task and command as ctx.services (D3.2 §3.1.1, docs/platform.md: shared
// functionality lives with the daemon, not in each task), plus the helpers the
// method modules share. Built once by main.ts from the config.
import type { XenStore } from '../xenstore/index.js';
import type { Xl } from '../toolstack/index.js';
import type { ClickosGuests, WarmPool } from '../guests/index.js';
import type { HostdConfig } from './config.js';
import type { Pm, Registry } from './registry.js';
import type { HostStats } from './stats.js';
import { MethodError, implementFor } from '../daemon/index.js';
import { hostdApi, type HostdApi, type HostdError } from './api.js';

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

/** Defines a method file's export from hostd's API: `export default hostdMethod('list_pms', async (arg, ctx) => …)`. */
export const hostdMethod = implementFor<HostdServices, HostdApi['methods']>(hostdApi);

/** A failure with one of hostd's error codes (hostd/api.ts): clients act on the code, not on the message. */
export class HostdFailure extends MethodError<HostdError> {}

/** A PM of this hostd by domid or name; any other domain (dom0, someone else's guest) is refused. */
export async function findPm(sv: HostdServices, ref: number | string): Promise<Pm> {
  const pm = await sv.registry.find(ref);
  if (!pm) throw new HostdFailure('pm_not_found', `no processing module ${JSON.stringify(ref)} on this host (see list_pms)`);
  return pm;
}

/** The configured guests.maxConfigBytes (the schema holds only the absolute bound). */
export function checkConfigSize(sv: HostdServices, config: string): void {
  const max = sv.config.guests.maxConfigBytes;
  const bytes = Buffer.byteLength(config, 'utf8');
  if (bytes > max) throw new HostdFailure('refused', `config is ${bytes} bytes; this host accepts at most ${max}`);
}
