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

/** A success whose value has a known type (a method's declared result). */
export type Success<T extends Encodable = Encodable> = { code: typeof CODE_SUCCESS; message: string; value: T };
export type Failure = { code: typeof CODE_FAILURE; message: string; value: Encodable };

export function ok<T extends Encodable = null>(value: T = null as T, message = 'ok'): Success<T> {
  return { code: CODE_SUCCESS, message, value };
}

export function fail(message: string, value: Encodable = null): Failure {
  return { code: CODE_FAILURE, message, value };
}

/**
 * A failure a client can tell apart without reading the message: value {error: code,
 * ...details}, the code being one its daemon's API module declares.
 */
export function failWith(error: string, message: string, details: Record<string, Encodable> = {}): Failure {
  return fail(message, { ...details, error });
}

/** The error code of a failure (see failWith), if it carries one. */
export function errorOf(rv: ReturnValue): string | undefined {
  const v = rv.value;
  if (rv.code !== CODE_FAILURE || v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v) || v instanceof Date) return undefined;
  const e = (v as Record<string, unknown>).error;
  return typeof e === 'string' ? e : undefined;
}

export function notReady(message: string, value: Encodable = null): ReturnValue {
  return { code: CODE_NOT_READY, message, value };
}

export function isReturnValue(v: unknown): v is ReturnValue {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (r.code === -1 || r.code === 0 || r.code === 1) && typeof r.message === 'string' && 'value' in r;
}
