// resourced's public API for the other controller daemons (openflowd reads flowMap()).
export { Resourced, BASE_SYSTEMS } from './resourced.js';
export { createResourcedDaemon } from './daemon.js';
export { loadConfig, parseConfig, ConfigError, type ResourcedConfig } from './config.js';
export { flowMap, type FlowMap, type AllocationRecord, type PmRecord } from './allocations.js';
export { buildModel, planAllocation, serviceSpec, hostCapacity } from './platform-model.js';
export { HostTable, type HostRecord } from './hosts.js';
export { resourcedApi, type ResourcedApi, type ResourcedError, type RegisterArg } from './api.js';
export { PmTypes, type PmType } from './pm-types.js';
export { pmName, pmMac } from './installer.js';
