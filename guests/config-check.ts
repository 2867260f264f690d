// Click configs are checked before anything reaches a guest: ClickOS itself only
// reports a bad config on its console, after the install. The checker is
// clickos-build's, against the element catalog, for a ClickOS image.
import { Catalog, checkText, formatDiagnostic, type Diagnostic } from '../clickos-build/index.js';
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
