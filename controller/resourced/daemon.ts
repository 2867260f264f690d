// resourced as a daemon: createDaemon with resourced's folders and its state as
// ctx.services. Kept apart from main.ts so the unit tests serve the very same methods
// over HTTP.
import { compoundFor, createDaemon, implementFor, shippedFolder, type Daemon } from '../../daemon/index.js';
import { resourcedApi, type ResourcedApi } from './api.js';
import type { ResourcedConfig } from './config.js';
import type { Resourced } from './resourced.js';

/** Defines a method file's export from resourced's API; the method bodies live in Resourced (ctx.services). */
export const resourcedMethod = implementFor<Resourced, ResourcedApi['methods']>(resourcedApi);
/** Defines a compound task's export (D3.2 §3.1.1): its parts and settle step come from Resourced. */
export const resourcedCompound = compoundFor<Resourced, ResourcedApi['methods']>(resourcedApi);

export function createResourcedDaemon(config: ResourcedConfig, services: Resourced, o: { log?: (m: string) => void } = {}): Daemon {
  return createDaemon<Resourced>({
    name: config.name,
    listen: config.listen,
    secret: config.secret,
    // Patches first (upgrade's target), then the shipped modules.
    folders: { daemon: config.folders.patches, common: shippedFolder(import.meta.url, 'controller/resourced', 'get_pm_info') },
    ...(config.auditLog ? { auditLog: config.auditLog } : {}),
    services,
    upgraders: config.upgraders,
    ...(o.log ? { log: o.log } : {}),
  });
}
