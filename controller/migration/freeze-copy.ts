// Freeze-and-copy (D3.2 §2.3.2.2) of named Click elements from the old replica of a moved
// prefix to the new one, through their handlers (README.md "Freeze-and-copy"). The caller
// freezes (stops sending the old replica traffic: the switch step), calls copy(), and
// unfreezes. planFreezeCopy refuses, before anything is frozen, an element that is missing
// or whose class has no codec. copy() reads and parses every state before it writes
// anything, so a malformed state writes nothing to the new replica.
import { performance } from 'node:perf_hooks';
import { CLICKOS_MAX_WRITE_VALUE, ELEMENT_RE, clickosMaxReadReply } from '../../toolstack/limits.js';
import { whyNot } from './click-survey.js';
import { CODECS, type ElementCodec, type HandlerWrite } from './codecs/index.js';
import { CodecError, FreezeCopyIncomplete, FreezeCopyRefused } from './errors.js';
import type { HandlerTransport, RouterRef } from './handler-transport.js';

export interface FreezeCopyRequest {
  from: RouterRef;
  to: RouterRef;
  /** top-level element names, the same on both replicas (both run the module's config) */
  elements: string[];
}

export interface ElementCopy {
  element: string;
  className: string;
  /** entries of the old replica's state that the copy carries */
  entries: number;
  /** write handler calls made on the new replica (entries it already had are skipped) */
  writes: number;
  /** bytes of the old replica's export (the handler's text) */
  exportBytes: number;
  /** bytes of the values written */
  importBytes: number;
}

export interface FreezeCopyResult {
  elements: ElementCopy[];
  /** reading both replicas' states (and their size bounds) */
  readMs: number;
  /** the writes, each followed by a read that proves ClickOS handled it */
  writeMs: number;
  /** reading the new replica's state back and comparing */
  verifyMs: number;
  /** what the flows waited for: everything between copy()'s start and its return */
  downtimeMs: number;
}

/** The barrier after a write: every element has `class` (lib/element.cc add_default_handlers), short and not writable. */
const BARRIER = 'class';

interface Planned {
  element: string;
  className: string;
  codec: ElementCodec<unknown>;
}

const where = (r: RouterRef) => `pm ${r.pm} router ${r.rid}`;
const bytes = (s: string) => Buffer.byteLength(s);

export class FreezeCopyPlan {
  private used = false;

  constructor(
    private readonly t: HandlerTransport,
    readonly request: FreezeCopyRequest,
    readonly planned: readonly Planned[],
  ) {}

  /**
   * Copies every planned element's state; call it while the old replica is frozen. Throws
   * FreezeCopyRefused / CodecError before any write (nothing written), FreezeCopyIncomplete
   * after them when the new replica's state lacks part of the old one's.
   */
  async copy(): Promise<FreezeCopyResult> {
    if (this.used) throw new FreezeCopyRefused('this plan was used: plan again (states change between moves)');
    this.used = true;
    const { from, to } = this.request;
    const t0 = performance.now();

    // 1. read and parse everything, old and new, before the first write
    const staged = await Promise.all(
      this.planned.map(async (p) => {
        const [oldText, newText] = await Promise.all([this.exportText(from, p, 'old'), this.exportText(to, p, 'new')]);
        const parse = (text: string, side: string) => {
          try {
            return p.codec.parse(text);
          } catch (e) {
            if (e instanceof CodecError) throw new CodecError(`${p.element} (${p.className}) on the ${side} replica, ${where(side === 'old' ? from : to)}: ${e.message}`);
            throw e;
          }
        };
        const oldState = parse(oldText, 'old');
        const writes = p.codec.importWrites(oldState, parse(newText, 'new'));
        for (const w of writes)
          if (bytes(w.value) > CLICKOS_MAX_WRITE_VALUE)
            throw new FreezeCopyRefused(`${p.element}.${w.handler}: a ${bytes(w.value)}-byte value is more than ClickOS reads (${CLICKOS_MAX_WRITE_VALUE}, toolstack/limits.ts)`);
        return { p, oldText, oldState, writes };
      }),
    );
    const t1 = performance.now();

    // 2. write, one call at a time: ClickOS reads a handler node's value when it handles the
    // watch event, so a second write to the same node before then would replace the first.
    // The barrier read is answered after the write's event, in order (minios/click.cc main loop).
    for (const s of staged) for (const w of s.writes) await this.write(to, s.p.element, w);
    const t2 = performance.now();

    // 3. read the new replica's state back: everything the old one had must be there
    const lacking: string[] = [];
    await Promise.all(
      staged.map(async (s) => {
        const got = s.p.codec.parse(await this.exportText(to, s.p, 'new'));
        for (const m of s.p.codec.missing(s.oldState, got)) lacking.push(`${s.p.element}: ${m}`);
      }),
    );
    const t3 = performance.now();
    if (lacking.length) throw new FreezeCopyIncomplete(`after the copy to ${where(to)}: ${lacking.join('; ')}`);
    return {
      elements: staged.map((s) => ({
        element: s.p.element,
        className: s.p.className,
        entries: s.p.codec.entries(s.oldState),
        writes: s.writes.length,
        exportBytes: bytes(s.oldText),
        importBytes: s.writes.reduce((n, w) => n + bytes(w.value), 0),
      })),
      readMs: t1 - t0,
      writeMs: t2 - t1,
      verifyMs: t3 - t2,
      downtimeMs: t3 - t0,
    };
  }

  /** The export handler's text, once its size bound says ClickOS can send it. */
  private async exportText(r: RouterRef, p: Planned, side: string): Promise<string> {
    const { bound, exportHandler } = p.codec;
    const max = clickosMaxReadReply(p.element, exportHandler);
    let need: number;
    if ('fixed' in bound) need = bound.fixed;
    else {
      const v = await this.t.read_handler({ ...r, element: p.element, handler: bound.handler });
      need = bound.bytes(v);
    }
    if (need > max)
      throw new FreezeCopyRefused(
        `${p.element}.${exportHandler} on the ${side} replica (${where(r)}) may answer up to ${need} bytes; a ClickOS guest sends at most ${max} for it (the XenStore ring, toolstack/limits.ts clickosMaxReadReply): nothing copied`,
      );
    return this.t.read_handler({ ...r, element: p.element, handler: exportHandler });
  }

  private async write(r: RouterRef, element: string, w: HandlerWrite): Promise<void> {
    await this.t.write_handler({ ...r, element, handler: w.handler, value: w.value });
    await this.t.read_handler({ ...r, element, handler: BARRIER });
  }
}

/**
 * Checks a freeze-and-copy before the caller freezes anything: the names, each element's
 * class on both replicas (the `class` handler; an element that does not answer is missing)
 * and that the class has a codec. Refuses with FreezeCopyRefused naming the element, its
 * class and why (click-survey.ts).
 */
export async function planFreezeCopy(t: HandlerTransport, req: FreezeCopyRequest, codecs: ReadonlyMap<string, ElementCodec<unknown>> = CODECS): Promise<FreezeCopyPlan> {
  if (!Array.isArray(req.elements) || req.elements.length === 0) throw new FreezeCopyRefused('no element to copy: name at least one');
  if (req.from.pm === req.to.pm && req.from.rid === req.to.rid) throw new FreezeCopyRefused(`the old and new replica are the same router (${where(req.from)})`);
  const dup = req.elements.find((e, i) => req.elements.indexOf(e) !== i);
  if (dup !== undefined) throw new FreezeCopyRefused(`element ${dup} is named twice`);
  for (const e of req.elements)
    if (typeof e !== 'string' || !ELEMENT_RE.test(e))
      throw new FreezeCopyRefused(`"${String(e)}" is not a top-level Click element name (ClickOS cannot address a compound's a/b, docs/clickos.md §3)`);
  const classOf = async (r: RouterRef, element: string, side: string) => {
    try {
      return (await t.read_handler({ ...r, element, handler: 'class' })).trim();
    } catch (e) {
      throw new FreezeCopyRefused(`element ${element} does not answer on the ${side} replica (${where(r)}): is it in the running config? (${(e as Error).message})`);
    }
  };
  const planned = await Promise.all(
    req.elements.map(async (element): Promise<Planned> => {
      const [a, b] = await Promise.all([classOf(req.from, element, 'old'), classOf(req.to, element, 'new')]);
      if (a !== b) throw new FreezeCopyRefused(`element ${element} is a ${a} on the old replica and a ${b} on the new one: the replicas run different configs`);
      const codec = codecs.get(a);
      if (!codec) throw new FreezeCopyRefused(`element ${element} cannot be frozen and copied: ${whyNot(a)}`);
      return { element, className: a, codec };
    }),
  );
  return new FreezeCopyPlan(t, req, planned);
}
