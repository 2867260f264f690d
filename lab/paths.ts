// Where the lab keeps its downloads, built images and the state of a running lab.
import { join, resolve } from 'node:path';
import { projectRoot } from '../toolstack/project-root.js';

export { projectRoot };

/** LAB_DIR overrides the default `.lab/` in the checkout (e.g. to share a cache between clones). */
export const labDir = resolve(process.env.LAB_DIR ?? join(projectRoot, '.lab'));

/**
 * Where one running lab keeps its state: `run/` for the default lab, `run-<name>/` for a
 * named one (the two-host lab boots "a" and "b" side by side; docs/two-host-lab.md).
 */
export function runPaths(instance?: string) {
  if (instance !== undefined && !/^[a-z0-9]{1,8}$/.test(instance)) throw new Error(`lab instance name ${JSON.stringify(instance)}: 1-8 of a-z0-9`);
  const run = join(labDir, instance === undefined ? 'run' : `run-${instance}`);
  return {
    run,
    pidFile: join(run, 'qemu.pid'),
    stateFile: join(run, 'state.json'),
    tokenFile: join(run, 'token'),
    consoleLog: join(run, 'console.log'),
  };
}
export type RunPaths = ReturnType<typeof runPaths>;

export const paths = {
  cache: join(labDir, 'cache'),
  debs: join(labDir, 'cache', 'debs'),
  /** dpkg -x of the Xen tools and kernel: dom0's root is this tree over the host's root. */
  xenRoot: join(labDir, 'cache', 'xen-root'),
  images: join(labDir, 'cache', 'images'),
  ...runPaths(),
  /** Scripts dom0 runs from the shared host root. */
  dom0Boot: join(projectRoot, 'lab', 'dom0', 'boot.sh'),
  agentServer: join(projectRoot, 'dist', 'lab', 'agent', 'main.js'),
};
