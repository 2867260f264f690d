// resourced as a daemon: createDaemon with resourced's folders and its state as
// ctx.services. Kept apart from main.ts so the unit tests serve the very same methods
// over HTTP.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDaemon, type Daemon } from '../../daemon/index.js';
import type { ResourcedConfig } from './config.js';
import type { Resourced } from './resourced.js';

export const COMMANDS = ['register_host', 'heartbeat', 'list_hosts', 'deploy_pm', 'get_pm_info'] as const;
export const TASKS = ['install_allocation', 'delete_allocation'] as const;

/**
 * The folder holding the compiled commands/ and tasks/ (.js): this one when running
 * from dist; from the sources (tests run the .ts), dist/controller/resourced, since the
 * loader imports only .mjs/.js files.
 */
export function shippedFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'commands', 'get_pm_info.js'))) return here;
  const built = resolve(here, '..', '..', 'dist', 'controller', 'resourced');
  if (existsSync(join(built, 'commands', 'get_pm_info.js'))) return built;
  throw new Error(`resourced's compiled commands are not in ${here} nor ${built}: run \`npx tsc -p tsconfig.json\` first`);
}

export function createResourcedDaemon(config: ResourcedConfig, services: Resourced, o: { log?: (m: string) => void } = {}): Daemon {
  return createDaemon<Resourced>({
    name: config.name,
    listen: config.listen,
    secret: config.secret,
    // Patches first (upgrade's target), then the shipped modules.
    folders: { daemon: config.folders.patches, common: shippedFolder() },
    ...(config.auditLog ? { auditLog: config.auditLog } : {}),
    services,
    upgraders: config.upgraders,
    ...(o.log ? { log: o.log } : {}),
  });
}
