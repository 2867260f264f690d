// openflowd's public API: plan an allocation's flows and install them through a driver.
export { Openflowd, type OpenflowdOptions } from './openflowd.js';
export { planFlows, FlowPlanError, type InstalledAllocation, type FlowPlanOptions } from './flows.js';
export { FlowInstallError, type SwitchDriver } from './driver.js';
export { createOfctlDriver, OfctlCommands, OfctlError, type OfctlDriverOptions, type Runner } from './ofctl-driver.js';
export { createSshDriver, type SshDriverOptions } from './ssh-driver.js';
export { NativeDriver } from './native-driver.js';
export { parseMatchText, MatchSyntaxError } from './ofctl-syntax.js';
export { normaliseDump, flowKey, type Flow, type FlowEntry, type Match, type Action, type PortStats } from '../openflow/model.js';
