// monitord's public API.
export { Monitor, type MonitorOptions, type HostSource } from './monitor.js';
export { monitordApi, type MonitordApi, type StatsSnapshot, type HostSample, type FlowCounters, type PortCounters } from './api.js';
export { createMonitord, type Monitord, type MonitordOptions } from './monitord.js';
export { formatStats } from './print.js';
export { monitordFolders } from './folders.js';
