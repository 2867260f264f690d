// npm packages that compile on install. better-sqlite3 (resourced's SQLite store,
// controller/store/sqlite.ts) has no prebuilt binary reachable here and builds with
// node-gyp; it is an optional dependency so that `npm ci` works on a bare machine with no
// compiler. `npm test` installs the compilers (lab/host-packages.ts), then builds it here.
import { execa } from 'execa';
import { createRequire } from 'node:module';
import { projectRoot } from './paths.js';

export const NATIVE_MODULES = ['better-sqlite3'] as const;

function loads(name: string): boolean {
  try {
    createRequire(import.meta.url)(name);
    return true;
  } catch {
    return false;
  }
}

/** Builds every native module that does not load (npm install of the lockfile's versions); throws if one still does not. */
export async function ensureNativeModules(log: (m: string) => void): Promise<void> {
  const missing = NATIVE_MODULES.filter((n) => !loads(n));
  if (missing.length === 0) return;
  log(`building ${missing.join(', ')} (npm install, node-gyp; about 2 minutes)`);
  // The lockfile pins the version; --no-save leaves package.json and the lockfile alone.
  const r = await execa('npm', ['install', '--no-save', '--no-audit', '--no-fund'], { cwd: projectRoot, reject: false, all: true });
  const still = missing.filter((n) => !loads(n));
  if (still.length) throw new Error(`${still.join(', ')} did not build:\n${(r.all ?? '').split('\n').slice(-20).join('\n')}`);
}
