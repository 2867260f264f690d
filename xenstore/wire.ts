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

export function encode(p: Packet): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + p.payload.length);
  buf.writeUInt32LE(p.type, 0);
  buf.writeUInt32LE(p.reqId >>> 0, 4);
  buf.writeUInt32LE(p.txId >>> 0, 8);
  buf.writeUInt32LE(p.payload.length, 12);
  p.payload.copy(buf, HEADER_SIZE);
  return buf;
}

/** Reassembles packets from a byte stream whatever the read boundaries. */
export class PacketDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /**
   * Feeds bytes; returns every packet now complete, in order. Throws on a corrupt
   * header. `data` may be a reused read buffer: nothing kept refers to it.
   */
  push(data: Buffer): Packet[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: Packet[] = [];
    while (this.buffered >= HEADER_SIZE) {
      const head = this.peek(HEADER_SIZE);
      const len = head.readUInt32LE(12);
      // Replies may exceed PAYLOAD_MAX slightly in some daemons (oxenstored); refuse only absurd sizes.
      if (len > 16 * PAYLOAD_MAX) throw new Error(`corrupt XenStore stream: payload length ${len}`);
      if (this.buffered < HEADER_SIZE + len) break;
      const whole = this.take(HEADER_SIZE + len);
      out.push({
        type: whole.readUInt32LE(0),
        reqId: whole.readUInt32LE(4),
        txId: whole.readUInt32LE(8),
        payload: whole.subarray(HEADER_SIZE),
      });
    }
    if (this.buffered > 0) this.chunks = [Buffer.concat(this.chunks)]; // copies
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const rest = this.chunks[0]!.subarray(n);
    if (rest.length > 0) this.chunks[0] = rest;
    else this.chunks.shift();
    this.buffered -= n;
    return Buffer.from(first); // copy: the payload outlives the read buffer
  }
}

/** NUL-terminated strings, as XenStore payloads carry them. */
export function joinStrings(parts: (string | Buffer)[]): Buffer {
  const bufs: Buffer[] = [];
  for (const p of parts) bufs.push(typeof p === 'string' ? Buffer.from(p) : p, Buffer.alloc(1));
  return Buffer.concat(bufs);
}

/** Splits "a\0b\0" into ["a", "b"] (a trailing NUL ends the last string). */
export function splitStrings(payload: Buffer): string[] {
  if (payload.length === 0) return [];
  const s = payload.toString('utf8');
  const parts = s.split('\0');
  if (s.endsWith('\0')) parts.pop();
  return parts;
}
