// XML-RPC faults. Codes follow the "specification for fault code interoperability"
// (xmlrpc-epi) so that generic clients can tell a parse error from a bad argument;
// -32001.. are this project's own (authentication, limits).

export const FaultCode = {
  PARSE_ERROR: -32700,
  UNSUPPORTED_ENCODING: -32701,
  INVALID_XMLRPC: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  APPLICATION_ERROR: -32500,
  UNAUTHENTICATED: -32001,
  FORBIDDEN: -32002,
  TOO_LARGE: -32003,
  TIMEOUT: -32004,
} as const;

export class Fault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(`fault ${faultCode}: ${faultString}`);
    this.name = 'Fault';
  }
}
