// Where monitord's command files are: .mjs in the source tree (tsc neither checks nor
// copies them), found from here or from dist/.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Folders } from '../../daemon/loader.js';

export function monitordFolders(): Folders {
  let dir = dirname(fileURLToPath(import.meta.url));
  if (!existsSync(resolve(dir, 'commands', 'get_stats.mjs'))) dir = resolve(dir, '..', '..', '..', 'controller', 'monitord');
  return { daemon: dir };
}
