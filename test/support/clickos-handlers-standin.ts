// A STAND-IN for ClickOS guests behind hostd's read_handler / write_handler (real ones need
// Xen: test/lab/freeze-copy-clickos.test.ts uses them). It keeps what the guest's side of
// the protocol does (minios/click.cc, docs/clickos.md §3): a write only sets the node
// elements/<e>/<h> and queues the watch event; the guest handles events one at a time, in
// order, and reads the node's value when it handles the event (so a second write to the
// same node before then replaces the first); a read is answered after the events before
// it, and an unknown element or handler never answers (hostd then times out). The elements
// print and parse as the pinned Click sources do (clickos-a092d40): ARPTable and ARPQuerier
// (elements/ethernet/arptable.cc read_handler h_table, write_handler h_insert/h_delete,
// count), Switch (standard/switch.cc), Counter (standard/counter.cc, count only).
import type { HandlerRef, HandlerTransport } from '../../controller/migration/handler-transport.js';

export interface ArpRow {
  eth: string;
  known: boolean;
  /** Click jiffies (ms here) when the entry was last refreshed */
  liveAt: number;
}

export type StandinElement =
  | { cls: 'ARPTable' | 'ARPQuerier'; rows: Map<string, ArpRow>; /** raw text to answer for table instead, to feed bad input */ tableOverride?: string; countOverride?: string }
  | { cls: 'Switch'; output: number; noutputs: number }
  | { cls: 'Counter'; count: number };

/** One router of one guest. */
export class StandinRouter {
  readonly elements = new Map<string, StandinElement>();
  /** jiffies, advanced by tests */
  now = 1000;
  constructor(readonly pm: string, readonly rid = 0) {}
}

/** Click's EtherAddress operator<<: %02X-…. */
const etherOut = (e: string) => e.toUpperCase().replace(/:/g, '-');
/** Click's Timestamp operator<< for a jiffies difference (ms here): %ld.%06u. */
const ts = (ms: number) => `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;

export class ClickosHandlersStandin implements HandlerTransport {
  /** Every write_handler call, in order: what reached the "guest". */
  readonly writes: Array<HandlerRef & { value: string }> = [];
  readonly reads: HandlerRef[] = [];
  private readonly nodes = new Map<string, string>();
  private queue: Array<() => void> = [];
  private running = false;

  constructor(private readonly routers: StandinRouter[]) {}

  private router(ref: HandlerRef): StandinRouter | undefined {
    return this.routers.find((r) => r.pm === ref.pm && r.rid === ref.rid);
  }

  /** The guest's event loop: one event per turn of node's loop, like the watch thread. */
  private enqueue(ev: () => void): void {
    this.queue.push(ev);
    if (this.running) return;
    this.running = true;
    const step = () => {
      const next = this.queue.shift();
      if (!next) {
        this.running = false;
        return;
      }
      next();
      setImmediate(step);
    };
    setImmediate(step);
  }

  write_handler(ref: HandlerRef & { value: string }): Promise<void> {
    this.writes.push({ ...ref });
    const node = `${ref.pm}/${ref.rid}/elements/${ref.element}/${ref.handler}`;
    this.nodes.set(node, ref.value);
    // click.cc: the event carries only the path; the value is read when it is handled
    this.enqueue(() => {
      const r = this.router(ref);
      const e = r?.elements.get(ref.element);
      if (r && e) this.callWrite(r, e, ref.handler, this.nodes.get(node)!);
    });
    return Promise.resolve();
  }

  read_handler(ref: HandlerRef): Promise<string> {
    this.reads.push({ ...ref });
    return new Promise((resolve, reject) =>
      this.enqueue(() => {
        const r = this.router(ref);
        const e = r?.elements.get(ref.element);
        const v = r && e ? this.callRead(r, e, ref.handler) : undefined;
        if (v === undefined) reject(new Error(`no answer to ${ref.element}.${ref.handler} from router ${ref.rid} of ${ref.pm} (stand-in: as hostd's timeout)`));
        else resolve(v);
      }),
    );
  }

  private callRead(r: StandinRouter, e: StandinElement, h: string): string | undefined {
    if (h === 'class') return e.cls;
    switch (e.cls) {
      case 'ARPTable':
      case 'ARPQuerier':
        if (h === 'count') return e.countOverride ?? String(e.rows.size);
        if (h === 'table')
          return e.tableOverride ?? [...e.rows].sort((a, b) => a[1].liveAt - b[1].liveAt).map(([ip, row]) => `${ip} ${row.known ? 1 : 0} ${etherOut(row.eth)} ${ts(r.now - row.liveAt)}\n`).join('');
        return undefined;
      case 'Switch':
        return h === 'switch' ? String(e.output) : undefined;
      case 'Counter':
        return h === 'count' ? String(e.count) : undefined;
    }
  }

  /** Errors are printed on the guest's console and otherwise lost: no reply to a write. */
  private callWrite(r: StandinRouter, e: StandinElement, h: string, v: string): void {
    if ((e.cls === 'ARPTable' || e.cls === 'ARPQuerier') && h === 'insert') {
      // Args(...).push_back_words(str).read_mp("IP", ip).read_mp("ETH", eth).complete()
      const w = v.trim().split(/\s+/);
      if (w.length !== 2 || !/^\d+\.\d+\.\d+\.\d+$/.test(w[0]!) || !/^[0-9A-Fa-f]{1,2}([-:][0-9A-Fa-f]{1,2}){5}$/.test(w[1]!)) return;
      const eth = w[1]!.split(/[-:]/).map((x) => x.padStart(2, '0')).join('-').toUpperCase();
      e.rows.set(w[0]!, { eth, known: eth !== 'FF-FF-FF-FF-FF-FF', liveAt: r.now });
    } else if (e.cls === 'Switch' && h === 'switch') {
      const n = Number(v);
      if (Number.isInteger(n)) e.output = n >= e.noutputs ? -1 : n;
    }
  }
}
