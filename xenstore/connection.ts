// Transports: they only move framed packets. The Unix socket of xenstored in
// dom0, or the kernel's /dev/xen/xenbus device (in a guest, or a dom0 whose
// xenstored runs in a stub domain).
import { connect as netConnect, type Socket } from 'node:net';
import { open, type FileHandle } from 'node:fs/promises';
import { frame, Op, PacketDecoder, type Packet } from './wire.js';
import { XenStoreConnectionError } from './errors.js';

export interface Connection {
  readonly description: string;
  /** Sends one whole request (see wire.frame). */
  send(frame: Buffer): void;
  /** Called once per complete packet received. */
  onPacket: (p: Packet) => void;
  /** Called once when the transport ends; `err` is undefined after close(). */
  onClose: (err?: Error) => void;
  close(): void;
}

export const DEFAULT_SOCKET = '/var/run/xenstored/socket';
export const XENBUS_DEVICE = '/dev/xen/xenbus';

/**
 * libxenstore's rule (xs_daemon_socket): XENSTORED_PATH, else `socket` in XENSTORED_RUNDIR,
 * else the default socket (docs/xenstore.md).
 */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XENSTORED_PATH) return env.XENSTORED_PATH;
  if (env.XENSTORED_RUNDIR) return `${env.XENSTORED_RUNDIR}/socket`;
  return DEFAULT_SOCKET;
}

class SocketConnection implements Connection {
  onPacket: (p: Packet) => void = () => {};
  onClose: (err?: Error) => void = () => {};
  private readonly decoder = new PacketDecoder();
  private closing = false;

  constructor(
    private readonly sock: Socket,
    readonly description: string,
  ) {
    sock.setNoDelay(true);
    let reported = false;
    const report = (err?: Error): void => {
      if (reported) return;
      reported = true;
      this.onClose(this.closing ? undefined : new XenStoreConnectionError(`connection to ${description} lost${err ? `: ${err.message}` : ''}`));
    };
    sock.on('error', report);
    sock.on('close', () => report());
  }

  send(frame: Buffer): void {
    // Written at once (no cork): measured in the lab, sending each request as soon
    // as it is made keeps xenstored busier than batching them per tick.
    this.sock.write(frame);
  }

  close(): void {
    this.closing = true;
    this.sock.end();
    this.sock.destroy();
  }

  /** Bytes read into the shared buffer (see connectSocket's onread). */
  received(bytes: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.decoder.push(bytes);
    } catch (e) {
      this.sock.destroy(e as Error);
      return;
    }
    for (const p of packets) this.onPacket(p);
  }
}

export function connectSocket(path = defaultSocketPath()): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let conn: SocketConnection | undefined;
    // onread skips the Readable stream machinery: reads land in one reused buffer
    // (the decoder copies each packet out), which matters when every JS step is emulated.
    const sock = netConnect({
      path,
      onread: {
        buffer: Buffer.alloc(64 * 1024),
        callback: (n: number, buf: Buffer) => {
          conn?.received(buf.subarray(0, n));
          return true;
        },
      },
    });
    sock.once('connect', () => {
      sock.removeAllListeners('error');
      conn = new SocketConnection(sock, `xenstored at ${path}`);
      resolve(conn);
    });
    sock.once('error', (e) => reject(new XenStoreConnectionError(`cannot connect to xenstored at ${path}: ${e.message}`)));
  });
}

class XenbusConnection implements Connection {
  onPacket: (p: Packet) => void = () => {};
  onClose: (err?: Error) => void = () => {};
  private readonly decoder = new PacketDecoder();
  private closing = false;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fh: FileHandle,
    readonly description: string,
  ) {
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    const buf = Buffer.alloc(65536);
    try {
      for (;;) {
        const { bytesRead } = await this.fh.read(buf, 0, buf.length, null);
        if (this.closing) break;
        if (bytesRead === 0) throw new Error('end of file');
        for (const p of this.decoder.push(Buffer.from(buf.subarray(0, bytesRead)))) this.onPacket(p);
      }
      this.onClose();
    } catch (e) {
      this.onClose(this.closing ? undefined : new XenStoreConnectionError(`${this.description} failed: ${(e as Error).message}`));
    }
    await this.fh.close().catch(() => {});
  }

  send(frame: Buffer): void {
    // One whole message per write(2): the kernel device parses messages per write.
    this.writes = this.writes.then(() => this.fh.write(frame)).catch((e: Error) => this.fail(e));
  }

  private fail(e: Error): void {
    if (this.closing) return;
    this.closing = true;
    this.onClose(new XenStoreConnectionError(`${this.description} failed: ${e.message}`));
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    // The read(2) blocked in libuv's thread pool returns only with data, and would
    // keep the process alive: ask for one harmless reply to wake it, then it closes.
    const wake = frame(Op.GET_DOMAIN_PATH, 0, ['0']);
    this.writes = this.writes.then(() => this.fh.write(wake)).catch(() => {});
  }
}

export async function connectXenbus(path = XENBUS_DEVICE): Promise<Connection> {
  try {
    return new XenbusConnection(await open(path, 'r+'), `xenbus device ${path}`);
  } catch (e) {
    throw new XenStoreConnectionError(`cannot open ${path}: ${(e as Error).message}`);
  }
}
