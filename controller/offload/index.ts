// controller/offload: heavy-hitter selection for routing as a platform primitive (seed §2.4; README.md here).
export { type Bin, binTotal, makeBin } from './bin.js';
export type { OffloadStrategy, Update } from './strategy.js';
export { Tfo, TFO_DEFAULTS, type TfoOptions, roundRobin, inverseOrders, pickSwaps } from './tfo.js';
export { MultiScaleStats } from './timescales.js';
export { BinOptimal } from './bin-optimal.js';
export { LastBinTop } from './last-bin.js';
export { Lru } from './lru.js';
export { Lfu } from './lfu.js';
export { topK } from './topk.js';
export { syntheticTrace, zipfWeights, type SyntheticOptions } from './synthetic.js';
export { PcapError, readPcapHeader, readPcapRecords, ipv4Destination, writePcap, ethernetIpv4Frame } from './pcap.js';
export { captureBins, formatIpv4, type CaptureTrace } from './capture.js';
export { evaluate, summarize, median, type BinRecord, type Summary } from './evaluate.js';
