// The codecs freeze-and-copy has, by Click class (README.md "Freeze-and-copy: which Click elements can").
import { arpTableCodec } from './arp-table.js';
import type { ElementCodec } from './codec.js';
import { switchCodec } from './switch.js';

export type { ElementCodec, HandlerWrite } from './codec.js';
export { arpTableCodec, parseArpTable, ARP_LINE_MAX, type ArpEntry, type ArpState } from './arp-table.js';
export { switchCodec, type SwitchState } from './switch.js';

export const CODECS: ReadonlyMap<string, ElementCodec<unknown>> = new Map(
  [arpTableCodec, switchCodec].flatMap((c) => c.classes.map((k) => [k, c as ElementCodec<unknown>] as const)),
);
