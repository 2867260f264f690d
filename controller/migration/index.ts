// The flow-migration simulator's public API (README.md).
export { aliveResiduals, simulateAlive, poissonArrivals, pareto, paretoShape, exponential, survivingShare, seedProcess, processWithStates, type FlowProcess } from './flow-process.js';
export { statesLeft, type IdlePoint } from './idle-phase.js';
export { precopy, flowMigration, SEED_COPY, type CopyModel, type PrecopyResult } from './downtime.js';
export { figureA, figureB, IDLE_LENGTHS_S, STATE_COUNTS } from './figure.js';
