// openflowd as a daemon: createDaemon with openflowd's folders and an OpenflowdService
// as ctx.services. Kept apart from main.ts so the unit test serves the very same
// methods over HTTP.
import { createDaemon, implementFor, shippedFolder, type Daemon } from '../../daemon/index.js';
import { openflowdApi, type OpenflowdApi } from './api.js';
import type { OpenflowdConfig } from './config.js';
import type { Openflowd } from './openflowd.js';
import { OpenflowdService } from './service.js';

/** Defines a method file's export from openflowd's API. */
export const openflowdMethod = implementFor<OpenflowdService, OpenflowdApi['methods']>(openflowdApi);

export type DaemonConfig = Pick<OpenflowdConfig, 'name' | 'listen' | 'secret' | 'upgraders' | 'auditLog' | 'folders'> & { switch: { name: string } };

export function createOpenflowdDaemon(config: DaemonConfig, openflowd: Openflowd, o: { log?: (m: string) => void } = {}): Daemon {
  return createDaemon<OpenflowdService>({
    name: config.name,
    listen: config.listen,
    secret: config.secret,
    // Patches first (upgrade's target), then the shipped modules.
    folders: { daemon: config.folders.patches, common: shippedFolder(import.meta.url, 'controller/openflowd', 'install_flows') },
    ...(config.auditLog ? { auditLog: config.auditLog } : {}),
    services: new OpenflowdService(openflowd, config.switch.name),
    upgraders: config.upgraders,
    ...(o.log ? { log: o.log } : {}),
  });
}
