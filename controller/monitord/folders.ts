// Where monitord's command files are (compiled, like hostd's: see shippedFolder), and
// the helper they are written with.
import { implementFor, shippedFolder } from '../../daemon/index.js';
import type { Folders } from '../../daemon/loader.js';
import { monitordApi, type MonitordApi } from './api.js';
import type { Monitor } from './monitor.js';

export interface MonitordServices {
  monitor: Monitor;
}

export const monitordMethod = implementFor<MonitordServices, MonitordApi['methods']>(monitordApi);

export function monitordFolders(): Folders {
  return { daemon: shippedFolder(import.meta.url, 'controller/monitord', 'get_stats') };
}
