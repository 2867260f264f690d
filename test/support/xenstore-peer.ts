// A scripted XenStore peer on a real Unix socket: the test decides exactly which
// bytes go back and how they are cut, to exercise the client's framing.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, PacketDecoder, type Packet } from '../../xenstore/wire.js';

export class ScriptedPeer {
  readonly path: string;
  /** the socket's own folder, removed by stop() */
  private readonly dir: string;
  private readonly server: Server;
  private sock: Socket | undefined;
  private readonly decoder = new PacketDecoder();
  private readonly received: Packet[] = [];
  private waiters: (() => void)[] = [];

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'xs-peer-'));
    this.path = join(this.dir, 'socket');
    this.server = createServer((s) => {
      this.sock = s;
      s.on('data', (d: Buffer) => {
        this.received.push(...this.decoder.push(d));
        for (const w of this.waiters.splice(0)) w();
      });
      s.on('error', () => {});
    });
  }

  static async start(): Promise<ScriptedPeer> {
    const p = new ScriptedPeer();
    try {
      await new Promise<void>((resolve, reject) => {
        p.server.once('error', reject);
        p.server.listen(p.path, resolve);
      });
    } catch (e) {
      rmSync(p.dir, { recursive: true, force: true });
      throw e;
    }
    return p;
  }

  /** Waits until `n` requests have arrived in total and returns them all. */
  async requests(n: number): Promise<Packet[]> {
    while (this.received.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.received.slice(0, n);
  }

  /** Sends raw bytes, optionally cut into pieces with a pause between them. */
  async sendRaw(bytes: Buffer, cuts: number[] = []): Promise<void> {
    let at = 0;
    for (const c of [...cuts, bytes.length]) {
      this.sock!.write(bytes.subarray(at, c));
      at = c;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  reply(req: Packet, type: number, payload: string | Buffer): Buffer {
    return encode({ type, reqId: req.reqId, txId: req.txId, payload: typeof payload === 'string' ? Buffer.from(payload) : payload });
  }

  dropConnection(): void {
    this.sock?.destroy();
  }

  /** Closes the peer and removes its folder; safe to call twice (a test may stop it early, teardown again). */
  async stop(): Promise<void> {
    this.sock?.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
