// methodCall / methodResponse / fault documents, both directions.
import { Fault, FaultCode } from './fault.js';
import { decodeDocument } from './decoder.js';
import { type Encodable, type XmlRpcValue, encodeValue, escapeXml } from './values.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const METHOD_NAME_RE = /^[A-Za-z0-9_.:/-]{1,128}$/;

export interface MethodCall {
  methodName: string;
  params: XmlRpcValue[];
}

export function encodeCall(methodName: string, params: readonly Encodable[]): string {
  if (!METHOD_NAME_RE.test(methodName)) throw new TypeError(`invalid method name ${JSON.stringify(methodName)}`);
  const ps = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `${DECL}<methodCall><methodName>${escapeXml(methodName)}</methodName><params>${ps}</params></methodCall>\n`;
}

export function encodeResponse(value: Encodable): string {
  return `${DECL}<methodResponse><params><param>${encodeValue(value)}</param></params></methodResponse>\n`;
}

export function encodeFault(f: Fault): string {
  // Fault strings come from our own messages, which may quote request text: keep it XML-safe.
  const s = f.faultString.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '\uFFFD');
  return `${DECL}<methodResponse><fault>${encodeValue({ faultCode: f.faultCode, faultString: s })}</fault></methodResponse>\n`;
}

export function decodeCall(text: string): MethodCall {
  const d = decodeDocument(text, 'methodCall');
  const methodName = d.methodName.trim();
  if (!METHOD_NAME_RE.test(methodName)) throw new Fault(FaultCode.INVALID_XMLRPC, 'invalid method name');
  return { methodName, params: d.params ?? [] };
}

/** Decodes a methodResponse: the value, or throws the Fault it carries. */
export function decodeResponse(text: string): XmlRpcValue {
  const d = decodeDocument(text, 'methodResponse');
  if (d.hasFault) {
    const v = d.fault;
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || Buffer.isBuffer(v))
      throw new Fault(FaultCode.INVALID_XMLRPC, 'fault value must be a struct');
    const s = v as { faultCode?: unknown; faultString?: unknown };
    if (typeof s.faultCode !== 'number' || typeof s.faultString !== 'string')
      throw new Fault(FaultCode.INVALID_XMLRPC, 'fault needs an int faultCode and a string faultString');
    throw new Fault(s.faultCode, s.faultString);
  }
  const params = d.params ?? [];
  if (params.length !== 1) throw new Fault(FaultCode.INVALID_XMLRPC, 'a response carries exactly one value');
  return params[0]!;
}
