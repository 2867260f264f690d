// Which Click classes' state ClickOS can hand over through handlers: the survey of the
// pinned sources (clickos-a092d40, elements/…) behind README.md "Freeze-and-copy: which
// Click elements can". Freeze-and-copy refuses a class with no codec by quoting its entry.
// A handler named here is one the .cc registers (add_read_handler, add_write_handler,
// add_data_handlers, set_handler); every element also has the default read handlers name,
// class, config, ports, handlers (lib/element.cc add_default_handlers).

export type Verdict =
  /** state read out and written back through handlers: a codec exists (codecs/) */
  | 'copies'
  /** both directions exist, but no codec is built (why says so) */
  | 'could-copy'
  /** the state can be read but not set */
  | 'export-only'
  /** no handler reads or sets the state */
  | 'neither'
  /** keeps no per-flow state: the new replica, with the same config, acts the same */
  | 'stateless'
  /** not in a ClickOS image */
  | 'not-in-clickos';

export interface ClassSurvey {
  verdict: Verdict;
  /** the .cc, under the ClickOS tree's elements/ */
  source: string;
  /** read handlers that show state */
  reads: string[];
  /** write handlers that set state */
  writes: string[];
  why: string;
}

const REWRITER_READS = ['table', 'table_size', 'size', 'capacity', 'mapping_failures', 'patterns', 'pattern<N>'];
const REWRITER_WHY =
  'its flow mappings are printed (the table handlers) but no write handler inserts one: IPRewriterBase::add_rewriter_handlers (ip/iprewriterbase.cc) writes only capacity, clear and the patterns for new flows';

export const CLICK_SURVEY: Readonly<Record<string, ClassSurvey>> = {
  ARPTable: { verdict: 'copies', source: 'ethernet/arptable.cc', reads: ['table', 'count', 'length', 'drops'], writes: ['insert', 'delete', 'clear'], why: 'table lists every entry (ip known eth age); insert takes "IP ETH". Ages are not carried (insert starts a fresh one); queued packets are not' },
  ARPQuerier: { verdict: 'copies', source: 'ethernet/arpquerier.cc', reads: ['table', 'count', 'length', 'stats', 'queries', 'responses', 'drops', 'ipaddr', 'broadcast'], writes: ['insert', 'delete', 'clear', 'ipaddr', 'broadcast'], why: 'its table and insert handlers are its ARPTable\'s (ARPQuerier::read_handler h_table, write_handler h_insert); the packets waiting for a reply are not copied' },
  Switch: { verdict: 'copies', source: 'standard/switch.cc', reads: ['switch'], writes: ['switch'], why: 'switch reads and writes the output port' },
  ARPResponder: { verdict: 'could-copy', source: 'ethernet/arpresponder.cc', reads: ['table', 'lookup'], writes: ['add', 'remove'], why: 'table prints "IP/MASK ETH" lines and add takes them, but nothing bounds table\'s length before reading it (a reply over the XenStore ring stops the guest), and its entries are configuration the new replica already has' },
  IPRewriter: { verdict: 'export-only', source: 'tcpudp/iprewriter.cc', reads: ['tcp_table', 'udp_table', 'tcp_lookup', ...REWRITER_READS], writes: [], why: REWRITER_WHY },
  TCPRewriter: { verdict: 'export-only', source: 'tcpudp/tcprewriter.cc', reads: ['table', 'lookup', ...REWRITER_READS], writes: [], why: REWRITER_WHY },
  UDPRewriter: { verdict: 'export-only', source: 'tcpudp/udprewriter.cc', reads: REWRITER_READS, writes: [], why: REWRITER_WHY },
  IPAddrPairRewriter: { verdict: 'export-only', source: 'ip/ipaddrpairrewriter.cc', reads: REWRITER_READS, writes: [], why: REWRITER_WHY },
  IPAddrRewriter: { verdict: 'export-only', source: 'ip/ipaddrrewriter.cc', reads: REWRITER_READS, writes: [], why: REWRITER_WHY },
  RoundRobinIPMapper: { verdict: 'neither', source: 'ip/rripmapper.cc', reads: [], writes: [], why: 'no handlers: the next pattern to use (_last_pattern) is not shown' },
  SourceIPHashMapper: { verdict: 'stateless', source: 'ip/siphmapper.cc', reads: [], writes: [], why: 'no handlers; the pattern is a hash of the source over the configured consistent-hash ring' },
  Counter: { verdict: 'export-only', source: 'standard/counter.cc', reads: ['count', 'byte_count', 'rate', 'bit_rate', 'byte_rate', 'count_call'], writes: ['reset', 'reset_counts'], why: 'the counts are read-only: reset zeroes them, count_call and byte_count_call set triggers, nothing sets a count' },
  AverageCounter: { verdict: 'export-only', source: 'standard/averagecounter.cc', reads: ['count', 'byte_count', 'rate', 'byte_rate'], writes: ['reset'], why: 'the counts are read-only; reset zeroes them' },
  Script: { verdict: 'not-in-clickos', source: 'standard/script.cc', reads: ['get', 'run'], writes: ['set', 'step', 'goto'], why: 'minios/elements.exclude leaves Script out of every ClickOS image (its variables would otherwise copy: get/set)' },
  StaticSwitch: { verdict: 'stateless', source: 'standard/staticswitch.cc', reads: [], writes: [], why: 'its output is fixed by the configuration; no handlers' },
  RoundRobinSwitch: { verdict: 'neither', source: 'standard/rrswitch.cc', reads: [], writes: [], why: 'no handlers: the next output (_next) is not shown' },
  HashSwitch: { verdict: 'stateless', source: 'standard/hashswitch.cc', reads: [], writes: [], why: 'the output is a hash of packet bytes; no handlers' },
  BandwidthMeter: { verdict: 'export-only', source: 'standard/bandwidthmeter.cc', reads: ['rate', 'meters'], writes: [], why: 'the rate estimate is read-only' },
  Meter: { verdict: 'export-only', source: 'standard/meter.cc (BandwidthMeter\'s handlers)', reads: ['rate', 'meters'], writes: [], why: 'the rate estimate is read-only' },
  RatedSplitter: { verdict: 'export-only', source: 'standard/ratedsplitter.cc', reads: ['rate', 'config'], writes: ['rate'], why: 'rate is configuration; the token bucket that is the state is not shown' },
  SimpleQueue: { verdict: 'neither', source: 'standard/simplequeue.cc', reads: ['length', 'highwater_length', 'capacity', 'drops'], writes: ['capacity', 'reset', 'reset_counts'], why: 'its state is the queued packets: length counts them, nothing reads or inserts one' },
  Queue: { verdict: 'neither', source: 'standard/fullnotequeue.cc (class_name "Queue"; SimpleQueue\'s handlers and notifier_state)', reads: ['length', 'notifier_state'], writes: ['capacity', 'reset'], why: 'as SimpleQueue: queued packets cannot be read or inserted' },
  IPFragmenter: { verdict: 'stateless', source: 'ip/ipfragmenter.cc', reads: ['drops', 'fragments'], writes: [], why: 'fragments each packet on its own; drops and fragments are read-only counters' },
  IPReassembler: { verdict: 'export-only', source: 'ip/ipreassembler.cc', reads: ['dump'], writes: [], why: 'dump prints the fragments held (debug_dump) but not their bytes, and nothing inserts a fragment' },
  AggregateIPFlows: { verdict: 'neither', source: 'analysis/aggregateipflows.cc', reads: [], writes: ['clear'], why: 'its flow → aggregate map has no read handler; clear only empties it' },
  TimedSource: { verdict: 'export-only', source: 'standard/timedsource.cc', reads: ['count', 'data', 'limit', 'interval', 'active', 'headroom'], writes: ['data', 'limit', 'interval', 'active', 'headroom', 'reset'], why: 'count (packets sent) is read-only; what is writable is configuration' },
  IPRateMonitor: { verdict: 'not-in-clickos', source: 'ip/ipratemon.cc', reads: ['look', 'thresh', 'mem', 'memmax'], writes: ['anno_level', 'memmax', 'reset'], why: 'ELEMENT_REQUIRES(userlevel): not built for MiniOS; and look is export-only' },
};

/** Why a class cannot be frozen and copied, for an error message. */
export function whyNot(className: string): string {
  const s = CLICK_SURVEY[className];
  if (!s) return `${className} is not in the survey (controller/migration/click-survey.ts): no codec, its handlers unchecked`;
  return `${className} (${s.verdict}, ${s.source}): ${s.why}`;
}
