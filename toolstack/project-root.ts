// The checkout's root (the folder with package.json above this module): the same answer
// from the TypeScript sources and from the compiled dist/, for files the code ships beside
// itself (hotplug scripts, patches, element data, vendored sources).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the project root (no package.json above toolstack/)');
    dir = up;
  }
  return dir;
}

export const projectRoot = findProjectRoot();
