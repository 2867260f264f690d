// ARPTable (and ARPQuerier, which prints and inserts through its own ARPTable): the IP →
// Ethernet entries a router has learnt. Its state is exportable (`table`) and importable
// (`insert`), so it can be frozen and copied. Source: clickos-a092d40
// elements/ethernet/arptable.cc (ARPTable::read_handler h_table, ARPTable::write_handler
// h_insert, add_handlers) and arpquerier.cc (ARPQuerier::read_handler h_table / h_count,
// write_handler h_insert, which call the table's).
import { CodecError } from '../errors.js';
import { parseEther, parseIPv4, parseInteger, parseTimestamp } from '../click-values.js';
import type { ElementCodec, HandlerWrite } from './codec.js';

export interface ArpEntry {
  ip: string;
  /** ARPEntry::known(): a reply was seen and the entry has not expired */
  known: boolean;
  /** dashes, upper case */
  eth: string;
  /** seconds since the entry was last refreshed (now - _live_at_j) */
  ageS: number;
}

export interface ArpState {
  entries: ArpEntry[];
}

/**
 * The longest line h_table prints: `ip ok eth age\n`, 15 + 1 + 1 + 1 + 17 + 1 + the
 * timestamp (a 32-bit jiffies difference: at most 10 digits, a dot and 9) + 1.
 */
export const ARP_LINE_MAX = 15 + 1 + 1 + 1 + 17 + 1 + 20 + 1;

/** One line of ARPTable::read_handler h_table: `sa << ip << ' ' << ok << ' ' << eth << ' ' << age << '\n'`. */
function parseLine(line: string, n: number): ArpEntry {
  const f = line.split(' ');
  if (f.length !== 4)
    throw new CodecError(`ARPTable table line ${n}: "${line}" has ${f.length} fields, ARPTable::read_handler prints 4 (ip ok eth age)`);
  const what = `ARPTable table line ${n}`;
  if (f[1] !== '0' && f[1] !== '1') throw new CodecError(`${what}: known flag "${f[1]}" is not 0 or 1`);
  return { ip: parseIPv4(f[0]!, what), known: f[1] === '1', eth: parseEther(f[2]!, what), ageS: parseTimestamp(f[3]!, what) };
}

export function parseArpTable(text: string): ArpState {
  if (text === '') return { entries: [] };
  if (!text.endsWith('\n')) throw new CodecError('ARPTable table: the text does not end in a newline; ARPTable::read_handler ends every line with one (truncated?)');
  const entries = text.slice(0, -1).split('\n').map((l, i) => parseLine(l, i + 1));
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.ip)) throw new CodecError(`ARPTable table: ${e.ip} appears twice; the table holds one entry per address`);
    seen.add(e.ip);
  }
  return { entries };
}

/** The entries worth copying: known ones. Unknown ones are pending queries, expired or deleted (delete inserts the broadcast address). */
const knownEntries = (s: ArpState) => s.entries.filter((e) => e.known);

export const arpTableCodec: ElementCodec<ArpState> = {
  classes: ['ARPTable', 'ARPQuerier'],
  // count: ARPTable's _entry_count (add_data_handlers), ARPQuerier::read_handler h_count
  bound: { handler: 'count', bytes: (v) => parseInteger(v.trim(), 'ARPTable count') * ARP_LINE_MAX },
  exportHandler: 'table',
  parse: parseArpTable,
  entries: (s) => knownEntries(s).length,
  importWrites(from, into) {
    // An entry the new replica already knows is newer than the old one's: it learnt it after
    // the move. Ages are not carried: insert sets _live_at_j = now (ARPTable::insert), so a
    // copied entry lives one full TIMEOUT on the new replica.
    const fresh = new Set(knownEntries(into).map((e) => e.ip));
    const writes: HandlerWrite[] = [];
    for (const e of knownEntries(from)) if (!fresh.has(e.ip)) writes.push({ handler: 'insert', value: `${e.ip} ${e.eth}` });
    return writes;
  },
  missing(from, got) {
    const have = new Map(knownEntries(got).map((e) => [e.ip, e.eth]));
    return knownEntries(from).filter((e) => !have.has(e.ip)).map((e) => `${e.ip} (${e.eth}) not known on the new replica`);
  },
};
