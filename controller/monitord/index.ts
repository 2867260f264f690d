// monitord's public API.
export { Monitor, type MonitorOptions, type HostSource, type HostStats, type StatsSnapshot, type FlowCounters, type PortCounters } from './monitor.js';
export { createMonitord, type Monitord, type MonitordOptions } from './monitord.js';
export { formatStats } from './print.js';
export { monitordFolders } from './folders.js';
