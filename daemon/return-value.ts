// D3.2's ReturnValue (§2.1.3, docs/platform.md): every task and command reply is
// {code, message, value}. Faults are kept for protocol-level refusals (bad XML,
// unauthenticated, unknown method, invalid arguments); a method that ran and failed
// answers CODE_FAILURE with an explanation in message.
import type { Encodable } from './xmlrpc/values.js';

export const CODE_NOT_READY = -1;
export const CODE_SUCCESS = 0;
export const CODE_FAILURE = 1;
export type ReturnCode = typeof CODE_NOT_READY | typeof CODE_SUCCESS | typeof CODE_FAILURE;

// A type alias, not an interface: aliases are assignable to the struct type Encodable.
export type ReturnValue = {
  code: ReturnCode;
  message: string;
  /** Function-specific; nil ("void") when there is nothing to return. */
  value: Encodable;
};

export function ok(value: Encodable = null, message = 'ok'): ReturnValue {
  return { code: CODE_SUCCESS, message, value };
}

export function fail(message: string, value: Encodable = null): ReturnValue {
  return { code: CODE_FAILURE, message, value };
}

export function notReady(message: string, value: Encodable = null): ReturnValue {
  return { code: CODE_NOT_READY, message, value };
}

export function isReturnValue(v: unknown): v is ReturnValue {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (r.code === -1 || r.code === 0 || r.code === 1) && typeof r.message === 'string' && 'value' in r;
}
