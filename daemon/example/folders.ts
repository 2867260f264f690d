// Where the example daemon's task and command files are: the .mjs files live in the
// source tree (tsc neither checks nor copies them), found from here or from dist/.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Folders } from '../loader.js';

export function exampleFolders(): Folders {
  let dir = dirname(fileURLToPath(import.meta.url));
  // From dist/daemon/example, go back to the source tree's daemon/example.
  if (!existsSync(join(dir, 'common', 'commands'))) dir = resolve(dir, '..', '..', '..', 'daemon', 'example');
  return { common: join(dir, 'common'), daemon: join(dir, 'example') };
}
