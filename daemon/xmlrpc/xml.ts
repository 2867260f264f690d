// Safe XML intake for XML-RPC. xml2js (sax underneath) never expands a DTD, but it
// silently ignores anything after the root element and keeps no positions, so a cheap
// pre-scan runs first: it refuses any "<!" (DOCTYPE, ENTITY, comments, CDATA: no
// XML-RPC client needs them, and a billion-laughs body dies here in one indexOf),
// processing instructions other than the leading declaration, attributes, a second
// root, text outside the root and nesting deeper than the limit. Only then does xml2js
// check well-formedness and build the tree.
import xml2js from 'xml2js';
import { Fault, FaultCode } from './fault.js';

export const CHARKEY = '#text'; // '#' and '@' cannot start an XML name, so no tag can collide
export const ATTRKEY = '@attrs';
export type XmlNode = { [key: string]: XmlNode[] | string | undefined };

/** Element nesting limit of the pre-scan; values nest 3 elements per level (value/array/data). */
export const MAX_ELEMENT_DEPTH = 256;
export const MAX_ELEMENTS = 200_000;

const PARSER_OPTIONS: xml2js.ParserOptions = {
  explicitArray: true,
  explicitCharkey: true,
  charkey: CHARKEY,
  attrkey: ATTRKEY,
  trim: false,
  normalize: false,
  includeWhiteChars: true, // <string> </string> is one space, not empty
  explicitRoot: true,
  emptyTag: () => ({}),
  strict: true,
  async: false,
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseError(msg: string): Fault {
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
const TAG_RE = /^<(\/?)([A-Za-z_][A-Za-z0-9_.-]*)\s*(\/?)>$/;
// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

/** The structural pre-scan; returns the text with the XML declaration removed. */
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
  // With "<!" and "<?" gone and attributes refused, every "<" starts a tag and ends at the next ">".
  let depth = 0;
  let roots = 0;
  let elements = 0;
  let i = s.indexOf('<');
  if (i < 0) throw parseError('no root element');
  if (/\S/.test(s.slice(0, i))) throw parseError('text before the root element');
  let end = 0;
  while (i >= 0) {
    const j = s.indexOf('>', i);
    if (j < 0) throw parseError('unterminated tag');
    const m = TAG_RE.exec(s.slice(i, j + 1));
    if (!m) throw parseError(`malformed or attributed tag ${JSON.stringify(s.slice(i, Math.min(j + 1, i + 40)))}`);
    if (depth === 0 && roots++ > 0) throw parseError('more than one root element');
    if (m[1]) {
      if (m[3]) throw parseError('malformed end tag');
      depth--;
    } else {
      if (++elements > MAX_ELEMENTS) throw parseError('too many elements');
      if (!m[3] && ++depth > MAX_ELEMENT_DEPTH) throw parseError(`nested deeper than ${MAX_ELEMENT_DEPTH} elements`);
    }
    if (depth < 0) throw parseError('unbalanced end tag');
    end = j + 1;
    const next = s.indexOf('<', end);
    if (depth === 0 && next >= 0 && /\S/.test(s.slice(end, next))) throw parseError('text outside the root element');
    i = next;
  }
  if (depth !== 0) throw parseError('unclosed element');
  if (/\S/.test(s.slice(end))) throw parseError('text after the root element');
  return s;
}

/** Parses a whole XML-RPC document into an xml2js tree (root element as the only key). */
export function parseXml(text: string): XmlNode {
  const s = prescan(text);
  let result: XmlNode | undefined;
  let error: Error | null = null;
  // async:false: xml2js calls back synchronously (sax is synchronous), so no promise is needed.
  xml2js.parseString(s, PARSER_OPTIONS, (err, r) => {
    error = err;
    result = r as XmlNode;
  });
  if (error) throw parseError(`malformed XML: ${String((error as Error).message).split('\n')[0]}`);
  if (!result) throw parseError('empty document');
  return result;
}
