// The balancer's public API (README.md).
export { balance, imbalance, imbalanceUnder, assignedPrefixes, prefixesPerServer, DEFAULT_MAX_IMBALANCE, DEFAULT_CHUNK_THRESHOLD, type Assignment, type BalanceOptions, type Server } from './balance.js';
export { balancerFlows, renderFlows, diffFlows, ruleCount, type Field, type GroupPorts, type OutsidePort } from './rules.js';
export { TrafficEstimator, Sampler, samplingError, type EstimatorOptions } from './estimator.js';
export { RebalanceTrigger, type TriggerOptions, type Verdict } from './trigger.js';
export { BalancedGroup, type GroupOptions, type Change } from './group.js';
export { Traffic, type Atom } from './traffic.js';
export { moves, type Leaf, type Move } from './leaves.js';
export { parsePrefix, prefixText, type Prefix } from './prefix.js';
export { BalancerInputError } from './errors.js';
export { SwitchGroup, type SwitchGroupOptions, type Installed, type GroupDriver } from './switch.js';
export { groupCookie, isGroupCookie, cookieGroup, GROUP_COOKIE_TAG } from './cookies.js';
export { migrationFlows, type MigrationOptions } from './migration-rules.js';
