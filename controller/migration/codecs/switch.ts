// Switch: the output it sends every packet to. Exportable (`switch`) and importable (`switch`).
// Source: clickos-a092d40 elements/standard/switch.cc (Switch::read_param prints
// String(_output); Switch::write_param parses an integer, -1 drops).
import { parseInteger } from '../click-values.js';
import type { ElementCodec } from './codec.js';

export interface SwitchState {
  output: number;
}

export const switchCodec: ElementCodec<SwitchState> = {
  classes: ['Switch'],
  // one int
  bound: { fixed: 11 },
  exportHandler: 'switch',
  parse: (text) => ({ output: parseInteger(text, 'Switch switch') }),
  entries: () => 1,
  importWrites: (from, into) => (from.output === into.output ? [] : [{ handler: 'switch', value: String(from.output) }]),
  missing: (from, got) => (from.output === got.output ? [] : [`switch is ${got.output}, not ${from.output}`]),
};
