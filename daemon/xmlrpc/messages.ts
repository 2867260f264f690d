// methodCall / methodResponse / fault documents, both directions.
import { Fault, FaultCode } from './fault.js';
import { parseXml, type XmlNode } from './xml.js';
import {
  type Encodable,
  type XmlRpcValue,
  childNodes,
  decodeValue,
  elementNames,
  encodeValue,
  escapeXml,
  expectElements,
  leafText,
  onlyChild,
} from './values.js';

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

function root(doc: XmlNode, expected: string): XmlNode {
  const names = elementNames(doc);
  if (names.length !== 1 || names[0] !== expected) throw new Fault(FaultCode.INVALID_XMLRPC, `root element must be <${expected}>`);
  const r = doc[expected] as unknown; // explicitRoot: the root is an object, not an array
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Fault(FaultCode.INVALID_XMLRPC, `root element must be <${expected}>`);
  return r as XmlNode;
}

function decodeParams(node: XmlNode): XmlRpcValue[] {
  const params = childNodes(node, 'params');
  if (params.length > 1) throw new Fault(FaultCode.INVALID_XMLRPC, 'more than one <params>');
  if (params.length === 0) return [];
  expectElements(params[0]!, 'params', ['param']);
  return childNodes(params[0]!, 'param').map((p) => {
    expectElements(p, 'param', ['value']);
    return decodeValue(onlyChild(p, 'value', 'param'));
  });
}

export function decodeCall(text: string): MethodCall {
  const call = root(parseXml(text), 'methodCall');
  expectElements(call, 'methodCall', ['methodName', 'params']);
  const methodName = leafText(onlyChild(call, 'methodName', 'methodCall'), 'methodName').trim();
  if (!METHOD_NAME_RE.test(methodName)) throw new Fault(FaultCode.INVALID_XMLRPC, 'invalid method name');
  return { methodName, params: decodeParams(call) };
}

/** Decodes a methodResponse: the value, or throws the Fault it carries. */
export function decodeResponse(text: string): XmlRpcValue {
  const resp = root(parseXml(text), 'methodResponse');
  expectElements(resp, 'methodResponse', ['params', 'fault']);
  const faults = childNodes(resp, 'fault');
  if (faults.length > 0) {
    if (faults.length !== 1 || elementNames(resp).length !== 1) throw new Fault(FaultCode.INVALID_XMLRPC, 'malformed fault response');
    expectElements(faults[0]!, 'fault', ['value']);
    const v = decodeValue(onlyChild(faults[0]!, 'value', 'fault'));
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || Buffer.isBuffer(v))
      throw new Fault(FaultCode.INVALID_XMLRPC, 'fault value must be a struct');
    const s = v as { faultCode?: unknown; faultString?: unknown };
    if (typeof s.faultCode !== 'number' || typeof s.faultString !== 'string')
      throw new Fault(FaultCode.INVALID_XMLRPC, 'fault needs an int faultCode and a string faultString');
    throw new Fault(s.faultCode, s.faultString);
  }
  const params = decodeParams(resp);
  if (params.length !== 1) throw new Fault(FaultCode.INVALID_XMLRPC, 'a response carries exactly one value');
  return params[0]!;
}
