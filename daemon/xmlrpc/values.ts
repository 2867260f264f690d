// The XML-RPC value set: JS value -> <value> XML, and the text of a scalar element ->
// JS value (decoder.ts walks the elements). Decoding is strict (out of range numbers,
// bad base64 or dates are faults) because every byte comes from the network; encoding
// refuses what the other side could not read back faithfully.
import { Fault, FaultCode } from './fault.js';

/** Forces <double> for a number that happens to be integral (2.0 would otherwise go out as <int>). */
export class Double {
  constructor(readonly value: number) {}
}

export type XmlRpcStruct = { [member: string]: XmlRpcValue };
export type XmlRpcValue =
  | null // <nil/>
  | boolean
  | number // <int> when integral and within i4, <double> otherwise
  | string
  | Date // <dateTime.iso8601>, UTC, whole seconds
  | Buffer // <base64>
  | Double
  | XmlRpcValue[]
  | XmlRpcStruct;

/** Values accepted by the encoder: undefined is sent as nil (a "void" ReturnValue.value), any Uint8Array as base64. */
export type Encodable = XmlRpcValue | undefined | Uint8Array | Encodable[] | { [member: string]: Encodable };

export const I4_MIN = -2147483648;
export const I4_MAX = 2147483647;
const I8_MIN = -(2n ** 63n);
const I8_MAX = 2n ** 63n - 1n;
/** Nesting limit for both directions: deeper documents are refused, not recursed into. */
export const MAX_DEPTH = 64;

const NEEDS_ESCAPE = /[&<>\r]/;

export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s; // most strings: no copy, no callback per character
  // \r as a character reference: a literal one would be normalised to \n by XML parsers.
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

// Characters XML 1.0 cannot carry at all, even escaped, plus lone surrogates.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasNonXmlChars(s: string): boolean {
  return NOT_XML.test(s);
}

function encodeString(s: string, what: string): string {
  if (hasNonXmlChars(s)) throw new TypeError(`${what} holds characters XML cannot carry (send bytes as base64)`);
  return escapeXml(s);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new TypeError('invalid Date');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new TypeError('dateTime year outside 0000..9999');
  return `${pad(y, 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function encodeNumber(n: number, forceDouble: boolean): string {
  if (!Number.isFinite(n)) throw new TypeError(`XML-RPC has no ${n}`);
  if (!forceDouble && Number.isInteger(n) && n >= I4_MIN && n <= I4_MAX) return `<int>${n}</int>`;
  // Integers beyond i4 go out as double: exact up to 2^53, and readable by every client.
  return `<double>${formatDouble(n)}</double>`;
}

/**
 * A finite double in the spec's notation: sign, digits, point, digits, never an
 * exponent (strict parsers refuse String(1e21) = "1e+21"). The digits are JS's
 * shortest round-trip ones, so the value reads back exactly.
 */
export function formatDouble(n: number): string {
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  const m = /^(-?)([0-9])(?:\.([0-9]+))?e([+-][0-9]+)$/.exec(s);
  if (!m) return s;
  const [, sign, first, rest = '', exp] = m;
  const digits = first! + rest;
  const point = 1 + Number(exp); // where the decimal point goes in `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function isPlainObject(v: object): v is { [k: string]: Encodable } {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

export function encodeValue(v: Encodable, depth = 0): string {
  if (depth > MAX_DEPTH) throw new TypeError(`value nested deeper than ${MAX_DEPTH}`);
  return `<value>${encodeInner(v, depth)}</value>`;
}

function encodeInner(v: Encodable, depth: number): string {
  if (v === null || v === undefined) return '<nil/>';
  switch (typeof v) {
    case 'boolean':
      return `<boolean>${v ? 1 : 0}</boolean>`;
    case 'number':
      return encodeNumber(v, false);
    case 'string':
      return `<string>${encodeString(v, 'string')}</string>`;
    case 'object':
      break;
    default:
      throw new TypeError(`cannot encode a ${typeof v} in XML-RPC`);
  }
  if (v instanceof Double) return encodeNumber(v.value, true);
  if (v instanceof Date) return `<dateTime.iso8601>${formatDateTime(v)}</dateTime.iso8601>`;
  if (v instanceof Uint8Array) return `<base64>${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}</base64>`;
  if (Array.isArray(v)) {
    let out = '<array><data>';
    for (const x of v) out += encodeValue(x, depth + 1);
    return `${out}</data></array>`;
  }
  if (!isPlainObject(v)) throw new TypeError(`cannot encode a ${(v as object).constructor?.name ?? 'object'} in XML-RPC`);
  let out = '<struct>';
  for (const k of Object.keys(v)) out += `<member><name>${encodeString(k, 'struct member name')}</name>${encodeValue(v[k], depth + 1)}</member>`;
  return `${out}</struct>`;
}

// ---- decoding -------------------------------------------------------------------

function invalid(msg: string): Fault {
  return new Fault(FaultCode.INVALID_XMLRPC, msg);
}

const INT_RE = /^[+-]?[0-9]+$/;
// XML-RPC's grammar has no exponent, but Python (repr) and others send one: accepted.
const DOUBLE_RE = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const DATE_RE = /^([0-9]{4})-?([0-9]{2})-?([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseInt4(s: string): number {
  const t = s.trim();
  if (!INT_RE.test(t) || t.length > 12) throw invalid(`not an i4: ${JSON.stringify(s.slice(0, 40))}`);
  const n = Number(t);
  if (n < I4_MIN || n > I4_MAX) throw invalid(`integer out of i4 range: ${t}`);
  return n === 0 ? 0 : n; // no -0 from "-0"
}

/**
 * <i8> (Perl's RPC::XML and Apache's extensions send it for integers beyond i4). A JS
 * number holds integers exactly only up to 2^53: larger ones are refused, not rounded.
 */
export function parseInt8(s: string): number {
  const t = s.trim();
  if (!INT_RE.test(t) || t.length > 21) throw invalid(`not an i8: ${JSON.stringify(s.slice(0, 40))}`);
  const n = BigInt(t);
  if (n < I8_MIN || n > I8_MAX) throw invalid(`integer out of i8 range: ${t}`);
  if (n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`i8 ${t} is beyond 2^53 and cannot be held exactly`);
  const v = Number(n);
  return v === 0 ? 0 : v;
}

export function parseBoolean(s: string): boolean {
  const t = s.trim();
  if (t !== '0' && t !== '1') throw invalid(`boolean must be 0 or 1, not ${JSON.stringify(t.slice(0, 20))}`);
  return t === '1';
}

export function parseDouble(s: string): number {
  const t = s.trim();
  if (!DOUBLE_RE.test(t) || t.length > 400) throw invalid(`not a double: ${JSON.stringify(s.slice(0, 40))}`);
  const n = Number(t);
  if (!Number.isFinite(n)) throw invalid(`double out of range: ${t.slice(0, 40)}`);
  return n;
}

export function parseDateTime(s: string): Date {
  const m = DATE_RE.exec(s.trim());
  if (!m) throw invalid(`not a dateTime.iso8601: ${JSON.stringify(s.slice(0, 40))}`);
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  let ms = Date.UTC(y, mo - 1, d, h, mi, se);
  const date = new Date(ms);
  // Date.UTC rolls 31 Feb over into March: a field that changed was out of range.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== se)
    throw invalid(`dateTime out of range: ${s.trim()}`);
  const tz = m[7];
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const off = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (off > 14 * 60) throw invalid(`timezone offset out of range: ${tz}`);
    ms -= sign * off * 60_000;
  }
  // No zone means UTC: XML-RPC leaves it to the parties, and this project uses UTC everywhere.
  return new Date(ms);
}

export function parseBase64(s: string): Buffer {
  const t = s.replace(/[ \t\r\n]+/g, ''); // line-wrapped base64 (Python's encodebytes) is fine
  if (!B64_RE.test(t)) throw invalid('invalid base64');
  return Buffer.from(t, 'base64');
}

export function setMember(o: XmlRpcStruct, k: string, v: XmlRpcValue): void {
  // defineProperty: a member called "__proto__" must stay a plain member, not a prototype.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}
