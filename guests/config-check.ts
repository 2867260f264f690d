// Click configs are checked before anything reaches a guest: ClickOS itself only
// reports a bad config on its console, after the install. The checker is
// clickos-build's, against the element catalog, for a ClickOS image.
import { Catalog, checkText, devicesOpened, flatten, formatDiagnostic, parse, type Diagnostic } from '../clickos-build/index.js';
import { GuestError } from './errors.js';

/** The config failed the Click checker; nothing was written to the guest. */
export class ConfigCheckError extends GuestError {
  override name = 'ConfigCheckError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`the Click configuration has errors (nothing was installed):\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
}

let catalog: Catalog | undefined;

/** Throws ConfigCheckError when the checker finds errors (warnings pass). */
export function checkConfig(text: string, file = 'config'): void {
  catalog ??= Catalog.load();
  const errors = checkText(text, file, catalog, { target: 'clickos' }).filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new ConfigCheckError(errors);
}

/**
 * The vif numbers a config opens (FromDevice(N), ToDevice(N)), sorted. ClickOS opens them
 * when the router starts, and one it lacks hangs the router's thread in netfront
 * (docs/clickos.md), so the toolstack checks them first. Unparsable configs give [].
 */
export function vifsUsed(text: string, file = 'config'): number[] {
  let router;
  try {
    router = flatten(parse(text, file));
  } catch {
    return [];
  }
  return devicesOpened(router);
}
