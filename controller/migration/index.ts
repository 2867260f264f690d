// The flow-migration room's public API (README.md): the simulator, and freeze-and-copy.
export { aliveResiduals, simulateAlive, poissonArrivals, pareto, paretoShape, exponential, survivingShare, seedProcess, processWithStates, type FlowProcess } from './flow-process.js';
export { statesLeft, type IdlePoint } from './idle-phase.js';
export { precopy, flowMigration, SEED_COPY, type CopyModel, type PrecopyResult } from './downtime.js';
export { figureA, figureB, IDLE_LENGTHS_S, STATE_COUNTS } from './figure.js';
export { planFreezeCopy, FreezeCopyPlan, type FreezeCopyRequest, type FreezeCopyResult, type ElementCopy } from './freeze-copy.js';
export { hostdTransport, HandlerCallError, type HandlerTransport, type HandlerRef, type RouterRef } from './handler-transport.js';
export { CODECS, arpTableCodec, switchCodec, parseArpTable, ARP_LINE_MAX, type ElementCodec, type ArpState, type ArpEntry } from './codecs/index.js';
export { CLICK_SURVEY, whyNot, type ClassSurvey, type Verdict } from './click-survey.js';
export { FreezeCopyRefused, FreezeCopyIncomplete, CodecError } from './errors.js';
