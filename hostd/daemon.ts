// hostd as a daemon: createDaemon with hostd's folders and services. Kept apart
// from main.ts so the unit tests run the very same daemon (methods, schemas,
// folders) over HTTP without a Xen host.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDaemon, type Daemon } from '../daemon/index.js';
import type { HostdConfig } from './config.js';
import type { HostdServices } from './services.js';

/** The methods hostd ships, for its README and tests. */
export const COMMANDS = ['host_stats', 'install_router', 'list_pms', 'read_handler', 'remove_router', 'start_router', 'stop_router', 'write_handler'] as const;
export const TASKS = ['create_pm', 'delete_pm'] as const;

/**
 * The folder holding hostd's compiled commands/ and tasks/ (.js): dist/hostd when
 * this file runs from dist; from the source tree (tests run the .ts), the built
 * dist/hostd beside it, since the loader imports only .mjs/.js files.
 */
export function shippedFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'commands', 'list_pms.js'))) return here;
  const built = resolve(here, '..', 'dist', 'hostd');
  if (existsSync(join(built, 'commands', 'list_pms.js'))) return built;
  throw new Error(`hostd's compiled commands are not in ${here} nor ${built}: run \`npx tsc -p tsconfig.json\` first`);
}

export function createHostdDaemon(config: HostdConfig, services: HostdServices, o: { log?: (m: string) => void; shipped?: string } = {}): Daemon {
  return createDaemon<HostdServices>({
    name: config.name,
    listen: config.listen,
    secret: config.secret,
    // Patches first (upgrade's target), then the shipped modules: an upgrade shadows a shipped method without touching /opt.
    folders: { daemon: config.folders.patches, common: o.shipped ?? shippedFolder() },
    ...(config.auditLog ? { auditLog: config.auditLog } : {}),
    services,
    upgraders: config.upgraders,
    // create_pm waits for a guest to boot: a handful at once keeps xl and xenstored responsive.
    concurrency: 4,
    ...(o.log ? { log: o.log } : {}),
  });
}
