// A TCP relay in front of a real daemon that can lose the answer to one request: the
// request reaches the daemon and is carried out, but the caller's connection is cut
// before the reply gets back — what a caller sees when the daemon dies right after
// acting. Used to kill openflowd "mid-install" deterministically (its flows are in, its
// answer is not): test/unit/resourced-flows.test.ts.
import { createServer, connect, type Server, type Socket } from 'node:net';

export class AnswerDroppingRelay {
  private server?: Server;
  private armed?: { pattern: RegExp; onDrop: () => unknown; dropped: (request: string) => void; every: boolean };
  /** How many answers were dropped. */
  drops = 0;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on an ephemeral loopback port; resolves with it. */
  async start(): Promise<number> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return (this.server.address() as { port: number }).port;
  }

  /**
   * The next request whose text matches `pattern` is relayed, and its answer dropped:
   * `onDrop` runs first (say, to kill the daemon), then the caller's connection is cut.
   * Resolves with the request's text once dropped. With `every`, every such answer is
   * dropped until disarm() (a client that resends on a cut keep-alive connection, as
   * daemon/xmlrpc/client.ts does, loses the resent one's too).
   */
  dropNextAnswer(pattern: RegExp, onDrop: () => unknown = () => {}, every = false): Promise<string> {
    return new Promise((dropped) => (this.armed = { pattern, onDrop, dropped, every }));
  }

  disarm(): void {
    this.armed = undefined;
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target);
    this.sockets.add(client).add(upstream);
    let request = '';
    let dropping = false;
    client.on('data', (b) => {
      request += b.toString('latin1');
      if (this.armed?.pattern.test(request)) dropping = true;
      upstream.write(b);
    });
    upstream.on('data', (b) => {
      if (!dropping) {
        request = '';
        client.write(b);
        return;
      }
      const armed = this.armed!;
      if (!armed.every) this.armed = undefined;
      dropping = false;
      this.drops++;
      void Promise.resolve(armed.onDrop()).finally(() => {
        client.destroy();
        upstream.destroy();
        armed.dropped(request);
      });
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
