// Safe XML intake for XML-RPC, the part that runs before any parser: bytes to text
// (UTF-8 only) and a pre-scan of plain string searches. It refuses any "<!" (DOCTYPE,
// ENTITY, comments, CDATA: no XML-RPC client needs them, and a billion-laughs body dies
// here in one indexOf, before sax sees an entity), processing instructions other than
// the leading declaration, characters XML 1.0 forbids and the one tag spelling sax
// lets through. Attributes, roots, nesting and well-formedness are checked as sax
// streams the document (decoder.ts).
import { Fault, FaultCode } from './fault.js';

/** Element nesting limit; values nest 3 elements per level (value/array/data). */
export const MAX_ELEMENT_DEPTH = 256;
export const MAX_ELEMENTS = 200_000;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function parseError(msg: string): Fault {
  return new Fault(FaultCode.PARSE_ERROR, msg);
}

/** Bytes -> text: UTF-8 only, invalid sequences refused rather than replaced. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new Fault(FaultCode.UNSUPPORTED_ENCODING, 'body is not valid UTF-8');
  }
}

const DECL_RE = /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]\1(?:\s+encoding\s*=\s*(["'])([A-Za-z0-9._-]+)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/;
// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// sax lets "< name>" and "</ name>" pass; XML does not (and text cannot hold a bare "<").
const SPACED_TAG = /<\/?\s/;

/** The pre-scan; returns the text with a BOM and the XML declaration removed. */
export function prescan(text: string): string {
  if (text.includes('<!')) throw parseError('DTDs, entities, comments and CDATA are refused');
  if (BAD_CHARS.test(text)) throw parseError('characters not allowed in XML 1.0');
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (s.startsWith('<?xml')) {
    const m = DECL_RE.exec(s);
    if (!m) throw parseError('malformed XML declaration');
    const enc = m[3]?.toLowerCase();
    if (enc !== undefined && enc !== 'utf-8' && enc !== 'utf8' && enc !== 'us-ascii' && enc !== 'ascii')
      throw new Fault(FaultCode.UNSUPPORTED_ENCODING, `encoding ${m[3]} not supported (UTF-8 only)`);
    s = s.slice(m[0].length);
  }
  if (s.includes('<?')) throw parseError('processing instructions are refused');
  if (!s.includes('<')) throw parseError('no root element');
  const bad = SPACED_TAG.exec(s);
  if (bad) throw parseError(`malformed tag ${JSON.stringify(s.slice(bad.index, bad.index + 40))}`);
  return s;
}
