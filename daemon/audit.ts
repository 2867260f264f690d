// Audit log of state-changing calls: one JSON object per line (time, peer, who,
// method, a bounded summary of the arguments, result code and message). Argument
// summaries cut long strings, give byte strings as length + hash and redact members
// that look like secrets, so the log neither leaks nor grows with request size.
import { createWriteStream, type WriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Encodable } from './xmlrpc/values.js';

export interface AuditEntry {
  time: string;
  peer?: string;
  who: string | null;
  method: string;
  args?: unknown;
  task?: string;
  code: number | string;
  message?: string;
}

const SECRET_NAME = /secret|password|passwd|token|key/i;

export function summarize(v: Encodable | unknown, depth = 0): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 80)}…(${v.length} chars)` : v;
  if (v instanceof Uint8Array) return `<${v.length} bytes sha256:${createHash('sha256').update(v).digest('hex').slice(0, 16)}>`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (depth >= 4) return '…';
  if (Array.isArray(v)) {
    const head = v.slice(0, 10).map((x) => summarize(x, depth + 1));
    if (v.length > 10) head.push(`…(${v.length} items)`);
    return head;
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(v as object);
    for (const k of keys.slice(0, 20)) {
      const key = k.length > 40 ? `${k.slice(0, 40)}…` : k;
      Object.defineProperty(out, key, {
        value: SECRET_NAME.test(k) ? '<redacted>' : summarize((v as Record<string, unknown>)[k], depth + 1),
        enumerable: true,
      });
    }
    if (keys.length > 20) out['…'] = `${keys.length} members`;
    return out;
  }
  return String(typeof v);
}

export interface AuditLog {
  write(e: Omit<AuditEntry, 'time'>): void;
  close(): Promise<void>;
}

export function openAuditLog(path: string | undefined): AuditLog {
  if (!path) return { write() {}, close: async () => {} };
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', (e) => process.stderr.write(`audit log ${path}: ${e.message}\n`));
  return {
    write(e) {
      stream.write(JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n');
    },
    close: () => new Promise<void>((r) => stream.end(() => r())),
  };
}
