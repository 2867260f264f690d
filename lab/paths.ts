// Where the lab keeps its downloads, built images and the state of a running lab.
import { join, resolve } from 'node:path';
import { projectRoot } from '../toolstack/project-root.js';

export { projectRoot };

/** LAB_DIR overrides the default `.lab/` in the checkout (e.g. to share a cache between clones). */
export const labDir = resolve(process.env.LAB_DIR ?? join(projectRoot, '.lab'));

export const paths = {
  cache: join(labDir, 'cache'),
  debs: join(labDir, 'cache', 'debs'),
  /** dpkg -x of the Xen tools and kernel: dom0's root is this tree over the host's root. */
  xenRoot: join(labDir, 'cache', 'xen-root'),
  images: join(labDir, 'cache', 'images'),
  run: join(labDir, 'run'),
  pidFile: join(labDir, 'run', 'qemu.pid'),
  stateFile: join(labDir, 'run', 'state.json'),
  tokenFile: join(labDir, 'run', 'token'),
  consoleLog: join(labDir, 'run', 'console.log'),
  /** Scripts dom0 runs from the shared host root. */
  dom0Boot: join(projectRoot, 'lab', 'dom0', 'boot.sh'),
  agentServer: join(projectRoot, 'dist', 'lab', 'agent', 'main.js'),
};
