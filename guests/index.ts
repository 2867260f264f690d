export { ClickosGuests, type Guest, type ManagerOptions } from './manager.js';
export { ClickosControl, chunkConfig, CHUNK_SIZE, type RouterInfo } from './router.js';
export { GuestError, GuestTimeoutError, RouterInitError, GuestDiedError } from './errors.js';
export { Vifs } from './vifs.js';
export { Bridges, switchName, OVS_SCRIPT, type BridgeKind } from './bridges.js';
export { WarmPool, type PoolOptions, type PoolEvent, type Instance, type InstanceRequest } from './pool.js';
export { ConsoleLogs } from './console.js';
export { domainNames, resolveDomain, renameDomain } from './domains.js';
export { ConfigCheckError, checkConfig } from './config-check.js';
