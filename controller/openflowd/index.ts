// openflowd's public API: plan an allocation's flows and install them through a driver, in process or as a daemon.
export { Openflowd, type OpenflowdOptions } from './openflowd.js';
export { planFlows, FlowPlanError, type InstalledAllocation, type FlowPlanOptions } from './flows.js';
export { FlowInstallError, type SwitchDriver } from './driver.js';
export { createOfctlDriver, OfctlCommands, OfctlError, type OfctlDriverOptions, type Runner } from './ofctl-driver.js';
export { createSshDriver, type SshDriverOptions } from './ssh-driver.js';
export { NativeDriver } from './native-driver.js';
export { parseMatchText, MatchSyntaxError } from './ofctl-syntax.js';
export { normaliseDump, flowKey, type Flow, type FlowEntry, type Match, type Action, type PortStats } from '../openflow/model.js';
export { openflowdApi, type OpenflowdApi, type OpenflowdError, type FlowCounters, type PortCounters } from './api.js';
export { createOpenflowdDaemon } from './daemon.js';
export { loadConfig, parseConfig, type OpenflowdConfig, type SwitchConfig } from './config.js';
export { connectSwitch } from './connect.js';
export { RemoteSteering, OpenflowdCallError } from './remote-steering.js';
export { FlowSteering, resolveModulePorts, type Steering, type SteeredAllocation } from './steering.js';
