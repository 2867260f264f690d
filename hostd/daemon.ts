// hostd as a daemon: createDaemon with hostd's folders and services. Kept apart
// from main.ts so the unit tests run the very same daemon (methods, schemas,
// folders) over HTTP without a Xen host.
import { createDaemon, shippedFolder, type Daemon } from '../daemon/index.js';
import type { HostdConfig } from './config.js';
import type { HostdServices } from './services.js';

export function createHostdDaemon(config: HostdConfig, services: HostdServices, o: { log?: (m: string) => void; shipped?: string } = {}): Daemon {
  return createDaemon<HostdServices>({
    name: config.name,
    listen: config.listen,
    secret: config.secret,
    // Patches first (upgrade's target), then the shipped modules: an upgrade shadows a shipped method without touching /opt.
    folders: { daemon: config.folders.patches, common: o.shipped ?? shippedFolder(import.meta.url, 'hostd', 'list_pms') },
    ...(config.auditLog ? { auditLog: config.auditLog } : {}),
    services,
    upgraders: config.upgraders,
    // create_pm waits for a guest to boot: a handful at once keeps xl and xenstored responsive.
    concurrency: 4,
    ...(o.log ? { log: o.log } : {}),
  });
}
