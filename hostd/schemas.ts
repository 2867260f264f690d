// Argument schemas shared by hostd's methods, built from the daemon's validators so
// the daemon refuses a bad argument (fault -32602) before any method runs, and
// system.methodHelp shows the shapes. The patterns are the toolstack's own rules
// (toolstack/validate.ts, guests/router.ts), so nothing that passes here is
// refused later for its form.
import { s } from '../daemon/index.js';
import { BRIDGE_RE, MAC_RE, NAME_RE, PATH_RE } from './config.js';

/** The schema bound on a Click config; the configured guests.maxConfigBytes (smaller) is checked in the method. */
export const MAX_CONFIG_CHARS = 256 * 1024;

export const name = s.str({ max: 64, pattern: NAME_RE });
/** dom0 (0) is never a PM; 32751 is Xen's highest ordinary domid. */
export const domid = s.int({ min: 1, max: 32751 });
/** A PM by domid or by name. */
export const pm = s.either(domid, name);
export const rid = s.int({ min: 0, max: 63 });
export const element = s.str({ max: 128, pattern: /^[A-Za-z_@][A-Za-z0-9_@]*$/ });
export const handler = s.str({ max: 128, pattern: /^[A-Za-z_][A-Za-z0-9_.-]*$/ });
/** Non-empty (ClickOS ignores empty writes), no NUL. */
export const handlerValue = s.str({ max: 64 * 1024, pattern: /^[^\0]+$/ });
/** Some non-blank text, no NUL. */
export const clickConfig = s.str({ max: MAX_CONFIG_CHARS, pattern: /^(?=[\s\S]*\S)[^\0]*$/ });
export const configName = s.str({ max: 64, pattern: /^[A-Za-z0-9_.-]{1,64}$/ });
export const kernel = s.str({ max: 255, pattern: PATH_RE });
export const memory = s.int({ min: 4, max: 1 << 20 });
export const vif = s.struct({ bridge: s.str({ max: 15, pattern: BRIDGE_RE }), mac: s.optional(s.str({ max: 17, pattern: MAC_RE })) });
export const vifs = s.array(vif, { max: 8 });
