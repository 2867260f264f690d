// XenStore wire protocol constants and framing (xen/include/public/io/xs_wire.h,
// docs/misc/xenstore.txt). A message is a 16-byte little-endian header
// { type, req_id, tx_id, len } followed by `len` payload bytes.

export const Op = {
  CONTROL: 0,
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Op).map(([k, v]) => [v, k]));

export const HEADER_SIZE = 16;
/** Larger payloads make xenstored drop the connection. */
export const PAYLOAD_MAX = 4096;
export const ABS_PATH_MAX = 3072;
export const REL_PATH_MAX = 2048;

export interface Packet {
  type: number;
  reqId: number;
  txId: number;
  payload: Buffer;
}

/** Any packet as bytes (what a daemon sends: the scripted test peer's replies). */
export function encode(p: Packet): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + p.payload.length);
  writeHeader(buf, p.type, p.reqId, p.txId, p.payload.length);
  p.payload.copy(buf, HEADER_SIZE);
  return buf;
}

function writeHeader(buf: Buffer, type: number, reqId: number, txId: number, len: number): void {
  buf.writeUInt32LE(type, 0);
  buf.writeUInt32LE(reqId >>> 0, 4);
  buf.writeUInt32LE(txId >>> 0, 8);
  buf.writeUInt32LE(len, 12);
}

/**
 * A whole request in one buffer: header, then each of `args` NUL-terminated, then
 * `value` as is (WRITE's payload). req_id is left 0 for the router to fill in.
 * One allocation and no intermediate copies: every JS step counts under emulation.
 */
export function frame(type: number, txId: number, args: readonly string[], value?: string | Buffer): Buffer {
  let len = 0;
  for (const a of args) len += Buffer.byteLength(a) + 1;
  if (value !== undefined) len += typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  const buf = Buffer.allocUnsafe(HEADER_SIZE + len);
  writeHeader(buf, type, 0, txId, len);
  let at = HEADER_SIZE;
  for (const a of args) {
    at += buf.write(a, at);
    buf[at++] = 0;
  }
  if (typeof value === 'string') buf.write(value, at);
  else if (value !== undefined) value.copy(buf, at);
  return buf;
}

/** Sets the req_id of a request made by frame(). */
export function setRequestId(frame: Buffer, reqId: number): void {
  frame.writeUInt32LE(reqId >>> 0, 4);
}

/** Reassembles packets from a byte stream whatever the read boundaries. */
export class PacketDecoder {
  /** The start of a packet not yet complete (a copy: never the caller's buffer). */
  private rest: Buffer | undefined;

  /**
   * Feeds bytes; returns every packet now complete, in order. Throws on a corrupt
   * header. `data` may be a reused read buffer: nothing kept refers to it.
   */
  push(data: Buffer): Packet[] {
    let buf = data;
    if (this.rest) {
      buf = Buffer.concat([this.rest, data]);
      this.rest = undefined;
    }
    const out: Packet[] = [];
    let at = 0;
    while (buf.length - at >= HEADER_SIZE) {
      const len = buf.readUInt32LE(at + 12);
      // Replies may exceed PAYLOAD_MAX slightly in some daemons (oxenstored); refuse only absurd sizes.
      if (len > 16 * PAYLOAD_MAX) throw new Error(`corrupt XenStore stream: payload length ${len}`);
      const end = at + HEADER_SIZE + len;
      if (end > buf.length) break;
      const payload = Buffer.allocUnsafe(len); // a copy: the payload outlives the read buffer
      buf.copy(payload, 0, at + HEADER_SIZE, end);
      out.push({ type: buf.readUInt32LE(at), reqId: buf.readUInt32LE(at + 4), txId: buf.readUInt32LE(at + 8), payload });
      at = end;
    }
    // Keep the incomplete tail; copy it only if it is still the caller's buffer.
    if (at < buf.length) this.rest = buf === data ? Buffer.from(buf.subarray(at)) : buf.subarray(at);
    return out;
  }
}

/** Splits "a\0b\0" into ["a", "b"] (a trailing NUL ends the last string). */
export function splitStrings(payload: Buffer): string[] {
  if (payload.length === 0) return [];
  const s = payload.toString('utf8');
  const parts = s.split('\0');
  if (s.endsWith('\0')) parts.pop();
  return parts;
}
