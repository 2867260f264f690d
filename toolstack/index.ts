export { Xl, type XlOptions, type CreateOptions } from './xl.js';
export { XlError, XlTimeoutError, XlArgumentError } from './errors.js';
export { guestConfig, type GuestSpec, type CrashAction } from './guest-config.js';
export { formatVif, parseVif, type VifSpec } from './vif.js';
export { XlConfig, XlCfgSyntaxError, type XlValue } from './xlcfg/index.js';
export type { Domain, DomainState, HostInfo, NetworkDevice, Uptime } from './xl-output.js';
export { checkName, checkMac } from './validate.js';
